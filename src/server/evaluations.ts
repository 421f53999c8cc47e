// Evaluation results (issue 11) as the views show them: on the step they evaluate in the trace
// detail, and per trace for `agent-trace check` and the MCP tool, judged by the thresholds at hand.
import { classifyEvaluation, type EvaluationThresholds } from '../core/evaluations';
import { nanosToIso } from '../core/tree';
import type { EvaluationDto, TraceDetailDto } from '../protocol/dto';
import type { TraceStore } from '../store/traceStore';

/**
 * One trace's evaluation results. With `thresholds` (a checks file read by the CLI) each is
 * judged again by them; without, the outcome stored at ingest (the server's checks file) stands.
 */
export function evaluationsOfTrace(store: TraceStore, traceId: string, thresholds?: EvaluationThresholds): EvaluationDto[] {
  return store.evaluations.evaluationsOf(traceId).map((e) => ({
    name: e.name,
    scoreValue: e.scoreValue,
    scoreLabel: e.scoreLabel,
    explanation: e.explanation,
    outcome: thresholds ? classifyEvaluation(e, thresholds) : e.outcome,
    source: e.source,
    spanId: e.spanId,
    responseId: e.responseId,
    time: nanosToIso(e.timeUnixNanos),
  }));
}

/** Puts each result on the step it evaluates; results about no step of the trace go on its first root step. */
export function attachEvaluations(detail: TraceDetailDto, evaluations: readonly EvaluationDto[]): void {
  if (evaluations.length === 0 || detail.spans.length === 0) return;
  const byId = new Map(detail.spans.map((s) => [s.spanId, s]));
  const root = detail.spans.find((s) => s.parentSpanId === null || s.orphaned) ?? detail.spans[0];
  for (const e of evaluations) {
    const step = (e.spanId !== null && byId.get(e.spanId)) || root;
    (step.evaluations ??= []).push(e);
  }
}

/** A one-line description of a result: "relevance 0.42 (not_relevant): off topic". */
export function describeEvaluation(e: Pick<EvaluationDto, 'name' | 'scoreValue' | 'scoreLabel' | 'explanation'>): string {
  const score = [e.scoreValue !== null ? String(e.scoreValue) : null, e.scoreLabel !== null ? `(${e.scoreLabel})` : null].filter(Boolean).join(' ');
  return `${e.name}${score ? ` ${score}` : ''}${e.explanation ? `: ${e.explanation}` : ''}`;
}
