// Transport-free OTLP ingest shared by the HTTP and gRPC receivers: decode, hand the batch to the
// sink, and describe the outcome in both transports' terms (the Collector's otlpreceiver contract).
import type { RawLogRecord, RawSpan } from '../core/model';
import {
  DEFAULT_OTLP_LIMITS, OTLP_TYPES, OtlpDecodeError, decodeLogs, decodeMetrics, decodeTraces, otlpType, rejectionMessage,
  type DecodedMetrics, type OtlpEncoding, type OtlpLimits,
} from '../core/otlp';
import type { MetricPoint } from '../core/metrics';
import { describeStoreError, isTransientStoreError } from '../store/storeErrors';

export type Signal = 'traces' | 'logs' | 'metrics';

/** Implemented by the server composition (SQLite store); tests may use a memory sink. */
export interface IngestSink {
  /**
   * Throws (or rejects) on storage failure. A promise resolves once the batch is committed (the
   * trace server's store worker); the reply waits for it, so nothing unstored is acknowledged.
   */
  write(batch: { spans: RawSpan[]; logs: RawLogRecord[] }): void | Promise<void>;
  /** True when it cannot keep up → 503 / UNAVAILABLE with Retry-After. */
  busy(): boolean;
  /** Stores OTLP metric data points (throws on storage failure); absent: metrics are accepted and dropped. */
  writeMetrics?(points: MetricPoint[]): void;
}

export interface IngestResult {
  ok: boolean;
  httpStatus: number;
  grpcCode: number;
  message: string;
  rejectedSpans: number;
  rejectedLogs: number;
  acceptedSpans: number;
  acceptedLogs: number;
  /** Metric data points rejected (unreadable) and stored. */
  rejectedPoints?: number;
  acceptedPoints?: number;
  retryAfterSeconds?: number;
}

/** The gRPC status codes we answer with (grpc-js' Status enum, without importing grpc here). */
export const GrpcCode = { OK: 0, INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, INTERNAL: 13, UNAVAILABLE: 14 } as const;

export const RETRY_AFTER_SECONDS = 1;

function result(partial: Partial<IngestResult> & Pick<IngestResult, 'ok' | 'httpStatus' | 'grpcCode' | 'message'>): IngestResult {
  return { rejectedSpans: 0, rejectedLogs: 0, acceptedSpans: 0, acceptedLogs: 0, ...partial };
}

export async function ingest(
  sink: IngestSink, signal: Signal, body: Uint8Array, encoding: OtlpEncoding, limits: OtlpLimits = DEFAULT_OTLP_LIMITS,
): Promise<IngestResult> {
  // Checked before decoding so an overloaded server spends nothing on the request.
  if (signal !== 'metrics' && sink.busy()) {
    return result({
      ok: false, httpStatus: 503, grpcCode: GrpcCode.UNAVAILABLE,
      message: 'the trace server is busy; retry later', retryAfterSeconds: RETRY_AFTER_SECONDS,
    });
  }
  let spans: RawSpan[] = [];
  let logs: RawLogRecord[] = [];
  let rejectedSpans = 0;
  let rejectedLogs = 0;
  let message = '';
  try {
    if (signal === 'traces') {
      const d = decodeTraces(body, encoding, limits);
      spans = d.spans;
      rejectedSpans = d.count;
      message = rejectionMessage(d, 'spans');
    } else if (signal === 'logs') {
      const d = decodeLogs(body, encoding, limits);
      logs = d.logs;
      rejectedLogs = d.count;
      message = rejectionMessage(d, 'log records');
    } else {
      return ingestMetrics(sink, decodeMetrics(body, encoding));
    }
  } catch (e) {
    const text = e instanceof OtlpDecodeError ? e.message : `cannot decode the request: ${(e as Error).message}`;
    return result({ ok: false, httpStatus: 400, grpcCode: GrpcCode.INVALID_ARGUMENT, message: text });
  }
  if (spans.length > 0 || logs.length > 0) {
    try {
      await sink.write({ spans, logs });
    } catch (e) {
      // A locked database, a full disk or an I/O error passes: answer so that exporters retry.
      if (isTransientStoreError(e)) {
        return result({
          ok: false, httpStatus: 503, grpcCode: GrpcCode.UNAVAILABLE, message: describeStoreError(e),
          retryAfterSeconds: RETRY_AFTER_SECONDS, rejectedSpans, rejectedLogs,
        });
      }
      return result({
        ok: false, httpStatus: 500, grpcCode: GrpcCode.INTERNAL, message: describeStoreError(e), rejectedSpans, rejectedLogs,
      });
    }
  }
  return result({
    ok: true, httpStatus: 200, grpcCode: GrpcCode.OK, message,
    rejectedSpans, rejectedLogs, acceptedSpans: spans.length, acceptedLogs: logs.length,
  });
}

function ingestMetrics(sink: IngestSink, d: DecodedMetrics): IngestResult {
  const message = rejectionMessage(d, 'data points');
  const counts = { rejectedPoints: d.count, acceptedPoints: d.points.length };
  if (d.points.length > 0 && sink.writeMetrics) {
    try {
      sink.writeMetrics(d.points);
    } catch (e) {
      const transient = isTransientStoreError(e);
      return result({
        ok: false, httpStatus: transient ? 503 : 500, grpcCode: transient ? GrpcCode.UNAVAILABLE : GrpcCode.INTERNAL, message: describeStoreError(e),
        ...(transient ? { retryAfterSeconds: RETRY_AFTER_SECONDS } : {}), ...counts,
      });
    }
  }
  return result({ ok: true, httpStatus: 200, grpcCode: GrpcCode.OK, message, ...counts });
}

const RESPONSE_TYPE = {
  traces: OTLP_TYPES.traceResponse,
  logs: OTLP_TYPES.logsResponse,
  metrics: OTLP_TYPES.metricsResponse,
} as const;

/** The Export*ServiceResponse for a successful ingest, with partial_success when something was rejected. */
export function exportResponse(signal: Signal, r: IngestResult, encoding: OtlpEncoding): Uint8Array {
  const rejected = signal === 'traces' ? r.rejectedSpans : signal === 'logs' ? r.rejectedLogs : (r.rejectedPoints ?? 0);
  const countField = signal === 'traces' ? 'rejected_spans' : signal === 'logs' ? 'rejected_log_records' : 'rejected_data_points';
  const partial = rejected > 0 || r.message !== '' ? { [countField]: rejected, error_message: r.message } : undefined;
  if (encoding === 'json') {
    const camel = signal === 'traces' ? 'rejectedSpans' : signal === 'logs' ? 'rejectedLogRecords' : 'rejectedDataPoints';
    const body = partial ? { partialSuccess: { [camel]: String(rejected), errorMessage: r.message } } : {};
    return Buffer.from(JSON.stringify(body));
  }
  const type = otlpType(RESPONSE_TYPE[signal]);
  return type.encode(type.fromObject(partial ? { partial_success: partial } : {})).finish();
}

/** A google.rpc.Status body for an error reply, in the request's encoding. */
export function statusBody(grpcCode: number, message: string, encoding: OtlpEncoding): Uint8Array {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code: grpcCode, message }));
  const type = otlpType(OTLP_TYPES.rpcStatus);
  return type.encode({ code: grpcCode, message }).finish();
}
