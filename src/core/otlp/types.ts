// Results of decoding one OTLP export request, shared by the protobuf and JSON readers.
import type { MetricPoint } from '../metrics';
import type { RawLogRecord, RawSpan } from '../model';

/** The whole request is unreadable (bad protobuf, bad JSON, wrong shape): a 400 / INVALID_ARGUMENT. */
export class OtlpDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OtlpDecodeError';
  }
}

/** Items the decoder refused one by one (bad ids); reported back as partial_success. */
export interface Rejections {
  count: number;
  /** Up to a few distinct reasons, for error_message. */
  reasons: string[];
}

export interface DecodedTraces extends Rejections {
  spans: RawSpan[];
}

export interface DecodedLogs extends Rejections {
  logs: RawLogRecord[];
}

export interface DecodedMetrics extends Rejections {
  /** ResourceMetrics entries seen. */
  resourceMetrics: number;
  /** Data points read (sums, gauges, histograms, summaries), bounded per request. */
  points: MetricPoint[];
}

export type OtlpEncoding = 'protobuf' | 'json';

const MAX_REASONS = 5;

export function reject(r: Rejections, reason: string, n = 1): void {
  r.count += n;
  if (r.reasons.length < MAX_REASONS && !r.reasons.includes(reason)) r.reasons.push(reason);
}

/** The error_message of a partial_success. */
export function rejectionMessage(r: Rejections, what: 'spans' | 'log records' | 'data points'): string {
  if (r.count === 0) return '';
  return `${r.count} ${what} rejected: ${r.reasons.join('; ')}`;
}
