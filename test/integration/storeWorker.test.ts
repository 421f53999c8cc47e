// The trace server writes exports on its store worker thread (issue 8): the main thread
// canonicalizes, the worker commits, and the reply waits for the commit. Real TraceServer, real
// HTTP receiver, real SQLite file, a second connection holding the lock for the transient case.
import { strict as assert } from 'node:assert';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { encodeOtlpJson } from '../../src/core/otlp';
import type { RawLogRecord } from '../../src/core/model';
import { TraceServer } from '../../src/server/traceServer';
import { logRecord, rawSpan, tempDir } from './storeFixtures';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const TRACE = hex(7, 32);

const exportOf = (spanIds: number[], name = 'step'): string =>
  JSON.stringify(
    encodeOtlpJson(
      spanIds.map((i) =>
        rawSpan({
          traceId: TRACE, spanId: hex(i, 16), parentSpanId: i === 1 ? null : hex(1, 16), name: `${name} ${i}`, startMs: i, endMs: i + 1,
          attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': i },
        }),
      ),
    ),
  );

const logsExport = (logs: RawLogRecord[]): string =>
  JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [] },
        scopeLogs: [
          {
            logRecords: logs.map((l) => ({
              traceId: l.traceId, spanId: l.spanId, timeUnixNano: l.timeUnixNanos, severityText: l.severityText, eventName: l.eventName,
              body: { kvlistValue: { values: [{ key: 'content', value: { stringValue: String((l.body as { message: { content: string } }).message.content) } }] } },
            })),
          },
        ],
      },
    ],
  });

describe('store worker: exports written on their own thread, acknowledged after commit', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  let server: TraceServer | null = null;
  let locker: Database.Database | null = null;
  const logs: string[] = [];
  const start = () =>
    TraceServer.start({ host: '127.0.0.1', httpPort: 0, grpcPort: 0, dbPath: join(tmp.dir, 'traces.db'), log: (m) => logs.push(m), indexIdleMs: 3_600_000 });
  const post = async (path: string, body: string): Promise<Response> => {
    const res = await fetch(`http://127.0.0.1:${server!.status().httpPort}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await res.clone().arrayBuffer();
    return res;
  };
  /** What another process would read right after the reply. */
  const storedSpanNames = (): string[] => {
    const db = new Database(join(tmp.dir, 'traces.db'), { readonly: true });
    try {
      return (db.prepare('SELECT name FROM spans WHERE trace_id = ? ORDER BY name').pluck().all(TRACE) as string[]);
    } finally {
      db.close();
    }
  };

  beforeEach(() => {
    tmp = tempDir();
    logs.length = 0;
  });
  afterEach(async () => {
    if (locker?.inTransaction) locker.exec('ROLLBACK');
    locker?.close();
    locker = null;
    await server?.close();
    server = null;
    tmp.cleanup();
  });

  it('has every span of concurrent exports committed when each is answered', async () => {
    server = await start();
    assert.equal(server.writesOnWorker, true);
    const answers = await Promise.all(
      Array.from({ length: 8 }, async (_, k) => {
        const ids = Array.from({ length: 50 }, (_, i) => 1 + k * 50 + i);
        const res = await post('/v1/traces', exportOf(ids));
        // Committed before the reply: a separate connection already sees this export's spans.
        const names = new Set(storedSpanNames());
        return res.status === 200 && ids.every((i) => names.has(`step ${i}`));
      }),
    );
    assert.deepEqual(answers, Array(8).fill(true));
    const trace = server.store.getTrace(TRACE)!;
    assert.equal(trace.summary.spanCount, 400);
    assert.equal(trace.summary.llmCalls, 400);
  });

  it('attaches log records and replaces a span sent again, on the worker as on the main thread', async () => {
    server = await start();
    const early = logRecord({ traceId: TRACE, spanId: hex(2, 16), body: { message: { role: 'assistant', content: 'a log before its span' } } });
    assert.equal((await post('/v1/logs', logsExport([early]))).status, 200);
    assert.equal((await post('/v1/traces', exportOf([1, 2]))).status, 200);
    assert.equal((await post('/v1/traces', exportOf([2], 'renamed'))).status, 200);
    const span = server.store.getSpan(TRACE, hex(2, 16))!;
    assert.equal(span.name, 'renamed 2');
    assert.equal(span.events.filter((e) => e.fromLog).length, 1, 'the log stays attached, once');
    assert.equal(server.store.traceSummary(TRACE)!.spanCount, 2);
  });

  it('writes on the main thread if the worker stops, losing no export', async () => {
    server = await start();
    assert.equal((await post('/v1/traces', exportOf([1, 2]))).status, 200);
    // Reaching in to stop the worker: what a crash of its thread (a native fault, out of memory) leaves.
    await (server as unknown as { writer: { worker: { terminate(): Promise<number> } } }).writer.worker.terminate();
    assert.equal((await post('/v1/traces', exportOf([3, 4]))).status, 200);
    assert.equal(server.writesOnWorker, false);
    assert.deepEqual(storedSpanNames(), ['step 1', 'step 2', 'step 3', 'step 4']);
    assert.equal(server.store.traceSummary(TRACE)!.spanCount, 4);
  });

  it('answers 503 with Retry-After while another connection holds the database locked, and stores the export once it is free', async () => {
    server = await start();
    locker = new Database(join(tmp.dir, 'traces.db'));
    locker.exec('BEGIN EXCLUSIVE');
    const locked = await post('/v1/traces', exportOf([1]));
    assert.equal(locked.status, 503);
    assert.equal(locked.headers.get('retry-after'), '1');
    assert.match(((await locked.json()) as { message: string }).message, /locked by another process.*retry later/);
    locker.exec('ROLLBACK');
    assert.equal((await post('/v1/traces', exportOf([1]))).status, 200);
    assert.deepEqual(storedSpanNames(), ['step 1']);
  });
});
