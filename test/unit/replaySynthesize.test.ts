// A replacement response in each API's wire format, read back by the real SDKs (openai and
// @anthropic-ai/sdk) from a loopback server that serves exactly the synthesized bytes: the
// streaming accumulators (ChatCompletionStream, ResponseStream, MessageStream) check the event
// order and shapes the way an agent's client would.
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { parseRequest } from '../../src/core/replay/requestShape';
import { synthesisOptionsFor, synthesizeResponse, type ReplacementResponse, type SynthesizedResponse } from '../../src/core/replay/synthesizeResponse';

const LONG_TEXT = 'It is 18°C in Paris 🌤️ today — light wind from the west, no rain expected before the evening.';
const WITH_TOOL: ReplacementResponse = { text: null, toolCalls: [{ id: 'call_fix', name: 'get_weather', arguments: '{"city":"Lyon","unit":"celsius"}' }] };
const BOTH: ReplacementResponse = { text: 'Let me check.', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Lyon"}' }, { name: 'get_time', arguments: '{}' }] };
const OPTIONS = { model: 'gpt-4o-mini', nowMs: 1_764_650_000_000, idSeed: 'seed-1' };

describe('replay: synthesized replacement responses, read by the real SDKs', function () {
  let server: Server;
  let baseURL: string;
  let next: SynthesizedResponse;
  const requests: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        requests.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(next.status, { 'content-type': next.contentType });
        res.end(next.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const openai = () => new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: 'test-key', maxRetries: 0 });
  const anthropic = () => new Anthropic({ baseURL, apiKey: 'test-key', maxRetries: 0 });
  const ask = [{ role: 'user' as const, content: 'Weather?' }];

  describe('OpenAI Chat Completions', () => {
    it('non-streaming: text', async () => {
      next = synthesizeResponse('openai.chat', { text: LONG_TEXT }, { ...OPTIONS, stream: false });
      const c = await openai().chat.completions.create({ model: 'gpt-4o-mini', messages: ask });
      assert.equal(c.choices[0].message.content, LONG_TEXT);
      assert.equal(c.choices[0].finish_reason, 'stop');
      assert.equal(c.object, 'chat.completion');
    });

    it('streaming: text and two tool calls, accumulated by ChatCompletionStream', async () => {
      next = synthesizeResponse('openai.chat', BOTH, { ...OPTIONS, stream: true, includeUsage: true });
      assert.match(next.body, /data: \[DONE\]\n\n$/);
      const stream = openai().chat.completions.stream({ model: 'gpt-4o-mini', messages: ask, stream_options: { include_usage: true } });
      const final = await stream.finalChatCompletion();
      const m = final.choices[0].message;
      assert.equal(m.content, 'Let me check.');
      assert.deepEqual(m.tool_calls?.map((c) => c.type === 'function' && [c.function.name, c.function.arguments]), [['get_weather', '{"city":"Lyon"}'], ['get_time', '{}']]);
      assert.equal(final.choices[0].finish_reason, 'tool_calls');
      assert.deepEqual(final.usage, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    });

    it('streaming: the raw chunk iterator sees text split into deltas that join to the replacement', async () => {
      next = synthesizeResponse('openai.chat', { text: LONG_TEXT }, { ...OPTIONS, stream: true });
      const deltas: string[] = [];
      for await (const chunk of await openai().chat.completions.create({ model: 'gpt-4o-mini', messages: ask, stream: true })) {
        assert.equal(chunk.object, 'chat.completion.chunk');
        deltas.push(chunk.choices[0]?.delta.content ?? '');
      }
      assert.ok(deltas.filter(Boolean).length > 1);
      assert.equal(deltas.join(''), LONG_TEXT);
    });
  });

  describe('OpenAI Responses', () => {
    it('non-streaming: the SDK\'s output_text and a function call', async () => {
      next = synthesizeResponse('openai.responses', BOTH, { ...OPTIONS, stream: false });
      const r = await openai().responses.create({ model: 'gpt-4.1', input: 'Weather?' });
      assert.equal(r.output_text, 'Let me check.');
      const calls = r.output.filter((o) => o.type === 'function_call');
      assert.deepEqual(calls.map((c) => c.type === 'function_call' && [c.name, c.arguments]), [['get_weather', '{"city":"Lyon"}'], ['get_time', '{}']]);
    });

    it('streaming: ResponseStream accumulates the typed events into the final response', async () => {
      next = synthesizeResponse('openai.responses', { text: LONG_TEXT, toolCalls: WITH_TOOL.toolCalls }, { ...OPTIONS, stream: true });
      const stream = openai().responses.stream({ model: 'gpt-4.1', input: 'Weather?' });
      const deltas: string[] = [];
      const sequence: number[] = [];
      stream.on('event', (e) => sequence.push(e.sequence_number));
      stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
      const final = await stream.finalResponse();
      assert.equal(final.output_text, LONG_TEXT);
      assert.equal(deltas.join(''), LONG_TEXT);
      assert.deepEqual(sequence, sequence.map((_, i) => i));
      const call = final.output.find((o) => o.type === 'function_call');
      assert.ok(call && call.type === 'function_call');
      assert.equal(call.call_id, 'call_fix');
      assert.equal(call.arguments, '{"city":"Lyon","unit":"celsius"}');
      assert.equal(final.status, 'completed');
    });
  });

  describe('Anthropic Messages', () => {
    it('non-streaming: text and tool_use with its input object', async () => {
      next = synthesizeResponse('anthropic.messages', BOTH, { ...OPTIONS, model: 'claude-sonnet-4-5', stream: false });
      const m = await anthropic().messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: ask });
      assert.equal(m.stop_reason, 'tool_use');
      assert.deepEqual(m.content.map((b) => (b.type === 'text' ? b.text : b.type === 'tool_use' ? [b.name, b.input] : b.type)), ['Let me check.', ['get_weather', { city: 'Lyon' }], ['get_time', {}]]);
      assert.match(m.content[1].type === 'tool_use' ? m.content[1].id : '', /^toolu_[0-9a-f]{24}$/);
    });

    it('streaming: MessageStream accumulates text deltas and input_json_delta into the final message', async () => {
      next = synthesizeResponse('anthropic.messages', { text: LONG_TEXT, toolCalls: WITH_TOOL.toolCalls }, { ...OPTIONS, model: 'claude-sonnet-4-5', stream: true });
      const stream = anthropic().messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: ask });
      let streamed = '';
      stream.on('text', (t) => (streamed += t));
      const m = await stream.finalMessage();
      assert.equal(streamed, LONG_TEXT);
      assert.equal(m.stop_reason, 'tool_use');
      assert.deepEqual(m.content[1], { type: 'tool_use', id: 'call_fix', name: 'get_weather', input: { city: 'Lyon', unit: 'celsius' } });
      assert.match(next.body, /^event: message_start\n/);
      assert.match(next.body, /event: message_stop\ndata: \{"type":"message_stop"\}\n\n$/);
    });
  });

  it('answers in the form the request asked for: its stream flag, model and usage option', () => {
    const r = parseRequest('openai.chat', JSON.stringify({ model: 'gpt-4o', messages: ask, stream: true, stream_options: { include_usage: true } }));
    assert.ok(r.ok);
    const o = synthesisOptionsFor(r.view, 0, 'x');
    assert.deepEqual(o, { stream: true, model: 'gpt-4o', nowMs: 0, idSeed: 'x', includeUsage: true });
    const a = synthesizeResponse('openai.chat', { text: 'hi' }, o);
    const b = synthesizeResponse('openai.chat', { text: 'hi' }, o);
    assert.equal(a.body, b.body, 'the same seed gives the same bytes');
    assert.equal(a.contentType, 'text/event-stream; charset=utf-8');
  });
});
