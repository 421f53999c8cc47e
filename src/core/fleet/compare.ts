// Batch against batch (issue 11): every measure of every group, before against after, with the
// test that fits the measure. Pass and error rates are proportions (Fisher's exact test when a
// cell is small, else the two-proportion z test); latency, tokens, cost and call counts are
// compared by rank (Mann–Whitney U), with a seeded bootstrap interval of the median's change
// when the groups are small enough for it to be cheap. Regressions (worse after, significant at
// alpha, and large enough to matter) come first.
import { formatMeasure, measureLabel, measureOf, NUMERIC_MEASURES, formatPercent, type NumericMeasure } from './measures';
import { bootstrapMedianDelta, compareProportions, mannWhitneyFromSorted, proportionDeltaInterval, quantileOfSorted } from './stats';
import type { BatchFinding, FleetDimension, FleetMeasure, FleetRun } from './types';
import { MAX_GROUPS_PER_DIMENSION } from './aggregate';

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
  /** Membership over the combined runs (before first, then after). */
  member: Uint8Array;
  /** The same as a list of run indices, ascending (loops over a group touch only its runs). */
  indices: Uint32Array;
}

function indicesOf(member: Uint8Array): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < member.length; i++) if (member[i]) out.push(i);
  return Uint32Array.from(out);
}

export function compareBatchRuns(before: readonly FleetRun[], after: readonly FleetRun[], opts: CompareOptions = {}): BatchFinding[] {
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  const all = [...before, ...after];
  const split = before.length;
  const groups = groupsOf(all, opts.groupAttribute ?? null);
  const findings: BatchFinding[] = [];
  const budget = { values: BOOTSTRAP_BUDGET };
  // Per-run values computed once; every group then loops over typed arrays.
  const durations = Float64Array.from(all, (r) => r.durationMs);
  for (const measure of NUMERIC_MEASURES) findings.push(...numericFindings(all, split, groups, measure, alpha, budget));
  // A rate finding that is no regression or improvement gets its group's typical pair by latency
  // (cheap: from the sorted walk above); the others look for a run with and without the problem.
  const byLatency = new Map<GroupRef, BatchFinding['typicalPair']>();
  for (const f of findings) if (f.measure === 'durationMs') byLatency.set(f.group, f.typicalPair);
  const errors = Int8Array.from(all, (r) => (r.errorCount > 0 ? 1 : 0));
  for (const g of groups) {
    const f = proportionFinding(all, split, g, 'errorRate', errors, durations, alpha, true, byLatency.get(g.ref) ?? null);
    if (f) findings.push(f);
  }
  for (const check of checkNames(all)) {
    // 1 pass, 0 fail or error, −1 not evaluated on that run.
    const outcomes = Int8Array.from(all, (r) => {
      const o = r.checks?.get(check);
      return o === undefined ? -1 : o === 'pass' ? 1 : 0;
    });
    for (const g of groups) {
      const f = proportionFinding(all, split, g, `check:${check}`, outcomes, durations, alpha, false, byLatency.get(g.ref) ?? null);
      if (f) findings.push(f);
    }
  }
  return order(withoutDuplicates(findings));
}

// -------------------------------------------------------------------------------------------
// Groups

function groupsOf(all: readonly FleetRun[], attribute: string | null): Group[] {
  const n = all.length;
  const everyone = new Uint8Array(n).fill(1);
  const groups: Group[] = [{ ref: { dimension: 'all', key: 'all', value: 'all' }, member: everyone, indices: indicesOf(everyone) }];
  const byDimension = new Map<FleetDimension, Map<string, Uint8Array>>();
  const mark = (dimension: FleetDimension, value: string, i: number) => {
    let values = byDimension.get(dimension);
    if (!values) byDimension.set(dimension, (values = new Map()));
    let member = values.get(value);
    if (!member) values.set(value, (member = new Uint8Array(n)));
    member[i] = 1;
  };
  all.forEach((r, i) => {
    for (const a of r.agents) mark('agent', a, i);
    for (const m of r.models) mark('model', m, i);
    for (const t of r.tools.keys()) mark('tool', t, i);
    if (attribute !== null && r.attribute !== null) mark('attribute', r.attribute, i);
  });
  for (const dimension of ['agent', 'tool', 'model', 'attribute'] as const) {
    const values = [...(byDimension.get(dimension) ?? [])]
      .map(([value, member]) => ({ value, member, runs: countMembers(member) }))
      .sort((a, b) => b.runs - a.runs || (a.value < b.value ? -1 : 1))
      .slice(0, MAX_GROUPS_PER_DIMENSION);
    const key = dimension === 'attribute' ? (attribute as string) : dimension;
    for (const v of values) groups.push({ ref: { dimension, key, value: v.value }, member: v.member, indices: indicesOf(v.member) });
  }
  return groups;
}

function countMembers(member: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < member.length; i++) n += member[i];
  return n;
}

function checkNames(all: readonly FleetRun[]): string[] {
  const names = new Set<string>();
  for (const r of all) if (r.checks) for (const name of r.checks.keys()) names.add(name);
  return [...names].sort().slice(0, MAX_CHECKS);
}

// -------------------------------------------------------------------------------------------
// Numeric measures: Mann–Whitney on the batch sorted once per measure

function numericFindings(
  all: readonly FleetRun[],
  split: number,
  groups: Group[],
  measure: NumericMeasure,
  alpha: number,
  budget: { values: number },
): BatchFinding[] {
  const n = all.length;
  const values = new Float64Array(n);
  const known: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = measureOf(all[i], measure);
    if (v === null || !Number.isFinite(v)) continue;
    values[i] = v;
    known.push(i);
  }
  // Sorted once; each group walks this order in linear time (its ranks are the order restricted to it).
  const order = stableOrderByValue(values, known);
  const orderedValues = Float64Array.from(order, (i) => values[i]);
  // Scratch reused by every group (each finding is computed before the next group overwrites them).
  const sortedValues = new Float64Array(order.length);
  const isSecond = new Uint8Array(order.length);
  const beforeValues = new Float64Array(order.length);
  const afterValues = new Float64Array(order.length);
  const beforeRuns = new Uint32Array(order.length);
  const afterRuns = new Uint32Array(order.length);
  const out: BatchFinding[] = [];
  for (const g of groups) {
    const member = g.member;
    let m = 0;
    let nb = 0;
    let na = 0;
    for (let k = 0; k < order.length; k++) {
      const i = order[k];
      if (!member[i]) continue;
      const v = orderedValues[k];
      sortedValues[m] = v;
      if (i >= split) {
        isSecond[m++] = 1;
        afterValues[na] = v;
        afterRuns[na++] = i;
      } else {
        isSecond[m++] = 0;
        beforeValues[nb] = v;
        beforeRuns[nb++] = i;
      }
    }
    if (m === 0) continue;
    const resampled = m <= BOOTSTRAP_MAX_RUNS && m * BOOTSTRAP_RESAMPLES <= budget.values;
    if (resampled) budget.values -= m * BOOTSTRAP_RESAMPLES;
    out.push(
      numericFinding(
        all, split, g, measure, alpha,
        { sorted: sortedValues.subarray(0, m), isSecond: isSecond.subarray(0, m), beforeRuns: beforeRuns.subarray(0, nb), afterRuns: afterRuns.subarray(0, na) },
        beforeValues.subarray(0, nb), afterValues.subarray(0, na), resampled,
      ),
    );
  }
  return out;
}

/**
 * The indices `known` (ascending) ordered by `values[i]`, equal values in index order: what a
 * stable comparator sort gives, in linear time after one native sort of the values (a typed
 * array sorts without a comparator several times faster than indices sort with one): each index
 * is bucketed by the rank of its value among the distinct values, then counted into place.
 */
export function stableOrderByValue(values: Float64Array, known: readonly number[]): Uint32Array {
  const counts = smallIntegerRanks(values, known);
  if (counts) return countedIntoPlace(counts.ranks, counts.distinct, known);
  const sorted = Float64Array.from(known, (i) => values[i]).sort();
  let distinct = 0;
  for (let k = 0; k < sorted.length; k++) if (k === 0 || sorted[k] !== sorted[distinct - 1]) sorted[distinct++] = sorted[k];
  const rankOf = (v: number) => {
    let lo = 0;
    let hi = distinct - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return countedIntoPlace(Uint32Array.from(known, (i) => rankOf(values[i])), distinct, known);
}

/** Call counts: whole numbers in a small range rank as value − min, with no sort at all. */
const MAX_INTEGER_RANKS = 4_096;
function smallIntegerRanks(values: Float64Array, known: readonly number[]): { ranks: Uint32Array; distinct: number } | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const i of known) {
    const v = values[i];
    if (!Number.isInteger(v)) return null;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (known.length === 0 || max - min >= MAX_INTEGER_RANKS) return null;
  return { ranks: Uint32Array.from(known, (i) => values[i] - min), distinct: max - min + 1 };
}

/** Indices `known` placed by rank, equal ranks in the order given (a counting sort). */
function countedIntoPlace(ranks: Uint32Array, distinct: number, known: readonly number[]): Uint32Array {
  const start = new Uint32Array(distinct + 1);
  for (let k = 0; k < ranks.length; k++) start[ranks[k] + 1]++;
  for (let r = 0; r < distinct; r++) start[r + 1] += start[r];
  const order = new Uint32Array(known.length);
  for (let k = 0; k < known.length; k++) order[start[ranks[k]]++] = known[k];
  return order;
}

function numericFinding(
  all: readonly FleetRun[],
  split: number,
  g: Group,
  measure: NumericMeasure,
  alpha: number,
  ranks: { sorted: Float64Array; isSecond: Uint8Array; beforeRuns: Uint32Array; afterRuns: Uint32Array },
  beforeValues: Float64Array,
  afterValues: Float64Array,
  resampled: boolean,
): BatchFinding {
  const b = beforeValues.length ? quantileOfSorted(beforeValues, 0.5) : null;
  const a = afterValues.length ? quantileOfSorted(afterValues, 0.5) : null;
  const delta = a !== null && b !== null ? a - b : null;
  const testable = beforeValues.length >= MIN_RUNS_FOR_TEST && afterValues.length >= MIN_RUNS_FOR_TEST;
  const pValue = testable ? mannWhitneyFromSorted(ranks.sorted, ranks.isSecond).pValue : null;
  const interval =
    testable && resampled
      ? bootstrapMedianDelta(Array.from(beforeValues), Array.from(afterValues), { alpha, resamples: BOOTSTRAP_RESAMPLES, seed: seedOf(`${measure}|${g.ref.dimension}|${g.ref.value}`) })
      : null;
  const large = delta !== null && b !== null && (b === 0 ? delta !== 0 : Math.abs(delta) / Math.abs(b) >= MIN_RELATIVE_CHANGE);
  const significant = pValue !== null && pValue < alpha && large;
  const label = `${measureLabel(measure)} p50`;
  return {
    group: g.ref,
    measure,
    before: { n: beforeValues.length, value: b },
    after: { n: afterValues.length, value: a },
    delta,
    test: testable ? 'mann-whitney-u' : 'none',
    pValue,
    interval,
    regression: significant && (delta as number) > 0,
    improvement: significant && (delta as number) < 0,
    headline: headline(label, b === null ? null : formatMeasure(measure, b), a === null ? null : formatMeasure(measure, a), g.ref, pValue),
    typicalPair: middlePair(all, ranks.beforeRuns, ranks.afterRuns),
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
  all: readonly FleetRun[],
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
  all: readonly FleetRun[],
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
      if (d < 0 || (d === 0 && all[i].traceId < all[best].traceId)) best = i;
    }
    return all[best].traceId;
  };
  const beforeTraceId = pick(false, only.before);
  const afterTraceId = pick(true, only.after);
  return beforeTraceId && afterTraceId ? { beforeTraceId, afterTraceId } : null;
}

/** The run at the middle of each side's sorted values: the one closest to that side's median. */
function middlePair(all: readonly FleetRun[], beforeRuns: ArrayLike<number>, afterRuns: ArrayLike<number>): BatchFinding['typicalPair'] {
  if (beforeRuns.length === 0 || afterRuns.length === 0) return null;
  const middle = (runs: ArrayLike<number>) => all[runs[Math.floor((runs.length - 1) / 2)]].traceId;
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
