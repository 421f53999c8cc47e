// What full-text search sees of a span, how user text becomes an FTS5 query, and snippets.
import type { AttrValue, RawSpan } from '../core/model';

/** Caps keep a span carrying a base64 image or a huge document from bloating the index. */
const MAX_VALUE_CHARS = 16_384;
const MAX_TEXT_CHARS = 65_536;

class TextBuilder {
  parts: string[] = [];
  size = 0;
  push(s: string): void {
    if (!s || this.size >= MAX_TEXT_CHARS) return;
    const t = s.length > MAX_VALUE_CHARS ? s.slice(0, MAX_VALUE_CHARS) : s;
    this.parts.push(t);
    this.size += t.length + 1;
  }
  value(v: AttrValue): void {
    if (typeof v === 'string') this.push(v);
    else if (Array.isArray(v)) for (const x of v) this.value(x);
    else if (v !== null && typeof v === 'object') for (const k in v) this.value(v[k]);
  }
}

/**
 * Span name, status message, attribute values, event attribute values and log bodies: every
 * convention keeps prompts, completions, tool arguments and errors in one of those, so the
 * normalized copies need no second entry.
 */
export function searchTextOf(span: Pick<RawSpan, 'name' | 'status' | 'attributes' | 'events'>): string {
  const b = new TextBuilder();
  b.push(span.name);
  b.push(span.status.message);
  for (const k in span.attributes) b.value(span.attributes[k]);
  for (const e of span.events) {
    b.push(e.name);
    for (const k in e.attributes) b.value(e.attributes[k]);
    if (e.fromLog) b.value(e.fromLog.body);
  }
  return b.parts.join('\n');
}

/**
 * The words of a query as FTS5 terms, all required, the last one as a prefix (search as you
 * type). Words are split the way the unicode61 tokenizer splits them (letters and digits), and
 * each is quoted, so no user text can reach FTS5 syntax. The index keeps no positions
 * (detail=none, for ingest speed), so "gpt-4o" matches spans holding both "gpt" and "4o".
 */
export function ftsQuery(text: string): string | null {
  const words = text.split(/[^\p{L}\p{N}\p{M}]+/u).filter((w) => w.length > 0);
  if (words.length === 0) return null;
  return words.map((w, i) => `"${w}"${i === words.length - 1 ? '*' : ''}`).join(' ');
}

/** Plain text around the first place a query word occurs, whitespace collapsed. */
export function snippetOf(text: string, query: string, width = 120): string {
  const words = query
    .split(/\s+/)
    .flatMap((w) => w.split(/[^\p{L}\p{N}]+/u))
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
  const lower = text.toLowerCase();
  let at = -1;
  for (const w of words) {
    const i = lower.indexOf(w);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  if (at < 0) at = 0;
  const from = Math.max(0, at - Math.floor(width / 3));
  const to = Math.min(text.length, from + width);
  const body = text.slice(from, to).replace(/\s+/g, ' ').trim();
  return (from > 0 ? '…' : '') + body + (to < text.length ? '…' : '');
}
