// Hand-driven OTLP protobuf reader: walks the wire format with protobufjs' Reader straight into
// RawSpan / RawLogRecord. This is the ingest hot path, so it builds no intermediate message
// objects, no Long instances for timestamps, and shares one resource/scope object between the
// spans of a ResourceSpans/ScopeSpans (callers treat decoded records as read-only).
// Field numbers follow opentelemetry-proto v1 (see schema.ts, which tests use as the reference).
import protobuf from 'protobufjs';
import type { AttrValue, Attributes, RawEvent, RawLink, RawLogRecord, RawSpan, Scope, ValueTypeHint } from '../model';
import { DEFAULT_OTLP_LIMITS, Truncation, ValuePlace, cutString, shortName, type OtlpLimits } from './limits';
import {
  idProblem, int64FromString, isAllZeroHex, parentOrNull, setAttr, spanKindOf, statusCodeOf, u64ToString,
} from './values';
import { decodeMetricsProtoPoints } from './decodeMetrics';
import { OtlpDecodeError, reject, type DecodedLogs, type DecodedMetrics, type DecodedTraces } from './types';

type Reader = protobuf.Reader & { buf: Uint8Array };

// Decoding is synchronous, so the limits of the request being decoded and what the current span
// lost to them live here instead of being threaded through every call.
let limits: OtlpLimits = DEFAULT_OTLP_LIMITS;
const cut = new Truncation();
const place = new ValuePlace();

// Tags are (field << 3) | wireType.
const LEN = 2;

function toBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function reader(body: Uint8Array): Reader {
  return protobuf.Reader.create(toBuffer(body)) as Reader;
}

/** Reads a length prefix and returns where the sub-message ends. */
function subEnd(r: Reader): number {
  const len = r.uint32();
  const end = r.pos + len;
  if (end > r.len) throw new RangeError(`length ${len} at offset ${r.pos} runs past the end`);
  return end;
}

function done(r: Reader, end: number): void {
  if (r.pos !== end) throw new RangeError(`field overruns its message at offset ${r.pos}`);
}

function fixed64(r: Reader): string {
  const lo = r.fixed32();
  const hi = r.fixed32();
  return u64ToString(lo, hi);
}

/** int64 varint: a number while it is small (the common case), else via Long. */
function int64(r: Reader): number | string {
  const buf = r.buf;
  const start = r.pos;
  let pos = start;
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 7; i++) {
    if (pos >= r.len) throw new RangeError('truncated varint');
    const b = buf[pos++]!;
    value += (b & 0x7f) * mul;
    if (b < 0x80) {
      r.pos = pos;
      return value;
    }
    mul *= 128;
  }
  r.pos = start;
  const l = r.int64() as unknown;
  return typeof l === 'number' ? l : int64FromString(String(l));
}

function hexId(r: Reader): string {
  const end = subEnd(r);
  const s = (r.buf as Buffer).toString('hex', r.pos, end);
  r.pos = end;
  return s;
}

function base64(r: Reader): string {
  const end = subEnd(r);
  let stop = end;
  if (end - r.pos > limits.maxValueLength) {
    cut.values++;
    stop = r.pos + limits.maxValueLength;
  }
  const s = (r.buf as Buffer).toString('base64', r.pos, stop);
  r.pos = end;
  return s;
}

function anyValue(r: Reader, end: number, depth: number): AttrValue {
  if (depth > limits.maxValueDepth) throw new RangeError(`an attribute value is nested more than ${limits.maxValueDepth} deep`);
  let v: AttrValue = null;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | LEN:
        v = r.string();
        if (v.length > limits.maxValueLength) {
          cut.values++;
          v = cutString(v, limits.maxValueLength);
        }
        break;
      case 2 << 3: v = r.bool(); break;
      case 3 << 3:
        v = int64(r);
        if (typeof v === 'string') place.hint('int');
        break;
      case (4 << 3) | 1:
        v = r.double();
        if (Number.isInteger(v)) place.hint('double');
        break;
      case (5 << 3) | LEN: v = arrayValue(r, subEnd(r), depth + 1); break;
      case (6 << 3) | LEN: v = kvList(r, subEnd(r), depth + 1); break;
      case (7 << 3) | LEN:
        v = base64(r);
        place.hint('bytes');
        break;
      default: r.skipType(tag & 7);
    }
  }
  done(r, end);
  return v;
}

function arrayValue(r: Reader, end: number, depth: number): AttrValue[] {
  const out: AttrValue[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | LEN) && out.length < limits.maxAttributes) {
      place.path.push(out.length);
      out.push(anyValue(r, subEnd(r), depth));
      place.path.pop();
    } else skipOver(r, tag);
  }
  done(r, end);
  return out;
}

function kvList(r: Reader, end: number, depth: number): Attributes {
  const out: Attributes = {};
  let n = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | LEN) && n++ < limits.maxAttributes) keyValue(r, subEnd(r), out, depth);
    else skipOver(r, tag);
  }
  done(r, end);
  return out;
}

/** Skips a field; a KeyValue / AnyValue / event / link skipped this way was over a limit and is counted. */
function skipOver(r: Reader, tag: number): void {
  if ((tag & 7) === LEN && tag >>> 3 === 1) cut.attributes++;
  r.skipType(tag & 7);
}

// Attribute keys repeat in every span. Returning one cached string per distinct key skips the
// UTF-8 decode and lets V8 reuse the already-internalized property name (measured: the largest
// cost of decoding before this cache). Bounded, and only for short keys.
// A hostile stream of distinct keys (or keys sharing one hash) must neither grow the cache nor turn
// a lookup into a long scan: buckets hold a few entries, and a full cache starts over, so keys in
// current use come back after a flood.
const KEY_CACHE_LIMIT = 4096;
const MAX_CACHED_KEY = 96;
const MAX_BUCKET = 4;
const keyCache = new Map<number, { bytes: Uint8Array; str: string }[]>();
let keyCacheSize = 0;

function attrKey(r: Reader): string {
  const len = r.uint32();
  const start = r.pos;
  const end = start + len;
  if (end > r.len) throw new RangeError(`key length ${len} runs past the end`);
  const buf = r.buf;
  r.pos = end;
  if (len > MAX_CACHED_KEY) return (buf as Buffer).toString('utf8', start, end);
  let h = len;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + buf[i]!) | 0;
  const bucket = keyCache.get(h);
  if (bucket) {
    outer: for (const e of bucket) {
      const b = e.bytes;
      if (b.length !== len) continue;
      for (let i = 0; i < len; i++) if (b[i] !== buf[start + i]) continue outer;
      return e.str;
    }
  }
  const str = (buf as Buffer).toString('utf8', start, end);
  if (bucket && bucket.length >= MAX_BUCKET) return str;
  if (keyCacheSize >= KEY_CACHE_LIMIT) {
    keyCache.clear();
    keyCacheSize = 0;
  }
  keyCacheSize++;
  const entry = { bytes: Uint8Array.prototype.slice.call(buf, start, end), str };
  const current = keyCache.get(h);
  if (current) current.push(entry);
  else keyCache.set(h, [entry]);
  return str;
}

/** For tests: how many keys the cache holds and its longest bucket. */
export function keyCacheStats(): { size: number; longestBucket: number } {
  let longest = 0;
  for (const b of keyCache.values()) longest = Math.max(longest, b.length);
  return { size: keyCacheSize, longestBucket: longest };
}

/**
 * One KeyValue into `into`. The value's place (for valueTypes) needs the key: encoders write the
 * key first, and a value that comes before its key is read again once the key is known.
 */
function keyValue(r: Reader, end: number, into: Attributes, depth: number): void {
  let key: string | null = null;
  let value: AttrValue = null;
  let early = -1;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | LEN)) key = attrKey(r);
    else if (tag === ((2 << 3) | LEN)) {
      if (key === null) {
        early = r.pos;
        r.skipType(LEN);
        continue;
      }
      early = -1;
      const path = place.path;
      path.push(key);
      value = anyValue(r, subEnd(r), depth);
      path.pop();
    } else r.skipType(tag & 7);
  }
  done(r, end);
  if (early >= 0) {
    r.pos = early;
    place.path.push(key ?? '');
    value = anyValue(r, subEnd(r), depth);
    place.path.pop();
    r.pos = end;
  }
  setAttr(into, key ?? '', value);
}

/** Resource: only its attributes matter to us. */
function resource(r: Reader, end: number): Attributes {
  const attrs: Attributes = {};
  let n = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | LEN) && n++ < limits.maxAttributes) keyValue(r, subEnd(r), attrs, 0);
    else skipOver(r, tag);
  }
  done(r, end);
  return attrs;
}

function scope(r: Reader, end: number): Scope {
  const s: Scope = { name: '', version: '' };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | LEN)) s.name = r.string();
    else if (tag === ((2 << 3) | LEN)) s.version = r.string();
    else r.skipType(tag & 7);
  }
  done(r, end);
  return s;
}

const EMPTY_ATTRS: Attributes = Object.freeze({}) as Attributes;
const EMPTY_SCOPE: Scope = Object.freeze({ name: '', version: '' });

function event(r: Reader, end: number, index: number): RawEvent {
  const ev: RawEvent = { name: '', timeUnixNanos: '0', attributes: {} };
  let n = 0;
  place.enter('events', index);
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 1: ev.timeUnixNanos = fixed64(r); break;
      case (2 << 3) | LEN: ev.name = r.string(); break;
      case (3 << 3) | LEN:
        if (n++ < limits.maxAttributes) keyValue(r, subEnd(r), ev.attributes, 0);
        else dropAttribute(r);
        break;
      default: r.skipType(tag & 7);
    }
  }
  done(r, end);
  place.enter('attributes');
  return ev;
}

function link(r: Reader, end: number, index: number): RawLink {
  const l: RawLink = { traceId: '', spanId: '', attributes: {} };
  let n = 0;
  place.enter('links', index);
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | LEN: l.traceId = hexId(r); break;
      case (2 << 3) | LEN: l.spanId = hexId(r); break;
      case (4 << 3) | LEN:
        if (n++ < limits.maxAttributes) keyValue(r, subEnd(r), l.attributes, 0);
        else dropAttribute(r);
        break;
      default: r.skipType(tag & 7);
    }
  }
  done(r, end);
  place.enter('attributes');
  return l;
}

function dropAttribute(r: Reader): void {
  cut.attributes++;
  r.skipType(LEN);
}

function status(r: Reader, end: number, span: RawSpan): void {
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((2 << 3) | LEN)) span.status.message = r.string();
    else if (tag === 3 << 3) span.status.code = statusCodeOf(r.int32());
    else r.skipType(tag & 7);
  }
  done(r, end);
}

/**
 * One Span, or null (counted in `res`) when its ids are unusable or its content cannot be read
 * (nested too deep, a broken field inside it): the span's own length is intact, so reading goes
 * on after it and its neighbours are kept.
 */
function span(r: Reader, end: number, res: DecodedTraces): RawSpan | null {
  const s: RawSpan = {
    traceId: '', spanId: '', parentSpanId: null, name: '', kind: 'unspecified',
    startUnixNanos: '0', endUnixNanos: '0', status: { code: 'unset', message: '' },
    attributes: {}, events: [], links: [], resource: EMPTY_ATTRS, scope: EMPTY_SCOPE,
  };
  cut.reset();
  place.reset();
  let parent: string;
  try {
    parent = spanFields(r, end, s);
  } catch (e) {
    r.pos = end;
    reject(res, `span "${shortName(s.name)}": ${(e as Error).message}`);
    return null;
  }
  const bad = idProblem(s.traceId, 16) ?? idProblem(s.spanId, 8);
  if (bad !== null) {
    reject(res, `span "${shortName(s.name)}": ${idProblem(s.traceId, 16) !== null ? 'trace_id' : 'span_id'} is ${bad}`);
    return null;
  }
  if (parent.length !== 0 && parent.length !== 16) {
    reject(res, `span "${shortName(s.name)}": parent_span_id has the wrong length`);
    return null;
  }
  s.parentSpanId = parentOrNull(parent);
  if (cut.any()) s.warnings = cut.warnings(limits);
  if (place.hints) s.valueTypes = place.hints;
  return s;
}

/** Reads a Span's fields into `s`; returns the parent span id. */
function spanFields(r: Reader, end: number, s: RawSpan): string {
  let parent = '';
  let attrs = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | LEN: s.traceId = hexId(r); break;
      case (2 << 3) | LEN: s.spanId = hexId(r); break;
      case (4 << 3) | LEN: parent = hexId(r); break;
      case (5 << 3) | LEN: s.name = r.string(); break;
      case 6 << 3: s.kind = spanKindOf(r.int32()); break;
      case (7 << 3) | 1: s.startUnixNanos = fixed64(r); break;
      case (8 << 3) | 1: s.endUnixNanos = fixed64(r); break;
      case (9 << 3) | LEN:
        if (attrs++ < limits.maxAttributes) keyValue(r, subEnd(r), s.attributes, 0);
        else dropAttribute(r);
        break;
      case (11 << 3) | LEN:
        if (s.events.length < limits.maxEvents) s.events.push(event(r, subEnd(r), s.events.length));
        else dropRecord(r, 'events');
        break;
      case (13 << 3) | LEN:
        if (s.links.length < limits.maxLinks) s.links.push(link(r, subEnd(r), s.links.length));
        else dropRecord(r, 'links');
        break;
      case (15 << 3) | LEN: status(r, subEnd(r), s); break;
      default: r.skipType(tag & 7);
    }
  }
  done(r, end);
  return parent;
}

function dropRecord(r: Reader, what: 'events' | 'links'): void {
  cut[what]++;
  r.skipType(LEN);
}

function scopeSpans(r: Reader, end: number, res: DecodedTraces): void {
  const first = res.spans.length;
  let sc: Scope = EMPTY_SCOPE;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((2 << 3) | LEN)) {
      const s = span(r, subEnd(r), res);
      if (s) res.spans.push(s);
    } else if (tag === ((1 << 3) | LEN)) sc = scope(r, subEnd(r));
    else r.skipType(tag & 7);
  }
  done(r, end);
  if (sc !== EMPTY_SCOPE) for (let i = first; i < res.spans.length; i++) res.spans[i]!.scope = sc;
}

/**
 * A resource (or scope) that cannot be read rejects the spans under it and nothing else; one
 * that lost attributes to the limits puts a warning on each of its spans.
 */
function resourceSpans(r: Reader, end: number, res: DecodedTraces): void {
  const first = res.spans.length;
  let rs: Attributes = EMPTY_ATTRS;
  let problem: string | null = null;
  let resourceWarnings: string[] | null = null;
  let resourceTypes: Record<string, ValueTypeHint> | null = null;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((2 << 3) | LEN)) {
      const scopeEnd = subEnd(r);
      try {
        scopeSpans(r, scopeEnd, res);
      } catch (e) {
        r.pos = scopeEnd;
        problem ??= `scope: ${(e as Error).message}`;
      }
    } else if (tag === ((1 << 3) | LEN)) {
      const resourceEnd = subEnd(r);
      cut.reset();
      place.reset();
      place.enter('resource');
      try {
        rs = resource(r, resourceEnd);
      } catch (e) {
        r.pos = resourceEnd;
        problem ??= `resource: ${(e as Error).message}`;
      }
      if (cut.any()) resourceWarnings = cut.warnings(limits, 'resource ');
      resourceTypes = place.hints;
    } else r.skipType(tag & 7);
  }
  done(r, end);
  if (problem !== null) {
    rejectFrom(res, first, problem);
    return;
  }
  for (let i = first; i < res.spans.length; i++) {
    const s = res.spans[i]!;
    s.resource = rs === EMPTY_ATTRS ? {} : rs;
    if (resourceWarnings) s.warnings = [...(s.warnings ?? []), ...resourceWarnings];
    if (resourceTypes) s.valueTypes = s.valueTypes ? { ...resourceTypes, ...s.valueTypes } : resourceTypes;
  }
}

/** Takes back the spans decoded since `first` and counts them as rejected. */
function rejectFrom(res: DecodedTraces, first: number, problem: string): void {
  const n = res.spans.length - first;
  res.spans.length = first;
  if (n > 0) reject(res, problem, n);
}

function wrap<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof OtlpDecodeError) throw e;
    throw new OtlpDecodeError(`cannot decode ${what} protobuf: ${(e as Error).message}`);
  }
}

/** Decodes an ExportTraceServiceRequest. Throws OtlpDecodeError when the body is not one. */
export function decodeTracesProto(body: Uint8Array, withLimits: OtlpLimits = DEFAULT_OTLP_LIMITS): DecodedTraces {
  limits = withLimits;
  return wrap('ExportTraceServiceRequest', () => {
    const r = reader(body);
    const res: DecodedTraces = { spans: [], count: 0, reasons: [] };
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | LEN)) resourceSpans(r, subEnd(r), res);
      else r.skipType(tag & 7);
    }
    return res;
  });
}

function logRecord(r: Reader, end: number, res: DecodedLogs): RawLogRecord | null {
  const l: RawLogRecord = {
    traceId: null, spanId: null, timeUnixNanos: '0', severityText: '', severityNumber: 0, eventName: '',
    body: null, attributes: {}, resource: EMPTY_ATTRS, scope: EMPTY_SCOPE,
  };
  const ids = { traceId: '', spanId: '', observed: '0' };
  try {
    logFields(r, end, l, ids);
  } catch (e) {
    r.pos = end;
    reject(res, `log record: ${(e as Error).message}`);
    return null;
  }
  return finishLog(l, ids.traceId, ids.spanId, ids.observed, res);
}

function logFields(r: Reader, end: number, l: RawLogRecord, ids: { traceId: string; spanId: string; observed: string }): void {
  let attrs = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 1: l.timeUnixNanos = fixed64(r); break;
      case (11 << 3) | 1: ids.observed = fixed64(r); break;
      case 2 << 3: l.severityNumber = r.int32(); break;
      case (3 << 3) | LEN: l.severityText = r.string(); break;
      case (5 << 3) | LEN: l.body = anyValue(r, subEnd(r), 0); break;
      case (6 << 3) | LEN:
        if (attrs++ < limits.maxAttributes) keyValue(r, subEnd(r), l.attributes, 0);
        else dropAttribute(r);
        break;
      case (9 << 3) | LEN: ids.traceId = hexId(r); break;
      case (10 << 3) | LEN: ids.spanId = hexId(r); break;
      case (12 << 3) | LEN: l.eventName = r.string(); break;
      default: r.skipType(tag & 7);
    }
  }
  done(r, end);
}

/** Shared by both readers: id checks, observed-time fallback, event.name fallback. */
export function finishLog(l: RawLogRecord, traceId: string, spanId: string, observed: string, res: DecodedLogs): RawLogRecord | null {
  if (traceId.length !== 0 && traceId.length !== 32) {
    reject(res, 'log record: trace_id has the wrong length');
    return null;
  }
  if (spanId.length !== 0 && spanId.length !== 16) {
    reject(res, 'log record: span_id has the wrong length');
    return null;
  }
  l.traceId = traceId.length === 0 || isAllZeroHex(traceId) ? null : traceId;
  l.spanId = spanId.length === 0 || isAllZeroHex(spanId) ? null : spanId;
  if (l.timeUnixNanos === '0') l.timeUnixNanos = observed;
  if (l.eventName === '') {
    const ev = l.attributes['event.name'];
    if (typeof ev === 'string') l.eventName = ev;
  }
  return l;
}

function scopeLogs(r: Reader, end: number, res: DecodedLogs): void {
  const first = res.logs.length;
  let sc: Scope = EMPTY_SCOPE;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((2 << 3) | LEN)) {
      const l = logRecord(r, subEnd(r), res);
      if (l) res.logs.push(l);
    } else if (tag === ((1 << 3) | LEN)) sc = scope(r, subEnd(r));
    else r.skipType(tag & 7);
  }
  done(r, end);
  if (sc !== EMPTY_SCOPE) for (let i = first; i < res.logs.length; i++) res.logs[i]!.scope = sc;
}

function resourceLogs(r: Reader, end: number, res: DecodedLogs): void {
  const first = res.logs.length;
  let rs: Attributes = EMPTY_ATTRS;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((2 << 3) | LEN)) scopeLogs(r, subEnd(r), res);
    else if (tag === ((1 << 3) | LEN)) rs = resource(r, subEnd(r));
    else r.skipType(tag & 7);
  }
  done(r, end);
  for (let i = first; i < res.logs.length; i++) res.logs[i]!.resource = rs === EMPTY_ATTRS ? {} : rs;
}

/** Decodes an ExportLogsServiceRequest. Throws OtlpDecodeError when the body is not one. */
export function decodeLogsProto(body: Uint8Array, withLimits: OtlpLimits = DEFAULT_OTLP_LIMITS): DecodedLogs {
  limits = withLimits;
  return wrap('ExportLogsServiceRequest', () => {
    const r = reader(body);
    const res: DecodedLogs = { logs: [], count: 0, reasons: [] };
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === ((1 << 3) | LEN)) resourceLogs(r, subEnd(r), res);
      else r.skipType(tag & 7);
    }
    return res;
  });
}

/** Decodes an ExportMetricsServiceRequest into data points (decodeMetrics.ts; not the hot path). */
export function decodeMetricsProto(body: Uint8Array): DecodedMetrics {
  return decodeMetricsProtoPoints(body);
}
