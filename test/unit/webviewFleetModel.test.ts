// The fleet page's view model: measure labels and formats, histogram markers and range, group
// sorting with unknown values last, findings with regressions first, and a finding's texts.
import { strict as assert } from 'node:assert';
import type { BatchFindingDto, DistributionDto, FleetGroupDto } from '../../src/protocol/fleet';
import {
  batchRefId,
  beforeAfterText,
  distributionSummary,
  formatMeasure,
  formatMeasureDelta,
  fromLocalInput,
  groupLabel,
  histogramRange,
  intervalText,
  markersOf,
  measureLabel,
  nextSort,
  orderFindings,
  sortedGroups,
  toLocalInput,
} from '../../webview/fleet/fleetModel';

const dist = (over: Partial<DistributionDto>): DistributionDto => ({
  measure: 'durationMs', count: 3, missing: 0, min: 100, max: 900, mean: 400, p50: 300, p95: 850, p99: 890, bins: [{ lo: 100, hi: 500, count: 2 }, { lo: 500, hi: 900, count: 1 }], ...over,
});

const group = (value: string, over: Partial<FleetGroupDto>): FleetGroupDto => ({
  dimension: 'attribute', key: 'feature', value, runs: 10, calls: 10, errorRate: 0, checkPassRate: 1, costUsd: 1, costPerRunUsd: 0.1, totalTokens: 100, p50DurationMs: 1, p95DurationMs: 2, ...over,
});

const finding = (over: Partial<BatchFindingDto>): BatchFindingDto => ({
  group: { dimension: 'attribute', key: 'route', value: 'refunds' }, measure: 'errorRate', before: { n: 50, value: 0.02 }, after: { n: 50, value: 0.3 }, delta: 0.28,
  test: 'fisher-exact', pValue: 0.5, interval: null, regression: false, improvement: false, headline: 'h', typicalPair: null, ...over,
});

describe('fleet view model', () => {
  it('labels and formats each measure through the shared formatter', () => {
    assert.equal(measureLabel('durationMs'), 'Latency');
    assert.equal(measureLabel('check:refund policy cited'), 'check "refund policy cited" pass rate');
    assert.equal(formatMeasure('durationMs', 1234), '1.2 s');
    assert.equal(formatMeasure('costUsd', 0.000036), '$0.000036');
    assert.equal(formatMeasure('costUsd', null), 'unknown');
    assert.equal(formatMeasure('checkPassRate', 0.6), '60%');
    assert.equal(formatMeasure('check:x', 0.98), '98%');
    assert.equal(formatMeasureDelta('durationMs', -1500), '−1.5 s');
    assert.equal(formatMeasureDelta('errorRate', 0.28), '+28%');
  });

  it('markers are the percentiles the server computed; the summary line says them', () => {
    assert.deepEqual(markersOf(dist({ p99: null })), [{ label: 'p50', value: 300 }, { label: 'p95', value: 850 }]);
    assert.equal(distributionSummary(dist({ missing: 2 })), 'p50 300 ms · p95 850 ms · p99 890 ms · 3 runs · 2 unknown');
    assert.equal(distributionSummary(dist({ measure: 'errorRate', mean: 0.05, p50: 0, p95: 0.5, p99: 1, count: 1 })), 'mean 5% · p50 0% · p95 50% · p99 100% · 1 run');
  });

  it('a histogram spans its bins; a batch of one value still gets a width', () => {
    assert.deepEqual(histogramRange(dist({})), [100, 900]);
    assert.deepEqual(histogramRange(dist({ bins: [{ lo: 2, hi: 2, count: 5 }] })), [1.8, 2.2]);
    assert.deepEqual(histogramRange(dist({ bins: [{ lo: 0, hi: 0, count: 5 }] })), [-1, 1]);
    assert.equal(histogramRange(dist({ bins: [] })), null);
  });

  it('sorts groups by a column, unknown values last in both directions, ties by name', () => {
    const gs = [group('b', { costUsd: 5 }), group('a', { costUsd: null }), group('c', { costUsd: 9 }), group('d', { costUsd: 5 }), group('x', { dimension: 'tool', costUsd: 100 })];
    const names = (desc: boolean) => sortedGroups(gs, 'attribute', { key: 'costUsd', descending: desc }).map((g) => g.value);
    assert.deepEqual(names(true), ['c', 'b', 'd', 'a']);
    assert.deepEqual(names(false), ['b', 'd', 'c', 'a']);
    assert.deepEqual(sortedGroups(gs, 'attribute', { key: 'value', descending: false }).map((g) => g.value), ['a', 'b', 'c', 'd']);
    assert.deepEqual(nextSort({ key: 'runs', descending: true }, 'runs'), { key: 'runs', descending: false });
    assert.deepEqual(nextSort({ key: 'runs', descending: true }, 'value'), { key: 'value', descending: false });
    assert.deepEqual(nextSort({ key: 'value', descending: false }, 'costUsd'), { key: 'costUsd', descending: true });
  });

  it('orders findings: regressions, then improvements, then the rest, strongest evidence first', () => {
    const fs = [
      finding({ headline: 'other' }),
      finding({ headline: 'improvement', improvement: true, pValue: 0.001 }),
      finding({ headline: 'weak regression', regression: true, pValue: 0.009 }),
      finding({ headline: 'strong regression', regression: true, pValue: 0.00001 }),
      finding({ headline: 'no test', pValue: null }),
    ];
    assert.deepEqual(orderFindings(fs).map((f) => f.headline), ['strong regression', 'weak regression', 'improvement', 'other', 'no test']);
  });

  it("a finding's texts", () => {
    const f = finding({ measure: 'check:refund policy cited', before: { n: 50, value: 0.98 }, after: { n: 50, value: 0.6 }, interval: [-0.52, -0.24] });
    assert.equal(beforeAfterText(f), '98% → 60%');
    assert.equal(intervalText(f), '−52% to −24%');
    assert.equal(groupLabel(f.group), 'route=refunds');
    assert.equal(groupLabel({ dimension: 'all', key: '', value: '' }), 'all runs');
    assert.equal(groupLabel({ dimension: 'tool', key: 'gen_ai.tool.name', value: 'get_weather' }), 'tool get_weather');
  });

  it('batch ids and time inputs round-trip', () => {
    assert.equal(batchRefId({ kind: 'attribute', key: 'service.version', value: '1.2' }), 'a:service.version=1.2');
    assert.equal(batchRefId({ kind: 'timeRange', fromMs: 1, toMs: 2 }), 't:1-2');
    const ms = new Date(2026, 11, 2, 9, 5).getTime();
    assert.equal(fromLocalInput(toLocalInput(ms)), ms);
    assert.equal(fromLocalInput(''), null);
  });
});
