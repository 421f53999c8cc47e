// Small pure helpers behind the detail pane (unit-tested in Node).
import type { SpanDto } from '../../src/protocol/dto';
import { prettyValue } from '../shared/format';

/** Says where a cost figure came from; "unknown" is explained, never shown as $0. */
export function costExplanation(s: Pick<SpanDto, 'costUsd' | 'costSource' | 'model' | 'usage'>): string {
  if (s.costUsd === null) {
    if (!s.model) return 'unknown: no model recorded';
    if (s.usage.inputTokens === null && s.usage.outputTokens === null) return 'unknown: no token usage reported';
    return `unknown: no price known for ${s.model}`;
  }
  if (s.costSource === 'reported') return 'reported by the instrumentation';
  if (s.costSource === 'computed') return 'computed from token usage and model prices';
  return '';
}

/** Rows whose key or pretty-printed value contains the filter text (case-insensitive). */
export function filterEntries(entries: [string, unknown][], filter: string): [string, unknown][] {
  const f = filter.trim().toLowerCase();
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (!f) return sorted;
  return sorted.filter(([k, v]) => k.toLowerCase().includes(f) || prettyValue(v).toLowerCase().includes(f));
}

/** CSS class for a chat bubble; unknown roles get a neutral look. */
export function roleClass(role: string): string {
  const r = role.toLowerCase();
  if (r === 'system' || r === 'developer') return 'role-system';
  if (r === 'user' || r === 'human') return 'role-user';
  if (r === 'assistant' || r === 'model' || r === 'ai') return 'role-assistant';
  if (r === 'tool' || r === 'function' || r === 'ipython') return 'role-tool';
  return 'role-other';
}

/**
 * The badge beside a step's name: a failed span is an error; a step that only reports an error
 * (a log at error level, e.g. Logfire's `logfire.error`) while its span did not fail is shown
 * as a warning, so it stands out without counting as a failed run.
 */
export function statusBadge(s: Pick<SpanDto, 'status' | 'error' | 'level'>): { text: string; cls: 'status-error' | 'status-warning' } | null {
  if (s.status === 'error') return { text: 'error', cls: 'status-error' };
  if (s.error) return { text: s.level ? `${s.level} level` : 'error', cls: 'status-warning' };
  if (s.level === 'warn') return { text: 'warn', cls: 'status-warning' };
  return null;
}

/** An instrumented function's arguments (decoded by their JSON schema), in their recorded order. */
export function argumentEntries(s: Pick<SpanDto, 'arguments'>): [string, unknown][] {
  return s.arguments ? Object.entries(s.arguments) : [];
}

/** Tab positions of the detail pane, in the order spanDetail.ts renders them. */
export const DetailTab = { conversation: 0, usage: 1, error: 2, attributes: 3 } as const;
