// A local stand-in for the OpenAI chat-completions API, so real SDKs and their real
// instrumentations can run in tests with no network. Listens on 127.0.0.1, ephemeral port.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockOpenAi {
  /** e.g. http://127.0.0.1:12345/v1 — pass as the SDK's baseURL. */
  baseUrl: string;
  /** Parsed JSON bodies of the requests received, in order. */
  requests: Array<Record<string, unknown>>;
  /** Headers of every request received (any route), in order: tests check what a proxy passed on. */
  headers: IncomingHttpHeaders[];
  /** The exact bytes of every request body received (any route), in order. */
  rawRequests: Buffer[];
  /** The exact bytes the mock wrote for each chat/responses answer, in order (streams: all chunks). */
  written: Buffer[];
  /** Set to break the next streamed answer after its first chunks (the socket is destroyed mid-stream). */
  breakNextStream: boolean;
  /** Requests whose answer is still being written or held (see holdNext). */
  inFlight: number;
  /** Set to hold the next answer until the client goes away (a client-disconnect test). Counts upstream aborts in `aborted`. */
  holdNext: boolean;
  aborted: number;
  /** Set to answer the next chat request with this HTTP status and an OpenAI error body (an upstream failing); cleared when used. */
  failNext: { status: number; message: string } | null;
  close(): Promise<void>;
}

/** What the mock answers; fixed so tests can assert exact numbers. */
export const MOCK_MODEL = 'gpt-4o-mini-2024-07-18';
export const MOCK_USAGE = { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49, cached_tokens: 10, reasoning_tokens: 0 };
export const MOCK_TEXT = 'The weather in Paris is sunny.';
/** The answer to a system prompt that asks for one word, as a model would follow it (a fork's edited prompt changes the answer). */
export const MOCK_TERSE_TEXT = 'Sunny.';
export const MOCK_TOOL_CALL = { id: 'call_mock_1', name: 'get_weather', arguments: '{"city":"Paris"}' };

const usageJson = () => ({
  prompt_tokens: MOCK_USAGE.prompt_tokens,
  completion_tokens: MOCK_USAGE.completion_tokens,
  total_tokens: MOCK_USAGE.total_tokens,
  prompt_tokens_details: { cached_tokens: MOCK_USAGE.cached_tokens, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: MOCK_USAGE.reasoning_tokens, audio_tokens: 0 },
});

interface ChatRequest {
  model?: string;
  stream?: boolean;
  tools?: unknown[];
  messages?: Array<{ role?: string; content?: unknown }>;
  stream_options?: { include_usage?: boolean };
}

// A tool call is answered when tools are offered and no tool result has come back yet.
function wantsToolCall(req: ChatRequest): boolean {
  const offered = Array.isArray(req.tools) && req.tools.length > 0;
  const answered = (req.messages ?? []).some((m) => m.role === 'tool');
  return offered && !answered;
}

function answerText(req: ChatRequest): string {
  const system = (req.messages ?? []).find((m) => m.role === 'system');
  return typeof system?.content === 'string' && /one word/i.test(system.content) ? MOCK_TERSE_TEXT : MOCK_TEXT;
}

function completion(req: ChatRequest): Record<string, unknown> {
  const tool = wantsToolCall(req);
  return {
    id: 'chatcmpl-mock-1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: MOCK_MODEL,
    system_fingerprint: 'fp_mock',
    choices: [{
      index: 0,
      finish_reason: tool ? 'tool_calls' : 'stop',
      logprobs: null,
      message: tool
        ? { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: MOCK_TOOL_CALL.id, type: 'function', function: { name: MOCK_TOOL_CALL.name, arguments: MOCK_TOOL_CALL.arguments } }] }
        : { role: 'assistant', content: answerText(req), refusal: null },
    }],
    usage: usageJson(),
  };
}

function streamChunks(req: ChatRequest): Array<Record<string, unknown>> {
  const base = { id: 'chatcmpl-mock-1', object: 'chat.completion.chunk', created: 1_700_000_000, model: MOCK_MODEL, system_fingerprint: 'fp_mock' };
  const chunks: Array<Record<string, unknown>> = [];
  if (wantsToolCall(req)) {
    chunks.push({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: MOCK_TOOL_CALL.id, type: 'function', function: { name: MOCK_TOOL_CALL.name, arguments: '' } }] }, finish_reason: null }] });
    chunks.push({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: MOCK_TOOL_CALL.arguments } }] }, finish_reason: null }] });
    chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
  } else {
    const words = answerText(req).split(/(?<= )/);
    chunks.push({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    for (const w of words) chunks.push({ ...base, choices: [{ index: 0, delta: { content: w }, finish_reason: null }] });
    chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  }
  if (req.stream_options?.include_usage) chunks.push({ ...base, choices: [], usage: usageJson() });
  return chunks;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** A Responses API answer (POST /v1/responses), enough for the SDK's `responses.create`. */
function responsesAnswer(): Record<string, unknown> {
  return {
    id: 'resp_mock_1',
    object: 'response',
    created_at: 1_700_000_000,
    status: 'completed',
    model: MOCK_MODEL,
    output: [{ type: 'message', id: 'msg_mock_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: MOCK_TEXT, annotations: [] }] }],
    usage: { input_tokens: MOCK_USAGE.prompt_tokens, output_tokens: MOCK_USAGE.completion_tokens, total_tokens: MOCK_USAGE.total_tokens },
  };
}

/**
 * `reply`: the assistant text for a (non-streamed) request, when a test needs another answer than
 * MOCK_TEXT (a judge's verdict, say); undefined keeps the default.
 */
export async function startMockOpenAi(opts: { reply?: (req: Record<string, unknown>) => string | undefined } = {}): Promise<MockOpenAi> {
  const requests: Array<Record<string, unknown>> = [];
  const state = { headers: [] as IncomingHttpHeaders[], rawRequests: [] as Buffer[], written: [] as Buffer[], breakNextStream: false, inFlight: 0, holdNext: false, aborted: 0, failNext: null as MockOpenAi['failNext'] };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const raw = await readBody(req);
      const text = raw.toString('utf8');
      state.headers.push(req.headers);
      state.rawRequests.push(raw);
      const out: Buffer[] = [];
      state.written.push(Buffer.alloc(0));
      const slot = state.written.length - 1;
      const write = (s: string) => {
        const b = Buffer.from(s);
        out.push(b);
        state.written[slot] = Buffer.concat(out);
        return res.write(b);
      };
      if (state.holdNext) {
        state.holdNext = false;
        state.inFlight++;
        res.on('close', () => {
          state.inFlight--;
          state.aborted++;
        });
        return;
      }
      if (req.method === 'POST' && req.url?.endsWith('/responses')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        write(JSON.stringify(responsesAnswer()));
        res.end();
        return;
      }
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `mock: no route ${req.method} ${req.url}`, type: 'invalid_request_error' } }));
        return;
      }
      let body: ChatRequest & Record<string, unknown>;
      try {
        body = JSON.parse(text) as ChatRequest & Record<string, unknown>;
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'mock: invalid JSON', type: 'invalid_request_error' } }));
        return;
      }
      requests.push(body);
      if (state.failNext) {
        const { status, message } = state.failNext;
        state.failNext = null;
        res.writeHead(status, { 'content-type': 'application/json' });
        write(JSON.stringify({ error: { message, type: 'server_error', param: null, code: null } }));
        res.end();
        return;
      }
      if (body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const chunks = streamChunks(body);
        if (state.breakNextStream) {
          state.breakNextStream = false;
          for (const chunk of chunks.slice(0, 2)) write(`data: ${JSON.stringify(chunk)}\n\n`);
          // Let the chunks leave, then cut the connection: a stream broken mid-way.
          res.once('drain', () => res.destroy());
          if (!res.writableNeedDrain) setImmediate(() => res.destroy());
          return;
        }
        for (const chunk of chunks) write(`data: ${JSON.stringify(chunk)}\n\n`);
        write('data: [DONE]\n\n');
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      const answer = completion(body);
      const replyText = opts.reply?.(body);
      if (replyText !== undefined) (answer.choices as { message: { content: string | null } }[])[0].message.content = replyText;
      write(JSON.stringify(answer));
      res.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  });
}
