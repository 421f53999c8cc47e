// Drives the REAL instrumentations (Traceloop/OpenLLMetry, OpenInference, Vercel AI SDK with
// @ai-sdk/otel in both span formats) against a local mock of the OpenAI API, captures their
// spans in memory and checks that normalize()/canonicalize() understand them.
// CAPTURE_FIXTURES=1 rewrites test/fixtures/conventions/captured-*.json from this run.
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { context, ROOT_CONTEXT, trace, type Context, type ContextManager } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { OpenAIInstrumentation as OpenInferenceOpenAI } from '@arizeai/openinference-instrumentation-openai';
import { OpenAIInstrumentation as TraceloopOpenAI } from '@traceloop/instrumentation-openai';
import OpenAI from 'openai';
import { canonicalize } from '../../src/core/canonicalize';
import type { CanonicalSpan, RawSpan } from '../../src/core/model';
import { MOCK_MODEL, MOCK_TEXT, MOCK_TOOL_CALL, MOCK_USAGE, startMockOpenAi, type MockOpenAi } from '../support/mockOpenAi';
import { readableToRaw } from '../support/readableToRaw';

// Parent/child links across awaits need an async context manager; sdk-trace ships none for Node.
class AlsContextManager implements ContextManager {
  private readonly als = new AsyncLocalStorage<Context>();
  active(): Context { return this.als.getStore() ?? ROOT_CONTEXT; }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.als.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as unknown as (...a: unknown[]) => unknown;
    const als = this.als;
    return (function (this: unknown, ...a: unknown[]) { return als.run(ctx, () => fn.apply(this, a)); }) as unknown as T;
  }
  enable(): this { return this; }
  disable(): this { this.als.disable(); return this; }
}

const FIXTURES = join(__dirname, '..', 'fixtures', 'conventions');
const TOOLS = [{ type: 'function' as const, function: { name: MOCK_TOOL_CALL.name, description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];

describe('real GenAI instrumentations → normalize()', function () {
  let mock: MockOpenAi;
  let exporter: InMemorySpanExporter;
  let provider: TracerProvider;

  before(async () => {
    mock = await startMockOpenAi();
    exporter = new InMemorySpanExporter();
    provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'instrumentation-test' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    context.setGlobalContextManager(new AlsContextManager());
    trace.setGlobalTracerProvider(provider);
  });
  after(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    await mock.close();
  });
  beforeEach(() => exporter.reset());
  // Each test instruments OpenAI by hand; undo it (shimmer's __unwrap) so the next test sees
  // only its own instrumentation's spans and wrappers.
  afterEach(() => {
    const protos = [OpenAI.Chat.Completions.prototype, OpenAI.Completions.prototype, OpenAI.Embeddings.prototype, OpenAI.Responses.prototype] as unknown as Array<Record<string, { __unwrap?: () => void }>>;
    for (const proto of protos) {
      for (const method of ['create']) {
        for (let i = 0; i < 5 && typeof proto[method]?.__unwrap === 'function'; i++) proto[method].__unwrap?.();
      }
    }
  });

  async function captured(scopePrefix: string, fixture: string): Promise<CanonicalSpan[]> {
    await provider.forceFlush();
    const raw: RawSpan[] = exporter.getFinishedSpans().map(readableToRaw).filter((s) => s.scope.name.startsWith(scopePrefix));
    if (process.env.CAPTURE_FIXTURES === '1') writeFileSync(join(FIXTURES, fixture), JSON.stringify(raw, null, 2) + '\n');
    return raw.map((s) => canonicalize(s));
  }

  const userTurn = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Weather in Paris?' }];

  function assertToolCallTurn(c: CanonicalSpan): void {
    assert.equal(c.norm.kind, 'llm');
    assert.equal(c.norm.modelRaw, MOCK_MODEL);
    assert.equal(c.norm.model, 'gpt-4o-mini');
    assert.equal(c.norm.provider, 'openai');
    assert.equal(c.norm.usage.inputTokens, MOCK_USAGE.prompt_tokens);
    assert.equal(c.norm.usage.outputTokens, MOCK_USAGE.completion_tokens);
    const input = c.norm.messages.filter((m) => m.direction === 'input');
    assert.deepEqual(input.map((m) => [m.role, m.content]), [['system', 'Be brief.'], ['user', 'Weather in Paris?']]);
    const out = c.norm.messages.filter((m) => m.direction === 'output');
    assert.equal(out.length, 1);
    assert.equal(out[0].toolCalls.length, 1);
    assert.equal(out[0].toolCalls[0].name, MOCK_TOOL_CALL.name);
    assert.equal(out[0].toolCalls[0].id, MOCK_TOOL_CALL.id);
    assert.deepEqual(JSON.parse(out[0].toolCalls[0].arguments), { city: 'Paris' });
    assert.equal(c.costSource, 'computed');
    assert.ok(c.costUsd !== null && c.costUsd > 0);
    assert.equal(c.service, 'instrumentation-test');
  }

  it('@traceloop/instrumentation-openai: chat with tools and a streamed chat', async () => {
    const inst = new TraceloopOpenAI({ traceContent: true });
    inst.setTracerProvider(provider);
    inst.manuallyInstrument(OpenAI);
    const client = new OpenAI({ baseURL: mock.baseUrl, apiKey: 'test-key' });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: userTurn, tools: TOOLS });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Hi' }] });
    for await (const chunk of stream) void chunk;

    const spans = await captured('@traceloop/', 'captured-traceloop-openai.json');
    assert.equal(spans.length, 2);
    for (const s of spans) assert.equal(s.norm.convention, 'openllmetry');
    assertToolCallTurn(spans[0]);
    assert.equal(spans[0].norm.operation, 'chat');
    const streamed = spans[1];
    assert.equal(streamed.norm.kind, 'llm');
    assert.equal(streamed.norm.messages.find((m) => m.direction === 'output')?.content, MOCK_TEXT);
  });

  it('@arizeai/openinference-instrumentation-openai: chat with tools, cache reads and a streamed chat', async () => {
    const inst = new OpenInferenceOpenAI({ tracerProvider: provider });
    inst.manuallyInstrument(OpenAI);
    const client = new OpenAI({ baseURL: mock.baseUrl, apiKey: 'test-key' });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: userTurn, tools: TOOLS });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    for await (const chunk of stream) void chunk;

    const spans = await captured('@arizeai/', 'captured-openinference-openai.json');
    assert.equal(spans.length, 2);
    for (const s of spans) assert.equal(s.norm.convention, 'openinference');
    assertToolCallTurn(spans[0]);
    assert.equal(spans[0].norm.usage.cacheReadTokens, MOCK_USAGE.cached_tokens);
    assert.equal(spans[0].norm.usage.reasoningTokens, MOCK_USAGE.reasoning_tokens);
    assert.equal(spans[1].norm.messages.find((m) => m.direction === 'output')?.content, MOCK_TEXT);
  });

  async function runAiSdk(format: 'modern' | 'legacy'): Promise<void> {
    const { generateText, streamText, tool, stepCountIs } = await import('ai');
    const { createOpenAI } = await import('@ai-sdk/openai');
    const otel = await import('@ai-sdk/otel');
    const { z } = await import('zod');
    const tracer = provider.getTracer('ai');
    const integration = format === 'legacy' ? new otel.LegacyOpenTelemetry({ tracer }) : new otel.OpenTelemetry({ tracer });
    const openai = createOpenAI({ baseURL: mock.baseUrl, apiKey: 'test-key' });
    const telemetry = { isEnabled: true, functionId: 'weather-agent', integrations: [integration] };
    await generateText({
      model: openai.chat('gpt-4o-mini'),
      system: 'Be brief.',
      prompt: 'Weather in Paris?',
      tools: { get_weather: tool({ inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => ({ city, sky: 'sunny' }) }) },
      stopWhen: stepCountIs(3),
      experimental_telemetry: telemetry,
    });
    const s = streamText({ model: openai.chat('gpt-4o-mini'), prompt: 'Hi', experimental_telemetry: { ...telemetry, functionId: 'greeter' } });
    assert.equal(await s.text, MOCK_TEXT);
  }

  it('Vercel AI SDK with @ai-sdk/otel OpenTelemetry (GenAI spans): agent, steps, model calls, tool', async () => {
    await runAiSdk('modern');
    const spans = await captured('ai', 'captured-vercel-ai-genai.json');
    for (const s of spans) assert.equal(s.norm.convention, 'vercel-ai');
    const agents = spans.filter((s) => s.norm.kind === 'agent');
    assert.deepEqual(agents.map((a) => a.norm.agentName).sort(), ['greeter', 'weather-agent']);
    const weather = agents.find((a) => a.norm.agentName === 'weather-agent') as CanonicalSpan;
    const llms = spans.filter((s) => s.norm.kind === 'llm' && s.traceId === weather.traceId);
    assert.equal(llms.length, 2);
    assertToolCallTurn(llms[0]);
    // the second model call sees the tool result and answers
    const toolMsg = llms[1].norm.messages.find((m) => m.role === 'tool');
    assert.equal(toolMsg?.toolCallId, MOCK_TOOL_CALL.id);
    assert.equal(llms[1].norm.messages.find((m) => m.direction === 'output')?.content, MOCK_TEXT);
    const tools = spans.filter((s) => s.norm.kind === 'tool');
    assert.equal(tools.length, 1);
    assert.deepEqual(tools[0].norm.tool && { ...tools[0].norm.tool, arguments: JSON.parse(tools[0].norm.tool.arguments ?? 'null'), result: JSON.parse(tools[0].norm.tool.result ?? 'null') },
      { name: 'get_weather', callId: MOCK_TOOL_CALL.id, arguments: { city: 'Paris' }, result: { city: 'Paris', sky: 'sunny' } });
    // step spans group a model call and its tools under the agent
    const steps = spans.filter((s) => s.norm.operation === 'agent_step' && s.traceId === weather.traceId);
    assert.equal(steps.length, 2);
    for (const st of steps) assert.equal(st.parentSpanId, weather.spanId);
    assert.ok(steps.some((st) => st.spanId === llms[0].parentSpanId));
  });

  it('Vercel AI SDK with @ai-sdk/otel LegacyOpenTelemetry (ai.* spans): generateText, doGenerate, toolCall, streamText', async () => {
    await runAiSdk('legacy');
    const spans = await captured('ai', 'captured-vercel-ai-legacy.json');
    const byName = (n: string) => spans.filter((s) => s.name === n);
    const outer = byName('ai.generateText')[0];
    assert.equal(outer.norm.kind, 'agent');
    assert.equal(outer.norm.agentName, 'weather-agent');
    const calls = byName('ai.generateText.doGenerate');
    assert.equal(calls.length, 2);
    assertToolCallTurn(calls[0]);
    assert.equal(calls[0].norm.usage.cacheReadTokens, MOCK_USAGE.cached_tokens);
    const tc = byName('ai.toolCall')[0];
    assert.equal(tc.norm.kind, 'tool');
    assert.equal(tc.norm.tool?.name, 'get_weather');
    assert.equal(tc.norm.tool?.callId, MOCK_TOOL_CALL.id);
    const doStream = byName('ai.streamText.doStream')[0];
    assert.equal(doStream.norm.kind, 'llm');
    assert.equal(doStream.norm.provider, 'openai');
    assert.equal(doStream.norm.messages.find((m) => m.direction === 'output')?.content, MOCK_TEXT);
  });
});
