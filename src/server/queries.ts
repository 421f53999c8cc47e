// Read paths shared by the LSP server and the CLI, so both answer with the same DTOs.
import type { SpanDto, TraceDetailDto, TraceTreeDto } from '../protocol/dto';
import type { TraceStore } from '../store/traceStore';
import { titleSourcesOf, traceTitle } from '../core/traceTitle';
import { spanToDto, summaryToDto, traceToDetailDto } from './toDto';
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

/** The tree the panel shows first: the summary and each step's columns, no span document read. */
export function traceTree(store: TraceStore, traceId: string): TraceTreeDto | null {
  const found = store.getTraceTree(traceId.toLowerCase());
  if (!found) return null;
  return {
    ...summaryToDto(found.summary),
    steps: found.steps.map((s) => ({
      spanId: s.spanId, parentSpanId: s.parentSpanId, name: s.name, kind: s.kind, service: s.service, status: s.statusCode,
      startUnixNanos: s.startUnixNanos, endUnixNanos: s.endUnixNanos, durationMs: s.durationMs, model: s.model, usage: s.usage,
      costUsd: s.costUsd, costSource: s.costSource, hasLogs: s.hasLogs,
    })),
  };
}

/**
 * One step's details, when it is selected: one span document (orphaned: its parent is named but not stored).
 * Not yet what traceDetail adds per step (exact request/response, replay problems, evaluations,
 * duplicateOf): the panel still reads whole traces, and must get those here before it switches.
 */
export function stepDetail(store: TraceStore, traceId: string, spanId: string): SpanDto | null {
  const id = traceId.toLowerCase();
  const span = store.getSpan(id, spanId);
  if (!span) return null;
  const orphaned = !!span.parentSpanId && !store.hasSpan(id, span.parentSpanId);
  return spanToDto(span, orphaned);
}
