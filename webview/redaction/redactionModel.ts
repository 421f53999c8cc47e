// View model of the redaction panel: count tables, finding filter, context highlighting and the
// before/after diff of one span. Pure and DOM-free (unit-tested in Node).
import type { FindingDto, RedactionHighlightsDto } from '../../src/protocol/redaction';
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

/** A run of a shown value; `finding` is the ordinal (within the span) of the finding these characters are, else null. */
export interface ValueSegment {
  text: string;
  finding: number | null;
}

export interface DiffRow {
  key: string;
  before: string | null;
  after: string | null;
  status: DiffStatus;
  /** The shown value cut at the findings' exact characters (absent when the value holds none). */
  beforeSegments?: ValueSegment[];
  afterSegments?: ValueSegment[];
}

export type FindingMarks = RedactionHighlightsDto['marks'];

/**
 * Splits a marked value (each finding as open, ordinal, sep, text, close) into plain and finding
 * segments. Null when the marks are malformed or, marks removed, the text is not exactly `shown`:
 * then the value is shown without highlight rather than with a wrong one.
 */
export function markedSegments(marked: string, shown: string, marks: FindingMarks): ValueSegment[] | null {
  const out: ValueSegment[] = [];
  let pos = 0;
  while (pos < marked.length) {
    const open = marked.indexOf(marks.open, pos);
    if (open < 0) break;
    const sep = marked.indexOf(marks.sep, open + 1);
    const close = sep < 0 ? -1 : marked.indexOf(marks.close, sep + 1);
    const ordinal = sep < 0 ? '' : marked.slice(open + 1, sep);
    if (close < 0 || !/^\d{1,6}$/.test(ordinal)) return null;
    if (open > pos) out.push({ text: marked.slice(pos, open), finding: null });
    out.push({ text: marked.slice(sep + 1, close), finding: Number(ordinal) });
    pos = close + 1;
  }
  if (pos < marked.length) out.push({ text: marked.slice(pos), finding: null });
  const plain = out.map((x) => x.text).join('');
  const stray = out.some((x) => x.text.includes(marks.open) || x.text.includes(marks.sep) || x.text.includes(marks.close));
  return plain === shown && !stray ? out : null;
}

/** Character offsets [start, end) of the finding segments in the shown text (what the highlight covers). */
export function segmentRanges(segments: readonly ValueSegment[]): { finding: number; start: number; end: number }[] {
  const out: { finding: number; start: number; end: number }[] = [];
  let at = 0;
  for (const s of segments) {
    if (s.finding !== null) out.push({ finding: s.finding, start: at, end: at + s.text.length });
    at += s.text.length;
  }
  return out;
}

/** A finding's ordinal within its span: its place among the report's findings of that span (the order the server marks them in). */
export function ordinalInSpan(findings: readonly FindingDto[], index: number): number {
  const f = findings[index];
  if (!f) return -1;
  let n = 0;
  for (let i = 0; i < index; i++) if (findings[i].spanId === f.spanId && findings[i].traceId === f.traceId) n++;
  return n;
}

/** One value found (by one rule) in one or more places: a row of the findings list. */
export interface FindingGroup {
  /** Indices into the report's findings, in report order. */
  members: number[];
  first: FindingDto;
  /** Distinct spans the value was found in. */
  spans: number;
  /** Distinct attribute names it sits under. */
  attributes: string[];
}

/** Groups findings (indices into `all`) by the server's value group, in order of first appearance. */
export function groupFindings(all: readonly FindingDto[], indices: readonly number[]): FindingGroup[] {
  const byGroup = new Map<string, FindingGroup & { spanIds: Set<string> }>();
  for (const i of indices) {
    const f = all[i];
    // A report without group numbers (an older server) keeps one row per finding.
    const key = typeof f.group === 'number' ? `g${f.group}` : `i${i}`;
    let g = byGroup.get(key);
    if (!g) byGroup.set(key, (g = { members: [], first: f, spans: 0, attributes: [], spanIds: new Set() }));
    g.members.push(i);
    g.spanIds.add(`${f.traceId}/${f.spanId}`);
    const attr = attributeOf(f);
    if (!g.attributes.includes(attr)) g.attributes.push(attr);
  }
  return [...byGroup.values()].map(({ spanIds, ...g }) => ({ ...g, spans: spanIds.size }));
}

/** The attribute a finding sits under (the start of its path), with where the attribute lives when not on the span. */
export function attributeOf(f: Pick<FindingDto, 'attribute' | 'path' | 'location'>): string {
  const attr = f.attribute || f.path;
  return f.location === 'attributes' ? attr : `${f.location.replace(/\.attributes$/, '')} › ${attr}`;
}

/** The path inside the attribute's value (JSON path), '' when the finding is the whole value. */
export function pathInAttribute(f: Pick<FindingDto, 'attribute' | 'path'>): string {
  return f.attribute && f.path.startsWith(f.attribute) ? f.path.slice(f.attribute.length) : '';
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

/**
 * Key-by-key comparison of a span before and after the policy; rows with changes or findings
 * first. With highlights, the values holding findings carry the findings' exact characters.
 */
export function diffSpan(before: Record<string, unknown>, after: Record<string, unknown>, highlights?: RedactionHighlightsDto): DiffRow[] {
  const b = flatten(before);
  const a = flatten(after);
  const hb = highlights ? flatten(highlights.before) : {};
  const ha = highlights ? flatten(highlights.after) : {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
  const rows = keys.map((key): DiffRow => {
    const hasB = key in b;
    const hasA = key in a;
    const bt = hasB ? prettyValue(b[key]) : null;
    const at = hasA ? prettyValue(a[key]) : null;
    const status: DiffStatus = !hasA ? 'dropped' : !hasB ? 'added' : bt === at ? 'same' : 'changed';
    const row: DiffRow = { key, before: bt, after: at, status };
    const segs = (marked: unknown, shown: string | null) => (highlights && marked !== undefined && shown !== null ? markedSegments(prettyValue(marked), shown, highlights.marks) : null);
    const bs = segs(hb[key], bt);
    const as = segs(ha[key], at);
    if (bs) row.beforeSegments = bs;
    if (as) row.afterSegments = as;
    return row;
  });
  const rank = (r: DiffRow) => (r.status !== 'same' || r.beforeSegments || r.afterSegments ? 0 : 1);
  return rows.sort((x, y) => rank(x) - rank(y));
}

/** Rows worth showing when "only changed values" is on: changed, dropped, added, or holding a finding. */
export function rowsOfInterest(rows: readonly DiffRow[]): DiffRow[] {
  return rows.filter((r) => r.status !== 'same' || r.beforeSegments || r.afterSegments);
}
