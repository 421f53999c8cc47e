// A model request body of the OpenAI Chat Completions, OpenAI Responses or Anthropic Messages API
// read into one provider-neutral view (model, system prompt, messages, tools, parameters, stream)
// and written back into the same API's body after an edit. Written by hand: the SDKs only type
// these bodies, none reads one into a neutral form and back.
//
// Round trip: the view keeps the parsed body; serializeRequest starts from it and rewrites only
// what the edit changed. A message or tool that still equals its reading is written back exactly
// as it came (images, cache_control, reasoning items and fields we do not know survive), and
// every top-level key that is not structural is a "parameter", kept as is, in its place.
import { asString, isObject, jsonEqual, parseJsonText, type Json, type JsonObject } from './json';

export type ModelApi = 'openai.chat' | 'openai.responses' | 'anthropic.messages';
export const MODEL_APIS: readonly ModelApi[] = ['openai.chat', 'openai.responses', 'anthropic.messages'];

export interface NeutralToolCall {
  id: string | null;
  name: string;
  /** The arguments as JSON text, as OpenAI sends them (Anthropic's `input` object is written as JSON). */
  arguments: string;
}

export interface NeutralMessage {
  /** user | assistant | tool | system | developer; for Responses items without a role, the item type (e.g. "reasoning"). */
  role: string;
  /** The message's text (text parts joined by a newline), or null when it has none. */
  content: string | null;
  toolCalls?: NeutralToolCall[];
  /** For role "tool": the call this answers. */
  toolCallId?: string;
  name?: string;
  /** Index of the body's message (or input item) this was read from; absent for a message an edit added. */
  from?: number;
}

export interface NeutralTool {
  name: string;
  description: string | null;
  /** The tool's parameters as a JSON schema, or null. */
  parameters: Json | null;
  from?: number;
}

export interface RequestView {
  api: ModelApi;
  model: string | null;
  /** The system prompt as text (Chat: leading system/developer messages; Responses: `instructions`; Anthropic: `system`). */
  system: string | null;
  /** The conversation, system prompt excluded. */
  messages: NeutralMessage[];
  tools: NeutralTool[];
  /** Every other top-level field of the body (temperature, max_tokens, tool_choice, metadata, unknown ones…), untouched. */
  parameters: JsonObject;
  stream: boolean;
  /** The parsed body the view was read from: serializeRequest starts from it. */
  body: JsonObject;
}

export type ParseResult = { ok: true; view: RequestView } | { ok: false; error: string };

const API_NAMES: Record<ModelApi, string> = {
  'openai.chat': 'OpenAI Chat Completions',
  'openai.responses': 'OpenAI Responses',
  'anthropic.messages': 'Anthropic Messages',
};
export const apiName = (api: ModelApi): string => API_NAMES[api];

/** Which API a request path belongs to (`/v1/chat/completions`, `/v1/responses`, `/v1/messages`), or null for any other path. */
export function apiForPath(path: string): ModelApi | null {
  const q = path.indexOf('?');
  let end = q === -1 ? path.length : q;
  while (end > 0 && path[end - 1] === '/') end--; // a loop, not /\/+$/: that pattern backtracks on long runs of slashes
  const p = path.slice(0, end);
  if (p.endsWith('/chat/completions')) return 'openai.chat';
  if (p.endsWith('/responses')) return 'openai.responses';
  if (p.endsWith('/messages')) return 'anthropic.messages';
  return null;
}

// ---- text of content in any of the three APIs' shapes ----

const TEXT_PART_TYPES = new Set(['text', 'input_text', 'output_text']);
const isTextPart = (p: unknown): boolean => typeof p === 'string' || (isObject(p) && TEXT_PART_TYPES.has(String(p.type)) && typeof p.text === 'string');
const partText = (p: Json): string => (typeof p === 'string' ? p : String((p as JsonObject).text));

/** A string as is; a list of parts: its text parts joined; anything else: null. */
export function contentText(content: Json | undefined): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const texts = content.filter(isTextPart).map(partText);
  return texts.length ? texts.join('\n') : null;
}

/**
 * Content carrying new text, keeping the original's other parts (images, documents, cache_control
 * on the text part): the text parts become one, at the place of the first.
 */
function withText(original: Json | undefined, text: string | null, textType = 'text'): Json {
  if (!Array.isArray(original)) return text;
  const out: Json[] = [];
  let placed = false;
  for (const p of original) {
    if (!isTextPart(p)) out.push(p);
    else if (!placed && text !== null) {
      out.push(typeof p === 'string' ? text : { ...(p as JsonObject), text });
      placed = true;
    }
  }
  if (!placed && text !== null) out.unshift({ type: textType, text });
  return out;
}

function neutral(role: string, content: string | null, extra: Partial<NeutralMessage> = {}): NeutralMessage {
  const m: NeutralMessage = { role, content };
  if (extra.toolCalls?.length) m.toolCalls = extra.toolCalls;
  if (extra.toolCallId) m.toolCallId = extra.toolCallId;
  if (extra.name) m.name = extra.name;
  if (extra.from !== undefined) m.from = extra.from;
  return m;
}

const argumentsText = (v: Json | undefined): string => (typeof v === 'string' ? v : v === undefined ? '{}' : JSON.stringify(v));
const argumentsValue = (text: string): Json => {
  const parsed = parseJsonText(text);
  return parsed.ok ? parsed.value : text;
};

// ---- one adapter per API ----

interface Adapter {
  /** Top-level keys the view reads into its own fields; every other key is a parameter. */
  structural: readonly string[];
  messagesKey: string;
  requireMessages: boolean;
  readSystem(body: JsonObject): { system: string | null; leading: number };
  readItem(item: Json, from: number): NeutralMessage[];
  /** The body items for a group of view messages, merged onto the item they were read from, if any. */
  buildGroup(group: NeutralMessage[], raw: Json | undefined): Json[];
  writeSystem(body: JsonObject, system: string | null, items: Json[], leading: number): Json[];
  readTool(tool: Json, from: number): NeutralTool;
  buildTool(tool: NeutralTool, raw: Json | undefined): Json;
}

const SYSTEM_ROLES = new Set(['system', 'developer']);

/** Chat and Responses keep the system prompt as leading system/developer messages. */
function leadingSystem(items: Json[]): { system: string | null; leading: number } {
  let leading = 0;
  while (leading < items.length && isObject(items[leading]) && SYSTEM_ROLES.has(String((items[leading] as JsonObject).role))) leading++;
  if (leading === 0) return { system: null, leading };
  const texts = items.slice(0, leading).map((m) => contentText((m as JsonObject).content) ?? '');
  return { system: texts.join('\n\n'), leading };
}

function writeLeadingSystem(system: string | null, items: Json[], leading: number): Json[] {
  const rest = items.slice(leading);
  if (system === null) return rest;
  const first = leading > 0 ? (items[0] as JsonObject) : null;
  const message: JsonObject = first && leading === 1 ? { ...first, content: withText(first.content, system) } : { role: first ? String(first.role) : 'system', content: system };
  return [message, ...rest];
}

function mergeTools(raw: Json[] | undefined, calls: NeutralToolCall[], build: (call: NeutralToolCall, raw: JsonObject) => Json): Json[] {
  return calls.map((c, i) => build(c, isObject(raw?.[i]) ? (raw[i] as JsonObject) : {}));
}

function chatToolCalls(v: Json | undefined): NeutralToolCall[] {
  if (!Array.isArray(v)) return [];
  const out: NeutralToolCall[] = [];
  for (const c of v) {
    if (!isObject(c)) continue;
    const fn = isObject(c.function) ? c.function : isObject(c.custom) ? c.custom : c;
    out.push({ id: asString(c.id), name: asString(fn.name) ?? '', arguments: argumentsText(fn.arguments ?? fn.input) });
  }
  return out;
}

const openAiChat: Adapter = {
  structural: ['model', 'messages', 'tools', 'stream'],
  messagesKey: 'messages',
  requireMessages: true,
  readSystem: (body) => leadingSystem(body.messages as Json[]),
  readItem(item, from) {
    if (!isObject(item)) return [neutral('user', typeof item === 'string' ? item : null, { from })];
    const toolCalls = chatToolCalls(item.tool_calls);
    if (isObject(item.function_call)) toolCalls.push(...chatToolCalls([{ function: item.function_call }]));
    return [neutral(asString(item.role) ?? 'user', contentText(item.content), {
      toolCalls, toolCallId: asString(item.tool_call_id) ?? undefined, name: asString(item.name) ?? undefined, from,
    })];
  },
  buildGroup(group, raw) {
    return group.map((m, i) => {
      const base: JsonObject = i === 0 && isObject(raw) ? { ...raw } : {};
      const out: JsonObject = { ...base, role: m.role, content: withText(base.content, m.content) };
      delete out.tool_calls;
      delete out.tool_call_id;
      delete out.name;
      delete out.function_call;
      if (m.toolCalls?.length) {
        out.tool_calls = mergeTools(base.tool_calls as Json[] | undefined, m.toolCalls, (c, r) => ({
          ...r, id: c.id, type: asString(r.type) ?? 'function', function: { ...(isObject(r.function) ? r.function : {}), name: c.name, arguments: c.arguments },
        }));
      }
      if (m.toolCallId) out.tool_call_id = m.toolCallId;
      if (m.name) out.name = m.name;
      return out;
    });
  },
  writeSystem: (_body, system, items, leading) => writeLeadingSystem(system, items, leading),
  readTool(tool, from) {
    const t = isObject(tool) ? tool : {};
    const fn = isObject(t.function) ? t.function : isObject(t.custom) ? t.custom : t;
    return { name: asString(fn.name) ?? asString(t.type) ?? '', description: asString(fn.description), parameters: fn.parameters ?? null, from };
  },
  buildTool(tool, raw) {
    const r = isObject(raw) ? raw : {};
    const fn: JsonObject = { ...(isObject(r.function) ? r.function : {}), name: tool.name };
    setOrDelete(fn, 'description', tool.description);
    setOrDelete(fn, 'parameters', tool.parameters);
    return { ...r, type: asString(r.type) ?? 'function', function: fn };
  },
};

function setOrDelete(o: JsonObject, key: string, v: Json | null): void {
  if (v === null) delete o[key];
  else o[key] = v;
}

const openAiResponses: Adapter = {
  structural: ['model', 'input', 'instructions', 'tools', 'stream'],
  messagesKey: 'input',
  requireMessages: false,
  readSystem(body) {
    if (typeof body.instructions === 'string') return { system: body.instructions, leading: 0 };
    return Array.isArray(body.input) ? leadingSystem(body.input) : { system: null, leading: 0 };
  },
  readItem(item, from) {
    if (typeof item === 'string') return [neutral('user', item, { from })];
    if (!isObject(item)) return [neutral('item', null, { from })];
    const type = asString(item.type);
    if (type === 'function_call') {
      return [neutral('assistant', null, { toolCalls: [{ id: asString(item.call_id), name: asString(item.name) ?? '', arguments: argumentsText(item.arguments) }], from })];
    }
    if (type === 'function_call_output') {
      return [neutral('tool', typeof item.output === 'string' ? item.output : contentText(item.output), { toolCallId: asString(item.call_id) ?? undefined, from })];
    }
    const role = asString(item.role);
    if (role) return [neutral(role, contentText(item.content), { from })];
    return [neutral(type ?? 'item', null, { from })];
  },
  buildGroup(group, raw) {
    const out: Json[] = [];
    group.forEach((m, i) => {
      const base: JsonObject = i === 0 && isObject(raw) ? { ...raw } : {};
      const calls = m.toolCalls ?? [];
      const callItem = (c: NeutralToolCall, k: number, r: JsonObject): Json => ({ ...r, type: 'function_call', call_id: c.id ?? `call_${k}`, name: c.name, arguments: c.arguments });
      if (m.role === 'tool') {
        out.push({ ...base, type: 'function_call_output', call_id: m.toolCallId ?? null, output: m.content ?? '' });
      } else if (base.type === 'function_call' || (base.type === undefined && base.role === undefined && m.role === 'assistant' && m.content === null && calls.length)) {
        // A call item has no text: text an edit gave it goes into a message item before the calls.
        if (m.content !== null) out.push({ role: m.role, content: m.content });
        calls.forEach((c, k) => out.push(callItem(c, k, k === 0 ? base : {})));
      } else if (base.role === undefined && base.type !== undefined && base.type !== 'message') {
        out.push(base); // reasoning and other items carry no editable text
      } else {
        out.push({ ...base, role: m.role, content: withText(base.content, m.content, m.role === 'assistant' ? 'output_text' : 'input_text') ?? '' });
        calls.forEach((c, k) => out.push(callItem(c, k, {})));
      }
    });
    return out;
  },
  writeSystem(body, system, items, leading) {
    if (leading > 0) return writeLeadingSystem(system, items, leading);
    setOrDelete(body, 'instructions', system);
    return items;
  },
  readTool(tool, from) {
    const t = isObject(tool) ? tool : {};
    return { name: asString(t.name) ?? asString(t.type) ?? '', description: asString(t.description), parameters: t.parameters ?? null, from };
  },
  buildTool(tool, raw) {
    const r: JsonObject = isObject(raw) ? { ...raw } : { type: 'function' };
    if (r.type === 'function' || r.name !== undefined) r.name = tool.name;
    setOrDelete(r, 'description', tool.description);
    setOrDelete(r, 'parameters', tool.parameters);
    return r;
  },
};

const anthropicMessages: Adapter = {
  structural: ['model', 'system', 'messages', 'tools', 'stream'],
  messagesKey: 'messages',
  requireMessages: true,
  readSystem: (body) => ({ system: body.system === undefined ? null : contentText(body.system), leading: 0 }),
  readItem(item, from) {
    if (!isObject(item)) return [neutral('user', typeof item === 'string' ? item : null, { from })];
    const role = asString(item.role) ?? 'user';
    if (!Array.isArray(item.content)) return [neutral(role, contentText(item.content), { from })];
    const results: NeutralMessage[] = [];
    const calls: NeutralToolCall[] = [];
    for (const b of item.content) {
      if (!isObject(b)) continue;
      if (b.type === 'tool_use') calls.push({ id: asString(b.id), name: asString(b.name) ?? '', arguments: argumentsText(b.input) });
      if (b.type === 'tool_result') results.push(neutral('tool', contentText(b.content), { toolCallId: asString(b.tool_use_id) ?? undefined, from }));
    }
    const rest = item.content.filter((b) => !(isObject(b) && (b.type === 'tool_result' || b.type === 'tool_use')));
    const main = neutral(role, contentText(rest), { toolCalls: calls, from });
    return results.length && rest.length === 0 && calls.length === 0 ? results : [...results, main];
  },
  buildGroup(group, raw) {
    const base: JsonObject = isObject(raw) ? raw : {};
    const rawBlocks = Array.isArray(base.content) ? base.content : [];
    const rawResults = rawBlocks.filter((b) => isObject(b) && b.type === 'tool_result') as JsonObject[];
    const rawUses = rawBlocks.filter((b) => isObject(b) && b.type === 'tool_use') as JsonObject[];
    const rawRest: Json = Array.isArray(base.content) ? rawBlocks.filter((b) => !(isObject(b) && (b.type === 'tool_result' || b.type === 'tool_use'))) : base.content ?? null;
    const out: JsonObject[] = [];
    let results = 0;
    for (const m of group) {
      if (m.role === 'tool') {
        const r = rawResults[results++] ?? {};
        pushBlocks(out, asString(base.role) ?? 'user', [{ ...r, type: 'tool_result', tool_use_id: m.toolCallId ?? '', content: withText(r.content, m.content) ?? '' }], base);
        continue;
      }
      const uses = mergeTools(rawUses, m.toolCalls ?? [], (c, r) => ({ ...r, type: 'tool_use', id: c.id ?? '', name: c.name, input: argumentsValue(c.arguments) }));
      const content = withText(rawRest, m.content);
      const blocks: Json[] = Array.isArray(content) ? content : content === null ? [] : [{ type: 'text', text: content }];
      if (uses.length === 0 && !Array.isArray(content) && results === 0) out.push({ ...base, role: m.role, content: content ?? '' });
      else pushBlocks(out, m.role, [...blocks, ...uses], base);
    }
    return out;
  },
  writeSystem(body, system, items) {
    setOrDelete(body, 'system', system === null ? null : withText(body.system, system));
    return items;
  },
  readTool(tool, from) {
    const t = isObject(tool) ? tool : {};
    return { name: asString(t.name) ?? asString(t.type) ?? '', description: asString(t.description), parameters: t.input_schema ?? null, from };
  },
  buildTool(tool, raw) {
    const r: JsonObject = isObject(raw) ? { ...raw } : {};
    r.name = tool.name;
    setOrDelete(r, 'description', tool.description);
    setOrDelete(r, 'input_schema', tool.parameters);
    return r;
  },
};

/** Anthropic wants one message per turn: blocks of the same role as the previous message join it. */
function pushBlocks(out: JsonObject[], role: string, blocks: Json[], base: JsonObject): void {
  const last = out[out.length - 1];
  if (last && last.role === role && Array.isArray(last.content)) last.content.push(...blocks);
  else out.push({ ...base, role, content: blocks });
}

const ADAPTERS: Record<ModelApi, Adapter> = { 'openai.chat': openAiChat, 'openai.responses': openAiResponses, 'anthropic.messages': anthropicMessages };

// ---- parse and serialize ----

/** The body's list of messages (Responses: input items; a string input is one item). */
function bodyItems(api: ModelApi, body: JsonObject): Json[] {
  const v = body[ADAPTERS[api].messagesKey];
  if (Array.isArray(v)) return v;
  return typeof v === 'string' ? [v] : [];
}

/** Reads a parsed body into the view. The body must already be a JSON object. */
export function readRequest(api: ModelApi, body: JsonObject): ParseResult {
  const a = ADAPTERS[api];
  const list = body[a.messagesKey];
  if (a.requireMessages ? !Array.isArray(list) : list !== undefined && !Array.isArray(list) && typeof list !== 'string') {
    return { ok: false, error: `This ${apiName(api)} request has no "${a.messagesKey}" list.` };
  }
  if (body.tools !== undefined && !Array.isArray(body.tools)) return { ok: false, error: `This ${apiName(api)} request's "tools" is not a list.` };
  if (body.model !== undefined && typeof body.model !== 'string') return { ok: false, error: `This ${apiName(api)} request's "model" is not a string.` };
  const items = bodyItems(api, body);
  const { system, leading } = a.readSystem(body);
  const messages = items.flatMap((item, i) => (i < leading ? [] : a.readItem(item, i)));
  const tools = ((body.tools as Json[] | undefined) ?? []).map((t, i) => a.readTool(t, i));
  const parameters: JsonObject = {};
  for (const [k, v] of Object.entries(body)) if (!a.structural.includes(k)) parameters[k] = v;
  return { ok: true, view: { api, model: asString(body.model), system, messages, tools, parameters, stream: body.stream === true, body } };
}

/** Parses a request body (JSON text) of the given API into the view; a clear error when it is not one. */
export function parseRequest(api: ModelApi, bodyText: string): ParseResult {
  const parsed = parseJsonText(bodyText);
  if (!parsed.ok) return { ok: false, error: `The ${apiName(api)} request body is not JSON: ${parsed.error}` };
  if (!isObject(parsed.value)) return { ok: false, error: `The ${apiName(api)} request body is not a JSON object.` };
  return readRequest(api, parsed.value);
}

/** The view's messages grouped by the body item they came from (consecutive runs of one `from`). */
function groupsOf<T extends { from?: number }>(xs: T[]): T[][] {
  const groups: T[][] = [];
  for (const x of xs) {
    const last = groups[groups.length - 1];
    if (last && x.from !== undefined && last[0].from === x.from) last.push(x);
    else groups.push([x]);
  }
  return groups;
}

/** Rebuilt items: a group equal to its original reading is written back as the original item. */
function rebuildItems<T extends { from?: number }>(edited: T[], original: T[], rawItems: Json[], build: (group: T[], raw: Json | undefined) => Json[]): Json[] {
  const originalGroups = new Map<number, T[]>();
  for (const g of groupsOf(original)) if (g[0].from !== undefined) originalGroups.set(g[0].from, g);
  const out: Json[] = [];
  for (const g of groupsOf(edited)) {
    const from = g[0].from;
    const raw = from !== undefined ? rawItems[from] : undefined;
    if (from !== undefined && raw !== undefined && jsonEqual(g, originalGroups.get(from))) out.push(raw);
    else out.push(...build(g, raw));
  }
  return out;
}

/**
 * The body for an (edited) view, in the view's API: fields the edit did not change stay exactly as
 * they were, unknown ones included, in their original key order; new fields go last.
 */
export function buildRequestBody(view: RequestView): JsonObject {
  const a = ADAPTERS[view.api];
  const read = readRequest(view.api, view.body);
  const original = read.ok ? read.view : { ...view, system: null, messages: [], tools: [], parameters: {}, model: null, stream: false };
  const rawItems = bodyItems(view.api, view.body);
  const { leading } = read.ok ? a.readSystem(view.body) : { leading: 0 };
  const next: JsonObject = {};
  let items = rebuildItems(view.messages, original.messages, rawItems, (g, raw) => a.buildGroup(g, raw));
  if (leading > 0) items = [...rawItems.slice(0, leading), ...items];
  const systemHolder: JsonObject = { ...view.body };
  if (view.system !== original.system) items = a.writeSystem(systemHolder, view.system, items, leading);
  const tools = rebuildItems(view.tools, original.tools, (view.body.tools as Json[] | undefined) ?? [], (g, raw) => g.map((t) => a.buildTool(t, raw)));

  const structural: JsonObject = {};
  if (view.model !== null) structural.model = view.model;
  const itemsUnchanged = jsonEqual(items, rawItems) && view.body[a.messagesKey] !== undefined;
  if (itemsUnchanged) structural[a.messagesKey] = view.body[a.messagesKey];
  else if (items.length || a.requireMessages) structural[a.messagesKey] = items;
  if (systemHolder.instructions !== undefined && view.api === 'openai.responses') structural.instructions = systemHolder.instructions;
  if (systemHolder.system !== undefined && view.api === 'anthropic.messages') structural.system = systemHolder.system;
  // An empty tools list is refused by OpenAI: removing every tool removes the field.
  if (tools.length || (view.tools.length === 0 && original.tools.length === 0 && view.body.tools !== undefined)) structural.tools = tools.length ? tools : view.body.tools;
  if (view.stream !== original.stream) structural.stream = view.stream;
  else if (view.body.stream !== undefined) structural.stream = view.body.stream;

  for (const k of Object.keys(view.body)) {
    if (a.structural.includes(k)) {
      if (structural[k] !== undefined) next[k] = structural[k];
    } else if (view.parameters[k] !== undefined) next[k] = view.parameters[k];
  }
  for (const [k, v] of Object.entries(structural)) if (!(k in next)) next[k] = v;
  for (const [k, v] of Object.entries(view.parameters)) if (!(k in next) && v !== undefined) next[k] = v;
  return next;
}

/** The JSON text of buildRequestBody. */
export function serializeRequest(view: RequestView): string {
  return JSON.stringify(buildRequestBody(view));
}

/** A view with nothing behind it (for a request written from scratch, e.g. "Edit and re-send"). */
export function emptyView(api: ModelApi): RequestView {
  return { api, model: null, system: null, messages: [], tools: [], parameters: {}, stream: false, body: {} };
}
