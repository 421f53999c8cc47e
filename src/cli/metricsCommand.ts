// `agent-trace metrics`: the OTLP metrics received (gen_ai.client.token.usage,
// gen_ai.client.operation.duration, …), summarized per metric and attribute set over a time
// range: data points, count, sum and p50/p95 from the histogram buckets. Exit 0: it is a report.
import { formatCount, formatDuration, formatTokens } from '../core/format';
import type { MetricSummary } from '../core/metrics';
import type { TraceStore } from '../store/traceStore';
import { jsonForTerminal, terminalSafe } from './output';

export const METRICS_USAGE = 'agent-trace metrics [--since 1h] [--json] [--db FILE]';

/** Without --since: the last 24 hours. */
export const DEFAULT_METRICS_WINDOW_MS = 24 * 3_600_000;

const plain = (n: number): string => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4))));

/** A value in its metric's unit, through the one formatting module where the unit is a duration or tokens. */
function inUnit(n: number | null, unit: string): string {
  if (n === null) return '–';
  if (unit === 's') return formatDuration(n * 1000);
  if (unit === 'ms') return formatDuration(n);
  if (unit === '{token}') return `${formatTokens(n)} tokens`;
  return unit ? `${plain(n)} ${unit}` : plain(n);
}

function formatSummary(m: MetricSummary): string {
  const attrs = Object.entries(m.attributes).map(([k, v]) => `${k}=${v}`).join(' ');
  const parts = [`points ${formatCount(m.points)}`];
  if (m.count !== null) parts.push(`count ${formatCount(m.count)}`);
  if (m.sum !== null) parts.push(`sum ${inUnit(m.sum, m.unit)}`);
  if (m.last !== null) parts.push(`last ${inUnit(m.last, m.unit)}`);
  if (m.p50 !== null) parts.push(`p50 ${inUnit(m.p50, m.unit)}`);
  if (m.p95 !== null) parts.push(`p95 ${inUnit(m.p95, m.unit)}`);
  return `${terminalSafe(m.name)} (${m.type})  ${terminalSafe(attrs)}\n    ${parts.join('  ')}`;
}

export function runMetrics(store: TraceStore, opts: { sinceMs: number; json: boolean; out: (s: string) => void; now?: number }): number {
  const summaries = store.metrics.metricSummaries(opts.sinceMs, (opts.now ?? Date.now()) + 1);
  if (opts.json) {
    for (const m of summaries) opts.out(jsonForTerminal(m));
    return 0;
  }
  if (summaries.length === 0) {
    opts.out('No OTLP metrics received in that time (send them to /v1/metrics or the gRPC MetricsService).');
    return 0;
  }
  for (const m of summaries) opts.out(formatSummary(m));
  return 0;
}
