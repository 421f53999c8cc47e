// Checks end to end, with real parts: the trace server as a language server (its own process,
// a real SQLite file) gets a checks file from the "editor", reports its problems as diagnostics
// at their lines, receives agent runs from the official OpenTelemetry exporter, checks each run
// once it is finished, and answers ListTraces with the counts and the "failed checks" filter;
// a changed file re-checks the stored runs. Then `agent-trace check --json --fail` on the same
// file gives CI its exit code, `agent-trace serve --checks` does the same headless, and the
// MCP tool check_results reads the stored results.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { context, trace, SpanStatusCode } from '@opentelemetry/api';
import { canonicalize } from '../../src/core/canonicalize';
import type { RawSpan } from '../../src/core/model';
import { encodeOtlpJson } from '../../src/core/otlp';
import type { CheckResultDto, TraceFilterDto, TraceSummaryDto } from '../../src/protocol/dto';
import * as lsp from '../../src/protocol/lsp';
import { AgentAccess } from '../../src/server/mcp/agentAccess';
import { TraceStore } from '../../src/store/traceStore';
import { startLsp, type LspSession, type PublishedDiagnostics } from '../support/lspProcess';
import { makeTracer } from '../support/otlpClients';
import { CLI, ensureBuilt, runCli, serve, tempDir } from '../support/serverProcess';
import { waitUntil } from '../support/waitUntil';

const CHECKS_YAML = [
  'checks:',
  '  - name: weather tool used', //   line 2
  '    kind: tool_called',
  '    tool: get_weather',
  '    arguments:',
  '      - { path: city, equals: Paris }',
  '  - name: no errors', //            line 7
  '    kind: no_errors',
  '  - name: broken', //               line 9
  '    kind: max_cost',
  '    max: cheap', //                  line 11
  '  - name: answer gives a temperature',
  '    kind: final_answer',
  '    matches: "\\\\d+ ?°C"',
].join('\n');

/** One agent run through the official exporter: agent → chat (→ get_weather) → chat answer. */
async function sendRun(url: string, opts: { city: string | null; answer: string; fail?: boolean; source?: string }): Promise<string> {
  const client = makeTracer({ protocol: 'http/protobuf', url, resource: { 'service.name': 'weather-agent' } });
  const source = opts.source ? { 'code.file.path': opts.source, 'code.line.number': 3 } : {};
  const root = client.tracer.startSpan('invoke_agent weather', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather', ...source } });
  const ctx = trace.setSpan(context.active(), root);
  const chat = (answer: string | null) => {
    const s = client.tracer.startSpan('chat gpt-4o-mini', {
      attributes: {
        'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.provider.name': 'openai',
        'gen_ai.usage.input_tokens': 120, 'gen_ai.usage.output_tokens': 30,
        ...(answer ? { 'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: answer }] }]) } : {}),
      },
    }, ctx);
    s.end();
  };
  chat(null);
  if (opts.city) {
    const tool = client.tracer.startSpan('execute_tool get_weather', {
      attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.arguments': JSON.stringify({ city: opts.city }) },
    }, ctx);
    if (opts.fail) tool.setStatus({ code: SpanStatusCode.ERROR, message: 'weather service unavailable' });
    tool.end();
  }
  chat(opts.answer);
  root.end();
  await client.flush();
  await client.shutdown();
  assert.ok(client.outcomes.length > 0 && client.outcomes.every((o) => o.code === 0), 'every export was accepted');
  return root.spanContext().traceId;
}

describe('checks: editor → trace server → results in the list, the CLI and MCP', function () {
  this.timeout(120_000);
  let dir: string;
  let db: string;
  let server: LspSession | undefined;
  let conn: LspSession['conn'];
  let diagnostics: PublishedDiagnostics[] = [];
  let good = '';
  let bad = '';
  const checksFile = () => path.join(dir, '.agent-trace', 'checks.yaml');
  const agentFile = () => path.join(dir, 'agent.py');

  before(async () => {
    ensureBuilt();
    dir = tempDir();
    db = path.join(dir, 'traces.db');
    fs.mkdirSync(path.join(dir, '.agent-trace'));
    fs.writeFileSync(checksFile(), CHECKS_YAML);
    fs.writeFileSync(agentFile(), 'from weather import tools\n\nresult = run_agent("Weather in Paris?")\n');
    server = await startLsp({ dbPath: db, workspaceFolders: [dir] });
    ({ conn, diagnostics } = server);
  });

  after(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const list = (filter: TraceFilterDto = {}) => conn.sendRequest(lsp.ListTraces, filter);
  const byId = async (id: string) => (await list()).find((t) => t.traceId === id);

  it('reports the bad check at its line in the Problems panel and keeps the valid ones', async () => {
    const uri = pathToFileURL(checksFile()).href;
    const status = await conn.sendRequest(lsp.SetChecksConfig, { uri, text: fs.readFileSync(checksFile(), 'utf8') });
    assert.equal(status.checks, 3);
    assert.deepEqual(status.problems.map((p) => [p.line, p.check]), [[11, 'broken']]);
    await waitUntil('diagnostics for the checks file', () => diagnostics.some((d) => d.uri === uri));
    const d = diagnostics.filter((x) => x.uri === uri).at(-1)!;
    assert.deepEqual(d.diagnostics.map((x) => x.range.start.line + 1), [11]);
    assert.match(d.diagnostics[0].message, /check "broken": "max" must be a number/);
  });

  it('checks each finished run as it arrives over OTLP and lists the counts', async () => {
    const s = await conn.sendRequest(lsp.GetStatus);
    const url = `http://127.0.0.1:${s.httpPort}`;
    good = await sendRun(url, { city: 'Paris', answer: 'It is 18 °C in Paris.', source: agentFile() });
    bad = await sendRun(url, { city: 'Lyon', answer: 'Sorry, I could not get the weather.', fail: true, source: agentFile() });
    await waitUntil('both runs checked', async () => (await list()).filter((t) => t.checks).length === 2, 30_000);
    assert.deepEqual((await byId(good))!.checks, { passed: 3, failed: 0, errors: 0 });
    assert.deepEqual((await byId(bad))!.checks, { passed: 0, failed: 3, errors: 0 });
    const failing = await list({ failedChecksOnly: true });
    assert.deepEqual(failing.map((t) => t.traceId), [bad]);
    const results: CheckResultDto[] = await conn.sendRequest(lsp.GetCheckResults, { traceId: bad });
    assert.deepEqual(
      results.map((r) => [r.check, r.outcome, r.message]),
      [
        ['answer gives a temperature', 'fail', 'the final answer does not match /\\d+ ?°C/: "Sorry, I could not get the weather."'],
        ['no errors', 'fail', '1 step failed; first "execute_tool get_weather": weather service unavailable'],
        ['weather tool used', 'fail', 'get_weather(city = "Paris") was called 0 times; expected ≥ 1'],
      ],
    );
  });

  it('puts a code lens and warnings on the agent\'s source line: which check failed in how many of the last runs', async () => {
    const lenses = (await conn.sendRequest('textDocument/codeLens', { textDocument: { uri: pathToFileURL(agentFile()).href } })) as {
      range: { start: { line: number } };
      command: { title: string };
    }[];
    assert.deepEqual(
      lenses.filter((l) => l.command.title.startsWith('Agent Trace checks')).map((l) => [l.range.start.line + 1, l.command.title]),
      [[3, 'Agent Trace checks: "answer gives a temperature" failed in 1 of the last 2 runs, and 2 more checks failed']],
    );
    const report = (await conn.sendRequest('textDocument/diagnostic', { textDocument: { uri: pathToFileURL(agentFile()).href } })) as {
      kind: string;
      items: { range: { start: { line: number } }; message: string; severity: number }[];
    };
    assert.equal(report.kind, 'full');
    assert.deepEqual(report.items.map((d) => [d.range.start.line + 1, d.severity, d.message]), [
      [3, 2, 'Check "answer gives a temperature" failed in 1 of the last 2 runs started here.'],
      [3, 2, 'Check "no errors" failed in 1 of the last 2 runs started here.'],
      [3, 2, 'Check "weather tool used" failed in 1 of the last 2 runs started here.'],
    ]);
  });

  it('re-checks the stored runs when the checks file changes', async () => {
    const text = 'checks:\n  - name: at most one tool call\n    kind: max_tool_calls\n    max: 1\n';
    fs.writeFileSync(checksFile(), text);
    const status = await conn.sendRequest(lsp.SetChecksConfig, { uri: pathToFileURL(checksFile()).href, text });
    assert.deepEqual(status, { checks: 1, problems: [] });
    await waitUntil('both runs re-checked', async () => (await list()).filter((t) => t.checks?.passed === 1).length === 2, 30_000);
    assert.deepEqual(await list({ failedChecksOnly: true }), []);
    assert.deepEqual((await conn.sendRequest(lsp.GetCheckResults, { traceId: bad })).map((r) => r.check), ['at most one tool call']);
    const d = diagnostics.filter((x) => x.uri === pathToFileURL(checksFile()).href).at(-1)!;
    assert.deepEqual(d.diagnostics, [], 'the fixed file has no problems left');
    fs.writeFileSync(checksFile(), CHECKS_YAML); // for the CLI below
  });

  it('agent-trace check --json --fail: every result, exit 1 on a failure, 0 when all pass, 2 on a bad file', () => {
    const r = runCli(['check', '--checks', checksFile(), '--json', '--fail', '--since', '1h', '--db', db]);
    assert.equal(r.code, 2, 'the file has a problem (line 11): exit 2 after printing the valid checks');
    assert.match(r.stderr, /checks\.yaml:11: check "broken"/);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { traceId: string; counts: object; results: { outcome: string }[] });
    assert.deepEqual(lines.map((l) => [l.traceId, l.counts]).sort(), [[bad, { passed: 0, failed: 3, errors: 0 }], [good, { passed: 3, failed: 0, errors: 0 }]].sort());

    const valid = path.join(dir, 'valid.json');
    fs.writeFileSync(valid, JSON.stringify({ checks: [{ name: 'weather tool used', kind: 'tool_called', tool: 'get_weather', arguments: [{ path: 'city', equals: 'Paris' }] }] }));
    const failing = runCli(['check', '--checks', valid, '--fail', '--db', db]);
    assert.equal(failing.code, 1, failing.stderr);
    assert.match(failing.stdout, /✗ [0-9a-f]{32} .*\n {4}FAIL {2}weather tool used: get_weather\(city = "Paris"\) was called 0 times; expected ≥ 1/);
    assert.match(failing.stdout, /2 traces checked, 1 with failed checks: 1 passed, 1 failed, 0 errors\./);
    assert.equal(runCli(['check', '--checks', valid, '--db', db]).code, 0, 'without --fail a failure is reported, not an exit code');
    assert.equal(runCli(['check', '--checks', valid, '--fail', '--trace', good, '--db', db]).code, 0);
    const none = runCli(['check', '--checks', path.join(dir, 'missing.json'), '--db', db]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Cannot read the checks file/);
  });

  it('MCP check_results returns the stored results', () => {
    const store = TraceStore.open(db, { canonicalize: (s) => canonicalize(s), readonly: true });
    try {
      const access = new AgentAccess({ store: () => store, policy: () => null, tokenBudget: 8000, countTokens: (t) => Math.ceil(t.length / 4) });
      const one = JSON.parse(access.checkResults({ traceId: bad }).text);
      assert.deepEqual(one.results.map((r: { outcome: string }) => r.outcome), ['pass']);
      const all = JSON.parse(access.checkResults({}).text);
      assert.equal(all.tracesWithFailedChecks, 0);
      assert.match(all.note, /No trace has a failed check/);
    } finally {
      store.close();
    }
  });
});

describe('checks: agent-trace serve --checks', function () {
  this.timeout(120_000);
  it('checks runs headless and list --json carries the counts', async () => {
    ensureBuilt();
    const dir = tempDir();
    const db = path.join(dir, 'traces.db');
    const file = path.join(dir, 'checks.json');
    fs.writeFileSync(file, JSON.stringify({ checks: [{ name: 'no errors', kind: 'no_errors' }, { name: 'cheap', kind: 'max_tokens', max: 100 }] }, null, 2));
    const server = await serve({ db, extra: ['--checks', file] });
    try {
      await waitUntil('serve reads the checks file', () => /Checks: 2 from /.test(server.stderr()));
      const id = await sendRun(`http://127.0.0.1:${server.httpPort}`, { city: 'Paris', answer: '18 °C' });
      await waitUntil('the run is checked', () => {
        const r = runCli(['list', '--json', '--db', db]);
        return r.code === 0 && r.stdout.includes('"checks"');
      }, 30_000);
      const [row] = runCli(['list', '--json', '--db', db]).stdout.trim().split('\n').map((l) => JSON.parse(l) as TraceSummaryDto);
      assert.equal(row.traceId, id);
      assert.deepEqual(row.checks, { passed: 1, failed: 1, errors: 0 }, '2 model calls × 150 tokens is over 100');
    } finally {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('checks: agent-trace check through pipes', function () {
  this.timeout(120_000);
  it('prints every result through a pipe (far over 64 KiB), and ends quietly when the reader leaves', () => {
    ensureBuilt();
    const dir = tempDir();
    try {
      const db = path.join(dir, 'traces.db');
      const spans: RawSpan[] = [];
      const start = BigInt(Date.now()) * 1_000_000n;
      for (let i = 0; i < 900; i++) {
        spans.push({
          traceId: (i + 1).toString(16).padStart(32, '0'), spanId: '0000000000000001', parentSpanId: null, name: `run ${i}`, kind: 'internal',
          startUnixNanos: String(start - BigInt(i) * 1_000_000n), endUnixNanos: String(start - BigInt(i) * 1_000_000n + 1_000n),
          status: i % 3 === 0 ? { code: 'error', message: `failure number ${i}` } : { code: 'unset', message: '' },
          attributes: {}, events: [], links: [], resource: { 'service.name': 'pipe-agent' }, scope: { name: 't', version: '1' },
        });
      }
      const otlp = path.join(dir, 'runs.json');
      fs.writeFileSync(otlp, JSON.stringify(encodeOtlpJson(spans)));
      assert.equal(runCli(['import', otlp, '--db', db]).code, 0);
      const checks = path.join(dir, 'checks.json');
      fs.writeFileSync(checks, JSON.stringify({ checks: [{ name: 'no errors', kind: 'no_errors' }] }));
      const cmd = (tail: string) =>
        spawnSync('bash', ['-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} check --checks ${JSON.stringify(checks)} --db ${JSON.stringify(db)} --json --fail ${tail}`], {
          encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024,
        });
      const all = cmd('| cat; exit ${PIPESTATUS[0]}');
      assert.equal(all.status, 1, all.stderr);
      assert.ok(all.stdout.length > 64 * 1024, `${all.stdout.length} bytes`);
      const lines = all.stdout.trim().split('\n').map((l) => JSON.parse(l) as { counts: { failed: number } });
      assert.equal(lines.length, 900);
      assert.equal(lines.filter((l) => l.counts.failed === 1).length, 300);
      assert.match(all.stderr, /900 traces checked, 300 with failed checks: 600 passed, 300 failed, 0 errors\./);
      // Exit 0 when the reader leaves (even with --fail and failures: the output was not read), and no EPIPE on stderr.
      const head = cmd('2> >(grep -v "traces checked" >&2) | head -1 > /dev/null; echo "exit=${PIPESTATUS[0]}"');
      assert.equal(head.stdout.trim(), 'exit=0');
      assert.equal(head.stderr, '', 'a reader leaving early is not an error');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('checks: evaluation results the agent sent, in the code lens and diagnostics', function () {
  this.timeout(120_000);
  it('counts failing evaluations like checks on the agent\'s source line, by the file\'s threshold and by the label sent', async () => {
    ensureBuilt();
    const dir = tempDir();
    const agent = path.join(dir, 'agent.py');
    fs.writeFileSync(agent, 'from weather import tools\n\nresult = run_agent("Weather in Paris?")\n');
    const checks = path.join(dir, '.agent-trace', 'checks.yaml');
    fs.mkdirSync(path.dirname(checks));
    fs.writeFileSync(checks, ['checks:', '  - { name: no errors, kind: no_errors }', 'evaluations:', '  relevance: { minScore: 0.7 }'].join('\n'));
    const server = await startLsp({ dbPath: path.join(dir, 'traces.db'), workspaceFolders: [dir] });
    try {
      const { conn } = server;
      await conn.sendRequest(lsp.SetChecksConfig, { uri: pathToFileURL(checks).href, text: fs.readFileSync(checks, 'utf8') });
      const s = await conn.sendRequest(lsp.GetStatus);
      const client = makeTracer({ protocol: 'http/protobuf', url: `http://127.0.0.1:${s.httpPort}`, resource: { 'service.name': 'weather-agent' } });
      // Three runs started at line 3; relevance 0.9, 0.4, 0.5 (two under the threshold); correctness labelled by the agent.
      for (const [relevance, correctness] of [[0.9, 'correct'], [0.4, 'correct'], [0.5, 'incorrect']] as const) {
        const root = client.tracer.startSpan('invoke_agent weather', {
          attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather', 'code.file.path': agent, 'code.line.number': 3 },
        });
        root.addEvent('gen_ai.evaluation.result', { 'gen_ai.evaluation.name': 'relevance', 'gen_ai.evaluation.score.value': relevance });
        root.addEvent('gen_ai.evaluation.result', { 'gen_ai.evaluation.name': 'correctness', 'gen_ai.evaluation.score.label': correctness });
        root.end();
      }
      await client.flush();
      await client.shutdown();
      assert.ok(client.outcomes.length > 0 && client.outcomes.every((o) => o.code === 0), 'every export was accepted');
      const uri = pathToFileURL(agent).href;
      const title = 'Agent Trace checks: evaluation "relevance" failed in 2 of the last 3 runs, and 1 more check failed';
      let titles: string[] = [];
      await waitUntil(`the lens "${title}" (seen: ${JSON.stringify(titles)})`, async () => {
        const lenses = (await conn.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as { range: { start: { line: number } }; command: { title: string } }[];
        titles = lenses.filter((l) => l.command.title.startsWith('Agent Trace checks') && l.range.start.line === 2).map((l) => l.command.title);
        return titles.length === 1 && titles[0] === title;
      }, 30_000);
      const report = (await conn.sendRequest('textDocument/diagnostic', { textDocument: { uri } })) as { items: { range: { start: { line: number } }; message: string; severity: number }[] };
      assert.deepEqual(report.items.map((d) => [d.range.start.line + 1, d.severity, d.message]), [
        [3, 2, 'Evaluation "relevance" failed in 2 of the last 3 runs started here.'],
        [3, 2, 'Evaluation "correctness" failed in 1 of the last 3 runs started here.'],
      ]);
    } finally {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
