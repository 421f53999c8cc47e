// One batch's aggregates (distributions, groups, outliers, check counts) and two batches
// compared (findings, regressions first, typical run pairs), on runs built by hand so every
// expected figure can be counted here.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { aggregateFleet, compareBatchRuns, type BatchFinding, type FleetRun } from '../../src/core/fleet';
import { mannWhitney, mannWhitneyFromCounts } from '../../src/core/fleet/stats';
import { stableOrderByValue } from '../../src/core/fleet/compare';

let next = 0;
function run(over: Partial<FleetRun> & { route?: string; check?: 'pass' | 'fail' | 'error' | null } = {}): FleetRun {
  const { route = 'orders', check = 'pass', ...rest } = over;
  const id = (next++).toString(16).padStart(32, '0');
  return {
    traceId: id,
    name: 'agent run',
    startMs: 1_000 + next,
    durationMs: 500,
    totalTokens: 700,
    costUsd: 0.001,
    llmCalls: 2,
    toolCalls: 2,
    errorCount: 0,
    checks: check === null ? null : new Map([['refund policy cited', check]]),
    agents: ['weather-assistant'],
    models: ['gpt-4o-mini'],
    tools: new Map([
      ['get_weather', 1],
      ['search_docs', 1],
    ]),
    attribute: route,
    ...rest,
  };
}

describe('fleet aggregates of one batch', () => {
  const runs = [
    ...Array.from({ length: 8 }, (_, i) => run({ route: 'refunds', durationMs: 400 + i * 10, check: i < 6 ? 'pass' : 'fail' })),
    run({ route: 'orders', durationMs: 5_000, costUsd: null, errorCount: 1, check: null }),
    run({ route: 'orders', durationMs: 450, totalTokens: null, tools: new Map([['get_weather', 3]]) }),
  ];
  const fleet = aggregateFleet(runs, { groupAttribute: 'route' });

  it('distributions count runs with a value and say how many had none (unknown cost is missing, not $0)', () => {
    const cost = fleet.distributions.find((d) => d.measure === 'costUsd')!;
    assert.equal(cost.count, 9);
    assert.equal(cost.missing, 1);
    const latency = fleet.distributions.find((d) => d.measure === 'durationMs')!;
    assert.equal(latency.count, 10);
    assert.equal(latency.max, 5_000);
    assert.equal(latency.p50, 445); // sorted: 400 … 470, 450, 5000 → the 5th and 6th values are 440 and 450
    assert.equal(latency.bins.reduce((s, b) => s + b.count, 0), 10);
    const errors = fleet.distributions.find((d) => d.measure === 'errorRate')!;
    assert.equal(errors.mean, 0.1);
    const checks = fleet.distributions.find((d) => d.measure === 'checkPassRate')!;
    assert.equal(checks.count, 9, 'the run without checks is missing');
    assert.equal(checks.mean, 7 / 9);
  });

  it('groups by the chosen attribute, with cost per run and error and pass rates', () => {
    const refunds = fleet.groups.find((g) => g.dimension === 'attribute' && g.value === 'refunds')!;
    assert.equal(refunds.key, 'route');
    assert.equal(refunds.runs, 8);
    assert.equal(refunds.checkPassRate, 6 / 8);
    assert.ok(Math.abs(refunds.costUsd! - 0.008) < 1e-12);
    const orders = fleet.groups.find((g) => g.dimension === 'attribute' && g.value === 'orders')!;
    assert.equal(orders.errorRate, 0.5);
    assert.equal(orders.costPerRunUsd, 0.001, 'over the run whose cost is known');
  });

  it('tool groups count calls across the batch, agent and model groups count runs', () => {
    const weather = fleet.groups.find((g) => g.dimension === 'tool' && g.value === 'get_weather')!;
    assert.equal(weather.runs, 10);
    assert.equal(weather.calls, 12);
    assert.equal(fleet.groups.find((g) => g.dimension === 'tool' && g.value === 'search_docs')!.runs, 9);
    assert.equal(fleet.groups.find((g) => g.dimension === 'agent')!.runs, 10);
  });

  it('lists the run far above the median as an outlier, with the reason in words', () => {
    const slow = fleet.outliers.filter((o) => o.measure === 'durationMs');
    assert.equal(slow.length, 1);
    assert.equal(slow[0].traceId, runs[8].traceId);
    assert.equal(slow[0].reason, 'latency 5 s, 11× the batch median (445 ms)');
    assert.equal(fleet.outliers.filter((o) => o.measure === 'toolCalls').length, 0, '3 calls is not 3× the median of 2');
  });

  it('counts each check over the batch', () => {
    assert.deepEqual(fleet.checks, [{ name: 'refund policy cited', source: 'check', passed: 7, failed: 2, errors: 0 }]);
  });
});

describe('batch against batch', () => {
  // 25 runs per route and side; after: 10 of the refunds runs fail the check (40%).
  const side = (faults: number) => [
    ...Array.from({ length: 25 }, (_, i) => run({ route: 'refunds', durationMs: 500 + (i % 5), check: i < faults ? 'fail' : 'pass' })),
    ...Array.from({ length: 25 }, (_, i) => run({ route: 'orders', durationMs: 500 + (i % 5), check: null })),
  ];
  const before = side(0);
  const after = side(10);

  it('flags exactly the route and check that got worse, first, with its headline and a pass → fail pair', () => {
    const findings = compareBatchRuns(before, after, { groupAttribute: 'route' });
    const regressions = findings.filter((f) => f.regression);
    assert.equal(regressions.length, 1, JSON.stringify(regressions.map((f) => f.headline)));
    const [r] = regressions;
    assert.equal(findings[0], r, 'regressions come first');
    assert.deepEqual(r.group, { dimension: 'attribute', key: 'route', value: 'refunds' });
    assert.equal(r.measure, 'check:refund policy cited');
    assert.equal(r.test, 'two-proportion-z');
    assert.equal(r.headline, 'check refund policy cited 100% → 60% for route=refunds, p < 0.001');
    assert.equal(r.delta, -0.4);
    const failedRun = after.find((x) => x.traceId === r.typicalPair?.afterTraceId)!;
    assert.equal(failedRun.checks?.get('refund policy cited'), 'fail');
    assert.equal(before.find((x) => x.traceId === r.typicalPair?.beforeTraceId)?.checks?.get('refund policy cited'), 'pass');
  });

  it('does not repeat a finding for a group that is the whole batch (one agent, one model)', () => {
    const findings = compareBatchRuns(before, after, { groupAttribute: 'route' });
    assert.equal(findings.filter((f) => f.group.dimension === 'agent' || f.group.dimension === 'model').length, 0);
    // The check runs on refunds only, so "all runs" would repeat route=refunds: the attribute group is kept.
    assert.equal(findings.filter((f) => f.measure === 'check:refund policy cited' && f.group.dimension === 'all').length, 0);
  });

  it('flags a latency regression by rank, with a bootstrap interval, and not a small significant shift', () => {
    const slower = before.map((r) => ({ ...r, traceId: `${r.traceId}b`, durationMs: r.attribute === 'orders' ? r.durationMs * 2 : r.durationMs }));
    const findings = compareBatchRuns(before, slower, { groupAttribute: 'route' });
    const latency = findings.filter((f) => f.regression);
    assert.deepEqual(latency.map((f) => `${f.measure} ${f.group.value}`).sort(), ['durationMs all', 'durationMs orders']);
    const orders = latency.find((f) => f.group.value === 'orders')!;
    assert.equal(orders.test, 'mann-whitney-u');
    assert.ok(orders.interval && orders.interval[0] > 400 && orders.interval[1] <= 510, `interval ${orders.interval}`);
    assert.match(orders.headline, /^latency p50 502 ms → 1(\.0)? s for route=orders, p < 0\.001$/);
    const nudged = before.map((r) => ({ ...r, traceId: `${r.traceId}c`, durationMs: r.durationMs + 5 }));
    assert.equal(compareBatchRuns(before, nudged, { groupAttribute: 'route' }).filter((f) => f.regression).length, 0, '1% slower is not a regression');
  });

  it('tests nothing with fewer than 5 runs a side, and says so', () => {
    const findings = compareBatchRuns(before.slice(0, 3), after.slice(0, 3), { groupAttribute: 'route' });
    assert.ok(findings.every((f) => f.test === 'none' && f.pValue === null && !f.regression));
    assert.match(findings[0].headline, /not tested \(fewer than 5 runs a side\)$/);
  });
});

describe('the order compare ranks each measure by', () => {
  it('is the order of a stable comparator sort, for call counts and for real values with ties', () => {
    const values = fc.oneof(
      fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 300 }),
      fc.array(fc.integer({ min: -1e9, max: 1e9 }), { maxLength: 300 }),
      fc.array(fc.constantFrom(0, -0, 0.1, 0.25, 1e-9, 3.5, 1e12), { maxLength: 300 }),
      fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 300 }),
    );
    fc.assert(
      fc.property(values, fc.array(fc.boolean(), { maxLength: 300 }), (xs, skip) => {
        const column = Float64Array.from(xs);
        const known = xs.map((_, i) => i).filter((i) => !skip[i]);
        const expected = [...known].sort((a, b) => column[a] - column[b]);
        assert.deepEqual([...stableOrderByValue(column, known)], expected);
      }),
    );
  });
});

describe('whole-number measures compared from counts', () => {
  it('the rank test from counts per value is the rank test of the sorted values, ties and all', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 200 }), fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 200 }), (first, second) => {
        const count = (xs: number[]) => Uint32Array.from({ length: 10 }, (_, v) => xs.filter((x) => x === v).length);
        assert.deepEqual(mannWhitneyFromCounts(count(first), count(second)), mannWhitney(first, second));
      }),
    );
  });

  it('finds what the sorted walk finds: the same p-values, medians and typical runs (shifted by ½, the walk path)', () => {
    const rnd = fc.sample(fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.constantFrom('refunds', 'orders', 'shipping')), { minLength: 60, maxLength: 60 }), { numRuns: 20, seed: 7 });
    for (const spec of rnd) {
      const runs = spec.map(([calls, route]) => run({ llmCalls: calls, toolCalls: calls % 3, route }));
      const [before, after] = [runs.slice(0, 30), runs.slice(30)];
      const half = (rs: FleetRun[]) => rs.map((r) => ({ ...r, llmCalls: r.llmCalls + 0.5, toolCalls: r.toolCalls + 0.5 }));
      const counted = compareBatchRuns(before, after, { groupAttribute: 'route' }).filter((f) => f.measure === 'llmCalls' || f.measure === 'toolCalls');
      const walked = compareBatchRuns(half(before), half(after), { groupAttribute: 'route' }).filter((f) => f.measure === 'llmCalls' || f.measure === 'toolCalls');
      const key = (f: BatchFinding) => `${f.measure}|${f.group.dimension}|${f.group.value}`;
      const byKey = new Map(walked.map((f) => [key(f), f]));
      assert.ok(counted.length > 0);
      for (const f of counted) {
        const w = byKey.get(key(f));
        assert.ok(w, key(f));
        assert.equal(f.pValue, w.pValue);
        assert.deepEqual(f.typicalPair, w.typicalPair);
        assert.deepEqual([f.before.n, f.after.n], [w.before.n, w.after.n]);
        assert.equal(f.before.value === null ? null : f.before.value + 0.5, w.before.value);
        assert.equal(f.after.value === null ? null : f.after.value + 0.5, w.after.value);
        if (f.interval && w.interval) assert.deepEqual(f.interval.map((x) => x), w.interval, 'the bootstrap draws the same runs; deltas are unchanged by a shift');
      }
    }
  });
});
