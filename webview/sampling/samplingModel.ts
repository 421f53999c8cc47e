// What the sampling lab's page derives from the host's state: which trace rows a filter shows,
// in what order, the tags of a row and the head ratio a user typed. DOM-free, unit-tested.
import type { SamplingBatchDto, SamplingTraceRowDto } from '../../src/protocol/dto';

export type RowFilter = 'all' | 'dropped' | 'kept' | 'lost';

/** Rows for a filter: `lost` is the failures the policy drops (errors and loops). Lost rows come first, then newest first. */
export function visibleRows(rows: readonly SamplingTraceRowDto[], filter: RowFilter): SamplingTraceRowDto[] {
  const lost = (r: SamplingTraceRowDto) => !r.kept && (r.errorCount > 0 || r.loop);
  const shown = rows.filter((r) => (filter === 'all' ? true : filter === 'dropped' ? !r.kept : filter === 'kept' ? r.kept : lost(r)));
  return shown
    .map((r, i) => ({ r, i, lost: lost(r) }))
    .sort((a, b) => (a.lost !== b.lost ? (a.lost ? -1 : 1) : b.r.startTime.localeCompare(a.r.startTime) || a.i - b.i))
    .map((x) => x.r);
}

export function rowTags(r: SamplingTraceRowDto): string[] {
  const tags: string[] = [];
  if (r.errorCount > 0) tags.push(r.errorCount === 1 ? 'error' : `${r.errorCount} errors`);
  if (r.loop) tags.push('loop');
  if (r.approximate) tags.push('approximate');
  if (r.policies.some((p) => p.decision === 'not_simulated')) tags.push('not simulated');
  return tags;
}

/** "0.01", "1%", "" → ratio in [0, 1], null for none, undefined when unreadable. */
export function parseHeadRatio(text: string): number | null | undefined {
  const t = text.trim();
  if (t === '') return null;
  const percent = t.endsWith('%');
  const n = Number(percent ? t.slice(0, -1) : t);
  if (!Number.isFinite(n)) return undefined;
  const ratio = percent ? n / 100 : n;
  return ratio >= 0 && ratio <= 1 ? ratio : undefined;
}

/** `key=value` ids of the batch select. */
export const batchId = (b: { key: string; value: string }): string => `${b.key}=${b.value}`;

export function batchFromId(id: string, batches: readonly SamplingBatchDto[]): SamplingBatchDto | null {
  return batches.find((b) => batchId(b) === id) ?? null;
}
