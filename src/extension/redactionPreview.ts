// Before/after view of one span's attributes under the redaction findings (pure: unit-tested).
// The server reports each finding with an attribute key, a JSON path inside JSON-encoded
// values, and UTF-16 offsets; this applies the findings' replacements to a copy.
import type { FindingDto } from '../protocol/redaction';

type PathStep = string | number;

/** "gen_ai.input.messages[0].content" with known keys → { key, steps } (keys may contain dots). */
export function splitFindingPath(path: string, keys: readonly string[]): { key: string; steps: PathStep[] } | null {
  const sorted = [...keys].sort((a, b) => b.length - a.length);
  const key = sorted.find((k) => path === k || path.startsWith(`${k}[`) || path.startsWith(`${k}.`));
  if (key === undefined) return null;
  const steps: PathStep[] = [];
  const re = /\[(\d+)\]|\.([^.[\]]+)|\["((?:[^"\\]|\\.)*)"\]/g;
  const rest = path.slice(key.length);
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(rest))) {
    if (m.index !== consumed) return null;
    consumed = m.index + m[0].length;
    if (m[1] !== undefined) steps.push(Number(m[1]));
    else if (m[2] !== undefined) steps.push(m[2]);
    else steps.push(JSON.parse(`"${m[3]}"`) as string);
  }
  if (consumed !== rest.length) return null;
  return { key, steps };
}

type Json = unknown;

function replaceAt(value: Json, steps: PathStep[], edit: (s: string | null) => string | null | undefined): Json {
  if (steps.length === 0) {
    if (typeof value !== 'string') return value;
    const r = edit(value);
    return r === undefined ? value : r;
  }
  const [head, ...tail] = steps;
  if (Array.isArray(value) && typeof head === 'number' && head < value.length) {
    const copy = value.slice();
    copy[head] = replaceAt(copy[head], tail, edit);
    return copy;
  }
  if (value && typeof value === 'object' && typeof head === 'string' && head in (value as object)) {
    return { ...(value as Record<string, Json>), [head]: replaceAt((value as Record<string, Json>)[head], tail, edit) };
  }
  return value;
}

const DROPPED = '[dropped]';

/**
 * Applies findings (for one span and one location such as 'attributes') to a copy of `attrs`.
 * Later offsets are applied first so earlier offsets stay valid. Dropped values read "[dropped]".
 */
export function applyFindings(attrs: Record<string, unknown>, findings: readonly FindingDto[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...attrs };
  const keys = Object.keys(attrs);
  const sorted = [...findings].sort((a, b) => b.start - a.start);
  for (const f of sorted) {
    if (f.action === 'keep') continue;
    const split = splitFindingPath(f.path, keys);
    if (!split) continue;
    const edit = (s: string | null): string | null => {
      if (s === null) return s;
      if (f.action === 'drop' || f.replacement === null) return DROPPED;
      if (f.start < 0 || f.end > s.length || f.start > f.end) return s;
      return s.slice(0, f.start) + f.replacement + s.slice(f.end);
    };
    const current = out[split.key];
    if (split.steps.length === 0) {
      out[split.key] = typeof current === 'string' ? edit(current) : current;
      continue;
    }
    // Nested path: the attribute holds JSON text, or an already structured value.
    if (typeof current === 'string') {
      try {
        const parsed = JSON.parse(current) as Json;
        out[split.key] = JSON.stringify(replaceAt(parsed, split.steps, edit));
      } catch {
        /* not JSON: leave unchanged rather than guess */
      }
    } else {
      out[split.key] = replaceAt(current, split.steps, edit);
    }
  }
  return out;
}
