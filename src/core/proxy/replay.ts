// The pure core of replay and fork (issue 10, second half): a request hash that stays the same
// when an agent runs again, call-order matching of a new run's requests against a recorded run,
// and the edit applied at the chosen call. The proxy's replay mode (not built yet) drives these:
// before the chosen call it serves the matched recordings, at it applies the edit, after it goes
// live (or keeps replaying for a response edit).
import { sha256Hex } from '../redaction/sha256';
import type { ProxyProvider } from './providers';

/**
 * Request fields that differ between two runs of the same agent without changing what is asked:
 * streaming and its options, end-user and tracking ids, seeds, storage and caching hints, the
 * previous response's id (new on every run).
 */
export const VOLATILE_FIELDS: readonly string[] = [
  'stream', 'stream_options', 'user', 'metadata', 'seed', 'store', 'service_tier', 'prompt_cache_key', 'safety_identifier',
  'previous_response_id',
];

const SYSTEM_ROLES = new Set(['system', 'developer']);
/** Hashing reads untrusted bodies: bounded depth and size. */
const MAX_DEPTH = 64;
const MAX_HASHED_CHARS = 8_000_000;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The request body without what the hash ignores: the system prompt and the volatile fields. */
export function comparableBody(body: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(body)) {
    if (VOLATILE_FIELDS.includes(k)) continue;
    if (k === 'system' || k === 'instructions') continue; // Anthropic's system prompt, the Responses API's
    if ((k === 'messages' || k === 'input') && Array.isArray(v)) {
      out[k] = v.filter((m) => !(isObject(m) && typeof m.role === 'string' && SYSTEM_ROLES.has(m.role)));
      continue;
    }
    out[k] = v;
  }
  return out;
}

/** JSON with object keys sorted, so key order (which SDKs do not promise) does not change the hash. */
function canonicalJson(v: Json, depth = 0): string {
  if (depth > MAX_DEPTH) throw new Error('request body nested too deeply to hash');
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x, depth + 1)).join(',')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k]!, depth + 1)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The hash calls are matched by: provider, path (without query) and the body without its system
 * prompt and volatile fields. A body that is not a JSON object hashes as its text.
 */
export function requestHash(provider: ProxyProvider, path: string, bodyText: string): string {
  const route = `${provider} ${path.split('?')[0]}`;
  if (bodyText.length > MAX_HASHED_CHARS) return sha256Hex(`${route}\n${bodyText}`);
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return sha256Hex(`${route}\n${bodyText}`);
  }
  if (!isObject(body)) return sha256Hex(`${route}\n${bodyText}`);
  return sha256Hex(`${route}\n${canonicalJson(comparableBody(body))}`);
}

export interface RecordedCallRef {
  recordingId: number;
  hash: string;
}

export interface CallMatch {
  /** The new run's call, by its position (0-based). */
  callIndex: number;
  recordingId: number;
}

export interface UnmatchedCall {
  callIndex: number;
  /** In words, for the step and the run output. */
  reason: string;
}

export interface MatchReport {
  matches: CallMatch[];
  /** Calls of the new run that no recording answers (the agent asked something else). */
  unmatched: UnmatchedCall[];
  /** Recorded calls the new run skipped over (it stopped asking them). */
  skipped: number[];
}

/**
 * Matches a new run's calls to the recorded run's, in call order: each call takes the next
 * recording with its hash. A call whose hash comes later in the recording skips the ones in
 * between (reported); a call whose hash is nowhere ahead is unmatched (reported), and the
 * recording cursor stays where it was.
 */
export function matchCalls(recorded: readonly RecordedCallRef[], callHashes: readonly string[]): MatchReport {
  const report: MatchReport = { matches: [], unmatched: [], skipped: [] };
  let cursor = 0;
  callHashes.forEach((hash, callIndex) => {
    let k = cursor;
    while (k < recorded.length && recorded[k]!.hash !== hash) k++;
    if (k === recorded.length) {
      const expected = cursor < recorded.length ? `recorded call ${cursor + 1} of ${recorded.length}` : 'no more recorded calls';
      report.unmatched.push({ callIndex, reason: `call ${callIndex + 1} matches no recorded call (expected ${expected}): the agent's request changed` });
      return;
    }
    for (let s = cursor; s < k; s++) report.skipped.push(recorded[s]!.recordingId);
    report.matches.push({ callIndex, recordingId: recorded[k]!.recordingId });
    cursor = k + 1;
  });
  return report;
}

/** What the user changes at the chosen call. */
export type ReplayEdit =
  | { kind: 'messages'; messages: Json[] }
  | { kind: 'system'; system: string }
  | { kind: 'parameters'; model?: string; parameters?: JsonObject }
  | { kind: 'response'; status: number; contentType: string; body: string };

export type EditedCall =
  | { kind: 'forward'; bodyText: string }
  | { kind: 'respond'; status: number; contentType: string; body: string };

/** The API shape of a request, from its path: where its messages and system prompt live. */
function apiOf(provider: ProxyProvider, path: string): 'chat' | 'responses' | 'anthropic' {
  if (provider === 'anthropic') return 'anthropic';
  return /\/responses(\/|$|\?)/.test(path) ? 'responses' : 'chat';
}

/** The chat API's system message: the first system/developer message replaced, or one put first. */
function withSystemMessage(messages: Json[], system: string): Json[] {
  const i = messages.findIndex((m) => isObject(m) && typeof m.role === 'string' && SYSTEM_ROLES.has(m.role));
  if (i < 0) return [{ role: 'system', content: system }, ...messages];
  const copy = [...messages];
  copy[i] = { ...(copy[i] as JsonObject), content: system };
  return copy;
}

/**
 * Applies the edit to the chosen call's request: new messages (the Responses API's `input`),
 * a new system prompt (Anthropic's `system`, the Responses API's `instructions`, the chat API's
 * system message), other model or parameters (merged; null removes one), or a replacement
 * response served instead of calling the upstream. Throws on a body that is not a JSON object.
 */
export function applyEdit(provider: ProxyProvider, path: string, bodyText: string, edit: ReplayEdit): EditedCall {
  if (edit.kind === 'response') return { kind: 'respond', status: edit.status, contentType: edit.contentType, body: edit.body };
  const parsed: unknown = JSON.parse(bodyText);
  if (!isObject(parsed)) throw new Error('the recorded request is not a JSON object');
  const body: JsonObject = { ...parsed };
  const api = apiOf(provider, path);
  switch (edit.kind) {
    case 'messages':
      body[api === 'responses' ? 'input' : 'messages'] = edit.messages;
      break;
    case 'system':
      if (api === 'anthropic') body.system = edit.system;
      else if (api === 'responses') body.instructions = edit.system;
      else body.messages = withSystemMessage(Array.isArray(body.messages) ? body.messages : [], edit.system);
      break;
    case 'parameters':
      if (edit.model !== undefined) body.model = edit.model;
      for (const [k, v] of Object.entries(edit.parameters ?? {})) {
        if (v === null) delete body[k];
        else body[k] = v;
      }
      break;
  }
  return { kind: 'forward', bodyText: JSON.stringify(body) };
}

/** Where a fork's calls go: before the chosen call, recorded answers; at it, the edit; after it, live or replayed. */
export type ReplayDecision =
  | { kind: 'serve-recorded'; recordingId: number }
  | { kind: 'edited'; call: EditedCall }
  | { kind: 'live' }
  | { kind: 'unmatched'; reason: string };

export interface ReplayPlan {
  recorded: readonly RecordedCallRef[];
  /** The recorded call (0-based, in call order) the edit applies to. */
  editAt: number;
  edit: ReplayEdit;
  /** After the edited call: go to the upstream, or keep serving recordings (for a response edit). */
  after: 'live' | 'replay';
}

/**
 * Decides one call of the new run, given the hashes of the calls made so far in it (this one
 * last). Stateless over the run's history, so the proxy only keeps the list of hashes. After the
 * edited call, 'replay' serves the recorded calls that followed it by position: their requests
 * now carry the edit's consequences, so their hashes cannot match.
 */
export function decideCall(plan: ReplayPlan, callHashes: readonly string[], request: { provider: ProxyProvider; path: string; bodyText: string }): ReplayDecision {
  const index = callHashes.length - 1;
  const positionOf = (recordingId: number) => plan.recorded.findIndex((r) => r.recordingId === recordingId);
  const report = matchCalls(plan.recorded, callHashes);
  const edited = report.matches.find((m) => m.callIndex < index && positionOf(m.recordingId) === plan.editAt);
  if (edited) {
    if (plan.after === 'live') return { kind: 'live' };
    const next = plan.recorded[plan.editAt + (index - edited.callIndex)];
    return next
      ? { kind: 'serve-recorded', recordingId: next.recordingId }
      : { kind: 'unmatched', reason: `call ${index + 1} comes after the last recorded call (${plan.recorded.length}): nothing to replay` };
  }
  const match = report.matches.find((m) => m.callIndex === index);
  if (!match) return { kind: 'unmatched', reason: report.unmatched.find((u) => u.callIndex === index)!.reason };
  const position = positionOf(match.recordingId);
  if (position < plan.editAt) return { kind: 'serve-recorded', recordingId: match.recordingId };
  if (position === plan.editAt) return { kind: 'edited', call: applyEdit(request.provider, request.path, request.bodyText, plan.edit) };
  return { kind: 'unmatched', reason: `call ${index + 1} skipped the chosen call ${plan.editAt + 1}: the agent's requests changed before it` };
}
