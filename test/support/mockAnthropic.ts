// A local stand-in for the Anthropic Messages API (POST /v1/messages, streaming or not), so the
// real Anthropic SDK and its own OpenTelemetry tracing run in tests with no network. Listens on
// 127.0.0.1, ephemeral port. The usage includes prompt-cache reads and writes, so tests can see
// cache tokens travel from the SDK's span attributes to the trace's numbers.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockAnthropic {
  /** e.g. http://127.0.0.1:12345 — pass as the SDK's baseURL. */
  baseUrl: string;
  requests: Array<Record<string, unknown>>;
  /** Headers of every request received, in order (what a proxy passed on). */
  headers: IncomingHttpHeaders[];
  /** The exact bytes written for each answer, in order. */
  written: Buffer[];
  close(): Promise<void>;
}

export const MOCK_ANTHROPIC_MODEL = 'claude-sonnet-4-5-20250929';
export const MOCK_ANTHROPIC_TEXT = 'Sunny in Paris.';
/** As the API reports it: input_tokens are the uncached input only. */
export const MOCK_ANTHROPIC_USAGE = { input_tokens: 12, output_tokens: 6, cache_creation_input_tokens: 2000, cache_read_input_tokens: 100 };

function message(): Record<string, unknown> {
  return {
    id: 'msg_mock_1',
    type: 'message',
    role: 'assistant',
    model: MOCK_ANTHROPIC_MODEL,
    content: [{ type: 'text', text: MOCK_ANTHROPIC_TEXT }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { ...MOCK_ANTHROPIC_USAGE, service_tier: 'standard' },
  };
}

/** The Messages API's server-sent events for one text answer (message_start … message_stop). */
function streamEvents(): string[] {
  const m = message();
  const events: [string, Record<string, unknown>][] = [
    ['message_start', { type: 'message_start', message: { ...m, content: [], stop_reason: null, usage: { ...MOCK_ANTHROPIC_USAGE, output_tokens: 1 } } }],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
    ...MOCK_ANTHROPIC_TEXT.split(/(?<= )/).map((t): [string, Record<string, unknown>] => ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } }]),
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: MOCK_ANTHROPIC_USAGE.output_tokens } }],
    ['message_stop', { type: 'message_stop' }],
  ];
  return events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export async function startMockAnthropic(): Promise<MockAnthropic> {
  const requests: Array<Record<string, unknown>> = [];
  const headers: IncomingHttpHeaders[] = [];
  const written: Buffer[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const text = await readBody(req);
      headers.push(req.headers);
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_mock_1' });
        const b = Buffer.from(JSON.stringify(body));
        written.push(b);
        res.end(b);
      };
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) {
        json(404, { type: 'error', error: { type: 'not_found_error', message: `mock: no route ${req.method} ${req.url}` } });
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json(400, { type: 'error', error: { type: 'invalid_request_error', message: 'mock: invalid JSON' } });
        return;
      }
      requests.push(body);
      if (body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_mock_1' });
        const events = streamEvents();
        written.push(Buffer.from(events.join('')));
        for (const e of events) res.write(e);
        res.end();
        return;
      }
      json(200, message());
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    headers,
    written,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
