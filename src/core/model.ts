// The canonical span model: what every OTLP transport decodes into (RawSpan, RawLogRecord)
// and what every GenAI convention is normalized into (Normalized). Pure types, no I/O.

/** An OTLP AnyValue as plain JSON. int64 becomes a number when it is a safe integer, a decimal string otherwise; bytes become base64. */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

export type OtelSpanKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type StatusCode = 'unset' | 'ok' | 'error';

export interface RawEvent {
  name: string;
  /** Nanoseconds since the Unix epoch, as a decimal string ('0' when missing). */
  timeUnixNanos: string;
  attributes: Attributes;
  /** Set when this event was a log record attached to the span (OTLP logs signal). */
  fromLog?: { severityText: string; body: AttrValue };
}

export interface RawLink {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

export interface Scope {
  name: string;
  version: string;
}

/** One span as decoded from OTLP, transport-free. Ids are lowercase hex. */
export interface RawSpan {
  traceId: string;
  spanId: string;
  /** null for a root span. */
  parentSpanId: string | null;
  name: string;
  kind: OtelSpanKind;
  /** Nanoseconds since the Unix epoch, as decimal strings ('0' when missing). */
  startUnixNanos: string;
  endUnixNanos: string;
  status: { code: StatusCode; message: string };
  attributes: Attributes;
  events: RawEvent[];
  links: RawLink[];
  resource: Attributes;
  scope: Scope;
  /** What the decoder had to cut from this span (limits on attributes, values, events, links); absent when nothing. */
  warnings?: string[];
  /**
   * OTLP types that a value's plain form cannot tell, so export gives back what was received: a
   * double with an integral value ('double'), an int64 beyond 2^53 kept as a decimal string
   * ('int'), bytes kept as base64 ('bytes'). Keyed by valuePathKey() of the value's place, e.g.
   * ["attributes","k"], ["resource","k",0], ["events",2,"attributes","k"]. Absent when none.
   */
  valueTypes?: Record<string, ValueTypeHint>;
}

export type ValueTypeHint = 'double' | 'int' | 'bytes';

/** The key of a value's place in `valueTypes`. */
export const valuePathKey = (path: readonly (string | number)[]): string => JSON.stringify(path);

/** One OTLP log record. Those with a span id are attached to that span as events. */
export interface RawLogRecord {
  traceId: string | null;
  spanId: string | null;
  timeUnixNanos: string;
  severityText: string;
  severityNumber: number;
  /** OTLP LogRecord.event_name, or the `event.name` attribute, or ''. */
  eventName: string;
  body: AttrValue;
  attributes: Attributes;
  resource: Attributes;
  scope: Scope;
}

export type StepKind = 'agent' | 'llm' | 'tool' | 'retriever' | 'embedding' | 'workflow' | 'guardrail' | 'other';
export type Convention = 'otel-genai' | 'openinference' | 'openllmetry' | 'vercel-ai' | 'pydantic-ai' | 'logfire' | 'none';

/** Token usage. null means "not reported", never zero. */
export interface Usage {
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  reasoningTokens: number | null;
}

export interface ToolCall {
  id: string | null;
  name: string;
  /** Arguments as the instrumentation recorded them (usually a JSON string). */
  arguments: string;
}

export interface ChatMessage {
  /** system | user | assistant | tool | (anything else a convention records) */
  role: string;
  /** input: sent to the model; output: produced by it. */
  direction: 'input' | 'output';
  content: string | null;
  toolCalls: ToolCall[];
  /** For role 'tool': which call this answers. */
  toolCallId: string | null;
  name: string | null;
}

export type SourceHow = 'attribute' | 'stackframe' | 'exception' | 'symbol' | 'text';

export interface SourceLocation {
  file: string;
  line: number | null;
  column: number | null;
  function: string | null;
  how: SourceHow;
}

export interface StackFrame {
  file: string;
  line: number | null;
  column: number | null;
  function: string | null;
}

export interface SpanError {
  type: string | null;
  message: string;
  stacktrace: string | null;
}

/** What the convention normalizers understood of a span. */
export interface Normalized {
  kind: StepKind;
  convention: Convention;
  /** e.g. chat, text_completion, embeddings, execute_tool, invoke_agent */
  operation: string | null;
  /** The canonical model name (dated snapshots and provider prefixes resolved), or null. */
  model: string | null;
  /** The model name exactly as the span recorded it. */
  modelRaw: string | null;
  provider: string | null;
  usage: Usage;
  /** Cost the instrumentation itself reported, in USD. */
  reportedCostUsd: number | null;
  messages: ChatMessage[];
  tool: { name: string; callId: string | null; arguments: string | null; result: string | null } | null;
  agentName: string | null;
  sessionId: string | null;
  error: SpanError | null;
  source: SourceLocation | null;
  /**
   * What went wrong while reading this span ("openinference: TypeError: …"), when something
   * did: the span is kept with what could be read, and the failures are shown as warnings.
   * Absent when none (older stored spans never have it).
   */
  failures?: string[];
  /** A formatted display name the instrumentation recorded (Logfire's `logfire.msg`), when the span name is only a template. */
  displayName?: string | null;
  /** Severity the instrumentation recorded (Logfire's `logfire.level_num`), as a name: trace, debug, info, notice, warn, error, fatal. */
  level?: string | null;
  /** Arguments of an instrumented function, decoded by their recorded JSON schema (Logfire's `logfire.json_schema`). */
  arguments?: Record<string, AttrValue> | null;
}

export type CostSource = 'reported' | 'computed';

/** A span after normalization and costing: what the store keeps and the views show. */
export interface CanonicalSpan extends RawSpan {
  /** resource service.name, or 'unknown_service'. */
  service: string;
  norm: Normalized;
  /** Reported cost if any, else computed from usage and prices, else null (unknown). */
  costUsd: number | null;
  costSource: CostSource | null;
}

export const emptyUsage = (): Usage => ({
  inputTokens: null,
  outputTokens: null,
  cacheReadTokens: null,
  cacheWriteTokens: null,
  reasoningTokens: null,
});

export const hasUsage = (u: Usage): boolean =>
  u.inputTokens !== null || u.outputTokens !== null || u.cacheReadTokens !== null ||
  u.cacheWriteTokens !== null || u.reasoningTokens !== null;
