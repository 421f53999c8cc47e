// OTLP metrics (issue 11): the data points the receiver keeps, and their summaries per metric and
// attribute set (count, sum, p50/p95 from histogram buckets). Pure.
import type { Attributes } from './model';

export type MetricType = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';
export type Temporality = 'delta' | 'cumulative' | 'unspecified';

/** One data point as stored. Histograms keep count, sum, min, max and their explicit buckets. */
export interface MetricPoint {
  name: string;
  unit: string;
  type: MetricType;
  temporality: Temporality;
  /** resource service.name, or 'unknown_service'. */
  service: string;
  /** Capped (see decodeMetrics.ts); values are scalars. */
  resource: Attributes;
  attributes: Attributes;
  startUnixNanos: string;
  timeUnixNanos: string;
  /** Gauge or sum value; null for the distribution types. */
  value: number | null;
  count: number | null;
  sum: number | null;
  min: number | null;
  max: number | null;
  /** Explicit-bucket histograms: bounds.length + 1 counts. */
  buckets: { bounds: number[]; counts: number[] } | null;
}

/** What `agent-trace metrics` prints and the fleet view shows, per metric and attribute set. */
export interface MetricSummary {
  name: string;
  unit: string;
  type: MetricType;
  /** The point attributes (values as text), plus service.name. */
  attributes: Record<string, string>;
  /** Data points received in the range. */
  points: number;
  /** Histograms and summaries: observations; sums: null. */
  count: number | null;
  /** Histograms: sum of observations; sums: the total added in the range; gauges: null. */
  sum: number | null;
  /** Gauges: the last value. */
  last: number | null;
  /** Estimated from the merged explicit buckets (linear within a bucket); null without buckets. */
  p50: number | null;
  p95: number | null;
}

const seriesKey = (p: MetricPoint): string => JSON.stringify([p.name, p.unit, p.type, p.service, p.attributes]);

const attributeText = (p: MetricPoint): Record<string, string> => {
  const out: Record<string, string> = { 'service.name': p.service };
  for (const [k, v] of Object.entries(p.attributes)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
};

/**
 * Summaries over points of one time range (in time order). Delta points add up. Cumulative
 * points carry running totals: per stream (same resource and start time) the range's share is its
 * last point, minus its first point in the range when the stream started before the range
 * (`rangeStartNanos`); the increments between the last point before the range and the first
 * one in it are not seen then (the first export after the range starts closes that gap).
 */
export function summarizeMetrics(points: readonly MetricPoint[], rangeStartNanos = 0n): MetricSummary[] {
  const groups = new Map<string, MetricPoint[]>();
  for (const p of points) {
    const k = seriesKey(p);
    const list = groups.get(k);
    if (list) list.push(p);
    else groups.set(k, [p]);
  }
  const out: MetricSummary[] = [];
  for (const list of groups.values()) out.push(summarizeGroup(list, rangeStartNanos));
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : JSON.stringify(a.attributes) < JSON.stringify(b.attributes) ? -1 : 1));
  return out;
}

interface Totals {
  count: number;
  sum: number;
  hasSum: boolean;
  bounds: number[] | null;
  counts: number[] | null;
}

function summarizeGroup(list: MetricPoint[], rangeStart: bigint): MetricSummary {
  const first = list[0];
  const base: MetricSummary = {
    name: first.name, unit: first.unit, type: first.type, attributes: attributeText(first), points: list.length,
    count: null, sum: null, last: null, p50: null, p95: null,
  };
  if (first.type === 'gauge') {
    base.last = list[list.length - 1].value;
    return base;
  }
  const totals: Totals = { count: 0, sum: 0, hasSum: false, bounds: null, counts: null };
  for (const share of shares(list, rangeStart)) add(totals, share);
  if (first.type === 'sum') {
    base.sum = totals.sum;
    return base;
  }
  base.count = totals.count;
  base.sum = totals.hasSum ? totals.sum : null;
  if (totals.bounds && totals.counts) {
    base.p50 = bucketQuantile(totals.bounds, totals.counts, 0.5);
    base.p95 = bucketQuantile(totals.bounds, totals.counts, 0.95);
  }
  return base;
}

/** What each point (delta) or each cumulative stream contributes to the range. */
function shares(list: MetricPoint[], rangeStart: bigint): Share[] {
  if (list[0].temporality !== 'cumulative') return list.map(shareOf);
  const streams = new Map<string, MetricPoint[]>();
  for (const p of list) {
    const k = JSON.stringify([p.resource, p.startUnixNanos]);
    const s = streams.get(k);
    if (s) s.push(p);
    else streams.set(k, [p]);
  }
  const out: Share[] = [];
  for (const s of streams.values()) {
    const last = shareOf(s[s.length - 1]);
    const startedBefore = safeBig(s[0].startUnixNanos) < rangeStart;
    out.push(startedBefore && s.length > 1 ? minus(last, shareOf(s[0])) : last);
  }
  return out;
}

interface Share {
  count: number;
  sum: number | null;
  buckets: { bounds: number[]; counts: number[] } | null;
}

const shareOf = (p: MetricPoint): Share => ({
  count: p.count ?? 0,
  sum: p.type === 'sum' ? p.value : p.sum,
  buckets: p.buckets,
});

function minus(a: Share, b: Share): Share {
  const sameBounds = a.buckets && b.buckets && a.buckets.bounds.length === b.buckets.bounds.length && a.buckets.bounds.every((x, i) => x === b.buckets!.bounds[i]);
  return {
    count: a.count - b.count,
    sum: a.sum !== null && b.sum !== null ? a.sum - b.sum : a.sum,
    buckets: a.buckets && sameBounds ? { bounds: a.buckets.bounds, counts: a.buckets.counts.map((c, i) => c - b.buckets!.counts[i]) } : a.buckets,
  };
}

function add(t: Totals, s: Share): void {
  t.count += s.count;
  if (s.sum !== null) {
    t.sum += s.sum;
    t.hasSum = true;
  }
  if (!s.buckets) return;
  if (t.bounds === null) {
    t.bounds = s.buckets.bounds;
    t.counts = [...s.buckets.counts];
  } else if (t.bounds.length === s.buckets.bounds.length && t.bounds.every((x, i) => x === s.buckets!.bounds[i])) {
    for (let i = 0; i < s.buckets.counts.length; i++) t.counts![i] += s.buckets.counts[i];
  }
  // Points with other bounds (a changed view) are left out of the percentiles, not mixed in.
}

/**
 * The q-quantile of a histogram with explicit bounds (bucket i holds (bounds[i-1], bounds[i]]):
 * linear within the bucket holding the rank, like Prometheus' histogram_quantile. The open first
 * bucket is taken to start at 0 when its bound is positive; the open last bucket answers its
 * lower bound. null when the histogram is empty.
 */
export function bucketQuantile(bounds: readonly number[], counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0 || counts.length !== bounds.length + 1) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (seen + counts[i] >= rank && counts[i] > 0) {
      if (i === bounds.length) return bounds.length ? bounds[bounds.length - 1] : null;
      const upper = bounds[i];
      const lower = i === 0 ? Math.min(0, upper) : bounds[i - 1];
      return lower + (upper - lower) * ((rank - seen) / counts[i]);
    }
    seen += counts[i];
  }
  return bounds.length ? bounds[bounds.length - 1] : null;
}

function safeBig(s: string): bigint {
  return /^\d{1,20}$/.test(s) ? BigInt(s) : 0n;
}
