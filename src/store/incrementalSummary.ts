// Updating a trace's summary from the spans of one export, without reading the trace again.
//
// summarizeParts (src/core/tree.ts) is the definition; this must give exactly what it gives over
// the whole trace. Most numbers simply add up. Two need the tree:
//  - usage and cost count only on spans with no reporting descendant. A new reporting span
//    climbs its ancestors (point lookups, not a scan) to mark them; a new span may also become
//    the parent of spans already stored (orphans until then), whose subtrees may report: each
//    stored orphan keeps a `carries` mark (1 = its subtree reports usage, 2 = cost) for that.
//  - the orphan count: stored orphans are rows of span_orphans, adopted by id.
// Whenever the exact answer would need the whole trace, extendSummary returns null and the
// caller rebuilds from all spans (summarizeParts): a new span replacing a stored one, a climb
// reaching a stored span that itself reports (whether it was counted is not kept), a cycle, and
// a new LLM span that may overlap another LLM span of the same model (in the export, or within
// the stored calls' time window for that model): two instrumentations recording one model call
// are judged duplicates with the whole trace.
// Pure: the stored trace is seen through TraceLookup.
import type { TraceSummary } from '../core/tree';
import type { Usage } from '../core/model';
import { nanosToIso, parseNanos, type SummaryPart } from '../core/tree';

export const USAGE_MARK = 1;
export const COST_MARK = 2;

interface Pick {
  id: string;
  start: string | null;
  name: string;
}

/** What the next export needs beyond the summary row (kept as JSON in traces.incr). */
export interface TraceState {
  root: Pick | null;
  earliest: Pick | null;
  minStart: string | null;
  maxEnd: string | null;
  /** Sum of the counted costs before rounding (the summary shows it rounded). */
  cost: number | null;
  /**
   * Per model (key: the model, or "" for none), the earliest start and latest end (ns) of the
   * stored LLM spans: a new call outside that window overlaps none of them. Calls made one
   * after another (the usual case) never fall inside; parallel calls of one model do, and make
   * a rebuild (they may be one call recorded twice).
   */
  llm: Record<string, [string, string]>;
}

export interface Orphan {
  spanId: string;
  parentId: string;
  carries: number;
}

export interface StoredSpan {
  parentId: string | null;
  usage: boolean;
  cost: boolean;
}

export interface TraceLookup {
  /** A stored span of this trace (not one of the new ones). */
  span(spanId: string): StoredSpan | undefined;
  /** Stored orphans whose missing parent is spanId. */
  orphansOf(spanId: string): Orphan[];
}

export interface OrphanEdits {
  adopted: string[];
  /** Stored orphans whose carries gained bits. */
  carries: Map<string, number>;
  added: Orphan[];
}

const isRootParent = (p: string | null | undefined): boolean => p === null || p === undefined || p === '';
const hasUsage = (p: SummaryPart): boolean =>
  p.usage.inputTokens !== null || p.usage.outputTokens !== null || p.usage.cacheReadTokens !== null ||
  p.usage.cacheWriteTokens !== null || p.usage.reasoningTokens !== null;
const ownMarks = (p: SummaryPart): number => (hasUsage(p) ? USAGE_MARK : 0) | (p.costUsd !== null ? COST_MARK : 0);

interface Candidate {
  pick: Pick;
  start: bigint | null;
}

/** summarizeParts' choice of name: the earliest start wins; equal (or both missing) starts go to the smaller span id. */
function better(c: Candidate, cur: Candidate | null): boolean {
  if (!cur) return true;
  const a = c.start;
  const b = cur.start;
  if (a !== null && b === null) return true;
  if (a === null && b !== null) return false;
  if (a !== null && b !== null && a !== b) return a < b;
  return c.pick.id < cur.pick.id;
}

const candidate = (pick: Pick | null): Candidate | null => (pick ? { pick, start: parseNanos(pick.start) } : null);
const fromBig = (n: bigint | null): string | null => (n === null ? null : n.toString());

/** TraceState while spans are added: times as bigints, parsed once (this runs for every span stored). */
class Accumulator {
  private minStart: bigint | null;
  private maxEnd: bigint | null;
  private root: Candidate | null;
  private earliest: Candidate | null;
  private readonly llm = new Map<string, [bigint, bigint]>();

  constructor(from: TraceState | null) {
    this.minStart = from?.minStart ? BigInt(from.minStart) : null;
    this.maxEnd = from?.maxEnd ? BigInt(from.maxEnd) : null;
    this.root = candidate(from?.root ?? null);
    this.earliest = candidate(from?.earliest ?? null);
    for (const [model, [a, b]] of Object.entries(from?.llm ?? {})) this.llm.set(model, [BigInt(a), BigInt(b)]);
  }

  add(p: SummaryPart): void {
    const start = parseNanos(p.startUnixNanos);
    const endOrNull = parseNanos(p.endUnixNanos);
    const end = endOrNull ?? start;
    if (start !== null && (this.minStart === null || start < this.minStart)) this.minStart = start;
    if (end !== null && (this.maxEnd === null || end > this.maxEnd)) this.maxEnd = end;
    const c: Candidate = { pick: { id: p.spanId, start: start === null ? null : p.startUnixNanos, name: p.name }, start };
    if (isRootParent(p.parentSpanId) && better(c, this.root)) this.root = c;
    if (better(c, this.earliest)) this.earliest = c;
    if (p.kind === 'llm' && start !== null && endOrNull !== null && endOrNull >= start) {
      const key = p.model ?? '';
      const cur = this.llm.get(key);
      this.llm.set(key, cur ? [cur[0] < start ? cur[0] : start, cur[1] > endOrNull ? cur[1] : endOrNull] : [start, endOrNull]);
    }
  }

  state(cost: number | null): TraceState {
    return {
      root: this.root?.pick ?? null,
      earliest: this.earliest?.pick ?? null,
      minStart: fromBig(this.minStart),
      maxEnd: fromBig(this.maxEnd),
      cost,
      llm: Object.fromEntries([...this.llm].map(([model, [a, b]]) => [model, [a.toString(), b.toString()]])),
    };
  }
}

/**
 * Usage and cost marks over a set of spans (as summarizeParts marks them), and the carries of
 * each orphan. Used for a whole trace (a rebuild); `cycles` is set when a climb loops.
 */
function markAll(parts: readonly SummaryPart[]): { marks: Map<string, number>; orphans: Orphan[] } {
  const byId = new Map<string, SummaryPart>();
  for (const p of parts) byId.set(p.spanId, p);
  const tops = parts.filter((p) => !isRootParent(p.parentSpanId) && !byId.has(p.parentSpanId as string));
  // Usage marks matter here only for what orphans carry; cost marks also decide the cost sum.
  const bits = tops.length > 0 ? [USAGE_MARK, COST_MARK] : [COST_MARK];
  const marks = new Map<string, number>();
  const carries = new Map<string, number>();
  for (const p of parts) {
    for (const bit of bits) {
      if (!(ownMarks(p) & bit)) continue;
      let child = p;
      let parentId = p.parentSpanId;
      while (!isRootParent(parentId)) {
        const parent = byId.get(parentId as string);
        if (!parent) {
          carries.set(child.spanId, (carries.get(child.spanId) ?? 0) | bit);
          break;
        }
        const m = marks.get(parent.spanId) ?? 0;
        if (m & bit) break;
        marks.set(parent.spanId, m | bit);
        child = parent;
        parentId = parent.parentSpanId;
      }
    }
  }
  const orphans = tops.map((p) => ({ spanId: p.spanId, parentId: p.parentSpanId as string, carries: (carries.get(p.spanId) ?? 0) | ownMarks(p) }));
  return { marks, orphans };
}

/** State and orphans of a whole trace, next to its summary as summarizeParts gave it. */
export function stateOf(parts: readonly SummaryPart[], summary: TraceSummary): { state: TraceState; orphans: Orphan[] } {
  const acc = new Accumulator(null);
  const { marks, orphans } = markAll(parts);
  let cost: number | null = null;
  for (const p of parts) {
    acc.add(p);
    if (p.costUsd !== null && !((marks.get(p.spanId) ?? 0) & COST_MARK)) cost = (cost ?? 0) + p.costUsd;
  }
  // summarizeParts may count less than the tree alone says (duplicate model calls): it is the definition.
  if (cost === null || roundCost(cost) !== summary.costUsd) cost = summary.costUsd;
  return { state: acc.state(cost), orphans };
}

/** Rounded to a picodollar, as summarizeParts rounds. */
export const roundCost = (c: number): number => Math.round(c * 1e12) / 1e12;

/**
 * The summary of the stored trace plus `added` (spans new to it, each id once), or null when
 * only a rebuild from all spans is exact (see the top of this file).
 */
export function extendSummary(
  prev: TraceSummary,
  prevState: TraceState,
  added: readonly SummaryPart[],
  lookup: TraceLookup,
  updatedAtMs: number,
): { summary: TraceSummary; state: TraceState; orphans: OrphanEdits } | null {
  const byId = new Map(added.map((p) => [p.spanId, p]));
  if (byId.size !== added.length) return null;
  if (possibleDuplicateCall(added, prevState)) return null;

  const marks = new Map<string, number>();
  const edits: OrphanEdits = { adopted: [], carries: new Map(), added: [] };
  const newOrphanCarries = new Map<string, number>();
  const storedSeen = new Map<string, number>(); // stored spans climbed through in this export, per bit
  const storedCache = new Map<string, StoredSpan | undefined>();
  const stored = (id: string): StoredSpan | undefined => {
    if (!storedCache.has(id)) storedCache.set(id, lookup.span(id));
    return storedCache.get(id);
  };

  /** Marks the ancestors above `from` with `bit`; false when only a rebuild is exact. */
  const climb = (from: string, bit: number): boolean => {
    let child = from;
    let parentId = byId.get(from)?.parentSpanId ?? stored(from)?.parentId ?? null;
    const path = new Set<string>([from]);
    while (!isRootParent(parentId)) {
      const id = parentId as string;
      if (path.has(id)) return false; // a cycle: summarizeParts marks it its own way
      path.add(id);
      const mine = byId.get(id);
      if (mine) {
        const m = marks.get(id) ?? 0;
        if (m & bit) return true; // marked before, and everything above it
        marks.set(id, m | bit);
        child = id;
        parentId = mine.parentSpanId;
        continue;
      }
      const old = stored(id);
      if (!old) {
        // `child` is the top of its subtree: an orphan, stored or new, now carrying `bit`.
        if (byId.has(child)) newOrphanCarries.set(child, (newOrphanCarries.get(child) ?? 0) | bit);
        else edits.carries.set(child, (edits.carries.get(child) ?? 0) | bit);
        return true;
      }
      if ((bit === USAGE_MARK && old.usage) || (bit === COST_MARK && old.cost)) return false; // was it counted? unknown
      const seen = storedSeen.get(id) ?? 0;
      if (seen & bit) return true;
      storedSeen.set(id, seen | bit);
      child = id;
      parentId = old.parentId;
    }
    return true;
  };

  // Stored orphans adopted by a new span bring their subtree's usage and cost beneath it.
  let adoptedCount = 0;
  if (prev.orphanCount > 0) {
    for (const p of added) {
      for (const o of lookup.orphansOf(p.spanId)) {
        adoptedCount++;
        edits.adopted.push(o.spanId);
        for (const bit of [USAGE_MARK, COST_MARK]) {
          if (!(o.carries & bit)) continue;
          const m = marks.get(p.spanId) ?? 0;
          if (m & bit) continue;
          marks.set(p.spanId, m | bit);
          if (!climb(p.spanId, bit)) return null;
        }
      }
    }
  }
  for (const p of added) {
    for (const bit of [USAGE_MARK, COST_MARK]) if (ownMarks(p) & bit && !climb(p.spanId, bit)) return null;
  }

  const acc = new Accumulator(prevState);
  let cost = prevState.cost;
  const usage: Usage = { ...prev.usage };
  const add = (k: keyof Usage, v: number | null): void => {
    if (v !== null) usage[k] = (usage[k] ?? 0) + v;
  };
  const services = new Set(prev.services);
  const models = new Set(prev.models);
  let errors = 0;
  let llm = 0;
  let tools = 0;
  let orphansAdded = 0;
  for (const p of added) {
    acc.add(p);
    if (p.statusCode === 'error') errors++;
    if (p.kind === 'llm') llm++;
    if (p.kind === 'tool') tools++;
    if (p.service) services.add(p.service);
    if (p.model) models.add(p.model);
    const m = marks.get(p.spanId) ?? 0;
    if (!(m & USAGE_MARK)) {
      add('inputTokens', p.usage.inputTokens);
      add('outputTokens', p.usage.outputTokens);
      add('cacheReadTokens', p.usage.cacheReadTokens);
      add('cacheWriteTokens', p.usage.cacheWriteTokens);
      add('reasoningTokens', p.usage.reasoningTokens);
    }
    if (p.costUsd !== null && !(m & COST_MARK)) cost = (cost ?? 0) + p.costUsd;
    if (!isRootParent(p.parentSpanId) && !byId.has(p.parentSpanId as string) && !stored(p.parentSpanId as string)) {
      orphansAdded++;
      edits.added.push({ spanId: p.spanId, parentId: p.parentSpanId as string, carries: (newOrphanCarries.get(p.spanId) ?? 0) | ownMarks(p) });
    }
  }
  const state = acc.state(cost);
  const minStart = state.minStart === null ? null : BigInt(state.minStart);
  const maxEnd = state.maxEnd === null ? null : BigInt(state.maxEnd);
  const startNanos = minStart === null ? '0' : minStart.toString();
  return {
    state,
    orphans: edits,
    summary: {
      traceId: prev.traceId,
      name: (state.root ?? state.earliest)?.name ?? '',
      services: [...services].sort(),
      startTime: nanosToIso(startNanos),
      startUnixNanos: startNanos,
      durationMs: minStart !== null && maxEnd !== null && maxEnd > minStart ? Number((maxEnd - minStart) / 1000n) / 1000 : 0,
      spanCount: prev.spanCount + added.length,
      errorCount: prev.errorCount + errors,
      llmCalls: prev.llmCalls + llm,
      toolCalls: prev.toolCalls + tools,
      models: [...models].sort(),
      usage,
      costUsd: cost === null ? null : roundCost(cost),
      orphanCount: prev.orphanCount - adoptedCount + orphansAdded,
      updatedAtMs,
    },
  };
}

/**
 * A new LLM span overlapping (strictly: calls one after another only touch) another LLM span of
 * the same model, new or stored, or one without times to tell.
 */
function possibleDuplicateCall(added: readonly SummaryPart[], state: TraceState): boolean {
  const byModel = new Map<string, { start: bigint; end: bigint }[]>();
  for (const p of added) {
    if (p.kind !== 'llm') continue;
    const start = parseNanos(p.startUnixNanos);
    const end = parseNanos(p.endUnixNanos);
    if (start === null || end === null || end < start) return true;
    const key = p.model ?? '';
    const stored = state.llm[key];
    if (stored) {
      const [from, to] = [BigInt(stored[0]), BigInt(stored[1])];
      // A call without duration is judged by its instant, touching included.
      if (start === end ? start <= to && from <= end : start < to && from < end) return true;
    }
    const list = byModel.get(key);
    if (list) list.push({ start, end });
    else byModel.set(key, [{ start, end }]);
  }
  // Within the export: sorted by start, a call overlaps an earlier one iff it starts before the latest end so far.
  for (const list of byModel.values()) {
    list.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    let latestEnd: bigint | null = null;
    let lastStart: bigint | null = null;
    for (const w of list) {
      if (latestEnd !== null && (w.start < latestEnd || w.start === lastStart)) return true;
      if (latestEnd === null || w.end > latestEnd) latestEnd = w.end;
      lastStart = w.start;
    }
  }
  return false;
}
