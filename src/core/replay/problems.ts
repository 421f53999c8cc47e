// What went wrong in a forked run or a re-sent call, as facts a step can carry (issue 10, "Bad
// input": an upstream that is down, a 4xx from it, a recording that cannot be matched, an agent
// whose requests changed shape). The matcher's call reports and a live call's outcome become
// problems of a kind, with the plain sentence the run output prints; src/server stores them with
// the recorded call (so the forked trace's step that made the call shows them) or on the step the
// fork or the resend started from.
import type { CallReport, ReplayReport } from './replayPlan';

export type ReplayProblemKind =
  /** A call before the fork point matched no recorded call (sent live or refused). */
  | 'unmatched'
  /** The request differs from the recording in API, model, tools, stream form or parameters. */
  | 'shape-changed'
  /** The request could not be read as a model call (sent upstream unchanged). */
  | 'unreadable'
  /** The request was served or taken as the fork point though it differs from the recording. */
  | 'differs'
  /** A live call failed: the upstream could not be reached, answered an error, or broke off. */
  | 'upstream'
  /** Recorded calls before the fork point the new run did not ask for. */
  | 'not-asked-again'
  /** The new run never reached the fork point: the edit was not applied. */
  | 'fork-not-reached';

export interface ReplayProblem {
  kind: ReplayProblemKind;
  /** 0-based index of the request in the new run it is about; null for the run as a whole. */
  call: number | null;
  /** A plain sentence (for the step and the run output). */
  message: string;
}

/** The problems of one call of the new run: none for a clean replay or a request sent again. */
export function callProblems(c: CallReport): ReplayProblem[] {
  if (c.outcome === 'replayed-again' || c.messages.length === 0) return [];
  const kind: ReplayProblemKind =
    c.outcome === 'unreadable' ? 'unreadable' : c.shapeChanged ? 'shape-changed' : c.outcome.startsWith('unmatched') ? 'unmatched' : 'differs';
  return c.messages.map((message) => ({ kind, call: c.request, message }));
}

/** The problems of the run as a whole, after its calls': recorded calls not asked again, a fork point never reached. */
export function runProblems(report: Pick<ReplayReport, 'notAskedAgain' | 'forkReached'>, forkAt: number): ReplayProblem[] {
  const out: ReplayProblem[] = [];
  if (report.notAskedAgain.length) {
    out.push({ kind: 'not-asked-again', call: null, message: `The new run did not ask ${report.notAskedAgain.map((i) => `call ${i + 1}`).join(', ')} of the recording again.` });
  }
  if (!report.forkReached) {
    out.push({ kind: 'fork-not-reached', call: null, message: `The new run did not reach the fork point (recorded call ${forkAt + 1}): the edit was not applied.` });
  }
  return out;
}

/** Bytes of an error body read for its message at most (a bigger body is named by its status only). */
const MAX_ERROR_BODY = 64 * 1024;
const MAX_ERROR_MESSAGE = 300;

/** The message of an error body in the OpenAI (`error.message`) or Anthropic (`error.message` under type "error") form, else null. */
export function upstreamErrorMessage(body: string): string | null {
  if (body.length > MAX_ERROR_BODY || !body.trimStart().startsWith('{')) return null;
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    const error = parsed.error;
    const message = error && typeof error === 'object' ? (error as { message?: unknown }).message : typeof error === 'string' ? error : parsed.message;
    if (typeof message !== 'string' || !message.trim()) return null;
    const flat = message.replace(/\s+/g, ' ').trim();
    return flat.length > MAX_ERROR_MESSAGE ? `${flat.slice(0, MAX_ERROR_MESSAGE)}…` : flat;
  } catch {
    return null;
  }
}

/** How a call that went to the upstream ended, as the proxy recorded it. */
export interface LiveOutcome {
  /** The upstream's status; null when none came (unreachable). */
  status: number | null;
  /** What went wrong in transport (unreachable, the response broke off, the client left), else null. */
  error: string | null;
  /** The response body as text (an error body names the cause). */
  body: string;
}

/**
 * The problem of a call that went to the upstream, or null when it succeeded. `call` names it
 * ("Call 3 (a live call of the forked run)", "The re-sent call").
 */
export function liveCallProblem(call: string, outcome: LiveOutcome, index: number | null): ReplayProblem | null {
  const said = upstreamErrorMessage(outcome.body);
  if (outcome.status === null) {
    return { kind: 'upstream', call: index, message: `${call} failed: the upstream could not be reached (${outcome.error ?? 'no answer'}).` };
  }
  if (outcome.status === 502 && said?.startsWith('Agent Trace proxy:')) {
    return { kind: 'upstream', call: index, message: `${call} failed: the upstream could not be reached. ${said}` };
  }
  if (outcome.status >= 400) {
    return { kind: 'upstream', call: index, message: `${call} was answered ${outcome.status} by the upstream${said ? `: ${said}` : '.'}` };
  }
  if (outcome.error && /before it was complete/.test(outcome.error)) {
    return { kind: 'upstream', call: index, message: `${call} broke off before its response was complete (${outcome.error}).` };
  }
  return null;
}
