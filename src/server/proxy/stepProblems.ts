// Replay and resend problems on the steps they concern (issue 10, "Bad input"), when a trace is
// read: a forked run's call carries its problems with its recording, so the step linked to that
// recording (the forked trace's step that made the call) shows them; a fork or a resend started
// from a step has its problems stored on that step. The same way the "Exact request" tabs find
// their recording (recordingLinks.ts).
import type { StepProblemDto, TraceDetailDto } from '../../protocol/dto';
import type { StoredReplayProblem } from '../../store/recordings';
import type { TraceStore } from '../../store/traceStore';
import type { recordingsOfTrace } from './recordingLinks';

function problemDto(p: StoredReplayProblem, scope: StepProblemDto['scope']): StepProblemDto {
  return { origin: p.origin, scope, kind: p.kind, message: p.message, time: new Date(p.createdMs).toISOString(), sessionId: p.sessionId };
}

/** Sets `problems` on the detail's steps that have any; `linked` is the trace's recordings per step (recordingsOfTrace). */
export function attachStepProblems(store: TraceStore, detail: TraceDetailDto, linked: ReturnType<typeof recordingsOfTrace>): void {
  let ofRecordings: Map<number, StoredReplayProblem[]>;
  let ofSteps: Map<string, StoredReplayProblem[]>;
  try {
    ofRecordings = store.recordings.problemsOfRecordings([...new Set([...linked.values()].map((l) => l.recording.id))]);
    ofSteps = store.recordings.problemsOfSteps(detail.traceId);
  } catch {
    return; // a database from before the problems' migration opened read-only: none to show
  }
  if (ofRecordings.size === 0 && ofSteps.size === 0) return;
  for (const s of detail.spans) {
    const recording = linked.get(s.spanId)?.recording;
    const own = recording ? (ofRecordings.get(recording.id) ?? []).map((p) => problemDto(p, 'call')) : [];
    const started = (ofSteps.get(s.spanId) ?? []).map((p) => problemDto(p, 'started-here'));
    if (own.length || started.length) s.problems = [...own, ...started];
  }
}
