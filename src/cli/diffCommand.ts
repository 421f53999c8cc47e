// `agent-trace diff <traceA> <traceB> [--json]`: two runs compared step by step, with the same
// implementation as the compare panel (server/compareService → core/compare).
import { formatCost, formatCount, formatDuration } from '../core/format';
import type { CompareResultDto, CompareRowDto, CompareStepDto, MessageDiffDto, PairDiffDto, TextPartDto, ValueDiffDto } from '../protocol/compare';
import { CompareService } from '../server/compareService';
import { TraceTitles } from '../server/traceTitles';
import { jsonForTerminal, terminalSafe } from './output';
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
    const service = new CompareService(store);
    const response = service.compare(ids[0], ids[1], { includeDiffs: json });
    if (!response.ok) {
      err(response.message);
      return 1;
    }
    // The runs as the Traces view titles them; `name` in the JSON stays as recorded.
    const titles = new TraceTitles(store);
    const titleOf = (run: CompareResultDto['a']) => titles.titleOf({ traceId: run.traceId, name: run.name, updatedAtMs: 0 });
    const result = { ...response.result, a: { ...response.result.a, title: titleOf(response.result.a) }, b: { ...response.result.b, title: titleOf(response.result.b) } };
    if (json) {
      out(jsonForTerminal(result, 2));
      return 0;
    }
    const d = result.firstDivergence;
    const pair = d?.spanIdA && d.spanIdB ? service.pair(ids[0], d.spanIdA, ids[1], d.spanIdB) : null;
    // Step names, messages and values are span content: escaped for the terminal, lines kept.
    out(terminalSafe(formatCompare(result, pair), { keepLines: true }));
    return 0;
  });
}

const STATUS_MARK: Record<CompareRowDto['status'], string> = { same: ' ', changed: '~', added: '+', removed: '-' };

const stepText = (s: CompareStepDto | null): string => (s ? `${s.name}${s.status === 'error' ? ' (error)' : ''}` : '');

function formatNumber(metric: string, v: number | null): string {
  if (v === null) return 'unknown';
  if (metric === 'costUsd') return formatCost(v);
  if (metric === 'durationMs') return formatDuration(v);
  return formatCount(v);
}

function formatDelta(metric: string, d: number | null): string {
  if (d === null) return '';
  if (d === 0) return '=';
  const sign = d > 0 ? '+' : '-';
  return sign + formatNumber(metric, Math.abs(d));
}

/** Characters of one message or value shown under the summary; the rest is in --json. */
const MAX_SHOWN = 400;

const clip = (s: string) => (s.length > MAX_SHOWN ? s.slice(0, MAX_SHOWN) + '…' : s);

/** A word diff in git's --word-diff notation: [-removed-]{+added+}. */
const wordDiffText = (parts: TextPartDto[]) =>
  clip(parts.map((p) => (p.op === 'equal' ? p.text : p.op === 'delete' ? `[-${p.text}-]` : `{+${p.text}+}`)).join('')).replace(/\n/g, '\n      ');

function messageLines(label: string, messages: MessageDiffDto[]): string[] {
  return messages.filter((m) => m.status !== 'same').map((m) => `    ${label} ${m.role} (${m.status}): ${wordDiffText(m.parts)}`);
}

function valueLines(label: string, v: ValueDiffDto): string[] {
  if (v.format === 'text') return [`    ${label}: ${wordDiffText(v.parts)}`];
  return v.changes.map((c) => `    ${label} ${c.path} ${c.op}: ${clip([c.before, c.after].filter((x) => x !== undefined).map((x) => JSON.stringify(x)).join(' → '))}`);
}

/** At a fork step: what the fork edited, from the exact recorded calls (original → fork). */
function forkLines(f: NonNullable<PairDiffDto['fork']>): string[] {
  return [
    ...f.notes.map((n) => `    ${n}`),
    ...(f.request?.changed ?? []).map((c) => `    exact request ${c.section}: ${wordDiffText(c.parts)}`),
    ...(f.response ? [`    response: ${wordDiffText(f.response)}`] : []),
  ];
}

/** What changed at the first divergence, indented under the summary line. */
export function formatPairDiff(d: PairDiffDto): string[] {
  const pairs: [string, { before: unknown; after: unknown } | undefined][] = [
    ['name', d.name], ['tool', d.tool], ['model', d.model], ['agent', d.agent], ['parameters', d.parameters],
    ['status', d.status], ['error', d.error], ['usage', d.usage], ['cost', d.cost],
  ];
  return [
    ...(d.fork ? forkLines(d.fork) : []),
    ...pairs.filter(([, v]) => v).map(([k, v]) => `    ${k}: ${clip(`${JSON.stringify(v!.before)} → ${JSON.stringify(v!.after)}`)}`),
    ...messageLines('input', d.input ?? []),
    ...messageLines('output', d.output ?? []),
    ...(d.arguments ? valueLines('arguments', d.arguments) : []),
    ...(d.result ? valueLines('result', d.result) : []),
  ];
}

/** The human-readable compare: summary (with what changed there), notices, totals, then the aligned steps. */
export function formatCompare(r: CompareResultDto & { a: { title?: string }; b: { title?: string } }, firstPair: PairDiffDto | null = null): string {
  const lines = [
    `A  ${r.a.traceId}  ${r.a.title ?? r.a.name}  ${r.a.startTime}`,
    `B  ${r.b.traceId}  ${r.b.title ?? r.b.name}  ${r.b.startTime}`,
    '',
    r.summary,
    ...(firstPair ? formatPairDiff(firstPair) : []),
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
