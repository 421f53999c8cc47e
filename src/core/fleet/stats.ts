// The statistics of the fleet view and of batch against batch (issue 11). Pure.
//
// simple-statistics (maintained, dependency-free, typed) gives the quantiles (R/numpy type 7),
// the error function (Numerical Recipes' erfc, relative error < 1.2e-7), log-gamma and
// resampling with a caller-given random source. It has no two-sample tests with p-values (its
// wilcoxonRankSum returns the rank sum only), so the tests are written here from their textbook
// definitions: the pooled two-proportion z test, Fisher's exact test (two-sided, summing every
// table no more likely than the observed one, as R's fisher.test does), and the Mann–Whitney U
// test with the tie-corrected normal approximation and continuity correction (R's
// wilcox.test(exact = FALSE, correct = TRUE), scipy's mannwhitneyu(method = "asymptotic")).
import { errorFunction, gammaln, quantileSorted } from 'simple-statistics';

/** Standard normal cumulative distribution function. */
export function normalCdf(z: number): number {
  return 0.5 * (1 + errorFunction(z / Math.SQRT2));
}

/** Two-sided p-value of a standard normal statistic, computed on the tail so small values keep their digits. */
export function twoSidedNormalP(z: number): number {
  if (!Number.isFinite(z)) return Number.isNaN(z) ? 1 : 0;
  // 1 − erf(|z|/√2) is erfc, which errorFunction computes as its tail term directly.
  return Math.min(1, Math.max(0, 1 - errorFunction(Math.abs(z) / Math.SQRT2)));
}

/** z of the two-sided normal interval at level 1 − alpha (bisection on normalCdf: no inverse is needed anywhere hot). */
export function normalQuantile(p: number): number {
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

/** p50/p95/p99 of ascending values (linear interpolation, R type 7, numpy's default); null when empty. */
export function percentilesOfSorted(sorted: ArrayLike<number>): Percentiles | null {
  if (sorted.length === 0) return null;
  const x = sorted as number[];
  return { p50: quantileSorted(x, 0.5), p95: quantileSorted(x, 0.95), p99: quantileSorted(x, 0.99) };
}

/**
 * Sorts numbers in place, ascending. Whole numbers within a range of at most twice their count
 * (calls, tokens, rates, whole milliseconds) are counted into place in linear time; others go
 * to the native typed-array sort.
 */
export function sortNumbers(values: Float64Array): Float64Array {
  const n = values.length;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || Object.is(v, -0)) return values.sort();
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (n === 0 || max - min > Math.max(4_096, 2 * n)) return values.sort();
  const counts = new Uint32Array(max - min + 1);
  for (let i = 0; i < n; i++) counts[values[i] - min]++;
  let at = 0;
  for (let v = 0; v < counts.length; v++) {
    for (let c = counts[v]; c > 0; c--) values[at++] = v + min;
  }
  return values;
}

/** One quantile of ascending values (type 7). */
export function quantileOfSorted(sorted: ArrayLike<number>, p: number): number {
  return quantileSorted(sorted as number[], p);
}

// -------------------------------------------------------------------------------------------
// Histograms

export interface Bin {
  /** Inclusive lower and exclusive upper edge (the last bin includes its upper edge). */
  lo: number;
  hi: number;
  count: number;
}

export type BinScale = 'auto' | 'integer' | 'rate';

/** Bins at most (the Rice rule 2·∛n grows too fast past this for a chart a person reads). */
const MAX_BINS = 40;
/** Positive data spanning at least this ratio (max/min) gets logarithmic bins: latency and cost are right-skewed. */
const LOG_SCALE_RATIO = 10;
/** Integer data spanning at most this many values gets one bin per value. */
const MAX_INTEGER_BINS = 40;

/**
 * Histogram of ascending values. `rate`: 0/1 outcomes, two bins [0, 0.5) and [0.5, 1].
 * `integer`: counts (calls), one bin per value when the range is small. Otherwise the Rice rule
 * (⌈2·∛n⌉ bins, at most 40), on a logarithmic scale when the values are positive and span a
 * factor of 10 or more (latency, tokens and cost are right-skewed: linear bins would put
 * nearly every run in the first bin), else on a linear one.
 */
export function histogram(sorted: ArrayLike<number>, scale: BinScale = 'auto'): Bin[] {
  const n = sorted.length;
  if (n === 0) return [];
  const min = sorted[0];
  const max = sorted[n - 1];
  if (scale === 'rate') {
    const edges = [0, 0.5, 1];
    return countInto(sorted, edges);
  }
  if (min === max) return [{ lo: min, hi: max, count: n }];
  if (scale === 'integer' && Number.isInteger(min) && Number.isInteger(max) && max - min < MAX_INTEGER_BINS) {
    const edges: number[] = [];
    for (let v = min; v <= max + 1; v++) edges.push(v);
    return countInto(sorted, edges);
  }
  const bins = Math.max(1, Math.min(MAX_BINS, Math.ceil(2 * Math.cbrt(n))));
  const edges: number[] = [];
  if (min > 0 && max / min >= LOG_SCALE_RATIO) {
    const a = Math.log(min);
    const step = (Math.log(max) - a) / bins;
    for (let i = 0; i <= bins; i++) edges.push(i === 0 ? min : i === bins ? max : Math.exp(a + step * i));
  } else {
    const step = (max - min) / bins;
    for (let i = 0; i <= bins; i++) edges.push(i === bins ? max : min + step * i);
  }
  return countInto(sorted, edges);
}

/** Counts ascending values into the bins between consecutive edges in one pass (the last bin closed). */
function countInto(sorted: ArrayLike<number>, edges: number[]): Bin[] {
  const bins: Bin[] = [];
  for (let i = 0; i + 1 < edges.length; i++) bins.push({ lo: edges[i], hi: edges[i + 1], count: 0 });
  let b = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i];
    while (b < bins.length - 1 && v >= bins[b].hi) b++;
    bins[b].count++;
  }
  return bins;
}

// -------------------------------------------------------------------------------------------
// Proportions

export interface TestResult {
  test: 'two-proportion-z' | 'fisher-exact' | 'mann-whitney-u';
  pValue: number;
  statistic: number;
}

/**
 * Pooled two-proportion z test of x1/n1 against x2/n2 (two-sided). z = (p2 − p1) / √(p̂(1 − p̂)(1/n1 + 1/n2)).
 * Both proportions 0 or both 1: no evidence of a difference (p = 1).
 */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): TestResult {
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return { test: 'two-proportion-z', pValue: 1, statistic: 0 };
  const z = (x2 / n2 - x1 / n1) / se;
  return { test: 'two-proportion-z', pValue: twoSidedNormalP(z), statistic: z };
}

const logChoose = (n: number, k: number): number => gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1);

/**
 * Fisher's exact test of the 2×2 table [[a, b], [c, d]] (rows: the two batches; columns:
 * success, failure), two-sided: the sum of the hypergeometric probabilities of every table with
 * the same margins that is no more likely than the observed one (relative tolerance 1e-7, as R).
 * The statistic is the observed table's probability.
 */
export function fisherExact(a: number, b: number, c: number, d: number): TestResult {
  const row1 = a + b;
  const col1 = a + c;
  const n = a + b + c + d;
  const lo = Math.max(0, col1 - (n - row1));
  const hi = Math.min(row1, col1);
  const denominator = logChoose(n, col1);
  const logP = (k: number) => logChoose(row1, k) + logChoose(n - row1, col1 - k) - denominator;
  const observed = logP(a);
  let p = 0;
  for (let k = lo; k <= hi; k++) {
    const lp = logP(k);
    if (lp <= observed + 1e-7) p += Math.exp(lp); // log(1 + 1e-7) ≈ 1e-7: R's relative tolerance
  }
  return { test: 'fisher-exact', pValue: Math.min(1, p), statistic: Math.exp(observed) };
}

/** Expected count below which the normal approximation of a 2×2 table is not trusted (Cochran's rule). */
const MIN_EXPECTED = 5;

/** Successes x of n, before (1) and after (2): Fisher's exact test when an expected cell count is below 5, else the z test. */
export function compareProportions(x1: number, n1: number, x2: number, n2: number): TestResult {
  const n = n1 + n2;
  const successes = x1 + x2;
  const failures = n - successes;
  const smallest = (Math.min(n1, n2) * Math.min(successes, failures)) / n;
  return smallest < MIN_EXPECTED ? fisherExact(x1, n1 - x1, x2, n2 - x2) : twoProportionZ(x1, n1, x2, n2);
}

/** Wald interval of p2 − p1 at level 1 − alpha (clamped to [−1, 1]). */
export function proportionDeltaInterval(x1: number, n1: number, x2: number, n2: number, alpha: number): [number, number] {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const half = normalQuantile(1 - alpha / 2) * Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  return [Math.max(-1, p2 - p1 - half), Math.min(1, p2 - p1 + half)];
}

// -------------------------------------------------------------------------------------------
// Ranks

/**
 * Mann–Whitney U test from an ascending merged order: `values[i]` with `isSecond[i]` telling the
 * sample (0 first, 1 second), already sorted by value. Midranks for ties, the tie-corrected
 * variance n1·n2/12·((n + 1) − Σ(t³ − t)/(n(n − 1))), and a continuity correction of ½;
 * two-sided. The statistic is U of the second sample (large U: the second sample tends larger).
 * Taking the merged order lets a caller sort a batch once and test many groups of it in linear time.
 */
export function mannWhitneyFromSorted(values: ArrayLike<number>, isSecond: ArrayLike<number>): TestResult {
  const n = values.length;
  let n2 = 0;
  let rankSum2 = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && values[j] === values[i]) j++;
    const t = j - i;
    const midrank = (i + 1 + j) / 2; // ranks i+1 … j
    for (let k = i; k < j; k++) {
      if (isSecond[k]) {
        n2++;
        rankSum2 += midrank;
      }
    }
    if (t > 1) tieTerm += t * t * t - t;
    i = j;
  }
  return mannWhitneyFromRankSum(n, n2, rankSum2, tieTerm);
}

/** U of the second sample from its rank sum, with the tie-corrected normal approximation and continuity correction. */
function mannWhitneyFromRankSum(n: number, n2: number, rankSum2: number, tieTerm: number): TestResult {
  const n1 = n - n2;
  if (n1 === 0 || n2 === 0) return { test: 'mann-whitney-u', pValue: 1, statistic: 0 };
  const u2 = rankSum2 - (n2 * (n2 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { test: 'mann-whitney-u', pValue: 1, statistic: u2 };
  const diff = u2 - mean;
  const corrected = Math.sign(diff) * Math.max(0, Math.abs(diff) - 0.5);
  return { test: 'mann-whitney-u', pValue: twoSidedNormalP(corrected / Math.sqrt(variance)), statistic: u2 };
}

/**
 * Mann–Whitney U as mannWhitneyFromSorted computes it, from counts per distinct value (index:
 * the value's rank) of the first and second sample. Midranks are whole or half numbers, so the
 * rank sum per value (count × midrank) is the same number as the sum per element.
 */
export function mannWhitneyFromCounts(first: ArrayLike<number>, second: ArrayLike<number>): TestResult {
  let n = 0;
  for (let r = 0; r < first.length; r++) n += first[r] + second[r];
  let n2 = 0;
  let rankSum2 = 0;
  let tieTerm = 0;
  let i = 0;
  for (let r = 0; r < first.length; r++) {
    const t = first[r] + second[r];
    if (t === 0) continue;
    const midrank = (i + 1 + i + t) / 2;
    n2 += second[r];
    rankSum2 += second[r] * midrank;
    if (t > 1) tieTerm += t * t * t - t;
    i += t;
  }
  return mannWhitneyFromRankSum(n, n2, rankSum2, tieTerm);
}

/** Mann–Whitney U of two unsorted samples (see mannWhitneyFromSorted). */
export function mannWhitney(first: readonly number[], second: readonly number[]): TestResult {
  const merged = [...first.map((v) => [v, 0] as const), ...second.map((v) => [v, 1] as const)].sort((a, b) => a[0] - b[0]);
  return mannWhitneyFromSorted(
    merged.map((m) => m[0]),
    merged.map((m) => m[1]),
  );
}

// -------------------------------------------------------------------------------------------
// Bootstrap

/**
 * A seeded pseudo-random source in [0, 1): mulberry32 (a 32-bit state, full period, good enough
 * for resampling). Hand-written because simple-statistics takes a random source but has no seeded
 * one, and a bootstrap interval must come out the same on every run of the same data.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Median of values resampled with replacement (the scratch array is reused). */
function resampledMedian(values: readonly number[], scratch: Float64Array, random: () => number): number {
  const n = values.length;
  for (let i = 0; i < n; i++) scratch[i] = values[Math.floor(random() * n)];
  scratch.sort();
  return n % 2 ? scratch[(n - 1) / 2] : (scratch[n / 2 - 1] + scratch[n / 2]) / 2;
}

/**
 * Percentile bootstrap interval of median(after) − median(before) at level 1 − alpha, from
 * `resamples` paired resamples drawn with a seeded source: the same data give the same interval.
 */
export function bootstrapMedianDelta(
  before: readonly number[],
  after: readonly number[],
  opts: { alpha: number; resamples?: number; seed?: number },
): [number, number] | null {
  if (before.length === 0 || after.length === 0) return null;
  const resamples = opts.resamples ?? 1000;
  const random = seededRandom(opts.seed ?? 0x5eed);
  const a = new Float64Array(before.length);
  const b = new Float64Array(after.length);
  const deltas = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) deltas[i] = resampledMedian(after, b, random) - resampledMedian(before, a, random);
  deltas.sort();
  return [quantileOfSorted(deltas, opts.alpha / 2), quantileOfSorted(deltas, 1 - opts.alpha / 2)];
}

/** Median of ascending values. */
export const medianOfSorted = (sorted: ArrayLike<number>): number => quantileOfSorted(sorted, 0.5);
