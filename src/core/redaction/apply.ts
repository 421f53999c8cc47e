// Scanning spans for findings and producing the span as it would be exported. One walker does
// both, so the preview and the export can't disagree. Never mutates its input.

import type { AttrValue, Attributes, RawSpan } from '../model';
import { detectInText, isNaturalLanguage, type Match } from './detectors';
import { compilePolicy, DEFAULT_POLICY, type CompiledPolicy, type RedactionPolicy } from './policy';
import { sha256Hex } from './sha256';
import type { DecodedFinding, RedactionAction, RedactionFinding, RedactionReport } from './types';

/** Nested JSON is parsed this deep (a JSON string inside a JSON string inside an attribute…). */
const MAX_JSON_DEPTH = 4;
const MAX_JSON_CHARS = 5_000_000;

/** The "hash" action: SHA-256 (pure, see sha256.ts), so it matches the collector's OTTL SHA256(). */
export function hashValue(value: string): string {
  return 'sha256:' + sha256Hex(value).slice(0, 12);
}

export function maskedPreview(value: string): string {
  if (value.length >= 12) return value.slice(0, 4) + '…' + value.slice(-2);
  return '*'.repeat(Math.max(4, value.length));
}

export function replacementFor(action: RedactionAction, m: Match): string | null {
  switch (action) {
    case 'mask': return `[REDACTED:${m.detector.type}]`;
    case 'hash': return hashValue(m.value);
    case 'drop': return null;
    case 'keep': return m.value;
  }
}

/** One finding before it becomes a DTO (location/span fields are added by the caller). */
export interface LeafFinding {
  match: Match;
  path: string;
  action: RedactionAction;
  replacement: string | null;
  context: string;
}

export interface ValueOutcome {
  /** The value as exported (undefined when the attribute is dropped). */
  value: AttrValue | undefined;
  outcome: 'kept' | 'masked' | 'dropped';
  findings: LeafFinding[];
  bytes: number;
}

const IDENT = /^[A-Za-z_$][\w$-]*$/;
const childPath = (path: string, key: string): string => (IDENT.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);

/**
 * Private-use characters that bracket each finding in a marked value (see markAttributes):
 * OPEN, the finding's ordinal within its span, SEP, the text shown, CLOSE. They travel through
 * JSON re-serialisation unescaped, so a viewer can find the exact characters after pretty-printing.
 */
export const FINDING_MARKS = { open: '\uE000', sep: '\uE001', close: '\uE002' } as const;

/** Which side a marked value shows: the value as stored, or as an export carries it. */
export type MarkSide = 'before' | 'after';

interface WalkState {
  cp: CompiledPolicy;
  /** Set when marking: each finding is bracketed by FINDING_MARKS (ordinal from the shared counter). */
  mark?: { side: MarkSide; counter: { n: number } };
  /** Top-level attribute key (decides whether the language pass runs). */
  attrKey: string;
  /** False when only the findings and the outcome are wanted (a scan): the redacted value is not built. */
  build: boolean;
  /** JSON layers peeled so far: one per JSON string parsed on the way down. */
  jsonLayers: number;
  findings: LeafFinding[];
  drop: boolean;
  changed: boolean;
  bytes: number;
}

function contextOf(text: string, matches: Match[], m: Match): string {
  const from = Math.max(0, m.start - 40);
  const to = Math.min(text.length, m.end + 40);
  let out = from > 0 ? '…' : '';
  let pos = from;
  for (const o of matches) {
    if (o.end <= from || o.start >= to) continue;
    out += text.slice(pos, Math.max(pos, o.start));
    out += maskedPreview(o.value);
    pos = Math.max(pos, o.end);
  }
  out += text.slice(pos, to) + (to < text.length ? '…' : '');
  return out.replace(/[\r\n\t]+/g, ' ');
}

/** The first character that is not white space (without copying a long value as trimStart would). */
function firstNonSpace(text: string): string {
  for (let i = 0; i < text.length && i < 64; i++) if (!/\s/.test(text[i])) return text[i];
  return text.length > 64 ? text.trimStart()[0] ?? '' : '';
}

function redactText(text: string, path: string, key: string, st: WalkState, depth: number): string {
  const first = text.length > 1 ? firstNonSpace(text) : '';
  if ((first === '{' || first === '[') && depth < MAX_JSON_DEPTH && text.length < MAX_JSON_CHARS) {
    let parsed: unknown;
    let ok = false;
    try {
      parsed = JSON.parse(text);
      ok = typeof parsed === 'object' && parsed !== null;
    } catch {
      ok = false;
    }
    if (ok) {
      const before = st.changed;
      st.changed = false;
      st.jsonLayers++;
      const out = redactJson(parsed, path, key, st, depth + 1);
      st.jsonLayers--;
      const changed = st.changed;
      st.changed = before || changed;
      return changed && st.build ? JSON.stringify(out) : text;
    }
  }
  const naturalLanguage = isNaturalLanguage(st.attrKey, key, text);
  const matches = detectInText(text, st.cp.detectors, { key, naturalLanguage }).filter((m) => st.cp.reports(m));
  if (!matches.length) return text;
  // JSON inside a JSON string (an encoded body in a tool result) is a layer the user can't see in the raw value.
  if (st.jsonLayers >= 2) for (const m of matches) m.decoded = decodedThrough(st.jsonLayers, m);
  let out = '';
  let pos = 0;
  for (const m of matches) {
    const action = st.cp.actionFor(m.detector);
    const replacement = replacementFor(action, m);
    st.findings.push({ match: m, path, action, replacement, context: contextOf(text, matches, m) });
    if (action === 'drop') st.drop = true;
    if (!st.build) {
      if (action === 'mask' || action === 'hash') st.changed = true;
      continue;
    }
    if (st.mark) {
      const shown = st.mark.side === 'after' && (action === 'mask' || action === 'hash') ? replacement : m.value;
      out += text.slice(pos, m.start) + FINDING_MARKS.open + st.mark.counter.n++ + FINDING_MARKS.sep + shown + FINDING_MARKS.close;
      pos = m.end;
      st.changed = true;
    } else if (action === 'mask' || action === 'hash') {
      out += text.slice(pos, m.start) + replacement;
      pos = m.end;
      st.changed = true;
    }
  }
  return out + text.slice(pos);
}

function decodedThrough(jsonLayers: number, m: Match): DecodedFinding {
  const json = Array.from({ length: jsonLayers }, () => 'json');
  return m.decoded
    ? { encodings: [...json, ...m.decoded.encodings], maskedValue: m.decoded.maskedValue }
    : { encodings: json, maskedValue: maskedPreview(m.value) };
}

function redactJson(v: unknown, path: string, key: string, st: WalkState, depth: number): unknown {
  if (typeof v === 'string') return redactText(v, path, key, st, depth);
  if (!st.build) {
    if (Array.isArray(v)) v.forEach((x, i) => redactJson(x, `${path}[${i}]`, key, st, depth));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) redactJson(x, childPath(path, k), k, st, depth);
    return v;
  }
  if (Array.isArray(v)) return v.map((x, i) => redactJson(x, `${path}[${i}]`, key, st, depth));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = redactJson(x, childPath(path, k), k, st, depth);
    return out;
  }
  return v;
}

function redactAttrValue(v: AttrValue, path: string, key: string, st: WalkState): AttrValue {
  if (typeof v === 'string') {
    st.bytes += v.length;
    return redactText(v, path, key, st, 0);
  }
  if (Array.isArray(v)) return v.map((x, i) => redactAttrValue(x, `${path}[${i}]`, key, st));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, AttrValue> = {};
    for (const [k, x] of Object.entries(v)) out[k] = redactAttrValue(x, childPath(path, k), k, st);
    return out;
  }
  return v;
}

/**
 * Redacts one attribute value under its top-level key. `build: false` (a scan) finds the same
 * findings and outcome without building the redacted value: `value` is then the input.
 */
export function redactValue(key: string, value: AttrValue, cp: CompiledPolicy, build = true): ValueOutcome {
  if (cp.isKeepKey(key)) return { value, outcome: 'kept', findings: [], bytes: 0 };
  const st: WalkState = { cp, attrKey: key, build, jsonLayers: 0, findings: [], drop: false, changed: false, bytes: 0 };
  const out = redactAttrValue(value, key, key, st);
  if (cp.isDropKey(key)) {
    for (const f of st.findings) {
      f.action = 'drop';
      f.replacement = null;
    }
    return { value: undefined, outcome: 'dropped', findings: st.findings, bytes: st.bytes };
  }
  if (st.drop) return { value: undefined, outcome: 'dropped', findings: st.findings, bytes: st.bytes };
  if (st.changed) return { value: out, outcome: 'masked', findings: st.findings, bytes: st.bytes };
  return { value, outcome: 'kept', findings: st.findings, bytes: st.bytes };
}

/**
 * An attribute map with every finding bracketed by FINDING_MARKS, for the redaction preview:
 * 'before' brackets the stored text, 'after' the text an export ships in its place (dropped
 * attributes are left out, as the export leaves them out). `counter` numbers the findings in the
 * order scanSpans reports them, when the span's parts are marked in scanSpans' order.
 */
export function markAttributes(attrs: Attributes, cp: CompiledPolicy, side: MarkSide, counter: { n: number }): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (cp.isKeepKey(key)) {
      out[key] = value;
      continue;
    }
    const st: WalkState = { cp, attrKey: key, build: true, jsonLayers: 0, findings: [], drop: false, changed: false, bytes: 0, mark: { side, counter } };
    const marked = redactAttrValue(value, key, key, st);
    if (side === 'after' && (st.drop || cp.isDropKey(key))) continue;
    out[key] = st.changed ? marked : value;
  }
  return out;
}

export interface AttributesOutcome {
  attributes: Attributes;
  findings: Array<LeafFinding & { key: string }>;
  ships: { kept: number; masked: number; dropped: number };
  bytes: number;
}

/** Redacts an attribute map (span, resource or event attributes); `build: false` as for redactValue. */
export function redactAttributes(attrs: Attributes, policy: RedactionPolicy | CompiledPolicy = DEFAULT_POLICY, build = true): AttributesOutcome {
  const cp = 'detectors' in policy ? policy : compilePolicy(policy);
  const out: Attributes = {};
  const findings: Array<LeafFinding & { key: string }> = [];
  const ships = { kept: 0, masked: 0, dropped: 0 };
  let bytes = 0;
  for (const [key, value] of Object.entries(attrs)) {
    const r = redactValue(key, value, cp, build);
    bytes += r.bytes;
    ships[r.outcome]++;
    for (const f of r.findings) findings.push({ ...f, key });
    if (r.value !== undefined) out[key] = r.value;
  }
  return { attributes: out, findings, ships, bytes };
}

/** The span as it would be exported under the policy. The input is not modified. */
export function redactSpan(span: RawSpan, policy: RedactionPolicy = DEFAULT_POLICY): RawSpan {
  const cp = compilePolicy(policy);
  return {
    ...span,
    attributes: redactAttributes(span.attributes, cp).attributes,
    resource: redactAttributes(span.resource, cp).attributes,
    events: span.events.map((e) => ({ ...e, attributes: redactAttributes(e.attributes, cp).attributes })),
    links: span.links.map((l) => ({ ...l, attributes: { ...l.attributes } })),
    status: { ...span.status },
    scope: { ...span.scope },
  };
}

export type ScannableSpan = RawSpan & { service?: string };

export interface ScanOptions {
  policySource?: string;
  policyErrors?: string[];
}

const bump = (rec: Record<string, number>, k: string): void => {
  rec[k] = (rec[k] ?? 0) + 1;
};

export function serviceOf(span: ScannableSpan): string {
  if (span.service) return span.service;
  const s = span.resource['service.name'];
  return typeof s === 'string' && s ? s : 'unknown_service';
}

/** Scans spans and reports what the policy would remove and what would still ship. */
export function scanSpans(spans: readonly ScannableSpan[], policy: RedactionPolicy = DEFAULT_POLICY, opts: ScanOptions = {}): RedactionReport {
  const cp = compilePolicy(policy);
  const report: RedactionReport = {
    policySource: opts.policySource ?? (policy === DEFAULT_POLICY ? 'default' : 'workspace'),
    policyErrors: opts.policyErrors ?? [],
    spansScanned: 0,
    bytesScanned: 0,
    findings: [],
    countsByCategory: {},
    countsByType: {},
    countsByAttribute: {},
    countsByService: {},
    ships: { kept: 0, masked: 0, dropped: 0 },
  };
  // The same value found again (in this span or another) joins the group of its first finding.
  const groups = new Map<string, number>();
  for (const span of spans) {
    report.spansScanned++;
    const service = serviceOf(span);
    const parts: Array<[string, Attributes]> = [['attributes', span.attributes], ['resource', span.resource]];
    span.events.forEach((e, i) => parts.push([`events[${i}].attributes`, e.attributes]));
    for (const [location, attrs] of parts) {
      // A scan needs the findings and what ships, not the redacted values.
      const r = redactAttributes(attrs, cp, false);
      report.bytesScanned += r.bytes;
      report.ships.kept += r.ships.kept;
      report.ships.masked += r.ships.masked;
      report.ships.dropped += r.ships.dropped;
      for (const f of r.findings) {
        const d = f.match.detector;
        const groupKey = `${d.ruleId}\u0000${f.match.value}`;
        if (!groups.has(groupKey)) groups.set(groupKey, groups.size);
        const dto: RedactionFinding = {
          ruleId: d.ruleId,
          ruleName: d.name,
          category: d.category,
          type: d.type,
          traceId: span.traceId,
          spanId: span.spanId,
          spanName: span.name,
          service,
          location,
          attribute: f.key,
          path: f.path,
          start: f.match.start,
          end: f.match.end,
          maskedPreview: maskedPreview(f.match.value),
          context: f.context,
          action: f.action,
          replacement: f.action === 'keep' ? maskedPreview(f.match.value) : f.replacement,
          confidence: f.match.confidence,
          basis: f.match.basis,
          group: groups.get(groupKey)!,
        };
        if (f.match.decoded) dto.decoded = f.match.decoded;
        report.findings.push(dto);
        bump(report.countsByCategory, d.category);
        bump(report.countsByType, d.type);
        bump(report.countsByAttribute, f.key);
        bump(report.countsByService, service);
      }
    }
  }
  return report;
}
