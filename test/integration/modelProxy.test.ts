// The recording model proxy with the real OpenAI and Anthropic SDKs against local mock upstreams:
// bytes pass unchanged both ways (streams included), keys reach the upstream and never the
// store, failures reach the client as failures, and every call is recorded.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { canonicalize } from '../../src/core/canonicalize';
import { SECRET_MARK } from '../../src/core/proxy/providers';
import { startModelProxy, type ModelProxy } from '../../src/server/proxy/modelProxy';
import { recordingSink, type RecordingSink } from '../../src/server/proxy/recordingSink';
import type { StoredRecording } from '../../src/store/recordings';
import { TraceStore } from '../../src/store/traceStore';
import { MOCK_ANTHROPIC_TEXT, startMockAnthropic, type MockAnthropic } from '../support/mockAnthropic';
import { MOCK_TEXT, startMockOpenAi, type MockOpenAi } from '../support/mockOpenAi';
import { waitUntil } from '../support/waitUntil';
import { tempDir } from './storeFixtures';

const OPENAI_KEY = 'sk-proj-TESTKEY0123456789abcdefSECRET';
const ANTHROPIC_KEY = 'sk-ant-api03-TESTKEY0123456789SECRET';

describe('recording model proxy', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  let store: TraceStore;
  let openai: MockOpenAi;
  let anthropic: MockAnthropic;
  let proxy: ModelProxy;
  let sink: RecordingSink;
  let base: string;

  const start = async (upstreams = { openai: openai.baseUrl.replace(/\/v1$/, ''), anthropic: anthropic.baseUrl }, maxRecordBytes?: number): Promise<ModelProxy> => {
    const p = await startModelProxy({ host: '127.0.0.1', port: 0, upstreams, maxRecordBytes, onRecording: (r) => sink.record(r), log: () => undefined });
    return p;
  };
  const recordings = (): StoredRecording[] => {
    sink.flush();
    return store.recordings.list();
  };
  const waitForRecordings = async (n: number): Promise<StoredRecording[]> => {
    await waitUntil(`${n} recording(s)`, () => recordings().length >= n);
    return recordings();
  };

  beforeEach(async () => {
    tmp = tempDir();
    store = TraceStore.open(join(tmp.dir, 'traces.db'), { canonicalize: (s) => canonicalize(s) });
    sink = recordingSink(store, () => undefined);
    openai = await startMockOpenAi();
    anthropic = await startMockAnthropic();
    proxy = await start();
    base = `http://127.0.0.1:${proxy.port}`;
  });

  afterEach(async () => {
    await proxy.close();
    await openai.close();
    await anthropic.close();
    store.close();
    tmp.cleanup();
  });

  it('forwards an OpenAI SDK call unchanged, passes the key on and records the exact bodies without it', async () => {
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: OPENAI_KEY, maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    assert.equal(answer.choices[0]!.message.content, MOCK_TEXT);
    assert.equal(openai.headers[0]!.authorization, `Bearer ${OPENAI_KEY}`, 'the upstream got the key untouched');
    const [r] = await waitForRecordings(1);
    assert.equal(r!.provider, 'openai');
    assert.equal(r!.path, '/v1/chat/completions');
    assert.equal(r!.status, 200);
    assert.equal(r!.model, 'gpt-4o-mini');
    assert.deepEqual(Buffer.from(r!.request.body), openai.rawRequests[0], 'request body byte for byte');
    assert.deepEqual(Buffer.from(r!.response.body), openai.written[0], 'response body byte for byte');
    assert.equal(r!.request.headers.authorization, SECRET_MARK);
    assert.equal(r!.streamed, false);
    assert.ok(r!.endedMs >= r!.startedMs && r!.firstByteMs! >= r!.startedMs);
  });

  it('forwards the Responses API', async () => {
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: OPENAI_KEY, maxRetries: 0 });
    const res = await client.responses.create({ model: 'gpt-4o-mini', input: 'Weather in Paris?' });
    assert.equal(res.output_text, MOCK_TEXT);
    const [r] = await waitForRecordings(1);
    assert.equal(r!.path, '/v1/responses');
    assert.deepEqual(Buffer.from(r!.response.body), openai.written[0]);
  });

  it('streams: the client reads exactly the bytes the upstream wrote, and the recording holds their concatenation', async () => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Hi' }] });
    const res = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${OPENAI_KEY}` }, body });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const received = Buffer.from(await res.arrayBuffer());
    assert.ok(received.length > 200);
    assert.deepEqual(received, openai.written[0]);
    const [r] = await waitForRecordings(1);
    assert.equal(r!.streamed, true);
    assert.deepEqual(Buffer.from(r!.response.body), received);
  });

  it('streams through the OpenAI SDK', async () => {
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: OPENAI_KEY, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, MOCK_TEXT);
  });

  it('forwards Anthropic SDK calls (plain and streamed) with the key passed on and never recorded', async () => {
    const client = new Anthropic({ baseURL: base, apiKey: ANTHROPIC_KEY, maxRetries: 0 });
    const msg = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Weather?' }] });
    assert.equal((msg.content[0] as { text: string }).text, MOCK_ANTHROPIC_TEXT);
    const stream = client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Weather?' }] });
    const final = await stream.finalMessage();
    assert.equal((final.content[0] as { text: string }).text, MOCK_ANTHROPIC_TEXT);
    // This SDK version sends the key as a bearer token; older ones as x-api-key: either passes on untouched.
    const h = anthropic.headers[0]!;
    const keyHeader = h['x-api-key'] !== undefined ? 'x-api-key' : 'authorization';
    assert.equal(h[keyHeader], keyHeader === 'x-api-key' ? ANTHROPIC_KEY : `Bearer ${ANTHROPIC_KEY}`);
    const rs = await waitForRecordings(2);
    assert.deepEqual(rs.map((r) => [r.provider, r.path, r.streamed]), [['anthropic', '/v1/messages', false], ['anthropic', '/v1/messages', true]]);
    assert.deepEqual(Buffer.from(rs[1]!.response.body), anthropic.written[1]);
    assert.equal(rs[0]!.request.headers[keyHeader], SECRET_MARK);
    assert.equal(rs[0]!.model, 'claude-sonnet-4-5');
  });

  it('answers 502 naming the upstream when it cannot be reached, without hanging the client', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await proxy.close();
    proxy = await start({ openai: `http://127.0.0.1:${deadPort}`, anthropic: anthropic.baseUrl });
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${proxy.port}/v1`, apiKey: OPENAI_KEY, maxRetries: 0 });
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
      (err: { status?: number; message: string }) => {
        assert.equal(err.status, 502);
        assert.match(err.message, new RegExp(`upstream http://127\\.0\\.0\\.1:${deadPort} could not be reached \\(ECONNREFUSED\\)`));
        return true;
      },
    );
    const [r] = await waitForRecordings(1);
    assert.equal(r!.status, null);
    assert.match(r!.error!, /unreachable: ECONNREFUSED/);
  });

  it('breaks the client stream when the upstream stream breaks (an error, not a short answer)', async () => {
    openai.breakNextStream = true;
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: OPENAI_KEY, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    await assert.rejects(async () => {
      for await (const chunk of stream) void chunk;
    });
    const [r] = await waitForRecordings(1);
    assert.match(r!.error!, /closed the response before it was complete/);
  });

  it('aborts the upstream request when the client goes away', async () => {
    openai.holdNext = true;
    const controller = new AbortController();
    const pending = fetch(`${base}/v1/chat/completions`, { method: 'POST', body: '{"model":"gpt-4o-mini","messages":[]}', headers: { 'content-type': 'application/json' }, signal: controller.signal });
    await waitUntil('the upstream to hold the request', () => openai.inFlight === 1);
    controller.abort();
    await assert.rejects(pending);
    await waitUntil('the upstream request to be aborted', () => openai.aborted === 1);
    const [r] = await waitForRecordings(1);
    assert.match(r!.error!, /client closed the connection/);
  });

  it('refuses a Host that is not this machine (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: proxy.port, path: '/v1/chat/completions', method: 'POST', headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal(status, 403);
    assert.equal(openai.requests.length, 0);
  });

  it('caps what it records but gives the client every byte', async () => {
    await proxy.close();
    proxy = await start(undefined, 64);
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${proxy.port}/v1`, apiKey: OPENAI_KEY, maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(500) }] });
    assert.equal(answer.choices[0]!.message.content, MOCK_TEXT);
    const [r] = await waitForRecordings(1);
    assert.equal(r!.request.body.byteLength, 64);
    assert.equal(r!.request.truncated, true);
    assert.equal(r!.request.bytes, openai.rawRequests[0]!.length);
    assert.equal(r!.response.truncated, true);
    assert.equal(r!.response.bytes, openai.written[0]!.length);
  });

  it('passes a gzip response on compressed, byte for byte, and records it decoded', async () => {
    const zlib = await import('node:zlib');
    const json = JSON.stringify({ id: 'chatcmpl-gz', choices: [{ message: { role: 'assistant', content: 'compressed hello' } }] });
    const gz = zlib.gzipSync(json);
    const upstream = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': gz.length });
      res.end(gz);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    await proxy.close();
    proxy = await start({ openai: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, anthropic: anthropic.baseUrl });
    try {
      const received = await new Promise<Buffer>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: proxy.port, path: '/v1/chat/completions', method: 'POST', headers: { 'accept-encoding': 'gzip', 'content-type': 'application/json' } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => resolve(Buffer.concat(parts)));
        });
        req.on('error', reject);
        req.end('{"model":"gpt-4o-mini","messages":[]}');
      });
      assert.deepEqual(received, gz, 'the client gets the compressed bytes');
      const [r] = await waitForRecordings(1);
      assert.equal(Buffer.from(r!.response.body).toString('utf8'), json);
      assert.equal(r!.response.bytes, gz.length);
      assert.equal(r!.error, null);
    } finally {
      upstream.closeAllConnections();
      await new Promise<void>((r) => upstream.close(() => r()));
    }
  });

  it('never writes an API key to the database file', async () => {
    const oa = new OpenAI({ baseURL: `${base}/v1`, apiKey: OPENAI_KEY, maxRetries: 0 });
    await oa.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    const an = new Anthropic({ baseURL: base, apiKey: ANTHROPIC_KEY, maxRetries: 0 });
    await an.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] });
    // The header older Anthropic SDKs (and curl examples) use.
    const res = await fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'x-api-key': ANTHROPIC_KEY, 'content-type': 'application/json' }, body: '{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[]}' });
    assert.equal(res.status, 200);
    assert.equal(anthropic.headers[1]!['x-api-key'], ANTHROPIC_KEY);
    await waitForRecordings(3);
    store.close();
    const files = readdirSync(tmp.dir).map((f) => readFileSync(join(tmp.dir, f)));
    assert.ok(files.some((b) => b.includes('Weather') || b.includes('"Hi"')), 'the recordings are in the files read');
    for (const key of [OPENAI_KEY, ANTHROPIC_KEY, 'TESTKEY0123456789']) {
      assert.ok(files.every((b) => !b.includes(key)), `${key} is not in the database files`);
    }
    store = TraceStore.open(join(tmp.dir, 'traces.db'), { canonicalize: (s) => canonicalize(s) });
  });
});

describe('recording model proxy in the trace server', function () {
  this.timeout(60_000);

  it('runs with the writer when enabled, reports its port in the status, and records into the server store', async () => {
    const tmp = tempDir();
    const mock = await startMockOpenAi();
    const logs: string[] = [];
    const { TraceServer } = await import('../../src/server/traceServer');
    const server = await TraceServer.start({
      host: '127.0.0.1', httpPort: 0, grpcPort: 0, dbPath: join(tmp.dir, 'traces.db'), log: (m) => logs.push(m),
      proxy: { port: 0, upstreams: { openai: mock.baseUrl, anthropic: mock.baseUrl } },
    });
    try {
      const port = server.status().proxyPort;
      assert.ok(port, 'the status names the proxy port');
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: OPENAI_KEY, maxRetries: 0 });
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
      await waitUntil('the call to be recorded', () => server.store.recordings.count() === 1);
      assert.ok(logs.some((l) => l.startsWith(`Recording model proxy on http://127.0.0.1:${port}`)));
    } finally {
      await server.close();
      await mock.close();
      tmp.cleanup();
    }
  });

  it("announces the traces that another process's proxy (agent-trace proxy) recorded calls for", async () => {
    const tmp = tempDir();
    const dbPath = join(tmp.dir, 'traces.db');
    const changes: string[][] = [];
    const { TraceServer } = await import('../../src/server/traceServer');
    const server = await TraceServer.start({ host: '127.0.0.1', httpPort: 0, grpcPort: 0, dbPath, log: () => undefined, pollIntervalMs: 50, onTracesChanged: (c) => changes.push(c.traceIds) });
    const other = TraceStore.open(dbPath, { canonicalize: (s) => canonicalize(s) });
    try {
      const traceId = 'e'.repeat(32);
      other.recordings.insert([{
        startedMs: Date.now(), firstByteMs: null, endedMs: Date.now(), provider: 'openai', method: 'POST', path: '/v1/chat/completions', upstream: 'http://x/v1/chat/completions',
        model: 'gpt-4o-mini', traceId, parentSpanId: 'f'.repeat(16), status: 200, error: null, streamed: false,
        request: { headers: {}, body: new Uint8Array(0), bytes: 0, truncated: false }, response: { headers: {}, body: new Uint8Array(0), bytes: 0, truncated: false },
      }]);
      await waitUntil('the trace of the recorded call to be announced', () => changes.some((ids) => ids.includes(traceId)));
    } finally {
      other.close();
      await server.close();
      tmp.cleanup();
    }
  });

  it('is not started, with the reason logged, when an upstream setting is not a URL', async () => {
    const { proxyOptions } = await import('../../src/server/proxy/proxyOptions');
    const logs: string[] = [];
    assert.equal(proxyOptions({ enabled: true, port: 0, upstreams: { openai: 'api.openai.com', anthropic: 'https://api.anthropic.com' } }, (m) => logs.push(m)), undefined);
    assert.match(logs[0]!, /not started: agentTrace\.proxy\.upstreams\.openai "api\.openai\.com" is not a URL/);
    assert.equal(proxyOptions({ enabled: false, port: 0, upstreams: { openai: 'x', anthropic: 'y' } }, () => undefined), undefined);
    assert.deepEqual(proxyOptions(undefined, () => undefined), undefined);
  });
});
