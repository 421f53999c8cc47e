// Cost of a span in USD. Order of trust: the cost the instrumentation reported itself; then
// the user's own prices (USD per million tokens); then @pydantic/genai-prices' bundled data.
// Unknown model or no usage → null (unknown), never a guessed zero.
import { calcPrice, type PriceCalculation, type Provider } from '@pydantic/genai-prices';
import type { CostSource, Normalized } from './model';
import { pricesProviderId } from './modelNames';

export interface PriceOverride { inputPerMTok?: number; outputPerMTok?: number; cacheReadPerMTok?: number; cacheWritePerMTok?: number }

type Result = { costUsd: number | null; costSource: CostSource | null };
const NONE: Result = { costUsd: null, costSource: null };

// genai-prices counts input_tokens as the total, cache reads and writes included; normalize()
// guarantees the same for Usage.inputTokens, so the numbers pass through unchanged.
function pricesUsage(n: Normalized): Record<string, number> {
  const u: Record<string, number> = {};
  const cacheRead = n.usage.cacheReadTokens ?? 0;
  const cacheWrite = n.usage.cacheWriteTokens ?? 0;
  u.input_tokens = Math.max(n.usage.inputTokens ?? 0, cacheRead + cacheWrite);
  u.output_tokens = n.usage.outputTokens ?? 0;
  if (cacheRead) u.cache_read_tokens = cacheRead;
  if (cacheWrite) u.cache_write_tokens = cacheWrite;
  return u;
}

// Which provider and model entry a (model id, provider id) pair matches does not depend on the
// usage, but finding it scans the library's match rules (most of calcPrice's time). The match is
// remembered as a provider reduced to that one model entry: calcPrice then runs its own pricing
// (tiers, dated prices, units) on the same entry, after a single match test.
const matches = new Map<string, Provider | null>();
const MAX_MATCHES = 2_000;

function price(usage: Record<string, number>, model: string, providerId: string | undefined): PriceCalculation | null {
  const key = `${model}\u0000${providerId ?? ''}`;
  // litellm ids carry their provider inside the model id, which only the id-based path unpacks.
  if (providerId?.toLowerCase() === 'litellm') return calcPrice(usage, model, { providerId });
  const known = matches.get(key);
  if (known === null) return null;
  if (known) return flatPrice(usage, known) ?? calcPrice(usage, model, { provider: known });
  const r = calcPrice(usage, model, providerId ? { providerId } : undefined);
  if (matches.size >= MAX_MATCHES) matches.clear();
  matches.set(key, r ? { ...r.provider, fallback_model_providers: undefined, models: [r.model] } : null);
  return r;
}

// Per-token prices keyed as genai-prices keys them, and the usage each applies to.
const FLAT_UNITS: Record<string, { usage: 'input' | 'output' | 'cacheRead' | 'cacheWrite'; output: boolean }> = {
  input_mtok: { usage: 'input', output: false },
  output_mtok: { usage: 'output', output: true },
  cache_read_mtok: { usage: 'cacheRead', output: false },
  cache_write_mtok: { usage: 'cacheWrite', output: false },
};

/**
 * The library's own arithmetic for the common case, without its per-call unit bookkeeping: a
 * model entry whose price is one set of plain numbers (no tiers, no dated or time-of-day prices,
 * no per-request price; units our usage never reports, such as web searches, add 0). Cached tokens priced separately are taken out of the
 * input count; prices are summed per direction in the entry's key order, as calcPrice does, so
 * the result is the same number. Anything else returns null (calcPrice decides).
 */
function flatPrice(usage: Record<string, number>, provider: Provider): PriceCalculation | null {
  const model = provider.models[0];
  const prices = model.prices;
  if (Array.isArray(prices)) return null;
  let cacheReadPriced = false;
  let cacheWritePriced = false;
  for (const k in prices) {
    const v = prices[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || k.startsWith('requests')) return null;
    if (k === 'cache_read_mtok') cacheReadPriced = true;
    if (k === 'cache_write_mtok') cacheWritePriced = true;
  }
  const cacheRead = usage.cache_read_tokens ?? 0;
  const cacheWrite = usage.cache_write_tokens ?? 0;
  const tokens = {
    input: usage.input_tokens - (cacheReadPriced ? cacheRead : 0) - (cacheWritePriced ? cacheWrite : 0),
    output: usage.output_tokens,
    cacheRead,
    cacheWrite,
  };
  if (!(tokens.input >= 0) || !(tokens.output >= 0)) return null;
  let input = 0;
  let output = 0;
  for (const k in prices) {
    const v = prices[k] as number | undefined;
    if (v === undefined) continue;
    const unit = FLAT_UNITS[k];
    if (!unit) continue; // a unit our usage never reports (web searches, audio…): 0 in calcPrice too
    const part = (v * tokens[unit.usage]) / 1_000_000;
    if (unit.output) output += part;
    else input += part;
  }
  return { input_price: input, output_price: output, total_price: input + output + 0, model, model_price: prices, provider };
}

function libraryPrice(n: Normalized, usage: Record<string, number>): PriceCalculation | null {
  const pid = pricesProviderId(n.provider);
  const attempts: Array<[string | null, string | undefined]> = [
    [n.modelRaw, pid], [n.model, pid], [n.model, undefined],
  ];
  for (const [model, providerId] of attempts) {
    if (!model) continue;
    try {
      const r = price(usage, model, providerId);
      if (r) return r;
    } catch {
      // a price the library cannot apply (e.g. inconsistent usage) is an unknown price
    }
  }
  return null;
}

function findOverride(n: Normalized, overrides: Record<string, PriceOverride> | undefined): PriceOverride | null {
  if (!overrides) return null;
  let any = false;
  for (const _ in overrides) {
    any = true;
    break;
  }
  if (!any) return null;
  const keys = [
    n.provider && n.model ? `${n.provider}:${n.model}` : null,
    n.provider && n.model ? `${n.provider}/${n.model}` : null,
    n.modelRaw, n.model,
  ];
  for (const k of keys) if (k && Object.hasOwn(overrides, k)) return overrides[k];
  const lower = new Map(Object.entries(overrides).map(([k, v]) => [k.toLowerCase(), v]));
  for (const k of keys) if (k && lower.has(k.toLowerCase())) return lower.get(k.toLowerCase()) ?? null;
  return null;
}

const perMTok = (price: unknown): number | undefined => (typeof price === 'number' && Number.isFinite(price) ? price : undefined);

export function computeCost(norm: Normalized, overrides?: Record<string, PriceOverride>): Result {
  if (norm.reportedCostUsd !== null && Number.isFinite(norm.reportedCostUsd)) return { costUsd: norm.reportedCostUsd, costSource: 'reported' };
  const u = norm.usage;
  if (u.inputTokens === null && u.outputTokens === null) return NONE;
  if (!norm.model && !norm.modelRaw) return NONE;
  const usage = pricesUsage(norm);
  const override = findOverride(norm, overrides);
  const lib = override ? null : libraryPrice(norm, usage);
  if (!override) return lib ? { costUsd: lib.total_price, costSource: 'computed' } : NONE;

  // The user's prices, each missing one filled from the library, cache prices from input.
  const fallback = libraryPrice(norm, usage)?.model_price ?? {};
  const inP = override.inputPerMTok ?? perMTok(fallback.input_mtok);
  const outP = override.outputPerMTok ?? perMTok(fallback.output_mtok);
  const readP = override.cacheReadPerMTok ?? perMTok(fallback.cache_read_mtok) ?? inP;
  const writeP = override.cacheWritePerMTok ?? perMTok(fallback.cache_write_mtok) ?? inP;
  const cacheRead = usage.cache_read_tokens ?? 0;
  const cacheWrite = usage.cache_write_tokens ?? 0;
  const uncached = usage.input_tokens - cacheRead - cacheWrite;
  const parts: Array<[number, number | undefined]> = [
    [uncached, inP], [cacheRead, readP], [cacheWrite, writeP], [usage.output_tokens, outP],
  ];
  let total = 0;
  for (const [tokens, price] of parts) {
    if (tokens <= 0) continue;
    if (price === undefined) return NONE;
    total += (tokens * price) / 1_000_000;
  }
  return { costUsd: total, costSource: 'computed' };
}
