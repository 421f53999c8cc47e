// Compare two runs step by step: the result of agentTrace/compareTraces and of
// `agent-trace diff --json` (documented in the README; stable: fields are added, never renamed),
// and the compare panel's messages.
import type { StepKindDto, UsageDto } from './dto';

export type CompareRowStatusDto = 'same' | 'changed' | 'added' | 'removed';
export type CompareFieldDto =
  | 'name' | 'model' | 'agent' | 'parameters' | 'input' | 'output' | 'tool' | 'arguments' | 'result' | 'status' | 'error' | 'usage' | 'cost'
  /** Only at the fork step of a fork and its original: the step the fork edited. */
  | 'edit';
export type CompareMetricDto =
  | 'durationMs' | 'llmCalls' | 'toolCalls' | 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'costUsd' | 'errors';

export interface CompareRunDto {
  traceId: string;
  name: string;
  services: string[];
  /** Agent names of its agent steps, else its services. */
  agents: string[];
  startTime: string;
  durationMs: number;
  spanCount: number;
  /** Spans may still be arriving: the compare covers what has arrived. */
  growing: boolean;
}

/** One side of an aligned row. */
export interface CompareStepDto {
  spanId: string;
  name: string;
  kind: StepKindDto;
  operation: string | null;
  tool: string | null;
  model: string | null;
  /** Start relative to the run's first step, and length, in milliseconds (the waterfall). */
  offsetMs: number;
  durationMs: number;
  status: 'unset' | 'ok' | 'error';
}

export interface TextPartDto {
  op: 'equal' | 'insert' | 'delete';
  text: string;
}

export interface MessageDiffDto {
  role: string;
  status: CompareRowStatusDto;
  parts: TextPartDto[];
}

export interface JsonChangeDto {
  path: string;
  op: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

export type ValueDiffDto = { format: 'json'; changes: JsonChangeDto[] } | { format: 'text'; parts: TextPartDto[] };

export interface StepParamsDto {
  temperature: number | null;
  maxTokens: number | null;
  toolsOffered: string[] | null;
}

/** The differences of one aligned pair. Only changed fields are present; `unchanged` names the rest. */
export interface PairDiffDto {
  changed: CompareFieldDto[];
  unchanged: CompareFieldDto[];
  name?: { before: string; after: string };
  model?: { before: string | null; after: string | null };
  agent?: { before: string | null; after: string | null };
  parameters?: { before: StepParamsDto; after: StepParamsDto };
  input?: MessageDiffDto[];
  output?: MessageDiffDto[];
  tool?: { before: string | null; after: string | null };
  arguments?: ValueDiffDto;
  result?: ValueDiffDto;
  status?: { before: string; after: string };
  error?: { before: string | null; after: string | null };
  usage?: { before: UsageDto; after: UsageDto };
  cost?: { before: number | null; after: number | null };
  durationMs: { before: number; after: number };
  /** At the fork step of a fork and its original: what the fork changed, from the exact recorded calls. */
  fork?: ForkStepDiffDto;
}

export type RequestSectionDto = 'model' | 'system' | 'messages' | 'tools' | 'parameters' | 'body';

/** What a fork changed at its fork step, read from the exact calls the recording proxy made (original → fork). */
export interface ForkStepDiffDto {
  /** The request sent upstream was edited, or the proxy answered with a replacement response. */
  edit: 'request' | 'response';
  /** Line-level diffs of the sections of the exact requests that differ; null when either step has no recording. */
  request: { changed: { section: RequestSectionDto; parts: TextPartDto[] }[]; unchanged: RequestSectionDto[] } | null;
  /** For a response edit: the recorded answer → the replacement, line by line. */
  response: TextPartDto[] | null;
  /** What is missing ("No exact request recorded for the original step…"). */
  notes: string[];
  /** "system prompt changed". */
  what: string;
}

export interface CompareRowDto {
  /** 1-based step number, as in the summary line. */
  step: number;
  depth: number;
  status: CompareRowStatusDto;
  a: CompareStepDto | null;
  b: CompareStepDto | null;
  changed: CompareFieldDto[];
  /** Only with `includeDiffs` (always in `diff --json`), for changed rows. */
  diff?: PairDiffDto;
  /** The step one run was forked at from the other ("edited at fork"); its `changed` starts with "edit". */
  forkStep?: true;
}

export interface CompareResultDto {
  a: CompareRunDto;
  b: CompareRunDto;
  /** "run B diverges at step 4: the model called `search_docs` instead of `get_weather`", or that they match. */
  summary: string;
  firstDivergence: { step: number; spanIdA: string | null; spanIdB: string | null; what: string } | null;
  totals: { metric: CompareMetricDto; a: number | null; b: number | null; delta: number | null }[];
  counts: Record<CompareRowStatusDto, number>;
  /** Still growing, different agents. */
  notices: string[];
  rows: CompareRowDto[];
  /** One run is a fork of the other: which is the original, and the step (the original's span id) it was forked at. */
  fork?: { original: 'a' | 'b'; spanId: string };
}

export interface CompareParams {
  traceIdA: string;
  traceIdB: string;
  includeDiffs?: boolean;
}

/** A compare, or the trace ids that are not in the store. */
export type CompareResponseDto = { ok: true; result: CompareResultDto } | { ok: false; missing: string[]; message: string };

export interface ComparePairParams {
  traceIdA: string;
  traceIdB: string;
  spanIdA: string;
  spanIdB: string;
}

/** Compare panel: host → webview. */
export type CompareHostMessage =
  | { type: 'compare'; result: CompareResultDto }
  | { type: 'compareFailed'; message: string }
  | { type: 'pairDiff'; spanIdA: string; spanIdB: string; diff: PairDiffDto | null };

/** Compare panel: webview → host. */
export type CompareWebviewMessage =
  | { type: 'ready' }
  | { type: 'requestPairDiff'; spanIdA: string; spanIdB: string }
  | { type: 'openSource'; side: 'a' | 'b'; spanId: string }
  | { type: 'openTrace'; side: 'a' | 'b'; spanId: string | null };
