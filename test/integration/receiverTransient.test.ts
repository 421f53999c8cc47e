// Transient storage failures get retryable answers: a database locked by another connection
// (BEGIN EXCLUSIVE on the same real SQLite file) is answered 503 + Retry-After over HTTP and
// UNAVAILABLE over gRPC, quickly (a short busy timeout, not 5 s of blocked event loop), and the
// official exporters' retries land the data exactly once when the lock goes away.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpcJs from '@grpc/grpc-js';
import Database from 'better-sqlite3';
import { canonicalize } from '../../src/core/canonicalize';
import { OTLP_TYPES, otlpType } from '../../src/core/otlp';
import { startGrpcReceiver, type GrpcReceiver } from '../../src/server/grpcReceiver';
import { startHttpReceiver, type HttpReceiver } from '../../src/server/httpReceiver';
import type { IngestSink } from '../../src/server/ingest';
import { TraceStore } from '../../src/store/traceStore';
import { describeStoreError, isTransientStoreError } from '../../src/store/storeErrors';
import { makeTracer, type OtlpProtocol } from '../support/otlpClients';

const TRACE = '0af7651916cd43dd8448eb211c80319c';

function protoBody(spanId: string, name: string): Uint8Array {
  const t = otlpType(OTLP_TYPES.traceRequest);
  return t.encode(t.fromObject({ resource_spans: [{ scope_spans: [{ spans: [{ trace_id: Buffer.from(TRACE, 'hex'), span_id: Buffer.from(spanId, 'hex'), name }] }] }] })).finish();
}

async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('transient storage failures (real SQLite file locked by another connection)', function () {
  this.timeout(60_000);
  let dir: string;
  let store: TraceStore;
  let http: HttpReceiver;
  let grpc: GrpcReceiver;
  let locker: Database.Database;
  let failures = 0;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-trace-transient-'));
    const file = path.join(dir, 'traces.db');
    store = TraceStore.open(file, { canonicalize: (s) => canonicalize(s) });
    const sink: IngestSink = {
      write: (batch) => {
        try {
          store.writeBatch(batch);
        } catch (e) {
          failures++;
          throw e;
        }
      },
      busy: () => false,
    };
    http = await startHttpReceiver({ host: '127.0.0.1', port: 0, sink });
    grpc = await startGrpcReceiver({ host: '127.0.0.1', port: 0, sink });
    locker = new Database(file);
  });
  after(async () => {
    if (locker.inTransaction) locker.exec('ROLLBACK');
    locker.close();
    await http.close();
    await grpc.close();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    if (locker.inTransaction) locker.exec('ROLLBACK');
  });

  const spanNames = (): string[] => (store.getTrace(TRACE)?.spans ?? []).map((s) => s.name).sort();

  it('answers 503 with Retry-After over HTTP, without waiting out a long busy timeout', async () => {
    locker.exec('BEGIN EXCLUSIVE');
    const t = performance.now();
    const res = await fetch(`http://127.0.0.1:${http.port}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: TRACE, spanId: '00000000000000a1', name: 'locked-http' }] }] }] }),
    });
    const elapsed = performance.now() - t;
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.match(((await res.json()) as { message: string }).message, /locked by another process.*retry later/);
    // The old 5 s busy timeout held every request (and the event loop) for 5 s or more.
    assert.ok(elapsed < 2_500, `took ${elapsed.toFixed(0)} ms`);
    assert.deepEqual(spanNames(), []);
  });

  it('answers UNAVAILABLE over gRPC, and the same call succeeds once the lock is released', async () => {
    // The official gRPC exporter (otlp-grpc-exporter-base 0.301) reports every gRPC error as a
    // failure without retrying, so the retry here is a plain gRPC client's, as a Collector's would be.
    locker.exec('BEGIN EXCLUSIVE');
    const client = new grpcJs.Client(`127.0.0.1:${grpc.port}`, grpcJs.credentials.createInsecure());
    const call = () => new Promise<grpcJs.ServiceError | null>((resolve) => {
      client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Uint8Array) => Buffer.from(b), (b: Buffer) => b,
        protoBody('00000000000000a2', 'locked-grpc'), (e) => resolve(e));
    });
    try {
      const err = await call();
      assert.equal(err?.code, grpcJs.status.UNAVAILABLE);
      assert.match(err!.details, /locked/);
      assert.equal(err!.metadata.get('retry-after')[0], '1');
      locker.exec('COMMIT');
      assert.equal(await call(), null);
      assert.deepEqual(spanNames(), ['locked-grpc']);
    } finally {
      client.close();
    }
  });

  const protocols: OtlpProtocol[] = ['http/protobuf', 'http/json'];
  protocols.forEach((protocol, i) => {
    it(`lands the data once after the lock is released, through the official ${protocol} exporter's retries`, async () => {
      locker.exec('BEGIN EXCLUSIVE');
      const before = failures;
      const url = `http://127.0.0.1:${http.port}`;
      const client = makeTracer({ protocol, url, timeoutMillis: 30_000 });
      const name = `retried-${i}`;
      client.tracer.startSpan(name).end();
      const flushed = client.flush();
      await until(() => failures > before, 'the first attempt to hit the lock');
      locker.exec('COMMIT');
      await flushed;
      await client.shutdown();
      assert.deepEqual(client.outcomes.map((o) => o.code), [0]);
      const stored = store.listTraces({}).flatMap((t) => store.getTrace(t.traceId)!.spans).filter((s) => s.name === name);
      assert.equal(stored.length, 1);
    });
  });
});

describe('storage error classification', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  it('treats busy, locked, full, I/O and out-of-space errors as transient', () => {
    for (const c of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR', 'ENOSPC', 'EIO']) {
      assert.equal(isTransientStoreError(err(c)), true, c);
    }
    assert.match(describeStoreError(err('SQLITE_FULL')), /disk .* is full.*retry later/);
  });
  it('treats constraint failures, corruption and plain bugs as permanent', () => {
    for (const e of [err('SQLITE_CONSTRAINT_PRIMARYKEY'), err('SQLITE_CORRUPT'), new TypeError('x'), null, 'text']) {
      assert.equal(isTransientStoreError(e), false, String(e));
    }
  });
});
