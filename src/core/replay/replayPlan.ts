// Replay a recorded run up to a chosen call and fork it there with an edit. The proxy, in replay
// mode, asks a ReplayMatcher what to do with each request of the new run, in the order they
// arrive:
//   before the fork point  serve the recorded response (matched in call order by request hash;
//                          a request sent again gets its recorded answer again), or, for a
//                          request that matches nothing, go live (or fail) and say why;
//   at the fork point      apply the edit (request edit: forward the edited body; response edit:
//                          answer with the replacement in the API's wire format, no upstream call);
//   after it               go live, with a request edit kept (system prompt, model, parameters,
//                          and the edited conversation wherever a later call repeats it as its
//                          history), or, for a response edit the user wants kept offline, serve
//                          the later recorded responses by hash, else by position.
// Pure: the matcher holds only its own state; the proxy does the I/O.
import { jsonEqual, type JsonObject } from './json';
import { requestHash, type Sha256Hex } from './requestHash';
import { apiName, parseRequest, serializeRequest, type ModelApi, type NeutralMessage, type RequestView } from './requestShape';
import { callProblems, runProblems } from './problems';
import { describeDifference } from './shapeChange';
import { synthesisOptionsFor, synthesizeResponse, JSON_CONTENT_TYPE, type ReplacementResponse } from './synthesizeResponse';

/** One call of the original run as the proxy recorded it (the recordings store maps onto this). */
export interface RecordedCall {
  /** The API the call went to (apiForPath of its request path). */
  api: ModelApi;
  /** The exact request body (JSON text). */
  requestBody: string;
  /** The exact response bytes the upstream wrote (JSON or SSE). */
  responseBody: Uint8Array | string;
  /** The response's Content-Type header. */
  contentType: string;
  /** The response's HTTP status. */
  status: number;
  /** Whether the response was a stream (SSE). */
  streamed: boolean;
}

/** Change what the fork call asks: any field given replaces the request's own. */
export interface RequestEdit {
  kind: 'request';
  /** The new system prompt; null removes it. */
  system?: string | null;
  /** The fork call's new conversation (system prompt excluded), e.g. the recorded call's view messages, edited. */
  messages?: NeutralMessage[];
  model?: string;
  /** Parameters to set (temperature, max_tokens…), in the API's own names. */
  parameters?: JsonObject;
  /** Parameters to remove. */
  removeParameters?: string[];
}

/** Answer the fork call with this response instead of asking the model. */
export interface ResponseEdit {
  kind: 'response';
  response: ReplacementResponse;
  /** Serve the calls after the fork from the recording too (by hash, else by position) instead of going live. */
  keepLaterReplayed: boolean;
}

export type ForkEdit = RequestEdit | ResponseEdit;

export interface ReplayPlanInput {
  /** The original run's calls, in call order. */
  recorded: RecordedCall[];
  /** Index (0-based) in `recorded` of the call to edit. */
  forkAt: number;
  edit: ForkEdit;
  /** A call before the fork point that matches no recording: send it upstream ('live', the default) or answer it with an error ('fail'). */
  onUnmatched?: 'live' | 'fail';
  /** The SHA-256 to hash requests with; core's pure one by default (src/server may pass node:crypto's, the same digest). */
  sha256?: Sha256Hex;
}

export interface IncomingRequest {
  api: ModelApi;
  /** The request body exactly as the agent sent it. */
  body: string;
}

export type ReplayDecision =
  /** Answer with these recorded bytes, status and content type; send nothing upstream. */
  | { action: 'replay'; callIndex: number; status: number; contentType: string; body: Uint8Array | string }
  /** Send upstream: `body` is the edited body, or null to send the agent's bytes untouched. */
  | { action: 'forward'; body: string | null }
  /** Answer with this synthesized response (a replacement, or an error in the API's error format); send nothing upstream. */
  | { action: 'respond'; status: number; contentType: string; body: string };

export type CallOutcome =
  | 'replayed'
  | 'replayed-again'
  | 'replayed-by-position'
  | 'fork-edited'
  | 'fork-replaced'
  | 'live'
  | 'unmatched-live'
  | 'unmatched-failed'
  | 'unreadable';

export interface CallReport {
  /** 0-based index of the request in the new run. */
  request: number;
  outcome: CallOutcome;
  /** The recorded call it was served from or compared with, 0-based; null when none. */
  callIndex: number | null;
  /** The request differs from the recording in API, model, tools, stream form or parameters. */
  shapeChanged: boolean;
  /** Plain sentences for the run output and the step. */
  messages: string[];
}

export interface ReplayReport {
  calls: CallReport[];
  /** Whether the new run reached the fork point. */
  forkReached: boolean;
  /** Recorded calls before the fork point the new run did not ask for (0-based). */
  notAskedAgain: number[];
  /** Requests sent upstream (edited or not). */
  liveCalls: number;
  /** Every problem in plain sentences: unmatched calls, changed shapes, calls not asked again, a fork never reached. */
  problems: string[];
}

/** The status of an error answered by the proxy itself: a 4xx the SDKs do not retry (they retry 408, 409, 429 and 5xx). */
export const REPLAY_ERROR_STATUS = 424;

/** An error body in the API's own error format, so the agent's SDK shows the message. */
export function replayErrorBody(api: ModelApi, message: string): string {
  const text = `Agent Trace replay: ${message}`;
  if (api === 'anthropic.messages') return JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: text } });
  return JSON.stringify({ error: { message: text, type: 'invalid_request_error', param: null, code: 'agent_trace_replay' } });
}

interface Recording {
  call: RecordedCall;
  view: RequestView | null;
  hash: string | null;
}

const callName = (i: number): string => `Call ${i + 1}`;
const recordedName = (i: number): string => `recorded call ${i + 1}`;

/** Validates the input; a clear message for a fork point outside the recording. */
export function planReplay(input: ReplayPlanInput): { ok: true; matcher: ReplayMatcher } | { ok: false; error: string } {
  const n = input.recorded.length;
  if (!Number.isInteger(input.forkAt) || input.forkAt < 0 || input.forkAt >= n) {
    return { ok: false, error: n === 0 ? 'The run has no recorded model calls to replay.' : `The fork point (call ${input.forkAt + 1}) is not one of the ${n} recorded calls.` };
  }
  const fork = input.recorded[input.forkAt];
  if (parseRequest(fork.api, fork.requestBody).ok === false) return { ok: false, error: `The recorded request of call ${input.forkAt + 1} cannot be read, so it cannot be edited.` };
  return { ok: true, matcher: new ReplayMatcher(input) };
}

export class ReplayMatcher {
  private readonly recordings: Recording[];
  private readonly forkAt: number;
  private readonly edit: ForkEdit;
  private readonly onUnmatched: 'live' | 'fail';
  private readonly used = new Set<number>();
  private readonly calls: CallReport[] = [];
  private cursor = 0;
  private afterFork = false;
  /** The fork call's conversation as the new run sent it, before the edit: later calls that repeat it get the edited one. */
  private forkMessages: NeutralMessage[] | null = null;
  private editedMessages: NeutralMessage[] | null = null;
  private laterCursor: number;
  private live = 0;
  private readonly sha256: Sha256Hex | undefined;

  constructor(input: ReplayPlanInput) {
    this.sha256 = input.sha256;
    this.recordings = input.recorded.map((call) => {
      const parsed = parseRequest(call.api, call.requestBody);
      return parsed.ok ? { call, view: parsed.view, hash: requestHash(parsed.view, input.sha256) } : { call, view: null, hash: null };
    });
    this.forkAt = input.forkAt;
    this.edit = input.edit;
    this.onUnmatched = input.onUnmatched ?? 'live';
    this.laterCursor = input.forkAt + 1;
  }

  /** What to do with the next request of the new run. `nowMs` dates a synthesized response. */
  next(request: IncomingRequest, nowMs: number): ReplayDecision {
    const index = this.calls.length;
    const parsed = parseRequest(request.api, request.body);
    if (!parsed.ok) {
      this.note(index, 'unreadable', null, false, [`${callName(index)} could not be read (${parsed.error}); it was sent upstream unchanged.`]);
      return this.forward(null);
    }
    const view = parsed.view;
    // After the fork a request is hashed only when later calls stay replayed: live calls skip the cost.
    if (this.afterFork) return this.later(index, view, request.api);
    return this.beforeFork(index, view, requestHash(view, this.sha256), request.api, nowMs);
  }

  private beforeFork(index: number, view: RequestView, hash: string, api: ModelApi, nowMs: number): ReplayDecision {
    // The first recorded call with this hash not served yet: identical requests get their answers in
    // call order, and parallel calls that arrive in another order still find their own.
    const match = this.find(hash, 0, this.forkAt);
    if (match !== -1) {
      this.cursor = Math.max(this.cursor, match + 1);
      return this.serve(index, match, view, 'replayed');
    }
    if (this.recordings[this.forkAt].hash === hash) return this.fork(index, view, hash, nowMs);
    const again = this.findUsed(hash);
    if (again !== -1) return this.serve(index, again, view, 'replayed-again');
    if (this.cursor >= this.forkAt) return this.fork(index, view, hash, nowMs);
    let expectedIndex = 0;
    while (this.used.has(expectedIndex)) expectedIndex++;
    const expected = this.recordings[expectedIndex];
    const diff = expected.view ? describeDifference(callName(index), expected.view, view) : { shapeChanged: false, messages: [] };
    const lead = `${callName(index)} matches no recorded call before the fork point (the next expected was ${recordedName(expectedIndex)}).`;
    if (this.onUnmatched === 'fail') {
      this.note(index, 'unmatched-failed', expectedIndex, diff.shapeChanged, [`${lead} It was answered with an error.`, ...diff.messages]);
      return { action: 'respond', status: REPLAY_ERROR_STATUS, contentType: JSON_CONTENT_TYPE, body: replayErrorBody(api, `${lead} ${diff.messages.join(' ')}`.trim()) };
    }
    this.note(index, 'unmatched-live', expectedIndex, diff.shapeChanged, [`${lead} It was sent upstream.`, ...diff.messages]);
    return this.forward(null);
  }

  private fork(index: number, view: RequestView, hash: string, nowMs: number): ReplayDecision {
    this.afterFork = true;
    const recorded = this.recordings[this.forkAt].view as RequestView;
    const exact = this.recordings[this.forkAt].hash === hash;
    const diff = exact ? { shapeChanged: false, messages: [] } : describeDifference(callName(index), recorded, view);
    const intro = exact ? [] : [`${callName(index)} was taken as the fork point (${recordedName(this.forkAt)}) though it differs from it.`];
    if (this.edit.kind === 'response') {
      this.note(index, 'fork-replaced', this.forkAt, diff.shapeChanged, [...intro, ...diff.messages]);
      const answer = synthesizeResponse(view.api, this.edit.response, synthesisOptionsFor(view, nowMs, hash));
      return { action: 'respond', ...answer };
    }
    this.forkMessages = view.messages;
    if (this.edit.messages) {
      // The edit's message origins point into the recorded request: valid here only when the new request lays out its items the same way.
      const sameLayout = jsonEqual(recorded.messages, view.messages);
      this.editedMessages = sameLayout ? this.edit.messages : this.edit.messages.map(stripFrom);
    }
    this.note(index, 'fork-edited', this.forkAt, diff.shapeChanged, [...intro, ...diff.messages]);
    return this.forward(serializeRequest(this.applyEdit(view, this.edit, true)));
  }

  private later(index: number, view: RequestView, api: ModelApi): ReplayDecision {
    if (this.edit.kind === 'request') {
      this.note(index, 'live', null, false, []);
      return this.forward(serializeRequest(this.applyEdit(view, this.edit, false)));
    }
    if (!this.edit.keepLaterReplayed) {
      this.note(index, 'live', null, false, []);
      return this.forward(null);
    }
    const byHash = this.find(requestHash(view, this.sha256), this.forkAt + 1, this.recordings.length);
    if (byHash !== -1) return this.serve(index, byHash, view, 'replayed');
    let byPosition = this.laterCursor;
    while (byPosition < this.recordings.length && (this.used.has(byPosition) || this.recordings[byPosition].call.api !== api)) byPosition++;
    if (byPosition < this.recordings.length) {
      this.laterCursor = byPosition + 1;
      return this.serve(index, byPosition, view, 'replayed-by-position');
    }
    const message = `${callName(index)} comes after the replaced response, and no recorded call is left to answer it.`;
    this.note(index, 'unmatched-failed', null, false, [`${message} It was answered with an error, as later calls were to stay replayed.`]);
    return { action: 'respond', status: REPLAY_ERROR_STATUS, contentType: JSON_CONTENT_TYPE, body: replayErrorBody(api, message) };
  }

  private serve(index: number, callIndex: number, view: RequestView, outcome: 'replayed' | 'replayed-again' | 'replayed-by-position'): ReplayDecision {
    const rec = this.recordings[callIndex];
    const messages: string[] = [];
    if (rec.call.streamed !== view.stream) {
      // The recorded bytes are in the other form (SSE vs JSON): the agent's SDK could not read them.
      const diff = describeDifference(callName(index), rec.view as RequestView, view);
      this.note(index, this.onUnmatched === 'fail' ? 'unmatched-failed' : 'unmatched-live', callIndex, true, [
        `${callName(index)} matches ${recordedName(callIndex)}, but ${view.stream ? 'asks for a stream' : 'asks for a single answer'} and the recording is ${rec.call.streamed ? 'a stream' : 'a single answer'}: it cannot be replayed.`,
        ...diff.messages,
      ]);
      return this.onUnmatched === 'fail'
        ? { action: 'respond', status: REPLAY_ERROR_STATUS, contentType: JSON_CONTENT_TYPE, body: replayErrorBody(view.api, `${recordedName(callIndex)} was recorded in the other stream form.`) }
        : this.forward(null);
    }
    if (outcome === 'replayed-again') messages.push(`${callName(index)} repeats an earlier request and got ${recordedName(callIndex)}'s answer again.`);
    if (outcome === 'replayed-by-position') messages.push(`${callName(index)} differs from the recording after the replaced response and was answered with ${recordedName(callIndex)}, the next recorded ${apiName(view.api)} call.`);
    this.used.add(callIndex);
    this.note(index, outcome, callIndex, false, messages);
    return { action: 'replay', callIndex, status: rec.call.status, contentType: rec.call.contentType, body: rec.call.responseBody };
  }

  private applyEdit(view: RequestView, edit: RequestEdit, atFork: boolean): RequestView {
    const out: RequestView = { ...view };
    if (edit.model !== undefined) out.model = edit.model;
    if (edit.system !== undefined) out.system = edit.system;
    if (edit.parameters || edit.removeParameters) {
      const parameters: JsonObject = { ...view.parameters, ...(edit.parameters ?? {}) };
      for (const k of edit.removeParameters ?? []) delete parameters[k];
      out.parameters = parameters;
    }
    const edited = this.editedMessages;
    const original = this.forkMessages;
    if (edited && original) {
      if (atFork) out.messages = edited;
      else out.messages = this.rewriteHistory(view.messages, original, edited);
    }
    return out;
  }

  /** A later call repeating the fork call's conversation as its history gets the edited conversation in its place. */
  private rewriteHistory(messages: NeutralMessage[], original: NeutralMessage[], edited: NeutralMessage[]): NeutralMessage[] {
    const head = messages.slice(0, original.length);
    if (jsonEqual(head, original)) return [...edited, ...messages.slice(original.length)];
    if (jsonEqual(head.map(stripFrom), original.map(stripFrom))) return [...edited.map(stripFrom), ...messages.slice(original.length)];
    return messages;
  }

  private find(hash: string, from: number, to: number): number {
    for (let i = from; i < to; i++) if (!this.used.has(i) && this.recordings[i].hash === hash) return i;
    return -1;
  }

  private findUsed(hash: string): number {
    for (let i = this.forkAt - 1; i >= 0; i--) if (this.used.has(i) && this.recordings[i].hash === hash) return i;
    return -1;
  }

  private forward(body: string | null): ReplayDecision {
    this.live++;
    return { action: 'forward', body };
  }

  private note(request: number, outcome: CallOutcome, callIndex: number | null, shapeChanged: boolean, messages: string[]): void {
    this.calls.push({ request, outcome, callIndex, shapeChanged, messages });
  }

  /** What happened so far; ask once the new run has ended for the complete list of problems. */
  report(): ReplayReport {
    const served = new Set(this.calls.filter((c) => c.outcome.startsWith('replayed')).map((c) => c.callIndex));
    const notAskedAgain: number[] = [];
    for (let i = 0; i < this.forkAt; i++) if (!served.has(i)) notAskedAgain.push(i);
    // A repeated request answered again is as it should be; every other note is a problem to show.
    const problems = [...this.calls.flatMap(callProblems), ...runProblems({ notAskedAgain, forkReached: this.afterFork }, this.forkAt)].map((p) => p.message);
    return { calls: this.calls.map((c) => ({ ...c, messages: [...c.messages] })), forkReached: this.afterFork, notAskedAgain, liveCalls: this.live, problems };
  }

  /** The report of the request `next` decided last (null before the first): its problems go with its recording. */
  lastCall(): CallReport | null {
    const c = this.calls.at(-1);
    return c ? { ...c, messages: [...c.messages] } : null;
  }

  /** The recorded call the edit applies to (0-based). */
  get forkPoint(): number {
    return this.forkAt;
  }
}

function stripFrom(m: NeutralMessage): NeutralMessage {
  const { from: _from, ...rest } = m;
  return rest;
}
