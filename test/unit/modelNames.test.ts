import assert from 'node:assert/strict';
import { canonicalModel, canonicalProvider } from '../../src/core/modelNames';

describe('canonicalModel', () => {
  const rows: Array<[string | null, string | null | undefined, string | null, string | null]> = [
    ['gpt-4o-2024-08-06', undefined, 'gpt-4o', 'openai'],
    ['gpt-4o-mini-2024-07-18', 'openai', 'gpt-4o-mini', 'openai'],
    ['gpt-4-0613', 'openai', 'gpt-4', 'openai'],
    ['claude-3-5-sonnet-20241022', null, 'claude-3-5-sonnet', 'anthropic'],
    ['openai/gpt-4o', null, 'gpt-4o', 'openai'],
    ['models/gemini-1.5-pro', null, 'gemini-1.5-pro', 'gcp.gemini'],
    ['anthropic.claude-3-5-sonnet-20240620-v1:0', null, 'claude-3-5-sonnet', 'aws.bedrock'],
    ['us.anthropic.claude-3-5-sonnet-20240620-v1:0', 'aws.bedrock', 'claude-3-5-sonnet', 'aws.bedrock'],
    ['meta.llama3-70b-instruct-v1:0', null, 'llama3-70b-instruct', 'aws.bedrock'],
    ['claude-3-5-sonnet-v2@20241022', 'gcp.vertex_ai', 'claude-3-5-sonnet', 'gcp.vertex_ai'],
    ['gpt-4o-mini', 'openai.chat', 'gpt-4o-mini', 'openai'],
    // an Azure deployment name is kept as is (normalize() prefers the response model when present)
    ['my-gpt4o-deployment', 'az.ai.openai', 'my-gpt4o-deployment', 'azure.ai.openai'],
    ['totally-unknown-model-20250101', null, 'totally-unknown-model', null],
    [null, 'openai', null, 'openai'],
    ['', null, null, null],
  ];
  for (const [raw, provider, model, prov] of rows) {
    it(`${raw} (${provider ?? '-'}) → ${model} / ${prov}`, () => {
      assert.deepEqual(canonicalModel(raw, provider), { model, provider: prov });
    });
  }
  it('never renames a model to a different one that merely shares a prefix', () => {
    assert.equal(canonicalModel('gpt-4o-mini', 'openai').model, 'gpt-4o-mini');
    assert.equal(canonicalModel('o3-mini', 'openai').model, 'o3-mini');
  });
});

describe('canonicalProvider', () => {
  const rows: Array<[string, string]> = [
    ['OpenAI', 'openai'], ['openai.responses', 'openai'], ['anthropic.messages', 'anthropic'], ['Bedrock', 'aws.bedrock'],
    ['amazon-bedrock', 'aws.bedrock'], ['vertex_ai', 'gcp.vertex_ai'], ['google.vertex.chat', 'gcp.vertex_ai'], ['gemini', 'gcp.gemini'],
    ['google.generative-ai', 'gcp.gemini'], ['az.ai.openai', 'azure.ai.openai'], ['azure', 'azure.ai.openai'], ['mistralai', 'mistral_ai'],
    ['xai', 'x_ai'], ['groq', 'groq'], ['some-new-vendor', 'some-new-vendor'],
  ];
  for (const [raw, want] of rows) it(`${raw} → ${want}`, () => assert.equal(canonicalProvider(raw), want));
});
