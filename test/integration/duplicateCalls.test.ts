// One model call recorded by two real instrumentations, exported with the official OTLP exporter
// to the real server process, read back with `list --json` / `show --json`: the trace counts the
// call once in llmCalls, tokens and cost, and shows the other copy as a duplicate.
import { strict as assert } from 'node:assert';
import Anthropic from '@anthropic-ai/sdk';
import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import { OpenAIInstrumentation as OpenInferenceOpenAI } from '@arizeai/openinference-instrumentation-openai';
import * as CallbackManagerModule from '@langchain/core/callbacks/manager';
import { awaitAllCallbacks } from '@langchain/core/callbacks/promises';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { ChatOpenAI } from '@langchain/openai';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import OpenAI from 'openai';
import type { SpanDto, TraceDetailDto, TraceSummaryDto } from '../../src/protocol/dto';
import { MOCK_ANTHROPIC_USAGE, startMockAnthropic, type MockAnthropic } from '../support/mockAnthropic';
import { MOCK_USAGE, startMockOpenAi, type MockOpenAi } from '../support/mockOpenAi';
import { makeTracer } from '../support/otlpClients';
import { cliJson, cliJsonLines, useServedDatabase } from '../support/serverProcess';

describe('one model call recorded by two instrumentations is counted once', function () {
  this.timeout(60_000);
  const served = useServedDatabase();
  let openAiMock: MockOpenAi;
  let anthropicMock: MockAnthropic;

  before(async () => {
    openAiMock = await startMockOpenAi();
    anthropicMock = await startMockAnthropic();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  after(async () => {
    context.disable();
    await openAiMock?.close();
    await anthropicMock?.close();
  });

  const traceOf = (service: string): { summary: TraceSummaryDto; detail: TraceDetailDto } => {
    const [summary] = cliJsonLines<TraceSummaryDto>(['list', '--service', service, '--db', served.db]);
    assert.ok(summary, `a trace of ${service} is listed`);
    return { summary, detail: cliJson<TraceDetailDto>(['show', summary.traceId, '--db', served.db]) };
  };
  const byName = (d: TraceDetailDto, name: string): SpanDto[] => d.spans.filter((s) => s.name === name);

  it('OpenInference LangChain + OpenAI instrumentations: ChatOpenAI under the chain, OpenAI Chat Completions under the root', async () => {
    const client = makeTracer({ protocol: 'http/protobuf', url: `http://127.0.0.1:${served.server.httpPort}`, resource: { 'service.name': 'lc-oi-agent' } });
    const openAiInst = new OpenInferenceOpenAI({ tracerProvider: client.provider });
    const langChainInst = new LangChainInstrumentation({ tracerProvider: client.provider });
    unpatchOpenAi(openAiInst);
    openAiInst.manuallyInstrument(OpenAI);
    langChainInst.manuallyInstrument(CallbackManagerModule);
    try {
      await client.tracer.startActiveSpan('agent run', async (root) => {
        const model = new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'test-key', configuration: { baseURL: openAiMock.baseUrl } });
        const chain = ChatPromptTemplate.fromMessages([['system', 'Be brief.'], ['user', '{q}']]).pipe(model);
        await chain.invoke({ q: 'Weather in Paris?' });
        await chain.invoke({ q: 'And in Rome?' });
        root.end();
      });
      await awaitAllCallbacks(); // LangChain ends its spans from background callbacks
      await client.flush();
    } finally {
      (langChainInst as unknown as { unpatch(m: unknown): void }).unpatch(CallbackManagerModule);
      unpatchOpenAi(openAiInst);
      unwrapOpenAi();
      await client.shutdown();
    }
    assert.equal(openAiMock.requests.length, 2, 'two model requests were made');

    const { summary, detail } = traceOf('lc-oi-agent');
    const chatOpenAi = byName(detail, 'ChatOpenAI');
    const completions = byName(detail, 'OpenAI Chat Completions');
    assert.equal(chatOpenAi.length, 2, detail.spans.map((s) => s.name).join());
    assert.equal(completions.length, 2, detail.spans.map((s) => s.name).join());
    // The shape issue 7 reported: the two copies sit on different branches.
    assert.notEqual(chatOpenAi[0].parentSpanId, completions[0].parentSpanId);

    assert.equal(summary.llmCalls, 2, 'two calls, not four');
    assert.equal(summary.usage.inputTokens, 2 * MOCK_USAGE.prompt_tokens);
    assert.equal(summary.usage.outputTokens, 2 * MOCK_USAGE.completion_tokens);
    const perCallCost = completions.map((s) => s.costUsd ?? 0).reduce((a, b) => a + b, 0);
    assert.ok(perCallCost > 0);
    assert.ok(Math.abs((summary.costUsd ?? 0) - perCallCost) < 1e-12, `cost ${summary.costUsd} counts each call once (${perCallCost})`);

    // Shown as such, not hidden: every copy is in the tree, each duplicate names a counted step.
    const duplicates = detail.spans.filter((s) => s.duplicateOf);
    assert.equal(duplicates.length, 2);
    const ids = new Set(detail.spans.map((s) => s.spanId));
    for (const d of duplicates) {
      assert.ok(ids.has(d.duplicateOf!), 'points at a step of this trace');
      assert.equal(detail.spans.find((s) => s.spanId === d.duplicateOf)!.duplicateOf, null, 'the counted copy is not itself a duplicate');
    }
  });

  it('the Anthropic SDK tracing itself under the Vercel AI SDK model span: one call, cache writes priced as cache writes', async () => {
    const client = makeTracer({ protocol: 'http/json', url: `http://127.0.0.1:${served.server.httpPort}`, resource: { 'service.name': 'ai-anthropic-agent' } });
    const anthropic = new Anthropic({ apiKey: 'test-key', baseURL: anthropicMock.baseUrl, openTelemetry: { tracerProvider: client.provider } });
    const { generateText } = await import('ai');
    const otel = await import('@ai-sdk/otel');
    const result = await generateText({
      model: anthropicModel(anthropic, 'claude-sonnet-4-5'),
      prompt: 'Weather in Paris?',
      experimental_telemetry: { isEnabled: true, functionId: 'weather', integrations: [new otel.LegacyOpenTelemetry({ tracer: client.tracer })] },
    });
    assert.equal(result.text.length > 0, true);
    await client.flush();
    await client.shutdown();

    const { summary, detail } = traceOf('ai-anthropic-agent');
    const sdk = byName(detail, 'anthropic.messages.create')[0];
    const framework = byName(detail, 'ai.generateText.doGenerate')[0];
    assert.ok(sdk && framework, detail.spans.map((s) => s.name).join());
    assert.equal(sdk.parentSpanId, framework.spanId, 'the SDK span sits under the framework model span');
    // The SDK's own spelling of cache writes (gen_ai.usage.cache_write.input_tokens) is read.
    assert.equal(sdk.usage.cacheWriteTokens, MOCK_ANTHROPIC_USAGE.cache_creation_input_tokens);
    assert.equal(sdk.usage.cacheReadTokens, MOCK_ANTHROPIC_USAGE.cache_read_input_tokens);

    assert.equal(summary.llmCalls, 1, 'one call, not two');
    const total = MOCK_ANTHROPIC_USAGE.input_tokens + MOCK_ANTHROPIC_USAGE.cache_creation_input_tokens + MOCK_ANTHROPIC_USAGE.cache_read_input_tokens;
    assert.equal(summary.usage.inputTokens, total);
    assert.equal(summary.usage.cacheWriteTokens, MOCK_ANTHROPIC_USAGE.cache_creation_input_tokens);
    assert.equal([sdk, framework].filter((s) => s.duplicateOf).length, 1, 'one of the two copies is marked duplicate');
    const counted = [sdk, framework].find((s) => !s.duplicateOf)!;
    assert.ok(counted.costUsd !== null && Math.abs((summary.costUsd ?? 0) - counted.costUsd) < 1e-12, `trace cost ${summary.costUsd} = one call's`);
    // Priced at the cache-write rate (above the input rate for Anthropic): more than the same tokens as plain input would cost.
    const asPlainInput = (total * 3 + MOCK_ANTHROPIC_USAGE.output_tokens * 15) / 1_000_000;
    assert.ok(summary.costUsd! > asPlainInput, `cost ${summary.costUsd} > ${asPlainInput}`);
  });
});

/** A minimal AI SDK language model over the real Anthropic client, as a user's own adapter would be. */
function anthropicModel(client: Anthropic, modelId: string) {
  return {
    specificationVersion: 'v3' as const,
    provider: 'anthropic.messages',
    modelId,
    supportedUrls: {},
    async doGenerate(options: { prompt: Array<{ role: string; content: unknown }> }) {
      const messages = options.prompt
        .filter((m) => m.role === 'user')
        .map((m) => ({ role: 'user' as const, content: (m.content as Array<{ text?: string }>).map((p) => p.text ?? '').join('') }));
      const r = await client.messages.create({ model: modelId, max_tokens: 100, messages });
      const u = r.usage;
      const cacheRead = u.cache_read_input_tokens ?? 0;
      const cacheWrite = u.cache_creation_input_tokens ?? 0;
      const first = r.content[0];
      return {
        content: [{ type: 'text' as const, text: first?.type === 'text' ? first.text : '' }],
        finishReason: { unified: 'stop' as const, raw: r.stop_reason ?? undefined },
        usage: {
          inputTokens: { total: u.input_tokens + cacheRead + cacheWrite, noCache: u.input_tokens, cacheRead, cacheWrite },
          outputTokens: { total: u.output_tokens, text: u.output_tokens, reasoning: undefined },
        },
        warnings: [],
      };
    },
    doStream(): never {
      throw new Error('streaming is not used in this test');
    },
  } as never;
}

/** manuallyInstrument patches the OpenAI prototypes for the whole process; undo it for the tests after this one. */
function unwrapOpenAi(): void {
  const protos = [OpenAI.Chat.Completions.prototype, OpenAI.Completions.prototype, OpenAI.Embeddings.prototype, OpenAI.Responses.prototype] as unknown as Array<
    Record<string, { __unwrap?: () => void }>
  >;
  for (const proto of protos) for (let i = 0; i < 5 && typeof proto.create?.__unwrap === 'function'; i++) proto.create.__unwrap?.();
}

/** The instrumentation's own unpatch (typed private) also forgets the class in its process-wide registry. */
function unpatchOpenAi(inst: OpenInferenceOpenAI): void {
  (inst as unknown as { unpatch(moduleExports: unknown, version: string): void }).unpatch(OpenAI, '');
}
