// OTLP/gRPC receiver on @grpc/grpc-js: TraceService, LogsService and MetricsService Export over
// the same ingest() as HTTP. Messages stay raw bytes through grpc-js (which handles gzip and the
// size cap) and are decoded by our own reader, so undecodable input maps to INVALID_ARGUMENT.
import * as grpc from '@grpc/grpc-js';
import { version as packageVersion } from '../../package.json';
import { DEFAULT_OTLP_LIMITS, type OtlpLimits } from '../core/otlp';
import { exportResponse, ingest, type IngestResult, type IngestSink, type Signal } from './ingest';

export const DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/** Our own unary method a second window calls to learn who holds the gRPC port (see portProbe.ts). */
export const GRPC_INFO_PATH = '/agenttrace.v1.Info/Get';

export interface GrpcReceiverOptions {
  host: string;
  port: number;
  sink: IngestSink;
  maxMessageBytes?: number;
  version?: string;
  /** Decoder limits (attributes, value length, events, links, nesting). */
  limits?: OtlpLimits;
}

export interface GrpcReceiver {
  port: number;
  close(): Promise<void>;
}

const raw = (b: Buffer): Buffer => b;
const toBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function unary(path: string): grpc.MethodDefinition<Buffer, Uint8Array> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: toBuffer,
    responseDeserialize: raw,
  };
}

const SERVICES: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
};

function exportHandler(sink: IngestSink, signal: Signal, limits: OtlpLimits): grpc.handleUnaryCall<Buffer, Uint8Array> {
  return (call, callback) => {
    ingest(sink, signal, call.request, 'protobuf', limits).then(
      (r) => reply(signal, r, callback),
      (e: unknown) => callback({ code: grpc.status.INTERNAL, details: (e as Error).message }),
    );
  };
}

function reply(signal: Signal, r: IngestResult, callback: grpc.sendUnaryData<Uint8Array>): void {
  if (r.ok) {
    callback(null, exportResponse(signal, r, 'protobuf'));
    return;
  }
  const err: Partial<grpc.StatusObject> = { code: r.grpcCode, details: r.message };
  if (r.retryAfterSeconds !== undefined) {
    // Exporters back off on UNAVAILABLE; the hint is informative for humans and tools.
    const md = new grpc.Metadata();
    md.set('retry-after', String(r.retryAfterSeconds));
    err.metadata = md;
  }
  callback(err);
}

export function startGrpcReceiver(options: GrpcReceiverOptions): Promise<GrpcReceiver> {
  const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const server = new grpc.Server({
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });
  for (const signal of Object.keys(SERVICES) as Signal[]) {
    server.addService({ Export: unary(SERVICES[signal]) } as grpc.ServiceDefinition, { Export: exportHandler(options.sink, signal, options.limits ?? DEFAULT_OTLP_LIMITS) });
  }
  const info = Buffer.from(JSON.stringify({ agentTrace: true, pid: process.pid, version: options.version ?? packageVersion }));
  server.addService({ Get: unary(GRPC_INFO_PATH) } as grpc.ServiceDefinition, {
    Get: ((_call, callback) => callback(null, info)) as grpc.handleUnaryCall<Buffer, Uint8Array>,
  });

  return new Promise((resolve, reject) => {
    server.bindAsync(`${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`,
      grpc.ServerCredentials.createInsecure(), (err, port) => {
        if (err) {
          // grpc-js words this as "No address added …"; name the cause the way node:net would.
          const e = new Error(`cannot listen for OTLP/gRPC on ${options.host}:${options.port}: ${err.message}`) as NodeJS.ErrnoException;
          if (/EADDRINUSE|address already in use|No address added/i.test(err.message)) e.code = 'EADDRINUSE';
          server.forceShutdown();
          reject(e);
          return;
        }
        resolve({
          port,
          close: () =>
            new Promise<void>((done) => {
              server.tryShutdown(() => done());
              // Don't wait for idle exporters' long-lived connections.
              setTimeout(() => server.forceShutdown(), 1000).unref();
            }),
        });
      });
  });
}
