// Evaluation results sent by the agent, end to end with real parts: `agent-trace serve` (its own
// process, a real SQLite file, a checks file with a threshold) receives spans and log records from
// the official OpenTelemetry exporters. Results arrive as span events, as log records before and
// after the span they name, and as log records naming only a gen_ai.response.id (before and after
// that model call). Each shows on the step it evaluates (`show --json`), counts like a check
// (`list --json`, the failed-checks filter), gates `agent-trace check --fail`, and MCP
// check_results returns it. A changed threshold judges the stored results again.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { canonicalize } from '../../src/core/canonicalize';
import type { EvaluationDto, TraceDetailDto, TraceSummaryDto } from '../../src/protocol/dto';
import { AgentAccess } from '../../src/server/mcp/agentAccess';
import { TraceStore } from '../../src/store/traceStore';
import { makeLogger, makeTracer } from '../support/otlpClients';
import { ensureBuilt, runCli, serve, tempDir, type ServeHandle } from '../support/serverProcess';
import { eventually, waitUntil } from '../support/waitUntil';

const EVAL = 'gen_ai.evaluation.result';
const attrs = (name: string, o: { value?: number; label?: string; explanation?: string; responseId?: string }) => ({
  'gen_ai.evaluation.name': name,
  ...(o.value !== undefined ? { 'gen_ai.evaluation.score.value': o.value } : {}),
  ...(o.label !== undefined ? { 'gen_ai.evaluation.score.label': o.label } : {}),
  ...(o.explanation !== undefined ? { 'gen_ai.evaluation.explanation': o.explanation } : {}),
  ...(o.responseId !== undefined ? { 'gen_ai.response.id': o.responseId } : {}),
});

describe('evaluation results: agent → serve → step, counts, check, MCP', function () {
  this.timeout(120_000);
  let dir: string;
  let db: string;
  let checksFile: string;
  let server: ServeHandle;
  let traceId = '';
  const ids = { root: '', chatA: '', chatB: '' };

  before(async () => {
    ensureBuilt();
    dir = tempDir();
    db = path.join(dir, 'traces.db');
    checksFile = path.join(dir, 'checks.yaml');
    fs.writeFileSync(checksFile, ['checks:', '  - { name: no errors, kind: no_errors }', 'evaluations:', '  relevance: { minScore: 0.7 }'].join('\n'));
    server = await serve({ db, extra: ['--checks', checksFile] });
    await waitUntil('serve reads the checks file', () => /Checks: 1 from /.test(server.stderr()));
    const url = `http://127.0.0.1:${server.httpPort}`;
    const tracer = makeTracer({ protocol: 'http/protobuf', url, resource: { 'service.name': 'eval-agent' } });
    const logger = makeLogger({ protocol: 'http/protobuf', url, resource: { 'service.name': 'eval-agent' } });

    const root = tracer.tracer.startSpan('invoke_agent weather', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather' } });
    const rootCtx = trace.setSpan(context.active(), root);
    const chat = (responseId: string) =>
      tracer.tracer.startSpan('chat gpt-4o-mini', {
        attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.response.id': responseId, 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5 },
      }, rootCtx);
    const chatA = chat('chatcmpl-A');
    const chatB = chat('chatcmpl-B');
    traceId = root.spanContext().traceId;
    ids.root = root.spanContext().spanId;
    ids.chatA = chatA.spanContext().spanId;
    ids.chatB = chatB.spanContext().spanId;

    // Before any span is exported: one log record names chat A by span id, one names chat B only by its response id.
    logger.logger.emit({ eventName: EVAL, context: trace.setSpan(ROOT_CONTEXT, chatA), attributes: attrs('correctness', { label: 'incorrect', explanation: 'says <b>Lyon</b>' }) });
    logger.logger.emit({ eventName: EVAL, context: ROOT_CONTEXT, attributes: attrs('relevance', { value: 0.5, responseId: 'chatcmpl-B' }) });
    await logger.flush();
    assert.ok(logger.outcomes.every((o) => o.code === 0), 'the early log records were accepted');

    // A span event on chat A (informational: a score without a threshold).
    chatA.addEvent(EVAL, attrs('goal_completion', { value: 0.9 }));
    chatA.end();
    chatB.end();
    root.end();
    await tracer.flush();
    assert.ok(tracer.outcomes.length > 0 && tracer.outcomes.every((o) => o.code === 0), 'the spans were accepted');

    // After the spans: one names the root by span id, one names chat A only by its response id.
    logger.logger.emit({ eventName: EVAL, context: trace.setSpan(ROOT_CONTEXT, root), attributes: attrs('helpfulness', { label: 'pass' }) });
    logger.logger.emit({ eventName: EVAL, context: ROOT_CONTEXT, attributes: attrs('tone', { label: 'good', responseId: 'chatcmpl-A' }) });
    await logger.flush();
    assert.ok(logger.outcomes.every((o) => o.code === 0), 'the late log records were accepted');
    await tracer.shutdown();
    await logger.shutdown();
  });

  after(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const show = (): TraceDetailDto => {
    const r = runCli(['show', traceId, '--json', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as TraceDetailDto;
  };
  const namesOn = (d: TraceDetailDto, spanId: string) => (d.spans.find((s) => s.spanId === spanId)?.evaluations ?? []).map((e) => `${e.name}:${e.outcome}`).sort();

  it('shows each result on the step it evaluates, whichever arrived first', async () => {
    const detail = await eventually(() => {
      const d = show();
      assert.deepEqual(namesOn(d, ids.chatA), ['correctness:fail', 'goal_completion:info', 'tone:pass']);
      assert.deepEqual(namesOn(d, ids.chatB), ['relevance:fail'], 'linked by response id, the result having come first');
      assert.deepEqual(namesOn(d, ids.root), ['helpfulness:pass']);
      return d;
    });
    const correctness = detail.spans.find((s) => s.spanId === ids.chatA)!.evaluations!.find((e) => e.name === 'correctness') as EvaluationDto;
    assert.equal(correctness.explanation, 'says <b>Lyon</b>', 'explanations are kept as sent (the views render text)');
    assert.equal(correctness.source, 'log-record');
  });

  it('counts pass/fail results like checks: list --json and the failed-checks filter', async () => {
    await eventually(() => {
      const r = runCli(['list', '--json', '--db', db]);
      const t = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as TraceSummaryDto).find((x) => x.traceId === traceId);
      // no errors (check) + helpfulness + tone passed; correctness + relevance failed; goal_completion is informational.
      assert.deepEqual(t?.checks, { passed: 3, failed: 2, errors: 0 });
    });
    const store = TraceStore.open(db, { canonicalize: (s) => canonicalize(s), readonly: true });
    try {
      assert.deepEqual(store.listTraces({ failedChecksOnly: true }).map((t) => t.traceId), [traceId]);
      assert.deepEqual([...store.evaluations.evaluationCountsForTraces([traceId, 'f'.repeat(32)])], [[traceId, { passed: 2, failed: 2, info: 1 }]]);
    } finally {
      store.close();
    }
  });

  it('agent-trace check reports failed results and exits 1 with --fail', () => {
    const r = runCli(['check', '--checks', checksFile, '--fail', '--db', db]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /FAIL {2}evaluation correctness \(incorrect\): says <b>Lyon<\/b>/);
    assert.match(r.stdout, /FAIL {2}evaluation relevance 0\.5/);
    const json = runCli(['check', '--checks', checksFile, '--json', '--db', db]);
    const line = JSON.parse(json.stdout.split('\n')[0]) as { counts: object; evaluations: EvaluationDto[] };
    assert.deepEqual(line.counts, { passed: 3, failed: 2, errors: 0 });
    assert.equal(line.evaluations.length, 5);
    // The same results judged by another file: no threshold for relevance, so 0.5 says nothing.
    const lenient = path.join(dir, 'lenient.json');
    fs.writeFileSync(lenient, JSON.stringify({ evaluations: { tone: { minScore: 0 } } }));
    const other = JSON.parse(runCli(['check', '--checks', lenient, '--json', '--db', db]).stdout.split('\n')[0]) as { counts: object };
    assert.deepEqual(other.counts, { passed: 2, failed: 1, errors: 0 });
  });

  it('MCP check_results returns the results with the step they are about', () => {
    const store = TraceStore.open(db, { canonicalize: (s) => canonicalize(s), readonly: true });
    try {
      const access = new AgentAccess({ store: () => store, policy: () => null, tokenBudget: 8000, countTokens: (t) => Math.ceil(t.length / 4) });
      const one = JSON.parse(access.checkResults({ traceId }).text) as { evaluations: { evaluation: string; outcome: string; stepId: string }[] };
      assert.deepEqual(one.evaluations.filter((e) => e.outcome === 'fail').map((e) => [e.evaluation, e.stepId]).sort(), [['correctness', ids.chatA], ['relevance', ids.chatB]]);
      const all = JSON.parse(access.checkResults({}).text) as { traces: { traceId: string; failedEvaluations: unknown[] }[] };
      assert.equal(all.traces.find((t) => t.traceId === traceId)?.failedEvaluations.length, 2);
    } finally {
      store.close();
    }
  });

  it('a changed threshold judges the stored results again', async () => {
    fs.writeFileSync(checksFile, ['checks:', '  - { name: no errors, kind: no_errors }', 'evaluations:', '  relevance: { minScore: 0.4 }'].join('\n'));
    await eventually(() => assert.deepEqual(namesOn(show(), ids.chatB), ['relevance:pass']), 30_000);
  });
});
