// The replay core in the loop it is made for: a real OpenAI SDK agent talks to a stand-in proxy
// (a few lines here, standing for src/server/proxy) in front of the mock OpenAI upstream. Run 1 is
// recorded; run 2 is forked at step 2 with an edited system prompt. The mock counts the upstream
// calls: zero for step 1, which the agent still receives byte for byte.
import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { planReplay, type RecordedCall, type ReplayMatcher } from '../../src/core/replay/replayPlan';
import { apiForPath } from '../../src/core/replay/requestShape';
import { startMockOpenAi, type MockOpenAi } from '../support/mockOpenAi';

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Record every call, or (with a matcher) answer as the matcher decides. */
async function startStandInProxy(upstream: string, recorded: RecordedCall[], matcher: ReplayMatcher | null): Promise<{ baseUrl: string; received: Uint8Array[]; close(): Promise<void> }> {
  const received: Uint8Array[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const path = req.url ?? '/';
      const api = apiForPath(path);
      let send = body.toString('utf8');
      if (matcher && api) {
        const d = matcher.next({ api, body: body.toString('utf8') }, Date.now());
        if (d.action === 'replay' || d.action === 'respond') {
          res.writeHead(d.status, { 'content-type': d.contentType });
          res.end(d.body);
          return;
        }
        if (d.body !== null) send = d.body;
      }
      const up = await fetch(`${upstream}${path.replace(/^\/v1/, '')}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: send });
      const bytes = new Uint8Array(await up.arrayBuffer());
      const contentType = up.headers.get('content-type') ?? '';
      if (api && !matcher) recorded.push({ api, requestBody: body.toString('utf8'), responseBody: bytes, contentType, status: up.status, streamed: contentType.startsWith('text/event-stream') });
      received.push(bytes);
      res.writeHead(up.status, { 'content-type': contentType });
      res.end(bytes);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    received,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const TOOLS = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];

/** The weather agent: ask (non-streamed), run the tool, answer (streamed). Returns what the SDK saw. */
async function runAgent(baseURL: string, systemPrompt: string): Promise<{ step1: string; answer: string }> {
  const client = new OpenAI({ baseURL, apiKey: 'test-key', maxRetries: 0 });
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'system', content: systemPrompt }, { role: 'user', content: 'Weather in Paris?' }];
  const first = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: TOOLS, user: `session-${systemPrompt.length}` });
  const call = first.choices[0].message.tool_calls?.[0];
  assert.ok(call && call.type === 'function');
  messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '18°C' });
  const stream = client.chat.completions.stream({ model: 'gpt-4o-mini', messages, tools: TOOLS, stream_options: { include_usage: true } });
  const final = await stream.finalChatCompletion();
  return { step1: JSON.stringify(first), answer: final.choices[0].message.content ?? '' };
}

describe('replay: the matcher in a proxy loop, with the real OpenAI SDK', () => {
  let mock: MockOpenAi;
  beforeEach(async () => (mock = await startMockOpenAi()));
  afterEach(() => mock.close());

  it('fork at step 2 with an edited system prompt: zero upstream calls for step 1, the edit reaches the upstream', async () => {
    const recorded: RecordedCall[] = [];
    const recorder = await startStandInProxy(mock.baseUrl, recorded, null);
    const original = await runAgent(recorder.baseUrl, 'You are a weather agent. Today is Monday.');
    await recorder.close();
    assert.equal(recorded.length, 2);
    assert.equal(mock.requests.length, 2);

    const plan = planReplay({ recorded, forkAt: 1, edit: { kind: 'request', system: 'You are a weather agent. Answer in French.' } });
    assert.ok(plan.ok);
    const replayer = await startStandInProxy(mock.baseUrl, [], plan.matcher);
    const forked = await runAgent(replayer.baseUrl, 'You are a weather agent. Today is Tuesday.');
    await replayer.close();

    assert.equal(mock.requests.length, 3, 'one upstream call in the forked run: step 2');
    assert.equal(forked.step1, original.step1, 'step 1 answered from the recording');
    const sent = mock.requests[2] as { messages: Array<{ role: string; content: unknown }>; stream: boolean };
    assert.deepEqual(sent.messages[0], { role: 'system', content: 'You are a weather agent. Answer in French.' });
    assert.equal(sent.stream, true);
    assert.equal(forked.answer, original.answer);
    const report = plan.matcher.report();
    assert.deepEqual(report.calls.map((c) => c.outcome), ['replayed', 'fork-edited']);
    assert.deepEqual(report.problems, []);
  });

  it('a replacement response at step 1 is read by the SDK and steers the agent; nothing goes upstream for it', async () => {
    const recorded: RecordedCall[] = [];
    const recorder = await startStandInProxy(mock.baseUrl, recorded, null);
    await runAgent(recorder.baseUrl, 'v1');
    await recorder.close();

    const plan = planReplay({
      recorded, forkAt: 0,
      edit: { kind: 'response', keepLaterReplayed: true, response: { text: null, toolCalls: [{ id: 'call_edit', name: 'get_weather', arguments: '{"city":"Lyon"}' }] } },
    });
    assert.ok(plan.ok);
    const replayer = await startStandInProxy(mock.baseUrl, [], plan.matcher);
    const forked = await runAgent(replayer.baseUrl, 'v2');
    await replayer.close();
    assert.equal(mock.requests.length, 2, 'no upstream call in the forked run');
    assert.match(forked.step1, /"arguments":"\{\\"city\\":\\"Lyon\\"\}"/);
    assert.equal(forked.answer, 'The weather in Paris is sunny.', 'step 2 served by position from the recording');
    assert.deepEqual(plan.matcher.report().calls.map((c) => c.outcome), ['fork-replaced', 'replayed-by-position']);
  });
});
