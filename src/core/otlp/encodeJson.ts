// RawSpan[] → an OTLP/JSON ExportTraceServiceRequest that other OTLP tools (Collector, Jaeger,
// otel-desktop-viewer, our own import) read back. Spans are grouped by resource and scope. Values
// go back with the OTLP type they arrived with: span.valueTypes marks the integral doubles,
// int64s beyond 2^53 and bytes whose plain form would otherwise pass for ints and strings.
import { valuePathKey, type AttrValue, type Attributes, type RawSpan, type ValueTypeHint } from '../model';
import { SPAN_KINDS, STATUS_CODES } from './values';

type Json = Record<string, unknown>;
type Types = Record<string, ValueTypeHint> | undefined;
type Place = readonly (string | number)[] | null;

const INT64_TEXT = /^-?\d{1,20}$/;
/** Base64 as the store keeps bytes values (a redacted value is plain text and goes out as a string). */
const BASE64_TEXT = /^[A-Za-z0-9+/]*={0,2}$/;

/** The hint for a value's place, if the span has any hints at all. */
function typeAt(types: Types, place: Place): ValueTypeHint | undefined {
  return types && place ? types[valuePathKey(place)] : undefined;
}

function anyValue(v: AttrValue, types: Types, place: Place): Json {
  if (v === null) return {};
  const hint = typeAt(types, place);
  switch (typeof v) {
    case 'string':
      // A hint only applies to a value of the form it describes (redaction may have replaced it).
      if (hint === 'int' && INT64_TEXT.test(v)) return { intValue: v };
      if (hint === 'bytes' && BASE64_TEXT.test(v)) return { bytesValue: v };
      return { stringValue: v };
    case 'boolean': return { boolValue: v };
    case 'number':
      return Number.isSafeInteger(v) && hint !== 'double' ? { intValue: String(v) } : { doubleValue: Number.isFinite(v) ? v : String(v) };
    default:
      if (Array.isArray(v)) return { arrayValue: { values: v.map((x, i) => anyValue(x, types, place && [...place, i])) } };
      return { kvlistValue: { values: keyValues(v, types, place) } };
  }
}

function keyValues(attrs: Attributes, types: Types = undefined, place: Place = null): Json[] {
  return Object.keys(attrs).map((key) => ({ key, value: anyValue(attrs[key]!, types, place && [...place, key]) }));
}

function spanJson(s: RawSpan): Json {
  const t = s.valueTypes;
  const at = (...p: (string | number)[]): Place => (t ? p : null);
  const out: Json = {
    traceId: s.traceId,
    spanId: s.spanId,
    name: s.name,
    kind: Math.max(0, SPAN_KINDS.indexOf(s.kind)),
    startTimeUnixNano: s.startUnixNanos,
    endTimeUnixNano: s.endUnixNanos,
    attributes: keyValues(s.attributes, t, at('attributes')),
    events: s.events.map((e, i) => ({ timeUnixNano: e.timeUnixNanos, name: e.name, attributes: keyValues(e.attributes, t, at('events', i, 'attributes')) })),
    links: s.links.map((l, i) => ({ traceId: l.traceId, spanId: l.spanId, attributes: keyValues(l.attributes, t, at('links', i, 'attributes')) })),
    status: { code: Math.max(0, STATUS_CODES.indexOf(s.status.code)), message: s.status.message },
  };
  if (s.parentSpanId) out.parentSpanId = s.parentSpanId;
  return out;
}

/** A valid OTLP/JSON ExportTraceServiceRequest holding `spans`. */
export function encodeOtlpJson(spans: readonly RawSpan[]): { resourceSpans: Json[] } {
  // Key by object identity first (decoded spans share them), then by content.
  const byResource = new Map<string, { resource: Attributes; types: Types; scopes: Map<string, { scope: RawSpan['scope']; spans: Json[] }> }>();
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
    if (!r) byResource.set(rk, (r = { resource: s.resource, types: s.valueTypes, scopes: new Map() }));
    const sk = `${s.scope.name}\u0000${s.scope.version}`;
    let sc = r.scopes.get(sk);
    if (!sc) r.scopes.set(sk, (sc = { scope: s.scope, spans: [] }));
    sc.spans.push(spanJson(s));
  }
  return {
    resourceSpans: [...byResource.values()].map((r) => ({
      resource: { attributes: keyValues(r.resource, r.types, r.types ? ['resource'] : null) },
      scopeSpans: [...r.scopes.values()].map((sc) => ({
        scope: { name: sc.scope.name, version: sc.scope.version },
        spans: sc.spans,
      })),
    })),
  };
}
