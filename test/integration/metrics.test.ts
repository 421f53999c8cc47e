// OTLP metrics stored, end to end with real parts: the official OpenTelemetry metrics exporters
// (http/json, http/protobuf, gRPC) send gen_ai.client.token.usage and
// gen_ai.client.operation.duration histograms to `agent-trace serve` (its own process, a real
// SQLite file); `agent-trace metrics --json` then summarizes them per attribute set with
// count, sum and p50/p95. A bad payload gets a clear 400 (a bad data point alone is rejected,
// its neighbours stored), and a locked database a retryable 503.
import { strict as assert } from 'node:assert';
import Database from 'better-sqlite3';
import type { MetricSummary } from '../../src/core/metrics';
import { makeMeter, type OtlpProtocol } from '../support/otlpClients';
import { runCli, useServedDatabase } from '../support/serverProcess';
import { eventually } from '../support/waitUntil';

const TOKEN_USAGE = 'gen_ai.client.token.usage';
const DURATION = 'gen_ai.client.operation.duration';

describe('OTLP metrics: official exporters → serve → agent-trace metrics', function () {
  this.timeout(120_000);
  const served = useServedDatabase();

  const summaries = (): MetricSummary[] => {
    const r = runCli(['metrics', '--since', '1h', '--json', '--db', served.db]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as MetricSummary);
  };

  for (const protocol of ['http/json', 'http/protobuf', 'grpc'] as OtlpProtocol[]) {
    it(`stores histograms sent over ${protocol}, summarized per attribute set`, async () => {
      const service = `agent-${protocol.replace('/', '-')}`;
      const url = protocol === 'grpc' ? `http://127.0.0.1:${served.server.grpcPort}` : `http://127.0.0.1:${served.server.httpPort}`;
      const m = await makeMeter({ protocol, url, resource: { 'service.name': service }, temporality: protocol === 'http/json' ? 'delta' : 'cumulative' });
      const usage = m.meter.createHistogram(TOKEN_USAGE, { unit: '{token}', advice: { explicitBucketBoundaries: [1, 4, 16, 64, 256, 1024] } });
      const duration = m.meter.createHistogram(DURATION, { unit: 's', advice: { explicitBucketBoundaries: [0.01, 0.1, 1, 10] } });
      const attrs = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.provider.name': 'openai' };
      for (const n of [100, 120, 140, 700]) usage.record(n, { ...attrs, 'gen_ai.token.type': 'input' });
      for (const n of [20, 30]) usage.record(n, { ...attrs, 'gen_ai.token.type': 'output' });
      for (const s of [0.2, 0.3, 0.4, 2]) duration.record(s, attrs);
      await m.flush();
      // A second export: cumulative streams repeat their totals, delta ones send what is new.
      usage.record(150, { ...attrs, 'gen_ai.token.type': 'input' });
      await m.flush();
      await m.shutdown();
      assert.ok(m.outcomes.length >= 2 && m.outcomes.every((o) => o.code === 0), `every export was accepted: ${JSON.stringify(m.outcomes)}`);

      const mine = await eventually(() => {
        const s = summaries().filter((x) => x.attributes['service.name'] === service);
        assert.equal(s.length, 3, JSON.stringify(s));
        return s;
      });
      const input = mine.find((x) => x.name === TOKEN_USAGE && x.attributes['gen_ai.token.type'] === 'input')!;
      assert.equal(input.unit, '{token}');
      assert.equal(input.type, 'histogram');
      assert.deepEqual([input.count, input.sum], [5, 1210], 'five input observations, counted once across both exports');
      // Buckets (64, 256]: 100, 120, 140, 150; (256, 1024]: 700. p50 = rank 2.5 of 4 in (64, 256].
      assert.equal(input.p50, 64 + 192 * (2.5 / 4));
      assert.equal(input.p95, 256 + 768 * (0.75 / 1));
      const output = mine.find((x) => x.name === TOKEN_USAGE && x.attributes['gen_ai.token.type'] === 'output')!;
      assert.deepEqual([output.count, output.sum], [2, 50]);
      const dur = mine.find((x) => x.name === DURATION)!;
      assert.equal(dur.count, 4);
      assert.ok(Math.abs(dur.sum! - 2.9) < 1e-9);
      assert.equal(dur.attributes['gen_ai.request.model'], 'gpt-4o-mini');
    });
  }

  it('prints a readable summary without --json', () => {
    const r = runCli(['metrics', '--since', '1h', '--db', served.db]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /gen_ai\.client\.operation\.duration \(histogram\) .*gen_ai\.request\.model=gpt-4o-mini/);
    assert.match(r.stdout, /points \d+ {2}count 4 {2}sum 2\.9 s {2}p50 /);
    assert.match(r.stdout, /count 5 {2}sum 1\.21k tokens/);
  });

  it('answers a bad payload with a clear 400, and rejects a bad data point alone', async () => {
    const url = `http://127.0.0.1:${served.server.httpPort}/v1/metrics`;
    const post = (body: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const bad = await post('{"resourceMetrics": {"not": "a list"}}');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /resourceMetrics must be an array/);
    const mixed = await post(JSON.stringify({
      resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'mixed' } }] }, scopeMetrics: [{ metrics: [
        { name: 'broken', histogram: { aggregationTemporality: 1, dataPoints: [{ count: 1, bucketCounts: [1], explicitBounds: [1, 2] }] } },
        { name: 'fine', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ asInt: '3', timeUnixNano: String(BigInt(Date.now()) * 1_000_000n) }] } },
      ] }] }],
    }));
    assert.equal(mixed.status, 200);
    const reply = (await mixed.json()) as { partialSuccess?: { rejectedDataPoints: string; errorMessage: string } };
    assert.equal(reply.partialSuccess?.rejectedDataPoints, '1');
    assert.match(reply.partialSuccess!.errorMessage, /broken: a histogram has 1 bucket counts for 2 bounds/);
    await eventually(() => assert.equal(summaries().find((s) => s.attributes['service.name'] === 'mixed')?.sum, 3));
  });

  it('answers 503 with Retry-After while the database is locked, and stores the retry', async () => {
    const locker = new Database(served.db);
    const body = JSON.stringify({
      resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'locked' } }] }, scopeMetrics: [{ metrics: [
        { name: 'tries', sum: { aggregationTemporality: 1, dataPoints: [{ asInt: '1', timeUnixNano: String(BigInt(Date.now()) * 1_000_000n) }] } },
      ] }] }],
    });
    const post = () => fetch(`http://127.0.0.1:${served.server.httpPort}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    try {
      locker.exec('BEGIN EXCLUSIVE');
      const r = await post();
      assert.equal(r.status, 503);
      assert.equal(r.headers.get('retry-after'), '1');
    } finally {
      if (locker.inTransaction) locker.exec('ROLLBACK');
      locker.close();
    }
    assert.equal((await post()).status, 200);
    await eventually(() => assert.equal(summaries().find((s) => s.attributes['service.name'] === 'locked')?.sum, 1));
  });
});
