// The fleet's per-trace grouping data in a real SQLite file: written at ingest from each new
// span (batch keys, root span, resource and baggage-style attributes, bounded; agent, tool and
// model membership with call counts), kept when a trace's summary row is rewritten, gone with
// the trace, and backfilled for traces stored before schema v5.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { canonicalize } from '../../src/core/canonicalize';
import { MAX_ATTRIBUTES_PER_TRACE } from '../../src/store/fleetStore';
import { TraceStore } from '../../src/store/traceStore';
import { rawSpan, tempDir } from './storeFixtures';
import type { RawSpan } from '../../src/core/model';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const traceIdOf = (i: number) => hex(i + 1, 32);
const resource = (batch: string) => ({ 'service.name': 'shop-agent', 'service.version': '1.2.0', 'agent_trace.batch': batch, 'telemetry.sdk.name': 'opentelemetry' });

/** One run: a root span with `route`, an agent span, a model call and `toolCalls` calls of lookup. */
function runSpans(i: number, batch: string, route: string, toolCalls = 2): RawSpan[] {
  const traceId = traceIdOf(i);
  const spans = [
    rawSpan({ traceId, spanId: hex(1, 16), name: 'agent run', startMs: i * 100, endMs: i * 100 + 50, resource: resource(batch), attributes: { route, 'app.nested': { no: 'objects' } } }),
    rawSpan({
      traceId, spanId: hex(2, 16), parentSpanId: hex(1, 16), name: 'invoke_agent shop', startMs: i * 100, resource: resource(batch),
      attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'shop', 'session.id': `s-${i % 2}`, feature: 'checkout' },
    }),
    rawSpan({
      traceId, spanId: hex(3, 16), parentSpanId: hex(2, 16), name: 'chat gpt-4o-mini', startMs: i * 100, resource: resource(batch),
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5 },
    }),
  ];
  for (let k = 0; k < toolCalls; k++) {
    spans.push(rawSpan({
      traceId, spanId: hex(10 + k, 16), parentSpanId: hex(2, 16), name: 'execute_tool lookup', startMs: i * 100, resource: resource(batch),
      attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup' },
    }));
  }
  return spans;
}

describe('fleet grouping data in the store', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  let store: TraceStore | null = null;
  const path = () => join(tmp.dir, 'traces.db');
  const open = () => (store = TraceStore.open(path(), { canonicalize: (s) => canonicalize(s) }));
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => {
    store?.close();
    store = null;
    tmp.cleanup();
  });

  it('stores batch keys, root and resource attributes and baggage-style keys, not SDK attributes or objects', () => {
    const s = open();
    s.writeBatch({ spans: runSpans(0, 'before', 'refunds'), logs: [] });
    assert.deepEqual(s.fleet().attributesOf(traceIdOf(0)), {
      'agent_trace.batch': 'before',
      feature: 'checkout',
      route: 'refunds',
      'service.name': 'shop-agent',
      'service.version': '1.2.0',
      'session.id': 's-0',
    });
  });

  it('gives each run its agents, models and tool calls, and lists batches by key', () => {
    const s = open();
    for (let i = 0; i < 4; i++) s.writeBatch({ spans: runSpans(i, i < 2 ? 'before' : 'after', i % 2 ? 'orders' : 'refunds', i + 1), logs: [] });
    const runs = s.fleet().batchRuns({ kind: 'attribute', key: 'agent_trace.batch', value: 'after' }, 'route');
    assert.deepEqual(runs.map((r) => [r.traceId, r.attribute, r.agents, r.models, [...r.tools]]).sort(), [
      [traceIdOf(2), 'refunds', ['shop'], ['gpt-4o-mini'], [['lookup', 3]]],
      [traceIdOf(3), 'orders', ['shop'], ['gpt-4o-mini'], [['lookup', 4]]],
    ]);
    assert.equal(runs[0].totalTokens, 15);
    const batches = s.fleet().listBatches({ keys: ['agent_trace.batch'], limit: 10 });
    assert.deepEqual(batches.map((b) => [b.value, b.runs]), [['after', 2], ['before', 2]]);
    const byTime = s.fleet().batchRuns({ kind: 'timeRange', fromMs: 0, toMs: Number.MAX_SAFE_INTEGER }, null);
    assert.equal(byTime.length, 4);
  });

  it('keeps the facts when a later export extends the trace, counts a span sent twice once, and drops them with the trace', () => {
    const s = open();
    const spans = runSpans(0, 'b', 'refunds', 2);
    s.writeBatch({ spans: spans.slice(0, 3), logs: [] });
    s.writeBatch({ spans: spans.slice(3), logs: [] });
    s.writeBatch({ spans: spans.slice(3), logs: [] }); // a retried export
    const [run] = s.fleet().batchRuns({ kind: 'attribute', key: 'agent_trace.batch', value: 'b' }, 'route');
    assert.equal(run.tools.get('lookup'), 2);
    assert.equal(run.attribute, 'refunds');
    assert.ok(s.deleteTrace(traceIdOf(0)));
    assert.deepEqual(s.fleet().attributesOf(traceIdOf(0)), {});
    assert.deepEqual(s.fleet().batchRuns({ kind: 'timeRange', fromMs: 0, toMs: Number.MAX_SAFE_INTEGER }, null), []);
  });

  it('bounds what one trace can store: attribute count, and overlong keys and values', () => {
    const s = open();
    const attributes: Record<string, string> = { ['x'.repeat(200)]: 'long key', huge: 'v'.repeat(10_000) };
    for (let k = 0; k < 100; k++) attributes[`attr${k}`] = String(k);
    s.writeBatch({ spans: [rawSpan({ traceId: traceIdOf(0), spanId: hex(1, 16), attributes, resource: { 'service.name': 'x', 'agent_trace.batch': 'capped' } })], logs: [] });
    const stored = s.fleet().attributesOf(traceIdOf(0));
    assert.equal(Object.keys(stored).length, MAX_ATTRIBUTES_PER_TRACE);
    assert.equal(stored['agent_trace.batch'], 'capped', 'batch keys are kept first');
    assert.equal(stored.huge, undefined);
  });

  it('backfills the traces of a version-4 file when it migrates', () => {
    const s = open();
    for (let i = 0; i < 3; i++) s.writeBatch({ spans: runSpans(i, 'old', 'refunds'), logs: [] });
    s.close();
    store = null;
    const raw = new Database(path());
    raw.exec('DROP TRIGGER traces_fleet_cleanup; DROP TABLE trace_attrs; DROP TABLE trace_members; PRAGMA user_version = 4;');
    raw.close();
    const runs = open().fleet().batchRuns({ kind: 'attribute', key: 'agent_trace.batch', value: 'old' }, 'route');
    assert.equal(runs.length, 3);
    assert.ok(runs.every((r) => r.tools.get('lookup') === 2 && r.attribute === 'refunds' && r.agents[0] === 'shop'));
  });

  // The packed per-trace row (schema v10) is what batchRuns reads: it must always equal what the
  // member and check rows say, whichever way they were written.
  const packedFromRows = (db: Database.Database) =>
    db.prepare(
      'SELECT t.trace_id, ' +
        "(SELECT group_concat(m.dimension || char(31) || m.value || char(31) || m.calls, char(30)) FROM trace_members m WHERE m.trace_id = t.trace_id), " +
        "(SELECT group_concat(c.check_name || char(31) || c.outcome, char(30)) FROM check_results c WHERE c.trace_id = t.trace_id) " +
        'FROM (SELECT trace_id FROM trace_members UNION SELECT trace_id FROM check_results) t ORDER BY 1',
    ).raw().all();
  const packedRows = (db: Database.Database) => db.prepare('SELECT trace_id, members, checks FROM trace_fleet ORDER BY 1').raw().all();
  const result = (check: string, outcome: 'pass' | 'fail' | 'error') => ({ check, kind: 'final_answer', outcome, message: '', spanId: null });
  const all = { kind: 'timeRange', fromMs: 0, toMs: Number.MAX_SAFE_INTEGER } as const;

  it('keeps the packed fleet row right across re-sent spans, check re-evaluation, judge results, deletes and clear', () => {
    const s = open();
    const raw = new Database(path(), { readonly: true });
    try {
      const spans = runSpans(0, 'p', 'refunds', 2);
      s.writeBatch({ spans: spans.slice(0, 3), logs: [] });
      s.writeBatch({ spans: runSpans(1, 'p', 'orders', 1), logs: [] });
      s.saveCheckResults([{ traceId: traceIdOf(0), results: [result('cited', 'pass'), result('no errors', 'fail')] }]);
      s.writeBatch({ spans: spans.slice(3), logs: [] });
      s.writeBatch({ spans: spans.slice(3), logs: [] }); // a retried export
      assert.deepEqual(packedRows(raw), packedFromRows(raw));
      let run = s.fleet().batchRuns(all, null).find((r) => r.traceId === traceIdOf(0));
      assert.equal(run?.tools.get('lookup'), 2);
      assert.deepEqual([...(run?.checks ?? [])], [['cited', 'pass'], ['no errors', 'fail']]);

      s.saveCheckResults([{ traceId: traceIdOf(0), results: [result('cited', 'fail')] }]); // re-evaluated: one check now
      s.putCheckResults(traceIdOf(0), [result('judge', 'error')]);
      s.putCheckResults(traceIdOf(0), [result('judge', 'pass')]); // the judge answered again
      assert.deepEqual(packedRows(raw), packedFromRows(raw));
      run = s.fleet().batchRuns(all, null).find((r) => r.traceId === traceIdOf(0));
      assert.deepEqual([...(run?.checks ?? [])], [['cited', 'fail'], ['judge', 'pass']]);

      s.clearCheckResults();
      assert.equal(s.fleet().batchRuns(all, null).find((r) => r.traceId === traceIdOf(0))?.checks, null);
      assert.deepEqual(packedRows(raw), packedFromRows(raw));

      assert.ok(s.deleteTrace(traceIdOf(0)));
      assert.deepEqual(packedRows(raw).map((r) => (r as unknown[])[0]), [traceIdOf(1)]);
      s.clear();
      assert.deepEqual(packedRows(raw), []);
    } finally {
      raw.close();
    }
  });

  it('packs the runs of a version-9 file when it migrates', () => {
    const s = open();
    for (let i = 0; i < 3; i++) s.writeBatch({ spans: runSpans(i, 'old', 'refunds'), logs: [] });
    s.saveCheckResults([{ traceId: traceIdOf(1), results: [result('cited', 'fail')] }]);
    const expected = s.fleet().batchRuns(all, 'route');
    s.close();
    store = null;
    const raw = new Database(path());
    const triggers = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('trace_members', 'check_results')").pluck().all() as string[];
    assert.equal(triggers.length, 2);
    raw.exec(`${triggers.map((t) => `DROP TRIGGER ${t};`).join(' ')} DROP TABLE trace_fleet; PRAGMA user_version = 9;`);
    raw.close();
    const reopened = open();
    assert.deepEqual(reopened.fleet().batchRuns(all, 'route'), expected);
    assert.equal(expected.find((r) => r.traceId === traceIdOf(1))?.checks?.get('cited'), 'fail');
    assert.ok(expected.every((r) => r.tools.get('lookup') === 2));
  });
});
