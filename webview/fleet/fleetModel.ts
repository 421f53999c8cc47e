// What the fleet page derives from the server's aggregates: labels and formats of each measure,
// the percentile markers of a histogram, the group table's rows in the chosen order, findings
// with regressions first, and the texts of a finding. DOM-free, unit-tested. Every figure goes
// through the one formatting module.
import type { BatchFindingDto, BatchRefDto, DistributionDto, FleetDimensionDto, FleetGroupDto, FleetMeasureDto } from '../../src/protocol/fleet';
import { formatCost, formatCount, formatDuration, formatPercent, formatPValue, formatTokens } from '../shared/format';

type Formatter = (n: number | null) => string;

interface MeasureInfo {
  label: string;
  format: Formatter;
  /** Higher is better (pass rate); for the rest lower is better. */
  higherIsBetter: boolean;
}

export const MEASURES: Record<FleetMeasureDto, MeasureInfo> = {
  durationMs: { label: 'Latency', format: formatDuration, higherIsBetter: false },
  totalTokens: { label: 'Tokens', format: formatTokens, higherIsBetter: false },
  costUsd: { label: 'Cost', format: formatCost, higherIsBetter: false },
  llmCalls: { label: 'LLM calls', format: formatCount, higherIsBetter: false },
  toolCalls: { label: 'Tool calls', format: formatCount, higherIsBetter: false },
  errorRate: { label: 'Error rate', format: formatPercent, higherIsBetter: false },
  checkPassRate: { label: 'Check pass rate', format: formatPercent, higherIsBetter: true },
};

/** The order the histograms are shown in. */
export const MEASURE_ORDER: readonly FleetMeasureDto[] = ['durationMs', 'totalTokens', 'costUsd', 'llmCalls', 'toolCalls', 'errorRate', 'checkPassRate'];

const CHECK_PREFIX = 'check:';

function measureInfo(measure: string): MeasureInfo {
  if (measure.startsWith(CHECK_PREFIX)) return { label: `check "${measure.slice(CHECK_PREFIX.length)}" pass rate`, format: formatPercent, higherIsBetter: true };
  return MEASURES[measure as FleetMeasureDto] ?? { label: measure, format: (n) => (n === null ? 'unknown' : String(n)), higherIsBetter: false };
}

/** "Latency", "Cost", `check "refund policy cited" pass rate`. */
export const measureLabel = (measure: string): string => measureInfo(measure).label;

/** A value of a measure as text: durations, costs, tokens, counts or percents. */
export const formatMeasure = (measure: string, value: number | null): string => measureInfo(measure).format(value);

/** A change of a measure with its sign: "+1.2 s", "−38%", "+$0.012". */
export function formatMeasureDelta(measure: string, delta: number | null): string {
  if (delta === null || !Number.isFinite(delta)) return 'unknown';
  const text = formatMeasure(measure, Math.abs(delta));
  return `${delta < 0 ? '−' : '+'}${text}`;
}

export interface Marker {
  label: 'p50' | 'p95' | 'p99';
  value: number;
}

/** The percentile markers a histogram draws (those the server could compute). */
export function markersOf(d: DistributionDto): Marker[] {
  const out: Marker[] = [];
  for (const label of ['p50', 'p95', 'p99'] as const) {
    const value = d[label];
    if (value !== null && Number.isFinite(value)) out.push({ label, value });
  }
  return out;
}

/** The x range a histogram spans; a batch whose runs all have one value gets a visible width. */
export function histogramRange(d: DistributionDto): [number, number] | null {
  if (!d.bins.length) return null;
  const lo = d.bins[0].lo;
  const hi = d.bins[d.bins.length - 1].hi;
  if (hi > lo) return [lo, hi];
  const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
  return [lo - pad, hi + pad];
}

/** One line under a histogram: "p50 1.2 s · p95 3.4 s · p99 5 s · 1,000 runs · 3 unknown". */
export function distributionSummary(d: DistributionDto): string {
  const parts = markersOf(d).map((m) => `${m.label} ${formatMeasure(d.measure, m.value)}`);
  if (d.mean !== null && (d.measure === 'errorRate' || d.measure === 'checkPassRate')) parts.unshift(`mean ${formatMeasure(d.measure, d.mean)}`);
  parts.push(`${formatCount(d.count)} ${d.count === 1 ? 'run' : 'runs'}`);
  if (d.missing) parts.push(`${formatCount(d.missing)} unknown`);
  return parts.join(' · ');
}

export const DIMENSIONS: readonly FleetDimensionDto[] = ['agent', 'tool', 'model', 'attribute'];
export const DIMENSION_LABEL: Record<FleetDimensionDto, string> = { agent: 'Agent', tool: 'Tool', model: 'Model', attribute: 'Attribute' };

export type GroupSortKey = 'value' | 'runs' | 'errorRate' | 'checkPassRate' | 'costUsd' | 'costPerRunUsd' | 'p95DurationMs';
export interface GroupSort {
  key: GroupSortKey;
  descending: boolean;
}

export const GROUP_COLUMNS: readonly { key: GroupSortKey; label: string; numeric: boolean }[] = [
  { key: 'value', label: 'Group', numeric: false },
  { key: 'runs', label: 'Runs', numeric: true },
  { key: 'errorRate', label: 'Error rate', numeric: true },
  { key: 'checkPassRate', label: 'Pass rate', numeric: true },
  { key: 'costUsd', label: 'Total cost', numeric: true },
  { key: 'costPerRunUsd', label: 'Cost per run', numeric: true },
  { key: 'p95DurationMs', label: 'p95 latency', numeric: true },
];

/** Default: the costliest groups first (cost per feature is what the table is for). */
export const DEFAULT_GROUP_SORT: GroupSort = { key: 'costUsd', descending: true };

/** Clicking a column: the same column flips direction; another starts descending (text ascending). */
export function nextSort(current: GroupSort, key: GroupSortKey): GroupSort {
  if (current.key === key) return { key, descending: !current.descending };
  return { key, descending: key !== 'value' };
}

/** The groups of one dimension, sorted; unknown values (null) always last, ties by name. */
export function sortedGroups(groups: readonly FleetGroupDto[], dimension: FleetDimensionDto, sort: GroupSort): FleetGroupDto[] {
  const dir = sort.descending ? -1 : 1;
  const byName = (a: FleetGroupDto, b: FleetGroupDto) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
  const rows = groups.filter((g) => g.dimension === dimension);
  return rows.sort((a, b) => {
    if (sort.key === 'value') return dir * byName(a, b);
    const x = a[sort.key];
    const y = b[sort.key];
    if (x === null || y === null) return x === y ? byName(a, b) : x === null ? 1 : -1;
    return x !== y ? dir * (x - y) : byName(a, b);
  });
}

/** Runs of a group; tools count calls too ("12 runs · 30 calls"). */
export function groupRunsText(g: FleetGroupDto): string {
  const runs = `${formatCount(g.runs)}`;
  return g.dimension === 'tool' && g.calls !== g.runs ? `${runs} (${formatCount(g.calls)} calls)` : runs;
}

/** Regressions first, then improvements, then the rest; within each, the strongest evidence first. */
export function orderFindings(findings: readonly BatchFindingDto[]): BatchFindingDto[] {
  const rank = (f: BatchFindingDto) => (f.regression ? 0 : f.improvement ? 1 : 2);
  const p = (f: BatchFindingDto) => (f.pValue === null ? Number.POSITIVE_INFINITY : f.pValue);
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || p(a.f) - p(b.f) || Math.abs(b.f.delta ?? 0) - Math.abs(a.f.delta ?? 0) || a.i - b.i)
    .map((x) => x.f);
}

export function findingCounts(findings: readonly BatchFindingDto[]): { regressions: number; improvements: number; unchanged: number } {
  let regressions = 0;
  let improvements = 0;
  for (const f of findings) {
    if (f.regression) regressions++;
    else if (f.improvement) improvements++;
  }
  return { regressions, improvements, unchanged: findings.length - regressions - improvements };
}

/** "98% → 60%" (with each side's run count in the title text). */
export const beforeAfterText = (f: BatchFindingDto): string => `${formatMeasure(f.measure, f.before.value)} → ${formatMeasure(f.measure, f.after.value)}`;

/** The delta's interval: "−45% to −31%". */
export function intervalText(f: BatchFindingDto): string | null {
  if (!f.interval) return null;
  return `${formatMeasureDelta(f.measure, f.interval[0])} to ${formatMeasureDelta(f.measure, f.interval[1])}`;
}

export const TEST_LABEL: Record<BatchFindingDto['test'], string> = {
  'two-proportion-z': 'two-proportion z-test',
  'fisher-exact': "Fisher's exact test",
  'mann-whitney-u': 'Mann–Whitney U test',
  'bootstrap-median': 'bootstrap interval of the median',
  none: 'no test (too few runs)',
};

export const pValueText = (f: BatchFindingDto): string => (f.pValue === null ? '' : formatPValue(f.pValue));

/** "route=refunds", "agent planner", "all runs". */
export function groupLabel(g: BatchFindingDto['group']): string {
  if (g.dimension === 'all') return 'all runs';
  if (g.dimension === 'attribute') return `${g.key}=${g.value}`;
  return `${g.dimension} ${g.value}`;
}

/** A stable id of a batch reference, for selects and equality. */
export function batchRefId(ref: BatchRefDto): string {
  return ref.kind === 'attribute' ? `a:${ref.key}=${ref.value}` : `t:${ref.fromMs}-${ref.toMs}`;
}

export const sameBatch = (a: BatchRefDto | null | undefined, b: BatchRefDto | null | undefined): boolean => !!a && !!b && batchRefId(a) === batchRefId(b);

/** The grouping attributes the picker offers (the list); any other can be typed. */
export const GROUPING_KEYS: readonly string[] = ['agent_trace.batch', 'service.version', 'session.id', 'gen_ai.conversation.id'];

/** Suggestions for the user-chosen group attribute ("cost per feature"). */
export const GROUP_ATTRIBUTE_SUGGESTIONS: readonly string[] = ['feature', 'route', 'app.route', 'app.feature', 'user.id', 'tenant.id'];

export const TIME_PRESETS: readonly { label: string; ms: number }[] = [
  { label: 'Last hour', ms: 3_600_000 },
  { label: 'Last 24 hours', ms: 86_400_000 },
  { label: 'Last 7 days', ms: 7 * 86_400_000 },
];

/** A time range ending now. */
export const timeRangeRef = (ms: number, now: number): BatchRefDto => ({ kind: 'timeRange', fromMs: now - ms, toMs: now });

/** `datetime-local` input value (local time, minutes) ↔ epoch ms. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(text: string): number | null {
  const ms = new Date(text).getTime();
  return text && Number.isFinite(ms) ? ms : null;
}
