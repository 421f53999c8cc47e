// Replay core (issue 10, second half): the request hash, call-order matching with its report,
// the edits, and the per-call decision of a fork.
import assert from 'node:assert/strict';
import { applyEdit, decideCall, matchCalls, requestHash, type ReplayPlan } from '../../src/core/proxy/replay';

const chat = (over: Record<string, unknown> = {}) => JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Paris?' }],
  tools: [{ type: 'function', function: { name: 'get_weather' } }],
  ...over,
});

describe('replay: request hash', () => {
  const h = (body: string, path = '/v1/chat/completions', provider: 'openai' | 'anthropic' = 'openai') => requestHash(provider, path, body);

  it('ignores the system prompt, volatile fields and key order', () => {
    const base = h(chat());
    assert.equal(h(chat({ messages: [{ role: 'developer', content: 'Be verbose.' }, { role: 'user', content: 'Weather in Paris?' }] })), base);
    assert.equal(h(chat({ stream: true, stream_options: { include_usage: true }, user: 'u-42', metadata: { run: '7' }, seed: 3 })), base);
    assert.equal(h(JSON.stringify({ tools: [{ function: { name: 'get_weather' }, type: 'function' }], messages: [{ content: 'Weather in Paris?', role: 'user' }], model: 'gpt-4o-mini' })), base);
    assert.equal(h(chat(), '/v1/chat/completions?api-version=1'), base, 'the query is not part of the call');
    const anthropic = (system: string) => h(JSON.stringify({ model: 'claude-sonnet-4-5', system, max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }), '/v1/messages', 'anthropic');
    assert.equal(anthropic('A'), anthropic('B'));
    const responses = (instructions: string) => h(JSON.stringify({ model: 'gpt-4o-mini', instructions, input: 'Hi', previous_response_id: `resp_${instructions}` }), '/v1/responses');
    assert.equal(responses('A'), responses('B'));
  });

  it('changes with what is asked: messages, model, parameters, tools, path, provider', () => {
    const base = h(chat());
    for (const other of [
      h(chat({ messages: [{ role: 'user', content: 'Weather in Lyon?' }] })),
      h(chat({ model: 'gpt-4o' })),
      h(chat({ temperature: 0.2 })),
      h(chat({ tools: [] })),
      h(chat(), '/v1/responses'),
      h(chat(), '/v1/chat/completions', 'anthropic'),
    ]) assert.notEqual(other, base);
  });

  it('hashes a body that is not JSON as its text', () => {
    assert.equal(h('not json'), h('not json'));
    assert.notEqual(h('not json'), h('not json!'));
  });
});

describe('replay: matching a new run to the recorded one in call order', () => {
  const rec = (...hashes: string[]) => hashes.map((hash, i) => ({ recordingId: 100 + i, hash }));

  it('matches the same calls in order, and a repeated request to its own turn', () => {
    const r = matchCalls(rec('a', 'b', 'a'), ['a', 'b', 'a']);
    assert.deepEqual(r, { matches: [{ callIndex: 0, recordingId: 100 }, { callIndex: 1, recordingId: 101 }, { callIndex: 2, recordingId: 102 }], unmatched: [], skipped: [] });
  });

  it('reports a call no recording answers, and recorded calls the run skipped', () => {
    const r = matchCalls(rec('a', 'b', 'c'), ['a', 'x', 'c', 'd']);
    assert.deepEqual(r.matches, [{ callIndex: 0, recordingId: 100 }, { callIndex: 2, recordingId: 102 }]);
    assert.deepEqual(r.skipped, [101]);
    assert.deepEqual(r.unmatched.map((u) => u.callIndex), [1, 3]);
    assert.match(r.unmatched[0]!.reason, /call 2 matches no recorded call \(expected recorded call 2 of 3\): the agent's request changed/);
    assert.match(r.unmatched[1]!.reason, /expected no more recorded calls/);
  });
});

describe('replay: edits at the chosen call', () => {
  it('replaces the system prompt where each API keeps it', () => {
    const e = { kind: 'system', system: 'Be precise.' } as const;
    const out = (provider: 'openai' | 'anthropic', path: string, body: string) => {
      const r = applyEdit(provider, path, body, e);
      assert.equal(r.kind, 'forward');
      return JSON.parse(r.kind === 'forward' ? r.bodyText : '') as Record<string, unknown>;
    };
    assert.deepEqual(out('openai', '/v1/chat/completions', chat()).messages, [{ role: 'system', content: 'Be precise.' }, { role: 'user', content: 'Weather in Paris?' }]);
    assert.deepEqual(out('openai', '/v1/chat/completions', JSON.stringify({ messages: [{ role: 'user', content: 'Q' }] })).messages, [{ role: 'system', content: 'Be precise.' }, { role: 'user', content: 'Q' }]);
    assert.equal(out('anthropic', '/v1/messages', JSON.stringify({ system: 'old', messages: [] })).system, 'Be precise.');
    assert.equal(out('openai', '/v1/responses', JSON.stringify({ input: 'Q' })).instructions, 'Be precise.');
  });

  it('replaces messages, merges model and parameters (null removes one), or answers with a replacement response', () => {
    const m = applyEdit('openai', '/v1/chat/completions', chat(), { kind: 'messages', messages: [{ role: 'user', content: 'Lyon?' }] });
    assert.deepEqual(m.kind === 'forward' && JSON.parse(m.bodyText).messages, [{ role: 'user', content: 'Lyon?' }]);
    const p = applyEdit('openai', '/v1/chat/completions', chat({ temperature: 1 }), { kind: 'parameters', model: 'gpt-4o', parameters: { temperature: 0, top_p: 0.5, tools: null } });
    const body = p.kind === 'forward' ? JSON.parse(p.bodyText) : {};
    assert.deepEqual([body.model, body.temperature, body.top_p, 'tools' in body], ['gpt-4o', 0, 0.5, false]);
    assert.deepEqual(applyEdit('anthropic', '/v1/messages', '{}', { kind: 'response', status: 200, contentType: 'application/json', body: '{"x":1}' }), { kind: 'respond', status: 200, contentType: 'application/json', body: '{"x":1}' });
    assert.throws(() => applyEdit('openai', '/v1/chat/completions', '[1]', { kind: 'system', system: 's' }), /not a JSON object/);
  });
});

describe('replay: what a fork does with each call', () => {
  const recorded = [{ recordingId: 1, hash: 'h1' }, { recordingId: 2, hash: 'h2' }, { recordingId: 3, hash: 'h3' }];
  const req = { provider: 'openai' as const, path: '/v1/chat/completions', bodyText: chat() };
  const plan = (after: 'live' | 'replay', edit: ReplayPlan['edit'] = { kind: 'system', system: 'New.' }): ReplayPlan => ({ recorded, editAt: 1, edit, after });

  it('serves recordings before the chosen call, edits it, then goes live', () => {
    assert.deepEqual(decideCall(plan('live'), ['h1'], req), { kind: 'serve-recorded', recordingId: 1 });
    const at = decideCall(plan('live'), ['h1', 'h2'], req);
    assert.equal(at.kind, 'edited');
    assert.match(at.kind === 'edited' && at.call.kind === 'forward' ? at.call.bodyText : '', /"content":"New\."/);
    assert.deepEqual(decideCall(plan('live'), ['h1', 'h2', 'changed'], req), { kind: 'live' });
  });

  it('after a response edit, keeps replaying the recorded calls that followed, by position', () => {
    const p = plan('replay', { kind: 'response', status: 200, contentType: 'application/json', body: '{}' });
    assert.deepEqual(decideCall(p, ['h1', 'h2', 'changed'], req), { kind: 'serve-recorded', recordingId: 3 });
    const past = decideCall(p, ['h1', 'h2', 'changed', 'more'], req);
    assert.equal(past.kind, 'unmatched');
  });

  it('says so when the run asks something the recording does not have before the chosen call', () => {
    const d = decideCall(plan('live'), ['other'], req);
    assert.equal(d.kind, 'unmatched');
    assert.match(d.kind === 'unmatched' ? d.reason : '', /call 1 matches no recorded call/);
    const skipped = decideCall(plan('live'), ['h1', 'h3'], req);
    assert.match(skipped.kind === 'unmatched' ? skipped.reason : '', /skipped the chosen call 2/);
  });
});
