// The fleet view and batch against batch (issue 11) over the store: agentTrace/listBatches,
// agentTrace/fleet, agentTrace/compareBatches and `agent-trace fleet|batch compare`. The store
// reads the runs of a batch from its per-trace grouping tables (no span documents), core
// computes, and this file builds the protocol's DTOs (src/protocol/fleet.ts).
import { aggregateFleetColumns, compareBatchColumns, DEFAULT_ALPHA, type BatchFinding, type FleetColumns, type FleetGroup } from '../core/fleet';
import type {
  BatchCompareDto,
  BatchFindingDto,
  BatchRefDto,
  BatchSummaryDto,
  CompareBatchesParams,
  FleetCheckDto,
  FleetDto,
  FleetGroupDto,
  FleetMetricDto,
  FleetParams,
  ListBatchesParams,
} from '../protocol/fleet';
import { BATCH_KEYS, MAX_KEY_LENGTH, MAX_VALUE_LENGTH, type BatchRef } from '../store/fleetStore';
import type { TraceStore } from '../store/traceStore';
import { TraceTitles } from './traceTitles';

const DEFAULT_BATCH_LIMIT = 50;
const MAX_BATCH_LIMIT = 1_000;

export class FleetRequestError extends Error {}

export class FleetService {
  private titles: { store: TraceStore; titles: TraceTitles } | null = null;

  /** `store` is a getter: a follower window may reopen its store. */
  constructor(private readonly store: () => TraceStore) {}

  listBatches(params: ListBatchesParams = {}): BatchSummaryDto[] {
    const keys = params.key ? [checkedText(params.key, 'key', MAX_KEY_LENGTH)] : [...BATCH_KEYS];
    const limit = Math.max(1, Math.min(MAX_BATCH_LIMIT, Math.floor(params.limit ?? DEFAULT_BATCH_LIMIT)));
    return this.store()
      .fleet()
      .listBatches({ keys, sinceMs: params.sinceMs, limit })
      .map((b) => ({
        ref: { kind: 'attribute', key: b.key, value: b.value },
        label: batchLabel({ kind: 'attribute', key: b.key, value: b.value }),
        runs: b.runs,
        firstStartMs: b.firstStartMs,
        lastStartMs: b.lastStartMs,
      }));
  }

  fleet(params: FleetParams): FleetDto {
    const ref = checkedRef(params.batch);
    const groupAttribute = params.groupAttribute ? checkedText(params.groupAttribute, 'groupAttribute', MAX_KEY_LENGTH) : null;
    const runs = this.store().fleet().batchColumns(ref, groupAttribute);
    const aggregate = aggregateFleetColumns(runs, { groupAttribute });
    const joined = evaluationsAndMetrics(this.store(), ref, runs);
    const titles = this.titlesOf();
    return {
      batch: summaryOf(ref, runs),
      distributions: aggregate.distributions,
      groups: aggregate.groups.map(groupDto),
      outliers: aggregate.outliers.map((o) => ({ ...o, title: titles.titleOf({ traceId: o.traceId, name: o.title, updatedAtMs: 0 }) })),
      checks: [...aggregate.checks, ...joined.evaluations],
      metrics: joined.metrics,
    };
  }

  compare(params: CompareBatchesParams): BatchCompareDto {
    const before = checkedRef(params.before);
    const after = checkedRef(params.after);
    const groupAttribute = params.groupAttribute ? checkedText(params.groupAttribute, 'groupAttribute', MAX_KEY_LENGTH) : null;
    const alpha = params.alpha ?? DEFAULT_ALPHA;
    if (!(alpha > 0 && alpha < 1)) throw new FleetRequestError(`alpha must be between 0 and 1, not ${alpha}.`);
    const fleet = this.store().fleet();
    const [beforeRuns, afterRuns] = fleet.batchesColumns([before, after], groupAttribute);
    return {
      before: summaryOf(before, beforeRuns),
      after: summaryOf(after, afterRuns),
      alpha,
      findings: compareBatchColumns(beforeRuns, afterRuns, { alpha, groupAttribute }).map(findingDto),
    };
  }

  /** The attribute keys stored on a batch's runs, most common first (what "group by" offers). */
  attributeKeys(batch: BatchRefDto): string[] {
    return this.store().fleet().attributeKeys(checkedRef(batch));
  }

  private titlesOf(): TraceTitles {
    const store = this.store();
    if (this.titles?.store !== store) this.titles = { store, titles: new TraceTitles(store) };
    return this.titles.titles;
  }
}

/**
 * Where stored evaluation results (gen_ai.evaluation.result events and log records,
 * OpenInference annotations: counted like checks, source 'evaluation') and OTLP metrics
 * (gen_ai.client.token.usage, gen_ai.client.operation.duration, shown where traces are missing)
 * join a batch's fleet: evaluation pass/fail counts per name over the batch's runs, and the
 * metric summaries of the time the runs spanned (metrics carry no trace id).
 */
export function evaluationsAndMetrics(store: TraceStore, _batch: BatchRef, runs: FleetColumns): { evaluations: FleetCheckDto[]; metrics: FleetMetricDto[] } {
  if (runs.length === 0) return { evaluations: [], metrics: [] };
  const evaluations: FleetCheckDto[] = [];
  // Most stores hold no evaluation results: then no list of the batch's trace ids is built.
  const counts = store.evaluations.hasAny() ? store.evaluations.countsByName(Array.from({ length: runs.length }, (_, i) => runs.traceIdOf(i))) : new Map();
  for (const [name, c] of counts) {
    if (c.passed + c.failed > 0) evaluations.push({ name, source: 'evaluation', passed: c.passed, failed: c.failed, errors: 0 });
  }
  // Metrics carry no trace id: the points received while the batch's runs ran.
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < runs.length; i++) {
    from = Math.min(from, runs.startMs[i]);
    to = Math.max(to, runs.startMs[i] + runs.durationMs[i]);
  }
  const metrics = store.metrics.metricSummaries(from, to).slice(0, MAX_FLEET_METRICS).map((m) => ({
    name: m.name, points: m.points, sum: m.sum, count: m.count, attributes: m.attributes,
  }));
  return { evaluations, metrics };
}

// Core's group and finding shapes (src/core/fleet/types.ts) and the protocol's DTOs are declared
// on each side of the layer rule (src/protocol imports nothing of ours; src/core nothing of the
// protocol): here, and only here, one becomes the other, field by field, so a field added,
// renamed or retyped on one side fails to compile in this one place.
function groupDto(g: FleetGroup): FleetGroupDto {
  const { dimension, key, value, runs, calls, errorRate, checkPassRate, costUsd, costPerRunUsd, totalTokens, p50DurationMs, p95DurationMs } = g;
  return { dimension, key, value, runs, calls, errorRate, checkPassRate, costUsd, costPerRunUsd, totalTokens, p50DurationMs, p95DurationMs };
}

function findingDto(f: BatchFinding): BatchFindingDto {
  const { group, measure, before, after, delta, test, pValue, interval, regression, improvement, headline, typicalPair } = f;
  return { group, measure, before, after, delta, test, pValue, interval, regression, improvement, headline, typicalPair };
}

/** Metric series (name × attribute set) listed in one fleet answer. */
const MAX_FLEET_METRICS = 200;

export function batchLabel(ref: BatchRefDto): string {
  if (ref.kind === 'attribute') return `${ref.key} = ${ref.value}`;
  // Open ends (0, MAX_SAFE_INTEGER) are outside what a Date holds: said in words.
  const time = (ms: number, end: string) => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : end);
  return `${time(ref.fromMs, 'the first run')}–${time(ref.toMs, 'now')} UTC`;
}

function summaryOf(ref: BatchRef, runs: FleetColumns): BatchSummaryDto {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const start of runs.startMs) {
    if (start < first) first = start;
    if (start > last) last = start;
  }
  return {
    ref,
    label: batchLabel(ref),
    runs: runs.length,
    firstStartMs: runs.length ? first : ref.kind === 'timeRange' ? ref.fromMs : 0,
    lastStartMs: runs.length ? last : ref.kind === 'timeRange' ? ref.toMs : 0,
  };
}

function checkedText(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw new FleetRequestError(`${what} must be a text of 1 to ${max} characters.`);
  return value;
}

/** A batch reference from a request, checked (requests cross a process boundary). */
export function checkedRef(ref: BatchRefDto | undefined): BatchRef {
  if (ref?.kind === 'attribute') {
    return { kind: 'attribute', key: checkedText(ref.key, 'batch key', MAX_KEY_LENGTH), value: checkedText(ref.value, 'batch value', MAX_VALUE_LENGTH) };
  }
  if (ref?.kind === 'timeRange' && Number.isFinite(ref.fromMs) && Number.isFinite(ref.toMs) && ref.fromMs <= ref.toMs) {
    return { kind: 'timeRange', fromMs: ref.fromMs, toMs: ref.toMs };
  }
  throw new FleetRequestError('A batch is { kind: "attribute", key, value } or { kind: "timeRange", fromMs, toMs } with fromMs ≤ toMs.');
}

/** "agent_trace.batch=nightly-42" → an attribute batch (the first "=" splits; the value may hold more). */
export function parseBatchArgument(text: string): BatchRefDto {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new FleetRequestError(`A batch is key=value (e.g. agent_trace.batch=nightly-42), not "${text}".`);
  return { kind: 'attribute', key: text.slice(0, eq).trim(), value: text.slice(eq + 1).trim() };
}
