// Step alignment and per-pair diffs of two runs (src/core/compare): what a user sees as the
// rows of the compare panel and the summary line.
import * as assert from 'node:assert/strict';
import { alignSteps, compareRuns, diffPair, jsonDiff, valueDiff, wordDiff, type CompareStep, type RunInput, type RunTotals } from '../../src/core/compare';
import { emptyUsage } from '../../src/core/model';

let nextId = 0;
let clock = 1_000;

/** A step; `parent` is the parent step. Sequential in time unless `at` is given. */
function step(partial: Partial<CompareStep> & { parent?: CompareStep | null }): CompareStep {
  const start = partial.startMs ?? (clock += 100);
  const { parent, ...rest } = partial;
  return {
    spanId: `s${++nextId}`,
    parentSpanId: parent ? parent.spanId : null,
    name: 'step',
    kind: 'other',
    operation: null,
    model: null,
    agentName: null,
    tool: null,
    messages: [],
    params: { temperature: null, maxTokens: null, toolsOffered: null },
    status: 'unset',
    error: null,
    startMs: start,
    durationMs: 50,
    usage: emptyUsage(),
    costUsd: null,
    ...rest,
  };
}

const agent = (name = 'planner', parent: CompareStep | null = null) =>
  step({ name: `invoke_agent ${name}`, kind: 'agent', operation: 'invoke_agent', agentName: name, parent, durationMs: 10_000 });
const llm = (parent: CompareStep, input = 'hello', model = 'gpt-4o-mini') =>
  step({
    name: `chat ${model}`,
    kind: 'llm',
    operation: 'chat',
    model,
    parent,
    messages: [{ role: 'user', direction: 'input', content: input, toolCalls: [], toolCallId: null, name: null }],
  });
const tool = (parent: CompareStep, name: string, args: object = {}, result = '{"ok":true}', extra: Partial<CompareStep> = {}) =>
  step({ name: `execute_tool ${name}`, kind: 'tool', operation: 'execute_tool', parent, tool: { name, arguments: JSON.stringify(args), result }, ...extra });

/** Rows as "a-name | b-name | status" for readable assertions. */
function table(a: CompareStep[], b: CompareStep[]): string[] {
  return alignSteps(a, b).map((r) => {
    const label = (s: CompareStep | undefined) => (s ? (s.tool ? `${s.tool.name}${s.tool.arguments === '{}' ? '' : s.tool.arguments}` : s.kind) : '-');
    return `${'  '.repeat(r.depth)}${label(r.a === null ? undefined : a[r.a])} | ${label(r.b === null ? undefined : b[r.b])} | ${r.status}`;
  });
}

const totals = (over: Partial<RunTotals> = {}): RunTotals => ({
  durationMs: 1000, llmCalls: 1, toolCalls: 1, inputTokens: 100, outputTokens: 20, cacheReadTokens: null, cacheWriteTokens: null, costUsd: 0.001, errors: 0, ...over,
});
const run = (steps: CompareStep[], over: Partial<RunInput> = {}): RunInput => ({ traceId: 'a'.repeat(32), steps, totals: totals(), services: ['svc'], growing: false, ...over });

describe('compare: step alignment', () => {
  it('pairs identical runs step by step and says they match', () => {
    const build = () => {
      const root = agent();
      return [root, llm(root), tool(root, 'get_weather', { city: 'Paris' }), llm(root, 'and now?')];
    };
    const a = build();
    const b = build();
    assert.deepEqual(table(a, b), ['agent | agent | same', '  llm | llm | same', '  get_weather{"city":"Paris"} | get_weather{"city":"Paris"} | same', '  llm | llm | same']);
    const result = compareRuns(run(a), run(b));
    assert.equal(result.firstDivergence, null);
    assert.equal(result.summary, 'The runs match step by step (4 steps).');
  });

  it('shows an inserted tool call as added without misaligning the steps after it', () => {
    const ra = agent();
    const a = [ra, llm(ra), tool(ra, 'get_weather'), llm(ra, 'second'), tool(ra, 'send_mail'), llm(ra, 'third')];
    const rb = agent();
    const b = [rb, llm(rb), tool(rb, 'get_weather'), tool(rb, 'search_docs'), llm(rb, 'second'), tool(rb, 'send_mail'), llm(rb, 'third')];
    assert.deepEqual(table(a, b), [
      'agent | agent | same',
      '  llm | llm | same',
      '  get_weather | get_weather | same',
      '  - | search_docs | added',
      '  llm | llm | same',
      '  send_mail | send_mail | same',
      '  llm | llm | same',
    ]);
    assert.equal(compareRuns(run(a), run(b)).summary, 'run B diverges at step 4: an extra tool call `search_docs` that run A does not have');
  });

  it('shows a deleted step, with its children, as removed', () => {
    const ra = agent();
    const sub = agent('researcher', ra);
    const a = [ra, llm(ra), sub, llm(sub, 'research'), tool(sub, 'search_docs'), llm(ra, 'answer')];
    const rb = agent();
    const b = [rb, llm(rb), llm(rb, 'answer')];
    assert.deepEqual(table(a, b), ['agent | agent | same', '  llm | llm | same', '  agent | - | removed', '    llm | - | removed', '    search_docs | - | removed', '  llm | llm | same']);
    assert.equal(compareRuns(run(a), run(b)).summary, 'run B diverges at step 3: agent `researcher` of run A is missing');
  });

  it('aligns a loop that ran more often by order and argument similarity: the extra iteration is the one with new arguments', () => {
    const ra = agent();
    const a = [ra, tool(ra, 'search', { q: 'paris weather today' }), tool(ra, 'search', { q: 'paris umbrella shops' }), tool(ra, 'search', { q: 'rain radar france' })];
    const rb = agent();
    const b = [
      rb,
      tool(rb, 'search', { q: 'paris weather today' }),
      tool(rb, 'search', { q: 'lyon museum hours' }),
      tool(rb, 'search', { q: 'paris umbrella shops open' }),
      tool(rb, 'search', { q: 'rain radar france' }),
    ];
    const rows = alignSteps(a, b);
    assert.deepEqual(
      rows.map((r) => [r.a, r.b, r.status]),
      [[0, 0, 'same'], [1, 1, 'same'], [null, 2, 'added'], [2, 3, 'changed'], [3, 4, 'same']],
    );
    assert.deepEqual(rows[3].changed, ['arguments']);
  });

  it('pairs repeated identical steps in order, extra iterations of a loop at the end', () => {
    const ra = agent();
    const a = [ra, tool(ra, 'poll'), tool(ra, 'poll')];
    const rb = agent();
    const b = [rb, tool(rb, 'poll'), tool(rb, 'poll'), tool(rb, 'poll'), tool(rb, 'poll')];
    assert.deepEqual(alignSteps(a, b).map((r) => [r.a, r.b, r.status]), [[0, 0, 'same'], [1, 1, 'same'], [2, 2, 'same'], [null, 3, 'added'], [null, 4, 'added']]);
  });

  it('does not count parallel tool calls that finished in another order as a change', () => {
    const ra = agent();
    const a = [ra, llm(ra), tool(ra, 'get_weather', {}, '{}', { startMs: 5_000, durationMs: 300 }), tool(ra, 'search_docs', {}, '{}', { startMs: 5_010, durationMs: 300 })];
    const rb = agent();
    const b = [rb, llm(rb), tool(rb, 'search_docs', {}, '{}', { startMs: 6_000, durationMs: 300 }), tool(rb, 'get_weather', {}, '{}', { startMs: 6_005, durationMs: 300 })];
    const rows = alignSteps(a, b);
    assert.ok(rows.every((r) => r.status === 'same'), JSON.stringify(rows));
    assert.deepEqual(rows.slice(2).map((r) => [a[r.a!].tool!.name, b[r.b!].tool!.name]), [['get_weather', 'get_weather'], ['search_docs', 'search_docs']]);
  });

  it('keeps the order of sequential calls: the same tools called one after the other in another order are a change', () => {
    const ra = agent();
    const a = [ra, tool(ra, 'get_weather'), tool(ra, 'search_docs')];
    const rb = agent();
    const b = [rb, tool(rb, 'search_docs'), tool(rb, 'get_weather')];
    assert.ok(alignSteps(a, b).some((r) => r.status !== 'same'));
  });

  it('pairs an agent that switched tools as one changed step and says so in the summary', () => {
    const ra = agent();
    const a = [ra, llm(ra), tool(ra, 'get_weather', { city: 'Paris' }), llm(ra, 'answer')];
    const rb = agent();
    const b = [rb, llm(rb), tool(rb, 'search_docs', { city: 'Paris' }), llm(rb, 'answer')];
    assert.deepEqual(table(a, b)[2], '  get_weather{"city":"Paris"} | search_docs{"city":"Paris"} | changed');
    const result = compareRuns(run(a), run(b));
    assert.equal(result.summary, 'run B diverges at step 3: the model called `search_docs` instead of `get_weather`');
    assert.deepEqual(result.firstDivergence && { row: result.firstDivergence.row, step: result.firstDivergence.step }, { row: 2, step: 3 });
  });

  it('never pairs steps of a different kind or operation', () => {
    const ra = agent();
    const a = [ra, llm(ra)];
    const rb = agent();
    const b = [rb, tool(rb, 'get_weather')];
    assert.deepEqual(table(a, b), ['agent | agent | same', '  llm | - | removed', '  - | get_weather | added']);
  });

  it('reports the first divergence where it starts, not at the parent whose output changed because of it', () => {
    const ra = agent();
    ra.messages = [{ role: 'assistant', direction: 'output', content: 'It is sunny', toolCalls: [], toolCallId: null, name: null }];
    const a = [ra, llm(ra, 'question'), tool(ra, 'get_weather', { city: 'Paris' }, '{"sky":"sunny"}')];
    const rb = agent();
    rb.messages = [{ role: 'assistant', direction: 'output', content: 'It rains', toolCalls: [], toolCallId: null, name: null }];
    const b = [rb, llm(rb, 'question'), tool(rb, 'get_weather', { city: 'Paris' }, '{"sky":"rain"}')];
    assert.equal(compareRuns(run(a), run(b)).summary, 'run B diverges at step 3: the tool call `get_weather` returned a different result');
  });

  it('marks a changed model, changed parameters and a new error as changes of the pair', () => {
    const ra = agent();
    const a = [ra, llm(ra)];
    const rb = agent();
    const b = [rb, llm(rb, 'hello', 'gpt-4o')];
    b[1].params = { temperature: 0.7, maxTokens: null, toolsOffered: ['get_weather'] };
    b[1].status = 'error';
    b[1].error = { type: 'RateLimit', message: 'slow down', stacktrace: null };
    const rows = alignSteps(a, b);
    assert.deepEqual(rows[1].changed, ['name', 'model', 'parameters', 'status', 'error']);
    assert.equal(compareRuns(run(a), run(b)).summary, 'run B diverges at step 2: the model call used `gpt-4o` instead of `gpt-4o-mini`');
  });

  it('aligns two 2,000-step runs with one inserted step (the anchored path) exactly', () => {
    const build = (insertAt: number | null) => {
      const root = agent();
      const steps = [root];
      for (let i = 0; i < 1000; i++) {
        if (i === insertAt) steps.push(tool(root, 'inserted'));
        steps.push(llm(root, `turn ${i}`), tool(root, 'search', { q: `query ${i}` }));
      }
      return steps;
    };
    const rows = alignSteps(build(null), build(500));
    assert.equal(rows.length, 2002);
    assert.deepEqual(rows.filter((r) => r.status !== 'same').map((r) => [r.status, r.b]), [['added', 1001]]);
  });
});

describe('compare: bounded on hostile input', () => {
  it('falls back to in-order pairing by kind when two huge levels share nothing', () => {
    const ra = agent();
    const rb = agent();
    const a = [ra, ...Array.from({ length: 3000 }, (_, i) => (i % 3 ? tool(ra, `a${i}`, { i }) : llm(ra, `a ${i}`, 'model-a')))];
    const b = [rb, ...Array.from({ length: 3000 }, (_, i) => (i % 2 ? tool(rb, `b${i}`, { i }) : llm(rb, `b ${i}`, 'model-b')))];
    const rows = alignSteps(a, b);
    const pairs = rows.filter((r) => r.a !== null && r.b !== null);
    assert.ok(pairs.every((r) => a[r.a!].kind === b[r.b!].kind), 'only steps of one kind are paired');
    assert.equal(rows.filter((r) => r.a !== null).length, 3001);
    assert.equal(rows.filter((r) => r.b !== null).length, 3001);
    for (let k = 1; k < pairs.length; k++) assert.ok(pairs[k].a! > pairs[k - 1].a! && pairs[k].b! > pairs[k - 1].b!, 'order kept');
  });

  it('reports a difference deep in nested JSON once, at a bounded depth', () => {
    let before: unknown = 1;
    let after: unknown = 2;
    for (let i = 0; i < 200; i++) {
      before = [before];
      after = [after];
    }
    const changes = jsonDiff(before, after);
    assert.equal(changes.length, 1);
    assert.equal(changes[0].op, 'changed');
    assert.equal(changes[0].path, '$' + '[0]'.repeat(32));
  });

  it('does not diff or show tool arguments nested thousands of levels deep (they would overflow JSON.stringify)', () => {
    const deep = (leaf: number) => '['.repeat(5000) + leaf + ']'.repeat(5000);
    const diff = valueDiff(deep(1), deep(2));
    assert.deepEqual(diff, { format: 'json', changes: [{ path: '$', op: 'changed', before: '(nested more than 256 levels deep: not shown)', after: '(nested more than 256 levels deep: not shown)' }] });
    assert.doesNotThrow(() => JSON.stringify(diff));
  });
});

describe('compare: summary, totals and notices', () => {
  it('gives the totals of both runs with their deltas, unknown stays unknown', () => {
    const a = run([agent()], { totals: totals({ durationMs: 1200, llmCalls: 2, costUsd: 0.002, cacheReadTokens: null }) });
    const b = run([agent()], { totals: totals({ durationMs: 900, llmCalls: 3, costUsd: 0.0035, cacheReadTokens: 40 }) });
    const byMetric = Object.fromEntries(compareRuns(a, b).totals.map((t) => [t.metric, t]));
    assert.deepEqual(byMetric.durationMs, { metric: 'durationMs', a: 1200, b: 900, delta: -300 });
    assert.equal(byMetric.llmCalls.delta, 1);
    assert.ok(Math.abs(byMetric.costUsd.delta! - 0.0015) < 1e-12);
    assert.equal(byMetric.cacheReadTokens.delta, null);
    assert.deepEqual(Object.keys(byMetric), ['durationMs', 'llmCalls', 'toolCalls', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'costUsd', 'errors']);
  });

  it('says when a run is still growing and when the runs come from different agents', () => {
    const result = compareRuns(run([agent('planner')], { growing: true }), run([agent('researcher')]));
    assert.deepEqual(result.notices, [
      'Run A is still growing: this compares the 1 step(s) that have arrived so far.',
      'The runs come from different agents (A: planner; B: researcher): steps are aligned all the same.',
    ]);
    assert.equal(result.rows[0].status, 'changed');
  });

  it('does not call a growing run of the same service a different agent because its agent step has not arrived', () => {
    const partial = step({ kind: 'tool', operation: 'execute_tool', tool: { name: 'x', arguments: null, result: null } });
    const result = compareRuns(run([agent('planner')]), run([partial], { growing: true }));
    assert.deepEqual(result.notices, ['Run B is still growing: this compares the 1 step(s) that have arrived so far.']);
  });
});

describe('compare: differences of one pair', () => {
  it('diffs message text word by word and folds unchanged fields away', () => {
    const ra = agent();
    const rb = agent();
    const a = llm(ra, 'Do I need an umbrella in Paris today?');
    const b = llm(rb, 'Do I need a coat in Paris today?');
    const diff = diffPair(a, b);
    assert.deepEqual(diff.changed, ['input']);
    assert.ok(diff.unchanged.includes('model') && diff.unchanged.includes('usage'));
    assert.equal(diff.model, undefined);
    assert.deepEqual(diff.input, [
      {
        role: 'user',
        status: 'changed',
        parts: [
          { op: 'equal', text: 'Do I need ' },
          { op: 'delete', text: 'an umbrella' },
          { op: 'insert', text: 'a coat' },
          { op: 'equal', text: ' in Paris today?' },
        ],
      },
    ]);
    assert.deepEqual(diff.durationMs, { before: 50, after: 50 });
  });

  it('diffs tool arguments and results as JSON structure, arrays aligned', () => {
    assert.deepEqual(jsonDiff({ city: 'Paris', units: 'C', days: [1, 2, 3] }, { city: 'Lyon', days: [1, 9, 2, 3], lang: 'fr' }), [
      { path: '$.city', op: 'changed', before: 'Paris', after: 'Lyon' },
      { path: '$.units', op: 'removed', before: 'C' },
      { path: '$.days[1]', op: 'added', after: 9 },
      { path: '$.lang', op: 'added', after: 'fr' },
    ]);
    const ra = agent();
    const rb = agent();
    const diff = diffPair(tool(ra, 'get_weather', { city: 'Paris' }, '{"t":14}'), tool(rb, 'get_weather', { city: 'Paris' }, '{"t":9}'));
    assert.deepEqual(diff.changed, ['result']);
    assert.deepEqual(diff.result, { format: 'json', changes: [{ path: '$.t', op: 'changed', before: 14, after: 9 }] });
  });

  it('falls back to a word diff for arguments that are not JSON', () => {
    assert.deepEqual(valueDiff('find umbrellas', 'find coats'), { format: 'text', parts: [{ op: 'equal', text: 'find ' }, { op: 'delete', text: 'umbrellas' }, { op: 'insert', text: 'coats' }] });
    assert.deepEqual(wordDiff('same', 'same'), [{ op: 'equal', text: 'same' }]);
  });

  it('ignores tool call ids that providers mint anew every run', () => {
    const ra = agent();
    const rb = agent();
    const a = llm(ra);
    const b = llm(rb);
    a.messages = [{ role: 'assistant', direction: 'output', content: null, toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{}' }], toolCallId: null, name: null }];
    b.messages = [{ role: 'assistant', direction: 'output', content: null, toolCalls: [{ id: 'call_XYZ', name: 'get_weather', arguments: '{}' }], toolCallId: null, name: null }];
    assert.deepEqual(diffPair(a, b).changed, []);
  });
});
