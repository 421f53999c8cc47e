// Replay and fork, edit and re-send (issue 10) end to end over the language server, as the
// extension drives them: `agent-trace lsp --stdio` with the recording proxy on, the mock OpenAI as
// its upstream, the sample agent (real OpenAI SDK, OpenLLMetry, OTLP exporter) recorded through
// it; then a fork at step 2 with an edited system prompt (step 1 served from the recording: zero
// upstream calls for it, counted at the mock), the new trace linked to the original, and the
// compare showing where they part. Edit and re-send posts an edited call to the mock through the
// proxy and stores it as a trace of its own.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { withForkResourceAttributes } from '../../src/core/replay';
import type { SpanDto, TraceDetailDto } from '../../src/protocol/dto';
import * as lsp from '../../src/protocol/lsp';
import { MOCK_TERSE_TEXT, MOCK_TEXT, startMockOpenAi, type MockOpenAi } from '../support/mockOpenAi';
import { CLI, ROOT, ensureBuilt, tempDir } from '../support/serverProcess';
import { eventually } from '../support/waitUntil';

const SAMPLE_AGENT = path.join(ROOT, 'sample-agent');
const EDITED_SYSTEM = 'You are a terse weather assistant. Answer in one word.';

function runSampleAgent(env: NodeJS.ProcessEnv, opts: { args?: string[]; mayFail?: boolean } = {}): Promise<{ traceId: string; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['agent.js', ...(opts.args ?? [])], { cwd: SAMPLE_AGENT, env: { ...process.env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', OTEL_RESOURCE_ATTRIBUTES: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      const m = /trace id: ([0-9a-f]{32})/.exec(out);
      if ((code === 0 || opts.mayFail) && m) resolve({ traceId: m[1]!, out });
      else reject(new Error(`sample agent exited ${code}: ${out}`));
    });
  });
}

const llmSteps = (d: TraceDetailDto): SpanDto[] =>
  d.spans.filter((s) => s.kind === 'llm' && !s.duplicateOf).sort((a, b) => (BigInt(a.startUnixNanos) < BigInt(b.startUnixNanos) ? -1 : 1));

describe('replay and fork over the language server: the sample agent through the recording proxy', function () {
  this.timeout(120_000);
  let dir: string;
  let child: ChildProcess;
  let conn: MessageConnection;
  let openai: MockOpenAi;
  let httpPort: number;
  let proxyPort: number;
  let original: string;
  let upstreamClosed = false;

  before(async () => {
    ensureBuilt();
    dir = tempDir();
    openai = await startMockOpenAi();
    child = spawn(process.execPath, [CLI, 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    conn.onRequest('workspace/codeLens/refresh', () => null);
    conn.onRequest('workspace/diagnostic/refresh', () => null);
    conn.onNotification('window/logMessage', () => undefined);
    conn.listen();
    await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(dir).href,
      capabilities: {},
      initializationOptions: {
        host: '127.0.0.1', httpPort: 0, grpcPort: 0, dbPath: path.join(dir, 'traces.db'), workspaceFolders: [dir],
        proxy: { enabled: true, port: 0, upstreams: { openai: openai.baseUrl, anthropic: openai.baseUrl } },
      },
    });
    await conn.sendNotification('initialized', {});
    const status = await conn.sendRequest(lsp.GetStatus);
    httpPort = status.httpPort;
    assert.ok(status.proxyPort, 'the proxy listens');
    proxyPort = status.proxyPort;
    original = (await runSampleAgent({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${httpPort}`, SAMPLE_AGENT_MODEL_URL: `http://127.0.0.1:${proxyPort}/v1` })).traceId;
    assert.equal(openai.requests.length, 2, 'the recorded run made two upstream calls');
    await eventually(async () => {
      const d = await conn.sendRequest(lsp.GetTrace, { traceId: original });
      assert.ok(d);
      const steps = llmSteps(d);
      assert.equal(steps.length, 2);
      assert.ok(steps.every((s) => s.recording), 'both steps linked to their recordings');
    });
  });

  after(async () => {
    const exited = new Promise((r) => child.once('exit', r));
    await conn.sendRequest('shutdown').catch(() => undefined);
    await conn.sendNotification('exit').catch(() => undefined);
    conn.dispose();
    child.kill();
    await exited;
    if (!upstreamClosed) await openai?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fork at step 2 with an edited system prompt: step 1 replayed (zero upstream calls), the edit reaches the upstream, a linked trace, divergence at step 2 in the compare', async () => {
    const detail = (await conn.sendRequest(lsp.GetTrace, { traceId: original }))!;
    const [, step2] = llmSteps(detail);
    const doc = await conn.sendRequest(lsp.ForkDocument, { traceId: original, spanId: step2!.spanId, kind: 'system' });
    assert.ok(doc.ok, doc.ok ? '' : doc.error);
    const edited = JSON.parse(doc.document) as { system: string };
    assert.match(edited.system, /helpful weather assistant/, 'the document is the recorded request');
    edited.system = EDITED_SYSTEM;
    const fork = await conn.sendRequest(lsp.StartFork, { traceId: original, spanId: step2!.spanId, kind: 'system', document: JSON.stringify(edited) });
    assert.ok(fork.ok, fork.ok ? '' : fork.error);
    assert.equal(fork.forkAt, 1);

    const upstreamBefore = openai.requests.length;
    const resource = withForkResourceAttributes(undefined, { traceId: original, spanId: step2!.spanId });
    const run = await runSampleAgent({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${httpPort}`,
      SAMPLE_AGENT_MODEL_URL: `http://127.0.0.1:${fork.proxyPort}${fork.pathPrefix}/v1`,
      OTEL_RESOURCE_ATTRIBUTES: resource.value,
    });
    assert.ok(run.out.includes(MOCK_TERSE_TEXT), 'the agent finished with the answer to the edited prompt');
    assert.equal(openai.requests.length - upstreamBefore, 1, 'only the fork step went upstream: zero calls for step 1');
    const sent = openai.requests.at(-1) as { messages: Array<{ role: string; content: string }> };
    assert.equal(sent.messages[0]!.content, EDITED_SYSTEM, 'the edited system prompt reached the upstream');
    assert.ok(sent.messages.some((m) => m.role === 'tool'), 'with the replayed step 1\'s tool result');

    const report = (await conn.sendRequest(lsp.ForkReport, { sessionId: fork.sessionId, end: true }))!;
    assert.equal(report.forkReached, true);
    assert.deepEqual(report.calls.map((c) => c.outcome), ['replayed', 'fork-edited']);
    assert.equal(report.liveCalls, 1);
    assert.deepEqual(report.problems, []);
    assert.equal(await conn.sendRequest(lsp.ForkReport, { sessionId: fork.sessionId }), null, 'an ended session is forgotten');

    const forked = await eventually(async () => {
      const d = await conn.sendRequest(lsp.GetTrace, { traceId: run.traceId });
      assert.ok(d && llmSteps(d).length === 2 && d.spans.some((s) => !s.parentSpanId));
      return d;
    });
    const root = forked.spans.find((s) => !s.parentSpanId)!;
    assert.equal(root.resourceAttributes['agent_trace.fork.of'], original);
    assert.equal(root.resourceAttributes['agent_trace.fork.step'], step2!.spanId);
    assert.deepEqual(root.links.map((l) => [l.traceId, l.spanId, l.attributes['agent_trace.link.kind']]), [[original, step2!.spanId, 'fork']]);

    const compared = await conn.sendRequest(lsp.CompareTraces, { traceIdA: original, traceIdB: run.traceId });
    assert.ok(compared.ok);
    const llmRows = compared.result.rows.filter((r) => r.a?.kind === 'llm');
    const firstChanged = compared.result.firstDivergence;
    assert.ok(firstChanged, compared.result.summary);
    assert.equal(firstChanged.spanIdA, step2!.spanId, `the runs part at the forked step: ${compared.result.summary}`);
    assert.equal(llmRows[0]!.status, 'same', 'step 1 is the same (replayed)');
  });

  it('a bad fork request gets a clear error: a step without a recording, a document that is not JSON', async () => {
    const detail = (await conn.sendRequest(lsp.GetTrace, { traceId: original }))!;
    const notLlm = detail.spans.find((s) => s.kind !== 'llm')!;
    const r1 = await conn.sendRequest(lsp.StartFork, { traceId: original, spanId: notLlm.spanId, kind: 'system', document: '{}' });
    assert.equal(r1.ok, false);
    assert.match(!r1.ok ? r1.error : '', /not an LLM step/);
    const step = llmSteps(detail)[0]!;
    const r2 = await conn.sendRequest(lsp.StartFork, { traceId: original, spanId: step.spanId, kind: 'messages', document: '{ nope' });
    assert.match(!r2.ok ? r2.error : '', /not JSON/);
  });

  it('an unknown replay session is answered at once with a 404 naming it, not hung', async () => {
    const res = await fetch(`http://127.0.0.1:${proxyPort}/replay/0123456789abcdef/v1/chat/completions`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /replay session .* is unknown/);
  });

  it('edit and re-send: the edited call goes through the proxy to the upstream and is stored as its own trace, linked to the step', async () => {
    const detail = (await conn.sendRequest(lsp.GetTrace, { traceId: original }))!;
    const [step1] = llmSteps(detail);
    const doc = await conn.sendRequest(lsp.ResendDocument, { traceId: original, spanId: step1!.spanId });
    assert.ok(doc.ok && doc.fromRecording, 'the document comes from the exact recording');
    assert.ok(doc.recordedResponse?.includes('tool_calls'));
    const edited = JSON.parse(doc.document) as { model: string; tools: unknown[] };
    edited.tools = []; // no tools offered: the mock answers with text
    const before = openai.requests.length;
    const sent = await conn.sendRequest(lsp.Resend, { traceId: original, spanId: step1!.spanId, document: JSON.stringify(edited), apiKey: 'sk-test-resend' });
    assert.ok(sent.ok, sent.error);
    assert.equal(openai.requests.length, before + 1, 'one call upstream');
    assert.equal(openai.headers.at(-1)!.authorization, 'Bearer sk-test-resend', 'with the key given');
    assert.ok(sent.body!.includes(MOCK_TEXT), 'the new response');
    const stored = await eventually(async () => {
      const d = await conn.sendRequest(lsp.GetTrace, { traceId: sent.traceId! });
      assert.ok(d);
      const s = llmSteps(d)[0];
      // Its own recording (by traceparent) may land after a same-looking call of the original run is in the window.
      assert.equal(s?.recording?.response.body, sent.body, 'the resent call is linked to its own recording');
      return s!;
    });
    assert.match(stored.recording!.link.reason, /traceparent/i);
    assert.equal(stored.attributes['agent_trace.resend.of'], `${original}/${step1!.spanId}`);
    assert.deepEqual(stored.links.map((l) => [l.traceId, l.spanId]), [[original, step1!.spanId]]);
  });

  it('edit and re-send answered with a 4xx: a clear message naming the status, the call still stored as a trace', async () => {
    const detail = (await conn.sendRequest(lsp.GetTrace, { traceId: original }))!;
    const [step1] = llmSteps(detail);
    const doc = await conn.sendRequest(lsp.ResendDocument, { traceId: original, spanId: step1!.spanId });
    assert.ok(doc.ok);
    // Sent as an Anthropic call: the mock (the Anthropic upstream here too) has no such route and answers 404.
    const draft = JSON.parse(doc.document) as { parameters?: object };
    const edited = { ...draft, api: 'anthropic.messages', parameters: { ...draft.parameters, max_tokens: 64 } };
    const sent = await conn.sendRequest(lsp.Resend, { traceId: original, spanId: step1!.spanId, document: JSON.stringify(edited) });
    assert.equal(sent.ok, false);
    assert.equal(sent.status, 404, JSON.stringify(sent));
    assert.match(sent.error!, /The upstream answered 404: .*mock: no route POST \/v1\/messages/);
    const stored = await conn.sendRequest(lsp.GetTrace, { traceId: sent.traceId! });
    assert.equal(stored?.spans[0]?.status, 'error');
    // On the step it was sent from, in words.
    const from = llmSteps((await conn.sendRequest(lsp.GetTrace, { traceId: original }))!).find((s) => s.spanId === step1!.spanId)!;
    const problem = from.problems?.find((p) => p.sessionId === sent.traceId);
    assert.deepEqual(problem && [problem.origin, problem.scope, problem.kind], ['resend', 'started-here', 'upstream']);
    assert.equal(problem!.message, `The re-sent call was answered 404 by the upstream: mock: no route POST /v1/messages (stored as trace ${sent.traceId})`);
  });

  /** Starts a fork at the original's step 2 with its system prompt edited; the agent's env for it. */
  async function forkAtStep2(): Promise<{ step2: SpanDto; sessionId: string; env: NodeJS.ProcessEnv }> {
    const step2 = llmSteps((await conn.sendRequest(lsp.GetTrace, { traceId: original }))!)[1]!;
    const doc = await conn.sendRequest(lsp.ForkDocument, { traceId: original, spanId: step2.spanId, kind: 'system' });
    assert.ok(doc.ok);
    const fork = await conn.sendRequest(lsp.StartFork, { traceId: original, spanId: step2.spanId, kind: 'system', document: JSON.stringify({ ...JSON.parse(doc.document), system: EDITED_SYSTEM }) });
    assert.ok(fork.ok, fork.ok ? '' : fork.error);
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${httpPort}`,
      SAMPLE_AGENT_MODEL_URL: `http://127.0.0.1:${fork.proxyPort}${fork.pathPrefix}/v1`,
      OTEL_RESOURCE_ATTRIBUTES: withForkResourceAttributes(undefined, { traceId: original, spanId: step2.spanId }).value,
    };
    return { step2, sessionId: fork.sessionId, env };
  }

  /** The forked run's trace once its steps are linked to their recordings. */
  const linkedTrace = (traceId: string, steps: number) =>
    eventually(async () => {
      const d = await conn.sendRequest(lsp.GetTrace, { traceId });
      assert.ok(d && d.spans.some((s) => !s.parentSpanId));
      const llm = llmSteps(d);
      assert.equal(llm.length, steps, JSON.stringify(d.spans.map((s) => [s.name, s.kind, s.status, s.duplicateOf])));
      assert.ok(llm.every((s) => s.recording), 'every model step linked to its recorded call');
      return llm;
    });

  it('an upstream 500 at the fork step: the problem is in the report and, the session ended, on the step forked from', async () => {
    const { step2, sessionId, env } = await forkAtStep2();
    openai.failNext = { status: 500, message: 'mock: the model is overloaded' };
    const run = await runSampleAgent(env, { mayFail: true });
    assert.match(run.out, /agent failed/, 'the agent saw the failure');

    const report = (await conn.sendRequest(lsp.ForkReport, { sessionId, end: true }))!;
    const said = /Call 2 of the forked run \(live, \/v1\/chat\/completions\) was answered 500 by the upstream: mock: the model is overloaded/;
    assert.ok(report.problems.some((p) => said.test(p)), report.problems.join(' | '));

    // OpenLLMetry writes no chat span for a call that failed: the forked trace has only the replayed
    // step 1 (clean), and the step forked from is where the failure shows (a step that made a failing
    // call carries it too: see replayProblems.test.ts and the unmatched case below).
    const [forked1] = await linkedTrace(run.traceId, 1);
    assert.equal(forked1!.problems, undefined, 'step 1, replayed cleanly, has none');

    const originalStep = await eventually(async () => {
      const s = llmSteps((await conn.sendRequest(lsp.GetTrace, { traceId: original }))!).find((x) => x.spanId === step2.spanId)!;
      assert.ok(s.problems?.some((p) => p.sessionId === sessionId));
      return s;
    });
    const mine = originalStep.problems!.filter((p) => p.sessionId === sessionId);
    assert.deepEqual(mine.map((p) => [p.origin, p.scope, p.kind]), [['fork', 'started-here', 'upstream']]);
    assert.match(mine[0]!.message, said);
  });

  it('a run whose requests match no recording: each unmatched call is named on its step of the forked trace, the fork point never reached on the step forked from', async () => {
    const { step2, sessionId, env } = await forkAtStep2();
    const before = openai.requests.length;
    const run = await runSampleAgent(env, { args: ['Is it windy in Oslo today?'] });
    assert.equal(openai.requests.length - before, 2, 'both unmatched calls went live');
    const report = (await conn.sendRequest(lsp.ForkReport, { sessionId, end: true }))!;
    assert.deepEqual(report.calls.map((c) => c.outcome), ['unmatched-live', 'unmatched-live']);
    assert.equal(report.forkReached, false);

    const steps = await linkedTrace(run.traceId, 2);
    for (const [i, s] of steps.entries()) {
      assert.ok(s.problems?.length, `forked step ${i + 1} carries its problem`);
      assert.ok(s.problems!.every((p) => p.scope === 'call' && p.kind === 'unmatched'), JSON.stringify(s.problems));
      assert.match(s.problems![0]!.message, new RegExp(`^Call ${i + 1} matches no recorded call before the fork point`));
      assert.ok(s.problems!.some((p) => /Oslo/.test(p.message)), 'says where the conversation differs');
    }
    const mine = await eventually(async () => {
      const s = llmSteps((await conn.sendRequest(lsp.GetTrace, { traceId: original }))!).find((x) => x.spanId === step2.spanId)!;
      const found = s.problems?.filter((p) => p.sessionId === sessionId) ?? [];
      assert.ok(found.length);
      return found;
    });
    assert.deepEqual([...new Set(mine.map((p) => p.kind))], ['unmatched', 'not-asked-again', 'fork-not-reached']);
    assert.ok(mine.every((p) => p.scope === 'started-here' && p.origin === 'fork'));
  });

  it('bad input in a fork: a request that matches no recording is refused (424) and an upstream that is down gives a 502; both are in the report', async () => {
    const detail = (await conn.sendRequest(lsp.GetTrace, { traceId: original }))!;
    const [step1, step2] = llmSteps(detail);
    const doc = await conn.sendRequest(lsp.ForkDocument, { traceId: original, spanId: step2!.spanId, kind: 'system' });
    assert.ok(doc.ok);
    const fork = await conn.sendRequest(lsp.StartFork, { traceId: original, spanId: step2!.spanId, kind: 'system', document: doc.document, onUnmatched: 'fail' });
    assert.ok(fork.ok);
    const url = `http://127.0.0.1:${fork.proxyPort}${fork.pathPrefix}/v1/chat/completions`;
    const post = (body: string) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' } });

    const changed = JSON.parse(step1!.recording!.request.body) as { messages: Array<{ role: string; content: string }> };
    changed.messages.at(-1)!.content = 'Something else entirely?';
    const refused = await post(JSON.stringify(changed));
    assert.equal(refused.status, 424, 'an unmatched call before the fork point is refused, not sent');
    const replayed = await post(step1!.recording!.request.body);
    assert.equal(replayed.status, 200);
    assert.equal(await replayed.text(), step1!.recording!.response.body, 'step 1 answered byte for byte from the recording');

    await openai.close();
    upstreamClosed = true;
    const down = await post(step2!.recording!.request.body);
    assert.equal(down.status, 502);
    assert.match(await down.text(), /could not be reached/);

    const report = await eventually(async () => {
      const r = (await conn.sendRequest(lsp.ForkReport, { sessionId: fork.sessionId }))!;
      assert.ok(r.problems.some((p) => /upstream could not be reached/.test(p)), r.problems.join(' | '));
      return r;
    });
    assert.deepEqual(report.calls.map((c) => c.outcome), ['unmatched-failed', 'replayed', 'fork-edited']);
    assert.ok(report.problems.some((p) => /match/i.test(p)), `the unmatched call is named: ${report.problems.join(' | ')}`);

    // The session ends: the step forked from shows both, the upstream down and the refused call.
    await conn.sendRequest(lsp.ForkReport, { sessionId: fork.sessionId, end: true });
    const onStep = await eventually(async () => {
      const s = llmSteps((await conn.sendRequest(lsp.GetTrace, { traceId: original }))!).find((x) => x.spanId === step2!.spanId)!;
      const mine = s.problems?.filter((p) => p.sessionId === fork.sessionId) ?? [];
      assert.ok(mine.length);
      return mine;
    });
    assert.ok(onStep.some((p) => p.kind === 'unmatched' && /^Call 1 matches no recorded call .* It was answered with an error\./.test(p.message)), JSON.stringify(onStep));
    assert.ok(onStep.some((p) => p.kind === 'upstream' && /^Call 3 of the forked run \(live, \/v1\/chat\/completions\) failed: the upstream could not be reached \(upstream http:\/\/127\.0\.0\.1:\d+ unreachable: E[A-Z]+\)/.test(p.message)), JSON.stringify(onStep));
  });
});
