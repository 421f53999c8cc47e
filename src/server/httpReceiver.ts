// OTLP/HTTP receiver on node:http, keeping the Collector's contract: POST only (405), protobuf or
// JSON (415), gzip/deflate bodies inflated by a streaming decompressor capped at maxBodyBytes
// (413, so a gzip bomb costs at most that much), 400 + google.rpc.Status for undecodable bodies,
// replies in the request's encoding, 503 + Retry-After when the sink is busy or storage fails for a
// passing reason, 500 when it fails otherwise. A Host header naming anything but this machine gets
// 403, so a web page cannot reach the receiver through DNS rebinding.
import http from 'node:http';
import zlib from 'node:zlib';
import { DEFAULT_OTLP_LIMITS, type OtlpEncoding, type OtlpLimits } from '../core/otlp';
import { version as packageVersion } from '../../package.json';
import { answerClientErrors, closeHttp, listenHttp } from './httpListen';
import { GrpcCode, RETRY_AFTER_SECONDS, exportResponse, ingest, statusBody, type IngestResult, type IngestSink, type Signal } from './ingest';

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
export const INFO_PATH = '/agent-trace/info';

export interface HttpReceiverOptions {
  host: string;
  port: number;
  sink: IngestSink;
  /** Largest accepted body after decompression (and before it). */
  maxBodyBytes?: number;
  /** Called after every OTLP request (for logs and counters). */
  onRequest?: (info: { signal: Signal | null; status: number; result?: IngestResult }) => void;
  /** Reported by GET /agent-trace/info so another window can tell who holds the port. */
  version?: string;
  /** Decoder limits (attributes, value length, events, links, nesting). */
  limits?: OtlpLimits;
  /** Host names accepted in the Host header besides loopback names and `host` (e.g. a container's name for this machine). */
  allowedHosts?: string[];
}

export interface HttpReceiver {
  port: number;
  close(): Promise<void>;
}

const PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/logs': 'logs', '/v1/metrics': 'metrics' };

const CONTENT_TYPES: Record<string, OtlpEncoding> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

const MEDIA_TYPE = { protobuf: 'application/x-protobuf', json: 'application/json' } as const;

/** Browser exporters may call us from a local dev server; other origins get no CORS grant. */
function localOrigin(origin: string | undefined): string | null {
  if (!origin) return null;
  try {
    const u = new URL(origin);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)) return origin;
  } catch {
    // not a URL: no grant
  }
  return null;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]', '::1'];

/** The host name of a Host header, lowercase, without the port ("[::1]:4318" → "[::1]"); null when malformed. */
export function hostName(header: string): string | null {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    return close > 0 ? h.slice(0, close + 1) : null;
  }
  const colon = h.indexOf(':');
  const name = colon < 0 ? h : h.slice(0, colon);
  return name.length > 0 ? name : null;
}

/**
 * Host header check against DNS rebinding: a page on evil.example whose name is re-pointed to
 * 127.0.0.1 sends "Host: evil.example", which we refuse. Loopback names, the bound host and
 * configured extra names pass; a request without Host (HTTP/1.0 tools) passes too, since a
 * browser always sends one.
 */
export function hostAllowed(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (header === undefined) return true;
  const name = hostName(header);
  return name !== null && (allowed.has(name) || (name.endsWith('.localhost') && allowed.has('localhost')));
}

function allowedHostSet(bound: string, extra: readonly string[]): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  for (const h of [bound, ...extra]) {
    const n = h.trim().toLowerCase();
    if (!n || n === '0.0.0.0' || n === '::') continue;
    names.add(n.includes(':') && !n.startsWith('[') ? `[${n}]` : n);
  }
  return names;
}

class BodyTooLarge extends Error {}
class BadEncoding extends Error {}

/** Collects the (possibly compressed) body, stopping as soon as it grows past `max`. */
function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const enc = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    let source: NodeJS.ReadableStream = req;
    let inflater: zlib.Gunzip | zlib.Inflate | null = null;
    if (enc === 'gzip' || enc === 'x-gzip') inflater = zlib.createGunzip();
    else if (enc === 'deflate') inflater = zlib.createInflate();
    else if (enc !== 'identity' && enc !== '' && enc !== 'none') {
      reject(new BadEncoding(`unsupported Content-Encoding "${enc}"`));
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      reject(new BodyTooLarge());
      return;
    }
    let raw = 0;
    if (inflater) {
      req.on('data', (c: Buffer) => {
        raw += c.length;
        if (raw > max) fail(new BodyTooLarge());
      });
      source = req.pipe(inflater);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    const fail = (e: Error): void => {
      if (finished) return;
      finished = true;
      if (inflater) {
        req.unpipe(inflater);
        inflater.destroy();
      }
      reject(e);
    };
    source.on('data', (c: Buffer) => {
      if (finished) return;
      size += c.length;
      if (size > max) fail(new BodyTooLarge());
      else chunks.push(c);
    });
    source.on('error', (e: Error) => fail(inflater && source === inflater ? new BadEncoding(`cannot decompress the body: ${e.message}`) : e));
    req.on('error', (e: Error) => fail(e));
    source.on('end', () => {
      if (finished) return;
      finished = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
  });
}

export function startHttpReceiver(options: HttpReceiverOptions): Promise<HttpReceiver> {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const version = options.version ?? packageVersion;
  const limits = options.limits ?? DEFAULT_OTLP_LIMITS;
  const allowedHosts = allowedHostSet(options.host, options.allowedHosts ?? []);

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      // Last resort: this request fails, the server keeps serving.
      if (!res.headersSent) send(res, 500, 'text/plain', Buffer.from(`internal error: ${(e as Error).message}`));
      else res.destroy();
    });
  });

  function send(res: http.ServerResponse, status: number, type: string, body: Uint8Array, extra: http.OutgoingHttpHeaders = {}): void {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': body.byteLength, ...extra });
    res.end(body);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const origin = localOrigin(req.headers.origin);
    const cors: http.OutgoingHttpHeaders = origin ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : {};

    if (!hostAllowed(req.headers.host, allowedHosts)) {
      send(res, 403, 'text/plain', Buffer.from(
        `403 forbidden: Host "${String(req.headers.host).slice(0, 200)}" is not this machine. The receiver answers requests to localhost, 127.0.0.1, [::1]` +
        ` and the names in the agentTrace.otlp.allowedHosts setting (protection against DNS rebinding).`));
      req.resume();
      options.onRequest?.({ signal: PATHS[path] ?? null, status: 403 });
      return;
    }

    if (path === INFO_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      send(res, 200, 'application/json', Buffer.from(JSON.stringify({ agentTrace: true, pid: process.pid, version })));
      return;
    }
    const signal = PATHS[path];
    const done = (status: number, r?: IngestResult): void => options.onRequest?.({ signal: signal ?? null, status, result: r });
    if (!signal) {
      send(res, 404, 'text/plain', Buffer.from(`404 page not found: OTLP paths are /v1/traces, /v1/logs and /v1/metrics`));
      req.resume();
      done(404);
      return;
    }
    if (req.method === 'OPTIONS') {
      const headers: http.OutgoingHttpHeaders = origin
        ? {
            ...cors,
            'Access-Control-Allow-Methods': 'POST, OPTIONS',
            'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'Content-Type, Content-Encoding',
            'Access-Control-Max-Age': '600',
          }
        : { Allow: 'POST, OPTIONS' };
      res.writeHead(204, headers);
      res.end();
      req.resume();
      done(204);
      return;
    }
    if (req.method !== 'POST') {
      send(res, 405, 'text/plain', Buffer.from(`405 method not allowed, supported: [POST]`), { Allow: 'POST', ...cors });
      req.resume();
      done(405);
      return;
    }
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const encoding = CONTENT_TYPES[mediaType];
    if (!encoding) {
      send(res, 415, 'text/plain',
        Buffer.from(`415 unsupported media type "${mediaType}", supported: [application/json, application/x-protobuf]`), cors);
      req.resume();
      done(415);
      return;
    }
    const fail = (status: number, code: number, message: string, extra: http.OutgoingHttpHeaders = {}): void => {
      send(res, status, MEDIA_TYPE[encoding], statusBody(code, message, encoding), { ...cors, ...extra });
      done(status);
    };

    // Under pressure, answer before spending anything on the body.
    if (signal !== 'metrics' && options.sink.busy()) {
      fail(503, GrpcCode.UNAVAILABLE, 'the trace server is busy; retry later', { 'Retry-After': String(RETRY_AFTER_SECONDS) });
      req.resume();
      return;
    }

    let body: Buffer;
    try {
      body = await readBody(req, max);
    } catch (e) {
      if (e instanceof BodyTooLarge) {
        // Stop reading the rest: close the connection after this reply.
        fail(413, GrpcCode.INVALID_ARGUMENT, `request body larger than ${max} bytes (after decompression)`, { Connection: 'close' });
        req.resume();
      } else if (e instanceof BadEncoding) {
        fail(400, GrpcCode.INVALID_ARGUMENT, e.message);
      } else {
        res.destroy();
      }
      return;
    }

    const r = await ingest(options.sink, signal, body, encoding, limits);
    if (r.ok) {
      send(res, 200, MEDIA_TYPE[encoding], exportResponse(signal, r, encoding), cors);
      done(200, r);
      return;
    }
    const extra: http.OutgoingHttpHeaders = r.retryAfterSeconds !== undefined ? { 'Retry-After': String(r.retryAfterSeconds) } : {};
    send(res, r.httpStatus, MEDIA_TYPE[encoding], statusBody(r.grpcCode, r.message, encoding), { ...cors, ...extra });
    done(r.httpStatus, r);
  }

  answerClientErrors(server);
  // Exporters send large batches slowly on a busy machine; don't cut them off early.
  server.requestTimeout = 60_000;
  // Node closes idle keep-alive sockets after 5 s, the very interval at which an OTel batch
  // processor exports: a request sent just as the server closes its socket then fails with
  // "other side closed". Keep idle connections well past the export interval (below the
  // 60 s headers timeout, which must stay the larger).
  server.keepAliveTimeout = 30_000;

  return listenHttp(server, options.port, options.host).then((port) => ({ port, close: () => closeHttp(server) }));
}
