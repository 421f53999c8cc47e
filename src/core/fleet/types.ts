// The fleet view and batch against batch (issue 11): what core computes over the runs of a
// batch. Core owns these shapes; the server maps its groups and findings to the protocol's
// DTOs in one place (groupDto and findingDto in src/server/fleetService.ts), since core does
// not import the protocol nor the protocol core.

/** One stored run as the fleet sees it: its summary figures and its group memberships. */
export interface FleetRun {
  traceId: string;
  /** The recorded name (the server puts titles on the few runs it shows). */
  name: string;
  startMs: number;
  durationMs: number;
  /** Input + output tokens; null when neither was reported. */
  totalTokens: number | null;
  /** null when unknown (never $0). */
  costUsd: number | null;
  llmCalls: number;
  toolCalls: number;
  errorCount: number;
  /** Check outcomes by check name (absent: not evaluated, or no check applies). */
  checks: ReadonlyMap<string, 'pass' | 'fail' | 'error'> | null;
  agents: readonly string[];
  models: readonly string[];
  /** Tool name → calls in this run. */
  tools: ReadonlyMap<string, number>;
  /** Value of the user-chosen group attribute, when the run has it. */
  attribute: string | null;
}

export type FleetMeasure = 'durationMs' | 'totalTokens' | 'costUsd' | 'llmCalls' | 'toolCalls' | 'errorRate' | 'checkPassRate';

export const FLEET_MEASURES: readonly FleetMeasure[] = ['durationMs', 'totalTokens', 'costUsd', 'llmCalls', 'toolCalls', 'errorRate', 'checkPassRate'];

export interface Distribution {
  measure: FleetMeasure;
  count: number;
  missing: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  bins: { lo: number; hi: number; count: number }[];
}

export type FleetDimension = 'agent' | 'tool' | 'model' | 'attribute';

export interface FleetGroup {
  dimension: FleetDimension;
  key: string;
  value: string;
  runs: number;
  calls: number;
  errorRate: number;
  checkPassRate: number | null;
  costUsd: number | null;
  costPerRunUsd: number | null;
  totalTokens: number;
  p50DurationMs: number | null;
  p95DurationMs: number | null;
}

export interface FleetOutlier {
  traceId: string;
  title: string;
  measure: FleetMeasure;
  value: number;
  reason: string;
}

export interface FleetCheckCount {
  name: string;
  source: 'check' | 'evaluation';
  passed: number;
  failed: number;
  errors: number;
}

export interface FleetAggregate {
  distributions: Distribution[];
  groups: FleetGroup[];
  outliers: FleetOutlier[];
  checks: FleetCheckCount[];
}

export interface BatchFinding {
  group: { dimension: FleetDimension | 'all'; key: string; value: string };
  measure: string;
  before: { n: number; value: number | null };
  after: { n: number; value: number | null };
  delta: number | null;
  test: 'two-proportion-z' | 'fisher-exact' | 'mann-whitney-u' | 'bootstrap-median' | 'none';
  pValue: number | null;
  interval: [number, number] | null;
  regression: boolean;
  improvement: boolean;
  headline: string;
  typicalPair: { beforeTraceId: string; afterTraceId: string } | null;
}
