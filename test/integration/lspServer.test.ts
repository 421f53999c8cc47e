// The trace server as a language server (what each VS Code window runs, and what
// `agent-trace lsp --stdio` gives other editors): custom requests, code lenses and hovers on
// the lines that produced spans, and several windows sharing one database and the OTLP ports.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodeOtlpJson } from '../../src/core/otlp';
import type { RawSpan } from '../../src/core/model';
import * as lsp from '../../src/protocol/lsp';
import { formatCost } from '../../src/core/format';
import { startLsp, type LspSession } from '../support/lspProcess';
import { ensureBuilt, tempDir } from '../support/serverProcess';
import { waitUntil } from '../support/waitUntil';

/** One VS Code window's server. */
type Window = LspSession;
const openWindow = startLsp;

const until = (what: string, check: () => boolean | Promise<boolean>, ms = 10_000) => waitUntil(what, check, ms);

function post(port: number, spans: RawSpan[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(encodeOtlpJson(spans)));
  });
}

function toolSpan(traceId: string, file: string, line: number, result: string): RawSpan {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    traceId,
    spanId: traceId.slice(0, 16),
    parentSpanId: null,
    name: 'execute_tool lookup',
    kind: 'internal',
    startUnixNanos: String(now),
    endUnixNanos: String(now + 25_000_000n),
    status: { code: 'unset', message: '' },
    attributes: {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'lookup',
      'gen_ai.tool.call.arguments': '{"q":"paris"}',
      'gen_ai.tool.call.result': result,
      'code.file.path': file,
      'code.line.number': line,
    },
    events: [],
    links: [],
    resource: { 'service.name': 'lsp-test' },
    scope: { name: 't', version: '1' },
  };
}

describe('language server: runtime data on source lines, several windows', function () {
  this.timeout(60_000);
  let dir: string;
  let workspace: string;
  let agentFile: string;

  before(() => {
    ensureBuilt();
    dir = tempDir();
    workspace = path.join(dir, 'ws');
    fs.mkdirSync(path.join(workspace, 'src'), { recursive: true });
    agentFile = path.join(workspace, 'src', 'agent.py');
    fs.writeFileSync(agentFile, 'def lookup(q):\n    return search(q)\n\n\nresult = lookup("paris")\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('shows a code lens and a hover with the latest output on the line that produced a span, mapping container paths', async () => {
    const win = await openWindow({ dbPath: path.join(dir, 'lens.db'), workspaceFolders: [workspace] });
    try {
      const status = await win.conn.sendRequest(lsp.GetStatus);
      assert.equal(status.role, 'writer');
      // Recorded inside a container as /app/src/agent.py: found in the workspace by its path suffix.
      const hostile = 'Result: <img src=x onerror=alert(1)> ``` [x](command:workbench.action.quit)';
      assert.equal(await post(status.httpPort, [toolSpan('ab'.repeat(16), '/app/src/agent.py', 5, hostile)]), 200);
      await until('tracesChanged', () => win.changes.some((c) => c.traceIds.includes('ab'.repeat(16))));

      const uri = pathToFileURL(agentFile).href;
      const lenses = (await win.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as {
        range: { start: { line: number } };
        command: { title: string; command: string; arguments: unknown[] };
      }[];
      assert.equal(lenses.length, 1);
      assert.equal(lenses[0].range.start.line, 4, 'line 5 in 0-based LSP positions');
      assert.match(lenses[0].command.title, /1 run · last 25 ms/);
      assert.equal(lenses[0].command.command, 'agentTrace.showSpansAtLine');
      assert.deepEqual(lenses[0].command.arguments, [{ file: agentFile, line: 5 }]);

      const hover = (await win.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 4, character: 3 } })) as {
        contents: { kind: string; value: string };
      };
      const md = hover.contents.value;
      assert.ok(md.includes(hostile), 'the output is shown verbatim');
      // Untrusted text sits inside a fence longer than any backtick run it contains, so it stays code.
      const fence = /(`{4,})text\n/.exec(md);
      assert.ok(fence, md);
      assert.ok(md.indexOf(hostile) > md.indexOf(fence[0]));

      const spans = await win.conn.sendRequest(lsp.SpansAtLine, { file: agentFile, line: 5 });
      assert.deepEqual(spans.map((s) => s.name), ['execute_tool lookup']);
      const none = (await win.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: pathToFileURL(path.join(workspace, 'other.py')).href } })) as unknown[];
      assert.deepEqual(none, []);
    } finally {
      await win.close();
    }
  });

  it('lets a second window follow the first one live and take over the ports when it closes', async () => {
    const db = path.join(dir, 'shared.db');
    // The first window binds free ports itself (port 0, no probe-then-bind race); the second is
    // configured with the ports the first got, as two windows with the same settings are.
    const first = await openWindow({ dbPath: db, workspaceFolders: [workspace], httpPort: 0, grpcPort: 0 });
    const { httpPort, grpcPort } = await first.conn.sendRequest(lsp.GetStatus);
    const second = await openWindow({ dbPath: db, workspaceFolders: [workspace], httpPort, grpcPort });
    try {
      assert.equal((await first.conn.sendRequest(lsp.GetStatus)).role, 'writer');
      const follower = await second.conn.sendRequest(lsp.GetStatus);
      assert.equal(follower.role, 'follower');
      assert.equal(follower.listening, false);
      assert.match(follower.problem ?? '', new RegExp(`another Agent Trace server \\(pid ${first.child.pid}\\b`));

      // Spans received by the first window appear in the second, without a refresh.
      assert.equal(await post(httpPort, [toolSpan('cd'.repeat(16), agentFile, 5, 'ok')]), 200);
      await until('the follower to see the new trace', () => second.changes.some((c) => c.traceIds.includes('cd'.repeat(16))));
      const listed = await second.conn.sendRequest(lsp.ListTraces, {});
      assert.ok(listed.some((t) => t.traceId === 'cd'.repeat(16)));

      await first.close();
      await until('the second window to take over the ports', async () => (await second.conn.sendRequest(lsp.GetStatus)).role === 'writer', 15_000);
      assert.equal(await post(httpPort, [toolSpan('ef'.repeat(16), agentFile, 5, 'after takeover')]), 200);
      const detail = await second.conn.sendRequest(lsp.GetTrace, { traceId: 'ef'.repeat(16) });
      assert.equal(detail?.spans[0].tool?.result, 'after takeover');
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('deletes and clears traces for every window', async () => {
    const win = await openWindow({ dbPath: path.join(dir, 'lens.db'), workspaceFolders: [workspace] });
    try {
      const before = await win.conn.sendRequest(lsp.ListTraces, {});
      assert.ok(before.length >= 1);
      assert.equal(await win.conn.sendRequest(lsp.DeleteTrace, { traceId: before[0].traceId }), true);
      assert.equal(await win.conn.sendRequest(lsp.GetTrace, { traceId: before[0].traceId }), null);
      await win.conn.sendRequest(lsp.ClearTraces);
      assert.deepEqual(await win.conn.sendRequest(lsp.ListTraces, {}), []);
    } finally {
      await win.close();
    }
  });
});

describe('language server: code lens figures say what they count', function () {
  this.timeout(60_000);
  let dir: string;
  let workspace: string;
  let agentFile: string;
  let win: Window;
  let httpPort: number;
  // Lines of agent.py: 1 the agent, 2 the model call, 3 the tool.
  const AGENT_LINE = 1;
  const CHAT_LINE = 2;
  const TOOL_LINE = 3;
  const T0 = 1_790_000_000_000_000_000n;
  const ms = (n: number) => BigInt(Math.round(n * 1e6));

  function span(
    traceId: string,
    spanId: string,
    parent: string | null,
    line: number,
    startMs: number,
    durMs: number,
    attributes: Record<string, string | number>,
    error?: string,
  ): RawSpan {
    const start = T0 + ms(startMs);
    return {
      traceId,
      spanId,
      parentSpanId: parent,
      name: String(attributes['gen_ai.operation.name'] ?? 'step'),
      kind: 'internal',
      startUnixNanos: String(start),
      endUnixNanos: String(start + ms(durMs)),
      status: error ? { code: 'error', message: error } : { code: 'unset', message: '' },
      attributes: { ...attributes, 'code.file.path': agentFile, 'code.line.number': line },
      events: [],
      links: [],
      resource: { 'service.name': 'lens-test' },
      scope: { name: 't', version: '1' },
    };
  }
  const agent = (t: string, at: number) => span(t, `${t.slice(0, 14)}01`, null, AGENT_LINE, at, 50, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner' });
  const chat = (t: string, n: number, at: number) =>
    span(t, `${t.slice(0, 14)}1${n}`, `${t.slice(0, 14)}01`, CHAT_LINE, at, 10, {
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'lens-model',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 10,
    });
  const tool = (t: string, n: number, at: number, durMs: number, error?: string) =>
    span(t, `${t.slice(0, 14)}2${n}`, `${t.slice(0, 14)}01`, TOOL_LINE, at, durMs, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup' }, error);

  type Lens = { range: { start: { line: number } }; command: { title: string } };
  const lensAt = async (line: number): Promise<string> => {
    const lenses = (await win.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: pathToFileURL(agentFile).href } })) as Lens[];
    const found = lenses.filter((l) => l.range.start.line === line - 1);
    assert.equal(found.length, 1, JSON.stringify(lenses.map((l) => l.command.title)));
    return found[0].command.title;
  };
  const hoverAt = async (line: number): Promise<string> =>
    ((await win.conn.sendRequest('textDocument/hover', { textDocument: { uri: pathToFileURL(agentFile).href }, position: { line: line - 1, character: 0 } })) as { contents: { value: string } })
      .contents.value;
  const send = async (spans: RawSpan[]) => {
    assert.equal(await post(httpPort, spans), 200);
    const ids = new Set(spans.map((s) => s.traceId));
    await until('tracesChanged', () => [...ids].every((id) => win.changes.some((c) => c.traceIds.includes(id))));
  };

  before(async () => {
    ensureBuilt();
    dir = tempDir();
    workspace = path.join(dir, 'ws');
    fs.mkdirSync(workspace, { recursive: true });
    agentFile = path.join(workspace, 'agent.py');
    fs.writeFileSync(agentFile, 'run_agent()\ncall_model()\nlookup()\n');
    // A price of our own, so the expected cost does not follow the bundled price data.
    win = await openWindow({ dbPath: path.join(dir, 'figures.db'), workspaceFolders: [workspace], priceOverrides: { 'lens-model': { inputPerMTok: 0.1, outputPerMTok: 0.6 } } });
    httpPort = (await win.conn.sendRequest(lsp.GetStatus)).httpPort;
  });
  after(async () => {
    await win?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('one run with two calls at a line says "2 calls in the last run", and the agent line gives its subtree cost, equal to the trace cost', async () => {
    const t = '1a'.repeat(16);
    await send([agent(t, 0), chat(t, 1, 1), tool(t, 1, 12, 0.28), chat(t, 2, 20), tool(t, 2, 32, 1.5)]);
    const trace = await win.conn.sendRequest(lsp.GetTrace, { traceId: t });
    // 2 × (1000 × $0.1 + 10 × $0.6) per million tokens.
    assert.ok(trace && trace.costUsd !== null && Math.abs(trace.costUsd - 0.000212) < 1e-12, String(trace?.costUsd));

    assert.equal(await lensAt(TOOL_LINE), 'Agent Trace: 2 calls in the last run · last 1.5 ms');
    assert.equal(await lensAt(CHAT_LINE), 'Agent Trace: 2 calls in the last run · last 10 ms · 2,020 tokens, $0.000212');
    assert.equal(await lensAt(AGENT_LINE), `Agent Trace: 1 run · last 50 ms · 2,020 tokens, ${formatCost(trace.costUsd)}`);
    assert.match(await hoverAt(AGENT_LINE), /1 run, 1 call in all[\s\S]*Last run: 1 call, none failed, latest took 50 ms, 2,020 tokens, \$0\.000212 \(model calls beneath this line included\)/);
  });

  it('a sub-millisecond call reads in µs, never "0 ms"; more runs whose last failed say so, with the failure', async () => {
    const runs = ['2b', '2c', '2d'].map((p) => p.repeat(16));
    await send([agent(runs[0], 1000), tool(runs[0], 1, 1001, 0.28)]);
    await send([agent(runs[1], 2000), tool(runs[1], 1, 2001, 0.28)]);
    assert.equal(await lensAt(TOOL_LINE), 'Agent Trace: 3 runs · last 280 µs');
    await send([agent(runs[2], 3000), tool(runs[2], 1, 3001, 4, 'LookupError: no such city $(zap)\nat lookup')]);
    assert.equal(await lensAt(TOOL_LINE), 'Agent Trace: 4 runs · last failed: LookupError: no such city $\u200b(zap) at lookup');
    const hover = await hoverAt(TOOL_LINE);
    assert.match(hover, /\*\*Latest error\*\*\n\n`{3,}text\nLookupError: no such city \$\(zap\)\nat lookup\n`{3,}/);
    assert.equal(await lensAt(AGENT_LINE), 'Agent Trace: 4 runs · last 50 ms');
  });

  it('the picker rows of a line differ by run time, status, duration and cost', async () => {
    const rows = await win.conn.sendRequest(lsp.SpansAtLine, { file: agentFile, line: TOOL_LINE });
    assert.equal(rows.length, 5);
    const newest = rows[0];
    assert.equal(newest.failed, true);
    assert.match(newest.errorMessage ?? '', /^LookupError: no such city/);
    assert.equal(newest.durationMs, 4);
    assert.deepEqual(rows.slice(1).map((r) => [r.failed, r.durationMs]), [[false, 0.28], [false, 0.28], [false, 1.5], [false, 0.28]]);
    const chats = await win.conn.sendRequest(lsp.SpansAtLine, { file: agentFile, line: CHAT_LINE });
    assert.deepEqual(chats.map((r) => [r.tokens, r.costUsd, r.llmCalls]), [[1010, 0.000106, 1], [1010, 0.000106, 1]]);
  });

  it('the tree read gives every step the whole-trace read gives, with the same figures, and a step\'s details on request', async () => {
    const t = '3c'.repeat(16);
    await send([agent(t, 0), chat(t, 1, 1), tool(t, 1, 12, 2, 'lookup failed')]);
    const full = (await win.conn.sendRequest(lsp.GetTrace, { traceId: t }))!;
    const tree = (await win.conn.sendRequest(lsp.GetTraceTree, { traceId: t.toUpperCase() }))!;
    assert.equal(tree.traceId, t);
    assert.equal(tree.costUsd, full.costUsd);
    const pick = (s: { spanId: string; parentSpanId: string | null; name: string; kind: string; status: string; durationMs: number; model: string | null; usage: object; costUsd: number | null }) =>
      [s.spanId, s.parentSpanId, s.name, s.kind, s.status, s.durationMs, s.model, s.usage, s.costUsd];
    const bySpan = (a: { spanId: string }, b: { spanId: string }) => (a.spanId < b.spanId ? -1 : 1);
    assert.deepEqual([...tree.steps].sort(bySpan).map(pick), [...full.spans].sort(bySpan).map(pick));
    const failed = tree.steps.find((s) => s.kind === 'tool')!;
    assert.equal(failed.status, 'error');
    const step = (await win.conn.sendRequest(lsp.GetStep, { traceId: t, spanId: failed.spanId }))!;
    const inFull = full.spans.find((s) => s.spanId === failed.spanId)!;
    assert.deepEqual({ ...step, duplicateOf: null }, { ...inFull, duplicateOf: null });
    assert.equal(await win.conn.sendRequest(lsp.GetStep, { traceId: t, spanId: 'ff'.repeat(8) }), null);
    assert.equal(await win.conn.sendRequest(lsp.GetTraceTree, { traceId: 'ee'.repeat(16) }), null);
  });
});
