// RawSpan[] → an OTLP/JSON ExportTraceServiceRequest that other OTLP tools (Collector, Jaeger,
// otel-desktop-viewer, our own import) read back. Spans are grouped by resource and scope.
import type { AttrValue, Attributes, RawSpan } from '../model';
import { SPAN_KINDS, STATUS_CODES } from './values';

type Json = Record<string, unknown>;

function anyValue(v: AttrValue): Json {
  if (v === null) return {};
  switch (typeof v) {
    case 'string': return { stringValue: v };
    case 'boolean': return { boolValue: v };
    case 'number':
      return Number.isSafeInteger(v) ? { intValue: String(v) } : { doubleValue: Number.isFinite(v) ? v : String(v) };
    default:
      if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
      return { kvlistValue: { values: keyValues(v) } };
  }
}

function keyValues(attrs: Attributes): Json[] {
  return Object.keys(attrs).map((key) => ({ key, value: anyValue(attrs[key]!) }));
}

function spanJson(s: RawSpan): Json {
  const out: Json = {
    traceId: s.traceId,
    spanId: s.spanId,
    name: s.name,
    kind: Math.max(0, SPAN_KINDS.indexOf(s.kind)),
    startTimeUnixNano: s.startUnixNanos,
    endTimeUnixNano: s.endUnixNanos,
    attributes: keyValues(s.attributes),
    events: s.events.map((e) => ({ timeUnixNano: e.timeUnixNanos, name: e.name, attributes: keyValues(e.attributes) })),
    links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: keyValues(l.attributes) })),
    status: { code: Math.max(0, STATUS_CODES.indexOf(s.status.code)), message: s.status.message },
  };
  if (s.parentSpanId) out.parentSpanId = s.parentSpanId;
  return out;
}

/** A valid OTLP/JSON ExportTraceServiceRequest holding `spans`. */
export function encodeOtlpJson(spans: readonly RawSpan[]): { resourceSpans: Json[] } {
  // Key by object identity first (decoded spans share them), then by content.
  const byResource = new Map<string, { resource: Attributes; scopes: Map<string, { scope: RawSpan['scope']; spans: Json[] }> }>();
  const keyCache = new Map<object, string>();
  const keyOf = (o: object): string => {
    let k = keyCache.get(o);
    if (k === undefined) {
      k = JSON.stringify(o);
      keyCache.set(o, k);
    }
    return k;
  };
  for (const s of spans) {
    const rk = keyOf(s.resource);
    let r = byResource.get(rk);
    if (!r) byResource.set(rk, (r = { resource: s.resource, scopes: new Map() }));
    const sk = `${s.scope.name}\u0000${s.scope.version}`;
    let sc = r.scopes.get(sk);
    if (!sc) r.scopes.set(sk, (sc = { scope: s.scope, spans: [] }));
    sc.spans.push(spanJson(s));
  }
  return {
    resourceSpans: [...byResource.values()].map((r) => ({
      resource: { attributes: keyValues(r.resource) },
      scopeSpans: [...r.scopes.values()].map((sc) => ({
        scope: { name: sc.scope.name, version: sc.scope.version },
        spans: sc.spans,
      })),
    })),
  };
}
