// W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/#traceparent-header):
// version-traceid-parentid-flags, lowercase hex. An instrumented HTTP client sends it with the
// id of the span that made the request, which ties a recorded call to its span exactly.

export interface TraceParent {
  traceId: string;
  spanId: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The trace and parent span ids of a traceparent header, or null when it is absent or invalid (all-zero ids, version ff). */
export function parseTraceparent(header: string | string[] | undefined): TraceParent | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || value.length > 512) return null;
  const m = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!m) return null;
  const [, version, traceId, spanId] = m;
  if (version === 'ff' || /^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return null;
  if (version === '00' && m[5] !== undefined) return null; // version 00 has exactly four fields
  return { traceId: traceId!, spanId: spanId! };
}
