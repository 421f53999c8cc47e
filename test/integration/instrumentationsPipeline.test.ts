// Real GenAI instrumentations, exporting with the official OTLP exporters to the real server
// process, read back with `agent-trace show --json`: what a user sees after running an agent.
import { strict as assert } from 'node:assert';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OpenAIInstrumentation as OpenInferenceOpenAI } from '@arizeai/openinference-instrumentation-openai';
import OpenAI from 'openai';
import type { SpanDto, TraceDetailDto, TraceSummaryDto } from '../../src/protocol/dto';
import { MOCK_TEXT, MOCK_TOOL_CALL, MOCK_USAGE, startMockOpenAi, type MockOpenAi } from '../support/mockOpenAi';
import { makeTracer } from '../support/otlpClients';
import { cliJson, cliJsonLines, useServedDatabase } from '../support/serverProcess';

describe('real instrumentations → OTLP exporters → agent-trace serve → show --json', function () {
  this.timeout(60_000);
  const served = useServedDatabase();
  let mock: MockOpenAi;

  before(async () => {
    mock = await startMockOpenAi();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  after(async () => {
    context.disable();
    await mock?.close();
  });

  const tracesOf = (service: string) => cliJsonLines<TraceSummaryDto>(['list', '--service', service, '--db', served.db]);
  const show = (traceId: string) => cliJson<TraceDetailDto>(['show', traceId, '--db', served.db]);
  const userTurn = [
    { role: 'system' as const, content: 'Be brief.' },
    { role: 'user' as const, content: 'Weather in Paris?' },
  ];

  it('OpenInference (OpenAI client) over http/protobuf: model call with messages, tool call, usage and cost', async () => {
    const client = makeTracer({ protocol: 'http/protobuf', url: `http://127.0.0.1:${served.server.httpPort}`, resource: { 'service.name': 'oi-agent' } });
    const inst = new OpenInferenceOpenAI({ tracerProvider: client.provider });
    // OpenInference remembers patched classes process-wide; an earlier test's leftover entry would make this a no-op.
    unpatch(inst);
    inst.manuallyInstrument(OpenAI);
    try {
      const openai = new OpenAI({ baseURL: mock.baseUrl, apiKey: 'test-key' });
      await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: userTurn,
        tools: [{ type: 'function', function: { name: MOCK_TOOL_CALL.name, parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      });
      await client.flush();
    } finally {
      unpatch(inst);
      unwrapOpenAi();
      await client.shutdown();
    }
    const [summary] = tracesOf('oi-agent');
    assert.ok(summary, 'the trace is listed');
    assert.equal(summary.llmCalls, 1);
    assert.equal(summary.usage.inputTokens, MOCK_USAGE.prompt_tokens);
    assert.ok(summary.costUsd !== null && summary.costUsd > 0);
    const llm = show(summary.traceId).spans.find((s) => s.kind === 'llm') as SpanDto;
    assert.equal(llm.convention, 'openinference');
    assert.equal(llm.model, 'gpt-4o-mini');
    assert.equal(llm.provider, 'openai');
    assert.deepEqual(
      llm.messages.filter((m) => m.direction === 'input').map((m) => [m.role, m.content]),
      [
        ['system', 'Be brief.'],
        ['user', 'Weather in Paris?'],
      ],
    );
    const call = llm.messages.find((m) => m.direction === 'output')!.toolCalls[0];
    assert.equal(call.name, MOCK_TOOL_CALL.name);
    assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris' });
  });

  it('Vercel AI SDK (ai.* spans) over gRPC: agent run, model calls and the executed tool', async () => {
    const client = makeTracer({ protocol: 'grpc', url: `http://127.0.0.1:${served.server.grpcPort}`, resource: { 'service.name': 'ai-sdk-agent' } });
    const { generateText, tool, stepCountIs } = await import('ai');
    const { createOpenAI } = await import('@ai-sdk/openai');
    const otel = await import('@ai-sdk/otel');
    const { z } = await import('zod');
    const integration = new otel.LegacyOpenTelemetry({ tracer: client.tracer });
    const openai = createOpenAI({ baseURL: mock.baseUrl, apiKey: 'test-key' });
    const result = await generateText({
      model: openai.chat('gpt-4o-mini'),
      system: 'Be brief.',
      prompt: 'Weather in Paris?',
      tools: { get_weather: tool({ inputSchema: z.object({ city: z.string() }), execute: async ({ city }) => ({ city, sky: 'sunny' }) }) },
      stopWhen: stepCountIs(3),
      experimental_telemetry: { isEnabled: true, functionId: 'weather-agent', integrations: [integration] },
    });
    assert.equal(result.text, MOCK_TEXT);
    await client.flush();
    await client.shutdown();

    const [summary] = tracesOf('ai-sdk-agent');
    assert.ok(summary, 'the trace is listed');
    const detail = show(summary.traceId);
    const byKind = (k: string) => detail.spans.filter((s) => s.kind === k);
    assert.equal(detail.spans[0].kind, 'agent', `root is the generateText run: ${detail.spans.map((s) => `${s.name}:${s.kind}`)}`);
    assert.equal(byKind('llm').length, 2, 'two model calls: tool call, then answer');
    const toolSpan = byKind('tool')[0];
    assert.equal(toolSpan.tool?.name, 'get_weather');
    assert.deepEqual(JSON.parse(toolSpan.tool!.arguments!), { city: 'Paris' });
    assert.deepEqual(JSON.parse(toolSpan.tool!.result!), { city: 'Paris', sky: 'sunny' });
    // The outer span repeats its model calls' usage: the trace total counts it once.
    const perCall = byKind('llm').reduce((n, s) => n + (s.usage.inputTokens ?? 0), 0);
    assert.equal(summary.usage.inputTokens, perCall);
    assert.ok(detail.spans.every((s) => s.convention === 'vercel-ai' || s.kind === 'other'), detail.spans.map((s) => s.convention).join());
  });
});

/** manuallyInstrument patches the OpenAI prototypes for the whole process; undo it for the tests after this one. */
function unwrapOpenAi(): void {
  const protos = [OpenAI.Chat.Completions.prototype, OpenAI.Completions.prototype, OpenAI.Embeddings.prototype, OpenAI.Responses.prototype] as unknown as Array<
    Record<string, { __unwrap?: () => void }>
  >;
  for (const proto of protos) for (let i = 0; i < 5 && typeof proto.create?.__unwrap === 'function'; i++) proto.create.__unwrap?.();
}

/** The instrumentation's own unpatch (typed private) also forgets the class in its process-wide registry. */
function unpatch(inst: OpenInferenceOpenAI): void {
  (inst as unknown as { unpatch(moduleExports: unknown, version: string): void }).unpatch(OpenAI, '');
}
