// Anthropic-style content blocks (and their OTel, OpenAI and Vercel cousins) read as a
// conversation: tool calls as calls, tool results as tool messages with their text, thinking as
// its own step, images and documents as placeholders. Never a raw JSON array, "[tool_use]", or
// an empty user message beside the tool results it carried.
import assert from 'node:assert/strict';
import type { AttrValue, Attributes, ChatMessage, RawSpan } from '../../src/core/model';
import { normalize } from '../../src/core/normalize';
import { messageListOf } from '../../src/core/normalize/messages';

type Shown = [role: string, content: string | null, extra?: string];
const shown = (ms: ChatMessage[]): Shown[] =>
  ms.map((m) => {
    const extra = [m.toolCalls.map((t) => `${t.id}:${t.name}(${t.arguments})`).join(','), m.toolCallId ? `#${m.toolCallId}` : ''].join('');
    return extra ? [m.role, m.content, extra] : [m.role, m.content];
  });

const PNG = { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' };

const CASES: Array<{ name: string; messages: AttrValue; expect: Shown[] }> = [
  {
    name: 'Anthropic assistant turn: thinking, text and tool_use',
    messages: [{ role: 'assistant', content: [
      { type: 'thinking', thinking: 'The user wants weather.', signature: 'sig' },
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
    ] }],
    expect: [['thinking', 'The user wants weather.'], ['assistant', 'Let me check.', 'toolu_1:get_weather({"city":"Paris"})']],
  },
  {
    name: 'Anthropic tool_result with a list of blocks, in a user message of its own: the results, no empty user message',
    messages: [{ role: 'user', content: [
      { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '22°C, sunny' }, { type: 'image', source: PNG }] },
      { type: 'tool_result', tool_use_id: 'toolu_2', content: 'ok' },
    ] }],
    expect: [['tool', '22°C, sunny\n[image: image/png]', '#toolu_1'], ['tool', 'ok', '#toolu_2']],
  },
  {
    name: 'a tool_result marked as an error says so',
    messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', is_error: true, content: [{ type: 'text', text: 'city not found' }] }] }],
    expect: [['tool', '[error] city not found', '#t']],
  },
  {
    name: 'user text beside an image and a PDF: placeholders with the media type',
    messages: [{ role: 'user', content: [
      { type: 'text', text: 'What is in these?' },
      { type: 'image', source: PNG },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ] }],
    expect: [['user', 'What is in these?\n[image: image/png]\n[document: application/pdf]\n[image]']],
  },
  {
    name: 'redacted thinking is shown as such',
    messages: [{ role: 'assistant', content: [{ type: 'redacted_thinking', data: 'EncryptedBlob' }, { type: 'text', text: 'Done.' }] }],
    expect: [['thinking', '[redacted thinking]'], ['assistant', 'Done.']],
  },
  {
    name: 'a turn that only thought and called a tool has no empty text bubble',
    messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: 'Need data.' }, { type: 'tool_use', id: 'a', name: 'search', input: {} }] }],
    expect: [['thinking', 'Need data.'], ['assistant', null, 'a:search({})']],
  },
  {
    name: 'the Anthropic SDK\'s own tracing (OTel parts): reasoning, tool_call, tool_call_response with blocks, type-only media',
    messages: [
      { role: 'user', parts: [{ type: 'text', content: 'Weather?' }, { type: 'anthropic_image' }] },
      { role: 'assistant', parts: [{ type: 'reasoning', content: 'Call the tool.' }, { type: 'tool_call', id: 'toolu_9', name: 'get_weather', arguments: { city: 'Oslo' } }] },
      { role: 'user', parts: [{ type: 'tool_call_response', id: 'toolu_9', response: [{ type: 'text', text: 'rain' }] }] },
    ],
    expect: [
      ['user', 'Weather?\n[image]'],
      ['thinking', 'Call the tool.'],
      ['assistant', null, 'toolu_9:get_weather({"city":"Oslo"})'],
      ['tool', 'rain', '#toolu_9'],
    ],
  },
  {
    name: 'OpenAI image_url with a data URL, OTel blob and uri parts, Vercel file and image parts',
    messages: [{ role: 'user', content: [
      { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
      { type: 'blob', modality: 'image', mime_type: 'image/webp', content: 'UklGR' },
      { type: 'uri', modality: 'video', mime_type: 'video/mp4', uri: 'https://example.com/v.mp4' },
      { type: 'file', mediaType: 'application/pdf', data: 'JVBERi0=' },
      { type: 'image', image: 'data:image/gif;base64,R0lGOD', mediaType: 'image/gif' },
    ] }],
    expect: [['user', '[image: image/jpeg]\n[image: image/webp]\n[video: video/mp4]\n[file: application/pdf]\n[image: image/gif]']],
  },
];

describe('content blocks render as conversation', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const ms = messageListOf(c.messages, 'input');
      assert.deepEqual(shown(ms), c.expect);
      for (const m of ms) {
        assert.ok(!(m.content ?? '').trimStart().startsWith('[{'), `no raw JSON array: ${m.content}`);
        assert.ok(!/\[(tool_use|tool_result|thinking)\]/.test(m.content ?? ''), `no bare block type: ${m.content}`);
      }
    });
  }

  const span = (attributes: Attributes): RawSpan => ({
    traceId: 't', spanId: 's', parentSpanId: null, name: 'anthropic.chat', kind: 'client', startUnixNanos: '1', endUnixNanos: '2',
    status: { code: 'unset', message: '' }, attributes, events: [], links: [], resource: {}, scope: { name: 'x', version: '' },
  });

  it('OpenLLMetry Anthropic: content blocks stored as a JSON string in gen_ai.prompt.N.content', () => {
    const n = normalize(span({
      'llm.request.type': 'chat', 'gen_ai.system': 'Anthropic', 'gen_ai.request.model': 'claude-3-5-sonnet',
      'gen_ai.prompt.0.role': 'user', 'gen_ai.prompt.0.content': JSON.stringify([{ type: 'text', text: 'Hi' }, { type: 'image', source: PNG }]),
      'gen_ai.prompt.1.role': 'user', 'gen_ai.prompt.1.content': JSON.stringify([{ type: 'tool_result', tool_use_id: 'x', content: [{ type: 'text', text: 'done' }] }]),
    }));
    assert.deepEqual(shown(n.messages), [['user', 'Hi\n[image: image/png]'], ['tool', 'done', '#x']]);
  });

  it('OpenInference flattened contents: a tool_use part beside the tool calls is not shown as "[tool_use]"', () => {
    const n = normalize(span({
      'openinference.span.kind': 'LLM',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.contents.0.message_content.type': 'text',
      'llm.output_messages.0.message.contents.0.message_content.text': 'Checking.',
      'llm.output_messages.0.message.contents.1.message_content.type': 'tool_use',
      'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'toolu_3',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'lookup',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"q":1}',
      'llm.input_messages.0.message.role': 'user',
      'llm.input_messages.0.message.contents.0.message_content.type': 'image',
      'llm.input_messages.0.message.contents.0.message_content.image.image.url': 'data:image/png;base64,iVBORw0KGgo=',
    }));
    assert.deepEqual(shown(n.messages), [['user', '[image: image/png]'], ['assistant', 'Checking.', 'toolu_3:lookup({"q":1})']]);
  });
});
