// The compare summary: where run B first diverges from run A, in words an agent developer
// uses ("the model called `search_docs` instead of `get_weather`"), and the totals with deltas.
import type { AlignedRow } from './align';
import { INPUT_FIELDS } from './fields';
import type { CompareStep } from './steps';

export interface RunTotals {
  durationMs: number;
  llmCalls: number;
  toolCalls: number;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  costUsd: number | null;
  errors: number;
}

export type TotalMetric = keyof RunTotals;
export const TOTAL_METRICS: readonly TotalMetric[] = [
  'durationMs', 'llmCalls', 'toolCalls', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'costUsd', 'errors',
];

export interface TotalDelta {
  metric: TotalMetric;
  a: number | null;
  b: number | null;
  /** b − a; null when either side is unknown. */
  delta: number | null;
}

export interface Divergence {
  /** Index into the aligned rows; the step number shown to users is row + 1. */
  row: number;
  step: number;
  /** The words after "run B diverges at step N: ". */
  what: string;
  /** The whole sentence. */
  text: string;
}

export function totalsDelta(a: RunTotals, b: RunTotals): TotalDelta[] {
  return TOTAL_METRICS.map((metric) => {
    const x = a[metric];
    const y = b[metric];
    return { metric, a: x, b: y, delta: x === null || y === null ? null : y - x };
  });
}

const code = (s: string) => `\`${s}\``;

/** How a step is named in a sentence. */
export function stepLabel(s: CompareStep): string {
  if (s.tool) return `tool call ${code(s.tool.name)}`;
  if (s.kind === 'llm') return s.model ? `model call (${code(s.model)})` : 'model call';
  if (s.kind === 'agent' && s.agentName) return `agent ${code(s.agentName)}`;
  return `step ${code(s.name)}`;
}

/** What changed in a pair, most telling first. */
export function describeChange(a: CompareStep, b: CompareStep, changed: readonly string[]): string {
  const has = (f: string) => changed.includes(f);
  const label = `the ${stepLabel(b)}`;
  if (has('edit')) return `the fork edited ${label}`;
  if (has('tool')) return `the model called ${code(b.tool?.name ?? '(no tool)')} instead of ${code(a.tool?.name ?? '(no tool)')}`;
  if (has('model')) return `the model call used ${code(b.model ?? 'an unknown model')} instead of ${code(a.model ?? 'an unknown model')}`;
  if (has('agent')) return `agent ${code(b.agentName ?? '(unnamed)')} ran instead of ${code(a.agentName ?? '(unnamed)')}`;
  if (has('name')) return `step ${code(b.name)} ran instead of ${code(a.name)}`;
  if (has('arguments')) return `${label} was called with different arguments`;
  if (has('parameters')) return `${label} had different parameters (temperature, max tokens or tools offered)`;
  if (has('input')) return `${label} got a different input`;
  if (has('result')) return `${label} returned a different result`;
  if (has('output')) return `${label} answered differently`;
  if (has('status') || has('error')) {
    if (b.status === 'error') return `${label} failed${b.error?.message ? `: ${b.error.message}` : ''}`;
    if (a.status === 'error') return `${label} no longer fails`;
    return `${label} ended with status ${b.status} instead of ${a.status}`;
  }
  if (has('usage')) return `${label} used a different number of tokens`;
  return `${label} cost a different amount`;
}

/**
 * The first row where the runs differ, read in time order: a changed parent whose own inputs
 * are the same only differs because of something under it, so the first changed child is
 * reported instead (the agent's output changed because a tool call below it changed).
 */
export function firstDivergence(rows: readonly AlignedRow[], a: CompareStep[], b: CompareStep[]): Divergence | null {
  const changeBelow = changesBelow(rows);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.status === 'same') continue;
    if (r.status === 'changed' && changeBelow[i] && !r.changed.some((f) => INPUT_FIELDS.has(f))) continue;
    const what =
      r.status === 'added'
        ? `an extra ${stepLabel(b[r.b!])} that run A does not have`
        : r.status === 'removed'
          ? `${stepLabel(a[r.a!])} of run A is missing`
          : describeChange(a[r.a!], b[r.b!], r.changed);
    return { row: i, step: i + 1, what, text: `run B diverges at step ${i + 1}: ${what}` };
  }
  return null;
}

/** For each row (depth-first order), whether any row below it differs; one pass, bottom up. */
function changesBelow(rows: readonly AlignedRow[]): boolean[] {
  const below = new Array<boolean>(rows.length).fill(false);
  // Open ancestors as a stack of row indexes; a row's subtree ends where depth comes back up.
  const stack: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    while (stack.length && rows[stack[stack.length - 1]].depth >= rows[i].depth) stack.pop();
    if (rows[i].status !== 'same') for (let k = stack.length - 1; k >= 0 && !below[stack[k]]; k--) below[stack[k]] = true;
    stack.push(i);
  }
  return below;
}
