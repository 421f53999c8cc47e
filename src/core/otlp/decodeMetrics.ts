// OTLP metrics reader (ExportMetricsServiceRequest) for both encodings: protobuf is decoded by
// our schema (schema.ts) into a plain object with snake_case keys and 64-bit integers as decimal
// strings, OTLP/JSON is parsed as is (lowerCamelCase or snake_case, int64 as string or number,
// enums as numbers or names); one walk reads both into MetricPoint. Metrics are not the hot path
// (a few exports a minute), so a generic decode is fine here.
// Bounds: data points per request, attributes per point and resource, value length, buckets per
// histogram. A data point that cannot be read (a histogram whose counts do not match its bounds,
// a non-numeric value) is rejected alone and counted in partial_success; a body that is not a
// request at all is an OtlpDecodeError (400).
import type { AttrValue, Attributes } from '../model';
import type { MetricPoint, MetricType, Temporality } from '../metrics';
import { otlpType, TYPE } from './schema';
import { OtlpDecodeError, reject, type DecodedMetrics } from './types';

/** Data points kept per request; the rest are rejected (counted). */
export const MAX_POINTS_PER_REQUEST = 10_000;
/** Attributes kept per data point and per resource (metrics are summarized by attribute set, so few matter). */
export const MAX_METRIC_ATTRIBUTES = 32;
const MAX_METRIC_VALUE_LENGTH = 256;
const MAX_BUCKETS = 500;
const MAX_NAME = 256;

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const get = (o: Obj, camel: string, snake: string): unknown => (o[camel] !== undefined ? o[camel] : o[snake]);

function list(o: Obj, camel: string, snake: string, where: string): unknown[] {
  const v = get(o, camel, snake);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`${where}.${camel} must be an array`);
  return v;
}

class PointError extends Error {}

/** A number from a JSON number, a decimal string (int64/fixed64) or a protobuf double. */
function num(v: unknown, what: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new PointError(`${what} is not a finite number`);
    return v;
  }
  // JSON numbers in OTLP/JSON may arrive as strings ("NaN"/"Infinity" for doubles too): bounded length.
  if (typeof v === 'string' && v.length <= 32 && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v)) return Number(v);
  throw new PointError(`${what} is not a number`);
}

const nanos = (v: unknown): string => (typeof v === 'string' && /^\d{1,20}$/.test(v) ? v : typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? String(v) : '0');

const cutText = (s: string): string => (s.length > MAX_METRIC_VALUE_LENGTH ? `${s.slice(0, MAX_METRIC_VALUE_LENGTH)}…` : s);

/** An AnyValue as a scalar: nested values become their (cut) JSON text. */
function scalar(v: unknown): AttrValue {
  if (!isObj(v)) return null;
  const s = get(v, 'stringValue', 'string_value');
  if (typeof s === 'string') return cutText(s);
  const b = get(v, 'boolValue', 'bool_value');
  if (typeof b === 'boolean') return b;
  const i = get(v, 'intValue', 'int_value');
  if (i !== undefined && i !== null) {
    const n = typeof i === 'number' ? i : Number(i);
    return Number.isSafeInteger(n) ? n : cutText(String(i));
  }
  const d = get(v, 'doubleValue', 'double_value');
  if (typeof d === 'number') return d;
  for (const [camel, snake] of [['arrayValue', 'array_value'], ['kvlistValue', 'kvlist_value'], ['bytesValue', 'bytes_value']] as const) {
    const x = get(v, camel, snake);
    if (x !== undefined && x !== null) return cutText(typeof x === 'string' ? x : JSON.stringify(x));
  }
  return null;
}

function attributes(kvs: unknown[]): Attributes {
  const out: Attributes = {};
  let n = 0;
  for (const kv of kvs) {
    if (n >= MAX_METRIC_ATTRIBUTES) break;
    if (!isObj(kv) || typeof kv.key !== 'string') continue;
    out[cutText(kv.key)] = scalar(kv.value);
    n++;
  }
  return out;
}

const TEMPORALITY: Record<string, Temporality> = {
  '1': 'delta', '2': 'cumulative', AGGREGATION_TEMPORALITY_DELTA: 'delta', AGGREGATION_TEMPORALITY_CUMULATIVE: 'cumulative',
};

interface MetricShape {
  type: MetricType;
  body: Obj;
}

function shapeOf(m: Obj): MetricShape | null {
  const kinds: [MetricType, string, string][] = [
    ['gauge', 'gauge', 'gauge'], ['sum', 'sum', 'sum'], ['histogram', 'histogram', 'histogram'],
    ['exponential_histogram', 'exponentialHistogram', 'exponential_histogram'], ['summary', 'summary', 'summary'],
  ];
  for (const [type, camel, snake] of kinds) {
    const body = get(m, camel, snake);
    if (isObj(body)) return { type, body };
  }
  return null;
}

function point(p: unknown, shape: MetricShape, base: Omit<MetricPoint, 'attributes' | 'startUnixNanos' | 'timeUnixNanos' | 'value' | 'count' | 'sum' | 'min' | 'max' | 'buckets'>): MetricPoint {
  if (!isObj(p)) throw new PointError('a data point must be an object');
  const out: MetricPoint = {
    ...base,
    attributes: attributes(list(p, 'attributes', 'attributes', 'dataPoint')),
    startUnixNanos: nanos(get(p, 'startTimeUnixNano', 'start_time_unix_nano')),
    timeUnixNanos: nanos(get(p, 'timeUnixNano', 'time_unix_nano')),
    value: null, count: null, sum: null, min: null, max: null, buckets: null,
  };
  if (shape.type === 'gauge' || shape.type === 'sum') {
    out.value = num(get(p, 'asDouble', 'as_double'), 'asDouble') ?? num(get(p, 'asInt', 'as_int'), 'asInt') ?? 0;
    return out;
  }
  out.count = num(get(p, 'count', 'count'), 'count') ?? 0;
  out.sum = num(get(p, 'sum', 'sum'), 'sum');
  out.min = num(get(p, 'min', 'min'), 'min');
  out.max = num(get(p, 'max', 'max'), 'max');
  if (out.count < 0) throw new PointError('count is negative');
  if (shape.type === 'histogram') {
    const counts = list(p, 'bucketCounts', 'bucket_counts', 'dataPoint').map((c) => num(c, 'bucketCounts') ?? 0);
    const bounds = list(p, 'explicitBounds', 'explicit_bounds', 'dataPoint').map((b) => num(b, 'explicitBounds') ?? 0);
    if (counts.length > 0) {
      if (counts.length !== bounds.length + 1) throw new PointError(`a histogram has ${counts.length} bucket counts for ${bounds.length} bounds (expected ${bounds.length + 1})`);
      if (counts.length <= MAX_BUCKETS) out.buckets = { bounds, counts };
    }
  }
  return out;
}

/** Walks a request object (either encoding's form) into data points; bad points are rejected alone. */
function walk(root: Obj): DecodedMetrics {
  const res: DecodedMetrics = { resourceMetrics: 0, points: [], count: 0, reasons: [] };
  list(root, 'resourceMetrics', 'resource_metrics', 'request').forEach((rm, i) => {
    const w = `resourceMetrics[${i}]`;
    if (!isObj(rm)) throw new OtlpDecodeError(`${w} must be an object`);
    res.resourceMetrics++;
    const r = get(rm, 'resource', 'resource');
    const resource = isObj(r) ? attributes(list(r, 'attributes', 'attributes', `${w}.resource`)) : {};
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : 'unknown_service';
    list(rm, 'scopeMetrics', 'scope_metrics', w).forEach((sm, j) => {
      if (!isObj(sm)) throw new OtlpDecodeError(`${w}.scopeMetrics[${j}] must be an object`);
      for (const m of list(sm, 'metrics', 'metrics', `${w}.scopeMetrics[${j}]`)) readMetric(m, resource, service, res);
    });
  });
  return res;
}

function readMetric(m: unknown, resource: Attributes, service: string, res: DecodedMetrics): void {
  const name = isObj(m) && typeof m.name === 'string' ? m.name : '';
  const shape = isObj(m) ? shapeOf(m) : null;
  if (!isObj(m) || name === '' || !shape) {
    reject(res, 'a metric without a name or data (gauge, sum, histogram, exponential histogram or summary)');
    return;
  }
  const temporality = TEMPORALITY[String(get(shape.body, 'aggregationTemporality', 'aggregation_temporality') ?? '')] ?? (shape.type === 'gauge' ? 'unspecified' : 'unspecified');
  const base = { name: cutText(name).slice(0, MAX_NAME), unit: typeof m.unit === 'string' ? cutText(m.unit) : '', type: shape.type, temporality, service, resource };
  for (const p of list(shape.body, 'dataPoints', 'data_points', name)) {
    if (res.points.length >= MAX_POINTS_PER_REQUEST) {
      reject(res, `more than ${MAX_POINTS_PER_REQUEST} data points in one request`);
      continue;
    }
    try {
      res.points.push(point(p, shape, base));
    } catch (e) {
      if (!(e instanceof PointError) && !(e instanceof OtlpDecodeError)) throw e;
      reject(res, `metric ${cutText(name)}: ${e.message}`);
    }
  }
}

/** Decodes an ExportMetricsServiceRequest in protobuf. Throws OtlpDecodeError when the body is not one. */
export function decodeMetricsProtoPoints(body: Uint8Array): DecodedMetrics {
  let root: Obj;
  try {
    const type = otlpType(TYPE.metricsRequest);
    root = type.toObject(type.decode(body), { longs: String, enums: Number, bytes: String, defaults: false, arrays: false }) as Obj;
  } catch (e) {
    throw new OtlpDecodeError(`cannot decode ExportMetricsServiceRequest protobuf: ${(e as Error).message}`);
  }
  return walk(root);
}

/** Decodes an ExportMetricsServiceRequest in OTLP/JSON. */
export function decodeMetricsJsonPoints(root: Obj): DecodedMetrics {
  return walk(root);
}
