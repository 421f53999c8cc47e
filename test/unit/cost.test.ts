import assert from 'node:assert/strict';
import { calcPrice } from '@pydantic/genai-prices';
import { computeCost } from '../../src/core/cost';
import { emptyUsage, type Normalized, type Usage } from '../../src/core/model';

const M = 1_000_000;
function norm(model: string | null, provider: string | null, usage: Partial<Usage>, reportedCostUsd: number | null = null): Normalized {
  return {
    kind: 'llm', convention: 'otel-genai', operation: 'chat', model, modelRaw: model, provider,
    usage: { ...emptyUsage(), ...usage }, reportedCostUsd, messages: [], tool: null, agentName: null, sessionId: null, error: null, source: null,
  };
}
const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);

describe('computeCost', () => {
  it('computes from genai-prices (gpt-4o: $2.50 in, $10 out per MTok)', () => {
    const r = computeCost(norm('gpt-4o', 'openai', { inputTokens: M, outputTokens: M }));
    assert.equal(r.costSource, 'computed');
    close(r.costUsd, 12.5);
  });

  it('charges cache reads at the cache rate, without charging them again as input', () => {
    // 1M input of which 1M were cache reads ($1.25/MTok for gpt-4o)
    close(computeCost(norm('gpt-4o', 'openai', { inputTokens: M, outputTokens: 0, cacheReadTokens: M })).costUsd, 1.25);
  });

  it('charges Anthropic cache writes and reads at their own rates (claude-3-5-sonnet: 3 / 3.75 / 0.30)', () => {
    const r = computeCost(norm('claude-3-5-sonnet', 'anthropic', { inputTokens: 3 * M, outputTokens: 0, cacheReadTokens: M, cacheWriteTokens: M }));
    close(r.costUsd, 3 + 3.75 + 0.3);
  });

  it('prices Bedrock model ids', () => {
    const r = computeCost({ ...norm('claude-3-5-sonnet', 'aws.bedrock', { inputTokens: M, outputTokens: 0 }), modelRaw: 'anthropic.claude-3-5-sonnet-20240620-v1:0' });
    close(r.costUsd, 3);
  });

  it('reported cost wins over computed and over overrides', () => {
    const r = computeCost(norm('gpt-4o', 'openai', { inputTokens: M, outputTokens: M }, 0.42), { 'gpt-4o': { inputPerMTok: 1, outputPerMTok: 1 } });
    assert.deepEqual(r, { costUsd: 0.42, costSource: 'reported' });
  });

  it('user overrides (USD per MTok) win over the library', () => {
    close(computeCost(norm('gpt-4o', 'openai', { inputTokens: M, outputTokens: M }), { 'gpt-4o': { inputPerMTok: 1, outputPerMTok: 2 } }).costUsd, 3);
    // provider-qualified keys are the most specific
    close(computeCost(norm('gpt-4o', 'openai', { inputTokens: M, outputTokens: M }), { 'gpt-4o': { inputPerMTok: 1, outputPerMTok: 2 }, 'openai:gpt-4o': { inputPerMTok: 5, outputPerMTok: 5 } }).costUsd, 10);
  });

  it('prices a model the library does not know when the user gives its prices', () => {
    const n = norm('in-house-llm', 'vllm', { inputTokens: 2 * M, outputTokens: M, cacheReadTokens: M });
    assert.deepEqual(computeCost(n), { costUsd: null, costSource: null });
    // cache reads fall back to the input price when no cache price is given
    close(computeCost(n, { 'in-house-llm': { inputPerMTok: 1, outputPerMTok: 4 } }).costUsd, 2 + 4);
    close(computeCost(n, { 'in-house-llm': { inputPerMTok: 1, outputPerMTok: 4, cacheReadPerMTok: 0.1 } }).costUsd, 1 + 0.1 + 4);
    assert.equal(computeCost(n, { 'in-house-llm': { inputPerMTok: 1 } }).costUsd, null, 'output price unknown → unknown cost');
  });

  it('is unknown (null), never zero, without usage or model', () => {
    assert.deepEqual(computeCost(norm('gpt-4o', 'openai', {})), { costUsd: null, costSource: null });
    assert.deepEqual(computeCost(norm(null, null, { inputTokens: 10, outputTokens: 10 })), { costUsd: null, costSource: null });
    assert.deepEqual(computeCost(norm('no-such-model-xyz', null, { inputTokens: 10, outputTokens: 10 })), { costUsd: null, costSource: null });
  });

  it('prices repeated calls (remembered model match, plain per-token prices) exactly as genai-prices does', () => {
    const cases: Array<[string, string, Partial<Usage>]> = [
      ['gpt-4o-2024-08-06', 'openai', { inputTokens: 812, outputTokens: 64 }],
      ['gpt-4o', 'openai', { inputTokens: 300_001, outputTokens: 5_003, cacheReadTokens: 100_007 }],
      ['claude-3-5-sonnet-20240620', 'anthropic', { inputTokens: 5_000, outputTokens: 51, cacheReadTokens: 1_000, cacheWriteTokens: 3_000 }],
      ['gemini-1.5-pro', 'gcp.gemini', { inputTokens: 250_000, outputTokens: 1_000 }], // tiered by prompt size
    ];
    for (const [model, provider, usage] of cases) {
      const u = { ...emptyUsage(), ...usage };
      const lib: Record<string, number> = { input_tokens: u.inputTokens ?? 0, output_tokens: u.outputTokens ?? 0 };
      if (u.cacheReadTokens) lib.cache_read_tokens = u.cacheReadTokens;
      if (u.cacheWriteTokens) lib.cache_write_tokens = u.cacheWriteTokens;
      const providerId = provider === 'gcp.gemini' ? 'google' : provider;
      const expected = calcPrice(lib, model, { providerId })?.total_price ?? null;
      assert.notEqual(expected, null, model);
      for (let i = 0; i < 3; i++) assert.equal(computeCost(norm(model, provider, usage)).costUsd, expected, `${model}, call ${i + 1}`);
    }
  });
});
