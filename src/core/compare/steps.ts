// The step of a run as the compare sees it: what an agent developer would look at when asking
// "what changed between these two runs" (kind, operation, tool, agent, model, messages, tool
// arguments and result, parameters, usage, cost, time, status). Built from canonical spans in
// tree order; pure.
import type { Attributes, CanonicalSpan, ChatMessage, SpanError, StatusCode, StepKind, Usage } from '../model';
import { modelCallDetail } from '../modelCall';
import { assembleTrace, durationMsBetween, nanosToMs } from '../tree';

/** Request parameters that change a model's behaviour; null when the span did not record them. */
export interface StepParams {
  temperature: number | null;
  maxTokens: number | null;
  /** Names of the tools offered to the model, in the recorded order. */
  toolsOffered: string[] | null;
}

export interface CompareStep {
  spanId: string;
  /** null for a root (or an orphan shown as a root). */
  parentSpanId: string | null;
  name: string;
  kind: StepKind;
  operation: string | null;
  model: string | null;
  agentName: string | null;
  tool: { name: string; arguments: string | null; result: string | null } | null;
  messages: ChatMessage[];
  params: StepParams;
  status: StatusCode;
  error: SpanError | null;
  /** Milliseconds since the epoch (0 when unknown) and length in milliseconds. */
  startMs: number;
  durationMs: number;
  usage: Usage;
  costUsd: number | null;
}

/** Temperature, max tokens and tools offered, from whichever convention recorded them. */
export function stepParams(attrs: Attributes): StepParams {
  const detail = modelCallDetail(attrs);
  return { temperature: detail.temperature, maxTokens: detail.maxTokens, toolsOffered: detail.toolsOffered?.map((t) => t.name) ?? null };
}

/** Canonical spans (in tree order, as assembleTrace gives them) → compare steps. */
export function toCompareStep(span: CanonicalSpan, parentSpanId: string | null): CompareStep {
  const n = span.norm;
  return {
    spanId: span.spanId,
    parentSpanId,
    name: span.name,
    kind: n.kind,
    operation: n.operation,
    model: n.model,
    agentName: n.agentName,
    tool: n.tool ? { name: n.tool.name, arguments: n.tool.arguments, result: n.tool.result } : null,
    messages: n.messages,
    params: stepParams(span.attributes),
    status: span.status.code,
    error: n.error,
    startMs: nanosToMs(span.startUnixNanos),
    durationMs: durationMsBetween(span.startUnixNanos, span.endUnixNanos),
    usage: n.usage,
    costUsd: span.costUsd,
  };
}

/** A whole trace as compare steps, in tree order; orphans and cycle breakers become roots, as in the trace view. */
export function compareStepsOf(spans: readonly CanonicalSpan[]): CompareStep[] {
  const tree = assembleTrace(spans);
  const roots = new Set(tree.roots);
  return tree.nodes.map((node) => toCompareStep(node.span, roots.has(node.span.spanId) ? null : node.span.parentSpanId || null));
}
