// The sampling lab's server side: stored traces loaded once (sampling view + health facts) and
// kept until the store changes, so a policy edited keystroke by keystroke re-simulates only;
// preview, suggestion and health over a time range or one batch. DTOs of src/protocol/dto.ts.
import { healthReport, traceHealthFacts, type TraceHealthFacts } from '../core/health';
import type { CanonicalSpan } from '../core/model';
import {
  budgetAsPercent,
  isLoop,
  observedArrivalRate,
  parseCollectorConfig,
  samplingVerdict,
  simulate,
  SIMULATED_TYPES,
  suggestPolicy,
  type PolicySpec,
  type SamplingTrace,
  type TraceDecision,
} from '../core/sampling';
import { nanosToIso } from '../core/tree';
import type {
  SamplingBatchDto,
  SamplingPolicyStatusDto,
  SamplingPreviewParams,
  SamplingPreviewResponseDto,
  SamplingProblemDto,
  SamplingScopeDto,
  SamplingSuggestionDto,
  SamplingSuggestParams,
  TraceHealthDto,
  TraceHealthParams,
} from '../protocol/dto';
import type { TraceStore } from '../store/traceStore';
import { MAX_TRACES_PER_SIMULATION, samplingTraceOf, spansByStart } from './samplingService';

/** Attributes that group runs into a batch (resource or span), as the checks' batches do. */
export const BATCH_ATTRIBUTES = ['agent_trace.batch', 'service.version'] as const;
const MAX_BATCH_VALUES = 50;
const RANGE_MS: Record<SamplingScopeDto['range'], number | null> = { hour: 3_600_000, day: 86_400_000, all: null };
/** Policy types whose decisions depend on arrival timing. */
const TIMING_TYPES = new Set(['composite', 'rate_limiting', 'bytes_limiting']);

interface LabTrace {
  sampling: SamplingTrace;
  facts: TraceHealthFacts;
  name: string;
  startTime: string;
  batch: Partial<Record<string, string>>;
}

function batchValues(spans: readonly CanonicalSpan[]): Partial<Record<string, string>> {
  const out: Partial<Record<string, string>> = {};
  for (const key of BATCH_ATTRIBUTES) {
    for (const s of spans) {
      const v = s.resource[key] ?? s.attributes[key];
      if ((typeof v === 'string' && v !== '') || typeof v === 'number') {
        out[key] = String(v).slice(0, 200);
        break;
      }
    }
  }
  return out;
}

/** Traces read between turns of the event loop while loading: ingest is answered meanwhile. */
const LOAD_CHUNK = 50;
/** Rounds of catching up with changes before a request answers with what is loaded. */
const MAX_CATCH_UP_ROUNDS = 3;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class SamplingLab {
  /** trace id → loaded trace; null until loaded (and after a delete or clear). */
  private cache: Map<string, LabTrace> | null = null;
  /** Traces written since they were loaded: re-read on the next request. */
  private readonly dirty = new Set<string>();
  private loading: Promise<void> | null = null;
  /** Bumped by a full invalidation: a load in progress then starts over. */
  private generation = 0;

  constructor(
    private readonly store: () => TraceStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** The store changed: written traces are re-read on the next request; a delete or clear reloads all. */
  invalidate(change?: { traceIds: string[]; cleared?: boolean }): void {
    if (!change || change.cleared) {
      this.cache = null;
      this.dirty.clear();
      this.generation++;
      return;
    }
    for (const id of change.traceIds) this.dirty.add(id);
  }

  private load(traceId: string): LabTrace | null {
    const stored = this.store().getTrace(traceId);
    if (!stored) return null;
    const spans = spansByStart(stored.spans);
    return {
      sampling: samplingTraceOf(stored.summary, spans),
      facts: traceHealthFacts(traceId, spans),
      name: stored.summary.name,
      startTime: nanosToIso(stored.summary.startUnixNanos),
      batch: batchValues(spans),
    };
  }

  /** Loads everything (first request, after a clear) or re-reads the traces written since, a chunk per turn of the event loop. */
  private async refresh(): Promise<void> {
    const generation = this.generation;
    const full = this.cache === null;
    const ids = full ? this.store().listTraces({ limit: MAX_TRACES_PER_SIMULATION }).map((t) => t.traceId) : [...this.dirty];
    this.dirty.clear();
    const target = full ? new Map<string, LabTrace>() : this.cache!;
    for (let i = 0; i < ids.length; i++) {
      const trace = this.load(ids[i]);
      if (trace) target.set(ids[i], trace);
      else target.delete(ids[i]);
      if (i % LOAD_CHUNK === LOAD_CHUNK - 1) {
        await nextTurn();
        if (generation !== this.generation) return; // cleared meanwhile: the next round starts over
      }
    }
    if (generation !== this.generation) return;
    if (target.size > MAX_TRACES_PER_SIMULATION) {
      const newest = [...target.values()].sort((a, b) => b.sampling.arrivalMs - a.sampling.arrivalMs).slice(0, MAX_TRACES_PER_SIMULATION);
      target.clear();
      for (const t of newest) target.set(t.sampling.traceId, t);
    }
    this.cache = target;
  }

  private async all(): Promise<LabTrace[]> {
    for (let round = 0; round < MAX_CATCH_UP_ROUNDS && (this.cache === null || this.dirty.size > 0); round++) {
      this.loading ??= this.refresh().finally(() => (this.loading = null));
      await this.loading;
    }
    return [...(this.cache?.values() ?? [])].sort((a, b) => a.sampling.arrivalMs - b.sampling.arrivalMs);
  }

  private async inRange(scope: SamplingScopeDto): Promise<LabTrace[]> {
    const span = RANGE_MS[scope.range] ?? null;
    const since = span === null ? -Infinity : this.now() - span;
    return (await this.all()).filter((t) => t.sampling.arrivalMs >= since);
  }

  private async scoped(scope: SamplingScopeDto): Promise<LabTrace[]> {
    const batch = scope.batch;
    const traces = await this.inRange(scope);
    return batch ? traces.filter((t) => t.batch[batch.key] === batch.value) : traces;
  }

  private batches(traces: readonly LabTrace[]): SamplingBatchDto[] {
    const out: SamplingBatchDto[] = [];
    for (const key of BATCH_ATTRIBUTES) {
      const counts = new Map<string, number>();
      for (const t of traces) {
        const v = t.batch[key];
        if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      const values = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_BATCH_VALUES);
      for (const [value, n] of values) out.push({ key, value, traces: n });
    }
    return out;
  }

  async preview(params: SamplingPreviewParams): Promise<SamplingPreviewResponseDto> {
    const head = params.head ?? null;
    if (head && !(head.ratio >= 0 && head.ratio <= 1)) return { ok: false, errors: [{ line: 0, message: `The head ratio is between 0 and 1 (0.01 = 1%), not ${head.ratio}.` }] };
    const parsed = params.policyText === null ? null : parseCollectorConfig(params.policyText);
    if (parsed?.errors.length) return { ok: false, errors: parsed.errors };
    if (!parsed && !head) return { ok: false, errors: [{ line: 0, message: 'Nothing to preview: choose a policy file with a tail_sampling processor, a head ratio, or both.' }] };
    const processor = parsed?.processors[0] ?? null;
    const warnings: SamplingProblemDto[] = [...(parsed?.warnings ?? [])];
    const others = parsed?.processors.slice(1) ?? [];
    if (processor && others.length) warnings.push({ line: others[0].line, message: `simulating ${processor.id} only; ${others.map((o) => o.id).join(', ')} also found` });
    const inRange = await this.inRange(params);
    const batch = params.batch;
    const lab = batch ? inRange.filter((t) => t.batch[batch.key] === batch.value) : inRange;
    const traces = lab.map((t) => t.sampling);
    const decisions = simulate(traces, { policies: processor?.policies ?? null, head, sampleOnFirstMatch: processor?.sampleOnFirstMatch ?? false });
    const loopThreshold = params.loopThreshold ?? 3;
    const verdict = samplingVerdict(traces, decisions, { loopThreshold });
    return {
      ok: true,
      preview: {
        processor: processor?.id ?? null,
        head,
        traces: verdict.traces,
        kept: verdict.kept,
        sentence: verdict.sentence,
        groups: verdict.groups,
        policies: processor ? policyStatuses(processor.policies, decisions) : [],
        warnings,
        rows: lab.map((t, i) => ({
          traceId: t.sampling.traceId,
          name: t.name,
          startTime: t.startTime,
          durationMs: t.sampling.durationMs,
          costUsd: t.sampling.costUsd,
          errorCount: t.sampling.errorCount,
          loop: isLoop(t.sampling, loopThreshold),
          kept: decisions[i].kept,
          decidedBy: decisions[i].decidedBy,
          approximate: decisions[i].approximate,
          policies: decisions[i].policies,
        })),
        batches: this.batches(inRange),
        observedPerSecond: observedArrivalRate(traces),
      },
    };
  }

  async suggest(params: SamplingSuggestParams): Promise<SamplingSuggestionDto> {
    const traces = (await this.scoped(params)).map((t) => t.sampling);
    const budget = budgetAsPercent(params.budget, traces);
    if (!budget.ok) return { ok: false, message: budget.message };
    const percent = Math.round(budget.percent * 1000) / 1000;
    const suggestion = suggestPolicy(traces, percent);
    const note =
      params.budget.unit === 'tracesPerSecond'
        ? `# Budget: ${params.budget.value} traces/s against ${budget.observedPerSecond!.toPrecision(3)} traces/s observed in the stored traces (${percent}%).\n`
        : '';
    const yaml = note + suggestion.yaml;
    const preview = await this.preview({ range: params.range, batch: params.batch, policyText: yaml, head: params.head ?? null });
    if (!preview.ok) return { ok: false, message: preview.errors.map((e) => e.message).join('; ') };
    return { ok: true, budgetPercent: percent, baselinePercent: suggestion.baselinePercent, overBudget: suggestion.overBudget, observedPerSecond: budget.observedPerSecond, yaml, preview: preview.preview };
  }

  async health(params: TraceHealthParams): Promise<TraceHealthDto> {
    return healthReport((await this.scoped(params)).map((t) => t.facts), { maxExamples: Math.min(50, params.maxExamples ?? 5) });
  }
}

/** Each top-level policy: simulated exactly, approximately (arrival timing) or not at all, and how many kept traces it decided. */
function policyStatuses(policies: readonly PolicySpec[], decisions: readonly TraceDecision[]): SamplingPolicyStatusDto[] {
  const timing = (p: PolicySpec): boolean => TIMING_TYPES.has(p.type) || p.subPolicies.some(timing);
  const unknown = (p: PolicySpec): PolicySpec | undefined => ((SIMULATED_TYPES as readonly string[]).includes(p.type) ? p.subPolicies.map(unknown).find(Boolean) : p);
  return policies.map((p) => {
    const outcomes = decisions.map((d) => d.policies.find((o) => o.name === p.name)).filter((o) => o !== undefined);
    const notSimulated = outcomes.find((o) => o.decision === 'not_simulated');
    const missing = unknown(p);
    const status: SamplingPolicyStatusDto['status'] = notSimulated || missing ? 'not_simulated' : timing(p) ? 'approximate' : 'simulated';
    const note = notSimulated?.note ?? (missing ? `type "${missing.type}" is not simulated: never counted as keeping a trace` : status === 'approximate' ? 'depends on arrival timing: simulated over the stored arrival times' : null);
    return { name: p.name, type: p.type, line: p.line, status, note, decided: decisions.filter((d) => d.kept && d.decidedBy === p.name).length };
  });
}
