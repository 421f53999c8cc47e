// The recording model proxy (issue 10): an HTTP server on loopback that forwards OpenAI Chat
// Completions / Responses (and OpenAI-compatible servers: Ollama, vLLM, LM Studio) and the
// Anthropic Messages API to the upstream the user chose, byte for byte, and hands a copy of each
// call to `onRecording`. Only where the agent itself was going: the upstream is the provider's
// (or the one set for it), nothing else is contacted.
//
// Forwarding: bodies are piped both ways as they arrive (SSE chunks reach the client when the
// upstream writes them), headers pass untouched except connection-level ones, so API keys reach
// the upstream and nothing else; the recording gets the headers with credentials replaced. No
// timeout of our own: the client's and the upstream's apply, and a client that leaves aborts
// the upstream request. A broken upstream stream breaks the client's too (its socket is
// destroyed, never ended cleanly), and an unreachable upstream gets a 502 naming it.
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { BoundedCapture, DEFAULT_RECORD_BYTES } from '../../core/proxy/capture';
import { forwardedHeaders, recordedHeaders, routeRequest, upstreamUrl, type ProxyProvider, type ProxyUpstreams } from '../../core/proxy/providers';
import { requestModel } from '../../core/proxy/link';
import { parseTraceparent } from '../../core/proxy/traceparent';
import type { NewRecording } from '../../store/recordings';
import { hostAllowed, INFO_PATH } from '../httpReceiver';
import { answerClientErrors, closeHttp, listenHttp } from '../httpListen';
import { serveReplayRequest, type ReplaySessions } from './replaySession';
import { version as packageVersion } from '../../../package.json';

export interface ModelProxyOptions {
  host: string;
  port: number;
  upstreams: ProxyUpstreams;
  /** Host header names accepted besides loopback names and `host` (as agentTrace.otlp.allowedHosts). */
  allowedHosts?: string[];
  /** Bytes kept per recorded body; the client always gets every byte. */
  maxRecordBytes?: number;
  /** Every forwarded call, once it is over (completed, failed or abandoned). Must not throw. */
  onRecording: (recording: NewRecording) => void;
  log: (message: string) => void;
  /** Fork sessions: requests under /replay/<sessionId>/ are answered as the session's replay decides (replaySession.ts). */
  replay?: ReplaySessions;
}

export interface ModelProxy {
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]', '::1'];

/** Response headers that belong to a connection, not to the response. */
const HOP_BY_HOP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'trailer', 'upgrade']);

/** Wall-clock ms with sub-ms precision (spans carry ns; the link matches within a window). */
const nowMs = (): number => performance.timeOrigin + performance.now();

function allowedHostSet(bound: string, extra: readonly string[]): Set<string> {
  const names = new Set(LOOPBACK);
  for (const h of [bound, ...extra]) {
    const n = h.trim().toLowerCase();
    if (n && n !== '0.0.0.0' && n !== '::') names.add(n.includes(':') && !n.startsWith('[') ? `[${n}]` : n);
  }
  return names;
}

/** An upstream URL as recorded and shown: no user name or password, even if the setting had them. */
function shownUrl(url: URL): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString();
}

/** The error body both SDKs read: Anthropic's envelope, with OpenAI's `error.message` inside it. */
function proxyErrorBody(message: string, upstream: string): string {
  return JSON.stringify({ type: 'error', error: { type: 'agent_trace_proxy_error', code: 'upstream_unreachable', message, upstream } });
}

/** A compressed response is recorded decoded (the client still gets the compressed bytes). */
function decodedForRecording(body: Uint8Array, encoding: string | undefined, max: number): { body: Uint8Array; note: string | null } {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (!enc || enc === 'identity') return { body, note: null };
  const opts = { maxOutputLength: max, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return { body: zlib.gunzipSync(body, opts), note: null };
    if (enc === 'deflate') return { body: zlib.inflateSync(body, opts), note: null };
    if (enc === 'br') return { body: zlib.brotliDecompressSync(body, { maxOutputLength: max }), note: null };
    if (enc === 'zstd' && 'zstdDecompressSync' in zlib) {
      return { body: (zlib as unknown as { zstdDecompressSync(b: Uint8Array, o: object): Buffer }).zstdDecompressSync(body, { maxOutputLength: max }), note: null };
    }
  } catch (err) {
    return { body, note: `the ${enc} body could not be decoded for the recording (${(err as Error).message}); kept as received` };
  }
  return { body, note: `the body is ${enc}-encoded; kept as received` };
}

export function startModelProxy(options: ModelProxyOptions): Promise<ModelProxy> {
  const cap = options.maxRecordBytes ?? DEFAULT_RECORD_BYTES;
  const allowed = allowedHostSet(options.host, options.allowedHosts ?? []);
  // Keep-alive as the SDKs use it; no Nagle delay on the upstream sockets (set once per connection).
  const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };
  const noDelaySet = new WeakSet<object>();

  const server = http.createServer({ noDelay: true }, (req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, proxyErrorBody(`Agent Trace proxy: internal error: ${(err as Error).message}`, ''));
      else res.destroy();
    }
  });

  function sendJson(res: http.ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!hostAllowed(req.headers.host, allowed)) {
      req.resume();
      sendJson(res, 403, proxyErrorBody(
        `Agent Trace proxy: Host "${String(req.headers.host).slice(0, 200)}" is not this machine (localhost, 127.0.0.1, [::1] and agentTrace.otlp.allowedHosts are accepted; protection against DNS rebinding).`, ''));
      return;
    }
    const rawPath = req.url ?? '/';
    if (rawPath === INFO_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      req.resume();
      sendJson(res, 200, JSON.stringify({ agentTrace: true, proxy: true, pid: process.pid, version: packageVersion }));
      return;
    }
    const replay = options.replay?.route(rawPath);
    if (replay && options.replay) {
      serveReplayRequest(options.replay, replay, req, res, {
        forward: (path, body, annotate) => {
          const routed = routeRequest(path);
          forward(req, res, routed.provider, path, upstreamUrl(options.upstreams[routed.provider], routed.path), body, (r) => options.onRecording(annotate(r)));
        },
        record: (recording) => options.onRecording(recording),
      });
      return;
    }
    const { provider, path } = routeRequest(rawPath);
    const target = upstreamUrl(options.upstreams[provider], path);
    forward(req, res, provider, rawPath, target);
  }

  /** `body`: the request already read (replay mode, maybe edited), sent instead of piping the client's; `record`: where its recording goes. */
  function forward(req: http.IncomingMessage, res: http.ServerResponse, provider: ProxyProvider, rawPath: string, target: URL, body?: Buffer, record = options.onRecording): void {
    const startedMs = nowMs();
    const requestCapture = new BoundedCapture(cap);
    const responseCapture = new BoundedCapture(cap);
    let firstByteMs: number | null = null;
    let upstreamRes: http.IncomingMessage | null = null;
    let error: string | null = null;
    let recorded = false;
    const upstreamName = target.origin;

    const finish = (): void => {
      if (recorded) return;
      recorded = true;
      const requestBody = requestCapture.bytes();
      const response = decodedForRecording(responseCapture.bytes(), upstreamRes?.headers['content-encoding'] as string | undefined, cap);
      const traceparent = parseTraceparent(req.headers.traceparent);
      const contentType = String(upstreamRes?.headers['content-type'] ?? '');
      try {
        record({
          startedMs,
          firstByteMs,
          endedMs: nowMs(),
          provider,
          method: req.method ?? 'GET',
          path: rawPath,
          upstream: shownUrl(target),
          model: requestModel(Buffer.from(requestBody.buffer, requestBody.byteOffset, requestBody.byteLength).toString('utf8')),
          traceId: traceparent?.traceId ?? null,
          parentSpanId: traceparent?.spanId ?? null,
          status: upstreamRes?.statusCode ?? null,
          error: [error, response.note].filter(Boolean).join('; ') || null,
          streamed: contentType.toLowerCase().startsWith('text/event-stream'),
          request: { headers: recordedHeaders(req.headers), body: requestBody, bytes: requestCapture.total, truncated: requestCapture.truncated },
          response: {
            headers: upstreamRes ? recordedHeaders(upstreamRes.headers) : {},
            body: response.body,
            bytes: responseCapture.total,
            truncated: responseCapture.truncated,
          },
        });
      } catch (err) {
        options.log(`Proxy: could not record ${req.method} ${rawPath}: ${(err as Error).message}`);
      }
    };

    const transport = target.protocol === 'https:' ? https : http;
    const headers: Record<string, string | string[] | number> = { ...forwardedHeaders(req.headers), host: target.host };
    if (body) {
      delete headers['transfer-encoding'];
      headers['content-length'] = body.length;
    }
    const upstreamReq = transport.request(target, {
      method: req.method,
      headers,
      agent: agents[target.protocol as 'http:' | 'https:'],
    });

    upstreamReq.on('socket', (s) => {
      if (noDelaySet.has(s)) return;
      noDelaySet.add(s);
      s.setNoDelay(true);
    });
    if (body) {
      requestCapture.add(body);
      upstreamReq.end(body);
    } else {
      req.on('data', (c: Buffer) => requestCapture.add(c));
      req.pipe(upstreamReq);
    }

    // The client left before the call was over: abort the upstream request (no orphan generation).
    res.on('close', () => {
      if (res.writableFinished) return;
      error ??= 'the client closed the connection before the response was complete';
      upstreamReq.destroy();
      upstreamRes?.destroy();
      finish();
    });

    upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
      if (upstreamRes) return; // a broken response is handled below
      error ??= `upstream ${upstreamName} unreachable: ${err.code ?? err.message}`;
      if (!res.headersSent && !res.destroyed) {
        sendJson(res, 502, proxyErrorBody(
          `Agent Trace proxy: the upstream ${upstreamName} could not be reached (${err.code ?? err.message}). ` +
            `Check agentTrace.proxy.upstreams.${provider} (--upstream-${provider}) and that the server is up.`,
          upstreamName,
        ));
      } else res.destroy();
      finish();
    });

    upstreamReq.on('response', (ures) => {
      upstreamRes = ures;
      firstByteMs = nowMs();
      const headers: http.OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(ures.headers)) if (value !== undefined && !HOP_BY_HOP_RESPONSE.has(name)) headers[name] = value;
      res.writeHead(ures.statusCode ?? 502, ures.statusMessage, headers);
      // A stream's head goes out now (the first token may take seconds); a sized body's goes with it.
      if (ures.headers['content-length'] === undefined) res.flushHeaders();
      ures.on('data', (c: Buffer) => responseCapture.add(c));
      ures.pipe(res);
      ures.on('error', () => undefined); // 'close' below decides
      ures.on('close', () => {
        if (ures.complete) {
          finish();
          return;
        }
        // The upstream stream broke: break the client's too, so it sees an error, not a short answer.
        error ??= `the upstream ${upstreamName} closed the response before it was complete`;
        res.destroy();
        finish();
      });
    });
  }

  answerClientErrors(server);
  // Model calls take minutes: no request timeout of our own beyond Node's for receiving the request.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 30_000;

  return listenHttp(server, options.port, options.host).then((port) => ({
    port,
    close: () => {
      const closed = closeHttp(server);
      agents['http:'].destroy();
      agents['https:'].destroy();
      return closed;
    },
  }));
}
