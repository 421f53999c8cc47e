// Plain-JSON shapes that cross a process or iframe boundary (LSP, webview, CLI --json).
// Ids are lowercase hex strings; times are ISO 8601 (`startTime`) plus exact nanoseconds as a
// decimal string (`startUnixNanos`); durations are milliseconds (`durationMs`). Costs are USD,
// null when unknown (never 0 for unknown). Token counts are null when not reported.
// These shapes are documented in the README and kept stable: add fields, never rename.

export type StepKindDto = 'agent' | 'llm' | 'tool' | 'retriever' | 'embedding' | 'workflow' | 'guardrail' | 'other';

export interface UsageDto {
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  reasoningTokens: number | null;
}

export interface TraceSummaryDto {
  traceId: string;
  /** Name of the root span (or of the earliest span when the root has not arrived). */
  name: string;
  services: string[];
  startTime: string;
  startUnixNanos: string;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  llmCalls: number;
  toolCalls: number;
  /** Models used, canonical names. */
  models: string[];
  usage: UsageDto;
  costUsd: number | null;
  orphanCount: number;
  /** Milliseconds since the Unix epoch of the last write to this trace (for "live" marks). */
  updatedAtMs: number;
  /**
   * What to call the run in lists: `name`, or, when that is generic ("agent run",
   * "invoke_agent"), the agent name and first user message. Absent from older servers.
   */
  title?: string;
  /** How the trace's checks came out (issue 11); absent when no check was evaluated on it. */
  checks?: ChecksCountsDto;
}

export interface ToolCallDto {
  id: string | null;
  name: string;
  arguments: string;
}

export interface MessageDto {
  role: string;
  direction: 'input' | 'output';
  content: string | null;
  toolCalls: ToolCallDto[];
  toolCallId: string | null;
  name: string | null;
}

export interface SourceDto {
  file: string;
  line: number | null;
  column: number | null;
  function: string | null;
  /** attribute | stackframe | exception | symbol | text */
  how: string;
}

export interface EventDto {
  name: string;
  time: string;
  timeUnixNanos: string;
  attributes: Record<string, unknown>;
}

export interface SpanDto {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: StepKindDto;
  /** OTel span kind: internal, server, client, producer, consumer, unspecified */
  spanKind: string;
  service: string;
  status: 'unset' | 'ok' | 'error';
  statusMessage: string;
  startTime: string;
  startUnixNanos: string;
  durationMs: number;
  convention: string;
  operation: string | null;
  model: string | null;
  modelRaw: string | null;
  provider: string | null;
  usage: UsageDto;
  costUsd: number | null;
  costSource: 'reported' | 'computed' | null;
  messages: MessageDto[];
  tool: { name: string; callId: string | null; arguments: string | null; result: string | null } | null;
  agentName: string | null;
  sessionId: string | null;
  error: {
    type: string | null;
    message: string;
    stacktrace: string | null;
    /** The stack trace line by line, frame lines with their location (absent from older servers). */
    stackLines?: { text: string; file: string | null; line: number | null; column: number | null; library: boolean }[];
  } | null;
  source: SourceDto | null;
  /** The parent span id is set but that span is not in the store. */
  orphaned: boolean;
  /**
   * Set when another step records the same model call (two instrumentations of one request):
   * the span id of that step, which is the one counted in the trace's usage, cost and llmCalls.
   * null (or absent, from older servers) when this step is counted itself.
   */
  duplicateOf?: string | null;
  attributes: Record<string, unknown>;
  resourceAttributes: Record<string, unknown>;
  events: EventDto[];
  links: { traceId: string; spanId: string; attributes: Record<string, unknown> }[];
  scope: { name: string; version: string };
  /** Severity the instrumentation recorded (Logfire levels: trace, debug, info, notice, warn, error, fatal), or null. */
  level?: string | null;
  /** An instrumented function's arguments, decoded by their recorded JSON schema (Logfire), or null. */
  arguments?: Record<string, unknown> | null;
  /** What the receiver cut from this span to stay within agentTrace.limits.* (absent when nothing). */
  warnings?: string[];
  /** A model call's request parameters, tools offered, finish reasons and time to first token (null or absent for other steps). */
  modelCall?: ModelCallDto | null;
  /** The call as the recording model proxy saw it ("Exact request" / "Exact response"); absent when no recording is linked. */
  recording?: RecordedCallDto | null;
  /**
   * Evaluation results the agent sent about this step (gen_ai.evaluation.result events and log
   * records, OpenInference evaluator spans); results about no known step are on the root step.
   * Absent when none.
   */
  evaluations?: EvaluationDto[];
  /**
   * What went wrong replaying or re-sending around this step (issue 10): a forked run's call made
   * by this step (unmatched, changed shape, upstream down or an error status), or a fork or a
   * resend started from this step. Absent when none. Messages may quote the upstream: render as text.
   */
  problems?: StepProblemDto[];
}

/** One evaluation result (issue 11). name, label and explanation are span content: plain text only. */
export interface EvaluationDto {
  name: string;
  scoreValue: number | null;
  scoreLabel: string | null;
  explanation: string | null;
  /** fail: a failing label or a score outside the checks file's threshold; pass: the opposite; info: neither. */
  outcome: 'pass' | 'fail' | 'info';
  /** span-event | log-record | openinference */
  source: string;
  /** The step evaluated (null: the trace as a whole, or a response id not matched yet). */
  spanId: string | null;
  responseId: string | null;
  time: string;
}

export interface ModelCallDto {
  temperature: number | null;
  maxTokens: number | null;
  topP: number | null;
  toolsOffered: { name: string; description: string | null; parameters: string | null }[] | null;
  finishReasons: string[];
  timeToFirstTokenMs: number | null;
}

export interface TraceDetailDto extends TraceSummaryDto {
  /** Depth-first in tree order (parents before children, siblings by start time). */
  spans: SpanDto[];
  /** Assembly warnings (duplicate ids, orphans, clock skew, missing timestamps), then spans that could not be fully read (normalization failures). */
  warnings: string[];
}

export interface TraceFilterDto {
  text?: string;
  service?: string;
  model?: string;
  errorsOnly?: boolean;
  limit?: number;
  /** Only traces updated after this time (ms since epoch). */
  updatedAfterMs?: number;
  /** Only traces where some check failed or could not be evaluated. */
  failedChecksOnly?: boolean;
}

export interface SearchHitDto {
  traceId: string;
  spanId: string;
  spanName: string;
  traceName: string;
  /** A short excerpt around the match, plain text. */
  snippet: string;
}

/** Code lens data for one line. */
export interface SourceStatsDto {
  file: string;
  line: number;
  function: string | null;
  runs: number;
  lastDurationMs: number;
  lastTraceId: string;
  lastSpanId: string;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  lastInput: string | null;
  lastOutput: string | null;
}

export interface ServerStatusDto {
  role: 'writer' | 'follower';
  host: string;
  httpPort: number;
  grpcPort: number;
  listening: boolean;
  /** Why the server is not listening, in words a user can act on. */
  problem: string | null;
  dbPath: string;
  spanCount: number;
  traceCount: number;
  /** The recording model proxy's port while it listens (agentTrace.proxy.enabled), else null or absent. */
  proxyPort?: number | null;
}

// ---------------------------------------------------------------------------------------------
// Sampling lab and trace health (issue 12): agentTrace/previewSampling, suggestSampling, traceHealth.

/** Which stored traces: a time range (by start), optionally one batch (the runs sharing an attribute value). */
export interface SamplingScopeDto {
  range: 'hour' | 'day' | 'all';
  batch?: { key: string; value: string } | null;
}

export interface SamplingProblemDto {
  /** 1-based line in the policy file (0: not about one line). */
  line: number;
  message: string;
}

export interface SamplingPreviewParams extends SamplingScopeDto {
  /** The Collector YAML (unsaved text included); null: head sampling only. */
  policyText: string | null;
  head?: { ratio: number; sdk: 'js' | 'python' } | null;
  /** A tool called this many times in one run counts as a loop (default 3). */
  loopThreshold?: number;
}

export interface SamplingPolicyOutcomeDto {
  name: string;
  type: string;
  decision: 'sampled' | 'not_sampled' | 'invert_sampled' | 'invert_not_sampled' | 'dropped' | 'not_simulated';
  approximate: boolean;
  note?: string;
}

export interface SamplingTraceRowDto {
  traceId: string;
  name: string;
  startTime: string;
  durationMs: number;
  costUsd: number | null;
  errorCount: number;
  loop: boolean;
  kept: boolean;
  /** The policy that decided ('head' when the head sampler dropped it first). */
  decidedBy: string;
  approximate: boolean;
  policies: SamplingPolicyOutcomeDto[];
}

export interface SamplingGroupDto {
  /** errors | loops | costliest | slowest | rare_tool_paths */
  group: string;
  label: string;
  total: number;
  kept: number;
  lostTraceIds: string[];
}

/** One policy of the processor as the simulator treated it. */
export interface SamplingPolicyStatusDto {
  name: string;
  type: string;
  line: number;
  status: 'simulated' | 'approximate' | 'not_simulated';
  note: string | null;
  /** Kept traces this policy decided. */
  decided: number;
}

export interface SamplingBatchDto {
  key: string;
  value: string;
  traces: number;
}

export interface SamplingPreviewDto {
  processor: string | null;
  head: { ratio: number; sdk: 'js' | 'python' } | null;
  traces: number;
  kept: number;
  /** "This policy keeps 3 of 40 trace(s); it drops 11 of 12 error traces and all 3 runs where the agent looped." */
  sentence: string;
  groups: SamplingGroupDto[];
  policies: SamplingPolicyStatusDto[];
  warnings: SamplingProblemDto[];
  rows: SamplingTraceRowDto[];
  /** Batches found among the range's traces (attribute values shared by runs). */
  batches: SamplingBatchDto[];
  /** Traces per second over the stored arrival times, null when it cannot be observed. */
  observedPerSecond: number | null;
}

export type SamplingPreviewResponseDto = { ok: true; preview: SamplingPreviewDto } | { ok: false; errors: SamplingProblemDto[] };

export interface SamplingSuggestParams extends SamplingScopeDto {
  budget: { unit: 'percent' | 'tracesPerSecond'; value: number };
  head?: { ratio: number; sdk: 'js' | 'python' } | null;
}

export type SamplingSuggestionDto =
  | { ok: true; budgetPercent: number; baselinePercent: number; overBudget: boolean; observedPerSecond: number | null; yaml: string; preview: SamplingPreviewDto }
  | { ok: false; message: string };

export interface TraceHealthParams extends SamplingScopeDto {
  maxExamples?: number;
}

export interface TraceHealthItemDto {
  kind: 'orphaned_spans' | 'llm_without_usage' | 'split_conversations' | 'ids_in_span_names' | 'duplicate_calls';
  title: string;
  why: string;
  count: number;
  traces: number;
  /** Span content in `text`: render as text only. */
  examples: { traceId: string; spanId: string | null; text: string }[];
}

export interface TraceHealthDto {
  traces: number;
  spans: number;
  items: TraceHealthItemDto[];
}

/** Check results of one trace, counted (issue 11). An error is a check that could not be evaluated: never a pass. */
export interface ChecksCountsDto {
  passed: number;
  failed: number;
  errors: number;
}

/** One check's result on one trace. `message` quotes span content: plain text only. */
export interface CheckResultDto {
  traceId: string;
  check: string;
  kind: string;
  outcome: 'pass' | 'fail' | 'error';
  message: string;
  /** The step the result is about (first offending call, the failed step…), when there is one. */
  spanId: string | null;
}

/** A problem in the checks file, at its 1-based line. */
export interface ChecksProblemDto {
  line: number;
  message: string;
  check: string | null;
}

/** What the server made of the checks file it was given. */
export interface ChecksConfigStatusDto {
  /** Valid checks now evaluated on every finished trace. */
  checks: number;
  problems: ChecksProblemDto[];
}

// ---------------------------------------------------------------------------------------------
// Recording model proxy (issue 10): a model call as forwarded, linked to its LLM step.

/** How sure the link between a step and a recorded call is: exact by traceparent, else by time window, model and messages. */
export type RecordingLinkConfidence = 'exact' | 'high' | 'medium' | 'low';

/** One body as it travelled (text, decoded as UTF-8; compressed responses decoded first). Untrusted: render as text. */
export interface RecordedBodyDto {
  /** Header names lowercase; credentials (Authorization, x-api-key…) never stored: their value reads "[not stored]". */
  headers: Record<string, string>;
  body: string;
  /** The whole body's size in bytes; `body` holds at most the proxy's cap of it. */
  bytes: number;
  truncated: boolean;
}

export interface RecordedCallDto {
  id: number;
  link: { confidence: RecordingLinkConfidence; reason: string };
  provider: string;
  method: string;
  path: string;
  /** Where the proxy forwarded it. */
  upstream: string;
  /** The upstream's status, null when none came (unreachable). */
  status: number | null;
  /** What went wrong (upstream unreachable, stream cut, client left), else null. */
  error: string | null;
  /** A server-sent-events response; `response.body` is the chunks' concatenation. */
  streamed: boolean;
  startTime: string;
  durationMs: number;
  timeToFirstByteMs: number | null;
  request: RecordedBodyDto;
  response: RecordedBodyDto;
}

/** One replay or resend problem on a step (see SpanDto.problems; issue 10). */
export interface StepProblemDto {
  /** fork: "Re-run from this step…"; resend: "Edit and re-send". */
  origin: 'fork' | 'resend';
  /** call: about this step's own model call in a forked run; started-here: about a fork or resend started from this step. */
  scope: 'call' | 'started-here';
  /** unmatched | shape-changed | unreadable | differs | upstream | not-asked-again | fork-not-reached. */
  kind: string;
  message: string;
  /** When it was stored (ISO 8601). */
  time: string;
  /** The fork session, or the resend's own trace id. */
  sessionId: string;
}

/** One step of a trace's tree (agentTrace/getTraceTree): what the tree shows, read from the store's columns. */
export interface TraceStepDto {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: StepKindDto;
  service: string;
  status: 'unset' | 'ok' | 'error';
  startUnixNanos: string;
  endUnixNanos: string;
  durationMs: number;
  model: string | null;
  usage: UsageDto;
  costUsd: number | null;
  costSource: 'reported' | 'computed' | null;
  /** Log records are attached to it. */
  hasLogs: boolean;
}

/**
 * A trace's summary and its steps without their details (agentTrace/getTraceTree): no span
 * document is read, so it answers in a few ms for 10,000 steps; a step's details come with
 * agentTrace/getStep when it is selected. Steps are in no particular order.
 */
export interface TraceTreeDto extends TraceSummaryDto {
  steps: TraceStepDto[];
}
