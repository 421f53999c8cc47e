// OTLP/JSON reader (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
// ids are hex (any case), int64/fixed64 may be strings or numbers, enums ints or names, keys
// lowerCamelCase or the proto's snake_case, bytes base64. Unknown fields are ignored.
import type { AttrValue, Attributes, RawEvent, RawLink, RawLogRecord, RawSpan, Scope, ValueTypeHint } from '../model';
import { finishLog } from './decodeProto';
import { decodeMetricsJsonPoints } from './decodeMetrics';
import { DEFAULT_OTLP_LIMITS, Truncation, ValuePlace, cutString, shortName, type OtlpLimits } from './limits';
import { OtlpDecodeError, reject, type DecodedLogs, type DecodedMetrics, type DecodedTraces } from './types';
import {
  SPAN_KINDS, idProblem, int64FromString, normalizeHexId, parentOrNull, setAttr, spanKindOf, statusCodeOf,
} from './values';

type Obj = Record<string, unknown>;

// Decoding is synchronous: the current request's limits and what the current span lost to them.
let limits: OtlpLimits = DEFAULT_OTLP_LIMITS;
const cut = new Truncation();
const place = new ValuePlace();

// Limits as digit strings: for equal lengths, string order is numeric order (no BigInt per value).
const UINT64_MAX = '18446744073709551615';
const INT64_MAX = '9223372036854775807';
const INT64_MIN_ABS = '9223372036854775808';

/** `digits` (no sign, no leading zeros) ≤ `max` (same form). */
function atMost(digits: string, max: string): boolean {
  return digits.length < max.length || (digits.length === max.length && digits <= max);
}
const DIGITS = /^\d+$/;
const SIGNED_DIGITS = /^-?\d+$/;

/** The first `max` items of a list, counting the rest as dropped. */
function capped<T>(list: T[], max: number, what: 'attributes' | 'events' | 'links'): T[] {
  if (list.length <= max) return list;
  cut[what] += list.length - max;
  return list.slice(0, max);
}

/** Drops leading zeros of a digit string (linear; no backtracking). */
function trimZeros(digits: string): string {
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 48) i++;
  return i === 0 ? digits : digits.slice(i);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A field by its lowerCamelCase or snake_case name. */
function get(o: Obj, camel: string, snake: string): unknown {
  const v = o[camel];
  return v !== undefined ? v : o[snake];
}

function arr(o: Obj, camel: string, snake: string, where: string): unknown[] {
  const v = get(o, camel, snake);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`${where}.${camel} must be an array`);
  return v;
}

function obj(o: Obj, camel: string, snake: string, where: string): Obj | undefined {
  const v = get(o, camel, snake);
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new OtlpDecodeError(`${where}.${camel} must be an object`);
  return v;
}

function str(o: Obj, camel: string, snake: string, where: string): string {
  const v = get(o, camel, snake);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new OtlpDecodeError(`${where}.${camel} must be a string`);
  return v;
}

/**
 * A fixed64 time as a decimal string ('0' when missing). Anything but an integer in uint64's
 * range is refused (its span is rejected): a 10-million-digit value must not reach the store.
 */
function nanos(o: Obj, camel: string, snake: string, where: string): string {
  const v = get(o, camel, snake);
  if (v === undefined || v === null || v === '') return '0';
  let digits: string | null = null;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 2 ** 64) digits = BigInt(v).toString();
  else if (typeof v === 'string' && v.length <= 64 && DIGITS.test(v)) digits = trimZeros(v);
  if (digits === null || !atMost(digits, UINT64_MAX)) {
    throw new OtlpDecodeError(`${where}.${camel} must be an unsigned 64-bit integer (string or number)`);
  }
  return digits;
}

function int64(v: unknown, where: string): number | string {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  let digits: string | null = null;
  if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63) digits = BigInt(v).toString();
  else if (typeof v === 'string' && v.length <= 64 && SIGNED_DIGITS.test(v)) digits = v.startsWith('-') ? `-${trimZeros(v.slice(1))}` : trimZeros(v);
  if (digits === null || !(digits.startsWith('-') ? atMost(digits.slice(1), INT64_MIN_ABS) : atMost(digits, INT64_MAX))) {
    throw new OtlpDecodeError(`${where} must be a 64-bit integer (string or number)`);
  }
  return int64FromString(digits === '-0' ? '0' : digits);
}

/** An enum given as its number or its full/short name. */
function enumValue(v: unknown, names: readonly string[], prefix: string, where: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    const up = v.toUpperCase();
    const short = up.startsWith(prefix) ? up.slice(prefix.length) : up;
    const i = names.findIndex((n) => n.toUpperCase() === short);
    if (i >= 0) return i;
    if (/^\d+$/.test(v)) return Number(v);
  }
  throw new OtlpDecodeError(`${where} has an unknown value ${JSON.stringify(v)}`);
}

const STATUS_NAMES = ['unset', 'ok', 'error'];

function anyValue(v: unknown, depth: number, where: string): AttrValue {
  if (depth > limits.maxValueDepth) throw new OtlpDecodeError(`an attribute value is nested more than ${limits.maxValueDepth} deep`);
  if (!isObj(v)) return null;
  let x: unknown;
  if ((x = get(v, 'stringValue', 'string_value')) !== undefined) {
    if (typeof x !== 'string') throw new OtlpDecodeError(`${where}.stringValue must be a string`);
    if (x.length > limits.maxValueLength) {
      cut.values++;
      return cutString(x, limits.maxValueLength);
    }
    return x;
  }
  if ((x = get(v, 'boolValue', 'bool_value')) !== undefined) {
    if (typeof x !== 'boolean') throw new OtlpDecodeError(`${where}.boolValue must be a boolean`);
    return x;
  }
  if ((x = get(v, 'intValue', 'int_value')) !== undefined) {
    const n = int64(x, `${where}.intValue`);
    if (typeof n === 'string') place.hint('int');
    return n;
  }
  if ((x = get(v, 'doubleValue', 'double_value')) !== undefined) {
    let d: number;
    if (typeof x === 'number') d = x;
    // Proto3 JSON spells non-finite doubles as strings.
    else if (x === 'NaN' || x === 'Infinity' || x === '-Infinity' || (typeof x === 'string' && x.trim() !== '' && !Number.isNaN(Number(x)))) d = Number(x);
    else throw new OtlpDecodeError(`${where}.doubleValue must be a number`);
    if (Number.isInteger(d)) place.hint('double');
    return d;
  }
  if ((x = get(v, 'arrayValue', 'array_value')) !== undefined) {
    if (!isObj(x)) return [];
    return capped(arr(x, 'values', 'values', where), limits.maxAttributes, 'attributes').map((e, i) => {
      place.path.push(i);
      const item = anyValue(e, depth + 1, where);
      place.path.pop();
      return item;
    });
  }
  if ((x = get(v, 'kvlistValue', 'kvlist_value')) !== undefined) {
    if (!isObj(x)) return {};
    return attributes(arr(x, 'values', 'values', where), depth + 1, where);
  }
  if ((x = get(v, 'bytesValue', 'bytes_value')) !== undefined) {
    if (typeof x !== 'string') throw new OtlpDecodeError(`${where}.bytesValue must be a base64 string`);
    // Re-encode so url-safe or unpadded input comes out as standard base64.
    let bytes = Buffer.from(x, 'base64');
    if (bytes.length > limits.maxValueLength) {
      cut.values++;
      bytes = bytes.subarray(0, limits.maxValueLength);
    }
    place.hint('bytes');
    return bytes.toString('base64');
  }
  return null;
}

function attributes(list: unknown[], depth: number, where: string): Attributes {
  const out: Attributes = {};
  for (const kv of capped(list, limits.maxAttributes, 'attributes')) {
    if (!isObj(kv)) throw new OtlpDecodeError(`${where}: attribute must be an object`);
    const key = kv.key;
    if (typeof key !== 'string') throw new OtlpDecodeError(`${where}: attribute key must be a string`);
    place.path.push(key);
    setAttr(out, key, anyValue(kv.value, depth, `${where}[${key}]`));
    place.path.pop();
  }
  return out;
}

function attrsOf(o: Obj, where: string): Attributes {
  return attributes(arr(o, 'attributes', 'attributes', where), 0, where);
}

/** Hex id ('' when missing) or null when it is not hex. */
function hexField(o: Obj, camel: string, snake: string, _where: string): string | null {
  const v = get(o, camel, snake);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') return null;
  return normalizeHexId(v);
}

function scopeOf(o: Obj, where: string): Scope {
  const s = obj(o, 'scope', 'scope', where);
  if (!s) return { name: '', version: '' };
  return { name: str(s, 'name', 'name', `${where}.scope`), version: str(s, 'version', 'version', `${where}.scope`) };
}

function resourceOf(o: Obj, where: string): Attributes {
  const r = obj(o, 'resource', 'resource', where);
  return r ? attrsOf(r, `${where}.resource`) : {};
}

function parse(body: Uint8Array | string): Obj {
  let v: unknown;
  try {
    v = JSON.parse(typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (e) {
    throw new OtlpDecodeError(`cannot parse JSON: ${(e as Error).message}`);
  }
  if (!isObj(v)) throw new OtlpDecodeError('the request must be a JSON object');
  return v;
}

/** One span, or null (counted in `res`) when it is unusable; its neighbours are kept either way. */
function span(o: unknown, resource: Attributes, scope: Scope, res: DecodedTraces, where: string): RawSpan | null {
  cut.reset();
  place.reset();
  try {
    const s = spanOf(o, resource, scope, res, where);
    if (!s) return null;
    if (cut.any()) s.warnings = cut.warnings(limits);
    if (place.hints) s.valueTypes = place.hints;
    return s;
  } catch (e) {
    if (!(e instanceof OtlpDecodeError)) throw e;
    const name = isObj(o) && typeof o.name === 'string' ? o.name : '';
    reject(res, `span "${shortName(name)}": ${e.message}`);
    return null;
  }
}

function spanOf(o: unknown, resource: Attributes, scope: Scope, res: DecodedTraces, where: string): RawSpan | null {
  if (!isObj(o)) throw new OtlpDecodeError(`${where} must be an object`);
  const name = str(o, 'name', 'name', where);
  const traceId = hexField(o, 'traceId', 'trace_id', where);
  const spanId = hexField(o, 'spanId', 'span_id', where);
  const parent = hexField(o, 'parentSpanId', 'parent_span_id', where);
  const bad = traceId === null ? 'trace_id is not hex' : idProblem(traceId, 16) !== null ? `trace_id is ${idProblem(traceId, 16)}`
    : spanId === null ? 'span_id is not hex' : idProblem(spanId, 8) !== null ? `span_id is ${idProblem(spanId, 8)}`
    : parent === null || (parent.length !== 0 && parent.length !== 16) ? 'parent_span_id is invalid' : null;
  if (bad !== null) {
    reject(res, `span "${shortName(name)}": ${bad}`);
    return null;
  }
  const st = obj(o, 'status', 'status', where);
  const events: RawEvent[] = capped(arr(o, 'events', 'events', where), limits.maxEvents, 'events').map((e, i) => {
    const w = `${where}.events[${i}]`;
    if (!isObj(e)) throw new OtlpDecodeError(`${w} must be an object`);
    place.enter('events', i);
    return { name: str(e, 'name', 'name', w), timeUnixNanos: nanos(e, 'timeUnixNano', 'time_unix_nano', w), attributes: attrsOf(e, w) };
  });
  const links: RawLink[] = capped(arr(o, 'links', 'links', where), limits.maxLinks, 'links').map((l, i) => {
    const w = `${where}.links[${i}]`;
    if (!isObj(l)) throw new OtlpDecodeError(`${w} must be an object`);
    place.enter('links', i);
    return {
      traceId: hexField(l, 'traceId', 'trace_id', w) ?? '',
      spanId: hexField(l, 'spanId', 'span_id', w) ?? '',
      attributes: attrsOf(l, w),
    };
  });
  place.enter('attributes');
  const attributes = attrsOf(o, where);
  return {
    traceId: traceId!,
    spanId: spanId!,
    parentSpanId: parentOrNull(parent!),
    name,
    kind: spanKindOf(enumValue(get(o, 'kind', 'kind'), SPAN_KINDS, 'SPAN_KIND_', `${where}.kind`)),
    startUnixNanos: nanos(o, 'startTimeUnixNano', 'start_time_unix_nano', where),
    endUnixNanos: nanos(o, 'endTimeUnixNano', 'end_time_unix_nano', where),
    status: st
      ? { code: statusCodeOf(enumValue(get(st, 'code', 'code'), STATUS_NAMES, 'STATUS_CODE_', `${where}.status.code`)), message: str(st, 'message', 'message', `${where}.status`) }
      : { code: 'unset', message: '' },
    attributes,
    events,
    links,
    resource,
    scope,
  };
}

/**
 * A resource that cannot be read rejects the spans under it (and only those); one that lost
 * attributes to the limits puts a warning on each of its spans.
 */
function resourceOrRejection(rs: Obj, where: string):
  { resource: Attributes; warnings: string[] | null; types: Record<string, ValueTypeHint> | null } | { problem: string } {
  cut.reset();
  place.reset();
  place.enter('resource');
  try {
    const resource = resourceOf(rs, where);
    return { resource, warnings: cut.any() ? cut.warnings(limits, 'resource ') : null, types: place.hints };
  } catch (e) {
    if (!(e instanceof OtlpDecodeError)) throw e;
    return { problem: `resource: ${e.message}` };
  }
}

function countSpans(rs: Obj, where: string): number {
  return arr(rs, 'scopeSpans', 'scope_spans', where).reduce<number>((n, ss) => n + (isObj(ss) ? arr(ss, 'spans', 'spans', where).length : 0), 0);
}

/** Decodes an ExportTraceServiceRequest in OTLP/JSON. Throws OtlpDecodeError when it is not one. */
export function decodeTracesJson(body: Uint8Array | string, withLimits: OtlpLimits = DEFAULT_OTLP_LIMITS): DecodedTraces {
  limits = withLimits;
  const root = parse(body);
  const res: DecodedTraces = { spans: [], count: 0, reasons: [] };
  arr(root, 'resourceSpans', 'resource_spans', 'request').forEach((rs, i) => {
    const w = `resourceSpans[${i}]`;
    if (!isObj(rs)) throw new OtlpDecodeError(`${w} must be an object`);
    const r = resourceOrRejection(rs, w);
    if ('problem' in r) {
      const n = countSpans(rs, w);
      if (n > 0) reject(res, r.problem, n);
      return;
    }
    arr(rs, 'scopeSpans', 'scope_spans', w).forEach((ss, j) => {
      const w2 = `${w}.scopeSpans[${j}]`;
      if (!isObj(ss)) throw new OtlpDecodeError(`${w2} must be an object`);
      const scope = scopeOf(ss, w2);
      arr(ss, 'spans', 'spans', w2).forEach((sp, k) => {
        const s = span(sp, r.resource, scope, res, `${w2}.spans[${k}]`);
        if (!s) return;
        if (r.warnings) s.warnings = [...(s.warnings ?? []), ...r.warnings];
        if (r.types) s.valueTypes = s.valueTypes ? { ...r.types, ...s.valueTypes } : r.types;
        res.spans.push(s);
      });
    });
  });
  return res;
}

function logRecord(o: unknown, resource: Attributes, scope: Scope, res: DecodedLogs, where: string): RawLogRecord | null {
  if (!isObj(o)) throw new OtlpDecodeError(`${where} must be an object`);
  const traceId = hexField(o, 'traceId', 'trace_id', where);
  const spanId = hexField(o, 'spanId', 'span_id', where);
  if (traceId === null || spanId === null) {
    reject(res, 'log record: trace_id or span_id is not hex');
    return null;
  }
  const sev = get(o, 'severityNumber', 'severity_number');
  const l: RawLogRecord = {
    traceId: null,
    spanId: null,
    timeUnixNanos: nanos(o, 'timeUnixNano', 'time_unix_nano', where),
    severityText: str(o, 'severityText', 'severity_text', where),
    severityNumber: sev === undefined || sev === null ? 0 : typeof sev === 'number' ? sev : enumValue(sev, SEVERITY_NAMES, 'SEVERITY_NUMBER_', `${where}.severityNumber`),
    eventName: str(o, 'eventName', 'event_name', where),
    body: anyValue(get(o, 'body', 'body'), 0, `${where}.body`),
    attributes: attrsOf(o, where),
    resource,
    scope,
  };
  return finishLog(l, traceId, spanId, nanos(o, 'observedTimeUnixNano', 'observed_time_unix_nano', where), res);
}

// SeverityNumber names in order (0 = UNSPECIFIED, then TRACE, TRACE2 … FATAL4).
const SEVERITY_NAMES = ['UNSPECIFIED', ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((n) => [n, `${n}2`, `${n}3`, `${n}4`])];

/** Decodes an ExportLogsServiceRequest in OTLP/JSON. Throws OtlpDecodeError when it is not one. */
export function decodeLogsJson(body: Uint8Array | string, withLimits: OtlpLimits = DEFAULT_OTLP_LIMITS): DecodedLogs {
  limits = withLimits;
  const root = parse(body);
  const res: DecodedLogs = { logs: [], count: 0, reasons: [] };
  arr(root, 'resourceLogs', 'resource_logs', 'request').forEach((rl, i) => {
    const w = `resourceLogs[${i}]`;
    if (!isObj(rl)) throw new OtlpDecodeError(`${w} must be an object`);
    const resource = resourceOf(rl, w);
    arr(rl, 'scopeLogs', 'scope_logs', w).forEach((sl, j) => {
      const w2 = `${w}.scopeLogs[${j}]`;
      if (!isObj(sl)) throw new OtlpDecodeError(`${w2} must be an object`);
      const scope = scopeOf(sl, w2);
      arr(sl, 'logRecords', 'log_records', w2).forEach((lr, k) => {
        try {
          const l = logRecord(lr, resource, scope, res, `${w2}.logRecords[${k}]`);
          if (l) res.logs.push(l);
        } catch (e) {
          if (!(e instanceof OtlpDecodeError)) throw e;
          reject(res, `log record: ${e.message}`);
        }
      });
    });
  });
  return res;
}

/** Decodes an ExportMetricsServiceRequest in OTLP/JSON into data points (decodeMetrics.ts). */
export function decodeMetricsJson(body: Uint8Array | string): DecodedMetrics {
  return decodeMetricsJsonPoints(parse(body));
}
