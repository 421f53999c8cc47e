// The replay matcher the proxy consults for each request of a forked run: recorded answers before
// the fork point (in call order, by hash), the edit at it, live or replayed calls after it, and a
// report in plain words of what could not be matched or changed shape.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { planReplay, REPLAY_ERROR_STATUS, type ForkEdit, type RecordedCall, type ReplayDecision, type ReplayMatcher } from '../../src/core/replay/replayPlan';
import { parseRequest } from '../../src/core/replay/requestShape';

const SYSTEM = { role: 'system', content: 'You are a weather agent. Run 1.' };
const TOOLS = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }];

const chatBody = (messages: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({ model: 'gpt-4o-mini', messages: [SYSTEM, ...messages], tools: TOOLS, ...extra });
const user = (content: string) => ({ role: 'user', content });
const toolCall = (id: string, city: string) => ({ role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify({ city }) } }] });
const toolResult = (id: string, content: string) => ({ role: 'tool', tool_call_id: id, content });

function recorded(body: Record<string, unknown>, answer: string, streamed = false): RecordedCall {
  return { api: 'openai.chat', requestBody: JSON.stringify(body), responseBody: new TextEncoder().encode(answer), contentType: streamed ? 'text/event-stream' : 'application/json', status: 200, streamed };
}

/** The weather agent's three calls: ask, tool result, final answer. */
const STEP1 = chatBody([user('Weather in Paris?')]);
const STEP2 = chatBody([user('Weather in Paris?'), toolCall('c1', 'Paris'), toolResult('c1', '18°C')]);
const STEP3 = chatBody([user('Weather in Paris?'), toolCall('c1', 'Paris'), toolResult('c1', '18°C'), { role: 'assistant', content: 'It is 18°C.' }, user('And tomorrow?')]);
const RECORDING = [recorded(STEP1, 'answer-1'), recorded(STEP2, 'answer-2'), recorded(STEP3, 'answer-3')];

function matcher(edit: ForkEdit, forkAt = 1, calls = RECORDING, onUnmatched?: 'live' | 'fail'): ReplayMatcher {
  const plan = planReplay({ recorded: calls, forkAt, edit, onUnmatched });
  if (!plan.ok) throw new Error(plan.error);
  return plan.matcher;
}

const send = (m: ReplayMatcher, body: unknown, api: 'openai.chat' | 'anthropic.messages' | 'openai.responses' = 'openai.chat'): ReplayDecision =>
  m.next({ api, body: typeof body === 'string' ? body : JSON.stringify(body) }, 1_764_650_000_000);

const text = (b: Uint8Array | string): string => (typeof b === 'string' ? b : new TextDecoder().decode(b));
const forwarded = (d: ReplayDecision): Record<string, unknown> => {
  assert.equal(d.action, 'forward');
  assert.ok(d.action === 'forward' && d.body !== null, 'an edited body');
  return JSON.parse((d as { body: string }).body);
};

describe('replay: plan and matcher', () => {
  it('refuses a fork point outside the recording, in words', () => {
    const r = planReplay({ recorded: RECORDING, forkAt: 3, edit: { kind: 'request', system: 'x' } });
    assert.deepEqual(r, { ok: false, error: 'The fork point (call 4) is not one of the 3 recorded calls.' });
    assert.deepEqual(planReplay({ recorded: [], forkAt: 0, edit: { kind: 'request' } }), { ok: false, error: 'The run has no recorded model calls to replay.' });
  });

  it('fork at step 2 with an edited system prompt: step 1 replayed byte for byte, step 2 edited, step 3 live with the edit kept', () => {
    const m = matcher({ kind: 'request', system: 'You are a careful weather agent.' });
    // The new run's system prompt says "Run 2", its keys are in another order and it carries per-run fields.
    const again1 = { tools: TOOLS, user: 'session-2', messages: [{ role: 'system', content: 'Run 2' }, user('Weather in Paris?')], model: 'gpt-4o-mini', seed: 99 };
    const d1 = send(m, JSON.stringify(again1, null, 2));
    assert.equal(d1.action, 'replay');
    assert.equal(d1.action === 'replay' && text(d1.body), 'answer-1');
    assert.equal(d1.action === 'replay' && d1.callIndex, 0);

    const d2 = forwarded(send(m, STEP2));
    assert.deepEqual((d2.messages as unknown[])[0], { role: 'system', content: 'You are a careful weather agent.' });
    assert.deepEqual((d2.messages as unknown[]).slice(1), (STEP2.messages as unknown[]).slice(1));
    assert.deepEqual(d2.tools, TOOLS);

    const d3 = forwarded(send(m, STEP3));
    assert.deepEqual((d3.messages as unknown[])[0], { role: 'system', content: 'You are a careful weather agent.' });

    const report = m.report();
    assert.deepEqual(report.calls.map((c) => c.outcome), ['replayed', 'fork-edited', 'live']);
    assert.equal(report.liveCalls, 2, 'zero upstream calls for step 1');
    assert.deepEqual(report.problems, []);
    assert.equal(report.forkReached, true);
  });

  it('a model and parameters edit holds for every later call', () => {
    const m = matcher({ kind: 'request', model: 'gpt-4.1', parameters: { temperature: 0.7 } }, 0);
    const d1 = forwarded(send(m, STEP1));
    assert.equal(d1.model, 'gpt-4.1');
    assert.equal(d1.temperature, 0.7);
    const d2 = forwarded(send(m, STEP2));
    assert.equal(d2.model, 'gpt-4.1');
    const removed = matcher({ kind: 'request', removeParameters: ['temperature'] }, 0, [recorded({ ...STEP1, temperature: 0 }, 'a')]);
    assert.equal('temperature' in forwarded(send(removed, { ...STEP1, temperature: 0 })), false);
  });

  it('a messages edit replaces the fork call\'s conversation, and later calls that repeat it as history', () => {
    const v = parseRequest('openai.chat', JSON.stringify(STEP2));
    assert.ok(v.ok);
    const messages = v.view.messages.map((msg) => (msg.role === 'tool' ? { ...msg, content: '35°C, heat warning' } : msg));
    const m = matcher({ kind: 'request', messages });
    send(m, STEP1);
    const d2 = forwarded(send(m, STEP2));
    assert.deepEqual((d2.messages as unknown[])[3], toolResult('c1', '35°C, heat warning'));
    assert.deepEqual((d2.messages as unknown[]).slice(0, 3), (STEP2.messages as unknown[]).slice(0, 3));
    const d3 = forwarded(send(m, STEP3));
    assert.deepEqual((d3.messages as unknown[])[3], toolResult('c1', '35°C, heat warning'));
    assert.deepEqual((d3.messages as unknown[]).slice(4), (STEP3.messages as unknown[]).slice(4));
  });

  it('tolerates a request sent again (answered again) and parallel calls arriving in another order', () => {
    const a = chatBody([user('A')]);
    const b = chatBody([user('B')]);
    const c = chatBody([user('C')]);
    const m = matcher({ kind: 'request', system: 'x' }, 3, [recorded(a, 'A'), recorded(b, 'B'), recorded(a, 'A2'), recorded(c, 'C')]);
    const served = [send(m, b), send(m, a), send(m, a), send(m, a)].map((d) => (d.action === 'replay' ? text(d.body) : d.action));
    assert.deepEqual(served, ['B', 'A', 'A2', 'A2']);
    assert.deepEqual(m.report().calls.map((x) => x.outcome), ['replayed', 'replayed', 'replayed', 'replayed-again']);
    assert.equal(m.report().liveCalls, 0);
    assert.deepEqual(m.report().problems, ['The new run did not reach the fork point (recorded call 4): the edit was not applied.']);
  });

  it('reports recorded calls the new run did not ask again', () => {
    const a = chatBody([user('A')]);
    const title = chatBody([user('Give this chat a title')]);
    const b = chatBody([user('B')]);
    const m = matcher({ kind: 'request', system: 'x' }, 2, [recorded(a, 'A'), recorded(title, 'T'), recorded(b, 'B')]);
    assert.equal(send(m, a).action, 'replay');
    assert.equal(send(m, b).action, 'forward');
    const r = m.report();
    assert.deepEqual(r.notAskedAgain, [1]);
    assert.deepEqual(r.problems, ['The new run did not ask call 2 of the recording again.']);
  });

  it('reports a call it cannot match, says what differs, and sends it live (or answers an error on request)', () => {
    const changed = chatBody([user('Weather in Lyon?')], { model: 'gpt-4o', tools: [{ type: 'function', function: { name: 'get_time' } }] });
    const m = matcher({ kind: 'request', system: 'x' }, 2);
    const d = send(m, changed);
    assert.deepEqual(d, { action: 'forward', body: null });
    const [call] = m.report().calls;
    assert.equal(call.outcome, 'unmatched-live');
    assert.equal(call.shapeChanged, true);
    assert.deepEqual(call.messages, [
      'Call 1 matches no recorded call before the fork point (the next expected was recorded call 1). It was sent upstream.',
      'Call 1 asks for model gpt-4o; the recording used gpt-4o-mini.',
      'Call 1 offers other tools than the recording: added get_time; removed get_weather.',
      'Call 1 differs from the recording at message 1 (user): "Weather in Lyon?" where the recording had "Weather in Paris?".',
    ]);

    const strict = matcher({ kind: 'request', system: 'x' }, 2, RECORDING, 'fail');
    const e = send(strict, changed);
    assert.equal(e.action, 'respond');
    assert.equal(e.action === 'respond' && e.status, REPLAY_ERROR_STATUS);
    const err = JSON.parse(e.action === 'respond' ? e.body : '{}');
    assert.match(err.error.message, /^Agent Trace replay: Call 1 matches no recorded call .* asks for model gpt-4o/);
    assert.equal(strict.report().liveCalls, 0);
  });

  it('does not serve recorded bytes in the other stream form', () => {
    const m = matcher({ kind: 'request', system: 'x' }, 1, [recorded(STEP1, 'data: {}\n\n', true), recorded(STEP2, '{}')]);
    assert.deepEqual(send(m, STEP1), { action: 'forward', body: null });
    assert.match(m.report().problems[0], /Call 1 matches recorded call 1, but asks for a single answer and the recording is a stream: it cannot be replayed\./);
  });

  it('takes the next request as the fork point once the calls before it are served, and says how it differs', () => {
    const m = matcher({ kind: 'request', system: 'x' });
    send(m, STEP1);
    const drifted = chatBody([user('Weather in Paris?'), toolCall('c1', 'Paris'), toolResult('c1', '19°C')]);
    assert.equal(send(m, drifted).action, 'forward');
    const r = m.report();
    assert.equal(r.calls[1].outcome, 'fork-edited');
    assert.deepEqual(r.problems, [
      'Call 2 was taken as the fork point (recorded call 2) though it differs from it.',
      'Call 2 differs from the recording at message 3 (tool): "19°C" where the recording had "18°C".',
    ]);
  });

  describe('a replacement response', () => {
    const edit = (keepLaterReplayed: boolean): ForkEdit => ({ kind: 'response', response: { text: 'It is snowing.' }, keepLaterReplayed });

    it('answers the fork call in the API\'s form without an upstream call, then goes live', () => {
      const m = matcher(edit(false));
      send(m, STEP1);
      const d = send(m, { ...STEP2, stream: true });
      assert.equal(d.action, 'respond');
      assert.ok(d.action === 'respond');
      assert.equal(d.contentType, 'text/event-stream; charset=utf-8');
      assert.match(d.body, /"object":"chat\.completion\.chunk"/);
      assert.match(d.body, /data: \[DONE\]\n\n$/);
      assert.deepEqual(send(m, STEP3), { action: 'forward', body: null });
      assert.equal(m.report().liveCalls, 1);
    });

    it('with later calls kept replayed: by hash, else by position, and an error when the recording runs out', () => {
      const m = matcher(edit(true), 0);
      assert.equal(send(m, STEP1).action, 'respond');
      const differing = chatBody([user('Weather in Paris?'), { role: 'assistant', content: 'It is snowing.' }, user('Thanks')]);
      const d2 = send(m, differing);
      assert.equal(d2.action === 'replay' && text(d2.body), 'answer-2');
      const d3 = send(m, STEP3);
      assert.equal(d3.action === 'replay' && text(d3.body), 'answer-3');
      const d4 = send(m, differing);
      assert.equal(d4.action, 'respond');
      assert.equal(d4.action === 'respond' && d4.status, REPLAY_ERROR_STATUS);
      const r = m.report();
      assert.deepEqual(r.calls.map((c) => c.outcome), ['fork-replaced', 'replayed-by-position', 'replayed', 'unmatched-failed']);
      assert.equal(r.liveCalls, 0);
      assert.match(r.problems.join('\n'), /Call 2 differs from the recording after the replaced response and was answered with recorded call 2, the next recorded OpenAI Chat Completions call\./);
      assert.match(r.problems.join('\n'), /Call 4 comes after the replaced response, and no recorded call is left to answer it\./);
    });
  });

  it('works the same for Anthropic: the system prompt is ignored by the match and replaced at the fork', () => {
    const body = (messages: unknown[], system: string) => ({ model: 'claude-sonnet-4-5', max_tokens: 100, system, messages });
    const a1 = body([user('Weather?')], 'v1');
    const a2 = body([user('Weather?'), { role: 'assistant', content: 'Sunny.' }, user('Sure?')], 'v1');
    const calls: RecordedCall[] = [a1, a2].map((b, i) => ({ api: 'anthropic.messages', requestBody: JSON.stringify(b), responseBody: `answer-${i + 1}`, contentType: 'application/json', status: 200, streamed: false }));
    const m = matcher({ kind: 'request', system: 'Be sure.' }, 1, calls);
    const d1 = send(m, body([user('Weather?')], 'v2'), 'anthropic.messages');
    assert.equal(d1.action === 'replay' && d1.body, 'answer-1');
    assert.equal(forwarded(send(m, body(a2.messages, 'v2'), 'anthropic.messages')).system, 'Be sure.');
  });

  it('an unreadable request is sent upstream unchanged and reported', () => {
    const m = matcher({ kind: 'request', system: 'x' });
    assert.deepEqual(send(m, '{"model":'), { action: 'forward', body: null });
    assert.match(m.report().problems[0], /^Call 1 could not be read \(The OpenAI Chat Completions request body is not JSON: .*\); it was sent upstream unchanged\.$/);
  });

  it('hashes with an injected SHA-256 (node:crypto in the server) to the same decisions', () => {
    let calls = 0;
    const nodeSha = (t: string) => { calls++; return createHash('sha256').update(t).digest('hex'); };
    const plan = planReplay({ recorded: RECORDING, forkAt: 1, edit: { kind: 'request', system: 'x' }, sha256: nodeSha });
    assert.ok(plan.ok);
    const d = send(plan.matcher, STEP1);
    assert.equal(d.action === 'replay' && text(d.body), 'answer-1');
    send(plan.matcher, STEP2);
    const before = calls;
    send(plan.matcher, STEP3);
    assert.equal(calls, before, 'a live call after a request edit is not hashed');
  });

  it('property: the same run again sends nothing upstream before the fork point and serves each recorded answer', () => {
    const run = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 8 });
    fc.assert(fc.property(run, fc.nat(), fc.string(), (questions, k, prompt) => {
      const calls = questions.map((q, i) => recorded(chatBody([user(q)]), `answer-${i}`));
      const forkAt = k % calls.length;
      const m = matcher({ kind: 'request', system: 'edited' }, forkAt, calls);
      questions.forEach((q, i) => {
        const d = send(m, { messages: [{ role: 'system', content: prompt }, user(q)], model: 'gpt-4o-mini', tools: TOOLS, stream_options: null, user: prompt });
        if (i < forkAt) assert.equal(d.action === 'replay' && text(d.body), `answer-${i}`);
        else assert.equal(d.action, 'forward');
      });
      const r = m.report();
      assert.equal(r.liveCalls, calls.length - forkAt);
      assert.deepEqual(r.problems, []);
    }), { numRuns: 200 });
  });
});
