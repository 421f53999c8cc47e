// Replay and fork through the Anthropic Messages API (issue 10), over the language server as the
// extension drives it: `agent-trace lsp --stdio` with the recording proxy on and the mock Anthropic
// as its upstream; a two-step agent on the real Anthropic SDK (its own OpenTelemetry tracing,
// sending traceparent, content on; step 2 streamed) exports to the server. Then
//   - a fork at step 2 with an edited system prompt: step 1 served from the recording (zero calls
//     at the mock), the edit reaching the upstream at step 2, a new trace linked to the original;
//   - a fork at step 1 with a replacement response and "all stay replayed": zero upstream calls
//     in the whole forked run, step 2 answered from the recording;
//   - in both, the compare of the pair marks the fork step as the first divergence with the edit
//     read from the exact recorded requests (the system prompt change), or the replaced response.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { parseResourceAttributesEnv, withForkResourceAttributes } from '../../src/core/replay';
import type { SpanDto, TraceDetailDto } from '../../src/protocol/dto';
import * as lsp from '../../src/protocol/lsp';
import { MOCK_ANTHROPIC_MODEL, MOCK_ANTHROPIC_TEXT, startMockAnthropic, type MockAnthropic } from '../support/mockAnthropic';
import { startLsp, type LspSession } from '../support/lspProcess';
import { makeTracer } from '../support/otlpClients';
import { ensureBuilt, tempDir } from '../support/serverProcess';
import { eventually } from '../support/waitUntil';

const SYSTEM = 'You are a weather assistant. Today is Monday.';
const EDITED_SYSTEM = 'You are a weather assistant. Answer in French.';
const REPLACED = 'Rainy in Paris (a replacement response).';

const llmSteps = (d: TraceDetailDto): SpanDto[] =>
  d.spans.filter((s) => s.kind === 'llm' && !s.duplicateOf).sort((a, b) => (BigInt(a.startUnixNanos) < BigInt(b.startUnixNanos) ? -1 : 1));

const textOf = (m: Anthropic.Message): string => m.content.map((b) => (b.type === 'text' ? b.text : '')).join('');

describe('replay and fork through the Anthropic Messages API, over the language server', function () {
  this.timeout(120_000);
  let dir: string;
  let lspSession: LspSession;
  let anthropic: MockAnthropic;
  let httpPort: number;
  let proxyPort: number;
  let original: { traceId: string; answers: string[] };

  /** The agent: ask (plain), then follow up with the answer in the history (streamed). Exports its trace before it returns. */
  async function runAgent(baseURL: string, resource: Record<string, string> = {}): Promise<{ traceId: string; answers: string[] }> {
    const client = makeTracer({ protocol: 'http/protobuf', url: `http://127.0.0.1:${httpPort}`, resource: { 'service.name': 'anthropic-weather-agent', ...resource } });
    const sdk = new Anthropic({ apiKey: 'sk-ant-test-not-real', baseURL, maxRetries: 0, openTelemetry: { tracerProvider: client.provider, traces: { contentMode: 'content' } } });
    let traceId = '';
    const answers: string[] = [];
    await client.tracer.startActiveSpan('agent run', async (root) => {
      traceId = root.spanContext().traceId;
      try {
        const ask: Anthropic.MessageParam = { role: 'user', content: 'Weather in Paris?' };
        const first = await sdk.messages.create({ model: MOCK_ANTHROPIC_MODEL, max_tokens: 256, system: SYSTEM, messages: [ask] });
        answers.push(textOf(first));
        const second = await sdk.messages
          .stream({ model: MOCK_ANTHROPIC_MODEL, max_tokens: 256, system: SYSTEM, messages: [ask, { role: 'assistant', content: first.content }, { role: 'user', content: 'And tomorrow?' }] })
          .finalMessage();
        answers.push(textOf(second));
      } finally {
        root.end();
      }
    });
    await client.shutdown();
    return { traceId, answers };
  }

  /** A trace once its two model steps are stored and linked to their recorded calls. */
  const linkedSteps = (traceId: string) =>
    eventually(async () => {
      const d = await lspSession.conn.sendRequest(lsp.GetTrace, { traceId });
      assert.ok(d && d.spans.some((s) => !s.parentSpanId));
      const steps = llmSteps(d);
      assert.equal(steps.length, 2, JSON.stringify(d.spans.map((s) => [s.name, s.kind])));
      assert.ok(steps.every((s) => s.recording), 'both steps linked to their recorded calls');
      return { detail: d, steps };
    });

  const forkResource = (traceId: string, spanId: string): Record<string, string> =>
    Object.fromEntries(parseResourceAttributesEnv(withForkResourceAttributes(undefined, { traceId, spanId }).value));

  before(async () => {
    ensureBuilt();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    dir = tempDir();
    anthropic = await startMockAnthropic();
    lspSession = await startLsp({
      dbPath: path.join(dir, 'traces.db'), workspaceFolders: [dir],
      proxy: { enabled: true, port: 0, upstreams: { openai: anthropic.baseUrl, anthropic: anthropic.baseUrl } },
    });
    const status = await lspSession.conn.sendRequest(lsp.GetStatus);
    httpPort = status.httpPort;
    assert.ok(status.proxyPort, 'the proxy listens');
    proxyPort = status.proxyPort;
    original = await runAgent(`http://127.0.0.1:${proxyPort}`);
    assert.equal(anthropic.requests.length, 2, 'the recorded run made two upstream calls');
    assert.ok(anthropic.headers.every((h) => h.traceparent), 'the SDK sent traceparent');
    const { steps } = await linkedSteps(original.traceId);
    assert.ok(steps.every((s) => s.recording!.link.confidence === 'exact' && s.recording!.provider === 'anthropic'));
    assert.equal(steps[1]!.recording!.streamed, true, 'step 2 recorded as a stream');
  });

  after(async () => {
    await lspSession?.close();
    await anthropic?.close();
    context.disable();
    propagation.disable();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fork at step 2 with an edited system prompt: zero upstream calls for step 1, the edit at step 2, a linked trace', async () => {
    const { steps } = await linkedSteps(original.traceId);
    const step2 = steps[1]!;
    const doc = await lspSession.conn.sendRequest(lsp.ForkDocument, { traceId: original.traceId, spanId: step2.spanId, kind: 'system' });
    assert.ok(doc.ok, doc.ok ? '' : doc.error);
    const edited = JSON.parse(doc.document) as { api: string; system: string };
    assert.equal(edited.api, 'anthropic.messages');
    assert.equal(edited.system, SYSTEM, 'the document is the recorded request');
    const fork = await lspSession.conn.sendRequest(lsp.StartFork, { traceId: original.traceId, spanId: step2.spanId, kind: 'system', document: JSON.stringify({ ...edited, system: EDITED_SYSTEM }) });
    assert.ok(fork.ok, fork.ok ? '' : fork.error);
    assert.deepEqual([fork.recordedCalls, fork.forkAt], [2, 1]);

    const before = anthropic.requests.length;
    const run = await runAgent(`http://127.0.0.1:${fork.proxyPort}${fork.pathPrefix}`, forkResource(original.traceId, step2.spanId));
    assert.equal(anthropic.requests.length - before, 1, 'only step 2 went upstream: zero calls for step 1');
    const sent = anthropic.requests.at(-1) as { system: string; stream: boolean; messages: unknown[] };
    assert.equal(sent.system, EDITED_SYSTEM, 'the edited system prompt reached the upstream');
    assert.equal(sent.stream, true);
    assert.equal(sent.messages.length, 3, 'with the replayed step 1 in its history');
    assert.deepEqual(run.answers, original.answers, "step 1's recorded answer, then the upstream's");

    const report = (await lspSession.conn.sendRequest(lsp.ForkReport, { sessionId: fork.sessionId, end: true }))!;
    assert.deepEqual(report.calls.map((c) => c.outcome), ['replayed', 'fork-edited']);
    assert.deepEqual([report.liveCalls, report.problems], [1, []]);

    const { detail, steps: forked } = await linkedSteps(run.traceId);
    const root = detail.spans.find((s) => !s.parentSpanId)!;
    assert.equal(root.resourceAttributes['agent_trace.fork.of'], original.traceId);
    assert.equal(root.resourceAttributes['agent_trace.fork.step'], step2.spanId);
    assert.deepEqual(root.links.map((l) => [l.traceId, l.spanId, l.attributes['agent_trace.link.kind']]), [[original.traceId, step2.spanId, 'fork']]);
    assert.match(forked[0]!.recording!.upstream, /^replay of recording #\d+$/, 'step 1 of the fork was answered by the proxy');
    assert.equal(forked[0]!.recording!.response.body, steps[0]!.recording!.response.body, 'byte for byte');
    assert.equal(forked[1]!.recording!.upstream, `${anthropic.baseUrl}/v1/messages`);
    // The agent's span says what the agent asked; the exact request says what was sent (the edit).
    assert.equal((JSON.parse(forked[1]!.recording!.request.body) as { system: string }).system, EDITED_SYSTEM);
    assert.equal(forked.some((s) => s.problems), false, 'a clean fork puts no problem on a step');

    // The compare shows the edit at the fork step, though the agent's spans and the answers are the same.
    const compared = await lspSession.conn.sendRequest(lsp.CompareTraces, { traceIdA: original.traceId, traceIdB: run.traceId });
    assert.ok(compared.ok);
    const result = compared.result;
    assert.deepEqual(result.fork, { original: 'a', spanId: step2.spanId });
    const forkRows = result.rows.filter((r) => r.forkStep);
    assert.equal(forkRows.length, 1);
    const forkRow = forkRows[0]!;
    assert.deepEqual([forkRow.a?.spanId, forkRow.b?.spanId, forkRow.changed], [step2.spanId, forked[1]!.spanId, ['edit']], 'only the edit differs there');
    assert.deepEqual(result.firstDivergence, { step: forkRow.step, spanIdA: step2.spanId, spanIdB: forked[1]!.spanId, what: result.firstDivergence?.what });
    assert.match(result.summary, new RegExp(`^run B diverges at step ${forkRow.step}: the fork edited the model call \\(\`[^\`]+\`\\): system prompt changed$`));
    const pair = (await lspSession.conn.sendRequest(lsp.ComparePair, { traceIdA: original.traceId, traceIdB: run.traceId, spanIdA: step2.spanId, spanIdB: forked[1]!.spanId }))!;
    assert.equal(pair.changed[0], 'edit');
    assert.equal(pair.fork?.edit, 'request');
    assert.deepEqual(pair.fork.notes, []);
    assert.deepEqual(pair.fork.request?.changed.map((c) => c.section), ['system'], 'the exact requests differ only in the system prompt');
    const parts = pair.fork.request!.changed[0]!.parts;
    assert.deepEqual([parts.filter((p) => p.op === 'delete').map((p) => p.text), parts.filter((p) => p.op === 'insert').map((p) => p.text)], [[SYSTEM], [EDITED_SYSTEM]]);
  });

  it('fork at step 1 with a replacement response, all later calls kept replayed: zero upstream calls in the forked run', async () => {
    const { steps } = await linkedSteps(original.traceId);
    const step1 = steps[0]!;
    const doc = await lspSession.conn.sendRequest(lsp.ForkDocument, { traceId: original.traceId, spanId: step1.spanId, kind: 'response' });
    assert.ok(doc.ok, doc.ok ? '' : doc.error);
    assert.deepEqual(JSON.parse(doc.document), { text: MOCK_ANTHROPIC_TEXT, toolCalls: [], keepLaterReplayed: false }, 'the recorded answer to edit');
    const fork = await lspSession.conn.sendRequest(lsp.StartFork, {
      traceId: original.traceId, spanId: step1.spanId, kind: 'response', document: JSON.stringify({ text: REPLACED, toolCalls: [], keepLaterReplayed: true }),
    });
    assert.ok(fork.ok, fork.ok ? '' : fork.error);

    const before = anthropic.requests.length;
    const run = await runAgent(`http://127.0.0.1:${fork.proxyPort}${fork.pathPrefix}`, forkResource(original.traceId, step1.spanId));
    assert.equal(anthropic.requests.length, before, 'no upstream call at all');
    assert.deepEqual(run.answers, [REPLACED, original.answers[1]], 'the replacement, read by the SDK; step 2 from the recording');

    const report = (await lspSession.conn.sendRequest(lsp.ForkReport, { sessionId: fork.sessionId, end: true }))!;
    assert.deepEqual(report.calls.map((c) => c.outcome), ['fork-replaced', 'replayed-by-position']);
    assert.equal(report.liveCalls, 0);

    const { detail, steps: forked } = await linkedSteps(run.traceId);
    const root = detail.spans.find((s) => !s.parentSpanId)!;
    assert.equal(root.resourceAttributes['agent_trace.fork.step'], step1.spanId);
    assert.deepEqual(root.links.map((l) => [l.traceId, l.spanId]), [[original.traceId, step1.spanId]]);
    assert.equal(forked[0]!.recording!.upstream, 'replay: synthesized by Agent Trace');
    assert.equal(forked[1]!.recording!.response.body, steps[1]!.recording!.response.body, 'step 2: the recorded stream, byte for byte');
    // Step 2's request now carries the replaced answer, so it was served by position: said on that step.
    assert.deepEqual(forked[1]!.problems?.map((p) => [p.scope, p.kind]), [['call', 'differs']]);
    assert.match(forked[1]!.problems![0]!.message, /^Call 2 differs from the recording after the replaced response and was answered with recorded call 2/);

    // The compare shows the response side of the fork step as the edit: the recorded answer → the replacement.
    const compared = await lspSession.conn.sendRequest(lsp.CompareTraces, { traceIdA: original.traceId, traceIdB: run.traceId });
    assert.ok(compared.ok);
    const forkRow = compared.result.rows.find((r) => r.forkStep)!;
    assert.deepEqual([forkRow.a?.spanId, forkRow.b?.spanId, compared.result.firstDivergence?.step], [step1.spanId, forked[0]!.spanId, forkRow.step]);
    assert.match(compared.result.summary, /: the fork edited the model call \(`[^`]+`\): the response was replaced$/);
    const pair = (await lspSession.conn.sendRequest(lsp.ComparePair, { traceIdA: original.traceId, traceIdB: run.traceId, spanIdA: step1.spanId, spanIdB: forked[0]!.spanId }))!;
    assert.equal(pair.fork?.edit, 'response');
    assert.deepEqual(pair.fork.response, [{ op: 'delete', text: MOCK_ANTHROPIC_TEXT }, { op: 'insert', text: REPLACED }]);
    assert.deepEqual(pair.fork.request?.changed, [], 'the agent asked the same');
  });
});
