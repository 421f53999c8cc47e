// Model-judged checks with real parts: the trace server (real receivers, a real SQLite file) gets
// runs from the official OpenTelemetry exporter and a checks file with a `judge` check; the judge
// is the local mock of the OpenAI API. Disabled (the default), no request reaches the mock and
// the judge check gives no result; enabled, the verdict is stored with the run's other results;
// an endpoint that cannot be reached or answers no verdict gives "error", never "pass".
import { strict as assert } from 'node:assert';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import type { TraceSummaryDto } from '../../src/protocol/dto';
import type { JudgeSettings } from '../../src/protocol/lsp';
import { TraceServer } from '../../src/server/traceServer';
import { startMockOpenAi, type MockOpenAi } from '../support/mockOpenAi';
import { makeTracer } from '../support/otlpClients';
import { ensureBuilt, runCli, serve, tempDir } from '../support/serverProcess';
import { waitUntil } from '../support/waitUntil';

const CHECKS = [
  'checks:',
  '  - { name: no errors, kind: no_errors }',
  '  - { name: names the city, kind: judge, question: "Does the final answer name the city the user asked about?" }',
].join('\n');

async function sendRun(url: string, city: string, answer: string): Promise<string> {
  const client = makeTracer({ protocol: 'http/protobuf', url, resource: { 'service.name': 'weather-agent' } });
  const root = client.tracer.startSpan('invoke_agent weather', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather' } });
  const chat = client.tracer.startSpan('chat gpt-4o-mini', {
    attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: `Weather in ${city}?` }] }]),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: answer }] }]),
    },
  }, trace.setSpan(context.active(), root));
  chat.end();
  root.end();
  await client.flush();
  await client.shutdown();
  assert.ok(client.outcomes.length > 0 && client.outcomes.every((o) => o.code === 0));
  return root.spanContext().traceId;
}

describe('model-judged checks: trace server → the user\'s own endpoint (local mock)', function () {
  this.timeout(120_000);
  let tmp: string;
  let mock: MockOpenAi;
  let server: TraceServer | null = null;

  before(async () => {
    // The mock judges like a careful model would: pass when the answer names the city asked about.
    mock = await startMockOpenAi({
      reply: (req) => {
        const user = String((req.messages as { role: string; content: string }[]).find((m) => m.role === 'user')?.content ?? '');
        const asked = /Weather in (\w+)\?/.exec(user)?.[1];
        const answer = /Final answer: (.*)/.exec(user)?.[1] ?? '';
        if (!asked) return 'I cannot tell.';
        return JSON.stringify(answer.includes(asked) ? { verdict: 'pass', reason: `names ${asked}` } : { verdict: 'fail', reason: `does not name ${asked}` });
      },
    });
  });
  after(async () => mock.close());
  beforeEach(() => (tmp = tempDir()));
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  const start = async (judge?: JudgeSettings) => {
    server = await TraceServer.start({ host: '127.0.0.1', httpPort: 0, grpcPort: 0, dbPath: join(tmp, 'traces.db'), log: () => undefined, checksQuietMs: 50, judge });
    server.checks.setConfig(CHECKS);
    return { s: server, url: `http://127.0.0.1:${server.status().httpPort}` };
  };
  const resultsOf = async (s: TraceServer, traceId: string) => {
    await waitUntil('the run is checked', () => s.store.checkResultsOf(traceId).length > 0);
    await s.checks.whenIdle();
    return s.store.checkResultsOf(traceId).map((r) => [r.check, r.outcome, r.message]);
  };

  it('disabled (the default): no request is made and the judge check gives no result', async () => {
    const { s, url } = await start();
    const before = mock.requests.length;
    const id = await sendRun(url, 'Paris', 'Sunny in Paris.');
    assert.deepEqual(await resultsOf(s, id), [['no errors', 'pass', 'no step failed']]);
    assert.equal(mock.requests.length, before, 'nothing was sent to the model');
    assert.equal(s.checks.judge.requests, 0);
    // Disabled with an endpoint and model configured: still no call.
    const off = await TraceServer.start({ host: '127.0.0.1', httpPort: 0, grpcPort: 0, dbPath: join(tmp, 'other.db'), log: () => undefined, checksQuietMs: 50, judge: { enabled: false, baseUrl: mock.baseUrl, model: 'gpt-4o-mini', apiKeyEnv: '' } });
    try {
      off.checks.setConfig(CHECKS);
      const id2 = await sendRun(`http://127.0.0.1:${off.status().httpPort}`, 'Paris', 'Sunny in Paris.');
      assert.equal((await resultsOf(off, id2)).length, 1);
      assert.equal(mock.requests.length, before);
    } finally {
      await off.close();
    }
  });

  it('enabled: asks the configured endpoint and stores its verdict with the run\'s results', async () => {
    process.env.AGENT_TRACE_TEST_JUDGE_KEY = 'sk-test-judge';
    const { s, url } = await start({ enabled: true, baseUrl: mock.baseUrl, model: 'judge-model', apiKeyEnv: 'AGENT_TRACE_TEST_JUDGE_KEY' });
    const before = mock.requests.length;
    const good = await sendRun(url, 'Paris', 'Sunny in Paris today.');
    assert.deepEqual((await resultsOf(s, good)).sort(), [['names the city', 'pass', 'judged pass: names Paris'], ['no errors', 'pass', 'no step failed']]);
    const bad = await sendRun(url, 'Lyon', 'It will rain tomorrow.');
    assert.deepEqual((await resultsOf(s, bad)).find((r) => r[0] === 'names the city'), ['names the city', 'fail', 'judged fail: does not name Lyon']);
    assert.deepEqual(s.store.traceSummary(bad)?.checks, { passed: 1, failed: 1, errors: 0 });
    // One request per written run: a run written again (an exporter retrying an export that timed
    // out on a loaded machine) is judged again, as its content may have changed, so count runs.
    const asked = mock.requests.slice(before).map((r) => /Weather in (\w+)\?/.exec(JSON.stringify(r))?.[1]);
    assert.deepEqual([...new Set(asked)].sort(), ['Lyon', 'Paris'], 'each run was judged, and nothing else was asked');
    const req = mock.requests[before] as { model: string; temperature: number; messages: { role: string; content: string }[] };
    assert.equal(req.model, 'judge-model');
    assert.equal(req.temperature, 0);
    assert.match(req.messages[1].content, /Final answer: Sunny in Paris today\./);
    delete process.env.AGENT_TRACE_TEST_JUDGE_KEY;
  });

  it('enabled: an unreachable endpoint or an answer that is no verdict is an error, never a pass', async () => {
    const { s, url } = await start({ enabled: true, baseUrl: 'http://127.0.0.1:9/v1', model: 'm', apiKeyEnv: '' });
    const id = await sendRun(url, 'Paris', 'Sunny in Paris.');
    const judged = (await resultsOf(s, id)).find((r) => r[0] === 'names the city')!;
    assert.equal(judged[1], 'error');
    assert.match(judged[2] as string, /the judge could not be asked/);
    await server!.close();
    tmp = tempDir();
    const second = await start({ enabled: true, baseUrl: mock.baseUrl, model: 'm', apiKeyEnv: '' });
    // No "Weather in X?" question: the mock answers prose, not a verdict.
    const client = makeTracer({ protocol: 'http/protobuf', url: second.url });
    const span = client.tracer.startSpan('chat', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'hello' }] }]) } });
    span.end();
    await client.flush();
    await client.shutdown();
    const r = (await resultsOf(second.s, span.spanContext().traceId)).find((x) => x[0] === 'names the city')!;
    assert.deepEqual(r.slice(0, 2), ['names the city', 'error']);
    assert.match(r[2] as string, /no verdict: "I cannot tell\."/);
  });
});

describe('model-judged checks: agent-trace serve --judge-url (headless)', function () {
  this.timeout(120_000);
  let mock: MockOpenAi;
  let dir: string;
  before(async () => {
    ensureBuilt();
    mock = await startMockOpenAi({
      reply: (req) => {
        const user = String((req.messages as { role: string; content: string }[]).find((m) => m.role === 'user')?.content ?? '');
        return JSON.stringify(/Final answer: .*Paris/.test(user) ? { verdict: 'pass', reason: 'names Paris' } : { verdict: 'fail', reason: 'no city' });
      },
    });
    dir = tempDir();
    writeFileSync(join(dir, 'checks.yaml'), CHECKS);
  });
  after(async () => {
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const listChecks = (db: string) => {
    const r = runCli(['list', '--json', '--db', db]);
    return r.code === 0 ? r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as TraceSummaryDto) : [];
  };

  it('without --judge-url, serve sends nothing to any model: the judge check gives no result', async () => {
    const db = join(dir, 'off.db');
    const server = await serve({ db, extra: ['--checks', join(dir, 'checks.yaml')] });
    try {
      const before = mock.requests.length;
      const id = await sendRun(`http://127.0.0.1:${server.httpPort}`, 'Paris', 'Sunny in Paris.');
      await waitUntil('the run is checked', () => listChecks(db).some((t) => t.traceId === id && t.checks), 30_000);
      assert.deepEqual(listChecks(db).find((t) => t.traceId === id)?.checks, { passed: 1, failed: 0, errors: 0 }, 'only "no errors"');
      assert.doesNotMatch(server.stdout(), /Judge checks/, 'serve printed all it prints before the run was checked');
      assert.equal(mock.requests.length, before);
    } finally {
      await server.stop();
    }
  });

  it('with --judge-url and --judge-model, serve asks that endpoint with the key from the named variable and stores the verdicts', async () => {
    const db = join(dir, 'on.db');
    process.env.AGENT_TRACE_TEST_SERVE_JUDGE_KEY = 'sk-serve-judge';
    const server = await serve({
      db,
      extra: ['--checks', join(dir, 'checks.yaml'), '--judge-url', mock.baseUrl, '--judge-model', 'judge-model', '--judge-key-env', 'AGENT_TRACE_TEST_SERVE_JUDGE_KEY'],
    });
    delete process.env.AGENT_TRACE_TEST_SERVE_JUDGE_KEY;
    try {
      const says = /Judge checks: model judge-model at http:\/\/127\.0\.0\.1:\d+\/v1 \(key from \$AGENT_TRACE_TEST_SERVE_JUDGE_KEY\)/;
      await waitUntil(`serve to say where it judges (${server.stdout()})`, () => says.test(server.stdout()));
      const before = mock.requests.length;
      const url = `http://127.0.0.1:${server.httpPort}`;
      const good = await sendRun(url, 'Paris', 'Sunny in Paris.');
      const bad = await sendRun(url, 'Lyon', 'It will rain.');
      const counts = (id: string) => listChecks(db).find((t) => t.traceId === id)?.checks;
      await waitUntil('both runs judged', () => counts(good)?.passed === 2 && counts(bad)?.failed === 1, 30_000);
      assert.deepEqual(counts(bad), { passed: 1, failed: 1, errors: 0 });
      const sent = mock.requests.slice(before) as { model: string }[];
      assert.ok(sent.length >= 2 && sent.every((r) => r.model === 'judge-model'), JSON.stringify(sent.map((r) => r.model)));
      const auth = mock.headers.slice(-sent.length).map((h) => h.authorization);
      assert.ok(auth.every((a) => a === 'Bearer sk-serve-judge'), `the key from the named variable: ${JSON.stringify(auth)}`);
    } finally {
      await server.stop();
    }
  });

  it('refuses half a judge configuration before starting', () => {
    const r = runCli(['serve', '--db', join(dir, 'bad.db'), '--http-port', '0', '--grpc-port', '0', '--judge-url', mock.baseUrl]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--judge-url needs --judge-model/);
    const r2 = runCli(['serve', '--db', join(dir, 'bad.db'), '--http-port', '0', '--grpc-port', '0', '--judge-model', 'm']);
    assert.match(r2.stderr, /need --judge-url/);
    const r3 = runCli(['serve', '--db', join(dir, 'bad.db'), '--http-port', '0', '--grpc-port', '0', '--judge-url', 'file:///etc/passwd', '--judge-model', 'm']);
    assert.match(r3.stderr, /must be http or https/);
  });
});
