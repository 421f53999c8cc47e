// `agent-trace diff <traceA> <traceB> [--json]`: two runs compared step by step, with the same
// implementation as the compare panel (server/compareService → core/compare).
import type { CompareResultDto, CompareRowDto, CompareStepDto } from '../protocol/compare';
import { CompareService } from '../server/compareService';
import type { TraceStore } from '../store/traceStore';

export const DIFF_USAGE = 'agent-trace diff <traceA> <traceB> [--json] [--db FILE]';

/** Exit codes: 0 compared, 1 an unknown trace id, 2 bad usage. */
export async function runDiffCommand(
  args: string[],
  json: boolean,
  out: (s: string) => void,
  withStore: (run: (store: TraceStore) => number) => Promise<number>,
  err: (s: string) => void = (s) => process.stderr.write(s + '\n'),
): Promise<number> {
  const ids = args.map((a) => a.trim()).filter(Boolean);
  if (ids.length !== 2) {
    err(`agent-trace diff needs two trace ids, got ${ids.length}.\n\nUsage: ${DIFF_USAGE}`);
    return 2;
  }
  return withStore((store) => {
    const response = new CompareService(store).compare(ids[0], ids[1], { includeDiffs: json });
    if (!response.ok) {
      err(response.message);
      return 1;
    }
    out(json ? JSON.stringify(response.result, null, 2) : formatCompare(response.result));
    return 0;
  });
}

const STATUS_MARK: Record<CompareRowDto['status'], string> = { same: ' ', changed: '~', added: '+', removed: '-' };

const stepText = (s: CompareStepDto | null): string => (s ? `${s.name}${s.status === 'error' ? ' (error)' : ''}` : '');

function formatNumber(metric: string, v: number | null): string {
  if (v === null) return 'unknown';
  if (metric === 'costUsd') return `$${v.toFixed(6)}`;
  if (metric === 'durationMs') return `${Math.round(v)} ms`;
  return String(v);
}

function formatDelta(metric: string, d: number | null): string {
  if (d === null) return '';
  if (d === 0) return '=';
  const sign = d > 0 ? '+' : '-';
  return sign + formatNumber(metric, Math.abs(d));
}

/** The human-readable compare: summary, notices, totals, then the aligned steps. */
export function formatCompare(r: CompareResultDto): string {
  const lines = [
    `A  ${r.a.traceId}  ${r.a.name}  ${r.a.startTime}`,
    `B  ${r.b.traceId}  ${r.b.name}  ${r.b.startTime}`,
    '',
    r.summary,
    ...r.notices.map((n) => `note: ${n}`),
    '',
  ];
  const totals = r.totals.map((t) => [t.metric, formatNumber(t.metric, t.a), formatNumber(t.metric, t.b), formatDelta(t.metric, t.delta)]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[['total', 'run A', 'run B', 'delta'], ...totals].map((row) => row[i].length)));
  for (const row of [['total', 'run A', 'run B', 'delta'], ...totals]) lines.push('  ' + row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  lines.push('', `steps: ${r.counts.same} same, ${r.counts.changed} changed, ${r.counts.added} added, ${r.counts.removed} removed`, '');
  const width = Math.min(60, Math.max(5, ...r.rows.map((row) => row.depth * 2 + stepText(row.a).length)));
  for (const row of r.rows) {
    const indent = '  '.repeat(row.depth);
    const left = row.a ? indent + stepText(row.a) : '';
    const right = row.b ? indent + stepText(row.b) : '';
    const changed = row.changed.length ? `  [${row.changed.join(', ')}]` : '';
    lines.push(`${STATUS_MARK[row.status]} ${String(row.step).padStart(4)}  ${left.slice(0, width).padEnd(width)}  │ ${right}${changed}`);
  }
  return lines.join('\n');
}
