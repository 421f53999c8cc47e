// "Edit and re-send": the editable request document from a stored LLM span (through the real
// normalizers) or from an exact recorded request, its JSON Schema (checked with ajv, the same
// verdicts as the code's own check), and the body an edited document becomes.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import fc from 'fast-check';
import { canonicalize } from '../../src/core/canonicalize';
import type { Attributes, CanonicalSpan } from '../../src/core/model';
import { checkDocument, draftFromRequest, draftFromSpan, requestFromDocument, type ModelRequestDocument } from '../../src/core/replay/resendRequest';
import { parseRequest } from '../../src/core/replay/requestShape';

const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'schemas', 'model-request.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile(schema);

function llmSpan(attrs: Attributes): CanonicalSpan {
  return canonicalize({
    traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), parentSpanId: null, name: 'chat', kind: 'client',
    startUnixNanos: '1790000000000000000', endUnixNanos: '1790000001000000000', status: { code: 'unset', message: '' },
    attributes: attrs, events: [], links: [], resource: { 'service.name': 'weather-agent' }, scope: { name: 'test', version: '1' },
  });
}

const OPENAI_SPAN = llmSpan({
  'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.request.temperature': 0.2, 'gen_ai.request.max_tokens': 300,
  'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are a weather agent.' }]),
  'gen_ai.input.messages': JSON.stringify([
    { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
    { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'get_weather', arguments: { city: 'Paris' } }] },
    { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: '18°C' }] },
  ]),
  'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'It is 18°C.' }] }]),
  'gen_ai.tool.definitions': JSON.stringify([{ type: 'function', name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } }]),
});

describe('replay: Edit and re-send', () => {
  it('reconstructs the request from an OTel GenAI span: system, conversation, tools, parameters', () => {
    const { document, notes, base } = draftFromSpan(OPENAI_SPAN);
    assert.deepEqual(document, {
      api: 'openai.chat',
      model: 'gpt-4o-mini',
      system: 'You are a weather agent.',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' }] },
        { role: 'tool', content: '18°C', toolCallId: 'c1' },
      ],
      tools: [{ name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
      parameters: { temperature: 0.2, max_tokens: 300 },
      stream: false,
    });
    assert.equal(base, null);
    assert.deepEqual(notes, ['Reconstructed from what the instrumentation recorded, not the exact request: fields it did not capture are missing.']);
    assert.ok(validate(document), JSON.stringify(validate.errors));
  });

  it('the reconstructed document sends as a Chat body, or as an Anthropic body when "api" is changed', () => {
    const { document } = draftFromSpan(OPENAI_SPAN);
    const chat = requestFromDocument(JSON.stringify(document));
    assert.ok(chat.ok);
    assert.deepEqual(JSON.parse(chat.body), {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are a weather agent.' },
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', content: '18°C', tool_call_id: 'c1' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      temperature: 0.2,
      max_tokens: 300,
    });
    const anthropic = requestFromDocument(JSON.stringify({ ...document, api: 'anthropic.messages' }));
    assert.ok(anthropic.ok);
    const body = JSON.parse(anthropic.body);
    assert.equal(body.system, 'You are a weather agent.');
    assert.deepEqual(body.messages[1], { role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 'get_weather', input: { city: 'Paris' } }] });
    assert.deepEqual(body.messages[2], { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'c1', content: '18°C' }] });
    assert.deepEqual(body.tools[0].input_schema, { type: 'object', properties: { city: { type: 'string' } } });
  });

  it('reconstructs from an OpenInference span as well (indexed messages, invocation parameters, tool schemas)', () => {
    const { document } = draftFromSpan(llmSpan({
      'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o', 'llm.provider': 'openai',
      'llm.input_messages.0.message.role': 'system', 'llm.input_messages.0.message.content': 'Be brief.',
      'llm.input_messages.1.message.role': 'user', 'llm.input_messages.1.message.content': 'Hi',
      'llm.invocation_parameters': JSON.stringify({ temperature: 0, max_completion_tokens: 50 }),
      'llm.tools.0.tool.json_schema': JSON.stringify({ type: 'function', function: { name: 'search', parameters: { type: 'object' } } }),
    }));
    assert.equal(document.model, 'gpt-4o');
    assert.equal(document.system, 'Be brief.');
    assert.deepEqual(document.messages, [{ role: 'user', content: 'Hi' }]);
    assert.deepEqual(document.parameters, { temperature: 0, max_tokens: 50 });
    assert.deepEqual(document.tools, [{ name: 'search', description: null, parameters: { type: 'object' } }]);
    assert.ok(validate(document));
  });

  it('an Anthropic span without max_tokens gets one, and says so; a span without content says so', () => {
    const a = draftFromSpan(llmSpan({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-5' }));
    assert.equal(a.document.api, 'anthropic.messages');
    assert.equal(a.document.parameters?.max_tokens, 1024);
    assert.deepEqual(a.notes.slice(0, 2), [
      'The step recorded no input messages (the instrumentation captured no content): write the messages to send.',
      'The step recorded no max_tokens, which Anthropic requires: 1024 was filled in.',
    ]);
    assert.ok(validate(a.document));
  });

  it('from an exact recorded request: unedited messages are sent as recorded (the image stays), edits apply', () => {
    const recorded = {
      model: 'gpt-4o', metadata: { run: 'r1' },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }, { role: 'assistant', content: 'A cat.' }, { role: 'user', content: 'Sure?' }],
    };
    const parsed = parseRequest('openai.chat', JSON.stringify(recorded));
    assert.ok(parsed.ok);
    const draft = draftFromRequest(parsed.view);
    assert.ok(validate(draft.document), JSON.stringify(validate.errors));
    assert.deepEqual(draft.document.parameters, { metadata: { run: 'r1' } });
    const edited: ModelRequestDocument = { ...draft.document, messages: draft.document.messages.map((m, i) => (i === 2 ? { ...m, content: 'Really sure?' } : m)) };
    const out = requestFromDocument(JSON.stringify(edited), draft.base);
    assert.ok(out.ok);
    assert.deepEqual(JSON.parse(out.body), { ...recorded, messages: [recorded.messages[0], recorded.messages[1], { role: 'user', content: 'Really sure?' }] });
  });

  it('a bad document gets a message naming the place', () => {
    const doc = draftFromSpan(OPENAI_SPAN).document;
    const cases: Array<[unknown, RegExp]> = [
      [{ ...doc, api: 'gemini' }, /"api" must be one of openai\.chat, openai\.responses, anthropic\.messages/],
      [{ ...doc, model: '' }, /"model" must be a non-empty string/],
      [{ ...doc, temperature: 1 }, /Unknown field "temperature": request fields go under "parameters"/],
      [{ ...doc, messages: [{ role: 'user', content: 3 }] }, /messages\[0\]\.content must be text or null/],
      [{ ...doc, messages: [{ role: 'assistant', content: null, toolCalls: [{ name: 'f', arguments: {} }] }] }, /messages\[0\]\.toolCalls\[0\]\.arguments must be JSON text/],
      [{ ...doc, tools: [{ name: 'f', schema: {} }] }, /tools\[0\] has an unknown field "schema"/],
    ];
    for (const [bad, message] of cases) {
      const r = requestFromDocument(JSON.stringify(bad));
      assert.equal(r.ok, false);
      assert.match((r as { error: string }).error, message);
      assert.equal(validate(bad), false, `the schema refuses it too: ${message}`);
    }
    assert.match((requestFromDocument('{') as { error: string }).error, /not JSON/);
    const noMax = requestFromDocument(JSON.stringify({ api: 'anthropic.messages', model: 'claude-sonnet-4-5', messages: [] }));
    assert.deepEqual(noMax, { ok: false, error: 'An Anthropic Messages request needs "max_tokens" in "parameters".' });
  });

  it('property: the schema and the code\'s check give the same verdict on near-valid documents', () => {
    const valid = draftFromSpan(OPENAI_SPAN).document as unknown as Record<string, unknown>;
    const anyValue = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant({}), fc.constant([]));
    const mutation = fc.oneof(
      fc.record({ path: fc.constantFrom('api', 'model', 'system', 'messages', 'tools', 'parameters', 'stream', '$schema', 'extra'), value: anyValue }),
      fc.record({ path: fc.constantFrom('messages.0.role', 'messages.0.content', 'messages.1.toolCalls', 'messages.1.toolCalls.0.name', 'messages.1.toolCalls.0.arguments', 'messages.1.toolCalls.0.id', 'messages.2.toolCallId', 'messages.0.x', 'tools.0.name', 'tools.0.parameters', 'tools.0.description', 'tools.0.y'), value: anyValue }),
    );
    fc.assert(fc.property(fc.array(mutation, { maxLength: 3 }), (mutations) => {
      const doc = JSON.parse(JSON.stringify(valid));
      for (const { path, value } of mutations) {
        const keys = path.split('.');
        let at = doc;
        for (const k of keys.slice(0, -1)) at = at?.[k];
        if (at && typeof at === 'object') at[keys[keys.length - 1]] = value;
      }
      assert.equal(checkDocument(doc).ok, validate(doc), JSON.stringify({ doc, errors: validate.errors, check: checkDocument(doc) }));
    }), { numRuns: 500 });
  });
});
