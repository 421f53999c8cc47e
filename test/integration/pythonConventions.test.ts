// Python agents' traces as they arrive (issue 15). Fixtures reproduced from each library's
// source (test/fixtures/conventions/python/, each with its repository, file and commit) are
// encoded as the Python OTLP exporters send them (http/protobuf, and OTLP/JSON), sent to a real
// `agent-trace serve`, and read back with `show --json`.
//
// The differential check: the same run (one question, one tool call, one answer) in every
// format must come back as the same canonical trace: messages by role and content, the tool's
// name, arguments and result, usage and model of each model call.
import { strict as assert } from 'node:assert';
import type { MessageDto, SpanDto, TraceDetailDto } from '../../src/protocol/dto';
import { encodeFixture, loadFixture, postExport, type PythonFixture } from '../support/pythonOtlp';
import { cliJson, useServedDatabase } from '../support/serverProcess';

const RUN_FORMATS = [
  'pydantic-ai-v1.json', 'pydantic-ai-v1-logs.json', 'pydantic-ai-v2.json', 'pydantic-ai-v3.json', 'pydantic-ai-v4.json',
  'pydantic-ai-v5.json', 'otel-contrib-openai-v2.json', 'openinference-openai.json', 'openllmetry-legacy.json', 'openllmetry-events.json',
];

// JSON text compared by value (key order and whitespace are the writer's, not the meaning).
function value(s: string | null): unknown {
  if (s === null) return null;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
}

interface Canonical {
  models: Array<string | null>;
  usage: Array<[number | null, number | null]>;
  messages: Array<{ role: string; content: unknown; toolCalls: Array<{ name: string; arguments: unknown }> }>;
  tool: { name: string; arguments: unknown; result: unknown };
}

const llmSpans = (d: TraceDetailDto) => d.spans.filter((s) => s.kind === 'llm').sort((a, b) => (BigInt(a.startUnixNanos) < BigInt(b.startUnixNanos) ? -1 : 1));

function canonical(d: TraceDetailDto): Canonical {
  const llm = llmSpans(d);
  const last = llm[llm.length - 1];
  assert.ok(last, 'the trace has model calls');
  const messages = last.messages.map((m: MessageDto) => ({
    role: m.role,
    content: value(m.content),
    toolCalls: m.toolCalls.map((c) => ({ name: c.name, arguments: value(c.arguments) })),
  }));
  // The tool as the conversation records it: the call the model asked for and the result it got back.
  const call = last.messages.find((m) => m.toolCalls.length)?.toolCalls[0];
  const result = last.messages.find((m) => m.role === 'tool');
  assert.ok(call && result, 'the final model call saw the tool call and its result');
  return {
    models: llm.map((s) => s.model),
    usage: llm.map((s) => [s.usage.inputTokens, s.usage.outputTokens]),
    messages,
    tool: { name: call.name, arguments: value(call.arguments), result: value(result.content) },
  };
}

// What every format must come back as (written out, not taken from one of the formats).
const EXPECTED: Canonical = {
  models: ['gpt-4o-mini', 'gpt-4o-mini'],
  usage: [[50, 15], [90, 12]],
  messages: [
    { role: 'system', content: 'Be brief.', toolCalls: [] },
    { role: 'user', content: "What's the weather in Paris?", toolCalls: [] },
    { role: 'assistant', content: null, toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
    { role: 'tool', content: { city: 'Paris', temperature: '21°C', sky: 'sunny' }, toolCalls: [] },
    { role: 'assistant', content: 'It is 21°C and sunny in Paris.', toolCalls: [] },
  ],
  tool: { name: 'get_weather', arguments: { city: 'Paris' }, result: { city: 'Paris', temperature: '21°C', sky: 'sunny' } },
};

/** Every text a view shows of a span's messages and tool payloads. */
function shownTexts(s: SpanDto): string[] {
  const out: string[] = [];
  for (const m of s.messages) {
    if (m.content !== null) out.push(m.content);
    for (const c of m.toolCalls) out.push(c.arguments);
  }
  if (s.tool) out.push(s.tool.arguments ?? '', s.tool.result ?? '');
  return out;
}

describe('Python instrumentations through the real server (issue 15)', function () {
  this.timeout(120_000);
  const served = useServedDatabase();
  let base: string;
  let traceNo = 0;

  before(async () => {
    base = `http://127.0.0.1:${served.server.httpPort}`;
  });

  async function send(f: PythonFixture, encoding: 'protobuf' | 'json'): Promise<{ detail: TraceDetailDto; spanIds: Record<string, string> }> {
    const traceId = (++traceNo).toString(16).padStart(8, '0') + 'a1b2c3d4e5f60718293a4b5c'.slice(0, 24);
    const e = encodeFixture(f, traceId, encoding);
    // Logs first for half the runs: the store must attach records whichever arrives first.
    if (e.logs && traceNo % 2 === 0) await postExport(base, 'logs', e.logs);
    await postExport(base, 'traces', e.traces);
    if (e.logs && traceNo % 2 === 1) await postExport(base, 'logs', e.logs);
    return { detail: cliJson<TraceDetailDto>(['show', traceId, '--db', served.db]), spanIds: e.spanIds };
  }

  const byId = (r: { detail: TraceDetailDto; spanIds: Record<string, string> }, id: string): SpanDto => {
    const s = r.detail.spans.find((x) => x.spanId === r.spanIds[id]);
    assert.ok(s, `span ${id}`);
    return s;
  };

  describe('the same run in every format gives the same canonical trace', () => {
    for (const file of RUN_FORMATS) {
      for (const encoding of ['protobuf', 'json'] as const) {
        it(`${file} over http/${encoding}`, async () => {
          const f = loadFixture(file);
          const r = await send(f, encoding);
          assert.equal(r.detail.spans.length, f.spans.length, 'every span stored');
          assert.deepEqual(canonical(r.detail), EXPECTED, f.format);
          assert.deepEqual([r.detail.usage.inputTokens, r.detail.usage.outputTokens, r.detail.llmCalls], [140, 27, 2], `${f.format}: run totals`);
          for (const s of r.detail.spans) {
            for (const t of shownTexts(s)) assert.ok(!/\\u00b0/i.test(t), `${f.format}: span "${s.name}" shows an escape: ${t}`);
            // No message is an empty shell (e.g. a tool-return message turned into an empty user message).
            for (const m of s.messages) assert.ok(m.content !== null || m.toolCalls.length > 0, `${f.format}: empty ${m.role} message in "${s.name}"`);
          }
          // A tool span, where the format has one, agrees with the conversation.
          const toolSpan = r.detail.spans.find((s) => s.kind === 'tool');
          if (f.spans.some((s) => s.id === 'tool')) {
            assert.ok(toolSpan?.tool, `${f.format}: the tool step is a tool`);
            assert.deepEqual(
              { name: toolSpan.tool.name, arguments: value(toolSpan.tool.arguments), result: value(toolSpan.tool.result) },
              EXPECTED.tool, `${f.format}: tool span`);
          }
        });
      }
    }
  });

  it('pydantic-ai: names, kinds and agent of each version', async () => {
    for (const [file, agentName, toolName] of [
      ['pydantic-ai-v1.json', 'agent run', 'running tool'], ['pydantic-ai-v2.json', 'agent run', 'running tool'],
      ['pydantic-ai-v3.json', 'invoke_agent weather_agent', 'execute_tool get_weather'],
      ['pydantic-ai-v5.json', 'invoke_agent weather_agent', 'execute_tool get_weather'],
    ] as const) {
      const r = await send(loadFixture(file), 'protobuf');
      const agent = byId(r, 'agent');
      assert.deepEqual([agent.name, agent.kind, agent.agentName, agent.convention], [agentName, 'agent', 'weather_agent', 'pydantic-ai'], file);
      const tool = byId(r, 'tool');
      assert.deepEqual([tool.name, tool.kind, tool.tool?.callId], [toolName, 'tool', 'call_w1'], file);
      // The agent run keeps the whole conversation, ending with the answer.
      assert.equal(agent.messages.at(-1)?.content, 'It is 21°C and sunny in Paris.', file);
      // The run's usage is its model calls', not also the agent span's own total again.
      assert.deepEqual([r.detail.usage.inputTokens, r.detail.usage.outputTokens, r.detail.llmCalls, r.detail.toolCalls], [140, 27, 2, 1], file);
    }
  });

  it('OpenLLMetry: entity input and output are shown decoded', async () => {
    const r = await send(loadFixture('openllmetry-legacy.json'), 'protobuf');
    const tool = byId(r, 'tool');
    assert.equal(tool.tool?.arguments, '{"city":"Paris"}');
    assert.equal(tool.tool?.result, '{"city": "Paris", "temperature": "21°C", "sky": "sunny"}');
    const workflow = byId(r, 'root');
    assert.deepEqual(workflow.messages.map((m) => [m.role, m.content]), [
      ['user', "What's the weather in Paris?"],
      ['assistant', 'It is 21°C and sunny in Paris.'],
    ]);
  });

  it('a Python exception: error type, message, traceback and the source line it names', async () => {
    for (const encoding of ['protobuf', 'json'] as const) {
      const r = await send(loadFixture('python-exception.json'), encoding);
      const tool = byId(r, 'tool');
      assert.deepEqual([tool.kind, tool.status, tool.tool?.name, tool.tool?.arguments], ['tool', 'error', 'get_weather', '{"city":"Atlantis"}']);
      assert.equal(tool.error?.type, 'ValueError');
      assert.equal(tool.error?.message, 'ValueError: unknown city: Atlantis');
      assert.match(tool.error?.stacktrace ?? '', /File "\/app\/weather.py", line 12, in get_weather/);
      assert.deepEqual(tool.source && [tool.source.file, tool.source.line, tool.source.function, tool.source.how], ['/app/weather.py', 12, 'get_weather', 'exception']);
      assert.equal(r.detail.errorCount, 1);
    }
  });

  it('Logfire: formatted names, levels, typed arguments, pending spans', async () => {
    for (const encoding of ['protobuf', 'json'] as const) {
      const r = await send(loadFixture('logfire.json'), encoding);
      const fn = byId(r, 'fn');
      assert.equal(fn.name, 'fetch forecast for Paris');
      assert.equal(fn.attributes['logfire.msg_template'], 'fetch forecast for {city}', 'the template stays in the raw attributes');
      assert.deepEqual(fn.arguments, { city: 'Paris', forecast: { city: 'Paris', days: [{ day: 'Tue', high: '21°C' }] }, days: 1 });
      assert.equal(r.detail.name, 'fetch forecast for Paris', 'the trace is named by its root span');
      const pending = byId(r, 'pending');
      assert.deepEqual([pending.name, pending.operation], ['fetch forecast for Paris (pending)', 'pending_span']);
      const info = byId(r, 'info');
      assert.deepEqual([info.name, info.operation, info.level, info.error], ['cache miss for Paris', 'log', 'info', null]);
      const err = byId(r, 'err');
      assert.deepEqual([err.name, err.level, err.status], ['upstream returned 503', 'error', 'unset']);
      assert.deepEqual(err.error, { type: 'logfire level error', message: 'upstream returned 503', stacktrace: null });
      assert.equal(r.detail.errorCount, 0, 'an error-level log is shown on its step, the run is not counted as failed');
    }
  });
});
