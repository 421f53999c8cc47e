// Compare two stored runs: loads both traces, runs the one core implementation
// (core/compare) and builds the plain-JSON result for the LSP (compare panel) and
// `agent-trace diff --json`.
import { agentIdentity, compareRuns, compareStepsOf, diffPair, type CompareStep, type ForkMark, type RunInput, type RunTotals } from '../core/compare';
import { forkLinkOf, forkStepDiff, type ForkLink, type ForkStepDiff, type RecordedStepCall } from '../core/replay';
import type { CompareResponseDto, CompareResultDto, CompareRunDto, CompareStepDto, PairDiffDto } from '../protocol/compare';
import type { CanonicalSpan } from '../core/model';
import type { TraceSummaryDto } from '../protocol/dto';
import type { StoredRecording } from '../store/recordings';
import type { TraceStore } from '../store/traceStore';
import { responseText } from './forkService';
import { recordingsOfTrace } from './proxy/recordingLinks';
import { SYNTHESIZED_UPSTREAM } from './proxy/replaySession';

interface LoadedRun {
  summary: TraceSummaryDto;
  input: RunInput;
  spans: CanonicalSpan[];
  /** The run and step this run was forked from (its resource attributes), when it is a fork. */
  fork: ForkLink | null;
  /** Recorded calls per LLM step, read once when the run is compared with its fork or original. */
  calls?: Map<string, StoredRecording>;
}

/** A run's recorded model calls per step (span id); null where no store is at hand (nothing is said about the fork step's edit then). */
type RecordedCalls = ((run: LoadedRun) => Map<string, StoredRecording>) | null;

const utf8 = new TextDecoder('utf-8');

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
    return { ok: true, result: buildResult(a, b, !!options.includeDiffs, this.recordedCalls) };
  }

  /** The differences of one aligned pair, or null when either span is unknown; at the fork step of a fork pair, with what the fork edited. */
  pair(traceIdA: string, spanIdA: string, traceIdB: string, spanIdB: string): PairDiffDto | null {
    const runA = this.load(traceIdA);
    const runB = this.load(traceIdB);
    const a = runA?.input.steps.find((s) => s.spanId === spanIdA);
    const b = runB?.input.steps.find((s) => s.spanId === spanIdB);
    if (!runA || !runB || !a || !b) return null;
    const diff: PairDiffDto = diffPair(a, b);
    const fork = forkBetween(runA, runB);
    if (fork && (fork.original === 'a' ? spanIdA : spanIdB) === fork.spanId) {
      diff.fork = forkStepDiffOf(runA, runB, fork.original, spanIdA, spanIdB, this.recordedCalls);
      diff.changed = ['edit', ...diff.changed];
    }
    return diff;
  }

  private readonly recordedCalls = (run: LoadedRun): Map<string, StoredRecording> =>
    (run.calls ??= new Map([...recordingsOfTrace(this.store, run.summary.traceId, run.spans)].map(([spanId, r]) => [spanId, r.recording])));
}

/** Which run is the original when one is a fork of the other (by its fork link), and the step it was forked at. */
function forkBetween(a: LoadedRun, b: LoadedRun): Omit<ForkMark, 'describe'> | null {
  if (b.fork?.traceId === a.summary.traceId.toLowerCase()) return { original: 'a', spanId: b.fork.spanId };
  if (a.fork?.traceId === b.summary.traceId.toLowerCase()) return { original: 'b', spanId: a.fork.spanId };
  return null;
}

function recordedStepCall(r: StoredRecording | undefined): RecordedStepCall | null {
  if (!r) return null;
  return {
    path: r.path,
    requestBody: utf8.decode(r.request.body),
    requestTruncated: r.request.truncated,
    responseText: responseText(utf8.decode(r.response.body)),
    synthesized: r.upstream === SYNTHESIZED_UPSTREAM,
  };
}

/** What the fork changed at the pair (spanIdA, spanIdB) of its fork step: the two steps' exact recorded calls, original → fork. */
function forkStepDiffOf(a: LoadedRun, b: LoadedRun, original: 'a' | 'b', spanIdA: string, spanIdB: string, recorded: RecordedCalls): ForkStepDiff {
  const callOf = (run: LoadedRun, spanId: string) => (recorded ? recordedStepCall(recorded(run).get(spanId)) : null);
  const [callA, callB] = [callOf(a, spanIdA), callOf(b, spanIdB)];
  return original === 'a' ? forkStepDiff(callA, callB) : forkStepDiff(callB, callA);
}

export interface TraceData {
  summary: TraceSummaryDto;
  spans: CanonicalSpan[];
}

function loadedRun({ summary, spans }: TraceData): LoadedRun {
  // The root span ends last, so a trace without its root (or with steps whose parent has not
  // arrived) is still being written; a finished trace has both.
  const growing = summary.orphanCount > 0 || !spans.some((s) => !s.parentSpanId);
  // The fork link is a resource attribute, so every span of the forked run carries it; the root's first.
  let fork: ForkLink | null = null;
  for (const s of [...spans.filter((x) => !x.parentSpanId), ...spans]) if ((fork = forkLinkOf(s.resource))) break;
  return {
    summary,
    input: { traceId: summary.traceId, steps: compareStepsOf(spans), totals: totalsOf(summary), services: summary.services, growing },
    spans,
    fork,
  };
}

/**
 * The compare of two loaded traces (what the service does after reading the store; the bench times
 * it). Without the store's recorded calls, a fork pair is compared like any two runs.
 */
export function compareTraceData(a: TraceData, b: TraceData, includeDiffs = false): CompareResultDto {
  return buildResult(loadedRun(a), loadedRun(b), includeDiffs, null);
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

function buildResult(a: LoadedRun, b: LoadedRun, includeDiffs: boolean, recorded: RecordedCalls): CompareResultDto {
  const stepsA = a.input.steps;
  const stepsB = b.input.steps;
  const fork = recorded ? forkBetween(a, b) : null;
  let forkDiff: ForkStepDiff | null = null;
  const describe = (spanIdA: string, spanIdB: string) => (forkDiff = forkStepDiffOf(a, b, fork!.original, spanIdA, spanIdB, recorded)).what;
  const result = compareRuns(a.input, b.input, fork ? { ...fork, describe } : null);
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
      ...(r.forkStep ? { forkStep: true as const } : {}),
      ...(includeDiffs && r.status === 'changed' ? { diff: pairDiffDto(stepsA[r.a!], stepsB[r.b!], r.forkStep ? forkDiff : null) } : {}),
    })),
    ...(fork ? { fork: { original: fork.original, spanId: fork.spanId } } : {}),
  };
}

function pairDiffDto(a: CompareStep, b: CompareStep, fork: ForkStepDiff | null): PairDiffDto {
  const diff: PairDiffDto = diffPair(a, b);
  if (fork) {
    diff.fork = fork;
    diff.changed = ['edit', ...diff.changed];
  }
  return diff;
}
