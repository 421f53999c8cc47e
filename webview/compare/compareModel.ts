// The compare panel's view model: DOM-free, unit-tested. Change navigation (F7 / Shift+F7, as
// in VS Code's diff editor), one time scale for both waterfalls, and display texts.
import type { CompareMetricDto, CompareResultDto, CompareRowDto, CompareStepDto, RequestSectionDto } from '../../src/protocol/compare';
import { formatCost, formatDuration, formatTokens } from '../shared/format';

/** The next (dir 1) or previous (dir -1) row that differs, wrapping around; -1 when none differs. */
export function nextChange(rows: readonly CompareRowDto[], current: number, dir: 1 | -1): number {
  const n = rows.length;
  if (n === 0) return -1;
  const start = current < 0 || current >= n ? (dir === 1 ? -1 : n) : current;
  for (let k = 1; k <= n; k++) {
    const i = (((start + dir * k) % n) + n) % n;
    if (rows[i].status !== 'same') return i;
  }
  return -1;
}

/** The position of a change among all changes ("2 of 5"), 0 when the row is not a change. */
export function changeOrdinal(rows: readonly CompareRowDto[], index: number): number {
  if (!rows[index] || rows[index].status === 'same') return 0;
  let n = 0;
  for (let i = 0; i <= index; i++) if (rows[i].status !== 'same') n++;
  return n;
}

/** Both waterfalls share one scale: the longer run fills the width, so equal lengths look equal. */
export function timeScaleMs(result: CompareResultDto): number {
  let max = Math.max(result.a.durationMs, result.b.durationMs);
  for (const r of result.rows) {
    for (const s of [r.a, r.b]) if (s) max = Math.max(max, s.offsetMs + s.durationMs);
  }
  return max;
}

export interface Bar {
  leftPct: number;
  widthPct: number;
}

export function barOf(step: CompareStepDto, scaleMs: number, minWidthPct = 0.3): Bar {
  if (scaleMs <= 0) return { leftPct: 0, widthPct: 100 };
  const left = Math.min(100 - minWidthPct, Math.max(0, (step.offsetMs / scaleMs) * 100));
  const width = (Math.max(0, step.durationMs) / scaleMs) * 100;
  return { leftPct: left, widthPct: Math.min(100 - left, Math.max(minWidthPct, width)) };
}

/** What a row shows for a step: the tool name for tool calls, else the span name. */
export function stepLabel(step: CompareStepDto): string {
  return step.kind === 'tool' && step.tool ? step.tool : step.name;
}

export const METRIC_LABEL: Record<CompareMetricDto, string> = {
  durationMs: 'Duration',
  llmCalls: 'LLM calls',
  toolCalls: 'Tool calls',
  inputTokens: 'Input tokens',
  outputTokens: 'Output tokens',
  cacheReadTokens: 'Cache read tokens',
  cacheWriteTokens: 'Cache write tokens',
  costUsd: 'Cost',
  errors: 'Errors',
};

export function formatMetric(metric: CompareMetricDto, v: number | null): string {
  if (metric === 'durationMs') return formatDuration(v);
  if (metric === 'costUsd') return formatCost(v);
  if (metric === 'inputTokens' || metric === 'outputTokens' || metric === 'cacheReadTokens' || metric === 'cacheWriteTokens') return formatTokens(v);
  return v === null ? 'unknown' : String(v);
}

/** "+1.2 s", "−3", "±0"; empty when unknown. */
export function formatMetricDelta(metric: CompareMetricDto, delta: number | null): string {
  if (delta === null) return '';
  if (delta === 0) return '±0';
  return `${delta > 0 ? '+' : '−'}${formatMetric(metric, Math.abs(delta))}`;
}

export const STATUS_LABEL: Record<CompareRowDto['status'], string> = {
  same: 'same',
  changed: 'changed',
  added: 'only in run B',
  removed: 'only in run A',
};

/** JSON values of a structural diff shown as compact text (never as HTML). */
export function jsonText(v: unknown): string {
  if (v === undefined) return '';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 2_000 ? s.slice(0, 2_000) + '…' : s;
}

export const REQUEST_SECTION_LABEL: Record<RequestSectionDto, string> = {
  model: 'model',
  system: 'system prompt',
  messages: 'messages',
  tools: 'tools',
  parameters: 'parameters',
  body: 'whole body',
};

/** The fork step's diff reads original → fork, which is B → A when run A is the fork. */
export function forkDirection(original: 'a' | 'b'): string {
  return original === 'a' ? 'run A → run B' : 'run B → run A';
}
