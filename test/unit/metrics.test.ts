// OTLP metrics: both encodings read into the same data points (protobuf encoded by our schema as
// the reference, OTLP/JSON with camelCase, snake_case, int64 strings and enum names), a bad data
// point rejected alone, bounds on attributes, and summaries (delta and cumulative, p50/p95 from
// buckets) against values worked out by hand.
import { strict as assert } from 'node:assert';
import { bucketQuantile, summarizeMetrics, type MetricPoint } from '../../src/core/metrics';
import { OtlpDecodeError, decodeMetrics, otlpType, OTLP_TYPES } from '../../src/core/otlp';

const kv = (key: string, v: string | number) => ({ key, value: typeof v === 'string' ? { stringValue: v } : { intValue: v } });

function request(histogram: object, extraMetrics: object[] = []) {
  return {
    resourceMetrics: [{
      resource: { attributes: [kv('service.name', 'weather-agent')] },
      scopeMetrics: [{
        scope: { name: 'gen_ai' },
        metrics: [{ name: 'gen_ai.client.token.usage', unit: '{token}', histogram }, ...extraMetrics],
      }],
    }],
  };
}

const tokenHistogram = {
  aggregationTemporality: 1,
  dataPoints: [{
    attributes: [kv('gen_ai.token.type', 'input'), kv('gen_ai.request.model', 'gpt-4o-mini')],
    startTimeUnixNano: '1790000000000000000', timeUnixNano: '1790000060000000000',
    count: '4', sum: 700, min: 50, max: 300, bucketCounts: ['0', '1', '3'], explicitBounds: [10, 100],
  }],
};

describe('OTLP metrics: decoding', () => {
  it('reads a histogram the same from OTLP/JSON and from protobuf', () => {
    const req = request(tokenHistogram, [
      { name: 'requests', sum: { aggregationTemporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE', isMonotonic: true, dataPoints: [{ asInt: '7', timeUnixNano: '1790000060000000000' }] } },
      { name: 'queue.depth', gauge: { dataPoints: [{ asDouble: 2.5, timeUnixNano: '1790000060000000000' }] } },
    ]);
    const json = decodeMetrics(Buffer.from(JSON.stringify(req)), 'json');
    const type = otlpType(OTLP_TYPES.metricsRequest);
    // Our schema's protobuf form of the same request (snake_case keys, as protobufjs takes them).
    const snake = JSON.parse(JSON.stringify(req).replace(/"([a-z]+)([A-Z][A-Za-z]*)":/g, (_m, a: string, b: string) => `"${a}${b.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}":`)
      .replace(/"AGGREGATION_TEMPORALITY_CUMULATIVE"/, '2'));
    const proto = decodeMetrics(type.encode(type.fromObject(snake)).finish(), 'protobuf');
    for (const d of [json, proto]) {
      assert.equal(d.count, 0, d.reasons.join('; '));
      assert.equal(d.points.length, 3);
      const [h, sum, gauge] = d.points;
      assert.deepEqual(
        [h.name, h.unit, h.type, h.temporality, h.service, h.attributes, h.count, h.sum, h.min, h.max, h.buckets, h.timeUnixNanos],
        ['gen_ai.client.token.usage', '{token}', 'histogram', 'delta', 'weather-agent', { 'gen_ai.token.type': 'input', 'gen_ai.request.model': 'gpt-4o-mini' },
          4, 700, 50, 300, { bounds: [10, 100], counts: [0, 1, 3] }, '1790000060000000000'],
      );
      assert.deepEqual([sum.type, sum.temporality, sum.value], ['sum', 'cumulative', 7]);
      assert.deepEqual([gauge.type, gauge.value], ['gauge', 2.5]);
    }
  });

  it('rejects a bad data point alone and keeps its neighbours', () => {
    const bad = { ...tokenHistogram, dataPoints: [{ count: '2', bucketCounts: ['1', '1'], explicitBounds: [1, 2, 3] }, ...tokenHistogram.dataPoints] };
    const d = decodeMetrics(Buffer.from(JSON.stringify(request(bad, [{ name: 'no data' }]))), 'json');
    assert.equal(d.points.length, 1);
    assert.equal(d.count, 2);
    assert.match(d.reasons.join('\n'), /2 bucket counts for 3 bounds/);
    assert.match(d.reasons.join('\n'), /without a name or data/);
  });

  it('answers a body that is no metrics request with a decode error (400)', () => {
    assert.throws(() => decodeMetrics(Buffer.from('{"resourceMetrics": 3}'), 'json'), OtlpDecodeError);
    assert.throws(() => decodeMetrics(Buffer.from('not json'), 'json'), OtlpDecodeError);
    assert.throws(() => decodeMetrics(Uint8Array.from([0x0a, 0xff, 0xff, 0x01]), 'protobuf'), OtlpDecodeError);
  });

  it('caps attributes per point and the length of their values', () => {
    const many = Array.from({ length: 100 }, (_, i) => kv(`k${i}`, 'v'.repeat(10_000)));
    const d = decodeMetrics(Buffer.from(JSON.stringify(request({ dataPoints: [{ attributes: many, count: 1 }] }))), 'json');
    const attrs = d.points[0].attributes;
    assert.equal(Object.keys(attrs).length, 32);
    assert.ok(Object.values(attrs).every((v) => typeof v === 'string' && v.length <= 257));
  });
});

const point = (p: Partial<MetricPoint>): MetricPoint => ({
  name: 'gen_ai.client.operation.duration', unit: 's', type: 'histogram', temporality: 'delta', service: 'a', resource: {},
  attributes: { 'gen_ai.request.model': 'gpt-4o' }, startUnixNanos: '0', timeUnixNanos: '0', value: null, count: null, sum: null,
  min: null, max: null, buckets: null, ...p,
});

describe('OTLP metrics: summaries', () => {
  it('p50/p95 interpolate within the bucket holding the rank', () => {
    // 10 observations: 4 in (0, 1], 4 in (1, 2], 2 in (2, 4].
    assert.equal(bucketQuantile([1, 2, 4], [4, 4, 2, 0], 0.5), 1.25);
    assert.equal(bucketQuantile([1, 2, 4], [4, 4, 2, 0], 0.95), 3.5);
    assert.equal(bucketQuantile([1, 2], [0, 0, 3], 0.5), 2, 'the open last bucket answers its lower bound');
    assert.equal(bucketQuantile([1], [0, 0], 0.5), null);
  });

  it('adds delta points and merges their buckets, per attribute set', () => {
    const b = (counts: number[]) => ({ bounds: [1, 2, 4], counts });
    const s = summarizeMetrics([
      point({ count: 5, sum: 6, buckets: b([2, 2, 1, 0]) }),
      point({ count: 5, sum: 9, buckets: b([2, 2, 1, 0]) }),
      point({ attributes: { 'gen_ai.request.model': 'other' }, count: 1, sum: 3, buckets: b([0, 0, 1, 0]) }),
    ]);
    assert.equal(s.length, 2);
    assert.deepEqual({ ...s[0], attributes: s[0].attributes }, {
      name: 'gen_ai.client.operation.duration', unit: 's', type: 'histogram', attributes: { 'service.name': 'a', 'gen_ai.request.model': 'gpt-4o' },
      points: 2, count: 10, sum: 15, last: null, p50: 1.25, p95: 3.5,
    });
    assert.equal(s[1].attributes['gen_ai.request.model'], 'other');
  });

  it('takes the range share of cumulative streams: the last total, less the first when the stream began earlier', () => {
    const b = (counts: number[]) => ({ bounds: [1, 2, 4], counts });
    const rangeStart = 1_000n;
    const s = summarizeMetrics([
      // began before the range: 10 → 16 observations inside it
      point({ temporality: 'cumulative', startUnixNanos: '500', count: 10, sum: 10, buckets: b([10, 0, 0, 0]) }),
      point({ temporality: 'cumulative', startUnixNanos: '500', count: 16, sum: 25, buckets: b([10, 4, 2, 0]) }),
      // began inside the range (another process): all of it counts
      point({ temporality: 'cumulative', startUnixNanos: '2000', resource: { 'service.instance.id': 'b' }, count: 4, sum: 4, buckets: b([4, 0, 0, 0]) }),
    ], rangeStart);
    assert.deepEqual([s[0].points, s[0].count, s[0].sum], [3, 10, 19]);
    assert.equal(s[0].p50, 1.25); // (4, 4, 2, 0) merged
  });

  it('sums report their total, gauges their last value', () => {
    const s = summarizeMetrics([
      point({ name: 'q', type: 'gauge', value: 3 }), point({ name: 'q', type: 'gauge', value: 5 }),
      point({ name: 'r', type: 'sum', value: 2 }), point({ name: 'r', type: 'sum', value: 3 }),
    ]);
    assert.deepEqual(s.map((m) => [m.name, m.last, m.sum, m.count]), [['q', 5, null, null], ['r', null, 5, null]]);
  });
});
