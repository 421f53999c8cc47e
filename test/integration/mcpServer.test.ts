// `agent-trace mcp` as a coding agent meets it: the SDK's MCP client starts the built CLI as a
// process against a real SQLite store holding the sample agent's trace, lists the tools and
// calls each one. Nothing planted (API key, email) leaves with the defaults; everything does
// with --no-redact; answers fit the token budget even on a 10,000-step trace.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { countTokens } from 'gpt-tokenizer';
import { decodeTracesProto, encodeOtlpJson } from '../../src/core/otlp';
import type { RawSpan } from '../../src/core/model';
import { buildSampleAgentLib, runSampleAgent, SAMPLE_AGENT, startOtlpSink } from '../e2e/helpers';
import { CLI, ensureBuilt, runCli, tempDir } from '../support/serverProcess';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { USER_SECRETS } = require(path.join(SAMPLE_AGENT, 'tools.js')) as { USER_SECRETS: { apiKey: string; email: string } };

interface Answer {
  isError: boolean;
  text: string;
  json: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function connect(args: string[], cwd: string): Promise<{ call: (name: string, a?: Record<string, unknown>) => Promise<Answer>; client: Client; close: () => Promise<void> }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', ...args], cwd, stderr: 'pipe' });
  const client = new Client({ name: 'agent-trace-test', version: '1.0.0' });
  await client.connect(transport);
  const call = async (name: string, a: Record<string, unknown> = {}): Promise<Answer> => {
    const r = (await client.callTool({ name, arguments: a })) as { isError?: boolean; content: { type: string; text: string }[] };
    const text = r.content.map((c) => c.text).join('\n');
    let json = {};
    try {
      json = JSON.parse(text);
    } catch {
      /* error answers are plain text */
    }
    return { isError: !!r.isError, text, json };
  };
  return { call, client, close: () => client.close() };
}

function manySpans(traceId: string, count: number): RawSpan[] {
  const base = 1764230400000000000n;
  const spans: RawSpan[] = [];
  const mk = (i: number, parent: string | null, name: string, attrs: RawSpan['attributes'], error = false, ms = 10): RawSpan => ({
    traceId,
    spanId: (i + 1).toString(16).padStart(16, '0'),
    parentSpanId: parent,
    name,
    kind: 'internal',
    startUnixNanos: String(base + BigInt(i) * 1_000_000n),
    endUnixNanos: String(base + BigInt(i) * 1_000_000n + BigInt(ms) * 1_000_000n),
    status: error ? { code: 'error', message: `tool failed at step ${i}` } : { code: 'unset', message: '' },
    attributes: attrs,
    events: [],
    links: [],
    resource: { 'service.name': 'big-agent' },
    scope: { name: 't', version: '1' },
  });
  spans.push(mk(0, null, 'invoke_agent big', { 'gen_ai.operation.name': 'invoke_agent' }, false, count * 2));
  const root = spans[0].spanId;
  const huge = 'lorem ipsum dolor sit amet '.repeat(4000) + `key ${USER_SECRETS.apiKey}`;
  for (let i = 1; i < count; i++) {
    const isLlm = i % 2 === 0;
    const parent = i < 100 ? root : spans[1 + ((i - 100) % 99)].spanId;
    const attrs: RawSpan['attributes'] = isLlm
      ? {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.usage.input_tokens': i === 7778 ? 900_000 : 100,
          'gen_ai.usage.output_tokens': 20,
          ...(i === 4242 ? { 'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: huge }] }]) } : {}),
        }
      : { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': `tool_${i % 7}` };
    spans.push(mk(i, parent, isLlm ? 'chat gpt-4o-mini' : `execute_tool tool_${i % 7}`, attrs, i === 5001 || i === 9001, i === 3333 ? 60_000 : 10));
  }
  return spans;
}

describe('agent-trace mcp (MCP server over stdio)', function () {
  this.timeout(180_000);
  let dir: string;
  let db: string;
  let traceId: string;
  /** A second run of the sample agent, asked another question (no secrets in it). */
  let otherTraceId: string;
  const bigTrace = 'ab'.repeat(16);

  before(async () => {
    ensureBuilt();
    dir = tempDir('agent-trace-mcp-');
    db = path.join(dir, 'traces.db');
    await buildSampleAgentLib();
    const sink = await startOtlpSink();
    const spans: RawSpan[] = [];
    try {
      const run = await runSampleAgent(SAMPLE_AGENT, sink.endpoint);
      assert.equal(run.code, 0, run.stderr);
      traceId = run.traceId!;
      const other = await runSampleAgent(SAMPLE_AGENT, sink.endpoint, {}, 'Will it rain in Lyon tomorrow?');
      assert.equal(other.code, 0, other.stderr);
      otherTraceId = other.traceId!;
      for (const { body } of sink.bodies) spans.push(...decodeTracesProto(body).spans);
    } finally {
      await sink.close();
    }
    const sample = path.join(dir, 'sample.json');
    fs.writeFileSync(sample, JSON.stringify(encodeOtlpJson(spans)));
    assert.equal(runCli(['import', sample, '--db', db]).code, 0);
    const big = path.join(dir, 'big.json');
    fs.writeFileSync(big, JSON.stringify(encodeOtlpJson(manySpans(bigTrace, 10_000))));
    const r = runCli(['import', big, '--db', db]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists every tool with an input schema and a description that says when to use it', async () => {
    const s = await connect(['--db', db], dir);
    try {
      const { tools } = await s.client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ['check_results', 'compare_runs', 'get_step', 'get_trace', 'list_traces', 'redaction_findings', 'search', 'source_of_step']);
      for (const t of tools) {
        assert.equal(t.inputSchema.type, 'object', t.name);
        assert.ok((t.description ?? '').length > 80, `${t.name} has a description a model can act on`);
      }
      assert.deepEqual((tools.find((t) => t.name === 'get_step')!.inputSchema.required ?? []).sort(), ['stepId', 'traceId']);
    } finally {
      await s.close();
    }
  });

  it('answers every tool on the sample trace with nothing planted leaking, and says it redacted', async () => {
    const s = await connect(['--db', db], dir);
    const outputs: string[] = [];
    const call = async (name: string, a: Record<string, unknown> = {}) => {
      const r = await s.call(name, a);
      outputs.push(r.text);
      assert.equal(r.isError, false, `${name}: ${r.text}`);
      assert.equal(r.json.redaction.redacted, true, name);
      assert.ok(r.json.tokens <= 8000 && countTokens(r.text) <= 8000, `${name} fits the default budget`);
      return r.json;
    };
    try {
      const list = await call('list_traces', { text: 'weather' });
      assert.ok(list.traces.some((t: { traceId: string }) => t.traceId === traceId), JSON.stringify(list));
      const trace = await call('get_trace', { traceId });
      assert.equal(trace.tree.foldedSteps, 0);
      const steps = trace.stepsShown as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
      const llm = steps.find((st) => st.kind === 'llm' && st.inputTokens)!;
      assert.ok(llm, JSON.stringify(steps));
      for (const key of ['kind', 'name', 'durationMs', 'inputTokens', 'outputTokens', 'costUsd', 'status', 'source']) assert.ok(key in llm, key);
      assert.ok(steps.some((st) => typeof st.source === 'string' && /agent\.js:\d+$/.test(st.source)), 'steps carry file:line');
      const step = await call('get_step', { traceId, stepId: llm.stepId, includeAttributes: true });
      assert.ok(step.content.some((c: { section: string }) => c.section === 'message'));
      assert.ok(step.redaction.maskedValues > 0, 'the planted key and email were masked and counted');
      assert.ok(JSON.stringify(step).includes('[REDACTED:'), 'the mask is visible');
      const tool = steps.find((st) => st.kind === 'tool')!;
      const toolStep = await call('get_step', { traceId, stepId: tool.stepId });
      assert.ok(toolStep.content.some((c: { section: string }) => c.section === 'tool.arguments'));
      const hits = await call('search', { text: 'umbrella' });
      assert.ok(hits.hits.length > 0);
      await call('search', { text: USER_SECRETS.email });
      const findings = await call('redaction_findings', { traceId });
      assert.ok(findings.findingsShown.some((f: { category: string }) => f.category === 'secret'));
      assert.ok(findings.findingsShown.some((f: { type: string }) => f.type === 'email'));
      const checks = await call('check_results', { traceId });
      assert.deepEqual(checks.results, [], 'no checks file in this workspace: no results');
      assert.match(checks.note, /\.agent-trace\/checks\.json/);
      const src = await call('source_of_step', { traceId, stepId: tool.stepId });
      assert.match(src.source.file, /agent\.js$/);
      assert.ok(Number.isInteger(src.source.line));
      // The question differs, so the runs diverge at the first model call; its word diff shows
      // run A's question, whose key and email must come out masked.
      const cmp = await call('compare_runs', { traceIdA: traceId, traceIdB: otherTraceId });
      assert.match(cmp.summary, /diverges at step \d+/);
      assert.ok(cmp.firstDivergence, JSON.stringify(cmp));
      assert.ok(cmp.differingSteps.length > 0 && cmp.differingSteps.every((r: { status: string }) => r.status !== 'same'));
      assert.ok(cmp.totals.some((t: { metric: string }) => t.metric === 'costUsd'));
      assert.ok(JSON.stringify(cmp.differingSteps).includes('[REDACTED:'), 'the diff shows the masked question');
    } finally {
      await s.close();
    }
    const all = outputs.join('\n');
    assert.ok(!all.includes(USER_SECRETS.apiKey), 'the API key left through MCP');
    assert.ok(!all.includes(USER_SECRETS.apiKey.slice(8, 28)), 'a 20-character run of the key left through MCP');
    assert.ok(!all.includes(USER_SECRETS.email), 'the email left through MCP');
  });

  it('with --no-redact the same answers carry the planted values, and say they are not redacted', async () => {
    const s = await connect(['--db', db, '--no-redact'], dir);
    try {
      const trace = await s.call('get_trace', { traceId });
      const llm = trace.json.stepsShown.find((st: { kind: string; inputTokens: number | null }) => st.kind === 'llm' && st.inputTokens);
      const step = await s.call('get_step', { traceId, stepId: llm.stepId });
      assert.equal(step.json.redaction.redacted, false);
      assert.ok(step.text.includes(USER_SECRETS.apiKey) && step.text.includes(USER_SECRETS.email));
    } finally {
      await s.close();
    }
  });

  it('keeps a 10,000-step trace within the budget: summarized, error path and expensive steps kept', async () => {
    const s = await connect(['--db', db, '--token-budget', '4000'], dir);
    try {
      const r = await s.call('get_trace', { traceId: bigTrace });
      assert.equal(r.isError, false, r.text);
      assert.ok(countTokens(r.text) <= 4000, `get_trace took ${countTokens(r.text)} tokens`);
      const t = r.json;
      assert.equal(t.tree.totalSteps, 10_000);
      assert.ok(t.tree.foldedSteps > 9_000, JSON.stringify(t.tree));
      // Every page together covers the kept rows; the first page already has the errors and the costliest steps.
      const shown: Array<{ stepId: string; status: string; folded?: { steps: number } }> = [...t.stepsShown];
      let cursor = t.nextCursor;
      while (cursor) {
        const next = await s.call('get_trace', { traceId: bigTrace, cursor });
        assert.ok(countTokens(next.text) <= 4000);
        shown.push(...next.json.stepsShown);
        cursor = next.json.nextCursor;
      }
      assert.equal(shown.length, t.tree.shownSteps);
      assert.ok(shown.length < 200, `${shown.length} rows`);
      const ids = new Set(shown.map((x) => x.stepId));
      for (const i of [5001, 9001, 7778, 3333]) assert.ok(ids.has((i + 1).toString(16).padStart(16, '0')), `step ${i} kept`);
      assert.equal(shown.reduce((n, x) => n + (x.folded?.steps ?? 0), 0), t.tree.foldedSteps, 'every folded step is counted somewhere');

      // A step with a 100,000-character prompt is read part by part, every part within the budget.
      let stepCursor: string | null = null;
      let parts = 0;
      let text = '';
      do {
        const st: Answer = await s.call('get_step', { traceId: bigTrace, stepId: (4242 + 1).toString(16).padStart(16, '0'), ...(stepCursor ? { cursor: stepCursor } : {}) });
        assert.equal(st.isError, false, st.text);
        assert.ok(countTokens(st.text) <= 4000, `part ${parts} took ${countTokens(st.text)} tokens`);
        text += st.json.content.map((c: { text: string }) => c.text ?? '').join('');
        stepCursor = st.json.nextCursor;
        parts++;
      } while (stepCursor && parts < 100);
      assert.ok(parts > 1, 'the long prompt was split');
      assert.ok(text.includes('[REDACTED:') && !text.includes(USER_SECRETS.apiKey));
      const list = await s.call('list_traces', {});
      assert.ok(countTokens(list.text) <= 4000);
    } finally {
      await s.close();
    }
  });

  it('keeps every other tool within the budget on the 10,000-step trace, paging what does not fit', async () => {
    const s = await connect(['--db', db, '--token-budget', '4000'], dir);
    /** Follows nextCursor to the end; every page must fit and say how much it masked. */
    const allPages = async (tool: string, args: Record<string, unknown>, rowsOf: (j: Record<string, any>) => unknown[]) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const rows: unknown[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r: Answer = await s.call(tool, { ...args, ...(cursor ? { cursor } : {}) });
        assert.equal(r.isError, false, `${tool}: ${r.text.slice(0, 300)}`);
        assert.ok(countTokens(r.text) <= 4000, `${tool} page ${pages} took ${countTokens(r.text)} tokens`);
        assert.equal(typeof r.json.redaction.maskedValues, 'number', `${tool} says how many values it masked`);
        rows.push(...rowsOf(r.json));
        cursor = r.json.nextCursor ?? null;
        pages++;
      } while (cursor && pages < 500);
      assert.equal(cursor, null, `${tool}: more than 500 pages`);
      return { rows, pages };
    };
    try {
      // The big trace against the sample run: nearly every step differs. The first page already
      // gives their shape, counted by kind and name; the rows themselves are paged.
      const first = await s.call('compare_runs', { traceIdA: traceId, traceIdB: bigTrace });
      assert.equal(first.isError, false, first.text.slice(0, 300));
      assert.ok(countTokens(first.text) <= 4000, `compare_runs took ${countTokens(first.text)} tokens`);
      const groups = first.json.differingByStep as { groups: Array<{ status: string; kind: string; name: string; steps: number }>; otherSteps: number };
      const grouped = groups.groups.reduce((n, g) => n + g.steps, 0) + groups.otherSteps;
      assert.ok(grouped > 9_000, JSON.stringify(groups));
      assert.ok(groups.groups.some((g) => g.status === 'added' && g.kind === 'llm' && g.name === 'chat gpt-4o-mini' && g.steps > 4_000), JSON.stringify(groups));
      let cursor = first.json.nextCursor as string;
      for (let page = 0; page < 3; page++) {
        assert.ok(cursor, 'more differing steps to page through');
        const next = await s.call('compare_runs', { traceIdA: traceId, traceIdB: bigTrace, cursor });
        assert.equal(next.isError, false, next.text.slice(0, 300));
        assert.ok(countTokens(next.text) <= 4000 && next.json.differingSteps.length > 0);
        assert.ok(next.json.differingSteps[0].step > first.json.differingSteps.at(-1).step, 'the next page goes on where the last one stopped');
        cursor = next.json.nextCursor;
      }
      const findings = await allPages('redaction_findings', { traceId: bigTrace }, (j) => j.findingsShown);
      assert.ok(findings.rows.length >= 1, 'the key planted in the long prompt is found');
      assert.ok(!JSON.stringify(findings.rows).includes(USER_SECRETS.apiKey));
      const hits = await allPages('search', { text: 'tool_3', limit: 200 }, (j) => j.hits);
      assert.ok(hits.rows.length > 0);
      const checks = await s.call('check_results', { traceId: bigTrace });
      assert.equal(checks.isError, false, checks.text);
      assert.ok(countTokens(checks.text) <= 4000);
      const src = await s.call('source_of_step', { traceId: bigTrace, stepId: (5001 + 1).toString(16).padStart(16, '0') });
      assert.equal(src.isError, false, src.text);
      assert.ok(countTokens(src.text) <= 4000);
    } finally {
      await s.close();
    }
  });

  it('answers bad input with an error result and a clear reason, and keeps serving', async () => {
    const s = await connect(['--db', db], dir);
    try {
      const unknown = await s.call('get_trace', { traceId: 'cd'.repeat(16) });
      assert.equal(unknown.isError, true);
      assert.match(unknown.text, /No trace with id cdcd/);
      const badStep = await s.call('get_step', { traceId, stepId: 'ffffffffffffffff' });
      assert.equal(badStep.isError, true);
      assert.match(badStep.text, /has no step ffffffffffffffff/);
      const tooMany = await s.call('list_traces', { limit: 1_000_000 });
      assert.equal(tooMany.isError, true);
      assert.match(tooMany.text, /limit/);
      const farCursor = await s.call('list_traces', { cursor: '99999999' });
      assert.equal(farCursor.isError, true);
      assert.match(farCursor.text, /past the end/);
      const hugeCursor = await s.call('search', { text: 'weather', cursor: '9'.repeat(5000) });
      assert.equal(hugeCursor.isError, true);
      const ok = await s.call('list_traces', {});
      assert.equal(ok.isError, false, 'still serving');
    } finally {
      await s.close();
    }
  });

  it('a store that cannot be opened, or an invalid policy, is an error result with the reason', async () => {
    const missing = await connect(['--db', path.join(dir, 'nope', 'traces.db')], dir);
    try {
      const r = await missing.call('list_traces', {});
      assert.equal(r.isError, true);
      assert.match(r.text, /trace store cannot be opened: no trace database at/);
    } finally {
      await missing.close();
    }
    const policy = path.join(dir, 'bad-policy.json');
    fs.writeFileSync(policy, '{ "rules": [ { "pattern": "/(a+)+$/" ');
    const bad = await connect(['--db', db, '--policy', policy], dir);
    try {
      const r = await bad.call('get_trace', { traceId });
      assert.equal(r.isError, true);
      assert.match(r.text, /redaction policy .* (has errors|cannot be read)/);
      assert.ok(!r.text.includes(USER_SECRETS.apiKey));
    } finally {
      await bad.close();
    }
  });
});
