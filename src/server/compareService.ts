// Compare two stored runs: loads both traces, runs the one core implementation
// (core/compare) and builds the plain-JSON result for the LSP (compare panel) and
// `agent-trace diff --json`.
import { agentIdentity, compareRuns, compareStepsOf, diffPair, type CompareStep, type RunInput, type RunTotals } from '../core/compare';
import type { CompareResponseDto, CompareResultDto, CompareRunDto, CompareStepDto, PairDiffDto } from '../protocol/compare';
import type { CanonicalSpan } from '../core/model';
import type { TraceSummaryDto } from '../protocol/dto';
import type { TraceStore } from '../store/traceStore';

interface LoadedRun {
  summary: TraceSummaryDto;
  input: RunInput;
}

function totalsOf(s: TraceSummaryDto): RunTotals {
  return {
    durationMs: s.durationMs,
    llmCalls: s.llmCalls,
    toolCalls: s.toolCalls,
    inputTokens: s.usage.inputTokens,
    outputTokens: s.usage.outputTokens,
    cacheReadTokens: s.usage.cacheReadTokens,
    cacheWriteTokens: s.usage.cacheWriteTokens,
    costUsd: s.costUsd,
    errors: s.errorCount,
  };
}

/**
 * Keeps the last few loaded runs (by trace id and last write), so that the panel's per-pair
 * requests after a compare do not reload two large traces each time.
 */
export class CompareService {
  private cache = new Map<string, LoadedRun>();

  constructor(private readonly store: TraceStore) {}

  private load(traceId: string): LoadedRun | null {
    const id = traceId.trim().toLowerCase();
    const found = this.store.getTrace(id);
    if (!found) return null;
    const key = `${id}@${found.summary.updatedAtMs}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const run = loadedRun(found);
    for (const k of this.cache.keys()) if (k.startsWith(`${id}@`)) this.cache.delete(k);
    this.cache.set(key, run);
    while (this.cache.size > 4) this.cache.delete(this.cache.keys().next().value!);
    return run;
  }

  compare(traceIdA: string, traceIdB: string, options: { includeDiffs?: boolean } = {}): CompareResponseDto {
    const a = this.load(traceIdA);
    const b = this.load(traceIdB);
    const missing = [a ? null : traceIdA, b ? null : traceIdB].filter((x): x is string => x !== null);
    if (!a || !b) {
      return { ok: false, missing, message: missing.map((id) => `No trace with id ${id}.`).join(' ') };
    }
    return { ok: true, result: buildResult(a, b, !!options.includeDiffs) };
  }

  /** The differences of one aligned pair, or null when either span is unknown. */
  pair(traceIdA: string, spanIdA: string, traceIdB: string, spanIdB: string): PairDiffDto | null {
    const a = this.load(traceIdA)?.input.steps.find((s) => s.spanId === spanIdA);
    const b = this.load(traceIdB)?.input.steps.find((s) => s.spanId === spanIdB);
    return a && b ? diffPair(a, b) : null;
  }
}

export interface TraceData {
  summary: TraceSummaryDto;
  spans: CanonicalSpan[];
}

function loadedRun({ summary, spans }: TraceData): LoadedRun {
  // The root span ends last, so a trace without its root (or with steps whose parent has not
  // arrived) is still being written; a finished trace has both.
  const growing = summary.orphanCount > 0 || !spans.some((s) => !s.parentSpanId);
  return {
    summary,
    input: { traceId: summary.traceId, steps: compareStepsOf(spans), totals: totalsOf(summary), services: summary.services, growing },
  };
}

/** The compare of two loaded traces (what the service does after reading the store; the bench times it). */
export function compareTraceData(a: TraceData, b: TraceData, includeDiffs = false): CompareResultDto {
  return buildResult(loadedRun(a), loadedRun(b), includeDiffs);
}

function runDto(run: LoadedRun): CompareRunDto {
  const s = run.summary;
  return {
    traceId: s.traceId,
    name: s.name,
    services: s.services,
    agents: agentIdentity(run.input),
    startTime: s.startTime,
    durationMs: s.durationMs,
    spanCount: s.spanCount,
    growing: run.input.growing,
  };
}

function stepDto(step: CompareStep, origin: number): CompareStepDto {
  return {
    spanId: step.spanId,
    name: step.name,
    kind: step.kind,
    operation: step.operation,
    tool: step.tool?.name ?? null,
    model: step.model,
    offsetMs: step.startMs > 0 ? step.startMs - origin : 0,
    durationMs: step.durationMs,
    status: step.status,
  };
}

const originOf = (steps: CompareStep[]) => steps.reduce((min, s) => (s.startMs > 0 && s.startMs < min ? s.startMs : min), Infinity);

function buildResult(a: LoadedRun, b: LoadedRun, includeDiffs: boolean): CompareResultDto {
  const stepsA = a.input.steps;
  const stepsB = b.input.steps;
  const result = compareRuns(a.input, b.input);
  const originA = originOf(stepsA);
  const originB = originOf(stepsB);
  const d = result.firstDivergence;
  const divergent = d ? result.rows[d.row] : null;
  return {
    a: runDto(a),
    b: runDto(b),
    summary: result.summary,
    firstDivergence:
      d && divergent
        ? {
            step: d.step,
            spanIdA: divergent.a === null ? null : stepsA[divergent.a].spanId,
            spanIdB: divergent.b === null ? null : stepsB[divergent.b].spanId,
            what: d.what,
          }
        : null,
    totals: result.totals,
    counts: result.counts,
    notices: result.notices,
    rows: result.rows.map((r, i) => ({
      step: i + 1,
      depth: r.depth,
      status: r.status,
      a: r.a === null ? null : stepDto(stepsA[r.a], originA),
      b: r.b === null ? null : stepDto(stepsB[r.b], originB),
      changed: r.changed,
      ...(includeDiffs && r.status === 'changed' ? { diff: diffPair(stepsA[r.a!], stepsB[r.b!]) } : {}),
    })),
  };
}
