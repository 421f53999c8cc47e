// The sampling lab through the language server (what the lab panel asks): spans sent over
// OTLP/HTTP to `agent-trace lsp --stdio`, then agentTrace/previewSampling (verdict, groups,
// policy statuses, YAML errors at their lines, time range, batches, traces arriving later),
// agentTrace/suggestSampling (percent and traces/s budgets) and agentTrace/traceHealth; and
// `agent-trace health --json` on the same kind of batch through the CLI.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HealthReport } from '../../src/core/health';
import type { RawSpan } from '../../src/core/model';
import { encodeOtlpJson } from '../../src/core/otlp';
import type { SamplingPreviewDto, TraceHealthDto } from '../../src/protocol/dto';
import * as lsp from '../../src/protocol/lsp';
import { postSpans } from '../support/postSpans';
import { startLsp, type LspSession } from '../support/lspProcess';
import { ensureBuilt, runCli, tempDir } from '../support/serverProcess';
import { eventually } from '../support/waitUntil';

const NOW_NS = BigInt(Date.now()) * 1_000_000n;
const SEC = 1_000_000_000n;

interface RunOptions {
  tools?: string[];
  failed?: boolean;
  /** Start, seconds before now. */
  ago: number;
  batch?: string;
  conversation?: string;
  /** Extra spans: an orphan, an LLM call without usage, a span name with an id. */
  extra?: 'orphan' | 'no-usage' | 'id-name';
  durationS?: number;
}

function run(traceId: string, o: RunOptions): RawSpan[] {
  const start = NOW_NS - BigInt(o.ago) * SEC;
  const end = start + BigInt(o.durationS ?? 1) * SEC;
  const base = (n: number, over: Partial<RawSpan>): RawSpan => ({
    traceId,
    spanId: (n + 1).toString(16).padStart(16, '0'),
    parentSpanId: n === 0 ? null : '0000000000000001',
    name: 'invoke_agent helper',
    kind: 'internal',
    startUnixNanos: String(start + BigInt(n) * 1_000_000n),
    endUnixNanos: String(n === 0 ? end : start + BigInt(n + 1) * 1_000_000n),
    status: { code: 'ok', message: '' },
    attributes: {},
    events: [],
    links: [],
    resource: { 'service.name': 'helper-agent', ...(o.batch ? { 'agent_trace.batch': o.batch } : {}) },
    scope: { name: 'test', version: '1' },
    ...over,
  });
  const spans = [
    base(0, {
      attributes: { 'gen_ai.operation.name': 'invoke_agent', ...(o.conversation ? { 'gen_ai.conversation.id': o.conversation } : {}) },
      status: o.failed ? { code: 'error', message: 'agent gave up' } : { code: 'ok', message: '' },
    }),
    ...(o.tools ?? ['search']).map((tool, i) => base(i + 1, { name: `execute_tool ${tool}`, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool } })),
  ];
  const n = spans.length;
  if (o.extra === 'orphan') spans.push(base(n, { name: 'lost child', parentSpanId: 'deadbeefdeadbeef' }));
  if (o.extra === 'no-usage') spans.push(base(n, { name: 'chat gpt-4o-mini', attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.provider.name': 'openai' } }));
  if (o.extra === 'id-name') spans.push(base(n, { name: `GET /orders/${100_000 + Number.parseInt(traceId.slice(-4), 16)}` }));
  return spans;
}

const id = (prefix: string, i: number) => prefix + i.toString(16).padStart(32 - prefix.length, '0');

/** A batch: 20 plain runs (one a second), 4 failed runs, 2 loops, one run three hours old; health problems planted. */
function batch(): RawSpan[] {
  const spans: RawSpan[] = [];
  for (let i = 0; i < 20; i++) spans.push(...run(id('a', i), { ago: 100 - i, batch: 'nightly-1', tools: ['search', 'answer'], extra: i < 3 ? 'id-name' : undefined }));
  for (let i = 0; i < 4; i++) spans.push(...run(id('e', i), { ago: 70 - i, batch: 'nightly-2', failed: true, extra: i === 0 ? 'orphan' : i === 1 ? 'no-usage' : undefined }));
  for (let i = 0; i < 2; i++) spans.push(...run(id('c', i), { ago: 60 - i * 10, tools: ['search', 'search', 'search', 'search'], batch: 'nightly-2' }));
  // One conversation whose second trace ran inside the first (context lost across a call).
  spans.push(...run(id('d', 1), { ago: 40, durationS: 20, conversation: 'conv-7' }));
  spans.push(...run(id('d', 2), { ago: 35, conversation: 'conv-7' }));
  spans.push(...run(id('f', 0), { ago: 3 * 3600, failed: true }));
  return spans;
}

const TAIL = (policies: string[]) => ['processors:', '  tail_sampling:', '    policies:', ...policies].join('\n') + '\n';
const KEEP_ERRORS = ['      - name: keep-errors', '        type: status_code', '        status_code: { status_codes: [ERROR] }'];

describe('language server: sampling lab and trace health', function () {
  this.timeout(60_000);
  let dir: string;
  let server: LspSession | undefined;
  let conn: LspSession['conn'];
  let httpPort: number;

  const preview = async (policyText: string | null, extra: Partial<Parameters<typeof conn.sendRequest<typeof lsp.PreviewSampling>>[1]> = {}): Promise<SamplingPreviewDto> => {
    const r = await conn.sendRequest(lsp.PreviewSampling, { range: 'all', policyText, ...extra });
    assert.ok(r.ok, JSON.stringify(r));
    return r.preview;
  };

  before(async () => {
    ensureBuilt();
    dir = tempDir();
    server = await startLsp({ dbPath: path.join(dir, 'traces.db'), workspaceFolders: [dir] });
    conn = server.conn;
    ({ httpPort } = await conn.sendRequest(lsp.GetStatus));
    assert.equal(await postSpans(httpPort, batch()), 200);
    await eventually(async () => assert.equal((await conn.sendRequest(lsp.GetStatus)).traceCount, 29));
  });

  after(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('previews a policy: the verdict, kept against all per group, the deciding policy per trace', async () => {
    const p = await preview(TAIL([...KEEP_ERRORS]));
    assert.equal(p.processor, 'tail_sampling');
    assert.equal(p.traces, 29);
    assert.equal(p.kept, 5);
    assert.equal(p.sentence, 'This policy keeps 5 of 29 trace(s); it keeps all 5 error traces and drops all 2 runs where the agent looped.');
    const loops = p.groups.find((g) => g.group === 'loops')!;
    assert.deepEqual([loops.kept, loops.total, [...loops.lostTraceIds].sort()], [0, 2, [id('c', 0), id('c', 1)]]);
    const row = p.rows.find((r) => r.traceId === id('e', 2))!;
    assert.deepEqual([row.kept, row.decidedBy, row.errorCount > 0, row.loop], [true, 'keep-errors', true, false]);
    assert.equal(p.rows.find((r) => r.traceId === id('c', 0))!.loop, true);
    assert.deepEqual(p.policies, [{ name: 'keep-errors', type: 'status_code', line: 4, status: 'simulated', note: null, decided: 5 }]);
    assert.ok(p.observedPerSecond !== null && p.observedPerSecond > 0);
  });

  it('answers invalid YAML and a missing processor with errors at their lines', async () => {
    // A stray closing brace on line 6.
    const bad = await conn.sendRequest(lsp.PreviewSampling, { range: 'all', policyText: TAIL([...KEEP_ERRORS.slice(0, 2), KEEP_ERRORS[2] + '}']) });
    assert.equal(bad.ok, false);
    assert.ok(!bad.ok && bad.errors[0].line === 6 && /invalid YAML: Unexpected flow-map-end/.test(bad.errors[0].message), JSON.stringify(bad));
    const none = await conn.sendRequest(lsp.PreviewSampling, { range: 'all', policyText: 'receivers:\n  otlp: {}\n' });
    assert.ok(!none.ok && /no tail_sampling processor/.test(none.errors[0].message));
  });

  it('lists unknown policy types as not simulated (never keeping) and timing-dependent ones as approximate', async () => {
    const p = await preview(
      TAIL([
        '      - name: mystery',
        '        type: some_future_policy',
        '      - name: limit',
        '        type: rate_limiting',
        '        rate_limiting: { spans_per_second: 1000 }',
      ]),
    );
    assert.deepEqual(
      p.policies.map((x) => [x.name, x.line, x.status]),
      [['mystery', 4, 'not_simulated'], ['limit', 6, 'approximate']],
    );
    assert.equal(p.policies[0].decided, 0);
    assert.ok(p.rows.every((r) => r.kept && r.decidedBy === 'limit' && r.approximate));
    assert.ok(p.warnings.some((w) => w.line === 4 && /not simulated/.test(w.message)));
  });

  it('narrows to a time range and to a batch, and lists the batches found', async () => {
    const all = await preview(TAIL(KEEP_ERRORS));
    assert.deepEqual(all.batches, [
      { key: 'agent_trace.batch', value: 'nightly-1', traces: 20 },
      { key: 'agent_trace.batch', value: 'nightly-2', traces: 6 },
    ]);
    const hour = await preview(TAIL(KEEP_ERRORS), { range: 'hour' });
    assert.equal(hour.traces, 28, 'the run three hours old is out of the last hour');
    const nightly2 = await preview(TAIL(KEEP_ERRORS), { batch: { key: 'agent_trace.batch', value: 'nightly-2' } });
    assert.equal(nightly2.traces, 6);
    assert.equal(nightly2.sentence, 'This policy keeps 4 of 6 trace(s); it keeps all 4 error traces and drops all 2 runs where the agent looped.');
  });

  it('applies a head ratio before the tail policy', async () => {
    const p = await preview(TAIL(KEEP_ERRORS), { head: { ratio: 0, sdk: 'python' } });
    assert.equal(p.kept, 0);
    assert.ok(p.rows.every((r) => r.decidedBy === 'head'));
    const bad = await conn.sendRequest(lsp.PreviewSampling, { range: 'all', policyText: null, head: { ratio: 3, sdk: 'js' } });
    assert.ok(!bad.ok && /between 0 and 1/.test(bad.errors[0].message));
  });

  it('suggests a policy within a percent or traces/s budget, with its preview and the recordpolicy gate', async () => {
    const pct = await conn.sendRequest(lsp.SuggestSampling, { range: 'all', budget: { unit: 'percent', value: 50 } });
    assert.ok(pct.ok, JSON.stringify(pct));
    assert.equal(pct.budgetPercent, 50);
    assert.match(pct.yaml, /processor\.tailsamplingprocessor\.recordpolicy/);
    assert.match(pct.yaml, /status_codes: \[ERROR\]/);
    const errors = pct.preview.groups.find((g) => g.group === 'errors')!;
    assert.equal(errors.kept, errors.total, 'every error trace kept');
    const rate = await conn.sendRequest(lsp.SuggestSampling, { range: 'hour', budget: { unit: 'tracesPerSecond', value: 0.1 } });
    assert.ok(rate.ok, JSON.stringify(rate));
    assert.ok(rate.observedPerSecond! > 0.2 && rate.observedPerSecond! < 1, `observed ${rate.observedPerSecond}`);
    assert.equal(rate.budgetPercent, Math.round((0.1 / rate.observedPerSecond!) * 100 * 1000) / 1000);
    assert.match(rate.yaml, /^# Budget: 0\.1 traces\/s against/);
    const one = await conn.sendRequest(lsp.SuggestSampling, { range: 'all', batch: { key: 'agent_trace.batch', value: 'nope' }, budget: { unit: 'tracesPerSecond', value: 1 } });
    assert.ok(!one.ok && /observed arrival rate/.test(one.message));
  });

  it('reports trace health with counts and example steps', async () => {
    const h: TraceHealthDto = await conn.sendRequest(lsp.TraceHealth, { range: 'all' });
    const item = (k: string) => h.items.find((i) => i.kind === k)!;
    assert.equal(h.traces, 29);
    assert.deepEqual([item('orphaned_spans').count, item('orphaned_spans').examples[0].traceId], [1, id('e', 0)]);
    assert.equal(item('orphaned_spans').examples[0].spanId, '0000000000000003');
    assert.deepEqual([item('llm_without_usage').count, item('llm_without_usage').examples[0].traceId], [1, id('e', 1)]);
    assert.deepEqual([item('split_conversations').count, item('split_conversations').examples[0].traceId], [1, id('d', 2)]);
    assert.equal(item('ids_in_span_names').count, 3);
    assert.match(item('ids_in_span_names').examples[0].text, /GET \/orders\/\{n\}/);
    assert.equal(item('duplicate_calls').count, 0);
    const nightly1 = await conn.sendRequest(lsp.TraceHealth, { range: 'all', batch: { key: 'agent_trace.batch', value: 'nightly-1' } });
    assert.equal(nightly1.items.find((i) => i.kind === 'orphaned_spans')!.count, 0);
  });

  it('sees traces that arrive after a preview (the loaded traces are dropped on change)', async () => {
    const before = await preview(TAIL(KEEP_ERRORS));
    assert.equal(await postSpans(httpPort, run(id('9', 1), { ago: 1, failed: true })), 200);
    const after = await eventually(async () => {
      const p = await preview(TAIL(KEEP_ERRORS));
      assert.equal(p.traces, before.traces + 1);
      return p;
    });
    assert.equal(after.groups.find((g) => g.group === 'errors')!.total, 6);
    // A trace written again (a late span) is re-read, not counted twice.
    assert.equal(await postSpans(httpPort, [{ ...run(id('9', 1), { ago: 1 })[1], spanId: '00000000000000ff' }]), 200);
    await eventually(async () => {
      const p = await preview(TAIL(KEEP_ERRORS));
      assert.equal(p.rows.filter((r) => r.traceId === id('9', 1)).length, 1);
      assert.equal(p.traces, before.traces + 1);
    });
    // A deleted trace is gone once the change is announced (the panel re-asks on that notification).
    assert.equal(await conn.sendRequest(lsp.DeleteTrace, { traceId: id('9', 1) }), true);
    await eventually(async () => assert.equal((await preview(TAIL(KEEP_ERRORS))).traces, before.traces));
  });

  it('counts the runs that failed a check once checks exist, and says what the policy drops of them', async () => {
    // The two loops call search four times: a "no loops" check fails on them; neither failed a span.
    const status = await conn.sendRequest(lsp.SetChecksConfig, { uri: null, text: 'checks:\n  - { name: no loops, kind: max_repeats, tool: search, max: 3 }\n' });
    assert.deepEqual([status.checks, status.problems], [1, []]);
    const p = await eventually(async () => {
      const r = await preview(TAIL(KEEP_ERRORS));
      assert.equal(r.groups.find((g) => g.group === 'failed_checks')!.total, 2, 'checked once the traces are quiet');
      return r;
    }, 30_000);
    const failed = p.groups.find((g) => g.group === 'failed_checks')!;
    assert.deepEqual([failed.kept, [...failed.lostTraceIds].sort()], [0, [id('c', 0), id('c', 1)]]);
    assert.equal(p.sentence, 'This policy keeps 5 of 29 trace(s); it keeps all 5 error traces, drops all 2 runs that failed a check and drops all 2 runs where the agent looped.');
    const suggestion = await conn.sendRequest(lsp.SuggestSampling, { range: 'all', budget: { unit: 'percent', value: 50 } });
    assert.ok(suggestion.ok && /2 stored run\(s\) failed a check without failing a span/.test(suggestion.yaml), JSON.stringify(suggestion).slice(0, 300));
  });
});

describe('CLI: agent-trace health', function () {
  this.timeout(60_000);
  let dir: string;
  let db: string;

  before(() => {
    ensureBuilt();
    dir = tempDir();
    db = path.join(dir, 'traces.db');
    const file = path.join(dir, 'batch.json');
    fs.writeFileSync(file, JSON.stringify(encodeOtlpJson(batch())));
    const r = runCli(['import', file, '--db', db]);
    assert.equal(r.code, 0, r.stderr);
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints the same report as --json, and a readable one, within --since', () => {
    const r = runCli(['health', '--json', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as HealthReport;
    assert.equal(report.traces, 29);
    assert.deepEqual(report.items.map((i) => [i.kind, i.count]), [
      ['orphaned_spans', 1], ['llm_without_usage', 1], ['split_conversations', 1], ['ids_in_span_names', 3], ['duplicate_calls', 0],
    ]);
    const text = runCli(['health', '--db', db, '--since', '1h']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^Trace health of 28 stored trace\(s\)/);
    assert.match(text.stdout, /WARN Orphaned spans: 1 in 1 trace\(s\)/);
    assert.match(text.stdout, /ok {3}Model calls recorded twice: 0/);
    assert.equal(runCli(['health', '--db', db, '--since', 'soon']).code, 2);
  });
});
