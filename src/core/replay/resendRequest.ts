// "Edit and re-send": one model call as an editable JSON document (schemas/model-request.schema.json):
// API, model, system prompt, messages, tools, parameters. Built from the exact recorded request
// when the proxy has one, else reconstructed from the stored LLM span (what the instrumentation
// captured). The document is provider-neutral: changing "api" sends the same conversation to the
// other provider's API. requestFromDocument checks an edited document and writes the body.
import type { CanonicalSpan } from '../model';
import { modelCallDetail } from '../modelCall';
import { asString, isObject, jsonEqual, parseJsonText, type Json, type JsonObject } from './json';
import { MODEL_APIS, apiName, buildRequestBody, emptyView, type ModelApi, type NeutralMessage, type NeutralTool, type RequestView } from './requestShape';

export interface DocumentToolCall {
  id?: string | null;
  name: string;
  /** Arguments as JSON text. */
  arguments: string;
}

export interface DocumentMessage {
  role: string;
  content: string | null;
  toolCalls?: DocumentToolCall[];
  toolCallId?: string;
  name?: string;
}

export interface DocumentTool {
  name: string;
  description?: string | null;
  /** JSON schema of the tool's parameters. */
  parameters?: Json | null;
}

export interface ModelRequestDocument {
  /** Where the editor finds schemas/model-request.schema.json (the extension sets it when it opens the document). */
  $schema?: string;
  api: ModelApi;
  model: string;
  system?: string | null;
  messages: DocumentMessage[];
  tools?: DocumentTool[];
  /** Other request fields in the API's own names (temperature, max_tokens, top_p, tool_choice…). */
  parameters?: JsonObject;
  stream?: boolean;
}

export interface ResendDraft {
  document: ModelRequestDocument;
  /** What the user should know before sending (content not captured, a value filled in). */
  notes: string[];
  /** The view the document was read from (exact recordings only): unedited messages are sent byte for byte, images included. */
  base: RequestView | null;
}

/** Anthropic refuses a request without max_tokens: a span that did not record it gets this. */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 1024;

const SYSTEM_ROLES = new Set(['system', 'developer']);

function documentMessage(m: NeutralMessage): DocumentMessage {
  const out: DocumentMessage = { role: m.role, content: m.content };
  if (m.toolCalls?.length) out.toolCalls = m.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
  if (m.toolCallId) out.toolCallId = m.toolCallId;
  if (m.name) out.name = m.name;
  return out;
}

const documentTool = (t: NeutralTool): DocumentTool => ({ name: t.name, description: t.description, parameters: t.parameters });

/** The document for an exact recorded request. */
export function draftFromRequest(view: RequestView): ResendDraft {
  const document: ModelRequestDocument = {
    api: view.api,
    model: view.model ?? '',
    system: view.system,
    messages: view.messages.map(documentMessage),
    tools: view.tools.map(documentTool),
    parameters: view.parameters,
    stream: view.stream,
  };
  return { document, notes: view.model ? [] : ['The recorded request names no model: fill in "model".'], base: view };
}

const apiForProvider = (provider: string | null): ModelApi => (provider && /anthropic|claude/i.test(provider) ? 'anthropic.messages' : 'openai.chat');

const parsedSchema = (text: string | null): Json | null => {
  if (text === null) return null;
  const parsed = parseJsonText(text);
  return parsed.ok ? parsed.value : null;
};

/** The document reconstructed from a stored LLM span: its input messages, model, tools and parameters. */
export function draftFromSpan(span: CanonicalSpan): ResendDraft {
  const norm = span.norm;
  const api = apiForProvider(norm.provider);
  const detail = modelCallDetail(span.attributes);
  const notes: string[] = [];
  const input = norm.messages.filter((m) => m.direction === 'input' && m.role !== 'thinking');
  const system = input.filter((m) => SYSTEM_ROLES.has(m.role)).map((m) => m.content ?? '');
  const messages: DocumentMessage[] = input.filter((m) => !SYSTEM_ROLES.has(m.role)).map((m) => {
    const out: DocumentMessage = { role: m.role, content: m.content };
    if (m.toolCalls.length) out.toolCalls = m.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
    if (m.toolCallId) out.toolCallId = m.toolCallId;
    if (m.name) out.name = m.name;
    return out;
  });
  if (messages.length === 0) notes.push('The step recorded no input messages (the instrumentation captured no content): write the messages to send.');
  const model = norm.modelRaw ?? norm.model ?? '';
  if (!model) notes.push('The step recorded no model: fill in "model".');
  const parameters: JsonObject = {};
  if (detail.temperature !== null) parameters.temperature = detail.temperature;
  if (detail.topP !== null) parameters.top_p = detail.topP;
  if (detail.maxTokens !== null) parameters.max_tokens = detail.maxTokens;
  else if (api === 'anthropic.messages') {
    parameters.max_tokens = DEFAULT_ANTHROPIC_MAX_TOKENS;
    notes.push(`The step recorded no max_tokens, which Anthropic requires: ${DEFAULT_ANTHROPIC_MAX_TOKENS} was filled in.`);
  }
  const document: ModelRequestDocument = {
    api,
    model,
    system: system.length ? system.join('\n\n') : null,
    messages,
    tools: (detail.toolsOffered ?? []).map((t) => ({ name: t.name, description: t.description, parameters: parsedSchema(t.parameters) })),
    parameters,
    stream: false,
  };
  notes.push('Reconstructed from what the instrumentation recorded, not the exact request: fields it did not capture are missing.');
  return { document, notes, base: null };
}

// ---- reading an edited document back ----

type Check = { ok: true } | { ok: false; error: string };
const fail = (error: string): Check => ({ ok: false, error });
const OK: Check = { ok: true };

function unknownKey(o: JsonObject, allowed: readonly string[], at: string): Check {
  const extra = Object.keys(o).find((k) => !allowed.includes(k));
  return extra === undefined ? OK : fail(`${at} has an unknown field ${JSON.stringify(extra)} (allowed: ${allowed.join(', ')}).`);
}

function checkToolCall(c: unknown, at: string): Check {
  if (!isObject(c)) return fail(`${at} must be an object.`);
  const keys = unknownKey(c, ['id', 'name', 'arguments'], at);
  if (!keys.ok) return keys;
  if (typeof c.name !== 'string' || c.name === '') return fail(`${at}.name must be a non-empty string.`);
  if (typeof c.arguments !== 'string') return fail(`${at}.arguments must be JSON text (a string).`);
  if (c.id !== undefined && c.id !== null && typeof c.id !== 'string') return fail(`${at}.id must be a string.`);
  return OK;
}

function checkMessage(m: unknown, at: string): Check {
  if (!isObject(m)) return fail(`${at} must be an object.`);
  const keys = unknownKey(m, ['role', 'content', 'toolCalls', 'toolCallId', 'name'], at);
  if (!keys.ok) return keys;
  if (typeof m.role !== 'string' || m.role === '') return fail(`${at}.role must be a non-empty string.`);
  if (m.content !== undefined && m.content !== null && typeof m.content !== 'string') return fail(`${at}.content must be text or null.`);
  if (m.toolCalls !== undefined) {
    if (!Array.isArray(m.toolCalls)) return fail(`${at}.toolCalls must be a list.`);
    for (let i = 0; i < m.toolCalls.length; i++) {
      const c = checkToolCall(m.toolCalls[i], `${at}.toolCalls[${i}]`);
      if (!c.ok) return c;
    }
  }
  for (const k of ['toolCallId', 'name']) if (m[k] !== undefined && typeof m[k] !== 'string') return fail(`${at}.${k} must be a string.`);
  return OK;
}

const DOCUMENT_KEYS = new Set(['$schema', 'api', 'model', 'system', 'messages', 'tools', 'parameters', 'stream']);

/** The same rules as schemas/model-request.schema.json, with a message naming the place. */
export function checkDocument(doc: unknown): Check {
  if (!isObject(doc)) return fail('The request document must be a JSON object.');
  const unknown = Object.keys(doc).filter((k) => !DOCUMENT_KEYS.has(k));
  if (unknown.length) return fail(`Unknown field ${JSON.stringify(unknown[0])}: request fields go under "parameters".`);
  if (doc.$schema !== undefined && typeof doc.$schema !== 'string') return fail('"$schema" must be a string.');
  if (!MODEL_APIS.includes(doc.api as ModelApi)) return fail(`"api" must be one of ${MODEL_APIS.join(', ')}.`);
  if (typeof doc.model !== 'string' || doc.model === '') return fail('"model" must be a non-empty string.');
  if (doc.system !== undefined && doc.system !== null && typeof doc.system !== 'string') return fail('"system" must be text or null.');
  if (!Array.isArray(doc.messages)) return fail('"messages" must be a list.');
  for (let i = 0; i < doc.messages.length; i++) {
    const c = checkMessage(doc.messages[i], `messages[${i}]`);
    if (!c.ok) return c;
  }
  if (doc.tools !== undefined) {
    if (!Array.isArray(doc.tools)) return fail('"tools" must be a list.');
    for (let i = 0; i < doc.tools.length; i++) {
      const t = doc.tools[i];
      if (!isObject(t)) return fail(`tools[${i}] must be an object.`);
      const keys = unknownKey(t, ['name', 'description', 'parameters'], `tools[${i}]`);
      if (!keys.ok) return keys;
      if (typeof t.name !== 'string' || t.name === '') return fail(`tools[${i}].name must be a non-empty string.`);
      if (t.description !== undefined && t.description !== null && typeof t.description !== 'string') return fail(`tools[${i}].description must be text or null.`);
      if (t.parameters !== undefined && t.parameters !== null && !isObject(t.parameters)) return fail(`tools[${i}].parameters must be a JSON schema object or null.`);
    }
  }
  if (doc.parameters !== undefined && !isObject(doc.parameters)) return fail('"parameters" must be an object.');
  if (doc.stream !== undefined && typeof doc.stream !== 'boolean') return fail('"stream" must be true or false.');
  return OK;
}

/** Document messages as view messages; those still equal to the base's keep their origin (sent as recorded). */
function viewMessages(doc: DocumentMessage[], base: RequestView | null): NeutralMessage[] {
  return doc.map((m, i) => {
    const out: NeutralMessage = { role: m.role, content: m.content ?? null };
    if (m.toolCalls?.length) out.toolCalls = m.toolCalls.map((c) => ({ id: asString(c.id), name: c.name, arguments: c.arguments }));
    if (m.toolCallId) out.toolCallId = m.toolCallId;
    if (m.name) out.name = m.name;
    const original = base?.messages[i];
    if (original && original.from !== undefined && jsonEqual(documentMessage(original), documentMessage(out))) out.from = original.from;
    return out;
  });
}

function viewTools(doc: DocumentTool[], base: RequestView | null): NeutralTool[] {
  return doc.map((t, i) => {
    const out: NeutralTool = { name: t.name, description: t.description ?? null, parameters: t.parameters ?? null };
    const original = base?.tools[i];
    if (original && original.from !== undefined && jsonEqual(documentTool(original), documentTool(out))) out.from = original.from;
    return out;
  });
}

export type DocumentRequest = { ok: true; api: ModelApi; body: string } | { ok: false; error: string };

/**
 * The request body for an edited document (JSON text), in the document's API. With the draft's
 * base (same API), what the edit left alone is sent as recorded, unknown fields included.
 */
export function requestFromDocument(text: string, base: RequestView | null = null): DocumentRequest {
  const parsed = parseJsonText(text);
  if (!parsed.ok) return { ok: false, error: `The request document is not JSON: ${parsed.error}` };
  const check = checkDocument(parsed.value);
  if (!check.ok) return check;
  const doc = parsed.value as unknown as ModelRequestDocument;
  const sameApi = base !== null && base.api === doc.api ? base : null;
  const view: RequestView = {
    ...(sameApi ?? emptyView(doc.api)),
    model: doc.model,
    system: doc.system ?? null,
    messages: viewMessages(doc.messages, sameApi),
    tools: viewTools(doc.tools ?? [], sameApi),
    parameters: doc.parameters ?? {},
    stream: doc.stream ?? false,
  };
  if (doc.api === 'anthropic.messages' && view.parameters.max_tokens === undefined) {
    return { ok: false, error: `An ${apiName(doc.api)} request needs "max_tokens" in "parameters".` };
  }
  return { ok: true, api: doc.api, body: JSON.stringify(buildRequestBody(view)) };
}

/** The path each API is posted to, below the upstream's base URL. */
export const API_PATHS: Record<ModelApi, string> = {
  'openai.chat': '/v1/chat/completions',
  'openai.responses': '/v1/responses',
  'anthropic.messages': '/v1/messages',
};
