// Pure parts of the Traces view (unit-tested without `vscode`).
import type { TraceFilterDto, TraceSummaryDto } from '../protocol/dto';

/** Newest first by exact start time (nanoseconds exceed a double's precision). */
export function compareNewestFirst(a: TraceSummaryDto, b: TraceSummaryDto): number {
  const x = BigInt(a.startUnixNanos || '0');
  const y = BigInt(b.startUnixNanos || '0');
  return x === y ? 0 : x > y ? -1 : 1;
}

export function filterSummary(f: TraceFilterDto): string {
  const parts: string[] = [];
  if (f.text) parts.push(`"${f.text}"`);
  if (f.service) parts.push(`service ${f.service}`);
  if (f.model) parts.push(`model ${f.model}`);
  if (f.errorsOnly) parts.push('errors only');
  if (f.failedChecksOnly) parts.push('failed checks only');
  return parts.join(', ');
}

/** Two opens of the same trace this close together are a double-click (VS Code's own threshold is about this). */
export const DOUBLE_CLICK_MS = 500;

export function isRepeatOpen(prev: { traceId: string; atMs: number } | null, traceId: string, nowMs: number, windowMs = DOUBLE_CLICK_MS): boolean {
  return prev !== null && prev.traceId === traceId && nowMs - prev.atMs <= windowMs;
}

/**
 * The activity-bar badge: failed runs written since the user last looked at the view (not
 * every trace, which says nothing once there are a few).
 */
export function newFailedRuns(list: readonly Pick<TraceSummaryDto, 'errorCount' | 'updatedAtMs'>[], lastSeenMs: number): number {
  let n = 0;
  for (const t of list) if (t.errorCount > 0 && t.updatedAtMs > lastSeenMs) n++;
  return n;
}

export function badgeTooltip(n: number): string {
  return `${n} failed ${n === 1 ? 'run' : 'runs'} since you last looked`;
}
