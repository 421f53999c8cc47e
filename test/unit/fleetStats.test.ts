// The statistics of the fleet view and batch compare, against known values. Where they come
// from: Fisher's tea-tasting table is the worked example of R's ?fisher.test (p = 0.4857); the
// other reference values were computed with scipy 1.17.1 / numpy (numpy.percentile's default
// linear method, scipy.stats.fisher_exact, scipy.stats.mannwhitneyu(method="asymptotic",
// use_continuity=True), scipy.stats.norm.sf) — independent implementations of the same
// definitions — and the z test's statistic also by hand below.
import { strict as assert } from 'node:assert';
import {
  bootstrapMedianDelta,
  compareProportions,
  fisherExact,
  histogram,
  mannWhitney,
  normalCdf,
  normalQuantile,
  percentilesOfSorted,
  seededRandom,
  twoProportionZ,
} from '../../src/core/fleet/stats';

const close = (actual: number, expected: number, tolerance: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} ${actual} is not within ${tolerance} of ${expected}`);

describe('fleet statistics', () => {
  it('percentiles interpolate linearly between order statistics (numpy.percentile)', () => {
    const p = percentilesOfSorted([3, 6, 7, 8, 8, 9, 10, 13, 15, 16, 20]);
    assert.deepEqual(p && [p.p50, p.p95, p.p99].map((v) => +v.toFixed(10)), [9, 18, 19.6]);
    assert.equal(percentilesOfSorted([]), null);
    assert.deepEqual(percentilesOfSorted([42]), { p50: 42, p95: 42, p99: 42 });
  });

  it('the normal distribution: Φ(1.96) = 0.975, and its quantile inverts it', () => {
    close(normalCdf(1.959963985), 0.975, 1e-7);
    close(normalCdf(0), 0.5, 1e-7);
    close(normalQuantile(0.995), 2.5758293, 1e-5);
  });

  it("Fisher's exact test: the tea-tasting table of R's ?fisher.test, and two more from scipy", () => {
    close(fisherExact(3, 1, 1, 3).pValue, 0.4857142857, 1e-9, 'tea');
    close(fisherExact(25, 0, 15, 10).pValue, 0.0006364235753557284, 1e-12, '25/25 vs 15/25');
    close(fisherExact(8, 2, 1, 5).pValue, 0.034965034965034975, 1e-12, '8/10 vs 1/6');
    assert.equal(fisherExact(5, 0, 5, 0).pValue, 1);
  });

  it('two-proportion z test: 90/100 against 75/100', () => {
    // By hand: pooled p = 165/200 = 0.825, se = √(0.825·0.175·(1/100 + 1/100)) = 0.053735, z = −0.15/0.053735.
    const r = twoProportionZ(90, 100, 75, 100);
    close(r.statistic, -2.7914526311954133, 1e-9, 'z');
    close(r.pValue, 0.0052472037391156304, 1e-8, 'p');
    assert.equal(twoProportionZ(10, 10, 20, 20).pValue, 1, 'both all-pass: no difference');
  });

  it('chooses Fisher when an expected cell is small, the z test otherwise', () => {
    assert.equal(compareProportions(20, 20, 14, 20).test, 'fisher-exact'); // 6 failures of 40: 3 expected per side
    assert.equal(compareProportions(25, 25, 15, 25).test, 'two-proportion-z'); // 10 of 50: 5 expected per side
    assert.equal(compareProportions(90, 100, 75, 100).test, 'two-proportion-z');
  });

  it('Mann–Whitney U with ties: tie-corrected normal approximation with continuity correction (scipy asymptotic)', () => {
    const a = [1.1, 2.2, 2.2, 3.5, 4.0, 4.0, 4.0, 5.1, 6.3, 7.0];
    const b = [2.2, 4.0, 5.5, 6.1, 7.2, 7.2, 8.3, 9.0, 9.9, 12.4, 13.0];
    const r = mannWhitney(a, b);
    assert.equal(r.statistic, 93.5, 'U of the second sample');
    close(r.pValue, 0.007166485996956496, 1e-7, 'p');
    const r2 = mannWhitney([19, 22, 16, 29, 24], [20, 11, 17, 12]);
    assert.equal(r2.statistic, 3);
    close(r2.pValue, 0.11134688653314041, 1e-7, 'p without ties');
    assert.equal(mannWhitney([5, 5, 5], [5, 5]).pValue, 1, 'all tied: no evidence');
  });

  it('histograms: one bin per count, log-spaced bins for skewed positive data, two bins for rates', () => {
    assert.deepEqual(histogram([0, 1, 1, 2, 4], 'integer').map((b) => [b.lo, b.count]), [[0, 1], [1, 2], [2, 1], [3, 0], [4, 1]]);
    assert.deepEqual(histogram([0, 0, 1, 1, 1], 'rate'), [{ lo: 0, hi: 0.5, count: 2 }, { lo: 0.5, hi: 1, count: 3 }]);
    assert.deepEqual(histogram([7, 7, 7]), [{ lo: 7, hi: 7, count: 3 }]);
    // 1 ms … 10,000 ms: 2·∛8 = 4 bins, edges at 1, 10, 100, 1000, 10000 (a decade each).
    const bins = histogram([1, 2, 20, 30, 300, 3000, 5000, 10000]);
    assert.deepEqual(bins.map((b) => +b.lo.toPrecision(6)), [1, 10, 100, 1000]);
    assert.deepEqual(bins.map((b) => b.count), [2, 2, 1, 3], 'the maximum falls in the last, closed bin');
    // Linear when the spread is small: 10 … 19 in 2·∛10 → 5 bins of width 1.8.
    const linear = histogram([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    assert.equal(linear.length, 5);
    close(linear[1].lo, 11.8, 1e-9);
    assert.equal(linear.reduce((s, b) => s + b.count, 0), 10);
  });

  it('the bootstrap interval is the same on every run of the same data, and covers a real shift', () => {
    const random = seededRandom(1);
    const before = Array.from({ length: 200 }, () => 100 + random() * 20);
    const after = Array.from({ length: 200 }, () => 150 + random() * 20);
    const one = bootstrapMedianDelta(before, after, { alpha: 0.01, seed: 7 });
    const two = bootstrapMedianDelta(before, after, { alpha: 0.01, seed: 7 });
    assert.deepEqual(one, two);
    assert.ok(one && one[0] > 40 && one[1] < 60, `interval ${one} around the shift of 50`);
    assert.equal(bootstrapMedianDelta([], after, { alpha: 0.01 }), null);
  });

  it('the seeded source is uniform enough: mean near ½ over 10,000 draws', () => {
    const random = seededRandom(42);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) sum += random();
    close(sum / 10_000, 0.5, 0.01);
  });
});
