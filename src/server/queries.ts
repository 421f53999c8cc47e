// Read paths shared by the LSP server and the CLI, so both answer with the same DTOs.
import type { TraceDetailDto } from '../protocol/dto';
import type { TraceStore } from '../store/traceStore';
import { titleSourcesOf, traceTitle } from '../core/traceTitle';
import { traceToDetailDto } from './toDto';
import { attachRecordings } from './proxy/recordingLinks';
import { attachStepProblems } from './proxy/stepProblems';
import { attachEvaluations, evaluationsOfTrace } from './evaluations';

export function traceDetail(store: TraceStore, traceId: string): TraceDetailDto | null {
  const found = store.getTrace(traceId.toLowerCase());
  if (!found) return null;
  const detail = traceToDetailDto(found.summary, found.spans);
  // The same title the Traces view shows (the panel's spans are already at hand).
  const start = (s: { startUnixNanos: string }) => BigInt(/^\d+$/.test(s.startUnixNanos) ? s.startUnixNanos : '0');
  const byStart = [...found.spans].sort((a, b) => (start(a) < start(b) ? -1 : start(a) > start(b) ? 1 : 0));
  detail.title = traceTitle(titleSourcesOf(detail.name, byStart.filter((s) => s.norm.kind === 'agent' || s.norm.kind === 'llm')));
  const linked = attachRecordings(store, detail, found.spans); // the recording proxy's exact request and response, per LLM step
  attachStepProblems(store, detail, linked); // what went wrong replaying or re-sending around each step
  attachEvaluations(detail, evaluationsOfTrace(store, detail.traceId));
  return detail;
}
