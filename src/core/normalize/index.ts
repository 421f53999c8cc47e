// normalize(): what the GenAI conventions say about one span, merged into one Normalized.
// A span may carry several conventions at once (OpenLLMetry and the Vercel AI SDK also write
// gen_ai.*), so every matching reader runs and, field by field, the most specific convention
// that reported a value wins; OTel GenAI fills the rest. Pure and total: a malformed span
// yields less information, never an exception.
import { emptyUsage, type Convention, type Normalized, type RawSpan, type Usage } from '../model';
import { canonicalModel } from '../modelNames';
import { sourceFromSpan } from '../source';
import { errorOf } from './error';
import { decodePayloads } from './jsonText';
import { logfire } from './logfire';
import { openInference } from './openInference';
import { openLlmetry } from './openLlmetry';
import { otelGenAi } from './otelGenAi';
import { pydanticAi } from './pydanticAi';
import type { ConventionReader, Extraction } from './types';
import { vercelAi } from './vercelAi';

/** Most specific first: their readings override the generic gen_ai.* ones. */
// pydantic-ai before Logfire: pydantic-ai spans also carry Logfire's attributes when Logfire
// exports them, and the pydantic-ai reading of them is the more specific one.
const READERS: ConventionReader[] = [vercelAi, openInference, pydanticAi, logfire, openLlmetry, otelGenAi];

const USAGE_KEYS: Array<keyof Usage> = ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens'];

/** Failures kept per span: enough to see what broke, bounded for a span that breaks everything. */
const MAX_FAILURES = 5;
const MAX_FAILURE_CHARS = 300;

/** Collects what failed while reading one span; a failure costs the span that piece of information only. */
class Failures {
  readonly items: string[] = [];
  private count = 0;
  safe<T>(where: string, f: () => T, fallback: T): T {
    try {
      return f();
    } catch (err) {
      this.count++;
      if (this.items.length < MAX_FAILURES) {
        const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        this.items.push(`${where}: ${what}`.slice(0, MAX_FAILURE_CHARS));
      }
      return fallback;
    }
  }
  finish(): string[] | undefined {
    if (this.count > this.items.length) this.items.push(`…and ${this.count - this.items.length} more`);
    return this.items.length ? this.items : undefined;
  }
}

/** Which conventions a span carries, most specific first. */
export function detectConventions(span: RawSpan): Convention[] {
  const f = new Failures();
  return READERS.filter((r) => f.safe(r.convention, () => r.detect(span), false)).map((r) => r.convention);
}

function first<K extends keyof Extraction>(xs: Extraction[], k: K): Extraction[K] | undefined {
  for (const x of xs) if (x[k] !== undefined && x[k] !== null) return x[k];
  return undefined;
}

/**
 * Usage is kept as reported, with one repair: `inputTokens` means all input tokens, cached
 * included (the OTel GenAI definition, and what genai-prices expects). When the cache counts
 * exceed the input count, the instrumentation evidently reported uncached input only
 * (Anthropic's native `input_tokens`), so the cache counts are added back.
 */
function mergeUsage(xs: Extraction[]): Usage {
  const u = emptyUsage();
  for (const k of USAGE_KEYS) {
    for (const x of xs) {
      const v = x.usage?.[k];
      if (v !== undefined && v !== null) {
        u[k] = v;
        break;
      }
    }
  }
  const cached = (u.cacheReadTokens ?? 0) + (u.cacheWriteTokens ?? 0);
  if (u.inputTokens !== null && cached > u.inputTokens) u.inputTokens += cached;
  return u;
}

export function normalize(span: RawSpan): Normalized {
  const failures = new Failures();
  const safe = <T>(where: string, f: () => T, fallback: T): T => failures.safe(where, f, fallback);
  const readers = READERS.filter((r) => safe(`${r.convention} detect`, () => r.detect(span), false));
  const xs = readers
    .map((r) => safe<Extraction | null>(r.convention, () => r.extract(span), null))
    .filter((x): x is Extraction => x !== null);
  const usage = mergeUsage(xs);
  const modelRaw = (first(xs, 'responseModel') ?? first(xs, 'requestModel') ?? null) as string | null;
  const providerRaw = (first(xs, 'provider') ?? null) as string | null;
  const { model, provider } = safe('model name', () => canonicalModel(modelRaw, providerRaw), { model: modelRaw, provider: providerRaw });
  let kind = first(xs, 'kind');
  // Older GenAI spans carry no operation name; a model with usage is a model call.
  if (!kind && xs.length && modelRaw && (usage.inputTokens !== null || usage.outputTokens !== null)) kind = 'llm';
  const messages = xs.find((x) => x.messages && x.messages.length)?.messages ?? [];
  const norm: Normalized = decodePayloads({
    kind: kind ?? 'other',
    convention: xs[0]?.convention ?? 'none',
    operation: (first(xs, 'operation') ?? null) as string | null,
    model,
    modelRaw,
    provider,
    usage,
    reportedCostUsd: (first(xs, 'reportedCostUsd') ?? null) as number | null,
    messages,
    tool: first(xs, 'tool') ?? null,
    agentName: (first(xs, 'agentName') ?? null) as string | null,
    sessionId: (first(xs, 'sessionId') ?? null) as string | null,
    error: safe('error', () => errorOf(span), null) ?? first(xs, 'error') ?? null,
    source: safe('source location', () => sourceFromSpan(span), null),
    displayName: first(xs, 'displayName') ?? null,
    level: first(xs, 'level') ?? null,
    arguments: first(xs, 'arguments') ?? null,
  });
  const failed = failures.finish();
  if (failed) norm.failures = failed;
  return norm;
}
