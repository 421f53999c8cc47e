// JSON inside strings, decoded once, in one place. Python instrumentations write payloads with
// `json.dumps`, which escapes every non-ASCII character (`"21\u00b0C"`), and some write a value
// that is already a JSON string through `json.dumps` again (`"\"Paris\""`). The views show text
// as it is, so the normalizer hands them the decoded form: a JSON-encoded string becomes its
// text, and `\uXXXX` escapes of printable characters inside JSON text become the characters
// (the JSON stays byte-for-byte the same otherwise, so formatting and key order are kept).
// Pure and total: text that is not valid JSON is returned unchanged.
import type { ChatMessage, Normalized } from '../model';

/** Longer text is shown as it came: decoding is a courtesy, not worth unbounded work. */
const MAX_DECODE_CHARS = 1_000_000;

// One escape at a time, left to right: an escaped backslash is consumed whole, so `\\u00b0`
// (a literal backslash before "u00b0") is never mistaken for an escape. Surrogate pairs decode
// together; lone surrogates, control characters, quotes and backslashes stay escaped, because
// unescaping them would change or break the JSON.
const ESCAPE = /\\(?:u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|[\s\S])/g;

function unescapePrintable(jsonText: string): string {
  if (!jsonText.includes('\\u')) return jsonText;
  return jsonText.replace(ESCAPE, (whole: string, hi?: string, lo?: string, single?: string) => {
    if (hi && lo) return String.fromCharCode(parseInt(hi, 16), parseInt(lo, 16));
    if (!single) return whole;
    const code = parseInt(single, 16);
    if (code < 0x20 || code === 0x22 || code === 0x5c || (code >= 0xd800 && code <= 0xdfff) || code === 0x7f) return whole;
    return String.fromCharCode(code);
  });
}

function parses(t: string): unknown {
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The text a payload means: a JSON string literal becomes its content (one level only), and
 * JSON object or array text keeps its shape with printable `\uXXXX` escapes turned into the
 * characters. Anything else is returned as is.
 */
export function decodeJsonText(s: string): string {
  if (s.length > MAX_DECODE_CHARS) return s;
  const t = s.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) {
    const inner = parses(t);
    if (typeof inner !== 'string') return s;
    // The inner text may itself be JSON written by json.dumps: show its characters, not escapes.
    const it = inner.trim();
    return (it.startsWith('{') || it.startsWith('[')) && parses(it) !== undefined ? unescapePrintable(inner) : inner;
  }
  if ((t.startsWith('{') || t.startsWith('[')) && t.includes('\\u') && parses(t) !== undefined) return unescapePrintable(s);
  return s;
}

const decodeOpt = (s: string | null): string | null => (s === null ? null : decodeJsonText(s));

function decodeMessage(m: ChatMessage): ChatMessage {
  return {
    ...m,
    content: decodeOpt(m.content),
    toolCalls: m.toolCalls.map((c) => ({ ...c, arguments: decodeJsonText(c.arguments) })),
  };
}

/** Every message and tool payload of a normalized span, decoded once (see decodeJsonText). */
export function decodePayloads(n: Normalized): Normalized {
  if (n.messages.length === 0 && n.tool === null) return n;
  return {
    ...n,
    messages: n.messages.map(decodeMessage),
    tool: n.tool ? { ...n.tool, arguments: decodeOpt(n.tool.arguments), result: decodeOpt(n.tool.result) } : null,
  };
}
