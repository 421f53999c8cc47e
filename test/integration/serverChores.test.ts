// Long chores of the trace server must not block it. The search index is written behind
// ingest: under sustained ingest it must not fall far behind, and a search with a backlog to
// catch up answers exports sent meanwhile first. Retention of a large store runs in slices, and
// an export sent while it runs is answered before it ends. Real TraceServer, real HTTP receiver,
// real SQLite file; ordering is observed, never timed.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { encodeOtlpJson } from '../../src/core/otlp';
import { TraceServer } from '../../src/server/traceServer';
import { TraceStore } from '../../src/store/traceStore';
import { rawSpan, standInCanonicalize, tempDir } from './storeFixtures';
import { waitUntil } from '../support/waitUntil';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

function exportOf(trace: number, spans: number, text = 'routine'): string {
  return JSON.stringify(
    encodeOtlpJson(
      Array.from({ length: spans }, (_, i) =>
        rawSpan({ traceId: hex(trace + 1, 32), spanId: hex(i + 1, 16), name: `${text} step ${i}`, attributes: { note: `${text} ${'words '.repeat(40)}` } }),
      ),
    ),
  );
}

describe('Server chores: search indexing and retention (TraceServer)', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  let server: TraceServer | null = null;
  const logs: string[] = [];
  const start = (indexBacklogMax?: number, retention?: { maxDays: number; maxMegabytes: number }) =>
    TraceServer.start({
      retention,
      host: '127.0.0.1',
      httpPort: 0,
      grpcPort: 0,
      dbPath: join(tmp.dir, 'traces.db'),
      log: (m) => logs.push(m),
      // No idle indexing in these tests: only the paths under test may index.
      indexIdleMs: 3_600_000,
      indexBacklogMax,
    });
  // Posts as an exporter does: a 503 (busy, after the event loop lagged on a loaded machine) stored
  // nothing and is retried, so only the final answer counts.
  const post = async (s: TraceServer, body: string): Promise<number> => {
    let status = 0;
    await waitUntil('an answer other than 503 busy', async () => {
      const res = await fetch(`http://127.0.0.1:${s.status().httpPort}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await res.arrayBuffer();
      status = res.status;
      return status !== 503;
    }, 60_000, 100);
    return status;
  };

  beforeEach(() => {
    tmp = tempDir();
    logs.length = 0;
  });
  afterEach(async () => {
    await server?.close();
    server = null;
    tmp.cleanup();
  });

  it('keeps indexing under sustained ingest, so the backlog stays bounded', async () => {
    server = await start(1_000);
    let worst = 0;
    for (let t = 0; t < 40; t++) {
      assert.equal(await post(server, exportOf(t, 200)), 200);
      worst = Math.max(worst, server.store.unindexedCount());
    }
    // 8,000 spans arrived with never a quiet moment; the backlog stayed near the limit.
    assert.ok(worst <= 1_000 + 2_000, `backlog reached ${worst} spans`);
    assert.ok(server.indexChunks >= 5, `${server.indexChunks} chunks`);
  });

  it('a search catches up in chunks, and an export sent meanwhile is answered before it finishes', async () => {
    // 20,000 spans stored and not yet indexed (as a busy writer leaves them).
    const seed = TraceStore.open(join(tmp.dir, 'traces.db'), { canonicalize: standInCanonicalize });
    for (let t = 0; t < 100; t++) {
      seed.writeBatch({
        spans: Array.from({ length: 200 }, (_, i) =>
          rawSpan({ traceId: `t${t}`, spanId: `s${i}`, name: t === 99 && i === 199 ? 'needle last' : 'hay', attributes: { note: 'words '.repeat(40) } }),
        ),
        logs: [],
      });
    }
    assert.equal(seed.unindexedCount(), 20_000);
    seed.close();
    server = await start();
    const order: string[] = [];
    const search = server.searchSpans('needle', 10).then((hits) => {
      order.push('search answered');
      return hits;
    });
    const exported = post(server, exportOf(500, 1, 'needle')).then((status) => {
      order.push('export answered');
      return status;
    });
    const [hits, status] = await Promise.all([search, exported]);
    assert.equal(status, 200);
    assert.deepEqual(order, ['export answered', 'search answered']);
    assert.ok(server.indexChunks >= 20_000 / 500, `${server.indexChunks} chunks`);
    // Complete: the last stored span and the one exported during the catch-up are both found.
    assert.deepEqual(hits.map((h) => h.spanName).sort(), ['needle last', 'needle step 0']);
    assert.equal(server.store.unindexedCount(), 0);
    // With nothing waiting a search is immediate; a later backlog is again caught up in chunks.
    assert.equal((await server.searchSpans('needle', 10)).length, 2);
    const chunksBefore = server.indexChunks;
    for (let t = 0; t < 10; t++) {
      server.store.writeBatch({ spans: Array.from({ length: 200 }, (_, i) => rawSpan({ traceId: `later${t}`, spanId: `s${i}`, name: 'hay' })), logs: [] });
    }
    assert.equal((await server.searchSpans('needle', 10)).length, 2);
    assert.ok(server.indexChunks - chunksBefore >= 2_000 / 500, `${server.indexChunks - chunksBefore} chunks`);
  });

  it('retention of a large store runs in slices, and an export sent meanwhile is answered before it ends', async () => {
    // 30,000 spans received 30 days ago.
    const seed = TraceStore.open(join(tmp.dir, 'traces.db'), { canonicalize: standInCanonicalize, now: () => Date.now() - 30 * 86_400_000 });
    for (let t = 0; t < 150; t++) {
      seed.writeBatch({ spans: Array.from({ length: 200 }, (_, i) => rawSpan({ traceId: `old${t}`, spanId: `s${i}` })), logs: [] });
    }
    seed.close();
    server = await start(undefined, { maxDays: 7, maxMegabytes: 0 });
    const retentionDone = () => logs.some((l) => l.startsWith('Retention removed'));
    let doneWhenAnswered: boolean | null = null;
    const status = await post(server, exportOf(900, 1, 'fresh')).then((s) => {
      doneWhenAnswered = retentionDone();
      return s;
    });
    assert.equal(status, 200);
    assert.equal(doneWhenAnswered, false, 'the export was answered while retention was still running');
    await waitFor(retentionDone);
    const line = logs.find((l) => l.startsWith('Retention removed'))!;
    assert.match(line, /^Retention removed 150 trace\(s\) older than 7 day\(s\)/);
    assert.deepEqual(server.store.counts(), { spans: 1, traces: 1 });
  });
});

/** Polls a condition on the event loop (no fixed sleep decides the outcome). */
async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise<void>((resolve) => setTimeout(resolve, 5));
}
