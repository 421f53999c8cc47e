// One tolerant reader for the chat-message shapes instrumentations record: OTel GenAI
// `parts` messages, OpenAI chat format, Anthropic content blocks and Vercel AI SDK model
// messages. Unknown shapes become text, never an exception.
import type { AttrValue, ChatMessage, ToolCall } from '../model';
import { isObj, json, text } from './attrs';

type Obj = { [key: string]: AttrValue };
type Direction = ChatMessage['direction'];

const s = (v: AttrValue | undefined): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const argText = (v: AttrValue | undefined): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : text(v) ?? '');

export function message(role: string, direction: Direction, content: string | null, extra: Partial<ChatMessage> = {}): ChatMessage {
  return { role, direction, content, toolCalls: [], toolCallId: null, name: null, ...extra };
}

/** A tool call in OpenAI ({id, function:{name, arguments}}), OTel, Anthropic or Vercel form. */
export function toolCallOf(v: AttrValue): ToolCall | null {
  if (!isObj(v)) return null;
  const fn = isObj(v.function) ? v.function : null;
  const name = s(fn?.name) ?? s(v.name) ?? s(v.toolName) ?? s(v.tool_name);
  if (!name) return null;
  const id = s(v.id) ?? s(v.toolCallId) ?? s(v.tool_call_id) ?? null;
  const args = fn ? fn.arguments : v.arguments ?? v.input ?? v.args ?? v.parameters;
  return { id, name, arguments: argText(args) };
}

/** Tool calls from a JSON array (or its string form). */
export function toolCallsOf(v: AttrValue | undefined): ToolCall[] {
  const parsed = json(v);
  if (!Array.isArray(parsed)) return [];
  return parsed.map(toolCallOf).filter((c): c is ToolCall => c !== null);
}

/** The media type of a data: URL (`data:image/png;base64,…`), or null. */
function dataUrlType(url: string | null): string | null {
  const m = url ? /^data:([\w.+-]+\/[\w.+-]+)[;,]/.exec(url.slice(0, 200)) : null;
  return m ? m[1] : null;
}

const MEDIA_KINDS = new Set(['image', 'image_url', 'input_image', 'document', 'file', 'input_file', 'audio', 'input_audio', 'blob', 'uri']);

/**
 * A placeholder for an image, document, audio or other non-text part: "[image: image/png]".
 * The media type comes from wherever the convention keeps it (Anthropic `source.media_type`,
 * OTel `mime_type`, Vercel `mediaType`, an OpenAI data: URL); the data itself never shows.
 */
export function mediaPlaceholder(type: string, p: Obj): string {
  const source = isObj(p.source) ? p.source : null;
  const imageUrl = isObj(p.image_url) ? s(p.image_url.url) : s(p.image_url);
  const mime = s(source?.media_type) ?? s(p.mime_type) ?? s(p.mimeType) ?? s(p.mediaType) ?? s(p.media_type) ?? dataUrlType(imageUrl ?? s(p.url) ?? s(p.image));
  const modality = s(p.modality);
  const base = type === 'image_url' || type === 'input_image' ? 'image'
    : type === 'input_file' ? 'file'
    : type === 'input_audio' ? 'audio'
    : (type === 'blob' || type === 'uri' || type === 'file') && modality ? modality
    : type.replace(/^anthropic_/, '') || 'part';
  return mime ? `[${base}: ${mime}]` : `[${base}]`;
}

/**
 * Text of a tool result or other content given as a list of blocks (Anthropic `tool_result`
 * content, the Anthropic SDK's `tool_call_response.response`): text blocks joined, media as
 * placeholders, anything else as JSON. A plain string or value passes through as text.
 */
export function blocksText(v: AttrValue | undefined): string {
  if (!Array.isArray(v)) return argText(v);
  const out: string[] = [];
  for (const b of v) {
    if (typeof b === 'string') out.push(b);
    else if (!isObj(b)) out.push(argText(b));
    else {
      const type = s(b.type) ?? '';
      if (type === 'text' || type === 'input_text' || type === 'output_text') out.push(s(b.text) ?? s(b.content) ?? '');
      else if (MEDIA_KINDS.has(type) || type.startsWith('anthropic_image') || type.startsWith('anthropic_document')) out.push(mediaPlaceholder(type, b));
      else out.push(argText(b));
    }
  }
  return out.join('\n');
}

// Parts of one message, whichever convention named them.
function readParts(parts: AttrValue[], base: ChatMessage, out: ChatMessage[]): void {
  const texts: string[] = [];
  const responses: ChatMessage[] = [];
  const thoughts: ChatMessage[] = [];
  for (const p of parts) {
    if (typeof p === 'string') { texts.push(p); continue; }
    if (!isObj(p)) continue;
    const type = s(p.type) ?? '';
    switch (type) {
      case 'text':
      case 'input_text':
      case 'output_text':
        texts.push(s(p.content) ?? s(p.text) ?? '');
        break;
      case 'reasoning':
      case 'thinking': {
        // Shown as its own step of the conversation, before what the model then said or called.
        const thought = s(p.thinking) ?? s(p.content) ?? s(p.text) ?? (Array.isArray(p.summary) ? blocksText(p.summary) : null);
        if (thought) thoughts.push(message('thinking', base.direction, thought));
        break;
      }
      case 'redacted_thinking':
      case 'anthropic_redacted_thinking':
        thoughts.push(message('thinking', base.direction, '[redacted thinking]'));
        break;
      case 'tool_call':
      case 'tool-call':
      case 'tool_use':
      case 'server_tool_use':
      case 'mcp_tool_use':
      case 'function_call': {
        const c = toolCallOf(p);
        if (c) base.toolCalls.push(c);
        break;
      }
      case 'tool_call_response':
      case 'tool-result':
      case 'tool_result':
      case 'function_call_output': {
        const id = s(p.id) ?? s(p.toolCallId) ?? s(p.tool_use_id) ?? s(p.call_id);
        let result = p.response ?? p.output ?? p.result ?? p.content;
        // Vercel wraps results as {type:'json'|'text'|'content', value}
        if (isObj(result) && 'value' in result && typeof result.type === 'string') result = result.value;
        const m = message('tool', base.direction, blocksText(result ?? null), { toolCallId: id, name: s(p.toolName) ?? s(p.name) });
        if (p.is_error === true) m.content = `[error] ${m.content}`;
        responses.push(m);
        break;
      }
      default: {
        const t = s(p.content) ?? s(p.text);
        if (t !== null && (type === '' || type === 'generic')) texts.push(t);
        else if (type.endsWith('_tool_result') && (p.tool_use_id !== undefined || p.content !== undefined)) {
          responses.push(message('tool', base.direction, blocksText(p.content ?? null), { toolCallId: s(p.tool_use_id) }));
        } else texts.push(mediaPlaceholder(type, p));
      }
    }
  }
  if (texts.length) base.content = texts.join('\n');
  // A message that only carries tool results (role 'tool', or 'user' as Anthropic, pydantic-ai and
  // the OpenAI Responses API write it) is those results, not an extra empty message.
  // Nor is one that only thought, or only thought and called tools, missing a text: no empty bubble is shown.
  const empty = texts.length === 0 && base.toolCalls.length === 0;
  out.push(...thoughts);
  if (!(empty && (responses.length > 0 || thoughts.length > 0))) out.push(base);
  out.push(...responses);
}

/** One message object in any supported shape; may yield several (tool results split out). */
export function messagesOf(v: AttrValue, direction: Direction, defaultRole = direction === 'output' ? 'assistant' : 'user'): ChatMessage[] {
  const out: ChatMessage[] = [];
  if (typeof v === 'string') {
    out.push(message(defaultRole, direction, v));
    return out;
  }
  if (!isObj(v)) return out;
  // OpenAI choice wrapper: {index, finish_reason, message:{...}}
  if (isObj(v.message) && v.role === undefined) return messagesOf(v.message, direction, defaultRole);
  const role = s(v.role) ?? defaultRole;
  const base = message(role, direction, null, {
    name: s(v.name),
    toolCallId: s(v.tool_call_id) ?? s(v.toolCallId) ?? (role === 'tool' ? s(v.id) : null),
  });
  base.toolCalls.push(...toolCallsOf(v.tool_calls));
  const fc = isObj(v.function_call) ? toolCallOf(v.function_call) : null;
  if (fc) base.toolCalls.push(fc);
  const parts = Array.isArray(v.parts) ? v.parts : Array.isArray(v.content) ? v.content : null;
  if (parts) {
    readParts(parts, base, out);
    return out;
  }
  const content = v.content ?? v.text;
  const parsed = typeof content === 'string' ? json(content) : content;
  if (Array.isArray(parsed) && parsed.some((p) => isObj(p) && typeof p.type === 'string')) {
    readParts(parsed, base, out); // e.g. OpenLLMetry stores content arrays as JSON strings
    return out;
  }
  base.content = content === undefined || content === null ? null : argText(content);
  out.push(base);
  return out;
}

/** A JSON array (or its string form) of messages. */
export function messageListOf(v: AttrValue | undefined, direction: Direction): ChatMessage[] {
  const parsed = json(v);
  if (parsed === undefined || parsed === null) return [];
  if (!Array.isArray(parsed)) return messagesOf(parsed, direction);
  return parsed.flatMap((m) => messagesOf(m, direction));
}

/** OTel `gen_ai.system_instructions`: an array of parts, or plain text. */
export function systemInstructionsOf(v: AttrValue | undefined): ChatMessage[] {
  const parsed = json(v);
  if (parsed === undefined || parsed === null) return [];
  if (typeof parsed === 'string') return [message('system', 'input', parsed)];
  const parts = Array.isArray(parsed) ? parsed : [parsed];
  const out: ChatMessage[] = [];
  readParts(parts, message('system', 'input', null), out);
  return out.filter((m) => m.content !== null || m.toolCalls.length > 0);
}
