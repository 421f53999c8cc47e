// Small total readers over span attributes: every instrumentation writes numbers as strings,
// JSON as strings or as structured AnyValues, so readers accept all of them and never throw.
import type { AttrValue, Attributes } from '../model';

/** First non-empty string among the keys (numbers and booleans are stringified). */
export function str(attrs: Attributes, ...keys: string[]): string | null {
  for (const k of keys) {
    const v = attrs[k];
    if (typeof v === 'string' && v.trim() !== '') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  }
  return null;
}

/** A non-negative finite number from a number or numeric string, else null. */
export function toNum(v: AttrValue | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && /^[\d.eE+-]+$/.test(v.trim())) {
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 ? n : null;
  }
  return null;
}

/** First key holding a number (see toNum). */
export function num(attrs: Attributes, ...keys: string[]): number | null {
  for (const k of keys) {
    const n = toNum(attrs[k]);
    if (n !== null) return n;
  }
  return null;
}

/** Parses a JSON string; structured values pass through; undecodable text stays a string. */
export function json(v: AttrValue | undefined): AttrValue | undefined {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!(t.startsWith('{') || t.startsWith('[') || t.startsWith('"'))) return v;
  try {
    return JSON.parse(t) as AttrValue;
  } catch {
    return v;
  }
}

export function isObj(v: unknown): v is { [key: string]: AttrValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Text for display: strings as-is, anything else as JSON. */
export function text(v: AttrValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/**
 * Groups flattened indexed attributes: with prefix 'a.b', key 'a.b.3.x.y' lands in
 * result[3]['x.y']. Returned in index order.
 */
export function indexed(attrs: Attributes, prefix: string): Array<{ index: number; fields: Attributes }> {
  const byIndex = new Map<number, Attributes>();
  const head = prefix + '.';
  for (const [k, v] of Object.entries(attrs)) {
    if (!k.startsWith(head)) continue;
    const rest = k.slice(head.length);
    const dot = rest.indexOf('.');
    const idx = dot === -1 ? rest : rest.slice(0, dot);
    if (!/^\d+$/.test(idx)) continue;
    const i = Number(idx);
    let f = byIndex.get(i);
    if (!f) byIndex.set(i, (f = {}));
    f[dot === -1 ? '' : rest.slice(dot + 1)] = v;
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([index, fields]) => ({ index, fields }));
}

export function hasPrefix(attrs: Attributes, prefix: string): boolean {
  for (const k of Object.keys(attrs)) if (k.startsWith(prefix)) return true;
  return false;
}
