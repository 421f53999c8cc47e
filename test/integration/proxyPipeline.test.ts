// The recording proxy end to end, as a user runs it: `agent-trace serve` receives the spans,
// `agent-trace proxy` (its own process, same database) forwards the model calls to a mock
// upstream, the sample agent (real OpenAI SDK, OpenLLMetry instrumentation, OTLP exporter) and
// the Anthropic SDK (tracing itself, sending traceparent) talk to the proxy. `show --json` then
// carries each LLM step's exact request and response, linked to the right step.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { SpanDto, TraceDetailDto } from '../../src/protocol/dto';
import type { RedactionReportDto } from '../../src/protocol/redaction';
import { RECORDED_REQUEST_KEY } from '../../src/server/proxy/recordingLinks';
import { MOCK_ANTHROPIC_TEXT, startMockAnthropic, type MockAnthropic } from '../support/mockAnthropic';
import { MOCK_TEXT, startMockOpenAi, type MockOpenAi } from '../support/mockOpenAi';
import { makeTracer } from '../support/otlpClients';
import { CLI, ROOT, cliJson, cliJsonLines, ensureBuilt, serve, tempDir, type ServeHandle } from '../support/serverProcess';
import { eventually } from '../support/waitUntil';

const SAMPLE_AGENT = path.join(ROOT, 'sample-agent');

interface ProxyHandle {
  port: number;
  stop(): Promise<void>;
}

function startProxyCli(db: string, upstreams: { openai: string; anthropic: string }): Promise<ProxyHandle> {
  const child: ChildProcess = spawn(
    process.execPath,
    [CLI, 'proxy', '--db', db, '--port', '0', '--upstream-openai', upstreams.openai, '--upstream-anthropic', upstreams.anthropic],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), stop: async () => void (child.kill('SIGTERM'), await exited) });
    });
    void exited.then(() => reject(new Error(`agent-trace proxy exited: ${err}`)));
  });
}

function runSampleAgent(env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['agent.js'], { cwd: SAMPLE_AGENT, env: { ...process.env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      const m = /trace id: ([0-9a-f]{32})/.exec(out);
      if (code === 0 && m) resolve(m[1]!);
      else reject(new Error(`sample agent exited ${code}: ${err}${out}`));
    });
  });
}

describe('recording proxy end to end: serve + proxy processes, real SDKs', function () {
  this.timeout(120_000);
  let dir: string;
  let db: string;
  let server: ServeHandle;
  let proxy: ProxyHandle;
  let openai: MockOpenAi;
  let anthropic: MockAnthropic;

  before(async () => {
    ensureBuilt();
    dir = tempDir();
    db = path.join(dir, 'traces.db');
    server = await serve({ db });
    openai = await startMockOpenAi();
    anthropic = await startMockAnthropic();
    proxy = await startProxyCli(db, { openai: openai.baseUrl, anthropic: anthropic.baseUrl });
  });
  after(async () => {
    await proxy?.stop();
    await server?.stop();
    await openai?.close();
    await anthropic?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const llmSteps = (d: TraceDetailDto): SpanDto[] => d.spans.filter((s) => s.kind === 'llm' && !s.duplicateOf).sort((a, b) => (BigInt(a.startUnixNanos) < BigInt(b.startUnixNanos) ? -1 : 1));

  it('the sample agent through the proxy: each chat step carries its exact request and response, byte for byte', async () => {
    const traceId = await runSampleAgent({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${server.httpPort}`,
      SAMPLE_AGENT_MODEL_URL: `http://127.0.0.1:${proxy.port}/v1`,
    });
    assert.equal(openai.requests.length, 2, 'two model calls went to the upstream through the proxy');
    const steps = await eventually(() => {
      const d = cliJson<TraceDetailDto>(['show', traceId, '--db', db]);
      const s = llmSteps(d);
      assert.equal(s.length, 2);
      assert.ok(s.every((x) => x.recording), 'both chat steps have their recording');
      return s;
    });
    for (const [i, step] of steps.entries()) {
      const r = step.recording!;
      assert.equal(r.request.body, openai.rawRequests[i]!.toString('utf8'), `call ${i + 1}: the exact request`);
      assert.equal(r.response.body, openai.written[i]!.toString('utf8'), `call ${i + 1}: the exact response`);
      assert.equal(r.request.headers.authorization, '[not stored]');
      assert.equal(r.status, 200);
      assert.equal(r.link.confidence, 'high', `linked by ${r.link.reason}`);
      assert.equal(r.link.reason, 'time window, model and messages');
    }
    // The first call asked for a tool, the second carried the tool's result and got the answer.
    assert.match(steps[0]!.recording!.response.body, /"tool_calls"/);
    assert.match(steps[1]!.recording!.request.body, /"role":"tool"/);
    assert.ok(steps[1]!.recording!.response.body.includes(MOCK_TEXT));
    // No other step got a recording.
    assert.equal(cliJson<TraceDetailDto>(['show', traceId, '--db', db]).spans.filter((s) => s.recording).length, 2);
  });

  it('recorded bodies go through the redaction scan like span content (the sample prompt leaks a key)', () => {
    const [latest] = cliJsonLines<{ traceId: string }>(['list', '--service', 'sample-agent', '--limit', '1', '--db', db]);
    const scan = spawnSyncJson<RedactionReportDto>(['scan', '--trace', latest!.traceId, '--db', db, '--json']);
    const inRecording = scan.findings.filter((f) => f.attribute === RECORDED_REQUEST_KEY);
    assert.ok(inRecording.some((f) => f.category === 'secret'), 'the key in the recorded request body is found');
    assert.ok(inRecording.some((f) => f.type === 'email'), 'and the email address');
  });

  it('an Anthropic SDK call that sends traceparent is linked exactly to its own span', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      const client = makeTracer({ protocol: 'http/protobuf', url: `http://127.0.0.1:${server.httpPort}`, resource: { 'service.name': 'anthropic-proxy-agent' } });
      const sdk = new Anthropic({ apiKey: 'sk-ant-test-not-real', baseURL: `http://127.0.0.1:${proxy.port}`, maxRetries: 0, openTelemetry: { tracerProvider: client.provider } });
      let traceId = '';
      await client.tracer.startActiveSpan('agent run', async (root) => {
        traceId = root.spanContext().traceId;
        const msg = await sdk.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
        assert.equal((msg.content[0] as { text: string }).text, MOCK_ANTHROPIC_TEXT);
        root.end();
      });
      await client.shutdown();
      assert.ok(anthropic.headers[0]!.traceparent, 'the SDK sent traceparent');
      const step = await eventually(() => {
        const [s] = llmSteps(cliJson<TraceDetailDto>(['show', traceId, '--db', db]));
        assert.ok(s?.recording, 'the Anthropic step has its recording');
        return s;
      });
      assert.equal(String(anthropic.headers[0]!.traceparent).split('-')[2], step.spanId, 'traceparent named this step');
      assert.deepEqual(step.recording!.link, { confidence: 'exact', reason: 'traceparent header' });
      assert.equal(step.recording!.provider, 'anthropic');
      assert.equal(step.recording!.path, '/v1/messages');
      assert.equal(step.recording!.response.body, anthropic.written[0]!.toString('utf8'));
    } finally {
      context.disable();
      propagation.disable();
    }
  });

  it('the database file holds no API key', async () => {
    await proxy.stop();
    const bytes = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f)));
    for (const key of ['sk-ant-test-not-real', 'sk-mock-not-a-real-key']) assert.ok(bytes.every((b) => !b.includes(key)), `${key} is not stored`);
    proxy = await startProxyCli(db, { openai: openai.baseUrl, anthropic: anthropic.baseUrl });
  });
});

function spawnSyncJson<T>(args: string[]): T {
  // `scan` exits 0 (no --fail-on), printing the report.
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`agent-trace ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
