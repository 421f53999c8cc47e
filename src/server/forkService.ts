// "Re-run from this step…" and "Edit and re-send" (issue 10) on the server side: the documents
// the user edits (built from the step's exact recording when there is one), a fork session in the
// recording proxy, and one edited call sent through the proxy to the upstream and stored as a
// trace of its own. Runs in the writer: the proxy lives there.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import {
  API_PATHS, apiForPath, draftFromRequest, liveCallProblem, draftFromSpan, forkEditDocument, forkEditFromDocument, parseRequest, requestFromDocument,
  type ForkEditKind, type ModelApi, type RequestView,
} from '../core/replay';
import type { RawSpan } from '../core/model';
import { recordingsOfTrace } from './proxy/recordingLinks';
import type { TraceServer } from './traceServer';

const utf8 = new TextDecoder('utf-8');
/** No answer from the upstream in this long: the resend gives up with a message (a model call can be slow). */
const RESEND_TIMEOUT_MS = 10 * 60_000;
/** Response bytes kept for the editor; the proxy's recording keeps the exact ones. */
const MAX_RESEND_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface StepDocument {
  ok: true;
  /** JSON text to open in the editor. */
  document: string;
  notes: string[];
  /** Whether the document was read from the step's exact recorded request. */
  fromRecording: boolean;
  /** The recorded response body (for the side-by-side), when there is a recording. */
  recordedResponse: string | null;
}
export type StepDocumentResult = StepDocument | { ok: false; error: string };

interface StepRecording {
  view: RequestView;
  responseBody: string;
  requestHeaders: Record<string, string>;
}

function stepRecording(server: TraceServer, traceId: string, spanId: string): { spans: NonNullable<ReturnType<TraceServer['store']['getTrace']>>['spans']; recorded: StepRecording | null } | { error: string } {
  const trace = server.store.getTrace(traceId);
  if (!trace) return { error: `Trace ${traceId} is not in the store.` };
  const step = trace.spans.find((s) => s.spanId === spanId);
  if (!step) return { error: `Step ${spanId} is not in trace ${traceId}.` };
  if (step.norm.kind !== 'llm') return { error: `"${step.name}" is not an LLM step.` };
  const linked = recordingsOfTrace(server.store, traceId, trace.spans).get(spanId);
  if (!linked) return { spans: trace.spans, recorded: null };
  const api = apiForPath(linked.recording.path);
  const parsed = api ? parseRequest(api, utf8.decode(linked.recording.request.body)) : null;
  if (!parsed?.ok) return { spans: trace.spans, recorded: null };
  return { spans: trace.spans, recorded: { view: parsed.view, responseBody: utf8.decode(linked.recording.response.body), requestHeaders: linked.recording.request.headers } };
}

/** The text of a recorded response (JSON bodies of the three APIs; a stream gives its deltas' text). */
export function responseText(body: string): string | null {
  const texts: string[] = [];
  const visit = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.choices)) for (const c of o.choices as Record<string, unknown>[]) {
      const m = (c.message ?? c.delta) as Record<string, unknown> | undefined;
      if (m && typeof m.content === 'string') texts.push(m.content);
    }
    if (Array.isArray(o.content)) for (const p of o.content as Record<string, unknown>[]) if (p && p.type === 'text' && typeof p.text === 'string') texts.push(p.text);
    if (o.type === 'content_block_delta' && o.delta && typeof (o.delta as Record<string, unknown>).text === 'string') texts.push((o.delta as Record<string, string>).text);
    if (typeof o.output_text === 'string') texts.push(o.output_text);
    else if (Array.isArray(o.output)) for (const item of o.output as Record<string, unknown>[]) visit(item);
    if (o.type === 'response.output_text.delta' && typeof o.delta === 'string') texts.push(o.delta);
  };
  const trimmed = body.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      visit(JSON.parse(trimmed));
    } catch {
      return null;
    }
  } else {
    for (const line of body.split('\n')) {
      if (!line.startsWith('data:')) continue;
      try {
        visit(JSON.parse(line.slice(5).trim()));
      } catch {
        // "[DONE]" and other non-JSON data lines carry no text
      }
    }
  }
  return texts.length ? texts.join('') : null;
}

const pretty = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** The document for "Re-run from this step…" with the chosen edit. */
export function forkDocument(server: TraceServer, traceId: string, spanId: string, kind: ForkEditKind): StepDocumentResult {
  const found = stepRecording(server, traceId, spanId);
  if ('error' in found) return { ok: false, error: found.error };
  if (!found.recorded) {
    return { ok: false, error: 'This step has no recorded call to replay. Enable the recording proxy (Agent Trace: Enable Recording Proxy), run the agent once through it, and re-run from a step of that run.' };
  }
  const r = found.recorded;
  return { ok: true, document: pretty(forkEditDocument(kind, r.view, responseText(r.responseBody))), notes: [], fromRecording: true, recordedResponse: r.responseBody };
}

/** The "Edit and re-send" document: from the exact recording when there is one, else reconstructed from the span. */
export function resendDocument(server: TraceServer, traceId: string, spanId: string): StepDocumentResult {
  const found = stepRecording(server, traceId, spanId);
  if ('error' in found) return { ok: false, error: found.error };
  if (found.recorded) {
    const draft = draftFromRequest(found.recorded.view);
    return { ok: true, document: pretty(draft.document), notes: draft.notes, fromRecording: true, recordedResponse: found.recorded.responseBody };
  }
  const span = found.spans.find((s) => s.spanId === spanId)!;
  const draft = draftFromSpan(span);
  const output = span.norm.messages.filter((m) => m.direction === 'output').map((m) => m.content ?? '').join('\n');
  return { ok: true, document: pretty(draft.document), notes: draft.notes, fromRecording: false, recordedResponse: output || null };
}

/** Starts a fork session for an edited document. */
export function startFork(server: TraceServer, params: { traceId: string; spanId: string; kind: ForkEditKind; document: string; onUnmatched?: 'live' | 'fail' }) {
  const proxyPort = server.status().proxyPort;
  if (proxyPort === null || proxyPort === undefined) {
    return { ok: false as const, error: server.role === 'writer' ? 'The recording proxy is off: enable it (agentTrace.proxy.enabled) to re-run from a step.' : 'The recording proxy runs in another window\'s trace server: re-run from that window.' };
  }
  const found = stepRecording(server, params.traceId, params.spanId);
  if ('error' in found) return { ok: false as const, error: found.error };
  if (!found.recorded) return { ok: false as const, error: 'This step has no recorded call to replay.' };
  const edit = forkEditFromDocument(params.kind, params.document, found.recorded.view);
  if (!edit.ok) return edit;
  const started = server.replaySessions.start(server.store, { traceId: params.traceId, spanId: params.spanId, edit: edit.edit, onUnmatched: params.onUnmatched });
  return started.ok ? { ...started, proxyPort } : started;
}

/**
 * The fork session's report; when it ends, its problems are stored on the step it forked (the
 * user's starting point, and the only step there is for a fork point never reached or a forked
 * run that sent no trace), so the trace panel shows them there.
 */
export function forkReport(server: TraceServer, sessionId: string, end: boolean) {
  const problems = end ? server.replaySessions.problems(sessionId) : null;
  const report = server.replaySessions.report(sessionId, end);
  if (problems && problems.problems.length) {
    try {
      server.store.recordings.addStepProblems(problems.traceId, problems.spanId, problems.problems.map((p) => ({ origin: 'fork' as const, sessionId, kind: p.kind, call: p.call, message: p.message })));
      server.noteLocalChange([problems.traceId]);
    } catch {
      // the run output still has them; a locked or read-only file only loses the step's copy
    }
  }
  return report;
}

/** A failed resend, stored on the step it was sent from (the run output has it too). */
function noteResendProblem(server: TraceServer, step: { traceId: string; spanId: string }, resendTraceId: string, message: string): void {
  try {
    server.store.recordings.addStepProblems(step.traceId, step.spanId, [{ origin: 'resend', sessionId: resendTraceId, kind: 'upstream', call: null, message }]);
    server.noteLocalChange([step.traceId]);
  } catch {
    // the editor's message still says it
  }
}

export interface ResendResult {
  ok: boolean;
  /** A message for the user when the call failed (upstream down, a 4xx…). */
  error?: string;
  status?: number;
  contentType?: string;
  /** The new response body (text). */
  body?: string;
  /** The new trace holding the resent call. */
  traceId?: string;
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

function post(port: number, path: string, body: string, headers: Record<string, string>): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: RESEND_TIMEOUT_MS }, (res) => {
      const parts: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_RESEND_RESPONSE_BYTES) parts.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('the response broke off before it was complete')));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${RESEND_TIMEOUT_MS / 60_000} minutes`)));
    req.on('error', reject);
    req.end(body);
  });
}

function authHeaders(api: ModelApi, apiKey: string | undefined): Record<string, string> {
  if (!apiKey) return {};
  return api === 'anthropic.messages' ? { 'x-api-key': apiKey, 'anthropic-version': '2023-06-01' } : { authorization: `Bearer ${apiKey}` };
}

/** The resent call as a span of its own trace, linked to the step it re-sends (agent_trace.resend.of and a span link). */
function resendSpan(ids: { traceId: string; spanId: string }, of: { traceId: string; spanId: string }, api: ModelApi, request: RequestView, response: { status: number; text: string | null }, startMs: number, endMs: number): RawSpan {
  const nanos = (ms: number) => String(BigInt(Math.round(ms)) * 1_000_000n);
  const parts = (text: string | null) => [{ type: 'text', content: text ?? '' }];
  const input = [
    ...(request.system !== null ? [{ role: 'system', parts: parts(request.system) }] : []),
    ...request.messages.map((m) => ({ role: m.role, parts: parts(m.content) })),
  ];
  return {
    traceId: ids.traceId,
    spanId: ids.spanId,
    parentSpanId: null,
    name: `chat ${request.model ?? ''}`.trim(),
    kind: 'client',
    startUnixNanos: nanos(startMs),
    endUnixNanos: nanos(endMs),
    status: response.status >= 400 ? { code: 'error', message: `HTTP ${response.status}` } : { code: 'unset', message: '' },
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': api.startsWith('anthropic') ? 'anthropic' : 'openai',
      'gen_ai.request.model': request.model ?? '',
      'gen_ai.input.messages': JSON.stringify(input),
      'gen_ai.output.messages': JSON.stringify(response.text === null ? [] : [{ role: 'assistant', parts: parts(response.text) }]),
      'agent_trace.resend.of': `${of.traceId}/${of.spanId}`,
    },
    events: [],
    links: [{ traceId: of.traceId, spanId: of.spanId, attributes: { 'agent_trace.link.kind': 'resend' } }],
    resource: { 'service.name': 'agent-trace-resend' },
    scope: { name: 'agent-trace', version: '1' },
  };
}

/** Sends an edited request document through the proxy to the upstream and stores the call as its own trace. */
export async function resend(server: TraceServer, params: { traceId: string; spanId: string; document: string; apiKey?: string }): Promise<ResendResult> {
  const proxyPort = server.status().proxyPort;
  if (proxyPort === null || proxyPort === undefined) return { ok: false, error: 'The recording proxy is off: enable it (agentTrace.proxy.enabled) to send.' };
  const found = stepRecording(server, params.traceId, params.spanId);
  const base = 'error' in found ? null : found.recorded?.view ?? null;
  const request = requestFromDocument(params.document, base);
  if (!request.ok) return { ok: false, error: request.error };
  const view = parseRequest(request.api, request.body);
  if (!view.ok) return { ok: false, error: view.error };
  const ids = { traceId: hex(16), spanId: hex(8) };
  const startMs = Date.now();
  let answer;
  try {
    answer = await post(proxyPort, API_PATHS[request.api], request.body, { ...authHeaders(request.api, params.apiKey), traceparent: `00-${ids.traceId}-${ids.spanId}-01` });
  } catch (err) {
    const error = `The call could not be completed: ${(err as Error).message}`;
    noteResendProblem(server, params, ids.traceId, `The re-sent call failed: ${(err as Error).message}.`);
    return { ok: false, error };
  }
  const text = responseText(answer.body);
  server.store.writeBatch({ spans: [resendSpan(ids, params, request.api, view.view, { status: answer.status, text }, startMs, Date.now())], logs: [] });
  server.noteLocalChange([ids.traceId]);
  const failed = answer.status >= 400;
  if (failed) {
    const problem = liveCallProblem('The re-sent call', { status: answer.status, error: null, body: answer.body }, null);
    if (problem) noteResendProblem(server, params, ids.traceId, `${problem.message} (stored as trace ${ids.traceId})`);
  }
  return {
    ok: !failed,
    error: failed ? `The upstream answered ${answer.status}: ${(text ?? answer.body).slice(0, 500)}` : undefined,
    status: answer.status,
    contentType: answer.contentType,
    body: answer.body,
    traceId: ids.traceId,
  };
}
