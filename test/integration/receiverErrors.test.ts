// Bad exports get the Collector's answers (405, 415, 400 with a readable Status, 413, 404,
// partial_success, 503 + Retry-After, 500), and never stop the next good export from landing.
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import * as grpcJs from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { OTLP_TYPES, otlpType } from '../../src/core/otlp';
import { startGrpcReceiver, type GrpcReceiver } from '../../src/server/grpcReceiver';
import { startHttpReceiver, type HttpReceiver } from '../../src/server/httpReceiver';
import { describePortConflict } from '../../src/server/portProbe';
import { MemorySink, makeTracer } from '../support/otlpClients';

const TRACE = '0af7651916cd43dd8448eb211c80319c';

function jsonRequest(spans: { traceId: string; spanId: string; name: string }[]): string {
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ scope: { name: 's' }, spans }] }],
  });
}

function protoRequest(spans: { trace_id: Buffer; span_id: Buffer; name: string }[]): Uint8Array {
  const t = otlpType(OTLP_TYPES.traceRequest);
  return t.encode(t.fromObject({ resource_spans: [{ scope_spans: [{ spans }] }] })).finish();
}

describe('receivers under bad input', () => {
  let sink: MemorySink;
  let http: HttpReceiver;
  let grpc: GrpcReceiver;
  let base: string;

  before(async () => {
    sink = new MemorySink();
    http = await startHttpReceiver({ host: '127.0.0.1', port: 0, sink, maxBodyBytes: 1024 * 1024 });
    grpc = await startGrpcReceiver({ host: '127.0.0.1', port: 0, sink, maxMessageBytes: 1024 * 1024 });
    base = `http://127.0.0.1:${http.port}`;
  });
  after(async () => {
    await http.close();
    await grpc.close();
  });
  beforeEach(() => {
    sink.spans = [];
    sink.busyNow = false;
    sink.failNow = false;
  });
  // After every bad request, a real exporter's good export must still succeed.
  afterEach(async function () {
    if (this.currentTest?.state !== 'passed') return;
    sink.busyNow = false;
    sink.failNow = false;
    const before = sink.spans.length;
    const client = makeTracer({ protocol: 'http/protobuf', url: base });
    client.tracer.startSpan('still-alive').end();
    await client.shutdown();
    assert.deepEqual(client.outcomes.map((o) => o.code), [0]);
    assert.equal(sink.spans.length, before + 1);
  });

  it('keeps idle exporter connections open past the OTel batch interval (5 s), so a reused socket is not closed under a POST', async () => {
    const res = await fetch(`${base}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await res.arrayBuffer();
    const timeout = Number(/timeout=(\d+)/.exec(res.headers.get('keep-alive') ?? '')?.[1]);
    assert.ok(timeout >= 30, `Keep-Alive: ${res.headers.get('keep-alive')}`);
  });

  it('answers 405 with an Allow header for GET', async () => {
    const res = await fetch(`${base}/v1/traces`);
    assert.equal(res.status, 405);
    assert.match(res.headers.get('allow') ?? '', /POST/);
  });

  it('answers 404 for other paths', async () => {
    const res = await fetch(`${base}/v2/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 404);
  });

  it('answers 415 for an unsupported content type', async () => {
    const res = await fetch(`${base}/v1/traces`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    assert.equal(res.status, 415);
    assert.match(await res.text(), /application\/x-protobuf/);
  });

  it('answers 400 with a readable google.rpc.Status for broken JSON', async () => {
    const res = await fetch(`${base}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceSpans": [' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const status = (await res.json()) as { code: number; message: string };
    assert.equal(status.code, 3);
    assert.match(status.message, /cannot parse JSON/);
  });

  it('answers 400 with a protobuf google.rpc.Status for a truncated protobuf body', async () => {
    const good = protoRequest([{ trace_id: Buffer.from(TRACE, 'hex'), span_id: Buffer.from('00f067aa0ba902b7', 'hex'), name: 'x' }]);
    const res = await fetch(`${base}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(good.subarray(0, good.length - 3)),
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
    const status = otlpType(OTLP_TYPES.rpcStatus).decode(new Uint8Array(await res.arrayBuffer())) as unknown as { code: number; message: string };
    assert.equal(status.code, 3);
    assert.match(status.message, /cannot decode ExportTraceServiceRequest/);
    assert.equal(sink.spans.length, 0);
  });

  it('answers 400 for a body that is not gzip although it says so', async () => {
    const res = await fetch(`${base}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: jsonRequest([]),
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { message: string }).message, /decompress/);
  });

  it('answers 413 to a gzip bomb (64 MiB inflated from 64 KiB)', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)); // 64 MiB of spaces, ~64 KiB compressed
    assert.ok(bomb.length < 1024 * 1024);
    const res = await fetch(`${base}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb,
    });
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as { message: string }).message, /larger than 1048576 bytes/);
  });

  it('answers 413 to an uncompressed body over the limit', async () => {
    const res = await fetch(`${base}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.alloc(2 * 1024 * 1024, 0x20),
    });
    assert.equal(res.status, 413);
  });

  it('accepts gzip and deflate bodies', async () => {
    const body = jsonRequest([{ traceId: TRACE, spanId: '00f067aa0ba902b7', name: 'gz' }]);
    const gz = await fetch(`${base}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: zlib.gzipSync(body) });
    const df = await fetch(`${base}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'deflate' }, body: zlib.deflateSync(body) });
    assert.equal(gz.status, 200);
    assert.equal(df.status, 200);
    assert.equal(sink.spans.length, 2);
  });

  it('keeps the good spans of a batch with one invalid span id and reports partial_success (JSON)', async () => {
    const res = await fetch(`${base}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: jsonRequest([
        { traceId: TRACE, spanId: '00f067aa0ba902b7', name: 'good-1' },
        { traceId: TRACE, spanId: '0000000000000000', name: 'bad' },
        { traceId: TRACE, spanId: '00f067aa0ba902b8', name: 'good-2' },
      ]),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    assert.equal(body.partialSuccess.rejectedSpans, '1');
    assert.match(body.partialSuccess.errorMessage, /span "bad": span_id is all zero/);
    assert.deepEqual(sink.spans.map((s) => s.name), ['good-1', 'good-2']);
  });

  it('reports partial_success in protobuf for a span id of the wrong length', async () => {
    const res = await fetch(`${base}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/x-protobuf' },
      body: Buffer.from(protoRequest([
        { trace_id: Buffer.from(TRACE, 'hex'), span_id: Buffer.from('00f067aa0ba902b7', 'hex'), name: 'good' },
        { trace_id: Buffer.from(TRACE, 'hex'), span_id: Buffer.from('00f067', 'hex'), name: 'short' },
      ])),
    });
    assert.equal(res.status, 200);
    const t = otlpType(OTLP_TYPES.traceResponse);
    const decoded = t.toObject(t.decode(new Uint8Array(await res.arrayBuffer())), { longs: String }) as {
      partial_success: { rejected_spans: string; error_message: string };
    };
    assert.equal(decoded.partial_success.rejected_spans, '1');
    assert.match(decoded.partial_success.error_message, /span_id is wrong length/);
    assert.deepEqual(sink.spans.map((s) => s.name), ['good']);
  });

  // An AnyValue nested 65 deep used to reject the whole export (400) and lose its neighbours.
  const deepJson = (): unknown => {
    let v: unknown = { stringValue: 'x' };
    for (let i = 0; i < 65; i++) v = { arrayValue: { values: [v] } };
    return v;
  };
  const deepProtoRequest = (): Uint8Array => {
    let v: Record<string, unknown> = { string_value: 'x' };
    for (let i = 0; i < 65; i++) v = { array_value: { values: [v] } };
    const util = protobuf.util as unknown as { recursionLimit: number };
    const limit = util.recursionLimit;
    util.recursionLimit = 1000; // protobufjs' own encoder refuses this depth by default
    try {
      const t = otlpType(OTLP_TYPES.traceRequest);
      const span = (id: string, name: string, attributes: unknown[] = []) => ({ trace_id: Buffer.from(TRACE, 'hex'), span_id: Buffer.from(id, 'hex'), name, attributes });
      return t.encode(t.fromObject({ resource_spans: [{ scope_spans: [{ spans: [
        span('00f067aa0ba902b7', 'good-1'), span('00f067aa0ba902b8', 'deep', [{ key: 'd', value: v }]), span('00f067aa0ba902b9', 'good-2'),
      ] }] }] })).finish();
    } finally {
      util.recursionLimit = limit;
    }
  };

  it('rejects only the span with a value nested 65 deep, with partialSuccess (JSON)', async () => {
    const res = await fetch(`${base}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [
        { traceId: TRACE, spanId: '00f067aa0ba902b7', name: 'good-1' },
        { traceId: TRACE, spanId: '00f067aa0ba902b8', name: 'deep', attributes: [{ key: 'd', value: deepJson() }] },
        { traceId: TRACE, spanId: '00f067aa0ba902b9', name: 'good-2' },
      ] }] }] }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    assert.equal(body.partialSuccess.rejectedSpans, '1');
    assert.match(body.partialSuccess.errorMessage, /span "deep": an attribute value is nested more than 64 deep/);
    assert.deepEqual(sink.spans.map((s) => s.name), ['good-1', 'good-2']);
  });

  it('rejects only the span with a value nested 65 deep, with partial_success (protobuf)', async () => {
    const res = await fetch(`${base}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from(deepProtoRequest()) });
    assert.equal(res.status, 200);
    const t = otlpType(OTLP_TYPES.traceResponse);
    const decoded = t.toObject(t.decode(new Uint8Array(await res.arrayBuffer())), { longs: String }) as { partial_success: { rejected_spans: string; error_message: string } };
    assert.equal(decoded.partial_success.rejected_spans, '1');
    assert.match(decoded.partial_success.error_message, /nested more than 64 deep/);
    assert.deepEqual(sink.spans.map((s) => s.name), ['good-1', 'good-2']);
  });

  it('rejects only the span whose start time has 900,000 digits (JSON)', async () => {
    const res = await fetch(`${base}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [
        { traceId: TRACE, spanId: '00f067aa0ba902b7', name: 'good', startTimeUnixNano: '1700000000000000000' },
        { traceId: TRACE, spanId: '00f067aa0ba902b8', name: 'huge-time', startTimeUnixNano: '9'.repeat(900_000) },
      ] }] }] }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    assert.equal(body.partialSuccess.rejectedSpans, '1');
    assert.match(body.partialSuccess.errorMessage, /span "huge-time": .*startTimeUnixNano must be an unsigned 64-bit integer/);
    assert.deepEqual(sink.spans.map((s) => s.name), ['good']);
  });

  it('answers 503 with Retry-After when the sink is busy, and stores nothing', async () => {
    sink.busyNow = true;
    const res = await fetch(`${base}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: jsonRequest([{ traceId: TRACE, spanId: '00f067aa0ba902b7', name: 'x' }]),
    });
    assert.equal(res.status, 503);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    assert.equal(sink.spans.length, 0);
  });

  it('answers 500 with a Status when the sink fails', async () => {
    sink.failNow = true;
    const res = await fetch(`${base}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: jsonRequest([{ traceId: TRACE, spanId: '00f067aa0ba902b7', name: 'x' }]),
    });
    assert.equal(res.status, 500);
    assert.match(((await res.json()) as { message: string }).message, /disk full/);
  });

  it('accepts metrics without storing them', async () => {
    const res = await fetch(`${base}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceMetrics":[]}' });
    assert.equal(res.status, 200);
    assert.equal(sink.spans.length, 0);
  });

  it('answers CORS preflight for localhost origins only', async () => {
    const ok = await fetch(`${base}/v1/traces`, { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' } });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    const foreign = await fetch(`${base}/v1/traces`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
  });

  describe('gRPC', () => {
    function call(path: string, body: Buffer): Promise<{ err: grpcJs.ServiceError | null; value?: Buffer }> {
      const client = new grpcJs.Client(`127.0.0.1:${grpc.port}`, grpcJs.credentials.createInsecure());
      return new Promise((resolve) => {
        client.makeUnaryRequest<Buffer, Buffer>(path, (b) => b, (b) => b, body, (err, value) => {
          client.close();
          resolve({ err, value });
        });
      });
    }
    const EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

    it('answers INVALID_ARGUMENT for an undecodable message', async () => {
      const { err } = await call(EXPORT, Buffer.from([0x0a, 0xff, 0xff, 0x01]));
      assert.equal(err?.code, grpcJs.status.INVALID_ARGUMENT);
      assert.match(err?.details ?? '', /cannot decode/);
    });

    it('answers UNAVAILABLE when the sink is busy', async () => {
      sink.busyNow = true;
      const { err } = await call(EXPORT, Buffer.from(protoRequest([])));
      assert.equal(err?.code, grpcJs.status.UNAVAILABLE);
    });

    it('answers RESOURCE_EXHAUSTED to a gzip-compressed message that inflates past the limit', async () => {
      const client = new grpcJs.Client(`127.0.0.1:${grpc.port}`, grpcJs.credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 });
      // 8 MiB of zeros in a bytes field: a few KiB on the wire, 8x the receiver's 1 MiB cap once inflated.
      const big = Buffer.concat([Buffer.from([0x0a, 0x80, 0x80, 0x80, 0x04]), Buffer.alloc(8 * 1024 * 1024)]);
      const err = await new Promise<grpcJs.ServiceError | null>((resolve) => {
        client.makeUnaryRequest<Buffer, Buffer>(EXPORT, (b) => b, (b) => b, big, (e) => {
          client.close();
          resolve(e);
        });
      });
      assert.equal(err?.code, grpcJs.status.RESOURCE_EXHAUSTED);
      assert.equal(sink.spans.length, 0);
    });

    it('returns partial_success for a rejected span and keeps the rest', async () => {
      const { err, value } = await call(EXPORT, Buffer.from(protoRequest([
        { trace_id: Buffer.from(TRACE, 'hex'), span_id: Buffer.from('00f067aa0ba902b7', 'hex'), name: 'good' },
        { trace_id: Buffer.alloc(16), span_id: Buffer.from('00f067aa0ba902b8', 'hex'), name: 'zero-trace' },
      ])));
      assert.equal(err, null);
      const t = otlpType(OTLP_TYPES.traceResponse);
      const decoded = t.toObject(t.decode(value!), { longs: String }) as { partial_success: { rejected_spans: string; error_message: string } };
      assert.equal(decoded.partial_success.rejected_spans, '1');
      assert.match(decoded.partial_success.error_message, /trace_id is all zero/);
      assert.deepEqual(sink.spans.map((s) => s.name), ['good']);
    });

    it('rejects only the span with a value nested 65 deep, with partial_success', async () => {
      const { err, value } = await call(EXPORT, Buffer.from(deepProtoRequest()));
      assert.equal(err, null);
      const t = otlpType(OTLP_TYPES.traceResponse);
      const decoded = t.toObject(t.decode(value!), { longs: String }) as { partial_success: { rejected_spans: string; error_message: string } };
      assert.equal(decoded.partial_success.rejected_spans, '1');
      assert.match(decoded.partial_success.error_message, /nested more than 64 deep/);
      assert.deepEqual(sink.spans.map((s) => s.name), ['good-1', 'good-2']);
    });

    it('still serves a real gRPC exporter after bad calls', async () => {
      const client = makeTracer({ protocol: 'grpc', url: `http://127.0.0.1:${grpc.port}` });
      client.tracer.startSpan('grpc-alive').end();
      await client.shutdown();
      assert.deepEqual(client.outcomes.map((o) => o.code), [0]);
      assert.equal(sink.span('grpc-alive').name, 'grpc-alive');
    });
  });

  describe('port conflicts', () => {
    it('names another Agent Trace server holding the HTTP port, with its pid', async () => {
      await assert.rejects(startHttpReceiver({ host: '127.0.0.1', port: http.port, sink }), { code: 'EADDRINUSE' });
      const msg = await describePortConflict('127.0.0.1', http.port, 'http');
      assert.match(msg, new RegExp(`Port ${http.port} is used by another Agent Trace server \\(pid ${process.pid}`));
    });

    it('names another Agent Trace server holding the gRPC port', async () => {
      await assert.rejects(startGrpcReceiver({ host: '127.0.0.1', port: grpc.port, sink }), { code: 'EADDRINUSE' });
      const msg = await describePortConflict('127.0.0.1', grpc.port, 'grpc');
      assert.match(msg, /another Agent Trace server \(pid \d+/);
    });

    it('tells the user which setting to change when another program holds the port', async () => {
      const net = await import('node:net');
      const other = net.createServer((s) => s.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
      await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
      const port = (other.address() as import('node:net').AddressInfo).port;
      try {
        assert.equal(await describePortConflict('127.0.0.1', port, 'http'),
          `Port ${port} is used by another program. Change the setting agentTrace.otlp.httpPort or pass --http-port.`);
        assert.match(await describePortConflict('127.0.0.1', port, 'grpc'), /agentTrace\.otlp\.grpcPort or pass --grpc-port/);
      } finally {
        other.close();
      }
    });
  });
});

describe('Host header check (DNS rebinding)', () => {
  let sink: MemorySink;
  let receiver: HttpReceiver;
  before(async () => {
    sink = new MemorySink();
    receiver = await startHttpReceiver({ host: '127.0.0.1', port: 0, sink, allowedHosts: ['host.docker.internal'] });
  });
  after(() => receiver.close());

  /** node:http, because fetch does not let a caller set Host. */
  function post(host: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: receiver.port, path: '/v1/traces', method: 'POST', headers: { host, 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(jsonRequest([{ traceId: TRACE, spanId: '00f067aa0ba902b7', name: `from ${host}` }]));
    });
  }

  for (const name of ['evil.example', 'attacker.test:4318', '192.168.1.20', '[2001:db8::1]:80']) {
    it(`refuses Host "${name}" with 403 and stores nothing`, async () => {
      const r = await post(name);
      assert.equal(r.status, 403);
      assert.match(r.body, /not this machine.*agentTrace\.otlp\.allowedHosts.*DNS rebinding/);
      assert.equal(sink.spans.length, 0);
    });
  }

  it('accepts loopback names, the bound host and configured extra names', async () => {
    const names = ['localhost', `localhost:${receiver.port}`, `127.0.0.1:${receiver.port}`, `[::1]:${receiver.port}`, 'LOCALHOST', 'host.docker.internal:4318'];
    for (const name of names) assert.equal((await post(name)).status, 200, name);
    assert.equal(sink.spans.length, names.length);
  });
});
