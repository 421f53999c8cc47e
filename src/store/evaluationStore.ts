// Evaluation results the agent sends (issue 11), beside the trace store: read from each export
// inside its transaction (span events, log records, OpenInference evaluator spans), linked to the
// step they evaluate, judged pass/fail/info by the checks file's thresholds, and counted per
// trace (the counts listings add to the check counts). Linking, whichever arrives first:
//   - a span event: the span carrying it;
//   - a log record: its span id (stored even when that span has not arrived yet);
//   - only a response id: the model call whose gen_ai.response.id matches, looked up in
//     llm_responses when the result arrives, or linked when that call arrives later.
import type Database from 'better-sqlite3';
import {
  classifyEvaluation, evaluationFromLog, evaluationsFromSpan, type EvaluationOutcome, type EvaluationRecord, type EvaluationSource,
  type EvaluationThresholds,
} from '../core/evaluations';
import type { RawLogRecord, RawSpan } from '../core/model';
import { preparedOnce } from './statementCache';

type Db = Database.Database;

/** One stored evaluation result. */
export interface StoredEvaluation {
  /** '' when the record named no trace and no model call of a stored trace matched yet. */
  traceId: string;
  /** The step evaluated; null when not known (yet): a trace-level result or a response id not seen. */
  spanId: string | null;
  responseId: string | null;
  name: string;
  scoreValue: number | null;
  scoreLabel: string | null;
  explanation: string | null;
  outcome: EvaluationOutcome;
  source: EvaluationSource;
  timeUnixNanos: string;
}

/** How one trace's evaluation results came out. */
export interface EvaluationCounts {
  passed: number;
  failed: number;
  /** Informational: no pass/fail label and no threshold for the name. */
  info: number;
}

/** Rows re-judged per transaction when the thresholds change. */
const RECLASSIFY_PAGE = 1_000;
/** Trace ids per counts query (SQLite's json_each takes any number; this bounds one statement's work). */
const COUNTS_CHUNK = 5_000;
/** Evaluations listed per trace at most (what the panel and MCP show). */
const MAX_PER_TRACE = 1_000;

const RESPONSE_ID = 'gen_ai.response.id';

type Row = [string, string | null, string | null, string, number | null, string | null, string | null, string, string, string];
const COLUMNS = 'trace_id, span_id, response_id, name, score_value, score_label, explanation, outcome, source, time_ns';

const fromRow = ([traceId, spanId, responseId, name, scoreValue, scoreLabel, explanation, outcome, source, timeUnixNanos]: Row): StoredEvaluation => ({
  traceId, spanId, responseId, name, scoreValue, scoreLabel, explanation, outcome: outcome as EvaluationOutcome, source: source as EvaluationSource, timeUnixNanos,
});

/** What one span brings to the evaluation tables: its response id and the results it carries. Plain data (posted to the store worker). */
export interface EvaluationInput {
  responseId: string | null;
  records: EvaluationRecord[];
}

/**
 * Read when the span is prepared (TraceStore.prepareSpans, on the main thread) so the store
 * worker, which gets no raw span, can link and store it. Undefined for the usual span: neither.
 */
export function evaluationInputOf(span: RawSpan): EvaluationInput | undefined {
  const rid = span.attributes[RESPONSE_ID];
  const responseId = typeof rid === 'string' && rid !== '' && rid.length <= 200 ? rid : null;
  const records = span.events.length > 0 || span.attributes['openinference.span.kind'] !== undefined ? evaluationsFromSpan(span) : [];
  return responseId !== null || records.length > 0 ? { responseId, records } : undefined;
}

export class EvaluationStore {
  /** Prepared once per connection, on first use. */
  private readonly stmt: (sql: string) => Database.Statement;
  private thresholds: EvaluationThresholds = {};
  private thresholdsKey = '{}';

  constructor(private readonly db: Db) {
    this.stmt = preparedOnce(db);
  }

  // -------------------------------------------------------------------------------------------
  // Writing (called by TraceStore inside an export's transaction)

  /**
   * Reads one export's evaluation results and model-call response ids, links and stores them.
   * Returns the stored traces whose evaluation counts changed. Cheap when the export carries
   * none: one pass over the spans' attributes and event names.
   */
  onBatch(batch: { spans: readonly { values: readonly unknown[]; evaluation?: EvaluationInput }[]; logs: readonly RawLogRecord[] }, now: number): string[] {
    const records: EvaluationRecord[] = [];
    const responses: { responseId: string; traceId: string; spanId: string }[] = [];
    for (const span of batch.spans) {
      const e = span.evaluation;
      if (!e) continue;
      if (e.responseId !== null) responses.push({ responseId: e.responseId, traceId: span.values[0] as string, spanId: span.values[1] as string });
      records.push(...e.records);
    }
    for (const log of batch.logs) {
      const r = evaluationFromLog(log);
      if (r) records.push(r);
    }
    if (records.length === 0 && responses.length === 0) return [];
    const changed = new Set<string>();
    if (responses.length > 0) {
      const put = this.stmt('INSERT OR REPLACE INTO llm_responses (response_id, trace_id, span_id) VALUES (?, ?, ?)');
      for (const r of responses) put.run(r.responseId, r.traceId, r.spanId);
    }
    const insert = this.stmt(
      `INSERT OR IGNORE INTO evaluations (${COLUMNS}, received_ms, dedupe) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const lookup = this.stmt('SELECT trace_id, span_id FROM llm_responses WHERE response_id = ?').raw();
    for (const r of records) {
      let traceId = r.traceId ?? '';
      let spanId = r.spanId;
      if (spanId === null && r.responseId !== null) {
        const hit = lookup.get(r.responseId) as [string, string] | undefined;
        if (hit && (traceId === '' || traceId === hit[0])) [traceId, spanId] = hit;
      }
      const outcome = classifyEvaluation(r, this.thresholds);
      const res = insert.run(traceId, spanId, r.responseId, r.name, r.scoreValue, r.scoreLabel, r.explanation, outcome, r.source, r.timeUnixNanos, now, r.key);
      if (res.changes > 0) changed.add(traceId);
    }
    // Results that named only a response id this export's model calls answer.
    if (responses.length > 0 && this.stmt('SELECT EXISTS (SELECT 1 FROM evaluations WHERE span_id IS NULL AND response_id IS NOT NULL)').pluck().get() === 1) {
      const waiting = this.stmt('SELECT id, trace_id FROM evaluations WHERE span_id IS NULL AND response_id = ?').raw();
      const link = this.stmt('UPDATE OR IGNORE evaluations SET trace_id = ?, span_id = ? WHERE id = ?');
      for (const r of responses) {
        for (const [id, traceId] of waiting.all(r.responseId) as [number, string][]) {
          if (traceId !== '' && traceId !== r.traceId) continue; // named another trace: not this call
          link.run(r.traceId, r.spanId, id);
          changed.add(r.traceId);
        }
      }
    }
    changed.delete('');
    for (const traceId of changed) this.recount(traceId);
    const exists = this.stmt('SELECT 1 FROM traces WHERE trace_id = ?').pluck();
    return [...changed].filter((id) => exists.get(id) !== undefined);
  }

  private recount(traceId: string): void {
    const [passed, failed, info] = this.stmt(
      "SELECT coalesce(sum(outcome = 'pass'), 0), coalesce(sum(outcome = 'fail'), 0), coalesce(sum(outcome = 'info'), 0) FROM evaluations WHERE trace_id = ?",
    )
      .raw()
      .get(traceId) as [number, number, number];
    if (passed + failed + info === 0) this.stmt('DELETE FROM trace_evaluations WHERE trace_id = ?').run(traceId);
    else this.stmt('INSERT OR REPLACE INTO trace_evaluations (trace_id, passed, failed, info) VALUES (?, ?, ?, ?)').run(traceId, passed, failed, info);
  }

  /** Inside the trace store's delete transaction. */
  onTraceDeleted(traceId: string): void {
    this.stmt('DELETE FROM evaluations WHERE trace_id = ?').run(traceId);
    this.stmt('DELETE FROM trace_evaluations WHERE trace_id = ?').run(traceId);
    this.stmt('DELETE FROM llm_responses WHERE trace_id = ?').run(traceId);
  }

  /** Inside the trace store's clear transaction. */
  onClear(): void {
    this.db.exec('DELETE FROM evaluations; DELETE FROM trace_evaluations; DELETE FROM llm_responses;');
  }

  /**
   * Age retention for results whose trace never arrived (those of stored traces go with their
   * trace): received before `cutoffMs` and not about a stored trace. One bounded transaction.
   */
  dropStale(cutoffMs: number, maxRows: number): number {
    return this.db
      .transaction(() =>
        this.stmt(
          'DELETE FROM evaluations WHERE id IN (SELECT id FROM evaluations WHERE received_ms < ? ' +
            'AND NOT EXISTS (SELECT 1 FROM traces t WHERE t.trace_id = evaluations.trace_id) ORDER BY received_ms LIMIT ?)',
        ).run(cutoffMs, maxRows).changes,
      )
      .immediate();
  }

  /**
   * The checks file's thresholds (see classifyEvaluation), for results stored from now on.
   * With `rejudgeStored` (the writer), changed thresholds also re-judge every stored result, a page per transaction, and recount the traces whose outcomes changed.
   * Returns those traces.
   */
  setThresholds(thresholds: EvaluationThresholds, rejudgeStored = true): string[] {
    const key = JSON.stringify(thresholds);
    if (key === this.thresholdsKey) return [];
    this.thresholds = thresholds;
    this.thresholdsKey = key;
    if (this.db.readonly || !rejudgeStored) return [];
    const page = this.stmt('SELECT id, trace_id, name, score_value, score_label, outcome FROM evaluations WHERE id > ? ORDER BY id LIMIT ?').raw();
    const update = this.stmt('UPDATE evaluations SET outcome = ? WHERE id = ?');
    const changed = new Set<string>();
    for (let after = 0; ; ) {
      const rows = page.all(after, RECLASSIFY_PAGE) as [number, string, string, number | null, string | null, string][];
      if (rows.length === 0) break;
      after = rows[rows.length - 1][0];
      const touched = new Set<string>();
      this.db
        .transaction(() => {
          for (const [id, traceId, name, scoreValue, scoreLabel, outcome] of rows) {
            const next = classifyEvaluation({ name, scoreValue, scoreLabel }, thresholds);
            if (next === outcome) continue;
            update.run(next, id);
            if (traceId !== '') touched.add(traceId);
          }
          for (const t of touched) this.recount(t);
        })
        .immediate();
      for (const t of touched) changed.add(t);
      if (rows.length < RECLASSIFY_PAGE) break;
    }
    return [...changed];
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  /** One trace's evaluation results, in arrival order. */
  evaluationsOf(traceId: string): StoredEvaluation[] {
    return (this.stmt(`SELECT ${COLUMNS} FROM evaluations WHERE trace_id = ? ORDER BY id LIMIT ?`).raw().all(traceId, MAX_PER_TRACE) as Row[]).map(fromRow);
  }

  /**
   * Passed / failed / informational evaluation results per trace, for the given traces (those
   * with none are absent from the map). What the fleet view adds to its check pass rates.
   */
  /** Pass/fail/info counts per evaluation name over these traces (the fleet view's checks table). */
  /** Whether any evaluation result is stored (callers skip building id lists when none is). */
  hasAny(): boolean {
    return this.stmt('SELECT EXISTS (SELECT 1 FROM evaluations)').pluck().get() === 1;
  }

  countsByName(traceIds: readonly string[]): Map<string, EvaluationCounts> {
    const out = new Map<string, EvaluationCounts>();
    // Most stores hold no evaluation results: then a batch of 100,000 runs costs no id lists.
    if (!this.stmt('SELECT EXISTS (SELECT 1 FROM evaluations)').pluck().get()) return out;
    const query = this.stmt(
      "SELECT name, sum(outcome = 'pass'), sum(outcome = 'fail'), sum(outcome = 'info') FROM evaluations WHERE trace_id IN (SELECT value FROM json_each(?)) GROUP BY name",
    ).raw();
    for (let i = 0; i < traceIds.length; i += COUNTS_CHUNK) {
      for (const [name, passed, failed, info] of query.all(JSON.stringify(traceIds.slice(i, i + COUNTS_CHUNK))) as [string, number, number, number][]) {
        const c = out.get(name) ?? { passed: 0, failed: 0, info: 0 };
        out.set(name, { passed: c.passed + passed, failed: c.failed + failed, info: c.info + info });
      }
    }
    return out;
  }

  /**
   * Per evaluation name over a few traces (the last runs started at a source line): in how many
   * of them a result of that name failed, and in how many one passed or failed (informational
   * results judge nothing). What the check code lens and diagnostics count next to the checks.
   */
  runOutcomesByName(traceIds: readonly string[]): { name: string; failedRuns: number; judgedRuns: number }[] {
    if (traceIds.length === 0 || !this.stmt('SELECT EXISTS (SELECT 1 FROM evaluations)').pluck().get()) return [];
    const rows = this.stmt(
      "SELECT name, count(DISTINCT CASE WHEN outcome = 'fail' THEN trace_id END), count(DISTINCT CASE WHEN outcome <> 'info' THEN trace_id END) AS judged " +
        'FROM evaluations WHERE trace_id IN (SELECT value FROM json_each(?)) GROUP BY name HAVING judged > 0 ORDER BY name',
    )
      .raw()
      .all(JSON.stringify(traceIds.slice(0, COUNTS_CHUNK))) as [string, number, number][];
    return rows.map(([name, failedRuns, judgedRuns]) => ({ name, failedRuns, judgedRuns }));
  }

  evaluationCountsForTraces(traceIds: readonly string[]): Map<string, EvaluationCounts> {
    const out = new Map<string, EvaluationCounts>();
    const query = this.stmt('SELECT trace_id, passed, failed, info FROM trace_evaluations WHERE trace_id IN (SELECT value FROM json_each(?))').raw();
    for (let i = 0; i < traceIds.length; i += COUNTS_CHUNK) {
      for (const [traceId, passed, failed, info] of query.all(JSON.stringify(traceIds.slice(i, i + COUNTS_CHUNK))) as [string, number, number, number][]) {
        out.set(traceId, { passed, failed, info });
      }
    }
    return out;
  }
}
