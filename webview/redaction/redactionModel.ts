// View model of the redaction panel: count tables, finding filter, context highlighting and the
// before/after diff of one span. Pure and DOM-free (unit-tested in Node).
import type { FindingDto } from '../../src/protocol/redaction';
import { prettyValue } from '../shared/format';

export interface CountRow {
  key: string;
  count: number;
  /** Share of the largest count, 0..100, for a bar. */
  pct: number;
}

export function sortedCounts(counts: Record<string, number>): CountRow[] {
  const rows = Object.entries(counts)
    .filter(([, n]) => Number.isFinite(n) && n > 0)
    .sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : ka > kb ? 1 : 0));
  const max = rows.length ? rows[0][1] : 0;
  return rows.map(([key, count]) => ({ key, count, pct: max ? (count / max) * 100 : 0 }));
}

export function filterFindings(findings: readonly FindingDto[], text: string): FindingDto[] {
  const q = text.trim().toLowerCase();
  if (!q) return [...findings];
  return findings.filter((f) =>
    [f.ruleName, f.ruleId, f.category, f.type, f.spanName, f.service, f.path, f.location, f.action].some((s) => s.toLowerCase().includes(q)),
  );
}

/** Context split around the masked value so the view can highlight it (as text). */
export function contextSegments(context: string, masked: string): { text: string; hit: boolean }[] {
  const at = masked ? context.indexOf(masked) : -1;
  if (at < 0) return [{ text: context, hit: false }];
  return [
    { text: context.slice(0, at), hit: false },
    { text: masked, hit: true },
    { text: context.slice(at + masked.length), hit: false },
  ].filter((s) => s.text !== '');
}

export function replacementText(f: Pick<FindingDto, 'action' | 'replacement'>): string {
  if (f.action === 'drop' || f.replacement === null) return 'dropped';
  if (f.action === 'keep') return 'kept unchanged';
  return f.replacement;
}

export type DiffStatus = 'same' | 'changed' | 'dropped' | 'added';

export interface DiffRow {
  key: string;
  before: string | null;
  after: string | null;
  status: DiffStatus;
}

/** Flattens nested plain objects into dotted keys (arrays and JSON strings stay whole values). */
export function flatten(value: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}, depth = 0): Record<string, unknown> {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && depth < 6) flatten(v as Record<string, unknown>, key, out, depth + 1);
    else out[key] = v;
  }
  return out;
}

/** Key-by-key comparison of a span before and after the policy; changed rows first. */
export function diffSpan(before: Record<string, unknown>, after: Record<string, unknown>): DiffRow[] {
  const b = flatten(before);
  const a = flatten(after);
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
  const rows = keys.map((key): DiffRow => {
    const hasB = key in b;
    const hasA = key in a;
    const bt = hasB ? prettyValue(b[key]) : null;
    const at = hasA ? prettyValue(a[key]) : null;
    const status: DiffStatus = !hasA ? 'dropped' : !hasB ? 'added' : bt === at ? 'same' : 'changed';
    return { key, before: bt, after: at, status };
  });
  const rank = (s: DiffStatus) => (s === 'same' ? 1 : 0);
  return rows.sort((x, y) => rank(x.status) - rank(y.status));
}
