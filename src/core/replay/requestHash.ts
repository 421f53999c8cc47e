// A stable hash of a model request, used to find the recorded response of a call when the agent
// runs again: equal for two requests that ask the model the same thing, whatever the system
// prompt, the key order, the JSON formatting or the per-run fields below.
import { sha256Hex } from '../redaction/sha256';
import { canonicalJson, type JsonObject } from './json';
import type { ModelApi, RequestView } from './requestShape';

/**
 * Top-level fields left out of the hash, and why. None of them changes what the model is asked;
 * each may differ between two runs of the same agent.
 * - stream, stream_options: how the answer is delivered, not what it is (a replay checks the
 *   delivery form separately, as it serves the recorded bytes).
 * - user, safety_identifier, metadata: who is asking (end-user ids, tags, Anthropic's
 *   metadata.user_id), often per session.
 * - seed: agents commonly draw a fresh one per run; the replayed answer is the recorded one anyway.
 * - store, service_tier, prompt_cache_key, prompt_cache_retention, background: storage,
 *   billing tier and cache routing on the provider's side.
 * - request_id, idempotency_key, client_request_id: per-request ids some clients put in the body.
 */
export const VOLATILE_FIELDS: readonly string[] = [
  'stream',
  'stream_options',
  'user',
  'safety_identifier',
  'metadata',
  'seed',
  'store',
  'service_tier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'background',
  'request_id',
  'idempotency_key',
  'client_request_id',
];

/** Where each API keeps its system prompt (see RequestView.system). */
const SYSTEM_FIELDS: Record<ModelApi, readonly string[]> = {
  'openai.chat': [],
  'openai.responses': ['instructions'],
  'anthropic.messages': ['system'],
};

const SYSTEM_ROLES = new Set(['system', 'developer']);

/**
 * The part of a request the hash covers: the body without the system prompt (system and developer
 * messages anywhere in the list, Responses `instructions`, Anthropic `system`: the prompt is what
 * a fork edits most, and it often carries the date or a run id) and without VOLATILE_FIELDS.
 */
export function hashedPart(view: RequestView): { api: ModelApi; body: JsonObject } {
  const out: JsonObject = {};
  const leaveOut = new Set([...VOLATILE_FIELDS, ...SYSTEM_FIELDS[view.api]]);
  for (const [k, v] of Object.entries(view.body)) {
    if (leaveOut.has(k)) continue;
    out[k] = Array.isArray(v) && (k === 'messages' || k === 'input') ? v.filter((m) => !isSystemMessage(m)) : v;
  }
  return { api: view.api, body: out };
}

const isSystemMessage = (m: unknown): boolean =>
  typeof m === 'object' && m !== null && SYSTEM_ROLES.has(String((m as Record<string, unknown>).role));

/** A SHA-256 of text as lowercase hex. */
export type Sha256Hex = (text: string) => string;

/**
 * SHA-256 (hex) of the canonical JSON of hashedPart: key order and formatting do not count. The
 * digest defaults to core's pure SHA-256; src/server may pass node:crypto's (the same digest,
 * about 30 times faster on large bodies) to keep the proxy's per-call cost low.
 */
export function requestHash(view: RequestView, sha256: Sha256Hex = sha256Hex): string {
  return sha256(canonicalJson(hashedPart(view)));
}
