// OTLP metric data points (issue 11), beside the trace store: written one export per
// transaction, read back by time range for `agent-trace metrics` and the fleet view (which shows
// them where traces are missing), and trimmed with the traces' age retention.
import type Database from 'better-sqlite3';
import { summarizeMetrics, type MetricPoint, type MetricSummary, type MetricType, type Temporality } from '../core/metrics';
import type { Attributes } from '../core/model';
import { nanosToMs } from '../core/tree';
import { preparedOnce } from './statementCache';

type Db = Database.Database;

/** What a stored point costs beyond its text (numbers, times, the two indexes), for size retention. */
const ROW_OVERHEAD_BYTES = 160;

/** Points read per summary query at most (newest kept): bounds the work of one request. */
export const MAX_POINTS_READ = 200_000;

const COLUMNS = 'name, unit, type, temporality, service, attributes, resource, start_ns, time_ns, time_ms, value, count, sum, min, max, buckets';

type Row = [string, string, string, string, string, string, string, string, string, number, number | null, number | null, number | null, number | null, number | null, string | null];

/** Sorted keys, so one attribute set is one text whatever order it came in. */
function sortedJson(a: Attributes): string {
  const out: Attributes = {};
  for (const k of Object.keys(a).sort()) out[k] = a[k];
  return JSON.stringify(out);
}

const fromRow = (r: Row): MetricPoint => ({
  name: r[0], unit: r[1], type: r[2] as MetricType, temporality: r[3] as Temporality, service: r[4],
  attributes: JSON.parse(r[5]) as Attributes, resource: JSON.parse(r[6]) as Attributes, startUnixNanos: r[7], timeUnixNanos: r[8],
  value: r[10], count: r[11], sum: r[12], min: r[13], max: r[14], buckets: r[15] === null ? null : (JSON.parse(r[15]) as MetricPoint['buckets']),
});

export class MetricStore {
  /** Prepared once per connection, on first use. */
  private readonly stmt: (sql: string) => Database.Statement;

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {
    this.stmt = preparedOnce(db);
  }

  /** Stores one export's data points in ONE transaction (throws on storage failure: the receiver answers 503 when transient). */
  write(points: readonly MetricPoint[]): void {
    if (points.length === 0) return;
    const received = this.now();
    const insert = this.stmt(`INSERT INTO metric_points (${COLUMNS}, received_ms) VALUES (${COLUMNS.split(',').map(() => '?').join(', ')}, ?)`);
    this.db
      .transaction(() => {
        for (const p of points) {
          const timeMs = p.timeUnixNanos === '0' ? received : nanosToMs(p.timeUnixNanos);
          insert.run(
            p.name, p.unit, p.type, p.temporality, p.service, sortedJson(p.attributes), sortedJson(p.resource), p.startUnixNanos, p.timeUnixNanos,
            timeMs, p.value, p.count, p.sum, p.min, p.max, p.buckets ? JSON.stringify(p.buckets) : null, received,
          );
        }
      })
      .immediate();
  }

  /** The data points with a time in [fromMs, toMs), oldest first (at most MAX_POINTS_READ, the newest). */
  pointsBetween(fromMs: number, toMs: number, names?: readonly string[]): MetricPoint[] {
    const byName = names && names.length > 0;
    const rows = this.stmt(
      `SELECT ${COLUMNS} FROM (SELECT id, ${COLUMNS} FROM metric_points WHERE time_ms >= ? AND time_ms < ?` +
        (byName ? ' AND name IN (SELECT value FROM json_each(?))' : '') +
        ' ORDER BY time_ms DESC, id DESC LIMIT ?) ORDER BY time_ms, id',
    )
      .raw()
      .all(...(byName ? [fromMs, toMs, JSON.stringify(names)] : [fromMs, toMs]), MAX_POINTS_READ) as Row[];
    return rows.map(fromRow);
  }

  /**
   * Summaries per metric and attribute set over [fromMs, toMs): points, count, sum, p50/p95
   * (core/metrics.ts). What `agent-trace metrics` prints and the fleet view shows (its
   * FleetMetricDto is this shape's name, points, sum, count and attributes).
   */
  metricSummaries(fromMs: number, toMs: number = Number.MAX_SAFE_INTEGER, names?: readonly string[]): MetricSummary[] {
    const start = BigInt(Math.max(0, Math.floor(fromMs))) * 1_000_000n;
    return summarizeMetrics(this.pointsBetween(fromMs, toMs, names), start);
  }

  /** Age retention: one bounded transaction of points received before `cutoffMs`; returns how many went. */
  dropOlderThan(cutoffMs: number, maxRows: number): number {
    return this.db
      .transaction(() => this.stmt('DELETE FROM metric_points WHERE id IN (SELECT id FROM metric_points WHERE received_ms < ? ORDER BY received_ms LIMIT ?)').run(cutoffMs, maxRows).changes)
      .immediate();
  }

  /**
   * Size retention: how many of the oldest points must go for the rest to take at most
   * `budgetBytes` (estimated: their text plus a fixed row overhead). One scan of the table.
   */
  rowsBeyond(budgetBytes: number): number {
    const [rows, bytes] = this.stmt(
      `SELECT count(*), coalesce(sum(length(name) + length(attributes) + length(resource) + coalesce(length(buckets), 0) + ${ROW_OVERHEAD_BYTES}), 0) FROM metric_points`,
    )
      .raw()
      .get() as [number, number];
    return rows === 0 || bytes <= budgetBytes ? 0 : Math.ceil(((bytes - budgetBytes) / bytes) * rows);
  }

  /** Deletes the `n` oldest received points in one transaction; returns how many went. */
  dropOldest(n: number): number {
    return this.db
      .transaction(() => this.stmt('DELETE FROM metric_points WHERE id IN (SELECT id FROM metric_points ORDER BY received_ms, id LIMIT ?)').run(Math.max(0, Math.floor(n))).changes)
      .immediate();
  }

  /** Inside the trace store's clear transaction. */
  onClear(): void {
    this.db.exec('DELETE FROM metric_points;');
  }

  count(): number {
    return this.stmt('SELECT count(*) FROM metric_points').pluck().get() as number;
  }
}
