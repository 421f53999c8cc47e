// agentTrace/compareTraces and agentTrace/comparePair from the language server (what the compare
// panel asks): spans sent over OTLP/HTTP to `agent-trace lsp --stdio`, then compared, including
// traces of different agents (allowed, with a notice), a trace still growing (its root has not
// arrived: compared as far as it goes, with a notice) and an unknown trace id.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RawSpan } from '../../src/core/model';
import * as lsp from '../../src/protocol/lsp';
import { postSpans } from '../support/postSpans';
import { startLsp, type LspSession } from '../support/lspProcess';
import { ensureBuilt, tempDir } from '../support/serverProcess';

const BASE = BigInt(Date.now()) * 1_000_000n;

function span(traceId: string, spanId: string, parent: string | null, name: string, atMs: number, attributes: RawSpan['attributes'], service: string): RawSpan {
  return {
    traceId,
    spanId,
    parentSpanId: parent,
    name,
    kind: 'internal',
    startUnixNanos: String(BASE + BigInt(atMs) * 1_000_000n),
    endUnixNanos: String(BASE + BigInt(atMs + 10) * 1_000_000n),
    status: { code: 'unset', message: '' },
    attributes,
    events: [],
    links: [],
    resource: { 'service.name': service },
    scope: { name: 't', version: '1' },
  };
}

const agent = (name: string) => ({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': name });
const tool = (name: string, args: object) => ({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.call.arguments': JSON.stringify(args) });

const TRACE_A = 'a1'.repeat(16);
const TRACE_B = 'b2'.repeat(16);
const TRACE_LIVE = 'c3'.repeat(16);

describe('language server: compare two traces', function () {
  this.timeout(60_000);
  let dir: string;
  let server: LspSession | undefined;
  let conn: LspSession['conn'];

  before(async () => {
    ensureBuilt();
    dir = tempDir();
    server = await startLsp({ dbPath: path.join(dir, 'traces.db'), workspaceFolders: [dir] });
    conn = server.conn;
    const { httpPort } = await conn.sendRequest(lsp.GetStatus);
    const status = await postSpans(httpPort, [
      span(TRACE_A, 'a000000000000001', null, 'invoke_agent planner', 0, agent('planner'), 'planner-svc'),
      span(TRACE_A, 'a000000000000002', 'a000000000000001', 'execute_tool get_weather', 1, tool('get_weather', { city: 'Paris' }), 'planner-svc'),
      span(TRACE_B, 'b000000000000001', null, 'invoke_agent planner', 0, agent('planner'), 'planner-svc'),
      span(TRACE_B, 'b000000000000002', 'b000000000000001', 'execute_tool search_docs', 1, tool('search_docs', { city: 'Paris' }), 'planner-svc'),
      // Still arriving: the tool call is here, its agent span (the root) is not.
      span(TRACE_LIVE, 'c000000000000002', 'c000000000000001', 'execute_tool get_weather', 1, tool('get_weather', { city: 'Paris' }), 'researcher-svc'),
    ]);
    assert.equal(status, 200);
  });

  after(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('aligns the runs and says the agent switched tools at step 2', async () => {
    const response = await conn.sendRequest(lsp.CompareTraces, { traceIdA: TRACE_A, traceIdB: TRACE_B });
    assert.ok(response.ok);
    const r = response.result;
    assert.equal(r.summary, 'run B diverges at step 2: the model called `search_docs` instead of `get_weather`');
    assert.deepEqual(r.firstDivergence, { step: 2, spanIdA: 'a000000000000002', spanIdB: 'b000000000000002', what: 'the model called `search_docs` instead of `get_weather`' });
    assert.deepEqual(r.rows.map((row) => [row.step, row.depth, row.status, row.a?.tool ?? row.a?.kind, row.b?.tool ?? row.b?.kind]), [
      [1, 0, 'same', 'agent', 'agent'],
      [2, 1, 'changed', 'get_weather', 'search_docs'],
    ]);
    assert.equal(r.rows[1].diff, undefined, 'per-pair diffs come on request (comparePair) unless includeDiffs');
    assert.deepEqual(r.notices, []);
  });

  it('gives the differences of one aligned pair on request, unchanged fields named', async () => {
    const diff = await conn.sendRequest(lsp.ComparePair, { traceIdA: TRACE_A, traceIdB: TRACE_B, spanIdA: 'a000000000000002', spanIdB: 'b000000000000002' });
    assert.ok(diff);
    assert.deepEqual(diff.changed, ['name', 'tool']);
    assert.deepEqual(diff.tool, { before: 'get_weather', after: 'search_docs' });
    assert.ok(diff.unchanged.includes('arguments'));
    assert.equal(diff.arguments, undefined);
    assert.equal(await conn.sendRequest(lsp.ComparePair, { traceIdA: TRACE_A, traceIdB: TRACE_B, spanIdA: 'ffffffffffffffff', spanIdB: 'b000000000000002' }), null);
  });

  it('compares a trace still growing, from another agent, and says both', async () => {
    const response = await conn.sendRequest(lsp.CompareTraces, { traceIdA: TRACE_A, traceIdB: TRACE_LIVE });
    assert.ok(response.ok);
    const r = response.result;
    assert.equal(r.b.growing, true);
    assert.deepEqual(r.notices, [
      'Run B is still growing: this compares the 1 step(s) that have arrived so far.',
      'The runs come from different agents (A: planner-svc; B: researcher-svc): steps are aligned all the same.',
    ]);
    assert.deepEqual(r.counts, { same: 0, changed: 0, added: 1, removed: 2 });
  });

  it('answers an unknown trace id with a clear message, not an error', async () => {
    const response = await conn.sendRequest(lsp.CompareTraces, { traceIdA: TRACE_A, traceIdB: 'f'.repeat(32) });
    assert.deepEqual(response, { ok: false, missing: ['f'.repeat(32)], message: `No trace with id ${'f'.repeat(32)}.` });
  });
});
