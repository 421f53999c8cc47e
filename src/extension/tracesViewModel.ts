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
  return parts.join(', ');
}
