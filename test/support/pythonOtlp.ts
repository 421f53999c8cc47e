// Encodes a Python-instrumentation fixture (test/fixtures/conventions/python/*.json) the way
// the Python OTLP exporters put it on the wire: http/protobuf (opentelemetry-exporter-otlp-proto-http,
// the default) with typed AnyValues, byte ids and fixed64 times; and OTLP/JSON with hex ids,
// int64 as decimal strings and log records carrying `eventName`. Sent with plain fetch to one
// of our receivers, as the exporter would.
import * as http from 'node:http';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { otlpType, TYPE } from '../../src/core/otlp/schema';

export type FixtureValue = string | number | boolean | null | FixtureValue[] | { [k: string]: FixtureValue };

export interface FixtureSpan {
  id: string;
  parent: string | null;
  name: string;
  kind: 'internal' | 'client' | 'server';
  startMs: number;
  endMs: number;
  attributes: Record<string, FixtureValue>;
  status?: { code: 'unset' | 'ok' | 'error'; message?: string };
  scope?: { name: string; version: string };
  events?: Array<{ name: string; timeMs: number; attributes: Record<string, FixtureValue> }>;
}

export interface FixtureLog {
  span: string;
  timeMs: number;
  eventName?: string;
  attributes: Record<string, FixtureValue>;
  body: FixtureValue;
}

export interface PythonFixture {
  format: string;
  source: Array<Record<string, string>>;
  resource: Record<string, FixtureValue>;
  scope: { name: string; version: string };
  spans: FixtureSpan[];
  logs: FixtureLog[];
}

export const PYTHON_FIXTURES = path.resolve(__dirname, '../fixtures/conventions/python');

export function loadFixture(file: string): PythonFixture {
  return JSON.parse(fs.readFileSync(path.join(PYTHON_FIXTURES, file), 'utf8')) as PythonFixture;
}

const BASE_NS = 1_796_000_000_000_000_000n;
const KIND = { internal: 1, server: 2, client: 3 } as const;
const STATUS = { unset: 0, ok: 1, error: 2 } as const;

/** Deterministic ids: the trace id names the run, each span id its fixture id within it. */
function spanIdHex(traceHex: string, id: string): string {
  let h = 0x811c9dc5;
  for (const ch of `${traceHex}/${id}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return (h.toString(16).padStart(8, '0') + traceHex.slice(0, 8)).slice(0, 16);
}

const ns = (ms: number): string => String(BASE_NS + BigInt(Math.round(ms * 1_000_000)));

// Python's SDK maps bool, int, float, str and homogeneous sequences; the log body may be a mapping.
function anyValue(v: FixtureValue, json: boolean): Record<string, unknown> {
  if (typeof v === 'string') return json ? { stringValue: v } : { string_value: v };
  if (typeof v === 'boolean') return json ? { boolValue: v } : { bool_value: v };
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return json ? { intValue: String(v) } : { int_value: String(v) };
    return json ? { doubleValue: v } : { double_value: v };
  }
  if (v === null) return {};
  if (Array.isArray(v)) {
    const values = v.map((x) => anyValue(x, json));
    return json ? { arrayValue: { values } } : { array_value: { values } };
  }
  const values = Object.entries(v).map(([key, x]) => ({ key, value: anyValue(x, json) }));
  return json ? { kvlistValue: { values } } : { kvlist_value: { values } };
}

const keyValues = (attrs: Record<string, FixtureValue>, json: boolean) =>
  Object.entries(attrs).filter(([, v]) => v !== null).map(([key, v]) => ({ key, value: anyValue(v, json) }));

const idField = (hex: string, json: boolean) => (json ? hex : Buffer.from(hex, 'hex'));

export interface EncodedRun {
  traces: { body: Uint8Array | string; contentType: string };
  logs: { body: Uint8Array | string; contentType: string } | null;
  spanIds: Record<string, string>;
}

/** The fixture as one traces export and one logs export, protobuf or JSON, under trace id `traceHex`. */
export function encodeFixture(f: PythonFixture, traceHex: string, encoding: 'protobuf' | 'json'): EncodedRun {
  const json = encoding === 'json';
  const spanIds: Record<string, string> = {};
  for (const s of f.spans) spanIds[s.id] = spanIdHex(traceHex, s.id);
  const byScope = new Map<string, { scope: { name: string; version: string }; spans: FixtureSpan[] }>();
  for (const s of f.spans) {
    const scope = s.scope ?? f.scope;
    const key = `${scope.name}@${scope.version}`;
    if (!byScope.has(key)) byScope.set(key, { scope, spans: [] });
    byScope.get(key)!.spans.push(s);
  }
  const resource = { attributes: keyValues(f.resource, json) };
  const scopeSpans = [...byScope.values()].map(({ scope, spans }) => {
    const out = spans.map((s) => {
      const status = { code: STATUS[s.status?.code ?? 'unset'], message: s.status?.message ?? '' };
      const events = (s.events ?? []).map((e) => (json
        ? { name: e.name, timeUnixNano: ns(e.timeMs), attributes: keyValues(e.attributes, true) }
        : { name: e.name, time_unix_nano: ns(e.timeMs), attributes: keyValues(e.attributes, false) }));
      const common = { name: s.name, kind: KIND[s.kind], attributes: keyValues(s.attributes, json), status, events };
      return json
        ? { ...common, traceId: traceHex, spanId: spanIds[s.id], ...(s.parent ? { parentSpanId: spanIds[s.parent] } : {}),
            startTimeUnixNano: ns(s.startMs), endTimeUnixNano: ns(s.endMs) }
        : { ...common, trace_id: idField(traceHex, false), span_id: idField(spanIds[s.id], false),
            ...(s.parent ? { parent_span_id: idField(spanIds[s.parent], false) } : {}),
            start_time_unix_nano: ns(s.startMs), end_time_unix_nano: ns(s.endMs) };
    });
    return json ? { scope, spans: out } : { scope, spans: out };
  });
  const tracesReq = json
    ? { resourceSpans: [{ resource, scopeSpans }] }
    : { resource_spans: [{ resource, scope_spans: scopeSpans }] };

  let logs: EncodedRun['logs'] = null;
  if (f.logs.length) {
    const records = f.logs.map((l) => {
      const body = l.body === null ? {} : { body: anyValue(l.body, json) };
      return json
        ? { timeUnixNano: ns(l.timeMs), observedTimeUnixNano: ns(l.timeMs), attributes: keyValues(l.attributes, json), ...body,
            traceId: traceHex, spanId: spanIds[l.span], flags: 1, ...(l.eventName ? { eventName: l.eventName } : {}) }
        : { time_unix_nano: ns(l.timeMs), observed_time_unix_nano: ns(l.timeMs), attributes: keyValues(l.attributes, json), ...body,
            trace_id: idField(traceHex, false), span_id: idField(spanIds[l.span], false), flags: 1,
            ...(l.eventName ? { event_name: l.eventName } : {}) };
    });
    const req = json
      ? { resourceLogs: [{ resource, scopeLogs: [{ scope: f.scope, logRecords: records }] }] }
      : { resource_logs: [{ resource, scope_logs: [{ scope: f.scope, log_records: records }] }] };
    logs = encode(req, TYPE.logsRequest, json);
  }
  return { traces: encode(tracesReq, TYPE.traceRequest, json), logs, spanIds };
}

function encode(req: object, type: typeof TYPE.traceRequest | typeof TYPE.logsRequest, json: boolean): { body: Uint8Array | string; contentType: string } {
  if (json) return { body: JSON.stringify(req), contentType: 'application/json' };
  const t = otlpType(type);
  const err = t.verify(t.fromObject(req));
  if (err) throw new Error(`fixture does not fit the OTLP schema: ${err}`);
  return { body: t.encode(t.fromObject(req)).finish(), contentType: 'application/x-protobuf' };
}

/** POSTs one export as the Python exporter does and fails unless the receiver accepted it whole. */
export async function postExport(baseUrl: string, signal: 'traces' | 'logs', e: { body: Uint8Array | string; contentType: string }): Promise<void> {
  // A connection of its own per export (agent: false): a pooled keep-alive socket that the
  // server closes while idle would fail the next POST with "other side closed" on a busy machine.
  const body = typeof e.body === 'string' ? Buffer.from(e.body) : Buffer.from(e.body);
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(`${baseUrl}/v1/${signal}`, { method: 'POST', agent: false, headers: { 'content-type': e.contentType, 'content-length': body.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
  if (status !== 200) throw new Error(`${signal} export answered ${status}: ${text}`);
}
