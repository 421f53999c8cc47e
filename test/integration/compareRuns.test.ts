// Two real runs of the sample agent (real openai client, OpenTelemetry exporter, mock model),
// the second with a changed question, received by the built CLI's server and compared with
// `agent-trace diff`: the first divergence is the first model call, whose input changed.
import * as assert from 'node:assert/strict';
import type { CompareResultDto } from '../../src/protocol/compare';
import type { TraceDetailDto, TraceSummaryDto } from '../../src/protocol/dto';
import { buildSampleAgentLib, runSampleAgent, SAMPLE_AGENT } from '../e2e/helpers';
import { cliJson, cliJsonLines, runCli, useServedDatabase } from '../support/serverProcess';

async function runAgent(endpoint: string, question: string | null): Promise<string> {
  const run = await runSampleAgent(SAMPLE_AGENT, endpoint, {}, question ?? undefined);
  if (run.code !== 0 || !run.traceId) throw new Error(`sample agent exited ${run.code}: ${run.stderr}`);
  return run.traceId;
}

/** Polls until the condition holds (the store commits each export before answering, so this is quick). */
async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('agent-trace diff: two runs of the sample agent', function () {
  this.timeout(120_000);
  const served = useServedDatabase();
  let idA: string;
  let idB: string;

  before(async () => {
    await buildSampleAgentLib();
    const endpoint = `http://127.0.0.1:${served.server.httpPort}`;
    idA = await runAgent(endpoint, null);
    idB = await runAgent(endpoint, 'Do I need a coat in Lyon today?');
    const complete = (id: string) => cliJsonLines<TraceSummaryDto>(['list', '--db', served.db]).some((t) => t.traceId === id && t.spanCount >= 6);
    await until(() => complete(idA) && complete(idB), 'both runs in the store');
  });

  it('finds the first divergence at the first model call, whose user message changed word by word', () => {
    const result = cliJson<CompareResultDto>(['diff', idA, idB, '--db', served.db]);
    const traceB = cliJson<TraceDetailDto>(['show', idB, '--db', served.db]);
    const firstChatB = traceB.spans.find((s) => s.kind === 'llm')!;
    assert.equal(result.summary, 'run B diverges at step 3: the model call (`gpt-4o-mini`) got a different input');
    assert.equal(result.firstDivergence?.step, 3);
    assert.equal(result.firstDivergence?.spanIdB, firstChatB.spanId);

    const row = result.rows[2];
    assert.equal(row.status, 'changed');
    assert.ok(row.changed.includes('input'), row.changed.join());
    const user = row.diff?.input?.find((m) => m.role === 'user');
    assert.equal(user?.status, 'changed');
    const deleted = user!.parts.filter((p) => p.op === 'delete').map((p) => p.text).join(' ');
    const inserted = user!.parts.filter((p) => p.op === 'insert').map((p) => p.text).join(' ');
    assert.match(deleted, /umbrella/);
    assert.match(inserted, /coat/);
    assert.ok(user!.parts.some((p) => p.op === 'equal' && p.text.includes('Do I need')), JSON.stringify(user!.parts));
  });

  it('aligns the agent, both tool calls and both model calls, and gives totals with deltas', () => {
    const result = cliJson<CompareResultDto>(['diff', idA, idB, '--db', served.db]);
    assert.deepEqual(
      result.rows.map((r) => [r.depth, r.a?.tool ?? r.a?.kind, r.b?.tool ?? r.b?.kind]),
      [[0, 'other', 'other'], [1, 'agent', 'agent'], [2, 'llm', 'llm'], [2, 'get_weather', 'get_weather'], [2, 'search_docs', 'search_docs'], [2, 'llm', 'llm']],
    );
    assert.deepEqual(result.counts, { same: 4, changed: 2, added: 0, removed: 0 });
    const tools = result.rows.filter((r) => r.a?.tool);
    assert.ok(tools.every((r) => r.status === 'same' && r.diff === undefined));
    const llmCalls = result.totals.find((t) => t.metric === 'llmCalls')!;
    assert.deepEqual([llmCalls.a, llmCalls.b, llmCalls.delta], [2, 2, 0]);
    assert.equal(result.notices.length, 0, result.notices.join());
    assert.equal(result.a.growing || result.b.growing, false);
    assert.deepEqual(result.a.agents, ['weather-assistant']);
  });

  it('prints the summary and the aligned steps as text', () => {
    const r = runCli(['diff', idA, idB, '--db', served.db]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /run B diverges at step 3: the model call \(`gpt-4o-mini`\) got a different input/);
    assert.match(r.stdout, /~\s+3\s+chat gpt-4o-mini/);
    // What changed there, in git's word-diff notation, right under the summary.
    assert.match(r.stdout, /input user \(changed\): Do I need \[-an umbrella-\]\{\+a coat\+\} in \[-Paris-\]\{\+Lyon\+\} today\?/);
  });

  it('exits 1 with a clear message for an unknown trace id, 2 for bad usage', () => {
    const unknown = runCli(['diff', idA, 'f'.repeat(32), '--db', served.db]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, new RegExp(`No trace with id ${'f'.repeat(32)}`));
    const one = runCli(['diff', idA, '--db', served.db]);
    assert.equal(one.code, 2);
    assert.match(one.stderr, /needs two trace ids/);
  });
});
