// The Python-side normalizers in isolation (issue 15): JSON-in-strings decoded once, tool-result
// messages, pydantic-ai's version 1 event lists, Logfire's names, levels and typed arguments.
import { strict as assert } from 'node:assert';
import type { RawSpan } from '../../src/core/model';
import { normalize } from '../../src/core/normalize';
import { decodeJsonText } from '../../src/core/normalize/jsonText';
import { logfireLevelName, typedArguments } from '../../src/core/normalize/logfire';
import { messageListOf } from '../../src/core/normalize/messages';
import { pydanticEventsMessages } from '../../src/core/normalize/pydanticAi';
import { argumentEntries, statusBadge } from '../../webview/trace/detailModel';

const span = (over: Partial<RawSpan>): RawSpan => ({
  traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), parentSpanId: null, name: 'x', kind: 'internal',
  startUnixNanos: '1', endUnixNanos: '2', status: { code: 'unset', message: '' }, attributes: {}, events: [], links: [],
  resource: {}, scope: { name: '', version: '' }, ...over,
});

describe('Python conventions: normalizers', () => {
  describe('decodeJsonText', () => {
    const cases: Array<[string, string, string]> = [
      ['json.dumps escapes in an object', '{"t": "21\\u00b0C"}', '{"t": "21°C"}'],
      ['surrogate pairs decode together', '["\\ud83c\\udf24"]', '["🌤"]'],
      ['a JSON string literal becomes its text', '"12:00"', '12:00'],
      ['double-encoded JSON becomes the inner JSON, unescaped', '"{\\"t\\": \\"21\\\\u00b0C\\"}"', '{"t": "21°C"}'],
      ['control characters, quotes and backslashes stay escaped', '{"a": "x\\u000ay\\u0022\\u005c"}', '{"a": "x\\u000ay\\u0022\\u005c"}'],
      ['an escaped backslash before u is not an escape', '{"p": "C:\\\\u00b0"}', '{"p": "C:\\\\u00b0"}'],
      ['a lone surrogate stays escaped', '["\\ud83c"]', '["\\ud83c"]'],
      ['text that is not JSON is left alone', 'temp is 21\\u00b0C', 'temp is 21\\u00b0C'],
      ['invalid JSON is left alone', '{"t": "21\\u00b0C"', '{"t": "21\\u00b0C"'],
      ['formatting and key order are kept', '{"b": 1,  "a": "\\u00e9"}', '{"b": 1,  "a": "é"}'],
    ];
    for (const [what, input, want] of cases) it(what, () => assert.equal(decodeJsonText(input), want));
  });

  it('a message holding only tool results is those results, whatever its role', () => {
    for (const role of ['user', 'tool']) {
      const msgs = messageListOf(JSON.stringify([{ role, parts: [{ type: 'tool_call_response', id: 'c1', name: 'f', result: { ok: true } }] }]), 'input');
      assert.deepEqual(msgs.map((m) => [m.role, m.content, m.toolCallId]), [['tool', '{"ok":true}', 'c1']], role);
    }
    // A user message with text and a tool result keeps both.
    const mixed = messageListOf(JSON.stringify([{ role: 'user', parts: [{ type: 'tool_call_response', id: 'c1', result: 'r' }, { type: 'text', content: 'and?' }] }]), 'input');
    assert.deepEqual(mixed.map((m) => [m.role, m.content]), [['user', 'and?'], ['tool', 'r']]);
  });

  it('pydantic-ai version 1 events, with and without event.name (oldest releases)', () => {
    const withNames = pydanticEventsMessages(JSON.stringify([
      { content: 'hi', role: 'user', 'event.name': 'gen_ai.user.message' },
      { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: { x: 1 } } }], 'event.name': 'gen_ai.assistant.message' },
      { content: { y: 2 }, role: 'tool', id: 'c1', name: 'f', 'event.name': 'gen_ai.tool.message' },
      { index: 0, message: { role: 'assistant', content: 'done' }, 'event.name': 'gen_ai.choice' },
    ]));
    const withoutNames = pydanticEventsMessages(JSON.stringify([
      { content: 'hi', role: 'user' },
      { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: { x: 1 } } }] },
      { content: { y: 2 }, role: 'tool', id: 'c1', name: 'f' },
      { index: 0, message: { role: 'assistant', content: 'done' } },
    ]));
    const want = [['input', 'user', 'hi', ''], ['input', 'assistant', null, 'f({"x":1})'], ['input', 'tool', '{"y":2}', ''], ['output', 'assistant', 'done', '']];
    for (const got of [withNames, withoutNames]) {
      assert.deepEqual(got.map((m) => [m.direction, m.role, m.content, m.toolCalls.map((c) => `${c.name}(${c.arguments})`).join()]), want);
    }
  });

  it('pydantic-ai tool spans of versions 1-2 read tool_arguments and tool_response', () => {
    const n = normalize(span({
      name: 'running tool', scope: { name: 'pydantic-ai', version: '0.4.0' },
      attributes: { 'gen_ai.tool.name': 'f', 'gen_ai.tool.call.id': 'c1', tool_arguments: '{"x":1}', tool_response: '{"t": "21\\u00b0C"}' },
    }));
    assert.equal(n.kind, 'tool');
    assert.equal(n.convention, 'pydantic-ai');
    assert.deepEqual(n.tool, { name: 'f', callId: 'c1', arguments: '{"x":1}', result: '{"t": "21°C"}' });
  });

  it('Logfire level names and typed arguments', () => {
    assert.deepEqual([1, 5, 9, 10, 13, 17, 21, 30, 0].map(logfireLevelName), ['trace', 'debug', 'info', 'notice', 'warn', 'error', 'fatal', 'fatal', 'trace']);
    assert.deepEqual(typedArguments({
      'logfire.json_schema': JSON.stringify({ type: 'object', properties: { a: {}, b: { type: 'object' }, c: { type: 'array' }, 'logfire.x': {}, missing: {} } }),
      a: 'text', b: '{"k": 1}', c: '[1,2]', 'logfire.x': 'own', 'logfire.null_args': ['d'],
    }), { a: 'text', b: { k: 1 }, c: [1, 2], d: null });
    assert.equal(typedArguments({ a: 1 }), null, 'no schema, no typed arguments');
  });

  it('Logfire renames only spans named by their template', () => {
    const own = normalize(span({ name: 'fetch {city}', attributes: { 'logfire.msg_template': 'fetch {city}', 'logfire.msg': 'fetch Paris', city: 'Paris' } }));
    assert.equal(own.displayName, 'fetch Paris');
    const pydantic = normalize(span({ name: 'execute_tool f', attributes: { 'logfire.msg': 'running tool: f', 'gen_ai.tool.name': 'f' } }));
    assert.equal(pydantic.displayName, null);
  });
});

describe('Python conventions: detail pane helpers', () => {
  it('a failed span is an error; an error-level log of a span that did not fail is a warning', () => {
    const err = { type: 'logfire level error', message: 'upstream returned 503', stacktrace: null };
    assert.deepEqual(statusBadge({ status: 'error', error: err, level: 'error' }), { text: 'error', cls: 'status-error' });
    assert.deepEqual(statusBadge({ status: 'unset', error: err, level: 'error' }), { text: 'error level', cls: 'status-warning' });
    assert.deepEqual(statusBadge({ status: 'unset', error: null, level: 'warn' }), { text: 'warn', cls: 'status-warning' });
    assert.equal(statusBadge({ status: 'ok', error: null, level: 'info' }), null);
    assert.equal(statusBadge({ status: 'unset', error: null }), null);
  });

  it('function arguments in their recorded order, typed values kept', () => {
    assert.deepEqual(argumentEntries({ arguments: { city: 'Paris', forecast: { days: [1] } } }), [['city', 'Paris'], ['forecast', { days: [1] }]]);
    assert.deepEqual(argumentEntries({ arguments: null }), []);
    assert.deepEqual(argumentEntries({}), []);
  });
});
