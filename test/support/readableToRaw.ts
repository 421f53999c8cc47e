// Converts the OTel SDK's in-memory ReadableSpan into our transport-free RawSpan, the same
// shape the OTLP decoder produces, so captured spans can feed normalize() and fixtures.
import type { Attributes as OtelAttributes, HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { AttrValue, Attributes, OtelSpanKind, RawSpan, StatusCode } from '../../src/core/model';

const KINDS: OtelSpanKind[] = ['internal', 'server', 'client', 'producer', 'consumer'];
const CODES: StatusCode[] = ['unset', 'ok', 'error'];

const nanos = (t: HrTime | undefined): string =>
  t ? (BigInt(t[0]) * 1_000_000_000n + BigInt(t[1])).toString() : '0';

function value(v: unknown): AttrValue {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(value);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

function attrs(a: OtelAttributes | undefined): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(a ?? {})) if (v !== undefined) out[k] = value(v);
  return out;
}

export function readableToRaw(s: ReadableSpan): RawSpan {
  const ctx = s.spanContext();
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: s.parentSpanContext?.spanId ?? null,
    name: s.name,
    kind: KINDS[s.kind] ?? 'unspecified',
    startUnixNanos: nanos(s.startTime),
    endUnixNanos: nanos(s.endTime),
    status: { code: CODES[s.status.code] ?? 'unset', message: s.status.message ?? '' },
    attributes: attrs(s.attributes),
    events: s.events.map((e) => ({ name: e.name, timeUnixNanos: nanos(e.time), attributes: attrs(e.attributes) })),
    links: s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId, attributes: attrs(l.attributes) })),
    resource: attrs(s.resource.attributes as OtelAttributes),
    scope: { name: s.instrumentationScope.name, version: s.instrumentationScope.version ?? '' },
  };
}
