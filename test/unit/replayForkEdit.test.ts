// "Re-run from this step…": the document the user edits for each kind of edit, read back as the
// ForkEdit the replay plan applies (only the chosen part is taken), and the fork's root span
// linked to the step it was forked at when its resource says so.
import { strict as assert } from 'node:assert';
import { canonicalize } from '../../src/core/canonicalize';
import type { RawSpan } from '../../src/core/model';
import { forkEditDocument, forkEditFromDocument } from '../../src/core/replay/forkEdit';
import { planReplay } from '../../src/core/replay/replayPlan';
import { parseRequest, type RequestView } from '../../src/core/replay/requestShape';

const BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  temperature: 0.2,
  max_tokens: 300,
  messages: [
    { role: 'system', content: 'You are a weather agent.' },
    { role: 'user', content: 'Weather in Paris?' },
  ],
});
const view = (): RequestView => {
  const r = parseRequest('openai.chat', BODY);
  assert.ok(r.ok);
  return r.view;
};
const doc = (kind: 'system' | 'messages' | 'model', change: (d: Record<string, unknown>) => void): string => {
  const d = forkEditDocument(kind, view(), null) as Record<string, unknown>;
  change(d);
  return JSON.stringify(d);
};

describe('replay: the fork edit document', () => {
  it('a system prompt edit takes only the system prompt, even when other fields were touched', () => {
    const r = forkEditFromDocument('system', doc('system', (d) => ((d.system = 'Be terse.'), (d.model = 'other-model'))), view());
    assert.deepEqual(r, { ok: true, edit: { kind: 'request', system: 'Be terse.' } });
  });

  it('a messages edit takes the conversation', () => {
    const r = forkEditFromDocument('messages', doc('messages', (d) => ((d.messages as Array<{ content: string }>)[0]!.content = 'Weather in Lyon?')), view());
    assert.ok(r.ok && r.edit.kind === 'request');
    assert.equal(r.edit.messages?.[0]?.content, 'Weather in Lyon?');
    assert.equal(r.edit.system, undefined);
  });

  it('a model and parameters edit names what changed and what was removed', () => {
    const r = forkEditFromDocument('model', doc('model', (d) => {
      d.model = 'gpt-4.1';
      const p = d.parameters as Record<string, unknown>;
      p.temperature = 0.9;
      delete p.max_tokens;
    }), view());
    assert.deepEqual(r, { ok: true, edit: { kind: 'request', model: 'gpt-4.1', parameters: { temperature: 0.9 }, removeParameters: ['max_tokens'] } });
  });

  it('a replacement response: prefilled with the recorded text, read back with tool calls and the keep-replayed choice', () => {
    assert.deepEqual(forkEditDocument('response', view(), 'Sunny.'), { text: 'Sunny.', toolCalls: [], keepLaterReplayed: false });
    const r = forkEditFromDocument('response', JSON.stringify({ text: null, toolCalls: [{ name: 'get_weather', arguments: '{"city":"Lyon"}' }], keepLaterReplayed: true }), view());
    assert.deepEqual(r, { ok: true, edit: { kind: 'response', response: { text: null, toolCalls: [{ name: 'get_weather', arguments: '{"city":"Lyon"}' }] }, keepLaterReplayed: true } });
  });

  it('bad documents get a message: not JSON, another API, an empty replacement, a tool call without arguments', () => {
    const msg = (r: ReturnType<typeof forkEditFromDocument>) => (r.ok ? '' : r.error);
    assert.match(msg(forkEditFromDocument('system', '{ nope', view())), /not JSON/);
    assert.match(msg(forkEditFromDocument('system', doc('system', (d) => ((d.api = 'anthropic.messages'), ((d.parameters as Record<string, unknown>).max_tokens = 5))), view())), /keeps the recorded call's "api"/);
    assert.match(msg(forkEditFromDocument('response', '{"text": null}', view())), /needs "text" or at least one tool call/);
    assert.match(msg(forkEditFromDocument('response', '{"text": "x", "toolCalls": [{"name": "f"}]}', view())), /"name" and "arguments"/);
  });

  it('the edit plans a replay: the edited system prompt is what the fork call forwards', () => {
    const r = forkEditFromDocument('system', doc('system', (d) => (d.system = 'Be terse.')), view());
    assert.ok(r.ok);
    const plan = planReplay({ recorded: [{ api: 'openai.chat', requestBody: BODY, responseBody: '{}', contentType: 'application/json', status: 200, streamed: false }], forkAt: 0, edit: r.edit });
    assert.ok(plan.ok);
    const d = plan.matcher.next({ api: 'openai.chat', body: BODY }, 0);
    assert.equal(d.action, 'forward');
    assert.match(d.action === 'forward' ? d.body ?? '' : '', /"content":"Be terse\."/);
  });
});

describe('canonicalize: the fork link', () => {
  const span = (parent: string | null, resource: Record<string, string>): RawSpan => ({
    traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), parentSpanId: parent, name: 'agent run', kind: 'internal',
    startUnixNanos: '1', endUnixNanos: '2', status: { code: 'unset', message: '' }, attributes: {}, events: [], links: [],
    resource: { 'service.name': 'a', ...resource }, scope: { name: 't', version: '1' },
  });
  const fork = { 'agent_trace.fork.of': 'a'.repeat(32), 'agent_trace.fork.step': 'b'.repeat(16) };

  it('a forked run\'s root step links to the step it was forked at; its other steps and other runs do not', () => {
    assert.deepEqual(canonicalize(span(null, fork)).links, [{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), attributes: { 'agent_trace.link.kind': 'fork' } }]);
    assert.deepEqual(canonicalize(span('e'.repeat(16), fork)).links, []);
    assert.deepEqual(canonicalize(span(null, {})).links, []);
    assert.deepEqual(canonicalize(span(null, { ...fork, 'agent_trace.fork.of': 'not-a-trace-id' })).links, []);
  });
});
