// Every spelling of cache and reasoning token counts that instrumentations really send, with
// where each comes from. A row fails when normalize() does not read its attribute into the
// usage field. Sources are the libraries' own code (installed packages: node_modules/…; public
// repositories: owner/repo path).
import assert from 'node:assert/strict';
import { canonicalize } from '../../src/core/canonicalize';
import type { Attributes, RawSpan, Usage } from '../../src/core/model';
import { normalize } from '../../src/core/normalize';

interface Spelling {
  attribute: string;
  field: keyof Usage;
  source: string;
  /** Attributes the convention needs to recognise the span at all. */
  context?: Attributes;
}

const OPENINFERENCE = 'node_modules/@arizeai/openinference-semantic-conventions/dist/src/trace/SemanticConventions.js';
const TRACELOOP_JS = 'node_modules/@traceloop/ai-semantic-conventions/dist/src/SemanticAttributes.js';
const ANTHROPIC_SDK = 'node_modules/@anthropic-ai/sdk/src/internal/tracing.ts (SPAN_ATTRIBUTES, anthropic.messages.create)';
const AI_SDK_OTEL = 'node_modules/@ai-sdk/otel/dist/index.js (LegacyOpenTelemetry usage attributes)';
const OPENLLMETRY_LEGACY = { 'llm.request.type': 'chat' };

export const SPELLINGS: Spelling[] = [
  // Cache reads
  { attribute: 'gen_ai.usage.cache_read.input_tokens', field: 'cacheReadTokens', source: `OTel GenAI semantic conventions (registry); ${ANTHROPIC_SDK}` },
  { attribute: 'gen_ai.usage.cache_read_input_tokens', field: 'cacheReadTokens', source: `OpenLLMetry JS: ${TRACELOOP_JS} (GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS); traceloop/openllmetry Python instrumentations` },
  { attribute: 'gen_ai.usage.input_tokens.cached', field: 'cacheReadTokens', source: 'OpenRouter Broadcast and OTel semconv drafts (v1.38 input_tokens.cached), seen in public exporters' },
  { attribute: 'gen_ai.usage.cached_tokens', field: 'cacheReadTokens', source: 'community OpenAI instrumentations flattening usage.cached_tokens' },
  { attribute: 'gen_ai.usage.prompt_tokens_details.cached_tokens', field: 'cacheReadTokens', source: 'community OpenAI instrumentations flattening usage.prompt_tokens_details (Python)' },
  { attribute: 'llm.token_count.prompt_details.cache_read', field: 'cacheReadTokens', source: `OpenInference: ${OPENINFERENCE} (LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_READ)` },
  { attribute: 'ai.usage.cachedInputTokens', field: 'cacheReadTokens', source: `Vercel AI SDK 5+: ${AI_SDK_OTEL}; node_modules/ai/dist/index.js` },
  { attribute: 'ai.usage.inputTokenDetails.cacheReadTokens', field: 'cacheReadTokens', source: `Vercel AI SDK 6+: ${AI_SDK_OTEL}` },
  { attribute: 'llm.usage.cache_read_input_tokens', field: 'cacheReadTokens', source: 'older OpenLLMetry releases (LLM_USAGE_CACHE_READ_INPUT_TOKENS) and exporters built on them', context: OPENLLMETRY_LEGACY },
  // Cache writes
  { attribute: 'gen_ai.usage.cache_creation.input_tokens', field: 'cacheWriteTokens', source: 'OTel GenAI semantic conventions (registry)' },
  { attribute: 'gen_ai.usage.cache_write.input_tokens', field: 'cacheWriteTokens', source: `Anthropic SDK 1.x own tracing: ${ANTHROPIC_SDK}` },
  { attribute: 'gen_ai.usage.cache_creation_input_tokens', field: 'cacheWriteTokens', source: `OpenLLMetry JS: ${TRACELOOP_JS} (GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS); traceloop/openllmetry Anthropic instrumentation` },
  { attribute: 'gen_ai.usage.input_tokens.cache_write', field: 'cacheWriteTokens', source: 'OpenRouter Broadcast, seen in public exporters beside input_tokens.cached' },
  { attribute: 'llm.token_count.prompt_details.cache_write', field: 'cacheWriteTokens', source: `OpenInference: ${OPENINFERENCE} (LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_WRITE)` },
  { attribute: 'ai.usage.inputTokenDetails.cacheWriteTokens', field: 'cacheWriteTokens', source: `Vercel AI SDK 6+: ${AI_SDK_OTEL}` },
  { attribute: 'llm.usage.cache_creation_input_tokens', field: 'cacheWriteTokens', source: 'older OpenLLMetry releases and exporters built on them (Python Anthropic payloads)', context: OPENLLMETRY_LEGACY },
  // Reasoning
  { attribute: 'gen_ai.usage.reasoning.output_tokens', field: 'reasoningTokens', source: `OTel GenAI semantic conventions (registry); ${ANTHROPIC_SDK} (thinking_tokens)` },
  { attribute: 'gen_ai.usage.reasoning_tokens', field: 'reasoningTokens', source: `OpenLLMetry JS: ${TRACELOOP_JS} (GEN_AI_USAGE_REASONING_TOKENS)` },
  { attribute: 'gen_ai.usage.output_tokens.reasoning', field: 'reasoningTokens', source: 'OpenRouter Broadcast, seen in public exporters' },
  { attribute: 'gen_ai.usage.completion_tokens_details.reasoning_tokens', field: 'reasoningTokens', source: 'community OpenAI instrumentations flattening usage.completion_tokens_details' },
  { attribute: 'llm.token_count.completion_details.reasoning', field: 'reasoningTokens', source: `OpenInference: ${OPENINFERENCE} (LLM_TOKEN_COUNT_COMPLETION_DETAILS_REASONING)` },
  { attribute: 'ai.usage.reasoningTokens', field: 'reasoningTokens', source: `Vercel AI SDK 5: node_modules/ai/dist/index.js; ${AI_SDK_OTEL}` },
  { attribute: 'ai.usage.outputTokenDetails.reasoningTokens', field: 'reasoningTokens', source: `Vercel AI SDK 6+: ${AI_SDK_OTEL}` },
];

/** Provider metadata JSON: cache counts the AI SDK 4/5 Anthropic provider reports only there. */
const PROVIDER_METADATA: Array<{ metadata: unknown; field: keyof Usage; value: number; source: string }> = [
  { metadata: { anthropic: { cacheCreationInputTokens: 2118, cacheReadInputTokens: 0 } }, field: 'cacheWriteTokens', value: 2118,
    source: 'vercel/ai examples/ai-core/src/generate-text/anthropic-cache-control.ts (providerMetadata.anthropic)' },
  { metadata: { anthropic: { cacheCreationInputTokens: 0, cacheReadInputTokens: 1500 } }, field: 'cacheReadTokens', value: 1500,
    source: 'vercel/ai examples/ai-core/src/stream-text/anthropic-cache-control.ts (providerMetadata.anthropic)' },
];

function rawSpan(attributes: Attributes, name = 'chat model'): RawSpan {
  return {
    traceId: 't', spanId: 's', parentSpanId: null, name, kind: 'client', startUnixNanos: '1', endUnixNanos: '2',
    status: { code: 'unset', message: '' }, attributes, events: [], links: [], resource: {}, scope: { name: 'x', version: '' },
  };
}

describe('usage spellings: every cache and reasoning token attribute in use is read', () => {
  for (const s of SPELLINGS) {
    it(`${s.attribute} → ${s.field}  [${s.source}]`, () => {
      // A large input count, so the "input excludes the cache" repair never touches the row under test.
      const n = normalize(rawSpan({ ...s.context, [s.attribute]: 1234 }));
      assert.equal(n.usage[s.field], 1234, `${s.attribute} read into ${s.field}`);
      const asString = normalize(rawSpan({ ...s.context, [s.attribute]: '1234' }));
      assert.equal(asString.usage[s.field], 1234, `${s.attribute} sent as a string`);
    });
  }
  for (const m of PROVIDER_METADATA) {
    it(`ai.response.providerMetadata ${JSON.stringify(m.metadata)} → ${m.field}  [${m.source}]`, () => {
      const n = normalize(rawSpan({ 'ai.operationId': 'ai.generateText.doGenerate', 'ai.usage.promptTokens': 5000,
        'ai.response.providerMetadata': JSON.stringify(m.metadata) }, 'ai.generateText.doGenerate'));
      assert.equal(n.usage[m.field], m.value);
    });
  }

  it('the table lists every spelling the readers know (nothing read is missing a source)', () => {
    const listed = new Set(SPELLINGS.map((s) => s.attribute));
    for (const attr of ['gen_ai.usage.cache_write.input_tokens', 'gen_ai.usage.cache_creation.input_tokens', 'llm.token_count.prompt_details.cache_read',
      'llm.token_count.prompt_details.cache_write', 'llm.token_count.completion_details.reasoning', 'ai.usage.cachedInputTokens', 'ai.usage.reasoningTokens',
      'gen_ai.usage.cache_read_input_tokens', 'gen_ai.usage.cache_creation_input_tokens']) {
      assert.ok(listed.has(attr), attr);
    }
  });
});

describe('cache writes are priced at the cache-write rate', () => {
  // What the Anthropic SDK's own tracing records for a call that wrote 2,000 tokens to the cache.
  const anthropicSdkSpan = (extra: Attributes = {}) => rawSpan({
    'gen_ai.provider.name': 'anthropic', 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'claude-sonnet-4-5',
    'gen_ai.response.model': 'claude-sonnet-4-5-20250929', 'gen_ai.usage.input_tokens': 2112, 'gen_ai.usage.output_tokens': 6,
    'gen_ai.usage.cache_read.input_tokens': 100, ...extra,
  }, 'anthropic.messages.create');

  it('costs the written tokens above the plain input rate, as Anthropic bills them', () => {
    const withWrites = canonicalize(anthropicSdkSpan({ 'gen_ai.usage.cache_write.input_tokens': 2000 }));
    const withoutWrites = canonicalize(anthropicSdkSpan());
    assert.equal(withWrites.norm.usage.cacheWriteTokens, 2000);
    assert.ok(withWrites.costUsd !== null && withoutWrites.costUsd !== null);
    // Claude Sonnet 4.5: cache writes $3.75/MTok against $3/MTok input: 2,000 written tokens cost $0.0015 more.
    assert.ok(Math.abs(withWrites.costUsd - withoutWrites.costUsd - (2000 * 0.75) / 1e6) < 1e-9, `${withWrites.costUsd} vs ${withoutWrites.costUsd}`);
  });
});
