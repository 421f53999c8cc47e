// Metric points on a real SQLite file: kept with the traces' age retention, and held to their
// share of the size limit (oldest first) so that a flood of metrics never pushes traces out.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { canonicalize } from '../../src/core/canonicalize';
import type { MetricPoint } from '../../src/core/metrics';
import { TraceStore } from '../../src/store/traceStore';
import { rawSpan, tempDir } from './storeFixtures';

const point = (i: number, pad = 0): MetricPoint => ({
  name: 'gen_ai.client.token.usage', unit: '{token}', type: 'histogram', temporality: 'delta', service: 'a',
  resource: { 'service.name': 'a', pad: 'r'.repeat(pad) }, attributes: { 'gen_ai.token.type': 'input', i },
  startUnixNanos: '0', timeUnixNanos: String(BigInt(1_790_000_000_000 + i) * 1_000_000n), value: null, count: 1, sum: i, min: null, max: null,
  buckets: { bounds: [1, 10], counts: [0, 0, 1] },
});

describe('metric store', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: TraceStore | null = null;
  let now = 1_000;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => {
    store?.close();
    store = null;
    tmp.cleanup();
  });

  it('keeps points with the age retention, and by time range', async () => {
    const s = (store = TraceStore.open(join(tmp.dir, 'traces.db'), { canonicalize: (x) => canonicalize(x), now: () => now }));
    s.metrics.write([point(1), point(2)]);
    now += 5 * 86_400_000;
    s.metrics.write([point(3)]);
    assert.deepEqual(s.metrics.pointsBetween(1_790_000_000_002, 1_790_000_000_004).map((p) => p.sum), [2, 3]);
    now += 3 * 86_400_000;
    await s.applyRetention({ maxDays: 7, maxMegabytes: 0 });
    assert.deepEqual(s.metrics.pointsBetween(0, Number.MAX_SAFE_INTEGER).map((p) => p.sum), [3]);
  });

  it('holds points to their share of the size limit, oldest first, and keeps the traces', async () => {
    const s = (store = TraceStore.open(join(tmp.dir, 'traces.db'), { canonicalize: (x) => canonicalize(x), now: () => now }));
    s.writeBatch({ spans: [rawSpan({ traceId: '1'.repeat(32), spanId: 'a'.repeat(16) })], logs: [] });
    for (let b = 0; b < 40; b++) s.metrics.write(Array.from({ length: 100 }, (_, i) => point(b * 100 + i, 1_000)));
    assert.equal(s.metrics.count(), 4_000);
    await s.applyRetention({ maxDays: 0, maxMegabytes: 2 });
    const left = s.metrics.pointsBetween(0, Number.MAX_SAFE_INTEGER);
    assert.ok(left.length > 0 && left.length < 300, `about 0.2 MB of points are left: ${left.length}`);
    assert.equal(left[left.length - 1].sum, 3_999, 'the newest stay');
    assert.ok(s.traceSummary('1'.repeat(32)), 'the trace was not pushed out by metrics');
  });
});
