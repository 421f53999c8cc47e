// The fleet's columnar chunk store (schema v12) in a real SQLite file: a chunk blob reads back
// what was written; the chunks answer exactly what the per-trace rows answer (the same runs in
// the same order, the same aggregates and findings) across later exports, re-sent spans, check
// results saved after the trace, deletes, retention and clear; a version-10 file is read after
// it migrates; a read-only connection reads stale chunks without storing them.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { canonicalize } from '../../src/core/canonicalize';
import { aggregateFleet, aggregateFleetColumns, compareBatchColumns, compareBatchRuns, type FleetColumns } from '../../src/core/fleet';
import type { RawSpan } from '../../src/core/model';
import { Chunk, createFleetChunkTables, encodeChunk, FleetChunks, type ChunkRow } from '../../src/store/fleetChunks';
import type { BatchRef } from '../../src/store/fleetStore';
import { migrations } from '../../src/store/schema';
import { TraceStore } from '../../src/store/traceStore';
import { logRecord, rawSpan, tempDir } from './storeFixtures';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const traceIdOf = (i: number) => hex(i + 1, 32);
const ROUTES = ['refunds', 'orders', 'shipping'];

/** Run i: a root span with a route, an agent, a model call with tokens (none on every 7th), 1–3 tool calls, an error on every 5th. */
function runSpans(i: number, batch: string): RawSpan[] {
  const traceId = traceIdOf(i);
  const resource = { 'service.name': 'shop-agent', 'agent_trace.batch': batch };
  const start = (i % 40) * 100; // runs share start times: the order's tie-break matters
  const spans = [
    rawSpan({ traceId, spanId: hex(1, 16), name: `run ${i}`, startMs: start, endMs: start + 100 + ((i * 37) % 900), resource, attributes: { route: ROUTES[i % 3], 'session.id': `s-${i % 4}` } }),
    rawSpan({
      traceId, spanId: hex(2, 16), parentSpanId: hex(1, 16), startMs: start, resource,
      attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': i % 2 ? 'planner' : 'support' },
    }),
    rawSpan({
      traceId, spanId: hex(3, 16), parentSpanId: hex(2, 16), startMs: start, resource,
      attributes: i % 7 === 0
        ? { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' }
        : { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': i % 3 ? 'gpt-4o-mini' : 'gpt-4o', 'gen_ai.usage.input_tokens': 100 + i, 'gen_ai.usage.output_tokens': 7 },
    }),
  ];
  for (let k = 0; k < 1 + (i % 3); k++) {
    spans.push(rawSpan({
      traceId, spanId: hex(10 + k, 16), parentSpanId: hex(2, 16), startMs: start, resource,
      status: i % 5 === 0 && k === 0 ? { code: 'error', message: 'failed' } : { code: 'unset', message: '' },
      attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': k ? 'search' : 'lookup' },
    }));
  }
  return spans;
}

const result = (check: string, outcome: 'pass' | 'fail' | 'error') => ({ check, kind: 'final_answer', outcome, message: '', spanId: null });
const ALL: BatchRef = { kind: 'timeRange', fromMs: 0, toMs: Number.MAX_SAFE_INTEGER };
const BEFORE: BatchRef = { kind: 'attribute', key: 'agent_trace.batch', value: 'before' };
const AFTER: BatchRef = { kind: 'attribute', key: 'agent_trace.batch', value: 'after' };
const ids = (c: FleetColumns) => Array.from({ length: c.length }, (_, i) => c.traceIdOf(i));

/** The chunks answer what the rows answer: the same runs in the same order, the same aggregates and findings. */
function assertChunksAgree(s: TraceStore): void {
  for (const ref of [ALL, BEFORE, AFTER, { kind: 'attribute', key: 'route', value: 'orders' } as const]) {
    for (const attribute of ['route', 'session.id', null]) {
      const rows = s.fleet().batchRuns(ref, attribute);
      const columns = s.fleet().batchColumns(ref, attribute);
      assert.deepEqual(ids(columns), rows.map((r) => r.traceId), `runs of ${JSON.stringify(ref)}`);
      assert.deepEqual(aggregateFleetColumns(columns, { groupAttribute: attribute }), aggregateFleet(rows, { groupAttribute: attribute }));
    }
  }
  const [before, after] = s.fleet().batchesColumns([BEFORE, AFTER], 'route');
  assert.deepEqual(compareBatchColumns(before, after, { groupAttribute: 'route' }), compareBatchRuns(s.fleet().batchRuns(BEFORE, 'route'), s.fleet().batchRuns(AFTER, 'route'), { groupAttribute: 'route' }));
}

describe('fleet chunk store (schema v12)', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  let store: TraceStore | null = null;
  let now = Date.UTC(2026, 0, 1);
  const path = () => join(tmp.dir, 'traces.db');
  const open = (readonly = false) => (store = TraceStore.open(path(), { canonicalize: (s) => canonicalize(s), readonly, now: () => now }));
  const reopen = (readonly = false) => {
    store?.close();
    return open(readonly);
  };
  const write = (s: TraceStore, from: number, to: number, batch: (i: number) => string) => {
    for (let i = from; i < to; i += 50) {
      const spans: RawSpan[] = [];
      for (let j = i; j < Math.min(to, i + 50); j++) spans.push(...runSpans(j, batch(j)));
      s.writeBatch({ spans, logs: [] });
    }
  };
  const count = (sql: string) => {
    const raw = new Database(path(), { readonly: true });
    try {
      return raw.prepare(sql).pluck().get() as number;
    } finally {
      raw.close();
    }
  };
  beforeEach(() => {
    tmp = tempDir();
    now = Date.UTC(2026, 0, 1);
  });
  afterEach(() => {
    store?.close();
    store = null;
    tmp.cleanup();
  });

  it('reads back a chunk blob as written: numbers, unknowns, text with separators and non-Latin letters, attributes', () => {
    const rows: ChunkRow[] = [
      { rowid: 1024, traceId: traceIdOf(0), name: 'Rückerstattung ☂', startMs: 5, durationMs: 12.5, totalTokens: null, costUsd: null, llmCalls: 1, toolCalls: 0, errorCount: 0, services: '["a"]', members: null, checks: null, attributes: [] },
      {
        rowid: 1025, traceId: traceIdOf(1), name: 'x', startMs: -3, durationMs: 0, totalTokens: 42, costUsd: 0.25, llmCalls: 0, toolCalls: 3, errorCount: 2, services: '[]',
        members: 'tool\u001fa\u001fb\u001f2', checks: 'cited\u001fpass', attributes: [['route', 'refunds'], ['k\u001e', 'v\u001f日本']],
      },
    ];
    const c = new Chunk(encodeChunk(rows));
    assert.equal(c.rows, 2);
    assert.deepEqual([...c.rowid], [1024, 1025]);
    assert.deepEqual([...c.startMs], [5, -3]);
    assert.deepEqual([...c.durationMs], [12.5, 0]);
    assert.ok(Number.isNaN(c.totalTokens[0]) && Number.isNaN(c.costUsd[0]), 'unknown stays unknown, not 0');
    assert.deepEqual([c.totalTokens[1], c.costUsd[1], c.toolCalls[1], c.errorCount[1]], [42, 0.25, 3, 2]);
    assert.deepEqual([c.string(c.traceId[0]), c.string(c.name[0]), c.string(c.name[1])], [traceIdOf(0), 'Rückerstattung ☂', 'x']);
    assert.equal(c.members[0], 0xffffffff);
    assert.equal(c.string(c.members[1]), 'tool\u001fa\u001fb\u001f2');
    assert.equal(c.attribute('route')?.[0], 0xffffffff);
    assert.equal(c.string(c.attribute('route')?.[1] as number), 'refunds');
    assert.equal(c.string(c.attribute('k\u001e')?.[1] as number), 'v\u001f日本');
    assert.equal(c.attribute('missing'), null);
    assert.equal(new Chunk(encodeChunk([])).rows, 0);
    assert.throws(() => new Chunk(Buffer.alloc(64)), /unknown format/);
  });

  it('answers what the per-trace rows answer, across later exports, re-sent spans, later check results, deletes and retention', async () => {
    const s = open();
    write(s, 0, 1_500, (i) => (i % 2 ? 'after' : 'before')); // two chunks' worth of rows, and more
    s.saveCheckResults(Array.from({ length: 1_500 }, (_, i) => ({ traceId: traceIdOf(i), results: [result('cited', i % 9 ? 'pass' : 'fail')] })));
    assertChunksAgree(s);
    assert.ok(count('SELECT count(*) FROM fleet_chunks') >= 2, 'the read stored its chunks');
    assert.equal(count('SELECT count(*) FROM fleet_stale WHERE chunk >= 0'), 0);

    // An old run extended by a later export (its row keeps its rowid and chunk), one sent again, a check re-evaluated.
    s.writeBatch({ spans: [rawSpan({ traceId: traceIdOf(3), spanId: hex(99, 16), parentSpanId: hex(2, 16), attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'late' } })], logs: [] });
    s.writeBatch({ spans: runSpans(4, 'after'), logs: [] });
    s.saveCheckResults([{ traceId: traceIdOf(5), results: [result('cited', 'error')] }]);
    assert.ok(count('SELECT count(*) FROM fleet_stale WHERE chunk >= 0') > 0, 'the writes marked their chunks stale');
    assertChunksAgree(s);
    const late = s.fleet().batchColumns(ALL, null);
    const at = ids(late).indexOf(traceIdOf(3));
    assert.equal(late.memberSets[late.memberSet[at]].tools.get('late'), 1);

    // Deleted runs leave every aggregate.
    assert.ok(s.deleteTrace(traceIdOf(6)));
    assert.ok(!ids(s.fleet().batchColumns(ALL, 'route')).includes(traceIdOf(6)));
    assertChunksAgree(s);

    // Age retention: runs written earlier go, with their chunks' rows.
    now += 10 * 86_400_000;
    write(s, 1_500, 1_600, () => 'after');
    now += 2 * 86_400_000;
    await s.applyRetention({ maxDays: 5, maxMegabytes: 0 });
    assert.deepEqual(ids(s.fleet().batchColumns(ALL, null)).sort(), Array.from({ length: 100 }, (_, k) => traceIdOf(1_500 + k)).sort());
    assertChunksAgree(s);
    s.clear();
    assert.equal(s.fleet().batchColumns(ALL, 'route').length, 0);
    assert.equal(count('SELECT count(*) FROM fleet_chunks'), 0, 'emptied chunks are dropped');
  });

  it('reads a version-10 file after it migrates, and a read-only connection reads stale chunks without storing them', () => {
    const s = open();
    write(s, 0, 300, (i) => (i % 2 ? 'after' : 'before'));
    s.saveCheckResults([{ traceId: traceIdOf(1), results: [result('cited', 'fail')] }]);
    const expected = s.fleet().batchRuns(ALL, 'route');
    s.close();
    store = null;
    const raw = new Database(path());
    const triggers = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%fleet_chunk%'").pluck().all() as string[];
    // v13: no trigger on writing a trace row or its members (ingest and the check writers mark); deletes and removed check outcomes keep theirs.
    assert.deepEqual(triggers.sort(), ['trace_fleet_chunk_update', 'traces_fleet_chunk_delete']);
    // As the file was at version 10; the replay-problems table (v11) may stay: its migration runs again harmlessly.
    raw.exec(`${triggers.map((t) => `DROP TRIGGER ${t};`).join(' ')} DROP TABLE fleet_chunks; DROP TABLE fleet_stale; PRAGMA user_version = 10;`);
    raw.close();

    const migrated = open();
    assert.equal(count('PRAGMA user_version'), migrations.length);
    assert.ok(count('SELECT count(*) FROM fleet_stale WHERE chunk >= 0') > 0, 'every existing chunk is marked for its first read');
    migrated.close();
    const follower = open(true);
    assert.deepEqual(ids(follower.fleet().batchColumns(ALL, 'route')), expected.map((r) => r.traceId));
    assertChunksAgree(follower);
    assert.equal(count('SELECT count(*) FROM fleet_chunks'), 0, 'a read-only connection stores nothing');
    const writer = reopen();
    assertChunksAgree(writer);
    assert.ok(count('SELECT count(*) FROM fleet_chunks') > 0);
    assert.equal(count('SELECT count(*) FROM fleet_stale WHERE chunk >= 0'), 0);
  });

  it('a trace written in several exports keeps one rowid, and each export marks its chunk once', () => {
    const s = open();
    write(s, 0, 1_100, () => 'before'); // chunk 0 full, chunk 1 begun
    assertChunksAgree(s);
    const rowidOf = (i: number) => count(`SELECT rowid FROM traces WHERE trace_id = '${traceIdOf(i)}'`);
    const genOf = (chunk: number) => count(`SELECT coalesce((SELECT gen FROM fleet_stale WHERE chunk = ${chunk}), 0)`);
    const first = rowidOf(3);
    assert.equal(first >> 10, 0);
    const spans = runSpans(3, 'before');
    // Three later exports of trace 3: a new tool call (extended), the root sent again (rebuilt), a log attached.
    s.writeBatch({ spans: [rawSpan({ traceId: traceIdOf(3), spanId: hex(99, 16), parentSpanId: hex(2, 16), attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'late' } })], logs: [] });
    assert.equal(rowidOf(3), first);
    assert.equal(genOf(0), 1, 'one mark for the chunk the row stayed in');
    assert.equal(count('SELECT count(*) FROM fleet_stale WHERE chunk >= 0'), 1, 'no other chunk marked');
    // One export touching 30 traces of chunk 0 and one of chunk 1 marks each chunk once.
    s.writeBatch({ spans: [spans[0], ...Array.from({ length: 30 }, (_, k) => runSpans(100 + k, 'before')[0]), runSpans(1_050, 'before')[0]], logs: [] });
    assert.equal(rowidOf(3), first);
    assert.deepEqual([genOf(0), genOf(1)], [2, 1]);
    s.writeBatch({ spans: [], logs: [{ ...logRecord({ traceId: traceIdOf(3), spanId: hex(3, 16) }) }] });
    assert.equal(rowidOf(3), first);
    assert.equal(genOf(0), 3);
    assert.equal(count('SELECT count(*) FROM traces'), 1_100, 'no row added by a rewrite');
    assertChunksAgree(s);
    const late = s.fleet().batchColumns(ALL, null);
    assert.equal(late.memberSets[late.memberSet[ids(late).indexOf(traceIdOf(3))]].tools.get('late'), 1);
    assert.equal(count('SELECT count(*) FROM fleet_stale WHERE chunk >= 0'), 0, 'the read stored the marked chunks');
  });

  it('check outcomes saved for traces without members (a new trace_fleet row) mark their chunk', () => {
    const s = open();
    const plain = (i: number) => rawSpan({ traceId: traceIdOf(i), spanId: hex(1, 16), startMs: i, resource: { 'service.name': 'plain', 'agent_trace.batch': 'before' }, attributes: { route: ROUTES[i % 3] } });
    s.writeBatch({ spans: Array.from({ length: 40 }, (_, i) => plain(i)), logs: [] });
    assertChunksAgree(s);
    assert.equal(count('SELECT count(*) FROM trace_fleet'), 0, 'no members: no trace_fleet row yet');
    s.saveCheckResults([{ traceId: traceIdOf(1), results: [result('cited', 'fail')] }]);
    assertChunksAgree(s);
    s.putCheckResults(traceIdOf(2), [result('judge', 'pass')]);
    assertChunksAgree(s);
    const runs = s.fleet().batchColumns(BEFORE, null);
    assert.equal(runs.checkSets[runs.checkSet[ids(runs).indexOf(traceIdOf(1))]]?.get('cited'), 'fail');
    assert.equal(runs.checkSets[runs.checkSet[ids(runs).indexOf(traceIdOf(2))]]?.get('judge'), 'pass');
  });

  it('an old file whose rows were written by REPLACE (schema v12) migrates and still aggregates right as its traces are written again', () => {
    const s = open();
    write(s, 0, 1_200, (i) => (i % 2 ? 'after' : 'before'));
    s.close();
    store = null;
    // Back to v12 as an older build left it: its triggers, chunks stored, then traces rewritten by REPLACE (a new rowid each).
    const raw = new Database(path());
    createFleetChunkTables(raw);
    raw.pragma('user_version = 12');
    new FleetChunks(raw).read();
    const replace = raw.prepare('INSERT OR REPLACE INTO traces SELECT * FROM traces WHERE trace_id = ?');
    for (const i of [2, 5, 1_100]) replace.run(traceIdOf(i));
    const rowids = new Map([2, 5, 1_100, 7].map((i) => [i, raw.prepare('SELECT rowid FROM traces WHERE trace_id = ?').pluck().get(traceIdOf(i)) as number]));
    assert.ok((rowids.get(2) as number) > 1_200, 'REPLACE moved the row');
    new FleetChunks(raw).read(); // v12's triggers marked both chunks: stored again
    raw.close();

    const migrated = open();
    assert.equal(count('PRAGMA user_version'), migrations.length);
    assert.equal(count("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'traces_fleet_chunk_%'"), 1, 'only the delete trigger is left');
    assertChunksAgree(migrated);
    // Traces moved by REPLACE and one never moved, written again: each keeps the rowid it had.
    for (const i of [2, 5, 1_100, 7]) {
      migrated.writeBatch({ spans: [rawSpan({ traceId: traceIdOf(i), spanId: hex(98, 16), parentSpanId: hex(2, 16), attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'again' } })], logs: [] });
    }
    for (const [i, rowid] of rowids) assert.equal(count(`SELECT rowid FROM traces WHERE trace_id = '${traceIdOf(i)}'`), rowid);
    assertChunksAgree(migrated);
    assert.ok(migrated.deleteTrace(traceIdOf(5)));
    assertChunksAgree(migrated);
    const runs = migrated.fleet().batchColumns(ALL, null);
    assert.equal(runs.length, 1_199);
    assert.equal(runs.memberSets[runs.memberSet[ids(runs).indexOf(traceIdOf(2))]].tools.get('again'), 1);
  });

  it('a reader keeps decoded chunks only while their blobs are unchanged: writes through another connection show', () => {
    const writer = open();
    const reader = TraceStore.open(path(), { canonicalize: (x) => canonicalize(x), alreadyOpened: true });
    try {
      write(writer, 0, 200, (i) => (i % 2 ? 'after' : 'before'));
      assert.equal(reader.fleet().batchColumns(ALL, 'route').length, 200);
      writer.saveCheckResults([{ traceId: traceIdOf(10), results: [result('cited', 'fail')] }]);
      assert.ok(writer.deleteTrace(traceIdOf(11)));
      writer.fleet().batchColumns(ALL, null); // the writer's read stores the rebuilt chunk: the reader must not keep its old copy
      write(writer, 200, 1_300, () => 'after');
      assertChunksAgree(reader);
      const runs = reader.fleet().batchColumns(ALL, null);
      assert.equal(runs.length, 1_299);
      assert.equal(runs.checkSets[runs.checkSet[ids(runs).indexOf(traceIdOf(10))]]?.get('cited'), 'fail');
    } finally {
      reader.close();
    }
  });

  it('rebuilds a chunk whose blob cannot be read', () => {
    const s = open();
    write(s, 0, 100, () => 'before');
    const expected = ids(s.fleet().batchColumns(BEFORE, 'route'));
    const raw = new Database(path());
    raw.prepare('UPDATE fleet_chunks SET data = zeroblob(64), built = built + 1000').run();
    raw.close();
    assert.deepEqual(ids(s.fleet().batchColumns(BEFORE, 'route')), expected);
  });
});
