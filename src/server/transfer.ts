// Moving traces in and out as OTLP/JSON, the format every OTLP tool can read.
import { decodeTracesJson, encodeOtlpJson } from '../core/otlp';
import type { RawSpan } from '../core/model';
import type { TraceStore } from '../store/traceStore';
import { redactSpansForExport } from './redactionService';

export function exportTraceOtlpJson(
  store: TraceStore,
  traceId: string,
  options: { redacted: boolean; policyText: string | null },
): object | null {
  const found = store.getTrace(traceId.toLowerCase());
  if (!found) return null;
  const spans: RawSpan[] = found.spans.map(toRawSpan);
  return encodeOtlpJson(options.redacted ? redactSpansForExport(spans, options.policyText) : spans);
}

/** The stored span without what normalization added: exactly what the agent sent (logs included as events). */
function toRawSpan(span: RawSpan): RawSpan {
  const { traceId, spanId, parentSpanId, name, kind, startUnixNanos, endUnixNanos, status, attributes, events, links, resource, scope } = span;
  return { traceId, spanId, parentSpanId, name, kind, startUnixNanos, endUnixNanos, status, attributes, events, links, resource, scope };
}

/**
 * Imports an OTLP/JSON ExportTraceServiceRequest, or a file of them one per line (what the
 * Collector's file exporter writes). Throws with the line number on undecodable input.
 */
export function importOtlpJsonFile(store: TraceStore, text: string, label: string): { spans: number; traces: number } {
  const requests: string[] = [];
  try {
    JSON.parse(text);
    requests.push(text);
  } catch {
    text.split(/\r?\n/).forEach((line) => line.trim() && requests.push(line));
  }
  const traceIds = new Set<string>();
  let spans = 0;
  requests.forEach((request, i) => {
    let decoded;
    try {
      decoded = decodeTracesJson(request);
    } catch (err) {
      throw new Error(`${label}${requests.length > 1 ? ` line ${i + 1}` : ''}: not an OTLP/JSON trace export (${(err as Error).message})`);
    }
    if (decoded.spans.length === 0) return;
    store.writeBatch({ spans: decoded.spans, logs: [] });
    spans += decoded.spans.length;
    for (const s of decoded.spans) traceIds.add(s.traceId);
  });
  return { spans, traces: traceIds.size };
}
