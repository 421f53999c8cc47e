// The compare of a fork with its original (issue 10): the fork step is marked as edited and is the
// first divergence even when the model's answers match, and the edit is read from the exact
// requests the recording proxy sent (src/core/replay/forkStepDiff.ts, compareRuns' fork mark).
import * as assert from 'node:assert/strict';
import { compareRuns, type CompareStep, type RunInput } from '../../src/core/compare';
import { emptyUsage } from '../../src/core/model';
import { diffRequestBodies, forkStepDiff, lineDiff, type RecordedStepCall } from '../../src/core/replay';
import { formatPairDiff } from '../../src/cli/diffCommand';

const SYSTEM = 'You are a weather assistant.\nToday is Monday.';
const EDITED = 'You are a weather assistant.\nAnswer in French.';

function anthropicCall(over: { system?: string; model?: string; temperature?: number; messages?: unknown[] } = {}, extra: Partial<RecordedStepCall> = {}): RecordedStepCall {
  const body = {
    model: over.model ?? 'claude-x',
    max_tokens: 256,
    ...(over.temperature !== undefined ? { temperature: over.temperature } : {}),
    system: over.system ?? SYSTEM,
    messages: over.messages ?? [{ role: 'user', content: 'Weather in Paris?' }],
  };
  return { path: '/v1/messages', requestBody: JSON.stringify(body), requestTruncated: false, responseText: 'Sunny.', synthesized: false, ...extra };
}

const joined = (parts: { op: string; text: string }[], op: string) => parts.filter((p) => p.op === op).map((p) => p.text).join('');

describe('fork step diff (exact recorded requests)', () => {
  it('an edited system prompt: only the system prompt section differs, line by line', () => {
    const d = forkStepDiff(anthropicCall(), anthropicCall({ system: EDITED }));
    assert.equal(d.edit, 'request');
    assert.equal(d.what, 'system prompt changed');
    assert.deepEqual(d.notes, []);
    assert.deepEqual(d.request!.changed.map((c) => c.section), ['system']);
    assert.deepEqual(d.request!.unchanged, ['model', 'messages', 'tools', 'parameters']);
    const parts = d.request!.changed[0]!.parts;
    assert.deepEqual(parts, [
      { op: 'equal', text: 'You are a weather assistant.\n' },
      { op: 'delete', text: 'Today is Monday.' },
      { op: 'insert', text: 'Answer in French.' },
    ]);
  });

  it('model and parameters edited: both sections named, the parameter lines diffed', () => {
    const d = forkStepDiff(anthropicCall(), anthropicCall({ model: 'claude-y', temperature: 0.2 }));
    assert.equal(d.what, 'model, parameters changed');
    const params = d.request!.changed.find((c) => c.section === 'parameters')!;
    assert.equal(joined(params.parts, 'insert'), 'temperature: 0.2');
    assert.equal(joined(params.parts, 'delete'), '');
    const model = d.request!.changed.find((c) => c.section === 'model')!;
    assert.deepEqual(model.parts, [{ op: 'delete', text: 'claude-x' }, { op: 'insert', text: 'claude-y' }]);
  });

  it('an edited message: the messages section shows the changed line with its role', () => {
    const d = forkStepDiff(anthropicCall(), anthropicCall({ messages: [{ role: 'user', content: 'Weather in Lyon?' }] }));
    const m = d.request!.changed[0]!;
    assert.equal(m.section, 'messages');
    assert.equal(joined(m.parts, 'equal'), '[user]\n');
    assert.equal(joined(m.parts, 'delete'), 'Weather in Paris?');
    assert.equal(joined(m.parts, 'insert'), 'Weather in Lyon?');
  });

  it('key order and whitespace of the body do not count as an edit', () => {
    const original = anthropicCall({ temperature: 0.5 });
    const reordered = { ...original, requestBody: JSON.stringify(JSON.parse(original.requestBody), null, 2).replace('"max_tokens": 256,', '"max_tokens": 256 ,') };
    const d = forkStepDiff(original, reordered);
    assert.equal(d.what, 'the exact requests are the same');
    assert.deepEqual(d.request!.changed, []);
  });

  it('a replacement response: the response side is the edit, the recorded answer → the replacement', () => {
    const d = forkStepDiff(anthropicCall(), anthropicCall({}, { synthesized: true, responseText: 'Rainy.' }));
    assert.equal(d.edit, 'response');
    assert.equal(d.what, 'the response was replaced');
    assert.deepEqual(d.response, [{ op: 'delete', text: 'Sunny.' }, { op: 'insert', text: 'Rainy.' }]);
    assert.deepEqual(d.request!.changed, [], 'the agent asked the same');
  });

  it('no recording for the original step: said so, nothing pretended', () => {
    const d = forkStepDiff(null, anthropicCall({ system: EDITED }));
    assert.equal(d.request, null);
    assert.equal(d.what, 'no exact request recorded for the original step');
    assert.match(d.notes[0]!, /^No exact request recorded for the original step/);
    const f = forkStepDiff(anthropicCall(), null);
    assert.equal(f.what, 'no exact request recorded for the forked step');
  });

  it('a body that is not a readable request (truncated, unknown path) is diffed whole, as pretty JSON or text', () => {
    const cut = anthropicCall({ system: EDITED }, { requestTruncated: true });
    const d = forkStepDiff(anthropicCall(), cut);
    assert.deepEqual(d.request!.changed.map((c) => c.section), ['body']);
    assert.match(d.notes[0]!, /forked step's recorded request was cut/);
    assert.match(joined(d.request!.changed[0]!.parts, 'insert'), /"system": "You are a weather assistant.\\nAnswer in French."/);
    const text = diffRequestBodies({ ...anthropicCall(), path: '/other', requestBody: 'a\nb' }, { ...anthropicCall(), path: '/other', requestBody: 'a\nc' });
    assert.deepEqual(text.changed[0]!.parts, [{ op: 'equal', text: 'a\n' }, { op: 'delete', text: 'b' }, { op: 'insert', text: 'c' }]);
  });

  it('`agent-trace diff` prints the fork step\'s edit under the summary, in --word-diff notation', () => {
    const fork = forkStepDiff(anthropicCall(), anthropicCall({ system: EDITED }));
    const lines = formatPairDiff({ changed: ['edit'], unchanged: [], durationMs: { before: 1, after: 1 }, fork });
    assert.deepEqual(lines, ['    exact request system: You are a weather assistant.\n      [-Today is Monday.-]{+Answer in French.+}']);
    const missing = formatPairDiff({ changed: ['edit'], unchanged: [], durationMs: { before: 1, after: 1 }, fork: forkStepDiff(null, anthropicCall()) });
    assert.match(missing[0]!, /^ {4}No exact request recorded for the original step/);
  });

  it('hostile nesting and huge bodies stay bounded: replaced whole, no stack overflow', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const d = diffRequestBodies({ ...anthropicCall(), requestBody: deep }, { ...anthropicCall(), requestBody: deep + ' ' });
    assert.equal(d.changed.length, 1);
    const big = 'x\n'.repeat(600_000);
    assert.deepEqual(lineDiff(big, big + 'y').map((p) => p.op), ['delete', 'insert']);
  });
});

describe('compareRuns with a fork mark', () => {
  let n = 0;
  const step = (over: Partial<CompareStep>): CompareStep => ({
    spanId: `s${++n}`, parentSpanId: null, name: 'step', kind: 'other', operation: null, model: null, agentName: null, tool: null, messages: [],
    params: { temperature: null, maxTokens: null, toolsOffered: null }, status: 'ok', error: null, startMs: n * 100, durationMs: 50, usage: emptyUsage(), costUsd: null, ...over,
  });
  const chat = (parent: CompareStep, input: string) =>
    step({ name: 'chat claude-x', kind: 'llm', operation: 'chat', model: 'claude-x', parentSpanId: parent.spanId,
      messages: [{ role: 'user', direction: 'input', content: input, toolCalls: [], toolCallId: null, name: null }, { role: 'assistant', direction: 'output', content: 'Sunny.', toolCalls: [], toolCallId: null, name: null }] });
  const runOf = (traceId: string): { input: RunInput; steps: CompareStep[] } => {
    const root = step({ name: 'agent run' });
    const steps = [root, chat(root, 'Weather in Paris?'), chat(root, 'And tomorrow?')];
    return { steps, input: { traceId, steps, totals: { durationMs: 1, llmCalls: 2, toolCalls: 0, inputTokens: null, outputTokens: null, cacheReadTokens: null, cacheWriteTokens: null, costUsd: null, errors: 0 }, services: ['svc'], growing: false } };
  };

  it('identical steps (same answers): without the mark the runs match; with it the fork step is the first divergence, marked "edit"', () => {
    const a = runOf('a'.repeat(32));
    const b = runOf('b'.repeat(32));
    assert.equal(compareRuns(a.input, b.input).firstDivergence, null);
    const asked: string[][] = [];
    const r = compareRuns(a.input, b.input, { original: 'a', spanId: a.steps[2]!.spanId, describe: (x, y) => (asked.push([x, y]), 'system prompt changed') });
    assert.deepEqual(asked, [[a.steps[2]!.spanId, b.steps[2]!.spanId]], 'described from the aligned pair');
    assert.equal(r.firstDivergence?.step, 3);
    assert.equal(r.summary, 'run B diverges at step 3: the fork edited the model call (`claude-x`): system prompt changed');
    const row = r.rows[2]!;
    assert.deepEqual([row.status, row.changed, row.forkStep], ['changed', ['edit'], true]);
    assert.deepEqual(r.counts, { same: 2, changed: 1, added: 0, removed: 0 });
  });

  it('run A as the fork: the mark is found on the B side', () => {
    const a = runOf('a'.repeat(32));
    const b = runOf('b'.repeat(32));
    const r = compareRuns(a.input, b.input, { original: 'b', spanId: b.steps[1]!.spanId, describe: () => 'model changed' });
    assert.equal(r.firstDivergence?.step, 2);
    assert.equal(r.rows[1]!.forkStep, true);
  });

  it('a fork step that is not in the compare marks nothing', () => {
    const a = runOf('a'.repeat(32));
    const b = runOf('b'.repeat(32));
    const r = compareRuns(a.input, b.input, { original: 'a', spanId: 'nope', describe: () => assert.fail('not described') });
    assert.equal(r.firstDivergence, null);
  });
});
