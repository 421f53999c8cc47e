// `agent-trace health`: the ways the stored traces misreport what the agents did (orphaned spans,
// LLM spans without token usage, conversations split over traces, ids in span names, model calls
// recorded twice), with counts and example steps. Exit 0 whatever it finds: it is a report.
import { healthReport, traceHealthFacts, type HealthReport } from '../core/health';
import type { TraceStore } from '../store/traceStore';
import { forEachStoredTrace } from '../server/samplingService';
import { jsonForTerminal, terminalSafe } from './output';

export const HEALTH_USAGE = 'agent-trace health [--since 1h] [--limit N] [--json] [--db FILE]';

export function buildHealthReport(store: TraceStore, query: { sinceMs?: number; limit?: number }, maxExamples = 5): HealthReport {
  const facts: ReturnType<typeof traceHealthFacts>[] = [];
  forEachStoredTrace(store, query, (summary, spans) => facts.push(traceHealthFacts(summary.traceId, spans)));
  return healthReport(facts, { maxExamples });
}

export function renderHealthReport(r: HealthReport): string {
  const lines = [`Trace health of ${r.traces} stored trace(s), ${r.spans} span(s):`, ''];
  for (const item of r.items) {
    const mark = item.count === 0 ? 'ok  ' : 'WARN';
    lines.push(`${mark} ${item.title}: ${item.count}${item.count ? ` in ${item.traces} trace(s)` : ''}`);
    if (!item.count) continue;
    lines.push(`     ${item.why}`);
    for (const e of item.examples) lines.push(`     - ${e.traceId}${e.spanId ? ` step ${e.spanId}` : ''}: ${terminalSafe(e.text)}`);
  }
  return lines.join('\n');
}

export function runHealth(store: TraceStore, query: { sinceMs?: number; limit?: number }, json: boolean, out: (s: string) => void): number {
  const report = buildHealthReport(store, query);
  out(json ? jsonForTerminal(report, 2) : renderHealthReport(report));
  return 0;
}
