// Display helpers of the webviews. Figures (cost, duration, tokens, counts, sizes) come from the
// one formatting module shared with the host, code lenses and CLI; what is here is text layout
// only. Pure and DOM-free so it is unit-tested in Node.
export { UNKNOWN, countOf, formatBytes, formatCost, formatCount, formatDuration, formatPercent, formatPValue, formatTokens } from '../../src/core/format';

/**
 * Pretty-prints a value for display as plain text. Strings holding JSON objects or arrays are
 * parsed and re-indented (tool arguments and many attributes arrive JSON-encoded); any other
 * string is returned unchanged.
 */
export function prettyValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return '';
  if (typeof value === 'string') {
    const t = value.trim();
    if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'))) {
      try {
        return JSON.stringify(JSON.parse(t), null, 2);
      } catch {
        return value;
      }
    }
    return value;
  }
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value, null, 2);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** Shortens one-line previews; counts UTF-16 units, which is good enough for a preview. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Splits text into plain and matching segments (case-insensitive) so a view can mark matches as text. */
export function highlightSegments(text: string, query: string): { text: string; match: boolean }[] {
  const q = query.trim().toLowerCase();
  if (!q) return [{ text, match: false }];
  const lower = text.toLowerCase();
  const out: { text: string; match: boolean }[] = [];
  let from = 0;
  for (;;) {
    const at = lower.indexOf(q, from);
    if (at < 0) break;
    if (at > from) out.push({ text: text.slice(from, at), match: false });
    out.push({ text: text.slice(at, at + q.length), match: true });
    from = at + q.length;
  }
  if (from < text.length || out.length === 0) out.push({ text: text.slice(from), match: false });
  return out;
}
