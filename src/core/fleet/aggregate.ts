// One batch's aggregates for the fleet view: distributions, groups (agent, tool, model, one
// user-chosen attribute), outliers and check counts. One pass per measure over the runs.
import { binScaleOf, formatMeasure, measureLabel, checksPassed } from './measures';
import { histogram, percentilesOfSorted, quantileOfSorted } from './stats';
import type { Distribution, FleetAggregate, FleetCheckCount, FleetDimension, FleetGroup, FleetMeasure, FleetOutlier, FleetRun } from './types';
import { FLEET_MEASURES } from './types';

/** Group values kept per dimension (the most runs first): an attribute such as session.id may have one value per run. */
export const MAX_GROUPS_PER_DIMENSION = 100;
/** A run is an outlier when its value is at least this many times the batch median... */
export const OUTLIER_FACTOR = 3;
/** ...and, in batches of at least this many runs, also above the p99. */
const OUTLIER_P99_FROM_RUNS = 100;
/** Outliers listed per measure (the furthest first). */
export const MAX_OUTLIERS_PER_MEASURE = 10;
const OUTLIER_MEASURES: readonly FleetMeasure[] = ['durationMs', 'costUsd', 'totalTokens', 'llmCalls', 'toolCalls'];

export interface FleetOptions {
  /** The user-chosen group attribute's name ("route"); its per-run value is FleetRun.attribute. */
  groupAttribute?: string | null;
}

export function aggregateFleet(runs: readonly FleetRun[], opts: FleetOptions = {}): FleetAggregate {
  const columns = columnsOf(runs);
  const sortedByMeasure = new Map<FleetMeasure, Float64Array>();
  const distributions = FLEET_MEASURES.map((m) => {
    const { distribution, sorted } = distributionOf(columns.measures[m], m);
    sortedByMeasure.set(m, sorted);
    return distribution;
  });
  return {
    distributions,
    groups: groupsOf(runs, opts.groupAttribute ?? null, columns),
    outliers: outliersOf(runs, sortedByMeasure, columns),
    checks: checkCounts(runs),
  };
}

/** `column`: the measure per run, NaN where the run has none. */
function distributionOf(column: Float64Array, measure: FleetMeasure): { distribution: Distribution; sorted: Float64Array } {
  const values = new Float64Array(column.length);
  let n = 0;
  let sum = 0;
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    if (!Number.isFinite(v)) continue;
    values[n++] = v;
    sum += v;
  }
  const sorted = values.subarray(0, n).sort();
  const p = percentilesOfSorted(sorted);
  return {
    sorted,
    distribution: {
      measure,
      count: n,
      missing: column.length - n,
      min: n ? sorted[0] : null,
      max: n ? sorted[n - 1] : null,
      mean: n ? sum / n : null,
      p50: p?.p50 ?? null,
      p95: p?.p95 ?? null,
      p99: p?.p99 ?? null,
      bins: histogram(sorted, binScaleOf(measure)),
    },
  };
}

interface GroupAccumulator {
  dimension: FleetDimension;
  key: string;
  value: string;
  calls: number;
  runs: number[];
}

/** The group key the fleet uses for a dimension without a user-given name. */
const DIMENSION_KEYS: Record<Exclude<FleetDimension, 'attribute'>, string> = { agent: 'agent', tool: 'tool', model: 'model' };

/** Per-run figures read once (one pass over the runs) into typed arrays; each group then sums over its run indices. */
interface RunColumns {
  /** Each measure per run, NaN when the run has none (measureOf's null). */
  measures: Record<FleetMeasure, Float64Array>;
  errors: Uint8Array;
  /** 1 all checks passed, 0 not, −1 none ran. */
  passed: Int8Array;
  /** NaN when unknown. */
  cost: Float64Array;
  /** Unknown counts as 0. */
  tokens: Float64Array;
  duration: Float64Array;
}

function columnsOf(runs: readonly FleetRun[]): RunColumns {
  const n = runs.length;
  const measures = Object.fromEntries(FLEET_MEASURES.map((m) => [m, new Float64Array(n)])) as Record<FleetMeasure, Float64Array>;
  const { durationMs, totalTokens, costUsd, llmCalls, toolCalls, errorRate, checkPassRate } = measures;
  const errors = new Uint8Array(n);
  const passed = new Int8Array(n);
  const tokens = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = runs[i];
    const pass = checksPassed(r);
    durationMs[i] = r.durationMs;
    totalTokens[i] = r.totalTokens ?? Number.NaN;
    costUsd[i] = r.costUsd ?? Number.NaN;
    llmCalls[i] = r.llmCalls;
    toolCalls[i] = r.toolCalls;
    errors[i] = r.errorCount > 0 ? 1 : 0;
    errorRate[i] = errors[i];
    checkPassRate[i] = pass ?? Number.NaN;
    passed[i] = pass ?? -1;
    tokens[i] = r.totalTokens ?? 0;
  }
  return { measures, errors, passed, cost: costUsd, tokens, duration: durationMs };
}

function groupsOf(runs: readonly FleetRun[], attribute: string | null, columns: RunColumns): FleetGroup[] {
  const byDimension = new Map<FleetDimension, Map<string, GroupAccumulator>>();
  const add = (dimension: FleetDimension, key: string, value: string, run: number, calls: number) => {
    let groups = byDimension.get(dimension);
    if (!groups) byDimension.set(dimension, (groups = new Map()));
    let g = groups.get(value);
    if (!g) groups.set(value, (g = { dimension, key, value, calls: 0, runs: [] }));
    g.runs.push(run);
    g.calls += calls;
  };
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i];
    for (const a of run.agents) add('agent', DIMENSION_KEYS.agent, a, i, 1);
    for (const m of run.models) add('model', DIMENSION_KEYS.model, m, i, 1);
    run.tools.forEach((calls, tool) => add('tool', DIMENSION_KEYS.tool, tool, i, calls));
    if (attribute !== null && run.attribute !== null) add('attribute', attribute, run.attribute, i, 1);
  }
  const out: FleetGroup[] = [];
  for (const dimension of ['agent', 'tool', 'model', 'attribute'] as const) {
    const groups = [...(byDimension.get(dimension)?.values() ?? [])]
      .sort((a, b) => b.runs.length - a.runs.length || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
      .slice(0, MAX_GROUPS_PER_DIMENSION);
    for (const g of groups) out.push(finishGroup(g, columns));
  }
  return out;
}

function finishGroup(g: GroupAccumulator, c: RunColumns): FleetGroup {
  const n = g.runs.length;
  const durations = new Float64Array(n);
  let errors = 0;
  let checked = 0;
  let passes = 0;
  let cost = 0;
  let costRuns = 0;
  let tokens = 0;
  for (let k = 0; k < n; k++) {
    const i = g.runs[k];
    errors += c.errors[i];
    if (c.passed[i] >= 0) {
      checked++;
      passes += c.passed[i];
    }
    if (!Number.isNaN(c.cost[i])) {
      cost += c.cost[i];
      costRuns++;
    }
    tokens += c.tokens[i];
    durations[k] = c.duration[i];
  }
  durations.sort();
  return {
    dimension: g.dimension,
    key: g.key,
    value: g.value,
    runs: n,
    calls: g.calls,
    errorRate: errors / n,
    checkPassRate: checked ? passes / checked : null,
    costUsd: costRuns ? cost : null,
    costPerRunUsd: costRuns ? cost / costRuns : null,
    totalTokens: tokens,
    p50DurationMs: n ? quantileOfSorted(durations, 0.5) : null,
    p95DurationMs: n ? quantileOfSorted(durations, 0.95) : null,
  };
}

/**
 * Runs far above the batch: at least OUTLIER_FACTOR × the median of the measure (and above its
 * p99 once the batch has 100 runs or more), the furthest first, with the reason in words
 * ("cost $0.41, 9.8× the batch median").
 */
function outliersOf(runs: readonly FleetRun[], sortedByMeasure: Map<FleetMeasure, Float64Array>, columns: RunColumns): FleetOutlier[] {
  const out: FleetOutlier[] = [];
  for (const measure of OUTLIER_MEASURES) {
    const sorted = sortedByMeasure.get(measure);
    if (!sorted || sorted.length < 3) continue;
    const median = quantileOfSorted(sorted, 0.5);
    if (!(median > 0)) continue;
    const p99 = quantileOfSorted(sorted, 0.99);
    const threshold = sorted.length >= OUTLIER_P99_FROM_RUNS ? Math.max(OUTLIER_FACTOR * median, p99 + Number.EPSILON) : OUTLIER_FACTOR * median;
    const found: { run: FleetRun; value: number }[] = [];
    const column = columns.measures[measure];
    for (let i = 0; i < runs.length; i++) {
      const value = column[i]; // NaN (no value) is never ≥ the threshold
      if (value >= threshold) found.push({ run: runs[i], value });
    }
    found.sort((a, b) => b.value - a.value || (a.run.traceId < b.run.traceId ? -1 : 1));
    for (const { run, value } of found.slice(0, MAX_OUTLIERS_PER_MEASURE)) {
      const ratio = value / median;
      out.push({
        traceId: run.traceId,
        title: run.name,
        measure,
        value,
        reason: `${measureLabel(measure)} ${formatMeasure(measure, value)}, ${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}× the batch median (${formatMeasure(measure, median)})`,
      });
    }
  }
  return out;
}

function checkCounts(runs: readonly FleetRun[]): FleetCheckCount[] {
  const counts = new Map<string, FleetCheckCount>();
  for (const run of runs) {
    if (!run.checks) continue;
    run.checks.forEach((outcome, name) => {
      let c = counts.get(name);
      if (!c) counts.set(name, (c = { name, source: 'check', passed: 0, failed: 0, errors: 0 }));
      if (outcome === 'pass') c.passed++;
      else if (outcome === 'fail') c.failed++;
      else c.errors++;
    });
  }
  return [...counts.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
