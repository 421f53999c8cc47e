// Replay mode of the recording proxy (issue 10): a fork session serves a forked run its original
// run's recorded responses up to the chosen step, applies the edit there and goes live after it,
// as core/replay's matcher decides. Only requests under the session's own path prefix
// (/replay/<sessionId>/…, put in the forked run's OPENAI_BASE_URL / ANTHROPIC_BASE_URL) use it:
// every other request through the proxy is forwarded as usual.
import { createHash, randomBytes } from 'node:crypto';
import type http from 'node:http';
import { apiForPath, callProblems, liveCallProblem, planReplay, runProblems, type ForkEdit, type RecordedCall, type ReplayMatcher, type ReplayProblem, type ReplayReport } from '../../core/replay';
import { requestModel } from '../../core/proxy/link';
import { parseTraceparent } from '../../core/proxy/traceparent';
import type { NewRecording, NewReplayProblem, StoredRecording } from '../../store/recordings';
import type { TraceStore } from '../../store/traceStore';
import { recordingsOfTrace } from './recordingLinks';

/** The `upstream` of a call the proxy answered with a replacement response (read back by the compare of a fork). */
export const SYNTHESIZED_UPSTREAM = 'replay: synthesized by Agent Trace';

export const REPLAY_PATH_PREFIX = '/replay/';
/** Sessions kept at once; the oldest goes first (a forgotten session costs only memory). */
const MAX_SESSIONS = 16;
/** A replayed request body larger than this is refused with 413 (the recorded ones are capped lower). */
const MAX_REPLAY_REQUEST_BYTES = 32 * 1024 * 1024;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const utf8 = new TextDecoder('utf-8');

export interface ForkSessionRequest {
  traceId: string;
  /** The LLM step to fork at. */
  spanId: string;
  edit: ForkEdit;
  onUnmatched?: 'live' | 'fail';
}

export type ForkSessionStart =
  | { ok: true; sessionId: string; pathPrefix: string; recordedCalls: number; forkAt: number; notes: string[] }
  | { ok: false; error: string };

interface Session {
  id: string;
  traceId: string;
  spanId: string;
  matcher: ReplayMatcher;
  /** Recorded call index → the recording it came from (to name it in replayed recordings). */
  recordingIds: number[];
  /** Transport problems the matcher cannot see (an unreachable upstream, a refused body). */
  transport: ReplayProblem[];
  createdMs: number;
}

/** A trace's recorded model calls in call order, as the replay core reads them, with the fork step's index. */
export function recordedCallsOf(store: TraceStore, traceId: string, spanId: string): { calls: RecordedCall[]; ids: number[]; forkAt: number; notes: string[] } | { error: string } {
  const trace = store.getTrace(traceId);
  if (!trace) return { error: `Trace ${traceId} is not in the store.` };
  const step = trace.spans.find((s) => s.spanId === spanId);
  if (!step) return { error: `Step ${spanId} is not in trace ${traceId}.` };
  if (step.norm.kind !== 'llm') return { error: `"${step.name}" is not an LLM step: only a model call can be re-run from.` };
  const linked = recordingsOfTrace(store, traceId, trace.spans);
  const fork = linked.get(spanId);
  if (!fork) {
    return { error: `"${step.name}" has no recorded call. Enable the recording proxy (agentTrace.proxy.enabled), run the agent once through it, and fork that run.` };
  }
  const byId = new Map<number, StoredRecording>();
  for (const { recording } of linked.values()) byId.set(recording.id, recording);
  const ordered = [...byId.values()].sort((a, b) => a.startedMs - b.startedMs || a.id - b.id);
  const calls: RecordedCall[] = [];
  const ids: number[] = [];
  const notes: string[] = [];
  for (const r of ordered) {
    const api = apiForPath(r.path);
    if (!api) continue;
    if (r.request.truncated || r.response.truncated) notes.push(`Recorded call #${r.id} was cut at the proxy's size limit; it cannot be replayed exactly and will go live if asked.`);
    if (r.request.truncated || r.response.truncated) continue;
    calls.push({
      api,
      requestBody: utf8.decode(r.request.body),
      responseBody: r.response.body,
      contentType: r.response.headers['content-type'] ?? 'application/json',
      status: r.status ?? 502,
      streamed: r.streamed,
    });
    ids.push(r.id);
  }
  const forkAt = ids.indexOf(fork.recording.id);
  if (forkAt < 0) return { error: `The recorded call of "${step.name}" cannot be replayed (${notes.join(' ') || 'its path is not a model API'}).` };
  return { calls, ids, forkAt, notes };
}

export class ReplaySessions {
  private readonly sessions = new Map<string, Session>();

  start(store: TraceStore, request: ForkSessionRequest): ForkSessionStart {
    const found = recordedCallsOf(store, request.traceId.toLowerCase(), request.spanId.toLowerCase());
    if ('error' in found) return { ok: false, error: found.error };
    const plan = planReplay({ recorded: found.calls, forkAt: found.forkAt, edit: request.edit, onUnmatched: request.onUnmatched, sha256 });
    if (!plan.ok) return { ok: false, error: plan.error };
    const id = randomBytes(8).toString('hex');
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    this.sessions.set(id, {
      id, traceId: request.traceId.toLowerCase(), spanId: request.spanId.toLowerCase(), matcher: plan.matcher, recordingIds: found.ids, transport: [], createdMs: Date.now(),
    });
    return { ok: true, sessionId: id, pathPrefix: `${REPLAY_PATH_PREFIX}${id}`, recordedCalls: found.calls.length, forkAt: found.forkAt, notes: found.notes };
  }

  /** The session's report so far (with transport problems among the problems); `end` forgets the session. */
  report(sessionId: string, end = false): (ReplayReport & { sessionId: string }) | null {
    const s = this.sessions.get(sessionId);
    if (!s) return null;
    if (end) this.sessions.delete(sessionId);
    const report = s.matcher.report();
    return { ...report, problems: [...report.problems, ...s.transport.map((p) => p.message)], sessionId };
  }

  /** The session's problems with their kinds (its calls', its live calls' failures, the run's), and the step it forks. */
  problems(sessionId: string): { traceId: string; spanId: string; problems: ReplayProblem[] } | null {
    const s = this.sessions.get(sessionId);
    if (!s) return null;
    const report = s.matcher.report();
    const problems = [...report.calls.flatMap(callProblems), ...s.transport, ...runProblems(report, s.matcher.forkPoint)];
    return { traceId: s.traceId, spanId: s.spanId, problems };
  }

  /** The session a request path belongs to and the path the agent meant; null when not a replay path. */
  route(rawPath: string): { session: Session | null; sessionId: string; path: string } | null {
    if (!rawPath.startsWith(REPLAY_PATH_PREFIX)) return null;
    const rest = rawPath.slice(REPLAY_PATH_PREFIX.length);
    const slash = rest.search(/[/?]/);
    const sessionId = slash < 0 ? rest : rest.slice(0, slash);
    const path = slash < 0 ? '/' : rest[slash] === '?' ? `/${rest.slice(slash)}` : rest.slice(slash);
    return { session: this.sessions.get(sessionId) ?? null, sessionId, path };
  }

  /** Notes a transport problem of a live call (shown with the report). */
  noteProblem(session: Session, problem: ReplayProblem): void {
    if (session.transport.length < 100) session.transport.push(problem);
  }
}

export interface ReplayIo {
  /** Send upstream with this body (the edited one, or the agent's bytes); `annotate` sees its recording before it is stored. */
  forward(path: string, body: Buffer, annotate: (recording: NewRecording) => NewRecording): void;
  /** A replayed or synthesized call, as a recording (so the forked run can itself be forked). */
  record(recording: NewRecording): void;
}

function errorBody(message: string): string {
  return JSON.stringify({ type: 'error', error: { type: 'agent_trace_replay_error', code: 'replay', message } });
}

function sendJson(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The problems of one call as stored with its recording (and so shown on the forked trace's step that made it). */
function storedProblems(session: Session, problems: readonly ReplayProblem[]): NewReplayProblem[] {
  return problems.map((p) => ({ origin: 'fork', sessionId: session.id, kind: p.kind, call: p.call, message: p.message }));
}

/**
 * A call that went upstream, once its recording is made: the matcher's problems with it, and a
 * failure of the upstream (down, an error status, a stream that broke off) added to them and to
 * the session's report, in words.
 */
function liveAnnotation(sessions: ReplaySessions, session: Session, path: string, index: number | null, known: readonly ReplayProblem[]) {
  return (recording: NewRecording): NewRecording => {
    const name = `${index === null ? 'A call' : `Call ${index + 1}`} of the forked run (live, ${path.split('?')[0]!.slice(0, 200)})`;
    const failed = liveCallProblem(name, { status: recording.status, error: recording.error, body: utf8.decode(recording.response.body) }, index);
    if (failed) sessions.noteProblem(session, failed);
    const problems = failed ? [...known, failed] : known;
    return problems.length ? { ...recording, problems: storedProblems(session, problems) } : recording;
  };
}

/**
 * One request of a forked run: read the body (bounded), ask the matcher, then answer from the
 * recording, answer with the synthesized response or error, or forward. Every path answers the
 * client: an unknown session or a refused body gets a JSON error at once.
 */
export function serveReplayRequest(
  sessions: ReplaySessions,
  route: NonNullable<ReturnType<ReplaySessions['route']>>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  io: ReplayIo,
): void {
  const { session, path } = route;
  if (!session) {
    req.resume();
    sendJson(res, 404, errorBody(`Agent Trace proxy: replay session ${route.sessionId.slice(0, 40)} is unknown (ended, or the trace server restarted). Start "Re-run from this step" again.`));
    return;
  }
  const parts: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (c: Buffer) => {
    if (refused) return;
    size += c.length;
    if (size > MAX_REPLAY_REQUEST_BYTES) {
      refused = true;
      sessions.noteProblem(session, { kind: 'unreadable', call: null, message: `A request of more than ${MAX_REPLAY_REQUEST_BYTES} bytes was refused.` });
      sendJson(res, 413, errorBody(`Agent Trace proxy: a replayed request may have at most ${MAX_REPLAY_REQUEST_BYTES} bytes.`));
      req.resume();
      return;
    }
    parts.push(c);
  });
  req.on('error', () => res.destroy());
  req.on('end', () => {
    if (refused) return;
    const body = Buffer.concat(parts);
    const api = apiForPath(path);
    if (!api || req.method !== 'POST') {
      io.forward(path, body, liveAnnotation(sessions, session, path, null, []));
      return;
    }
    const startedMs = Date.now();
    let decision;
    try {
      decision = session.matcher.next({ api, body: body.toString('utf8') }, startedMs);
    } catch (err) {
      sessions.noteProblem(session, { kind: 'unreadable', call: null, message: `A request could not be matched: ${(err as Error).message}` });
      sendJson(res, 500, errorBody(`Agent Trace proxy: the replay failed on this request (${(err as Error).message}).`));
      return;
    }
    const call = session.matcher.lastCall();
    const problems = call ? callProblems(call) : [];
    if (decision.action === 'forward') {
      io.forward(path, decision.body === null ? body : Buffer.from(decision.body, 'utf8'), liveAnnotation(sessions, session, path, call?.request ?? null, problems));
      return;
    }
    const answer = typeof decision.body === 'string' ? Buffer.from(decision.body, 'utf8') : Buffer.from(decision.body);
    res.writeHead(decision.status, { 'content-type': decision.contentType, 'content-length': answer.length });
    res.end(answer);
    const traceparent = parseTraceparent(req.headers.traceparent);
    const from = decision.action === 'replay' ? `replay of recording #${session.recordingIds[decision.callIndex] ?? '?'}` : SYNTHESIZED_UPSTREAM;
    io.record({
      startedMs,
      firstByteMs: startedMs,
      endedMs: Date.now(),
      provider: api.startsWith('anthropic') ? 'anthropic' : 'openai',
      method: 'POST',
      path,
      upstream: from,
      model: requestModel(body.toString('utf8')),
      traceId: traceparent?.traceId ?? null,
      parentSpanId: traceparent?.spanId ?? null,
      status: decision.status,
      error: null,
      streamed: decision.contentType.toLowerCase().startsWith('text/event-stream'),
      request: { headers: { 'content-type': String(req.headers['content-type'] ?? '') }, body, bytes: body.length, truncated: false },
      response: { headers: { 'content-type': decision.contentType }, body: answer, bytes: answer.length, truncated: false },
      ...(problems.length ? { problems: storedProblems(session, problems) } : {}),
    });
  });
}
