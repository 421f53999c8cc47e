// One batch's aggregates for the fleet view: distributions, groups (agent, tool, model, one
// user-chosen attribute), outliers and check counts, over the batch's columns (columns.ts):
// one sort per distribution, group membership looked up by number per run, and text read only
// for the runs a view lists.
import { quantile } from 'simple-statistics';
import { columnsOfRuns, passedOfSets, type FleetColumns } from './columns';
import { binScaleOf, formatMeasure, measureLabel } from './measures';
import { histogram, percentilesOfSorted, quantileOfSorted, sortNumbers } from './stats';
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
  return aggregateFleetColumns(columnsOfRuns(runs), opts);
}

export function aggregateFleetColumns(columns: FleetColumns, opts: FleetOptions = {}): FleetAggregate {
  const derived = derivedOf(columns);
  const sortedByMeasure = new Map<FleetMeasure, Float64Array>();
  const distributions = FLEET_MEASURES.map((m) => {
    const { distribution, sorted } = distributionOf(derived.measures[m], m);
    sortedByMeasure.set(m, sorted);
    return distribution;
  });
  return {
    distributions,
    groups: groupsOf(columns, opts.groupAttribute ?? null, derived),
    outliers: outliersOf(columns, sortedByMeasure, derived),
    checks: checkCounts(columns),
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
  const sorted = sortNumbers(values.subarray(0, n));
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

/** The group key the fleet uses for a dimension without a user-given name. */
const DIMENSION_KEYS: Record<Exclude<FleetDimension, 'attribute'>, string> = { agent: 'agent', tool: 'tool', model: 'model' };

/** Per-run figures derived once from the columns; each group then sums over its run indices. */
interface Derived {
  /** Each measure per run, NaN when the run has none (measureOf's null). */
  measures: Record<FleetMeasure, Float64Array>;
  errors: Uint8Array;
  /** 1 all checks passed, 0 not, −1 none ran. */
  passed: Int8Array;
}

function derivedOf(c: FleetColumns): Derived {
  const n = c.length;
  const errors = new Uint8Array(n);
  const passed = new Int8Array(n);
  const errorRate = new Float64Array(n);
  const checkPassRate = new Float64Array(n);
  const passedOfSet = passedOfSets(c.checkSets);
  for (let i = 0; i < n; i++) {
    const e = c.errorCount[i] > 0 ? 1 : 0;
    errors[i] = e;
    errorRate[i] = e;
    const p = passedOfSet[c.checkSet[i]];
    passed[i] = p;
    checkPassRate[i] = p < 0 ? Number.NaN : p;
  }
  const measures = {
    durationMs: c.durationMs,
    totalTokens: c.totalTokens,
    costUsd: c.costUsd,
    llmCalls: c.llmCalls,
    toolCalls: c.toolCalls,
    errorRate,
    checkPassRate,
  };
  return { measures, errors, passed };
}

interface GroupSpec {
  dimension: FleetDimension;
  key: string;
  value: string;
  runs: number;
  calls: number;
}

/**
 * The groups of a batch's runs: counted per distinct membership (and attribute value) first,
 * the most common MAX_GROUPS_PER_DIMENSION of each dimension kept, then each kept group's runs
 * listed (ascending) in one pass over the runs, a run's groups looked up by its set's number.
 */
export function groupRunsOf(c: FleetColumns, attribute: string | null, listRuns = true): { specs: GroupSpec[]; runs: Uint32Array[]; groupsOfSet: Int32Array[]; groupOfValue: Int32Array } {
  const n = c.length;
  const setRuns = new Uint32Array(c.memberSets.length);
  for (let i = 0; i < n; i++) setRuns[c.memberSet[i]]++;
  const valueRuns = new Uint32Array(c.attributeValues.length);
  if (attribute !== null) for (let i = 0; i < n; i++) if (c.attribute[i] >= 0) valueRuns[c.attribute[i]]++;
  const byDimension = new Map<FleetDimension, Map<string, GroupSpec>>();
  const add = (dimension: FleetDimension, key: string, value: string, runs: number, calls: number) => {
    let groups = byDimension.get(dimension);
    if (!groups) byDimension.set(dimension, (groups = new Map()));
    let g = groups.get(value);
    if (!g) groups.set(value, (g = { dimension, key, value, runs: 0, calls: 0 }));
    g.runs += runs;
    g.calls += calls;
  };
  c.memberSets.forEach((set, s) => {
    const k = setRuns[s];
    if (k === 0) return;
    for (const a of set.agents) add('agent', DIMENSION_KEYS.agent, a, k, k);
    for (const m of set.models) add('model', DIMENSION_KEYS.model, m, k, k);
    set.tools.forEach((calls, tool) => add('tool', DIMENSION_KEYS.tool, tool, k, k * calls));
  });
  if (attribute !== null) c.attributeValues.forEach((value, v) => valueRuns[v] > 0 && add('attribute', attribute, value, valueRuns[v], valueRuns[v]));
  const specs: GroupSpec[] = [];
  const idOf = new Map<GroupSpec, number>();
  for (const dimension of ['agent', 'tool', 'model', 'attribute'] as const) {
    const kept = [...(byDimension.get(dimension)?.values() ?? [])]
      .sort((a, b) => b.runs - a.runs || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
      .slice(0, MAX_GROUPS_PER_DIMENSION);
    for (const g of kept) idOf.set(g, specs.push(g) - 1);
  }
  // Each membership's kept groups, by number (a value listed twice counts twice, as a run object would).
  const groupsOfSet = c.memberSets.map((set) => {
    const ids: number[] = [];
    const push = (dimension: FleetDimension, value: string) => {
      const id = idOf.get(byDimension.get(dimension)?.get(value) as GroupSpec);
      if (id !== undefined) ids.push(id);
    };
    for (const a of set.agents) push('agent', a);
    for (const m of set.models) push('model', m);
    for (const t of set.tools.keys()) push('tool', t);
    return Int32Array.from(ids);
  });
  const groupOfValue = Int32Array.from(c.attributeValues, (value) => (attribute === null ? -1 : (idOf.get(byDimension.get('attribute')?.get(value) as GroupSpec) ?? -1)));
  const runs = specs.map((g) => new Uint32Array(listRuns ? g.runs : 0));
  const filled = new Uint32Array(specs.length);
  for (let i = 0; i < (listRuns ? n : 0); i++) {
    const ids = groupsOfSet[c.memberSet[i]];
    for (let k = 0; k < ids.length; k++) runs[ids[k]][filled[ids[k]]++] = i;
    const v = c.attribute[i];
    if (attribute !== null && v >= 0) {
      const g = groupOfValue[v];
      if (g >= 0) runs[g][filled[g]++] = i;
    }
  }
  return { specs, runs, groupsOfSet, groupOfValue };
}

function groupsOf(c: FleetColumns, attribute: string | null, d: Derived): FleetGroup[] {
  const { specs, runs } = groupRunsOf(c, attribute);
  return specs.map((g, k) => finishGroup(g, runs[k], c, d));
}

function finishGroup(g: GroupSpec, runs: Uint32Array, c: FleetColumns, d: Derived): FleetGroup {
  const n = runs.length;
  const durations = new Float64Array(n);
  let errors = 0;
  let checked = 0;
  let passes = 0;
  let cost = 0;
  let costRuns = 0;
  let tokens = 0;
  for (let k = 0; k < n; k++) {
    const i = runs[k];
    errors += d.errors[i];
    if (d.passed[i] >= 0) {
      checked++;
      passes += d.passed[i];
    }
    const runCost = c.costUsd[i];
    if (!Number.isNaN(runCost)) {
      cost += runCost;
      costRuns++;
    }
    const runTokens = c.totalTokens[i];
    tokens += Number.isNaN(runTokens) ? 0 : runTokens;
    durations[k] = c.durationMs[i];
  }
  // Two order statistics by selection (simple-statistics' quickselect), not a sort of the group.
  const [p50, p95] = n ? quantile(durations as unknown as number[], [0.5, 0.95]) : [null, null];
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
    p50DurationMs: p50,
    p95DurationMs: p95,
  };
}

/**
 * Runs far above the batch: at least OUTLIER_FACTOR × the median of the measure (and above its
 * p99 once the batch has 100 runs or more), the furthest first, with the reason in words
 * ("cost $0.41, 9.8× the batch median"). Only the runs at or above the threshold are sorted.
 */
function outliersOf(c: FleetColumns, sortedByMeasure: Map<FleetMeasure, Float64Array>, d: Derived): FleetOutlier[] {
  const out: FleetOutlier[] = [];
  for (const measure of OUTLIER_MEASURES) {
    const sorted = sortedByMeasure.get(measure);
    if (!sorted || sorted.length < 3) continue;
    const median = quantileOfSorted(sorted, 0.5);
    if (!(median > 0)) continue;
    const p99 = quantileOfSorted(sorted, 0.99);
    const threshold = sorted.length >= OUTLIER_P99_FROM_RUNS ? Math.max(OUTLIER_FACTOR * median, p99 + Number.EPSILON) : OUTLIER_FACTOR * median;
    const found: { run: number; traceId: string; value: number }[] = [];
    const column = d.measures[measure];
    for (let i = 0; i < c.length; i++) {
      const value = column[i]; // NaN (no value) is never ≥ the threshold
      if (value >= threshold) found.push({ run: i, traceId: c.traceIdOf(i), value });
    }
    found.sort((a, b) => b.value - a.value || (a.traceId < b.traceId ? -1 : 1));
    for (const { run, traceId, value } of found.slice(0, MAX_OUTLIERS_PER_MEASURE)) {
      const ratio = value / median;
      out.push({
        traceId,
        title: c.nameOf(run),
        measure,
        value,
        reason: `${measureLabel(measure)} ${formatMeasure(measure, value)}, ${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}× the batch median (${formatMeasure(measure, median)})`,
      });
    }
  }
  return out;
}

/** Pass, fail and error counts per check: runs counted per distinct set of outcomes, then each set's outcomes added that many times. */
function checkCounts(c: FleetColumns): FleetCheckCount[] {
  const runsOfSet = new Uint32Array(c.checkSets.length);
  for (let i = 0; i < c.length; i++) runsOfSet[c.checkSet[i]]++;
  const counts = new Map<string, FleetCheckCount>();
  c.checkSets.forEach((checks, s) => {
    const k = runsOfSet[s];
    if (!checks || k === 0) return;
    checks.forEach((outcome, name) => {
      let count = counts.get(name);
      if (!count) counts.set(name, (count = { name, source: 'check', passed: 0, failed: 0, errors: 0 }));
      if (outcome === 'pass') count.passed += k;
      else if (outcome === 'fail') count.failed += k;
      else count.errors += k;
    });
  });
  return [...counts.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
