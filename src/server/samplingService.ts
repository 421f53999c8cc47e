// Stored traces as the sampling simulator reads them: summaries plus the span fields the
// tail_sampling policies look at (attributes, resource, status, events, timing, tools).
import type { CanonicalSpan } from '../core/model';
import type { SamplingSpan, SamplingTrace } from '../core/sampling';
import type { ListedTrace, TraceStore } from '../store/traceStore';
import type { TraceSummary } from '../core/tree';

/** Traces simulated per run: the newest ones, so a preview stays quick on a large store. */
export const MAX_TRACES_PER_SIMULATION = 5_000;

export interface SamplingTraceQuery {
  /** Only traces that started at or after this time (ms since the epoch). */
  sinceMs?: number;
  limit?: number;
}

function toSamplingSpan(s: CanonicalSpan): SamplingSpan {
  const traceState = (s as CanonicalSpan & { traceState?: unknown }).traceState;
  return {
    name: s.name,
    kind: s.kind,
    startUnixNanos: s.startUnixNanos,
    endUnixNanos: s.endUnixNanos,
    status: s.status.code,
    attributes: s.attributes,
    resource: s.resource,
    events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
    ...(typeof traceState === 'string' ? { traceState } : {}),
  };
}

const startMs = (s: CanonicalSpan): number => Number(BigInt(s.startUnixNanos || '0') / 1_000_000n);

export function loadSamplingTraces(store: TraceStore, query: SamplingTraceQuery = {}): SamplingTrace[] {
  const out: SamplingTrace[] = [];
  forEachStoredTrace(store, query, (summary, spans) => out.push(samplingTraceOf(summary, spans)));
  return out;
}

/** The newest stored traces (within the query) with their spans sorted by start, one at a time. */
export function forEachStoredTrace(store: TraceStore, query: SamplingTraceQuery, visit: (summary: ListedTrace, spans: CanonicalSpan[]) => void): void {
  const limit = Math.min(query.limit ?? MAX_TRACES_PER_SIMULATION, MAX_TRACES_PER_SIMULATION);
  const summaries = store.listTraces({ limit }).filter((t) => query.sinceMs === undefined || Number(BigInt(t.startUnixNanos || '0') / 1_000_000n) >= query.sinceMs);
  for (const summary of summaries) {
    const stored = store.getTrace(summary.traceId);
    if (!stored) continue; // deleted meanwhile
    visit(summary, spansByStart(stored.spans));
  }
}

export const spansByStart = (spans: readonly CanonicalSpan[]): CanonicalSpan[] => [...spans].sort((a, b) => startMs(a) - startMs(b));

/** One stored trace as the simulator reads it (spans sorted by start). */
export function samplingTraceOf(summary: TraceSummary & { checks?: { failed: number } }, spans: readonly CanonicalSpan[]): SamplingTrace {
  return {
    traceId: summary.traceId,
    spans: spans.map(toSamplingSpan),
    arrivalMs: Number(BigInt(summary.startUnixNanos || '0') / 1_000_000n),
    durationMs: summary.durationMs,
    costUsd: summary.costUsd,
    errorCount: summary.errorCount,
    tools: spans.filter((s) => s.norm.kind === 'tool').map((s) => s.norm.tool?.name ?? s.name),
    bytes: spans.reduce((n, s) => n + JSON.stringify({ a: s.attributes, r: s.resource, e: s.events, n: s.name }).length, 0),
    failedChecks: summary.checks?.failed ?? 0,
  };
}
