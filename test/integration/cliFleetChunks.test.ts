// `agent-trace fleet` / `batch compare` read with the read-only open's checks but store the fleet
// chunks they rebuilt (storeDerived), so the next call does not rebuild them again (~1.3 s CPU
// per 100,000 traces); with another process holding the write lock (a server ingesting) the
// call answers the same without waiting and leaves the chunks stale; an older schema is still
// refused, never migrated by a read.
import { strict as assert } from 'node:assert';
import Database from 'better-sqlite3';
import * as path from 'node:path';
import { canonicalize } from '../../src/core/canonicalize';
import type { RawSpan } from '../../src/core/model';
import { TraceStore } from '../../src/store/traceStore';
import { ensureBuilt, runCli, tempDir } from '../support/serverProcess';
import { rawSpan } from './storeFixtures';
import * as fs from 'node:fs';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

function run(i: number, batch: string): RawSpan[] {
  const traceId = hex(i + 1, 32);
  const resource = { 'service.name': 'shop-agent', 'agent_trace.batch': batch };
  return [
    rawSpan({ traceId, spanId: hex(1, 16), name: `run ${i}`, startMs: i, endMs: i + 100 + (i % 300), resource, attributes: { route: i % 2 ? 'refunds' : 'orders' } }),
    rawSpan({
      traceId, spanId: hex(2, 16), parentSpanId: hex(1, 16), startMs: i, resource,
      status: i % 4 === 0 ? { code: 'error', message: 'x' } : { code: 'unset', message: '' },
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 10 + i, 'gen_ai.usage.output_tokens': 3 },
    }),
  ];
}

describe('CLI fleet reads store the chunks they rebuilt', function () {
  this.timeout(120_000);
  let dir: string;
  let db: string;
  const count = (sql: string) => {
    const raw = new Database(db, { readonly: true });
    try {
      return raw.prepare(sql).pluck().get() as number;
    } finally {
      raw.close();
    }
  };
  const write = (from: number, to: number, batch: string) => {
    const store = TraceStore.open(db, { canonicalize: (s) => canonicalize(s) });
    try {
      for (let i = from; i < to; i += 100) store.writeBatch({ spans: Array.from({ length: Math.min(100, to - i) }, (_, k) => run(i + k, batch)).flat(), logs: [] });
    } finally {
      store.close();
    }
  };
  const fleet = () => {
    const r = runCli(['fleet', '--db', db, '--batch', 'agent_trace.batch=before', '--group-by', 'route', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { batch: { runs: number } };
  };
  const compare = () => {
    const r = runCli(['batch', 'compare', 'agent_trace.batch=before', 'agent_trace.batch=after', '--db', db, '--group-by', 'route', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  before(() => ensureBuilt());
  beforeEach(() => {
    dir = tempDir('agent-trace-cli-chunks-');
    db = path.join(dir, 'traces.db');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stores the rebuilt chunks, and answers the same from them', () => {
    write(0, 1_500, 'before');
    write(1_500, 2_100, 'after');
    assert.equal(count('SELECT count(*) FROM fleet_chunks'), 0, 'no read yet: every chunk stale');
    const first = fleet();
    assert.equal(count('SELECT count(*) FROM fleet_stale WHERE chunk >= 0'), 0, 'the CLI stored what it rebuilt');
    assert.equal(count('SELECT count(*) FROM fleet_chunks'), 3);
    const stored = count('SELECT max(built) FROM fleet_chunks');
    assert.deepEqual(fleet(), first);
    assert.equal(count('SELECT max(built) FROM fleet_chunks'), stored, 'a second call rebuilt nothing');
    const compared = compare();
    write(2_100, 2_110, 'after'); // a later write marks its chunk; the next call stores it again
    assert.equal(count('SELECT count(*) FROM fleet_stale WHERE chunk >= 0'), 1);
    assert.notEqual(compare(), compared);
    assert.equal(count('SELECT count(*) FROM fleet_stale WHERE chunk >= 0'), 0);
  });

  it('answers the same without waiting while another process holds the write lock, leaving the chunks stale', () => {
    write(0, 1_100, 'before');
    const expected = fleet();
    write(1_100, 1_120, 'before');
    const server = new Database(db);
    let answered: ReturnType<typeof fleet>;
    try {
      server.exec('BEGIN IMMEDIATE'); // as a server's ingest transaction would
      const started = Date.now();
      answered = fleet();
      assert.equal(answered.batch.runs, expected.batch.runs + 20);
      assert.ok(Date.now() - started < 30_000);
      assert.equal(server.prepare('SELECT count(*) FROM fleet_stale WHERE chunk >= 0').pluck().get(), 1, 'not stored: the lock was held');
      server.exec('COMMIT');
    } finally {
      server.close();
    }
    const after = fleet();
    assert.deepEqual(after, answered);
    assert.equal(count('SELECT count(*) FROM fleet_stale WHERE chunk >= 0'), 0, 'stored by the next call');
  });

  it('still refuses an older schema instead of migrating it', () => {
    write(0, 10, 'before');
    const raw = new Database(db);
    raw.pragma('user_version = 12');
    raw.close();
    const r = runCli(['fleet', '--db', db, '--batch', 'agent_trace.batch=before', '--json']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /schema version 12/);
    assert.equal(count('PRAGMA user_version'), 12);
  });
});
