// Official OpenTelemetry JS exporters wired for tests: a tracer (or logger) that sends to one
// of our receivers over http/json, http/protobuf or grpc, and records each export's outcome.
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import { OTLPTraceExporter as HttpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPLogExporter as HttpJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter, type ReadableLogRecord } from '@opentelemetry/sdk-logs';

export type OtlpProtocol = 'http/json' | 'http/protobuf' | 'grpc';

/** What one export reported to the SDK: code 0 = success, 1 = failed. */
export interface ExportOutcome {
  code: number;
  error?: Error;
}

export interface ClientOptions {
  protocol: OtlpProtocol;
  /** Base URL of the receiver, e.g. http://127.0.0.1:4318 (http) or http://127.0.0.1:4317 (grpc). A full /v1/… URL is kept as is. */
  url: string;
  compression?: 'gzip' | 'none';
  /** Resource attributes; service.name defaults to 'otlp-client-test'. */
  resource?: Record<string, string | number | boolean | string[]>;
  timeoutMillis?: number;
}

export interface TestTracer {
  tracer: Tracer;
  provider: TracerProvider;
  outcomes: ExportOutcome[];
  /** Sends every ended span and waits for the export to finish. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface TestLogger {
  logger: Logger;
  provider: LoggerProvider;
  outcomes: ExportOutcome[];
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

function signalUrl(base: string, signal: 'traces' | 'logs'): string {
  return /\/v1\/[a-z]+$/.test(base) ? base : `${base.replace(/\/$/, '')}/v1/${signal}`;
}

type ExporterLike<T> = { export(items: T[], cb: (r: ExportOutcome) => void): void; shutdown(): Promise<void>; forceFlush?(): Promise<void> };

/** Wraps an exporter so tests can see each export's outcome (the SDK only logs failures). */
function recording<T>(inner: ExporterLike<T>, outcomes: ExportOutcome[]): ExporterLike<T> {
  return {
    export(items, cb) {
      inner.export(items, (r) => {
        outcomes.push({ code: r.code, error: r.error });
        cb(r);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

function traceExporter(o: ClientOptions): SpanExporter {
  const common = { compression: o.compression ?? 'none', timeoutMillis: o.timeoutMillis ?? 10_000 } as const;
  switch (o.protocol) {
    case 'http/json':
      return new HttpJsonTraceExporter({ ...common, url: signalUrl(o.url, 'traces') } as never);
    case 'http/protobuf':
      return new ProtoTraceExporter({ ...common, url: signalUrl(o.url, 'traces') } as never);
    case 'grpc':
      return new GrpcTraceExporter({ ...common, url: o.url } as never);
  }
}

function resourceOf(o: ClientOptions) {
  return resourceFromAttributes({ 'service.name': 'otlp-client-test', ...(o.resource ?? {}) });
}

/** A tracer whose spans go to our receiver through the official exporter for `protocol`. */
export function makeTracer(o: ClientOptions): TestTracer {
  const outcomes: ExportOutcome[] = [];
  const exporter = recording(traceExporter(o) as unknown as ExporterLike<ReadableSpan>, outcomes) as unknown as SpanExporter;
  const provider = new TracerProvider({
    resource: resourceOf(o),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 60_000, maxExportBatchSize: 512 } as never)],
  });
  return {
    tracer: provider.getTracer('agent-trace-test', '1.0.0'),
    provider,
    outcomes,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** A logger whose records go to our receiver (http/json or http/protobuf). */
export function makeLogger(o: ClientOptions & { protocol: 'http/json' | 'http/protobuf' }): TestLogger {
  const outcomes: ExportOutcome[] = [];
  const cfg = { url: signalUrl(o.url, 'logs'), compression: o.compression ?? 'none', timeoutMillis: o.timeoutMillis ?? 10_000 };
  const inner = o.protocol === 'http/json' ? new HttpJsonLogExporter(cfg as never) : new ProtoLogExporter(cfg as never);
  const exporter = recording(inner as unknown as ExporterLike<ReadableLogRecord>, outcomes) as unknown as LogRecordExporter;
  const provider = new LoggerProvider({
    resource: resourceOf(o),
    processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 60_000 } as never)],
  });
  return {
    logger: provider.getLogger('agent-trace-test', '1.0.0'),
    provider,
    outcomes,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** An IngestSink that keeps everything in memory; `busyNow` / `failNow` simulate pressure and storage errors. */
export class MemorySink {
  spans: import('../../src/core/model').RawSpan[] = [];
  logs: import('../../src/core/model').RawLogRecord[] = [];
  busyNow = false;
  failNow = false;
  write(batch: { spans: MemorySink['spans']; logs: MemorySink['logs'] }): void {
    if (this.failNow) throw new Error('disk full (simulated)');
    this.spans.push(...batch.spans);
    this.logs.push(...batch.logs);
  }
  busy(): boolean {
    return this.busyNow;
  }
  span(name: string) {
    const s = this.spans.find((x) => x.name === name);
    if (!s) throw new Error(`no span named ${name}; have ${this.spans.map((x) => x.name).join(', ')}`);
    return s;
  }
}

/** A meter whose metrics go to our receiver through the official metrics exporter for `protocol`; `flush()` exports now. */
export interface TestMeter {
  meter: import('@opentelemetry/api').Meter;
  outcomes: ExportOutcome[];
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export async function makeMeter(o: ClientOptions & { temporality?: 'delta' | 'cumulative' }): Promise<TestMeter> {
  const { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } = await import('@opentelemetry/sdk-metrics');
  const common = {
    compression: o.compression ?? 'none',
    timeoutMillis: o.timeoutMillis ?? 10_000,
    temporalityPreference: o.temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE,
  };
  const url = /\/v1\/[a-z]+$/.test(o.url) ? o.url : `${o.url.replace(/\/$/, '')}/v1/metrics`;
  let inner: unknown;
  if (o.protocol === 'http/json') inner = new (await import('@opentelemetry/exporter-metrics-otlp-http')).OTLPMetricExporter({ ...common, url } as never);
  else if (o.protocol === 'http/protobuf') inner = new (await import('@opentelemetry/exporter-metrics-otlp-proto')).OTLPMetricExporter({ ...common, url } as never);
  else inner = new (await import('@opentelemetry/exporter-metrics-otlp-grpc')).OTLPMetricExporter({ ...common, url: o.url } as never);
  const outcomes: ExportOutcome[] = [];
  const exporter = inner as { export: (m: unknown, cb: (r: ExportOutcome) => void) => void; selectAggregationTemporality?: unknown };
  const plainExport = exporter.export.bind(exporter);
  // Record each export's outcome (the SDK only logs failures).
  exporter.export = (m, cb) => plainExport(m, (r) => {
    outcomes.push({ code: r.code, error: r.error });
    cb(r);
  });
  const reader = new PeriodicExportingMetricReader({ exporter: exporter as never, exportIntervalMillis: 3_600_000, exportTimeoutMillis: 10_000 });
  const provider = new MeterProvider({ resource: resourceOf(o) as never, readers: [reader] });
  return {
    meter: provider.getMeter('agent-trace-test', '1.0.0'),
    outcomes,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
