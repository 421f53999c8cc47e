// Batch against batch (issue 11): every measure of every group, before against after, with the
// test that fits the measure. Pass and error rates are proportions (Fisher's exact test when a
// cell is small, else the two-proportion z test); latency, tokens, cost and call counts are
// compared by rank (Mann–Whitney U), with a seeded bootstrap interval of the median's change
// when the groups are small enough for it to be cheap. Regressions (worse after, significant at
// alpha, and large enough to matter) come first.
import { formatMeasure, measureLabel, NUMERIC_MEASURES, formatPercent, type NumericMeasure } from './measures';
import { bootstrapMedianDelta, compareProportions, mannWhitneyFromCounts, mannWhitneyFromSorted, proportionDeltaInterval, quantileOfSorted } from './stats';
import type { BatchFinding, FleetMeasure, FleetRun } from './types';
import { groupRunsOf } from './aggregate';
import { columnsOfRuns, concatColumns, type FleetColumns } from './columns';

export const DEFAULT_ALPHA = 0.01;
/** Runs each side needs before a group's measure is tested (fewer: listed with test 'none'). */
export const MIN_RUNS_FOR_TEST = 5;
/**
 * A significant change counts as a regression or improvement only when it is also this large:
 * 10% of the before median for numeric measures, 5 points for rates. With thousands of runs a
 * rank test finds a 1% latency shift "significant"; nobody should be paged for that.
 */
export const MIN_RELATIVE_CHANGE = 0.1;
export const MIN_RATE_CHANGE = 0.05;
/**
 * The bootstrap interval is computed up to this many runs in a group (both sides), 1,000
 * resamples, while the compare's budget of resampled values lasts (the biggest groups are
 * compared first, so small ones late in the list may go without): a compare answers in well
 * under a second however many groups there are; the rank test's p-value decides either way.
 */
export const BOOTSTRAP_MAX_RUNS = 1_000;
const BOOTSTRAP_RESAMPLES = 1_000;
const BOOTSTRAP_BUDGET = 4_000_000;
/** Checks compared at most (by name). */
const MAX_CHECKS = 50;

export interface CompareOptions {
  alpha?: number;
  groupAttribute?: string | null;
}

type GroupRef = BatchFinding['group'];

interface Group {
  ref: GroupRef;
  /** Its runs over the combined runs (before first, then after), ascending. */
  indices: Uint32Array;
}

/** Which groups a run is in, by number: group 0 (all runs), its membership's groups, its attribute value's group. */
interface RunGroups {
  ofSet: Int32Array[];
  ofValue: Int32Array;
}

export function compareBatchRuns(before: readonly FleetRun[], after: readonly FleetRun[], opts: CompareOptions = {}): BatchFinding[] {
  return compareBatchColumns(columnsOfRuns(before), columnsOfRuns(after), opts);
}

export function compareBatchColumns(before: FleetColumns, after: FleetColumns, opts: CompareOptions = {}): BatchFinding[] {
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  const all = concatColumns(before, after);
  const split = before.length;
  const { groups, runGroups } = groupsOf(all, opts.groupAttribute ?? null);
  const scratch = new GroupScratch(groups);
  const findings: BatchFinding[] = [];
  const budget = { values: BOOTSTRAP_BUDGET };
  // Per-run values are columns already; every group loops over typed arrays.
  const durations = all.durationMs;
  for (const measure of NUMERIC_MEASURES) findings.push(...numericFindings(all, split, groups, runGroups, scratch, measure, alpha, budget));
  // A rate finding that is no regression or improvement gets its group's typical pair by latency
  // (cheap: from the sorted walk above); the others look for a run with and without the problem.
  const byLatency = new Map<GroupRef, BatchFinding['typicalPair']>();
  for (const f of findings) if (f.measure === 'durationMs') byLatency.set(f.group, f.typicalPair);
  const errors = new Int8Array(all.length);
  for (let i = 0; i < all.length; i++) errors[i] = all.errorCount[i] > 0 ? 1 : 0;
  for (const g of groups) {
    const f = proportionFinding(all, split, g, 'errorRate', errors, durations, alpha, true, byLatency.get(g.ref) ?? null);
    if (f) findings.push(f);
  }
  const outcomes = new Int8Array(all.length);
  for (const check of checkNames(all)) {
    // 1 pass, 0 fail or error, −1 not evaluated on that run: decided once per set of outcomes.
    const ofSet = Int8Array.from(all.checkSets, (checks) => {
      const o = checks?.get(check);
      return o === undefined ? -1 : o === 'pass' ? 1 : 0;
    });
    for (let i = 0; i < all.length; i++) outcomes[i] = ofSet[all.checkSet[i]];
    for (const g of groups) {
      const f = proportionFinding(all, split, g, `check:${check}`, outcomes, durations, alpha, false, byLatency.get(g.ref) ?? null);
      if (f) findings.push(f);
    }
  }
  return order(withoutDuplicates(findings));
}

// -------------------------------------------------------------------------------------------
// Groups

function groupsOf(all: FleetColumns, attribute: string | null): { groups: Group[]; runGroups: RunGroups } {
  const n = all.length;
  const { specs, groupsOfSet, groupOfValue } = groupRunsOf(all, attribute, false);
  // Numbered from 1 (0 is all runs); a membership naming a value twice is in its group once.
  const ofSet = groupsOfSet.map((ids) => Int32Array.from(new Set(ids), (id) => id + 1));
  const ofValue = groupOfValue.map((id) => (id < 0 ? -1 : id + 1));
  const sizes = new Uint32Array(specs.length + 1);
  sizes[0] = n;
  for (let i = 0; i < n; i++) {
    const ids = ofSet[all.memberSet[i]];
    for (let k = 0; k < ids.length; k++) sizes[ids[k]]++;
    const v = all.attribute[i];
    if (v >= 0 && ofValue[v] > 0) sizes[ofValue[v]]++;
  }
  const indices = Array.from(sizes, (size) => new Uint32Array(size));
  const filled = new Uint32Array(sizes.length);
  for (let i = 0; i < n; i++) {
    indices[0][i] = i;
    const ids = ofSet[all.memberSet[i]];
    for (let k = 0; k < ids.length; k++) indices[ids[k]][filled[ids[k]]++] = i;
    const v = all.attribute[i];
    if (v >= 0 && ofValue[v] > 0) indices[ofValue[v]][filled[ofValue[v]]++] = i;
  }
  const groups: Group[] = [{ ref: { dimension: 'all', key: 'all', value: 'all' }, indices: indices[0] }];
  specs.forEach((g, k) => groups.push({ ref: { dimension: g.dimension, key: g.key, value: g.value }, indices: indices[k + 1] }));
  return { groups, runGroups: { ofSet, ofValue } };
}

function checkNames(all: FleetColumns): string[] {
  const used = new Uint8Array(all.checkSets.length);
  for (let i = 0; i < all.length; i++) used[all.checkSet[i]] = 1;
  const names = new Set<string>();
  all.checkSets.forEach((checks, s) => {
    if (used[s] && checks) for (const name of checks.keys()) names.add(name);
  });
  return [...names].sort().slice(0, MAX_CHECKS);
}

// -------------------------------------------------------------------------------------------
// Numeric measures: Mann–Whitney on the batch sorted once per measure

/** The groups' values of a measure, ascending, in one buffer (a range per group), reused by every measure; and one group's split into sides. */
class GroupScratch {
  /** Where each group's range starts (and, last, the total). */
  readonly start: Uint32Array;
  /** Where the walk writes next per group. */
  readonly at: Uint32Array;
  readonly sorted: Float64Array;
  readonly runs: Uint32Array;
  private readonly isSecond: Uint8Array;
  private readonly sideValues: Float64Array;
  private readonly sideRuns: Uint32Array;

  constructor(groups: readonly Group[]) {
    this.start = new Uint32Array(groups.length + 1);
    groups.forEach((g, k) => (this.start[k + 1] = this.start[k] + g.indices.length));
    this.at = new Uint32Array(groups.length);
    const total = this.start[groups.length];
    this.sorted = new Float64Array(total);
    this.runs = new Uint32Array(total);
    const largest = Math.max(0, ...groups.map((g) => g.indices.length));
    this.isSecond = new Uint8Array(largest);
    this.sideValues = new Float64Array(largest);
    this.sideRuns = new Uint32Array(largest);
  }

  /** The range's runs of each side in ascending value order (views valid until the next call). */
  sides(from: number, to: number, split: number) {
    const m = to - from;
    let nb = 0;
    for (let p = from; p < to; p++) if (this.runs[p] < split) nb++;
    let b = 0;
    let a = nb;
    for (let p = from, q = 0; p < to; p++, q++) {
      const i = this.runs[p];
      const second = i >= split ? 1 : 0;
      this.isSecond[q] = second;
      const slot = second ? a++ : b++;
      this.sideValues[slot] = this.sorted[p];
      this.sideRuns[slot] = i;
    }
    return {
      isSecond: this.isSecond.subarray(0, m),
      beforeValues: this.sideValues.subarray(0, nb),
      afterValues: this.sideValues.subarray(nb, m),
      beforeRuns: this.sideRuns.subarray(0, nb),
      afterRuns: this.sideRuns.subarray(nb, m),
    };
  }
}

function numericFindings(
  all: FleetColumns,
  split: number,
  groups: Group[],
  runGroups: RunGroups,
  scratch: GroupScratch,
  measure: NumericMeasure,
  alpha: number,
  budget: { values: number },
): BatchFinding[] {
  const n = all.length;
  const column = all[measure];
  const values = new Float64Array(n);
  const knownAt = new Uint32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = column[i];
    if (!Number.isFinite(v)) continue;
    values[i] = v;
    knownAt[count++] = i;
  }
  const known = knownAt.subarray(0, count);
  const integers = smallIntegerRanks(values, known);
  if (integers && integers.distinct * groups.length <= COUNTED_CELLS_PER_RUN * n) return countedFindings(all, split, groups, known, integers, measure, alpha, budget);
  // Sorted once; one walk of this order hands each run's value to each of its groups (one flat
  // buffer, a range per group), so every group's values arrive ascending: its ranks are the
  // order restricted to it.
  const order = integers ? countedIntoPlace(integers.ranks, integers.distinct, known) : radixOrder(values, known);
  const { ofSet, ofValue } = runGroups;
  const { start, sorted, runs, at } = scratch;
  at.set(start.subarray(0, groups.length));
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const v = values[i];
    let p = at[0]++;
    sorted[p] = v;
    runs[p] = i;
    const ids = ofSet[all.memberSet[i]];
    for (let j = 0; j < ids.length; j++) {
      p = at[ids[j]]++;
      sorted[p] = v;
      runs[p] = i;
    }
    const a = all.attribute[i];
    if (a >= 0 && ofValue[a] > 0) {
      p = at[ofValue[a]]++;
      sorted[p] = v;
      runs[p] = i;
    }
  }
  const out: BatchFinding[] = [];
  groups.forEach((g, k) => {
    const m = at[k] - start[k];
    if (m === 0) return;
    const side = scratch.sides(start[k], at[k], split);
    const resampled = m <= BOOTSTRAP_MAX_RUNS && m * BOOTSTRAP_RESAMPLES <= budget.values;
    if (resampled) budget.values -= m * BOOTSTRAP_RESAMPLES;
    const groupSorted = sorted.subarray(start[k], at[k]);
    out.push(
      numericFinding(g, measure, alpha, {
        nb: side.beforeValues.length,
        na: side.afterValues.length,
        medians: () => [side.beforeValues.length ? quantileOfSorted(side.beforeValues, 0.5) : null, side.afterValues.length ? quantileOfSorted(side.afterValues, 0.5) : null],
        pValue: () => mannWhitneyFromSorted(groupSorted, side.isSecond).pValue,
        values: () => [Array.from(side.beforeValues), Array.from(side.afterValues)],
        pair: () => middlePair(all, side.beforeRuns, side.afterRuns),
      }, resampled),
    );
  });
  return out;
}

/**
 * Whole-number measures over few distinct values (calls, tokens): each group counts its runs
 * per value and side in one pass over its own runs (ascending, so memory is read in order), and
 * the rank test, medians and middle runs come from the counts, with the same results as the
 * walk: midranks are exact halves, so summing them per value equals summing them per run.
 */
const COUNTED_CELLS_PER_RUN = 4;

function countedFindings(
  all: FleetColumns,
  split: number,
  groups: Group[],
  known: Uint32Array,
  integers: { ranks: Uint32Array; distinct: number; min: number },
  measure: NumericMeasure,
  alpha: number,
  budget: { values: number },
): BatchFinding[] {
  const { distinct, min } = integers;
  const rankOf = new Int32Array(all.length).fill(-1);
  for (let k = 0; k < known.length; k++) rankOf[known[k]] = integers.ranks[k];
  const before = new Uint32Array(distinct);
  const after = new Uint32Array(distinct);
  const out: BatchFinding[] = [];
  for (const g of groups) {
    before.fill(0);
    after.fill(0);
    let nb = 0;
    let na = 0;
    for (const i of g.indices) {
      const r = rankOf[i];
      if (r < 0) continue;
      if (i < split) {
        before[r]++;
        nb++;
      } else {
        after[r]++;
        na++;
      }
    }
    const m = nb + na;
    if (m === 0) continue;
    const resampled = m <= BOOTSTRAP_MAX_RUNS && m * BOOTSTRAP_RESAMPLES <= budget.values;
    if (resampled) budget.values -= m * BOOTSTRAP_RESAMPLES;
    // The value at an ascending position of one side, and the run at the middle of each side.
    const at = (counts: Uint32Array, position: number) => {
      let r = 0;
      for (let seen = counts[0]; seen <= position; seen += counts[++r]);
      return r;
    };
    const sideView = (counts: Uint32Array, size: number) => ({ length: size, at: (j: number) => at(counts, j) + min });
    const medianOf = (counts: Uint32Array, size: number) => (size ? quantileOfSorted(positions(sideView(counts, size)), 0.5) : null);
    const middle = (counts: Uint32Array, size: number, second: boolean): number => {
      const position = Math.floor((size - 1) / 2);
      const r = at(counts, position);
      let offset = position;
      for (let v = 0; v < r; v++) offset -= counts[v];
      for (const i of g.indices) if (rankOf[i] === r && i >= split === second && offset-- === 0) return i;
      return -1;
    };
    const expand = (counts: Uint32Array) => {
      const xs: number[] = [];
      for (let r = 0; r < distinct; r++) for (let c = counts[r]; c > 0; c--) xs.push(r + min);
      return xs;
    };
    out.push(
      numericFinding(g, measure, alpha, {
        nb,
        na,
        medians: () => [medianOf(before, nb), medianOf(after, na)],
        pValue: () => mannWhitneyFromCounts(before, after).pValue,
        values: () => [expand(before), expand(after)],
        pair: () => (nb && na ? { beforeTraceId: all.traceIdOf(middle(before, nb, false)), afterTraceId: all.traceIdOf(middle(after, na, true)) } : null),
      }, resampled),
    );
  }
  return out;
}

/** An indexable view of ascending values computed on demand (quantileOfSorted reads two of them). */
function positions(view: { length: number; at: (j: number) => number }): ArrayLike<number> {
  return new Proxy({ length: view.length } as ArrayLike<number>, {
    get: (target, key) => (typeof key === 'string' && /^\d+$/.test(key) ? view.at(Number(key)) : (target as unknown as Record<string | symbol, unknown>)[key]),
  });
}

/**
 * The indices `known` (ascending) ordered by `values[i]`, equal values in index order: what a
 * stable comparator sort gives, in linear time after one native sort of the values (a typed
 * array sorts without a comparator several times faster than indices sort with one): each index
 * is bucketed by the rank of its value among the distinct values, then counted into place.
 */
export function stableOrderByValue(values: Float64Array, known: ArrayLike<number>): Uint32Array {
  const counts = smallIntegerRanks(values, known);
  if (counts) return countedIntoPlace(counts.ranks, counts.distinct, known);
  return radixOrder(values, known);
}

/**
 * The float case: an LSD radix sort of the indices on their values' IEEE-754 bits mapped to an
 * unsigned order (negative values all bits flipped, others the sign bit set), 16 bits a pass,
 * passes whose digit all keys share skipped. Radix passes are stable, so equal values keep the
 * order given; −0 is taken as 0 (equal, as a comparison says). Linear in the values, no
 * comparator: hand-written because no maintained library sorts indices by a typed key.
 */
function radixOrder(values: Float64Array, known: ArrayLike<number>): Uint32Array {
  const m = known.length;
  const bits = new Float64Array(m);
  for (let k = 0; k < m; k++) bits[k] = values[known[k]] + 0; // −0 + 0 is 0
  const words = new Uint32Array(bits.buffer); // little-endian: [lo, hi] per value
  const lo = new Uint32Array(m);
  const hi = new Uint32Array(m);
  for (let k = 0; k < m; k++) {
    const h = words[2 * k + 1];
    const l = words[2 * k];
    if (h & 0x80000000) {
      hi[k] = ~h >>> 0;
      lo[k] = ~l >>> 0;
    } else {
      hi[k] = (h | 0x80000000) >>> 0;
      lo[k] = l;
    }
  }
  // Sorted positions (0 … m−1 into known), one pass per 16-bit digit, low digit first.
  let order = new Uint32Array(m);
  for (let k = 0; k < m; k++) order[k] = k;
  let next = new Uint32Array(m);
  const bucket = new Uint32Array(0x10001);
  for (const [word, shift] of [[lo, 0], [lo, 16], [hi, 0], [hi, 16]] as const) {
    bucket.fill(0);
    for (let k = 0; k < m; k++) bucket[((word[k] >>> shift) & 0xffff) + 1]++;
    if (m === 0 || bucket[((word[0] >>> shift) & 0xffff) + 1] === m) continue; // one digit for all: order unchanged
    for (let d = 0; d < 0x10000; d++) bucket[d + 1] += bucket[d];
    for (let k = 0; k < m; k++) {
      const p = order[k];
      next[bucket[(word[p] >>> shift) & 0xffff]++] = p;
    }
    [order, next] = [next, order];
  }
  for (let k = 0; k < m; k++) order[k] = known[order[k]];
  return order;
}

/** Whole numbers (calls, tokens, whole milliseconds) in a range up to this, or twice their count, rank as value − min, with no sort at all. */
const MAX_INTEGER_RANKS = 4_096;
function smallIntegerRanks(values: Float64Array, known: ArrayLike<number>): { ranks: Uint32Array; distinct: number; min: number } | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < known.length; k++) {
    const v = values[known[k]];
    if (!Number.isInteger(v)) return null;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (known.length === 0 || max - min >= Math.max(MAX_INTEGER_RANKS, 2 * known.length)) return null;
  const ranks = new Uint32Array(known.length);
  for (let k = 0; k < known.length; k++) ranks[k] = values[known[k]] - min;
  return { ranks, distinct: max - min + 1, min };
}

/** Indices `known` placed by rank, equal ranks in the order given (a counting sort). */
function countedIntoPlace(ranks: Uint32Array, distinct: number, known: ArrayLike<number>): Uint32Array {
  const start = new Uint32Array(distinct + 1);
  for (let k = 0; k < ranks.length; k++) start[ranks[k] + 1]++;
  for (let r = 0; r < distinct; r++) start[r + 1] += start[r];
  const order = new Uint32Array(known.length);
  for (let k = 0; k < known.length; k++) order[start[ranks[k]]++] = known[k];
  return order;
}

/** One group's values of a measure on each side, however they were collected (a walk of the sorted batch, or counts). */
interface SideSummary {
  nb: number;
  na: number;
  /** The median of one side (type 7, as quantileOfSorted); null when the side has no value. */
  medians(): [number | null, number | null];
  pValue(): number;
  /** Both sides' values, ascending (the bootstrap's input). */
  values(): [number[], number[]];
  /** The run at the middle of each side's ascending values (equal values in run order). */
  pair(): BatchFinding['typicalPair'];
}

function numericFinding(g: Group, measure: NumericMeasure, alpha: number, sides: SideSummary, resampled: boolean): BatchFinding {
  const [b, a] = sides.medians();
  const delta = a !== null && b !== null ? a - b : null;
  const testable = sides.nb >= MIN_RUNS_FOR_TEST && sides.na >= MIN_RUNS_FOR_TEST;
  const pValue = testable ? sides.pValue() : null;
  const interval = testable && resampled ? bootstrapMedianDelta(...sides.values(), { alpha, resamples: BOOTSTRAP_RESAMPLES, seed: seedOf(`${measure}|${g.ref.dimension}|${g.ref.value}`) }) : null;
  const large = delta !== null && b !== null && (b === 0 ? delta !== 0 : Math.abs(delta) / Math.abs(b) >= MIN_RELATIVE_CHANGE);
  const significant = pValue !== null && pValue < alpha && large;
  const label = `${measureLabel(measure)} p50`;
  return {
    group: g.ref,
    measure,
    before: { n: sides.nb, value: b },
    after: { n: sides.na, value: a },
    delta,
    test: testable ? 'mann-whitney-u' : 'none',
    pValue,
    interval,
    regression: significant && (delta as number) > 0,
    improvement: significant && (delta as number) < 0,
    headline: headline(label, b === null ? null : formatMeasure(measure, b), a === null ? null : formatMeasure(measure, a), g.ref, pValue),
    typicalPair: sides.pair(),
  };
}

/** A stable 32-bit seed from text (FNV-1a), so each group's bootstrap draws its own fixed sequence. */
function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

// -------------------------------------------------------------------------------------------
// Proportions

/**
 * One rate of one group: `outcome` gives 1 (the event), 0, or null (not counted for this run).
 * higherIsWorse: error rate; otherwise a pass rate, where lower is worse.
 */
function proportionFinding(
  all: FleetColumns,
  split: number,
  g: Group,
  measure: string,
  outcomes: Int8Array,
  durations: Float64Array,
  alpha: number,
  higherIsWorse: boolean,
  latencyPair: BatchFinding['typicalPair'],
): BatchFinding | null {
  let n1 = 0;
  let x1 = 0;
  let n2 = 0;
  let x2 = 0;
  for (let k = 0; k < g.indices.length; k++) {
    const i = g.indices[k];
    const o = outcomes[i];
    if (o < 0) continue;
    if (i < split) {
      n1++;
      x1 += o;
    } else {
      n2++;
      x2 += o;
    }
  }
  if (n1 === 0 && n2 === 0) return null;
  const b = n1 ? x1 / n1 : null;
  const a = n2 ? x2 / n2 : null;
  const delta = a !== null && b !== null ? a - b : null;
  const testable = n1 >= MIN_RUNS_FOR_TEST && n2 >= MIN_RUNS_FOR_TEST;
  const test = testable ? compareProportions(x1, n1, x2, n2) : null;
  const pValue = test?.pValue ?? null;
  const significant = pValue !== null && pValue < alpha && delta !== null && Math.abs(delta) >= MIN_RATE_CHANGE;
  const worse = delta !== null && (higherIsWorse ? delta > 0 : delta < 0);
  const label = measure.startsWith('check:') ? `check ${measure.slice('check:'.length)}` : measureLabel(measure as FleetMeasure);
  // The pair to open: a run without the problem before, one with it after (else the most typical of each side).
  const bad = higherIsWorse ? 1 : 0;
  return {
    group: g.ref,
    measure,
    before: { n: n1, value: b },
    after: { n: n2, value: a },
    delta,
    test: test?.test ?? 'none',
    pValue,
    interval: testable ? proportionDeltaInterval(x1, n1, x2, n2, alpha) : null,
    regression: significant && worse,
    improvement: significant && !worse,
    headline: headline(label, b === null ? null : formatPercent(b), a === null ? null : formatPercent(a), g.ref, pValue),
    typicalPair: significant
      ? (typicalPair(all, split, g, durations, { outcomes, before: 1 - bad, after: bad }) ?? latencyPair)
      : latencyPair,
  };
}

// -------------------------------------------------------------------------------------------
// Typical runs, headlines, order

/**
 * For a rate that changed: a run without the problem before and one with it after, each the
 * closest of its kind to that kind's median latency: the pair a person opens to see the change.
 */
function typicalPair(
  all: FleetColumns,
  split: number,
  g: Group,
  values: Float64Array,
  only: { outcomes: Int8Array; before: number; after: number },
): BatchFinding['typicalPair'] {
  const pick = (after: boolean, wanted: number): string | null => {
    const chosen: number[] = [];
    for (let k = 0; k < g.indices.length; k++) {
      const i = g.indices[k];
      if (i >= split !== after || only.outcomes[i] !== wanted || Number.isNaN(values[i])) continue;
      chosen.push(i);
    }
    if (chosen.length === 0) return null;
    const m = quantileOfSorted(Float64Array.from(chosen, (i) => values[i]).sort(), 0.5);
    let best = chosen[0];
    for (const i of chosen) {
      const d = Math.abs(values[i] - m) - Math.abs(values[best] - m);
      if (d < 0 || (d === 0 && all.traceIdOf(i) < all.traceIdOf(best))) best = i;
    }
    return all.traceIdOf(best);
  };
  const beforeTraceId = pick(false, only.before);
  const afterTraceId = pick(true, only.after);
  return beforeTraceId && afterTraceId ? { beforeTraceId, afterTraceId } : null;
}

/** The run at the middle of each side's sorted values: the one closest to that side's median. */
function middlePair(all: FleetColumns, beforeRuns: ArrayLike<number>, afterRuns: ArrayLike<number>): BatchFinding['typicalPair'] {
  if (beforeRuns.length === 0 || afterRuns.length === 0) return null;
  const middle = (runs: ArrayLike<number>) => all.traceIdOf(runs[Math.floor((runs.length - 1) / 2)]);
  return { beforeTraceId: middle(beforeRuns), afterTraceId: middle(afterRuns) };
}

export function groupLabel(ref: GroupRef): string {
  return ref.dimension === 'all' ? 'all runs' : `${ref.key}=${ref.value}`;
}

export function formatP(p: number | null): string {
  if (p === null) return `not tested (fewer than ${MIN_RUNS_FOR_TEST} runs a side)`;
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}

/** "check refund policy cited 98% → 60% for route=refunds, p < 0.001". */
function headline(label: string, before: string | null, after: string | null, ref: GroupRef, p: number | null): string {
  return `${label} ${before ?? 'none'} → ${after ?? 'none'} for ${groupLabel(ref)}, ${formatP(p)}`;
}

/**
 * A group whose runs are the whole batch for a measure (one agent, a tool every run calls)
 * repeats the finding of all runs: only one is kept. When it is a user attribute's group, that
 * one (it says where), else the finding of all runs.
 */
function withoutDuplicates(findings: BatchFinding[]): BatchFinding[] {
  const signature = (f: BatchFinding) => `${f.before.n}|${f.after.n}|${f.before.value}|${f.after.value}`;
  const allOf = new Map<string, string>();
  for (const f of findings) if (f.group.dimension === 'all') allOf.set(f.measure, signature(f));
  const attributeRepeatsAll = new Set<string>();
  for (const f of findings) if (f.group.dimension === 'attribute' && allOf.get(f.measure) === signature(f)) attributeRepeatsAll.add(f.measure);
  return findings.filter((f) => {
    if (f.group.dimension === 'attribute') return true;
    const repeats = allOf.get(f.measure) === signature(f);
    if (f.group.dimension === 'all') return !attributeRepeatsAll.has(f.measure);
    return !repeats;
  });
}

/** Regressions first (smallest p, then largest change), then improvements, then the rest by p. */
function order(findings: BatchFinding[]): BatchFinding[] {
  const rank = (f: BatchFinding) => (f.regression ? 0 : f.improvement ? 1 : 2);
  return findings.sort(
    (x, y) =>
      rank(x) - rank(y) ||
      (x.pValue ?? 2) - (y.pValue ?? 2) ||
      Math.abs(y.delta ?? 0) - Math.abs(x.delta ?? 0) ||
      (x.headline < y.headline ? -1 : x.headline > y.headline ? 1 : 0),
  );
}
