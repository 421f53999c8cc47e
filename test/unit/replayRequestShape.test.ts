// The provider-neutral request view: each API's body read into model, system prompt, messages,
// tools, parameters and stream flag, and written back after an edit with everything else intact.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { apiForPath, buildRequestBody, parseRequest, serializeRequest, type ModelApi, type RequestView } from '../../src/core/replay/requestShape';

function view(api: ModelApi, body: unknown): RequestView {
  const r = parseRequest(api, JSON.stringify(body));
  if (!r.ok) throw new Error(r.error);
  return r.view;
}

const CHAT = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'developer', content: 'You are terse.' },
    { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
  ],
  tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' }, strict: true } }],
  temperature: 0.2,
  stream: true,
  stream_options: { include_usage: true },
  x_vendor_field: { keep: [1, 2] },
};

const RESPONSES = {
  model: 'gpt-4.1',
  instructions: 'Be brief.',
  input: [
    { role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris?' }] },
    { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'xyz' },
    { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', id: 'fc_1' },
    { type: 'function_call_output', call_id: 'call_1', output: '18°C' },
  ],
  tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object' } }, { type: 'web_search' }],
  max_output_tokens: 300,
  store: false,
};

const ANTHROPIC = {
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
  messages: [
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: [{ type: 'thinking', thinking: 'Use the tool.', signature: 'sig' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' }] },
  ],
  tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } }],
  metadata: { user_id: 'u1' },
};

describe('replay: request shape', () => {
  it('knows the API of a request path', () => {
    assert.equal(apiForPath('/v1/chat/completions'), 'openai.chat');
    assert.equal(apiForPath('/v1/responses?x=1'), 'openai.responses');
    assert.equal(apiForPath('/v1/messages'), 'anthropic.messages');
    assert.equal(apiForPath('/api/chat/completions/'), 'openai.chat');
    assert.equal(apiForPath('/v1/messages/count_tokens'), null);
    assert.equal(apiForPath('/v1/models'), null);
  });

  it('reads a Chat Completions body: developer prompt, parts, tool calls, tool results, parameters', () => {
    const v = view('openai.chat', CHAT);
    assert.equal(v.model, 'gpt-4o-mini');
    assert.equal(v.system, 'You are terse.');
    assert.equal(v.stream, true);
    assert.deepEqual(v.messages, [
      { role: 'user', content: 'Weather in Paris?', from: 1 },
      { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }], from: 2 },
      { role: 'tool', content: '18°C', toolCallId: 'call_1', from: 3 },
    ]);
    assert.deepEqual(v.tools, [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object' }, from: 0 }]);
    assert.deepEqual(v.parameters, { temperature: 0.2, stream_options: { include_usage: true }, x_vendor_field: { keep: [1, 2] } });
  });

  it('reads a Responses body: instructions, input items of every kind, built-in tools', () => {
    const v = view('openai.responses', RESPONSES);
    assert.equal(v.system, 'Be brief.');
    assert.deepEqual(v.messages.map((m) => [m.role, m.content, m.toolCalls?.[0]?.name ?? m.toolCallId ?? null]), [
      ['user', 'Weather in Paris?', null],
      ['reasoning', null, null],
      ['assistant', null, 'get_weather'],
      ['tool', '18°C', 'call_1'],
    ]);
    assert.deepEqual(v.tools.map((t) => t.name), ['get_weather', 'web_search']);
    assert.deepEqual(v.parameters, { max_output_tokens: 300, store: false });
    assert.equal(view('openai.responses', { model: 'm', input: 'hi' }).messages[0].content, 'hi');
  });

  it('reads an Anthropic body: system blocks, tool_use input as JSON text, tool_result as a tool message', () => {
    const v = view('anthropic.messages', ANTHROPIC);
    assert.equal(v.system, 'You are terse.');
    assert.deepEqual(v.messages[1].toolCalls, [{ id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Paris"}' }]);
    assert.deepEqual(v.messages[2], { role: 'tool', content: '18°C', toolCallId: 'toolu_1', from: 2 });
    assert.deepEqual(v.tools[0].parameters, { type: 'object' });
    assert.deepEqual(v.parameters, { max_tokens: 1024, metadata: { user_id: 'u1' } });
  });

  it('gives a clear error for a body that is not a request of its API', () => {
    const bad = parseRequest('openai.chat', '{"model":"x"}');
    assert.equal(bad.ok, false);
    assert.match((bad as { error: string }).error, /OpenAI Chat Completions request has no "messages" list/);
    assert.match((parseRequest('anthropic.messages', '{oops') as { error: string }).error, /not JSON/);
    assert.match((parseRequest('openai.responses', '[1]') as { error: string }).error, /not a JSON object/);
    const deep = `{"model":"m","messages":[${'['.repeat(100_000)}${']'.repeat(100_000)}]}`;
    assert.match((parseRequest('openai.chat', deep) as { error: string }).error, /nested deeper than 256 levels/);
    assert.ok(parseRequest('openai.chat', '{"model":"m","messages":[{"role":"user","content":"[[[[{{{{\\"}"}]}').ok, 'brackets inside strings do not count');
  });

  for (const [api, body] of [['openai.chat', CHAT], ['openai.responses', RESPONSES], ['anthropic.messages', ANTHROPIC]] as const) {
    it(`${api}: writes an unedited view back as the same body, key order included`, () => {
      assert.equal(serializeRequest(view(api, body)), JSON.stringify(body));
    });
  }

  it('chat: a system prompt edit replaces the developer message only; the image part and unknown fields stay', () => {
    const v = view('openai.chat', CHAT);
    const out = buildRequestBody({ ...v, system: 'You are verbose.' });
    assert.deepEqual(out.messages, [{ role: 'developer', content: 'You are verbose.' }, ...CHAT.messages.slice(1)]);
    assert.deepEqual(out.x_vendor_field, CHAT.x_vendor_field);
    const edited = { ...v, messages: v.messages.map((m, i) => (i === 0 ? { ...m, content: 'Weather in Lyon?' } : m)) };
    assert.deepEqual((buildRequestBody(edited).messages as unknown[])[1], {
      role: 'user', content: [{ type: 'text', text: 'Weather in Lyon?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }],
    });
  });

  it('chat: model, parameters and stream edits; a removed parameter disappears, a new one is appended', () => {
    const v = view('openai.chat', CHAT);
    const { temperature: _t, ...rest } = v.parameters;
    const out = buildRequestBody({ ...v, model: 'gpt-4.1', stream: false, parameters: { ...rest, top_p: 0.5 } });
    assert.equal(out.model, 'gpt-4.1');
    assert.equal(out.stream, false);
    assert.equal('temperature' in out, false);
    assert.deepEqual(Object.keys(out).slice(-1), ['top_p']);
  });

  it('chat: a new message and a new tool are written in the Chat shape', () => {
    const v = view('openai.chat', CHAT);
    const out = buildRequestBody({
      ...v,
      messages: [...v.messages, { role: 'assistant', content: 'It is 18°C.' }, { role: 'user', content: 'Thanks' }],
      tools: [...v.tools, { name: 'get_time', description: null, parameters: { type: 'object', properties: {} } }],
    });
    assert.deepEqual((out.messages as unknown[]).slice(-2), [{ role: 'assistant', content: 'It is 18°C.' }, { role: 'user', content: 'Thanks' }]);
    assert.deepEqual((out.tools as unknown[])[1], { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } });
    assert.deepEqual((out.tools as unknown[])[0], CHAT.tools[0]);
  });

  it('responses: system edit goes to instructions; a new tool result becomes a function_call_output item', () => {
    const v = view('openai.responses', RESPONSES);
    const out = buildRequestBody({ ...v, system: 'Be thorough.', messages: [...v.messages, { role: 'user', content: 'And Lyon?' }] });
    assert.equal(out.instructions, 'Be thorough.');
    assert.deepEqual((out.input as unknown[]).slice(0, 4), RESPONSES.input);
    assert.deepEqual((out.input as unknown[])[4], { role: 'user', content: 'And Lyon?' });
    const noSystem = buildRequestBody({ ...v, system: null });
    assert.equal('instructions' in noSystem, false);
    const call = buildRequestBody({ ...v, messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'c9', name: 'f', arguments: '{}' }] }, { role: 'tool', content: 'ok', toolCallId: 'c9' }] });
    assert.deepEqual(call.input, [{ type: 'function_call', call_id: 'c9', name: 'f', arguments: '{}' }, { type: 'function_call_output', call_id: 'c9', output: 'ok' }]);
  });

  it('responses: text added to a function call item becomes a message item before it', () => {
    const v = view('openai.responses', RESPONSES);
    const out = buildRequestBody({ ...v, messages: v.messages.map((m) => (m.toolCalls ? { ...m, content: 'Checking.' } : m)) });
    assert.deepEqual((out.input as unknown[]).slice(2, 4), [{ role: 'assistant', content: 'Checking.' }, RESPONSES.input[2]]);
  });

  it('anthropic: system edit keeps cache_control; tool result edits stay in one user turn; tool_use input is an object', () => {
    const v = view('anthropic.messages', ANTHROPIC);
    const out = buildRequestBody({
      ...v,
      system: 'You are verbose.',
      messages: v.messages.map((m) => (m.role === 'tool' ? { ...m, content: '25°C' } : m)),
    });
    assert.deepEqual(out.system, [{ type: 'text', text: 'You are verbose.', cache_control: { type: 'ephemeral' } }]);
    assert.deepEqual((out.messages as unknown[])[2], { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '25°C' }] });
    assert.deepEqual((out.messages as unknown[])[1], ANTHROPIC.messages[1]);
    const added = buildRequestBody({ ...v, messages: [...v.messages, { role: 'assistant', content: 'Hot.', toolCalls: [{ id: 't2', name: 'get_weather', arguments: '{"city":"Lyon"}' }] }] });
    assert.deepEqual((added.messages as unknown[])[3], {
      role: 'assistant', content: [{ type: 'text', text: 'Hot.' }, { type: 'tool_use', id: 't2', name: 'get_weather', input: { city: 'Lyon' } }],
    });
  });

  describe('properties', () => {
    const key = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !['model', 'messages', 'tools', 'stream', '__proto__'].includes(k));
    const unknownFields = fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
    const textPart = fc.record({ type: fc.constant('text'), text: fc.string() }).chain((p) => unknownFields.map((u) => ({ ...u, ...p })));
    const otherPart = fc.record({ type: fc.constantFrom('image_url', 'input_audio'), data: fc.string() });
    const content = fc.oneof(fc.string(), fc.array(fc.oneof(textPart, otherPart), { maxLength: 3 }));
    const message = fc.record({ role: fc.constantFrom('system', 'user', 'assistant', 'tool'), content }).chain((m) => unknownFields.map((u) => ({ ...u, ...m })));
    const chatBody = fc.record({
      model: fc.string(),
      messages: fc.array(message, { maxLength: 6 }),
      stream: fc.boolean(),
    }).chain((b) => unknownFields.map((u) => JSON.parse(JSON.stringify({ ...u, ...b })) as typeof b)); // bodies come from JSON text

    it('serialize(parse(x)) gives back x, unknown fields included, for Chat bodies', () => {
      fc.assert(fc.property(chatBody, (body) => {
        assert.equal(serializeRequest(view('openai.chat', body)), JSON.stringify(body));
      }), { numRuns: 300 });
    });

    // Bodies of the two other APIs, with every item kind and unknown fields at every level.
    const withUnknown = <T extends object>(arb: fc.Arbitrary<T>) => arb.chain((x) => unknownFields.map((u) => ({ ...u, ...x })));
    const id = fc.string({ minLength: 1, maxLength: 6 });
    const responsesItem = fc.oneof(
      withUnknown(fc.record({ role: fc.constantFrom('user', 'assistant', 'developer'), content: fc.oneof(fc.string(), fc.array(fc.oneof(withUnknown(fc.record({ type: fc.constantFrom('input_text', 'output_text'), text: fc.string() })), fc.record({ type: fc.constant('input_image'), image_url: fc.string() })), { maxLength: 3 })) })),
      withUnknown(fc.record({ type: fc.constant('function_call'), call_id: id, name: fc.string(), arguments: fc.string() })),
      withUnknown(fc.record({ type: fc.constant('function_call_output'), call_id: id, output: fc.string() })),
      withUnknown(fc.record({ type: fc.constant('reasoning'), id, summary: fc.constant([]) })),
    );
    const responsesBody = withUnknown(fc.record({ model: fc.string(), input: fc.oneof(fc.string(), fc.array(responsesItem, { maxLength: 6 })), instructions: fc.option(fc.string(), { nil: undefined }) }, { requiredKeys: ['model', 'input'] }))
      .map((b) => JSON.parse(JSON.stringify(b)));
    const anthropicBlock = fc.oneof(
      withUnknown(fc.record({ type: fc.constant('text'), text: fc.string() })),
      fc.record({ type: fc.constant('image'), source: fc.record({ type: fc.constant('base64'), data: fc.string() }) }),
      withUnknown(fc.record({ type: fc.constant('tool_use'), id, name: fc.string(), input: fc.dictionary(key, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }) })),
      withUnknown(fc.record({ type: fc.constant('tool_result'), tool_use_id: id, content: fc.oneof(fc.string(), fc.array(fc.record({ type: fc.constant('text'), text: fc.string() }), { maxLength: 2 })) })),
    );
    const anthropicBody = withUnknown(fc.record({
      model: fc.string(),
      max_tokens: fc.nat(),
      system: fc.option(fc.oneof(fc.string(), fc.array(withUnknown(fc.record({ type: fc.constant('text'), text: fc.string() })), { minLength: 1, maxLength: 2 })), { nil: undefined }),
      messages: fc.array(withUnknown(fc.record({ role: fc.constantFrom('user', 'assistant'), content: fc.oneof(fc.string(), fc.array(anthropicBlock, { maxLength: 4 })) })), { maxLength: 5 }),
    }, { requiredKeys: ['model', 'max_tokens', 'messages'] })).map((b) => JSON.parse(JSON.stringify(b)));

    for (const [api, arb] of [['openai.responses', responsesBody], ['anthropic.messages', anthropicBody]] as const) {
      it(`${api}: serialize(parse(x)) gives back x; editing one message's text leaves every other item and field as it was`, () => {
        fc.assert(fc.property(arb, fc.nat(), fc.string(), (body: Record<string, unknown>, k, newText) => {
          const v = view(api, body);
          assert.equal(serializeRequest(v), JSON.stringify(body));
          // Reasoning items carry no editable text; text added to a call-only item becomes a message item of its own (tested below).
          const editable = v.messages.filter((m) => m.from !== undefined && m.role !== 'reasoning' && !(m.content === null && m.toolCalls?.length));
          fc.pre(editable.length > 0);
          const target = editable[k % editable.length];
          fc.pre(target.content !== newText);
          const out = buildRequestBody({ ...v, messages: v.messages.map((m) => (m === target ? { ...m, content: newText } : m)) });
          const listKey = api === 'anthropic.messages' ? 'messages' : 'input';
          for (const [f, value] of Object.entries(body)) if (f !== listKey) assert.deepEqual(out[f], value, f);
          const before = Array.isArray(body[listKey]) ? (body[listKey] as unknown[]) : [body[listKey]];
          const after = out[listKey] as unknown[];
          assert.equal(after.length, before.length);
          before.forEach((item, i) => { if (i !== target.from) assert.deepEqual(after[i], item, `item ${i}`); });
          const reread = view(api, out).messages.filter((m) => m.from === target.from);
          assert.ok(reread.some((m) => m.content === newText || (newText === '' && m.content === null)), JSON.stringify({ reread, newText }));
        }), { numRuns: 300 });
      });
    }

    it('a system prompt edit keeps every unknown top-level field and every non-system message untouched', () => {
      fc.assert(fc.property(chatBody, fc.string(), (body, system) => {
        const out = buildRequestBody({ ...view('openai.chat', body), system });
        for (const [k, v] of Object.entries(body)) if (k !== 'messages') assert.deepEqual(out[k], v);
        let lead = 0;
        while (lead < body.messages.length && body.messages[lead].role === 'system') lead++;
        assert.deepEqual((out.messages as unknown[]).slice(1), body.messages.slice(lead));
        assert.equal(view('openai.chat', out).system, system);
      }), { numRuns: 300 });
    });
  });
});
