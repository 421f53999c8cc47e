// A model response written by the user (a "replacement response" fork edit) put into the wire
// format of the API the agent called, streamed or not, so the agent's own SDK reads it as if the
// provider had answered: OpenAI chat.completion / chat.completion.chunk SSE, OpenAI Responses
// objects and their typed SSE events, Anthropic message and message_start … message_stop events.
// Pure: ids are derived from a seed the caller gives, the time is passed in.
import { sha256Hex } from '../redaction/sha256';
import { isObject, parseJsonText, type Json, type JsonObject } from './json';
import type { ModelApi, RequestView } from './requestShape';

export interface ReplacementToolCall {
  /** The call id the agent will answer with its tool result; derived from the seed when absent. */
  id?: string;
  name: string;
  /** Arguments as JSON text. */
  arguments: string;
}

export interface ReplacementResponse {
  text: string | null;
  toolCalls?: ReplacementToolCall[];
  /** Why generation stopped; by default "tool_calls" when there are tool calls, else "stop". */
  finishReason?: 'stop' | 'tool_calls' | 'length';
  /** The model the response claims; by default the requested one. */
  model?: string;
}

export interface SynthesisOptions {
  stream: boolean;
  model: string;
  /** Milliseconds since the epoch, for `created` fields. */
  nowMs: number;
  /** Any text unique to this call (e.g. the request hash): ids are derived from it. */
  idSeed: string;
  /** Chat Completions streaming with stream_options.include_usage: a last chunk carries usage. */
  includeUsage?: boolean;
}

export interface SynthesizedResponse {
  status: number;
  contentType: string;
  body: string;
}

export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';
export const JSON_CONTENT_TYPE = 'application/json';

/** Streamed text is sent in pieces of this many characters, as providers send small deltas. */
const DELTA_CHARS = 24;

function pieces(text: string): string[] {
  const chars = Array.from(text); // never split a surrogate pair
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += DELTA_CHARS) out.push(chars.slice(i, i + DELTA_CHARS).join(''));
  return out;
}

const idFrom = (seed: string, what: string, length = 24): string => sha256Hex(`${seed}\u0000${what}`).slice(0, length);

interface Resolved {
  text: string | null;
  calls: Required<ReplacementToolCall>[];
  finish: 'stop' | 'tool_calls' | 'length';
  model: string;
  created: number;
  seed: string;
}

function resolve(r: ReplacementResponse, o: SynthesisOptions, callPrefix: string): Resolved {
  const calls = (r.toolCalls ?? []).map((c, i) => ({ id: c.id ?? `${callPrefix}${idFrom(o.idSeed, `call${i}`)}`, name: c.name, arguments: c.arguments }));
  return {
    text: r.text,
    calls,
    finish: r.finishReason ?? (calls.length ? 'tool_calls' : 'stop'),
    model: r.model ?? o.model,
    created: Math.floor(o.nowMs / 1000),
    seed: o.idSeed,
  };
}

const sseData = (data: Json): string => `data: ${JSON.stringify(data)}\n\n`;
const sseEvent = (event: string, data: Json): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

// ---- OpenAI Chat Completions ----

function chatCompletion(r: Resolved, id: string): JsonObject {
  const message: JsonObject = { role: 'assistant', content: r.text, refusal: null, annotations: [] };
  if (r.calls.length) message.tool_calls = r.calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  return {
    id, object: 'chat.completion', created: r.created, model: r.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: r.finish }],
    // A synthesized answer was not billed: zero tokens is the truth here, not a guess.
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    system_fingerprint: null,
  };
}

function chatChunks(r: Resolved, id: string, includeUsage: boolean): string {
  const chunk = (delta: JsonObject, finish: string | null = null): string =>
    sseData({ id, object: 'chat.completion.chunk', created: r.created, model: r.model, system_fingerprint: null, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  let out = chunk({ role: 'assistant', content: r.calls.length && r.text === null ? null : '', refusal: null });
  for (const p of pieces(r.text ?? '')) out += chunk({ content: p });
  r.calls.forEach((c, index) => {
    out += chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] });
    for (const p of pieces(c.arguments)) out += chunk({ tool_calls: [{ index, function: { arguments: p } }] });
  });
  out += chunk({}, r.finish);
  if (includeUsage) {
    out += sseData({ id, object: 'chat.completion.chunk', created: r.created, model: r.model, system_fingerprint: null, choices: [], usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } });
  }
  return out + 'data: [DONE]\n\n';
}

// ---- OpenAI Responses ----

function responsesOutput(r: Resolved): JsonObject[] {
  const items: JsonObject[] = [];
  if (r.text !== null) {
    items.push({ id: `msg_${idFrom(r.seed, 'msg')}`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: r.text, annotations: [], logprobs: [] }] });
  }
  r.calls.forEach((c, i) => items.push({ id: `fc_${idFrom(r.seed, `fc${i}`)}`, type: 'function_call', status: 'completed', call_id: c.id, name: c.name, arguments: c.arguments }));
  return items;
}

function responseObject(r: Resolved, id: string, status: 'in_progress' | 'completed', output: JsonObject[]): JsonObject {
  const done = status === 'completed';
  const incomplete = done && r.finish === 'length';
  return {
    id, object: 'response', created_at: r.created, status: incomplete ? 'incomplete' : status, error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    model: r.model, output, parallel_tool_calls: true, tool_choice: 'auto', tools: [],
    usage: done ? { input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 } : null,
  };
}

function responsesEvents(r: Resolved, id: string): string {
  let seq = 0;
  let out = '';
  const emit = (type: string, fields: JsonObject): void => {
    out += sseEvent(type, { type, sequence_number: seq++, ...fields });
  };
  emit('response.created', { response: responseObject(r, id, 'in_progress', []) });
  emit('response.in_progress', { response: responseObject(r, id, 'in_progress', []) });
  responsesOutput(r).forEach((item, output_index) => {
    const item_id = item.id as string;
    if (item.type === 'message') {
      const text = r.text ?? '';
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
      emit('response.content_part.added', { item_id, output_index, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } });
      for (const delta of pieces(text)) emit('response.output_text.delta', { item_id, output_index, content_index: 0, delta, logprobs: [] });
      emit('response.output_text.done', { item_id, output_index, content_index: 0, text, logprobs: [] });
      emit('response.content_part.done', { item_id, output_index, content_index: 0, part: { type: 'output_text', text, annotations: [], logprobs: [] } });
    } else {
      const args = item.arguments as string;
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } });
      for (const delta of pieces(args)) emit('response.function_call_arguments.delta', { item_id, output_index, delta });
      emit('response.function_call_arguments.done', { item_id, output_index, name: item.name as string, arguments: args });
    }
    emit('response.output_item.done', { output_index, item });
  });
  const final = responseObject(r, id, 'completed', responsesOutput(r));
  emit(final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final });
  return out;
}

// ---- Anthropic Messages ----

const ANTHROPIC_STOP: Record<Resolved['finish'], string> = { stop: 'end_turn', tool_calls: 'tool_use', length: 'max_tokens' };

function anthropicContent(r: Resolved): JsonObject[] {
  const blocks: JsonObject[] = [];
  if (r.text !== null) blocks.push({ type: 'text', text: r.text });
  for (const c of r.calls) {
    const input = parseJsonText(c.arguments);
    blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: input.ok && isObject(input.value) ? input.value : {} });
  }
  return blocks;
}

function anthropicMessage(r: Resolved, id: string, content: JsonObject[], done: boolean): JsonObject {
  return {
    id, type: 'message', role: 'assistant', model: r.model, content,
    stop_reason: done ? ANTHROPIC_STOP[r.finish] : null, stop_sequence: null,
    usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };
}

function anthropicEvents(r: Resolved, id: string): string {
  let out = sseEvent('message_start', { type: 'message_start', message: anthropicMessage(r, id, [], false) });
  anthropicContent(r).forEach((block, index) => {
    if (block.type === 'text') {
      out += sseEvent('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      if (index === 0) out += sseEvent('ping', { type: 'ping' });
      for (const text of pieces(block.text as string)) out += sseEvent('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
    } else {
      out += sseEvent('content_block_start', { type: 'content_block_start', index, content_block: { ...block, input: {} } });
      for (const partial_json of pieces(JSON.stringify(block.input))) {
        out += sseEvent('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } });
      }
    }
    out += sseEvent('content_block_stop', { type: 'content_block_stop', index });
  });
  out += sseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: ANTHROPIC_STOP[r.finish], stop_sequence: null }, usage: { output_tokens: 0 } });
  return out + sseEvent('message_stop', { type: 'message_stop' });
}

// ---- entry points ----

/** The replacement as the given API would have answered it, streamed or not. */
export function synthesizeResponse(api: ModelApi, replacement: ReplacementResponse, o: SynthesisOptions): SynthesizedResponse {
  const contentType = o.stream ? SSE_CONTENT_TYPE : JSON_CONTENT_TYPE;
  const body = (() => {
    switch (api) {
      case 'openai.chat': {
        const r = resolve(replacement, o, 'call_');
        const id = `chatcmpl-${idFrom(o.idSeed, 'id')}`;
        return o.stream ? chatChunks(r, id, o.includeUsage === true) : JSON.stringify(chatCompletion(r, id));
      }
      case 'openai.responses': {
        const r = resolve(replacement, o, 'call_');
        const id = `resp_${idFrom(o.idSeed, 'id')}`;
        return o.stream ? responsesEvents(r, id) : JSON.stringify(responseObject(r, id, 'completed', responsesOutput(r)));
      }
      case 'anthropic.messages': {
        const r = resolve(replacement, o, 'toolu_');
        const id = `msg_${idFrom(o.idSeed, 'id')}`;
        return o.stream ? anthropicEvents(r, id) : JSON.stringify(anthropicMessage(r, id, anthropicContent(r), true));
      }
    }
  })();
  return { status: 200, contentType, body };
}

/** Synthesis options for answering this request: its stream flag, model and usage option. */
export function synthesisOptionsFor(view: RequestView, nowMs: number, idSeed: string): SynthesisOptions {
  const streamOptions = view.parameters.stream_options;
  return {
    stream: view.stream,
    model: view.model ?? 'replacement',
    nowMs,
    idSeed,
    includeUsage: isObject(streamOptions) && streamOptions.include_usage === true,
  };
}
