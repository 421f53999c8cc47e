// A real batch against a real batch (issue 11): `agent-trace serve` with a checks file, the
// sample agent (real openai client, OpenLLMetry instrumentation, OTLP exporter) run 50 times
// for "before" through server/batchRunner and 50 times for "after" through `agent-trace batch
// run`, against its mock model; in "after" the mock drops the refund-policy citation from a
// deterministic 40% of the refunds route's answers. `batch compare` must flag exactly that route
// and that check, and the fleet (CLI and agentTrace/fleet over LSP) must agree with the runs.
// The two batches run side by side, so machine load falls on both alike.
import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { canonicalize } from '../../src/core/canonicalize';
import type { BatchCompareDto, FleetDto } from '../../src/protocol/fleet';
import * as lsp from '../../src/protocol/lsp';
import { runBatch } from '../../src/server/batchRunner';
import { FleetService } from '../../src/server/fleetService';
import { TraceStore } from '../../src/store/traceStore';
import { CLI, ROOT, ensureBuilt, runCli, serve, tempDir, type ServeHandle } from '../support/serverProcess';
import { waitUntil } from '../support/waitUntil';

const RUNS = 50;
const AGENT = path.join(ROOT, 'sample-agent', 'agent.js');
const CHECKS = `checks:
  - { name: refund policy cited, kind: final_answer, contains: "refund policy", scope: { attributes: { route: refunds } } }
  - { name: no errors, kind: no_errors }
  - { name: weather tool used, kind: tool_called, tool: get_weather }
`;
const INPUTS = [
  { route: 'refunds', question: 'Can I get a refund for the umbrella I bought last week?' },
  { route: 'orders', question: 'Where is my umbrella order?' },
];
/** The mock's fault rule (sample-agent/mockModel.js): refunds runs are the even run indices. */
const EXPECTED_FAULTS = Array.from({ length: RUNS }, (_, i) => i).filter((i) => i % 2 === 0 && (i * 0.6180339887498949) % 1 < 0.4).length;

describe('batch against batch with the sample agent', function () {
  this.timeout(600_000);
  let dir: string;
  let server: ServeHandle;
  let db: string;

  before(async () => {
    ensureBuilt();
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-sample-agent.mjs')], { cwd: ROOT, stdio: 'ignore' });
    dir = tempDir('agent-trace-fleet-');
    db = path.join(dir, 'traces.db');
    const checks = path.join(dir, 'checks.yaml');
    fs.writeFileSync(checks, CHECKS);
    const inputs = path.join(dir, 'inputs.jsonl');
    fs.writeFileSync(inputs, INPUTS.map((i) => JSON.stringify(i)).join('\n') + '\n');
    server = await serve({ db, extra: ['--checks', checks] });
    const endpoint = `http://127.0.0.1:${server.httpPort}`;

    // "before" through the runner module (what the extension calls), "after" through the CLI, at the same time.
    const before = runBatch({ command: [process.execPath, AGENT], inputs: INPUTS.map((i) => JSON.stringify(i)), runs: RUNS, concurrency: 3, tag: 'before', otlpEndpoint: endpoint });
    const after = new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'batch', 'run', '--inputs', inputs, '-n', String(RUNS), '-c', '3', '--tag', 'after', '--endpoint', endpoint, '--', process.execPath, AGENT], {
        env: { ...process.env, MOCK_FAULT_ROUTE: 'refunds', MOCK_FAULT_RATE: '0.4' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    const [beforeResults, afterResult] = await Promise.all([before, after]);
    assert.deepEqual(beforeResults.filter((r) => r.exitCode !== 0).map((r) => r.stderrTail), [], 'every "before" run exits 0');
    assert.equal(afterResult.code, 0, afterResult.stderr);

    // Every run stored and checked (a trace is checked once it has been quiet for 2 s).
    const store = TraceStore.open(db, { canonicalize: (s) => canonicalize(s), readonly: true });
    try {
      const fleet = new FleetService(() => store);
      const checked = (tag: string) => {
        const f = fleet.fleet({ batch: { kind: 'attribute', key: 'agent_trace.batch', value: tag } });
        const noErrors = f.checks.find((c) => c.name === 'no errors');
        return f.batch.runs === RUNS && !!noErrors && noErrors.passed + noErrors.failed + noErrors.errors === RUNS;
      };
      await waitUntil('both batches stored and checked', () => checked('before') && checked('after'), 120_000, 200);
    } finally {
      store.close();
    }
  });

  after(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const cli = <T>(args: string[]): T => {
    const r = runCli([...args, '--db', db, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as T;
  };

  it('flags exactly the refunds route and the refund-policy check as the regression', () => {
    const compare = cli<BatchCompareDto>(['batch', 'compare', 'agent_trace.batch=before', 'agent_trace.batch=after', '--group-by', 'route']);
    assert.equal(compare.before.runs, RUNS);
    assert.equal(compare.after.runs, RUNS);
    const regressions = compare.findings.filter((f) => f.regression);
    assert.deepEqual(
      regressions.map((f) => ({ group: f.group, measure: f.measure })),
      [{ group: { dimension: 'attribute', key: 'route', value: 'refunds' }, measure: 'check:refund policy cited' }],
      regressions.map((f) => f.headline).join('\n'),
    );
    const [r] = regressions;
    assert.equal(compare.findings[0], compare.findings.find((f) => f.regression), 'regressions are listed first');
    assert.deepEqual([r.before.n, r.before.value, r.after.n], [25, 1, 25]);
    assert.equal(r.after.value, (25 - EXPECTED_FAULTS) / 25);
    assert.match(r.headline, /^check refund policy cited 100% → 60% for route=refunds, p < 0\.001$/);
    assert.ok(r.typicalPair, 'a run pair to compare');
    // The pair is a passing run before and a failing one after: `agent-trace diff` opens it.
    const diff = runCli(['diff', r.typicalPair.beforeTraceId, r.typicalPair.afterTraceId, '--db', db]);
    assert.equal(diff.code, 0, diff.stderr);
    const orders = compare.findings.filter((f) => f.group.value === 'orders');
    assert.ok(orders.length > 0 && orders.every((f) => !f.regression), 'the orders route is compared and not flagged');
  });

  it('exits 1 with --fail on that regression (for CI), 0 when nothing got worse', () => {
    assert.equal(runCli(['batch', 'compare', 'agent_trace.batch=before', 'agent_trace.batch=after', '--fail', '--db', db]).code, 1);
    const same = runCli(['batch', 'compare', 'agent_trace.batch=before', 'agent_trace.batch=before', '--fail', '--db', db]);
    assert.equal(same.code, 0, same.stdout);
    assert.match(same.stdout, /No regressions\./);
  });

  it('gives the fleet of a batch: distributions and groups that agree with the runs', () => {
    const fleet = cli<FleetDto>(['fleet', '--batch', 'agent_trace.batch=after', '--group-by', 'route']);
    assert.equal(fleet.batch.runs, RUNS);
    const d = Object.fromEntries(fleet.distributions.map((x) => [x.measure, x]));
    for (const m of ['durationMs', 'llmCalls', 'toolCalls', 'totalTokens', 'costUsd', 'errorRate']) {
      assert.equal(d[m].count, RUNS, `${m} known for every run`);
      assert.equal(d[m].bins.reduce((s, b) => s + b.count, 0), RUNS, `${m} histogram holds every run`);
    }
    // The mock model answers in two calls, after two tool calls, with fixed usage (182 + 46 and 391 + 87 tokens).
    assert.deepEqual([d.llmCalls.p50, d.toolCalls.p50, d.totalTokens.p50, d.totalTokens.min, d.totalTokens.max], [2, 2, 706, 706, 706]);
    assert.ok(d.durationMs.p50! > 0 && d.durationMs.p50! <= d.durationMs.p95! && d.durationMs.p95! <= d.durationMs.p99!);
    assert.equal(d.errorRate.mean, 0);
    assert.equal(d.checkPassRate.mean, (RUNS - EXPECTED_FAULTS) / RUNS);
    const group = (dimension: string, value: string) => fleet.groups.find((g) => g.dimension === dimension && g.value === value)!;
    assert.deepEqual([group('attribute', 'refunds').runs, group('attribute', 'orders').runs], [25, 25]);
    assert.equal(group('attribute', 'refunds').checkPassRate, (25 - EXPECTED_FAULTS) / 25);
    assert.equal(group('attribute', 'orders').checkPassRate, 1);
    assert.deepEqual([group('tool', 'get_weather').calls, group('tool', 'search_docs').calls], [RUNS, RUNS]);
    assert.equal(group('agent', 'weather-assistant').runs, RUNS);
    assert.equal(group('model', 'gpt-4o-mini').runs, RUNS);
    assert.deepEqual(fleet.checks.find((c) => c.name === 'refund policy cited'), { name: 'refund policy cited', source: 'check', passed: 25 - EXPECTED_FAULTS, failed: EXPECTED_FAULTS, errors: 0 });
    const ids = new Set(fleet.outliers.map((o) => o.traceId));
    for (const id of ids) assert.equal(runCli(['show', id, '--db', db]).code, 0, 'an outlier links to a stored trace');
  });

  it('answers agentTrace/listBatches and agentTrace/fleet over LSP with the same figures', async () => {
    const child = spawn(process.execPath, [CLI, 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    conn.onRequest('workspace/codeLens/refresh', () => null);
    conn.onNotification('window/logMessage', () => undefined);
    conn.listen();
    try {
      await conn.sendRequest('initialize', {
        processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {}, workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'ws' }],
        initializationOptions: { host: '127.0.0.1', httpPort: 0, grpcPort: 0, dbPath: db, workspaceFolders: [dir], pathMappings: {}, retention: { maxDays: 0, maxMegabytes: 0 }, priceOverrides: {} },
      });
      await conn.sendNotification('initialized', {});
      const batches = await conn.sendRequest(lsp.ListBatches, { key: 'agent_trace.batch' });
      assert.deepEqual(batches.map((b) => [b.label, b.runs]).sort(), [['agent_trace.batch = after', RUNS], ['agent_trace.batch = before', RUNS]]);
      const fleet = await conn.sendRequest(lsp.GetFleet, { batch: batches.find((b) => b.label.endsWith('after'))!.ref, groupAttribute: 'route' });
      const viaCli = cli<FleetDto>(['fleet', '--batch', 'agent_trace.batch=after', '--group-by', 'route']);
      assert.deepEqual(fleet.groups, viaCli.groups);
      assert.deepEqual(fleet.checks, viaCli.checks);
      const compare = await conn.sendRequest(lsp.CompareBatches, { before: batches.find((b) => b.label.endsWith('before'))!.ref, after: fleet.batch.ref, groupAttribute: 'route' });
      assert.deepEqual(compare.findings.filter((f) => f.regression).map((f) => f.headline), ['check refund policy cited 100% → 60% for route=refunds, p < 0.001']);
      await assert.rejects(conn.sendRequest(lsp.GetFleet, { batch: { kind: 'timeRange', fromMs: 2, toMs: 1 } }), /fromMs ≤ toMs/);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      await conn.sendRequest('shutdown').catch(() => undefined);
      await conn.sendNotification('exit').catch(() => undefined);
      conn.dispose();
      child.kill();
      await exited;
    }
  });
});
