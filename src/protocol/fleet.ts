// Fleet view and batch against batch (issue 11): the results of agentTrace/listBatches,
// agentTrace/fleet and agentTrace/compareBatches, and of `agent-trace fleet|batch --json`
// (documented in the README; stable: fields are added, never renamed).
//
// A batch is the runs sharing one value of a grouping attribute (agent_trace.batch,
// service.version, session.id, gen_ai.conversation.id, or any attribute the user picks), or,
// as the fallback, the runs started within a time range.

export type BatchRefDto =
  | { kind: 'attribute'; key: string; value: string }
  | { kind: 'timeRange'; fromMs: number; toMs: number };

export interface BatchSummaryDto {
  ref: BatchRefDto;
  /** "agent_trace.batch = nightly-42" or "12:00–13:00". */
  label: string;
  runs: number;
  firstStartMs: number;
  lastStartMs: number;
}

export interface ListBatchesParams {
  /** Grouping attribute; absent: every known grouping attribute. */
  key?: string;
  /** Only batches with a run started at or after this time. */
  sinceMs?: number;
  limit?: number;
}

/** Per-run measures the fleet view shows as distributions and compares between batches. */
export type FleetMeasureDto =
  | 'durationMs'
  | 'totalTokens'
  | 'costUsd'
  | 'llmCalls'
  | 'toolCalls'
  | 'errorRate'
  | 'checkPassRate';

export interface HistogramBinDto {
  /** Inclusive lower and exclusive upper edge (the last bin includes its upper edge). */
  lo: number;
  hi: number;
  count: number;
}

/** One measure over the runs of a batch. Rates are fractions in [0, 1] over runs. */
export interface DistributionDto {
  measure: FleetMeasureDto;
  /** Runs with a value; `missing` runs had none (unknown cost is missing, never $0). */
  count: number;
  missing: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  bins: HistogramBinDto[];
}

export type FleetDimensionDto = 'agent' | 'tool' | 'model' | 'attribute';

/** The runs (or, for tools, the calls) of one group value. */
export interface FleetGroupDto {
  dimension: FleetDimensionDto;
  /** The attribute's name for dimension 'attribute' ("feature", "route", a baggage key). */
  key: string;
  value: string;
  runs: number;
  /** Tool groups: number of calls of that tool across the batch; else equal to runs. */
  calls: number;
  errorRate: number;
  /** null when no check or evaluation ran on these runs. */
  checkPassRate: number | null;
  costUsd: number | null;
  costPerRunUsd: number | null;
  totalTokens: number;
  p50DurationMs: number | null;
  p95DurationMs: number | null;
}

export interface FleetOutlierDto {
  traceId: string;
  title: string;
  measure: FleetMeasureDto;
  value: number;
  /** Why it is listed: "cost $0.41, 9.8× the batch median". Plain text. */
  reason: string;
}

export interface FleetCheckDto {
  /** A check's name, or an evaluation's name (source 'evaluation'). */
  name: string;
  source: 'check' | 'evaluation';
  passed: number;
  failed: number;
  errors: number;
}

export interface FleetParams {
  batch: BatchRefDto;
  /** The user-chosen attribute to group by ("feature", "route"), besides agent, tool and model. */
  groupAttribute?: string | null;
}

export interface FleetDto {
  batch: BatchSummaryDto;
  distributions: DistributionDto[];
  groups: FleetGroupDto[];
  outliers: FleetOutlierDto[];
  checks: FleetCheckDto[];
  /** Values of OTLP metrics (gen_ai.client.*) received for this batch's time range, shown where traces are missing. */
  metrics?: FleetMetricDto[];
}

export interface FleetMetricDto {
  name: string;
  /** Data points received; sum, count and percentiles when the metric is a histogram. */
  points: number;
  sum: number | null;
  count: number | null;
  attributes: Record<string, string>;
}

export interface CompareBatchesParams {
  before: BatchRefDto;
  after: BatchRefDto;
  groupAttribute?: string | null;
  /** Significance level for calling a regression (default 0.01). */
  alpha?: number;
}

/** One measure of one group, before against after, with the test that fits the measure. */
export interface BatchFindingDto {
  group: { dimension: FleetDimensionDto | 'all'; key: string; value: string };
  /** A FleetMeasureDto, or 'check:<name>' for one check's or evaluation's pass rate. */
  measure: string;
  before: { n: number; value: number | null };
  after: { n: number; value: number | null };
  /** after − before (rates as fractions, others in the measure's unit). */
  delta: number | null;
  test: 'two-proportion-z' | 'fisher-exact' | 'mann-whitney-u' | 'bootstrap-median' | 'none';
  pValue: number | null;
  /** Bootstrap or normal-approximation interval of the delta, when computed. */
  interval: [number, number] | null;
  /** Worse after, and significant at alpha. Regressions are listed first. */
  regression: boolean;
  improvement: boolean;
  /** "check refund policy cited 98% → 60% for route=refunds, p < 0.001". Plain text. */
  headline: string;
  /** A typical run of each side for the run-against-run compare. */
  typicalPair: { beforeTraceId: string; afterTraceId: string } | null;
}

export interface BatchCompareDto {
  before: BatchSummaryDto;
  after: BatchSummaryDto;
  alpha: number;
  findings: BatchFindingDto[];
}
