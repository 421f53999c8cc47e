// The sample agent, without an editor: it exports OTLP/protobuf that the project's own decoder
// reads, with GenAI agent/tool spans, instrumented chat spans with captured messages, source
// locations on the lines that started each step, the hostile text byte for byte, and a
// question that leaks a made-up API key and an email address.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeTracesProto } from '../../src/core/otlp';
import type { RawSpan } from '../../src/core/model';
import { buildSampleAgentLib, markerLine, runSampleAgent, SAMPLE_AGENT, startOtlpSink } from './helpers';

describe('sample agent (OTLP output, no editor)', () => {
  const spans: RawSpan[] = [];
  let traceId: string | null = null;
  const agentJs = path.join(SAMPLE_AGENT, 'agent.js');

  before(async () => {
    await buildSampleAgentLib();
    const sink = await startOtlpSink();
    try {
      const run = await runSampleAgent(SAMPLE_AGENT, sink.endpoint);
      assert.equal(run.code, 0, run.stderr);
      traceId = run.traceId;
      for (const { contentType, body } of sink.bodies) {
        assert.equal(contentType, 'application/x-protobuf');
        spans.push(...decodeTracesProto(body).spans);
      }
    } finally {
      await sink.close();
    }
  });

  const named = (prefix: string) => spans.filter((s) => s.name.startsWith(prefix));

  it('prints the trace id of the spans it exported', () => {
    assert.match(traceId ?? '', /^[0-9a-f]{32}$/);
    assert.ok(spans.length >= 6, `got ${spans.length} spans`);
    assert.ok(spans.every((s) => s.traceId === traceId));
    assert.ok(spans.every((s) => s.resource['service.name'] === 'sample-agent'));
  });

  it('wraps the loop in an invoke_agent span with the OTel GenAI agent attributes, at its source line', () => {
    const [agent] = named('invoke_agent');
    assert.ok(agent);
    assert.equal(agent.attributes['gen_ai.operation.name'], 'invoke_agent');
    assert.equal(agent.attributes['gen_ai.agent.name'], 'weather-assistant');
    assert.equal(agent.attributes['code.file.path'], agentJs);
    assert.equal(agent.attributes['code.line.number'], markerLine(agentJs, 'invoke_agent'));
  });

  it('runs each tool in an execute_tool span under the agent, with call id, arguments and result', () => {
    const [agent] = named('invoke_agent');
    const tools = named('execute_tool');
    assert.deepEqual(tools.map((t) => t.attributes['gen_ai.tool.name']).sort(), ['get_weather', 'search_docs']);
    const weather = tools.find((t) => t.attributes['gen_ai.tool.name'] === 'get_weather')!;
    assert.equal(weather.parentSpanId, agent.spanId);
    assert.equal(weather.attributes['gen_ai.tool.call.id'], 'call_weather_1');
    assert.equal(weather.attributes['gen_ai.tool.call.arguments'], '{"city":"Paris"}');
    assert.match(String(weather.attributes['gen_ai.tool.call.result']), /"temperatureC":14/);
    assert.equal(weather.attributes['code.file.path'], agentJs);
    assert.equal(weather.attributes['code.line.number'], markerLine(agentJs, 'execute_tool'));
    assert.equal(weather.attributes['code.function.name'], 'executeTool');
  });

  it('has two instrumented chat spans (real openai client) under the agent, linked to the create() line', () => {
    const [agent] = named('invoke_agent');
    const chats = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat' || /chat/i.test(s.name));
    assert.equal(chats.length, 2, chats.map((c) => c.name).join(', '));
    for (const chat of chats) {
      assert.equal(chat.parentSpanId, agent.spanId);
      assert.equal(chat.attributes['code.file.path'], agentJs);
      assert.equal(chat.attributes['code.line.number'], markerLine(agentJs, 'chat'));
    }
    // Message capture is on: the prompt is recorded somewhere in the chat span's attributes.
    assert.ok(JSON.stringify(chats[0].attributes).includes('umbrella in Paris'));
  });

  it("the user's question carries a format-valid API key and an email address, none of it a literal in the sources", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the agent's own CommonJS module, read as the agent reads it
    const { USER_SECRETS } = require(path.join(SAMPLE_AGENT, 'tools.js')) as { USER_SECRETS: { apiKey: string; email: string } };
    assert.match(USER_SECRETS.apiKey, /^sk-proj-[A-Za-z0-9_-]{40,}$/);
    assert.match(USER_SECRETS.email, /^[a-z.]+@[a-z-]+\.[a-z]+$/);
    const chats = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat' || /chat/i.test(s.name));
    for (const chat of chats) {
      const recorded = JSON.stringify(chat.attributes);
      assert.ok(recorded.includes(USER_SECRETS.apiKey), `key in ${chat.name}`);
      assert.ok(recorded.includes(USER_SECRETS.email), `email in ${chat.name}`);
    }
    for (const file of fs.readdirSync(SAMPLE_AGENT).filter((f) => f.endsWith('.js') || f.endsWith('.md'))) {
      const text = fs.readFileSync(path.join(SAMPLE_AGENT, file), 'utf8');
      assert.ok(!text.includes(USER_SECRETS.apiKey) && !/sk-proj-[A-Za-z0-9_-]{20}/.test(text), `secret-shaped literal in ${file}`);
      assert.ok(!text.includes(USER_SECRETS.email), `email literal in ${file}`);
    }
  });

  it('carries the hostile text verbatim (the viewer must render it inert)', () => {
    const docs = named('execute_tool').find((t) => t.attributes['gen_ai.tool.name'] === 'search_docs')!;
    const result = JSON.parse(String(docs.attributes['gen_ai.tool.call.result'])) as { text: string };
    assert.ok(result.text.includes('<img src=x onerror=alert(1)>'));
    assert.ok(result.text.includes('<script>alert(2)</script>'));
    assert.ok(result.text.includes('[click](command:workbench.action.terminal.new)'));
  });
});
