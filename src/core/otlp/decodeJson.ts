// OTLP/JSON reader (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
// ids are hex (any case), int64/fixed64 may be strings or numbers, enums ints or names, keys
// lowerCamelCase or the proto's snake_case, bytes base64. Unknown fields are ignored.
import type { AttrValue, Attributes, RawEvent, RawLink, RawLogRecord, RawSpan, Scope } from '../model';
import { finishLog } from './decodeProto';
import { OtlpDecodeError, reject, type DecodedLogs, type DecodedMetrics, type DecodedTraces } from './types';
import {
  MAX_VALUE_DEPTH, SPAN_KINDS, idProblem, int64FromString, normalizeHexId, parentOrNull, setAttr, spanKindOf, statusCodeOf,
} from './values';

type Obj = Record<string, unknown>;

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

/** A fixed64/int64 time as a decimal string ('0' when missing). */
function nanos(o: Obj, camel: string, snake: string, where: string): string {
  const v = get(o, camel, snake);
  if (v === undefined || v === null || v === '') return '0';
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v).toString();
  if (typeof v === 'string' && /^\d+$/.test(v)) return v.replace(/^0+(?=\d)/, '');
  throw new OtlpDecodeError(`${where}.${camel} must be an unsigned integer (string or number)`);
}

function int64(v: unknown, where: string): number | string {
  if (typeof v === 'number' && Number.isInteger(v)) return Number.isSafeInteger(v) ? v : BigInt(v).toString();
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return int64FromString(v.replace(/^(-?)0+(?=\d)/, '$1'));
  throw new OtlpDecodeError(`${where} must be an integer (string or number)`);
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
  if (depth > MAX_VALUE_DEPTH) throw new OtlpDecodeError('AnyValue nested too deeply');
  if (!isObj(v)) return null;
  let x: unknown;
  if ((x = get(v, 'stringValue', 'string_value')) !== undefined) {
    if (typeof x !== 'string') throw new OtlpDecodeError(`${where}.stringValue must be a string`);
    return x;
  }
  if ((x = get(v, 'boolValue', 'bool_value')) !== undefined) {
    if (typeof x !== 'boolean') throw new OtlpDecodeError(`${where}.boolValue must be a boolean`);
    return x;
  }
  if ((x = get(v, 'intValue', 'int_value')) !== undefined) return int64(x, `${where}.intValue`);
  if ((x = get(v, 'doubleValue', 'double_value')) !== undefined) {
    if (typeof x === 'number') return x;
    // Proto3 JSON spells non-finite doubles as strings.
    if (x === 'NaN' || x === 'Infinity' || x === '-Infinity' || (typeof x === 'string' && x.trim() !== '' && !Number.isNaN(Number(x)))) return Number(x);
    throw new OtlpDecodeError(`${where}.doubleValue must be a number`);
  }
  if ((x = get(v, 'arrayValue', 'array_value')) !== undefined) {
    if (!isObj(x)) return [];
    return arr(x, 'values', 'values', where).map((e) => anyValue(e, depth + 1, where));
  }
  if ((x = get(v, 'kvlistValue', 'kvlist_value')) !== undefined) {
    if (!isObj(x)) return {};
    return attributes(arr(x, 'values', 'values', where), depth + 1, where);
  }
  if ((x = get(v, 'bytesValue', 'bytes_value')) !== undefined) {
    if (typeof x !== 'string') throw new OtlpDecodeError(`${where}.bytesValue must be a base64 string`);
    // Re-encode so url-safe or unpadded input comes out as standard base64.
    return Buffer.from(x, 'base64').toString('base64');
  }
  return null;
}

function attributes(list: unknown[], depth: number, where: string): Attributes {
  const out: Attributes = {};
  for (const kv of list) {
    if (!isObj(kv)) throw new OtlpDecodeError(`${where}: attribute must be an object`);
    const key = kv.key;
    if (typeof key !== 'string') throw new OtlpDecodeError(`${where}: attribute key must be a string`);
    setAttr(out, key, anyValue(kv.value, depth, `${where}[${key}]`));
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

function span(o: unknown, resource: Attributes, scope: Scope, res: DecodedTraces, where: string): RawSpan | null {
  if (!isObj(o)) throw new OtlpDecodeError(`${where} must be an object`);
  const name = str(o, 'name', 'name', where);
  const traceId = hexField(o, 'traceId', 'trace_id', where);
  const spanId = hexField(o, 'spanId', 'span_id', where);
  const parent = hexField(o, 'parentSpanId', 'parent_span_id', where);
  const bad = traceId === null ? 'trace_id is not hex' : idProblem(traceId, 16) !== null ? `trace_id is ${idProblem(traceId, 16)}`
    : spanId === null ? 'span_id is not hex' : idProblem(spanId, 8) !== null ? `span_id is ${idProblem(spanId, 8)}`
    : parent === null || (parent.length !== 0 && parent.length !== 16) ? 'parent_span_id is invalid' : null;
  if (bad !== null) {
    reject(res, `span "${name}": ${bad}`);
    return null;
  }
  const st = obj(o, 'status', 'status', where);
  const events: RawEvent[] = arr(o, 'events', 'events', where).map((e, i) => {
    const w = `${where}.events[${i}]`;
    if (!isObj(e)) throw new OtlpDecodeError(`${w} must be an object`);
    return { name: str(e, 'name', 'name', w), timeUnixNanos: nanos(e, 'timeUnixNano', 'time_unix_nano', w), attributes: attrsOf(e, w) };
  });
  const links: RawLink[] = arr(o, 'links', 'links', where).map((l, i) => {
    const w = `${where}.links[${i}]`;
    if (!isObj(l)) throw new OtlpDecodeError(`${w} must be an object`);
    return {
      traceId: hexField(l, 'traceId', 'trace_id', w) ?? '',
      spanId: hexField(l, 'spanId', 'span_id', w) ?? '',
      attributes: attrsOf(l, w),
    };
  });
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
    attributes: attrsOf(o, where),
    events,
    links,
    resource,
    scope,
  };
}

/** Decodes an ExportTraceServiceRequest in OTLP/JSON. Throws OtlpDecodeError when it is not one. */
export function decodeTracesJson(body: Uint8Array | string): DecodedTraces {
  const root = parse(body);
  const res: DecodedTraces = { spans: [], count: 0, reasons: [] };
  arr(root, 'resourceSpans', 'resource_spans', 'request').forEach((rs, i) => {
    const w = `resourceSpans[${i}]`;
    if (!isObj(rs)) throw new OtlpDecodeError(`${w} must be an object`);
    const resource = resourceOf(rs, w);
    arr(rs, 'scopeSpans', 'scope_spans', w).forEach((ss, j) => {
      const w2 = `${w}.scopeSpans[${j}]`;
      if (!isObj(ss)) throw new OtlpDecodeError(`${w2} must be an object`);
      const scope = scopeOf(ss, w2);
      arr(ss, 'spans', 'spans', w2).forEach((sp, k) => {
        const s = span(sp, resource, scope, res, `${w2}.spans[${k}]`);
        if (s) res.spans.push(s);
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
export function decodeLogsJson(body: Uint8Array | string): DecodedLogs {
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
        const l = logRecord(lr, resource, scope, res, `${w2}.logRecords[${k}]`);
        if (l) res.logs.push(l);
      });
    });
  });
  return res;
}

/** Checks an ExportMetricsServiceRequest in OTLP/JSON has the right outer shape; stores nothing. */
export function decodeMetricsJson(body: Uint8Array | string): DecodedMetrics {
  const root = parse(body);
  return { resourceMetrics: arr(root, 'resourceMetrics', 'resource_metrics', 'request').length };
}
