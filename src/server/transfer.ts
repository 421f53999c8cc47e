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

/**
 * The stored span without what normalization added: exactly what the agent sent (logs included
 * as events), with the value types its JSON form hides (integral doubles, int64 beyond 2^53, bytes).
 */
function toRawSpan(span: RawSpan): RawSpan {
  const { traceId, spanId, parentSpanId, name, kind, startUnixNanos, endUnixNanos, status, attributes, events, links, resource, scope, valueTypes } = span;
  const raw: RawSpan = { traceId, spanId, parentSpanId, name, kind, startUnixNanos, endUnixNanos, status, attributes, events, links, resource, scope };
  if (valueTypes) raw.valueTypes = valueTypes;
  return raw;
}

export interface ImportResult {
  spans: number;
  traces: number;
  /** Spans the decoder refused one by one (bad ids, values out of range), with up to a few reasons. */
  rejected: number;
  reasons: string[];
}

/** The file (or some of its lines) is not OTLP/JSON: nothing was imported. */
export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

/** How many unreadable lines an ImportError names before it summarizes. */
const MAX_LINES_REPORTED = 10;

/**
 * Imports an OTLP/JSON ExportTraceServiceRequest, or a file of them one per line (what the
 * Collector's file exporter writes). All or nothing per file: every line is decoded first, and
 * if any cannot be, an ImportError names the lines and nothing is imported; otherwise all the
 * lines are written in one transaction. Spans refused one by one are counted, not fatal.
 */
export function importOtlpJsonFile(store: TraceStore, text: string, label: string): ImportResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a UTF-8 BOM, as Windows editors write
  const requests: { line: number | null; text: string }[] = [];
  try {
    JSON.parse(body);
    requests.push({ line: null, text: body });
  } catch {
    body.split(/\r?\n/).forEach((line, i) => line.trim() && requests.push({ line: i + 1, text: line }));
  }
  const batches: RawSpan[][] = [];
  const failures: string[] = [];
  let rejected = 0;
  const reasons = new Set<string>();
  for (const request of requests) {
    try {
      const decoded = decodeTracesJson(request.text);
      if (decoded.spans.length > 0) batches.push(decoded.spans);
      rejected += decoded.count;
      for (const r of decoded.reasons) reasons.add(r);
    } catch (err) {
      failures.push(`${request.line === null ? '' : `line ${request.line}: `}${(err as Error).message}`);
    }
  }
  if (failures.length > 0) {
    const listed = failures.slice(0, MAX_LINES_REPORTED).join('\n  ');
    const more = failures.length > MAX_LINES_REPORTED ? `\n  ... and ${failures.length - MAX_LINES_REPORTED} more` : '';
    throw new ImportError(
      `${label}: not an OTLP/JSON trace export (${failures.length} of ${requests.length} request(s) unreadable); nothing was imported.\n  ${listed}${more}`,
    );
  }
  const { traceIds } = store.writeBatches(batches.map((spans) => ({ spans, logs: [] })));
  return { spans: batches.reduce((n, b) => n + b.length, 0), traces: traceIds.length, rejected, reasons: [...reasons] };
}
