// Canonical model and provider names. Instrumentations record dated snapshots
// (gpt-4o-2024-08-06), provider prefixes (openai/gpt-4o, models/gemini-1.5-pro), Bedrock ids
// (us.anthropic.claude-…-v1:0), Vertex ids (claude-…@20241022) and SDK-specific provider
// labels (openai.chat). We strip the packaging ourselves, then let @pydantic/genai-prices —
// which already knows model families and their snapshots — name the model where it can.
import { calcPrice } from '@pydantic/genai-prices';

/** Provider aliases → OTel GenAI `gen_ai.provider.name` values (or a lowercased name). */
const PROVIDER_ALIASES: Array<[RegExp, string]> = [
  [/^(azure\.ai\.openai|az\.ai\.openai|azure[-_.]?openai|azure)$/, 'azure.ai.openai'],
  [/^(azure\.ai\.inference|az\.ai\.inference)$/, 'azure.ai.inference'],
  [/^openai$/, 'openai'],
  [/^anthropic$/, 'anthropic'],
  [/^(aws\.bedrock|aws|bedrock|amazon[-_.]?bedrock|amazon)$/, 'aws.bedrock'],
  [/^(gcp\.vertex_ai|vertex_ai|vertex|vertexai|google[-_.]vertex(ai)?|google\.vertex)$/, 'gcp.vertex_ai'],
  [/^(gcp\.gemini|gemini|google|google[-_.]generative[-_]ai|google[-_.]genai|google_genai|google\.generativeai)$/, 'gcp.gemini'],
  [/^gcp\.gen_ai$/, 'gcp.gen_ai'],
  [/^(mistral_ai|mistral|mistralai)$/, 'mistral_ai'],
  [/^(x_ai|xai|x-ai|grok)$/, 'x_ai'],
  [/^(ibm\.watsonx\.ai|watsonx|ibm)$/, 'ibm.watsonx.ai'],
  [/^(together|together_ai|togetherai|together-ai)$/, 'together_ai'],
];

// SDK-specific suffixes such as the AI SDK's `openai.chat` or `anthropic.messages`.
const SDK_SUFFIX = /\.(chat|responses|completion|completions|messages|embedding|embeddings|image|transcription|speech|generative-ai|rerank)$/;

export function canonicalProvider(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let p = raw.trim().toLowerCase();
  if (!p) return null;
  for (let i = 0; i < 2 && SDK_SUFFIX.test(p); i++) p = p.replace(SDK_SUFFIX, '');
  for (const [re, name] of PROVIDER_ALIASES) if (re.test(p)) return name;
  return p;
}

// Our provider names → genai-prices provider ids.
const PRICES_PROVIDER: Record<string, string> = {
  'openai': 'openai',
  'anthropic': 'anthropic',
  'aws.bedrock': 'aws',
  'azure.ai.openai': 'azure',
  'gcp.vertex_ai': 'google',
  'gcp.gemini': 'google',
  'gcp.gen_ai': 'google',
  'mistral_ai': 'mistral',
  'x_ai': 'x-ai',
  'together_ai': 'together',
};

export const pricesProviderId = (provider: string | null): string | undefined =>
  provider ? PRICES_PROVIDER[provider] ?? provider : undefined;

// genai-prices provider ids → ours, for providers inferred from the model name.
const FROM_PRICES: Record<string, string> = {
  openai: 'openai', anthropic: 'anthropic', google: 'gcp.gemini', aws: 'aws.bedrock', azure: 'azure.ai.openai',
  mistral: 'mistral_ai', 'x-ai': 'x_ai', together: 'together_ai',
};

const BEDROCK_REGION = /^(us|eu|apac|ap|ca|sa|global|us-gov|jp|au)\./;
const BEDROCK_VENDOR = /^(anthropic|amazon|meta|cohere|ai21|mistral|deepseek|openai|qwen|writer|stability|twelvelabs|luma)\.(.+)$/;
const MODEL_PREFIX_PROVIDERS = new Set(['openai', 'anthropic', 'google', 'gemini', 'vertex_ai', 'azure', 'bedrock', 'mistral', 'mistralai', 'xai', 'x-ai', 'groq', 'deepseek', 'cohere']);

interface Stripped { model: string; provider: string | null }

// Removes packaging around a model id; returns the provider the packaging revealed, if any.
function strip(raw: string): Stripped {
  let m = raw.trim();
  let provider: string | null = null;
  // Bedrock ARNs: arn:aws:bedrock:region:acct:inference-profile/us.anthropic.claude-…
  if (m.startsWith('arn:aws:bedrock:')) {
    m = m.slice(m.lastIndexOf('/') + 1);
    provider = 'aws.bedrock';
  }
  if (m.startsWith('models/')) m = m.slice('models/'.length);
  const slash = m.indexOf('/');
  if (slash > 0 && !m.includes('/', slash + 1)) {
    const prefix = m.slice(0, slash).toLowerCase();
    if (MODEL_PREFIX_PROVIDERS.has(prefix)) {
      provider = canonicalProvider(prefix);
      m = m.slice(slash + 1);
    }
  }
  const bedrock = BEDROCK_VENDOR.exec(m.replace(BEDROCK_REGION, ''));
  if (bedrock && (/-v\d+(:\d+)?$/.test(m) || /:\d+$/.test(m) || BEDROCK_REGION.test(m) || provider === 'aws.bedrock')) {
    m = bedrock[2].replace(/-v\d+(:\d+)?$/, '').replace(/:\d+$/, '');
    provider = 'aws.bedrock';
  }
  m = m.replace(/@(\d{8}|latest|default|\d{3})$/, ''); // Vertex: claude-3-5-sonnet-v2@20241022
  return { model: m.toLowerCase(), provider };
}

// Dated snapshot suffixes, used when genai-prices does not know the model.
function stripDate(m: string): string {
  return m
    .replace(/-(20\d{2})-(0[1-9]|1[0-2])-([0-2]\d|3[01])$/, '')
    .replace(/-(20\d{2})(0[1-9]|1[0-2])([0-2]\d|3[01])$/, '')
    .replace(/^(gpt-[\w.-]+?)-(0[1-9]|1[0-2])([0-2]\d|3[01])$/, '$1');
}

function inferProvider(model: string): string | null {
  if (/^(gpt-|o\d|chatgpt-|text-embedding-|davinci|babbage|dall-e|whisper|tts-)/.test(model)) return 'openai';
  if (model.startsWith('claude')) return 'anthropic';
  if (model.startsWith('gemini') || model.startsWith('gemma')) return 'gcp.gemini';
  if (/^(mistral|mixtral|codestral|ministral|magistral|pixtral)/.test(model)) return 'mistral_ai';
  if (model.startsWith('grok')) return 'x_ai';
  if (model.startsWith('command')) return 'cohere';
  if (model.startsWith('deepseek')) return 'deepseek';
  return null;
}

function lookup(model: string, provider: string | null): { id: string; provider: string } | null {
  try {
    const pid = pricesProviderId(provider);
    const r = calcPrice({}, model, pid ? { providerId: pid } : undefined) ?? (pid ? calcPrice({}, model) : null);
    return r ? { id: r.model.id.toLowerCase(), provider: r.provider.id } : null;
  } catch {
    return null;
  }
}

const SNAPSHOT_TAIL = /^(-\d{4}-\d{2}-\d{2}|-\d{8}|-\d{4}|-latest|-v\d+(:\d+)?)$/;

const cache = new Map<string, { model: string | null; provider: string | null }>();

export function canonicalModel(raw: string | null, provider?: string | null): { model: string | null; provider: string | null } {
  const key = `${raw ?? ''}\u0000${provider ?? ''}`;
  const hit = cache.get(key);
  if (hit) return { ...hit };
  const result = compute(raw, provider ?? null);
  if (cache.size > 5000) cache.clear();
  cache.set(key, result);
  return { ...result };
}

function compute(raw: string | null, providerRaw: string | null): { model: string | null; provider: string | null } {
  let provider = canonicalProvider(providerRaw);
  if (!raw || !raw.trim()) return { model: null, provider };
  const s = strip(raw);
  // An explicit provider wins over one read from the model id's packaging.
  provider = provider ?? s.provider;
  let model = s.model;
  const known = lookup(model, provider);
  // Accept genai-prices' name only when ours is that name plus a snapshot tag, so a loose
  // match can never rename a different model.
  if (known && known.id && (model === known.id || (model.startsWith(known.id) && SNAPSHOT_TAIL.test(model.slice(known.id.length))))) model = known.id;
  else model = stripDate(model);
  if (!provider) provider = (known ? FROM_PRICES[known.provider] ?? known.provider : null) ?? inferProvider(model);
  return { model, provider };
}
