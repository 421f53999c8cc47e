// The step of a run as the compare sees it: what an agent developer would look at when asking
// "what changed between these two runs" (kind, operation, tool, agent, model, messages, tool
// arguments and result, parameters, usage, cost, time, status). Built from canonical spans in
// tree order; pure.
import type { AttrValue, Attributes, CanonicalSpan, ChatMessage, SpanError, StatusCode, StepKind, Usage } from '../model';
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

/** Attribute values are untrusted: parsed JSON strings are bounded in size. */
const MAX_PARSED_JSON_CHARS = 200_000;
const MAX_TOOLS_OFFERED = 200;

const num = (v: AttrValue | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function parseJson(v: AttrValue | undefined): unknown {
  if (typeof v !== 'string') return v ?? null;
  if (v.length > MAX_PARSED_JSON_CHARS) return null;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return null;
  }
}

const asRecord = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** A tool definition's name in any of the shapes the conventions record (OpenAI function, plain, JSON schema). */
function toolDefinitionName(def: unknown): string | null {
  const d = asRecord(typeof def === 'string' ? parseJson(def) : def);
  if (!d) return null;
  const fn = asRecord(d.function);
  const name = fn?.name ?? d.name ?? asRecord(d.json_schema)?.name;
  return typeof name === 'string' ? name : null;
}

function toolsOffered(attrs: Attributes): string[] | null {
  const names: string[] = [];
  // OTel GenAI and the Vercel AI SDK: one attribute holding the definitions.
  for (const key of ['gen_ai.tool.definitions', 'gen_ai.request.tools', 'ai.prompt.tools']) {
    const defs = parseJson(attrs[key]);
    if (Array.isArray(defs)) for (const d of defs.slice(0, MAX_TOOLS_OFFERED)) names.push(toolDefinitionName(d) ?? '?');
    if (names.length) return names;
  }
  // OpenLLMetry (llm.request.functions.N.name) and OpenInference (llm.tools.N.tool.json_schema), indexed.
  for (let i = 0; i < MAX_TOOLS_OFFERED; i++) {
    const name = attrs[`llm.request.functions.${i}.name`];
    const schema = attrs[`llm.tools.${i}.tool.json_schema`];
    if (typeof name === 'string') names.push(name);
    else if (schema !== undefined) names.push(toolDefinitionName(schema) ?? '?');
    else break;
  }
  return names.length ? names : null;
}

/** Temperature, max tokens and tools offered, from whichever convention recorded them. */
export function stepParams(attrs: Attributes): StepParams {
  const invocation = asRecord(parseJson(attrs['llm.invocation_parameters'])) ?? {};
  const pick = (...values: unknown[]) => {
    for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) return v;
    return null;
  };
  return {
    temperature: pick(num(attrs['gen_ai.request.temperature']), num(attrs['llm.request.temperature']), invocation.temperature, num(attrs['ai.settings.temperature'])),
    maxTokens: pick(
      num(attrs['gen_ai.request.max_tokens']),
      num(attrs['llm.request.max_tokens']),
      invocation.max_tokens,
      invocation.max_completion_tokens,
      num(attrs['ai.settings.maxOutputTokens']),
      num(attrs['ai.settings.maxTokens']),
    ),
    toolsOffered: toolsOffered(attrs),
  };
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
