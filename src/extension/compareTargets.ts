// Which traces a compare pairs, without `vscode` (unit-tested): runs of the same agent first,
// the earlier run as A, and the previous run of an agent.
import type { TraceSummaryDto } from '../protocol/dto';

export type TraceLike = Pick<TraceSummaryDto, 'traceId' | 'name' | 'title' | 'services' | 'startUnixNanos'>;

/** The same agent: same root name and same services (what a re-run of one agent looks like). */
export function sameAgent(a: Pick<TraceSummaryDto, 'name' | 'services'>, b: Pick<TraceSummaryDto, 'name' | 'services'>): boolean {
  return a.name === b.name && a.services.join('\n') === b.services.join('\n');
}

const startOf = (t: TraceLike): bigint => {
  try {
    return BigInt(t.startUnixNanos || '0');
  } catch {
    return 0n;
  }
};

/** A is the earlier run, so "run B diverges at step N" reads forwards in time. */
export function earlierFirst<T extends TraceLike>(x: T, y: T): [T, T] {
  return startOf(x) <= startOf(y) ? [x, y] : [y, x];
}

/** Candidates for "Compare with…": the other traces, runs of the same agent first, newest first in each group. */
export function compareCandidates<T extends TraceLike>(base: TraceLike, traces: readonly T[]): { sameAgent: T[]; otherAgents: T[] } {
  const others = traces.filter((t) => t.traceId !== base.traceId).sort((x, y) => (startOf(y) > startOf(x) ? 1 : startOf(y) < startOf(x) ? -1 : 0));
  return { sameAgent: others.filter((t) => sameAgent(t, base)), otherAgents: others.filter((t) => !sameAgent(t, base)) };
}

/** The newest run of the same agent that started before this one, or null. */
export function previousRun<T extends TraceLike>(current: TraceLike, traces: readonly T[]): T | null {
  const start = startOf(current);
  return compareCandidates(current, traces).sameAgent.find((t) => startOf(t) < start) ?? null;
}
