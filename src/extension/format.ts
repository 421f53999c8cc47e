// Text for the tree, tooltips and status bar (no `vscode` import: unit-tested). Figures come from
// the one formatting module, src/core/format.ts; here only what is the extension's own layout.
import * as core from '../core/format';
import { DEFAULT_HOST } from '../protocol/defaults';
import type { ServerStatusDto, TraceSummaryDto, UsageDto } from '../protocol/dto';
import type { SpanAtLineDto } from '../protocol/lsp';

/** Durations as everywhere else ("280 µs", "1.2 s", "2 min 3 s"); "—" when unknown. */
export function formatDuration(ms: number): string {
  return Number.isFinite(ms) && ms >= 0 ? core.formatDuration(ms) : '—';
}

export function formatRelativeTime(thenMs: number, nowMs: number): string {
  const d = Math.max(0, nowMs - thenMs);
  if (d < 45_000) return 'just now';
  const min = Math.round(d / 60_000);
  if (min < 60) return `${min} min ago`;
  const h = Math.round(d / 3_600_000);
  if (h < 24) return `${h} h ago`;
  const days = Math.round(d / 86_400_000);
  return days === 1 ? 'yesterday' : `${days} days ago`;
}

/** Compact token count ("1.54k"); null (not reported) stays null so callers leave it out instead of showing 0. */
export function formatTokens(n: number | null): string | null {
  return n === null || !Number.isFinite(n) ? null : core.formatTokens(n);
}

/** Cost with significant digits ("$0.000036"); null when unknown, so callers leave it out. */
export function formatCost(usd: number | null): string | null {
  return usd === null || !Number.isFinite(usd) ? null : core.formatCost(usd);
}

/** Input + output tokens when at least one was reported. */
export function totalTokens(u: UsageDto): number | null {
  if (u.inputTokens === null && u.outputTokens === null) return null;
  return (u.inputTokens ?? 0) + (u.outputTokens ?? 0);
}

function startMs(t: TraceSummaryDto): number {
  const parsed = Date.parse(t.startTime);
  return Number.isNaN(parsed) ? t.updatedAtMs : parsed;
}

/**
 * Tree item description, most telling figure first, since a narrow sidebar cuts the end off:
 * duration · cost · relative time · tokens · service (the icon already says failed or not).
 */
export function traceDescription(t: TraceSummaryDto, nowMs: number): string {
  const parts: string[] = [formatDuration(t.durationMs)];
  const marker = checksMarker(t);
  if (marker) parts.unshift(marker);
  const cost = formatCost(t.costUsd);
  if (cost !== null) parts.push(cost);
  parts.push(formatRelativeTime(startMs(t), nowMs));
  const tok = formatTokens(totalTokens(t.usage));
  if (tok !== null) parts.push(`${tok} tok`);
  if (t.services.length) parts.push(t.services.length > 1 ? `${t.services[0]} +${t.services.length - 1}` : t.services[0]);
  return parts.join(' · ');
}

/** The server's title (agent + first user message for generically named runs), else the root span's name. */
export function displayName(t: Pick<TraceSummaryDto, 'name' | 'title'>): string {
  return t.title || t.name || '(unnamed trace)';
}

const MAX_FIELD = 200;
export function truncate(s: string, max = MAX_FIELD): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * Tooltip rows as [label, value] pairs. Values come from spans (untrusted): the extension
 * appends them with MarkdownString.appendText only, labels are our own constants.
 */
export function traceTooltipRows(t: TraceSummaryDto, nowMs: number): [string, string][] {
  const rows: [string, string][] = [];
  rows.push(['Trace', truncate(displayName(t))]);
  if (t.title && t.title !== t.name) rows.push(['Root span', truncate(t.name || '(unnamed)')]);
  rows.push(['Trace id', t.traceId]);
  if (t.services.length) rows.push(['Services', truncate(t.services.join(', '))]);
  rows.push(['Started', `${t.startTime} (${formatRelativeTime(startMs(t), nowMs)})`]);
  rows.push(['Duration', formatDuration(t.durationMs)]);
  rows.push(['Spans', `${t.spanCount} (${t.llmCalls} LLM calls, ${t.toolCalls} tool calls)`]);
  if (t.errorCount) rows.push(['Errors', String(t.errorCount)]);
  if (t.models.length) rows.push(['Models', truncate(t.models.join(', '))]);
  const u = t.usage;
  const tokenParts: string[] = [];
  const add = (label: string, n: number | null) => {
    const f = formatTokens(n);
    if (f !== null) tokenParts.push(`${f} ${label}`);
  };
  add('in', u.inputTokens);
  add('out', u.outputTokens);
  add('cache read', u.cacheReadTokens);
  add('cache write', u.cacheWriteTokens);
  add('reasoning', u.reasoningTokens);
  rows.push(['Tokens', tokenParts.length ? tokenParts.join(', ') : 'not reported']);
  rows.push(['Cost', formatCost(t.costUsd) ?? 'unknown']);
  if (t.orphanCount) rows.push(['Orphan spans', String(t.orphanCount)]);
  if (t.checks) rows.push(['Checks', checksCountsText(t.checks)]);
  return rows;
}

/** True when some check of the run failed or could not run. */
export function checksFailed(t: Pick<TraceSummaryDto, 'checks'>): boolean {
  return !!t.checks && t.checks.failed + t.checks.errors > 0;
}

/** The Traces view's pass or fail mark of a run's checks ("✓ checks", "✗ 2 of 5 checks failed"); null when none ran. */
export function checksMarker(t: Pick<TraceSummaryDto, 'checks'>): string | null {
  const c = t.checks;
  if (!c) return null;
  if (c.failed + c.errors === 0) return '✓ checks';
  const total = c.passed + c.failed + c.errors;
  if (c.failed === 0) return `✗ ${c.errors} of ${total} ${total === 1 ? 'check' : 'checks'} could not run`;
  return `✗ ${c.failed} of ${total} ${total === 1 ? 'check' : 'checks'} failed`;
}

/** "3 passed, 2 failed, 1 error" (errors: checks that could not be evaluated, never passes). */
export function checksCountsText(c: { passed: number; failed: number; errors: number }): string {
  const parts = [`${c.passed} passed`, `${c.failed} failed`];
  if (c.errors) parts.push(`${c.errors} ${c.errors === 1 ? 'error' : 'errors'}`);
  return parts.join(', ');
}

export type ServerState = 'starting' | 'running' | 'stopped' | 'failed';

export interface StatusBarText {
  text: string;
  /** Plain-text tooltip lines. */
  tooltip: string[];
  warning: boolean;
}

export function endpointOf(status: Pick<ServerStatusDto, 'host' | 'httpPort' | 'grpcPort'>): string {
  return `${hostForUrl(status.host)}:${status.httpPort} (HTTP), :${status.grpcPort} (gRPC)`;
}

/** Hosts that mean "every interface" are reached through loopback; IPv6 needs brackets in URLs. */
export function hostForUrl(host: string): string {
  const h = host.trim() || DEFAULT_HOST;
  if (h === '0.0.0.0') return '127.0.0.1';
  if (h === '::') return '[::1]';
  if (h.includes(':') && !h.startsWith('[')) return `[${h}]`;
  return h;
}

/** The newest trace, as the status bar tells it. */
export interface LastTraceInfo {
  name: string;
  failed: boolean;
  startMs: number;
  durationMs: number;
}

export function lastTraceInfo(t: TraceSummaryDto | undefined): LastTraceInfo | null {
  return t ? { name: displayName(t), failed: t.errorCount > 0, startMs: startMs(t), durationMs: t.durationMs } : null;
}

/** "last run failed 2 min ago" / "last run ok 4.3 s" (duration when it just ended, else age). */
export function lastTraceText(last: LastTraceInfo | null, nowMs: number): string {
  if (!last) return 'no runs yet';
  const age = formatRelativeTime(last.startMs, nowMs);
  return `last run ${last.failed ? 'failed' : 'ok'} ${age}`;
}

/**
 * The status bar says what matters: whether spans can arrive, and how the newest run went
 * (not a count of every span in the database, which tells a user nothing).
 */
export function statusBarText(state: ServerState, status: ServerStatusDto | null, last: LastTraceInfo | null = null, nowMs = Date.now()): StatusBarText {
  if (state === 'stopped') return { text: '$(circle-slash) Agent Trace: stopped', tooltip: ['The trace server is stopped.', 'Click for actions.'], warning: false };
  if (state === 'failed') return { text: '$(error) Agent Trace: server failed', tooltip: ['The trace server stopped unexpectedly.', 'Click for actions.'], warning: true };
  if (state === 'starting' || !status) return { text: '$(sync~spin) Agent Trace: starting', tooltip: ['Starting the trace server…'], warning: false };
  const role = status.role === 'writer' ? 'writer' : 'follower';
  const lastText = lastTraceText(last, nowMs);
  const tooltip = [
    status.listening ? `Listening on ${endpointOf(status)}` : `Not listening: ${status.problem ?? 'unknown reason'}`,
    last ? `Last run: ${truncate(last.name || '(unnamed)', 80)}, ${last.failed ? 'failed' : 'ok'}, ${formatDuration(last.durationMs)}, ${formatRelativeTime(last.startMs, nowMs)}` : 'No runs recorded yet.',
    role === 'writer' ? 'This window receives spans and writes the database.' : 'Follower: another VS Code window receives spans; this one reads the shared database.',
    `${status.traceCount} traces stored in ${status.dbPath}`,
    'Click for actions.',
  ];
  const lastIcon = last?.failed ? '$(error)' : '';
  if (status.listening) return { text: `$(radio-tower) Agent Trace: listening · ${lastIcon}${lastText}`, tooltip, warning: false };
  if (role === 'follower' && !status.problem) return { text: `$(eye) Agent Trace: follower · ${lastIcon}${lastText}`, tooltip, warning: false };
  return { text: `$(warning) Agent Trace: not listening`, tooltip, warning: true };
}

/** Untrusted text where VS Code renders `$(icon)` syntax (quick pick rows): one line, no icons. */
export function plainRowText(text: string, max = 120): string {
  return truncate(text.replace(/\s+/g, ' ').trim().replaceAll('$(', '$\u200b('), max);
}

/**
 * A row of the "spans at this line" picker: when it ran, whether it failed, how long it took and
 * what its subtree cost, so two calls of the same tool are told apart at a glance.
 */
export function spanAtLineRow(s: SpanAtLineDto, nowMs: number): { description: string; detail: string } {
  const parts = [formatRelativeTime(Date.parse(s.startTime), nowMs)];
  if (s.failed !== undefined) parts.push(s.failed ? 'failed' : 'ok');
  if (s.durationMs !== undefined && s.durationMs !== null) parts.push(formatDuration(s.durationMs));
  const tokens = formatTokens(s.tokens ?? null);
  if (tokens !== null) parts.push(`${tokens} tok`);
  const cost = formatCost(s.costUsd ?? null);
  if (cost !== null) parts.push(cost);
  else if (s.llmCalls) parts.push('cost unknown');
  const detail = s.errorMessage ? plainRowText(s.errorMessage) : `trace ${s.traceId}`;
  return { description: parts.join(' · '), detail };
}
