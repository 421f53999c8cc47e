// Titles for trace lists (src/core/traceTitle.ts says why). Computed at list time from a few
// span documents per generically named trace, and cached per trace until it is written again,
// so a list refresh after one new span re-reads one trace, not all of them.
import { isGenericTraceName, titleSourcesOf, traceTitle } from '../core/traceTitle';
import type { TraceSummaryDto } from '../protocol/dto';
import type { TraceStore } from '../store/traceStore';

const MAX_CACHED = 5000;

export class TraceTitles {
  private readonly cache = new Map<string, { updatedAtMs: number; title: string }>();

  constructor(private readonly store: Pick<TraceStore, 'titleSpans'>) {}

  /** The same summaries, each with its `title` (name untouched: `list --json` stays stable). */
  withTitles(list: TraceSummaryDto[]): TraceSummaryDto[] {
    return list.map((t) => ({ ...t, title: this.titleOf(t) }));
  }

  titleOf(t: Pick<TraceSummaryDto, 'traceId' | 'name' | 'updatedAtMs'>): string {
    if (!isGenericTraceName(t.name)) return t.name;
    const hit = this.cache.get(t.traceId);
    if (hit && hit.updatedAtMs === t.updatedAtMs) return hit.title;
    const title = traceTitle(titleSourcesOf(t.name, this.store.titleSpans(t.traceId)));
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(t.traceId, { updatedAtMs: t.updatedAtMs, title });
    return title;
  }
}
