// The SQLite trace store: one writer process, any number of reader processes (WAL).
// Every export is one transaction; the trace summaries are recomputed for the traces an export
// touched, from columns (no JSON parsing), so listing traces never scans spans.
import type Database from 'better-sqlite3';
import type { CanonicalSpan, RawEvent, RawLogRecord, RawSpan, StatusCode, StepKind } from '../core/model';
import { emptyUsage } from '../core/model';
import { durationMsBetween, nanosToIso, nanosToMs, summarizeParts, type SummaryPart } from '../core/tree';
import type { SearchHitDto, SourceStatsDto, TraceFilterDto, TraceSummaryDto } from '../protocol/dto';
import { openDatabase } from './openDatabase';
import { ftsQuery, searchTextOf, snippetOf } from './searchText';

type Db = Database.Database;
type Canonicalizer = (s: RawSpan) => CanonicalSpan;

export interface TraceStoreOptions {
  canonicalize: Canonicalizer;
  readonly?: boolean;
  log?: (msg: string) => void;
  /** Clock in ms since the epoch (tests move it to exercise age retention). */
  now?: () => number;
}

export interface SpanAtLine {
  traceId: string;
  spanId: string;
  name: string;
  startTime: string;
}

const DEFAULT_LIST_LIMIT = 500;
const MAX_LIST_LIMIT = 10_000;
const RETENTION_CHUNK = 200;
/** Rows per search-index transaction when search() catches up: short enough not to hold up ingest for long. */
const INDEX_CHUNK = 2_000;
const PREVIEW_CHARS = 2_000;

interface TraceRow {
  trace_id: string;
  name: string;
  start_ns: string;
  duration_ms: number;
  span_count: number;
  error_count: number;
  llm_calls: number;
  tool_calls: number;
  orphan_count: number;
  services: string;
  models: string;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  reasoning_tokens: number | null;
  cost_usd: number | null;
  updated_at_ms: number;
}

type PartRow = [
  span_id: string,
  parent_id: string | null,
  name: string,
  service: string,
  start_ns: string,
  end_ns: string,
  status: StatusCode,
  kind: StepKind,
  model: string | null,
  input_tokens: number | null,
  output_tokens: number | null,
  cache_read_tokens: number | null,
  cache_write_tokens: number | null,
  reasoning_tokens: number | null,
  cost_usd: number | null,
  bytes: number,
];

const TRACE_COLUMNS =
  'trace_id, name, start_ns, duration_ms, span_count, error_count, llm_calls, tool_calls, orphan_count, services, models, ' +
  'input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, updated_at_ms';

const SPAN_COLUMNS =
  'trace_id, span_id, parent_id, name, service, start_ns, end_ns, start_ms, duration_ms, status, kind, model, ' +
  'input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, cost_source, ' +
  'src_file, src_line, src_function, has_logs, bytes, doc';

const placeholders = (columns: string): string => columns.split(',').map(() => '?').join(', ');
// Built once: a statement is looked up by its SQL text for every span written.
const INSERT_SPAN = `INSERT INTO spans (${SPAN_COLUMNS}) VALUES (${placeholders(SPAN_COLUMNS)}) ON CONFLICT (trace_id, span_id) DO NOTHING`;
const UPDATE_SPAN = `UPDATE spans SET (${SPAN_COLUMNS}) = (${placeholders(SPAN_COLUMNS)}) WHERE id = ?`;
const SAVE_SUMMARY = `INSERT OR REPLACE INTO traces (${TRACE_COLUMNS}, start_ms, bytes) VALUES (${placeholders(TRACE_COLUMNS)}, ?, ?)`;

function rowToSummary(r: TraceRow): TraceSummaryDto {
  return {
    traceId: r.trace_id,
    name: r.name,
    services: JSON.parse(r.services) as string[],
    startTime: nanosToIso(r.start_ns),
    startUnixNanos: r.start_ns,
    durationMs: r.duration_ms,
    spanCount: r.span_count,
    errorCount: r.error_count,
    llmCalls: r.llm_calls,
    toolCalls: r.tool_calls,
    models: JSON.parse(r.models) as string[],
    usage: {
      inputTokens: r.input_tokens,
      outputTokens: r.output_tokens,
      cacheReadTokens: r.cache_read_tokens,
      cacheWriteTokens: r.cache_write_tokens,
      reasoningTokens: r.reasoning_tokens,
    },
    costUsd: r.cost_usd,
    orphanCount: r.orphan_count,
    updatedAtMs: r.updated_at_ms,
  };
}

/** The RawSpan inside a stored CanonicalSpan (for re-canonicalizing after a log attaches). */
function rawOf(doc: CanonicalSpan): RawSpan {
  const { service: _s, norm: _n, costUsd: _c, costSource: _cs, ...raw } = doc;
  return raw;
}

function logToEvent(log: RawLogRecord): RawEvent {
  return {
    name: log.eventName || 'log',
    timeUnixNanos: log.timeUnixNanos || '0',
    attributes: log.attributes ?? {},
    fromLog: { severityText: log.severityText ?? '', body: log.body ?? null },
  };
}

const eventKey = (e: RawEvent): string => `${e.name}\u0000${e.timeUnixNanos}\u0000${JSON.stringify(e.fromLog?.body ?? null)}\u0000${JSON.stringify(e.attributes)}`;

const spanKey = (traceId: string, spanId: string): string => `${traceId}/${spanId}`;

/** Escapes LIKE wildcards so user text matches literally. */
const likePattern = (s: string): string => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const truncate = (s: string | null | undefined): string | null =>
  s === null || s === undefined ? null : s.length > PREVIEW_CHARS ? `${s.slice(0, PREVIEW_CHARS)}…` : s;

export class TraceStore {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly log: (msg: string) => void;
  private readonly now: () => number;
  private readonly canonicalize: Canonicalizer;

  private constructor(
    private readonly db: Db,
    opts: TraceStoreOptions,
  ) {
    this.log = opts.log ?? (() => {});
    this.now = opts.now ?? Date.now;
    this.canonicalize = opts.canonicalize;
  }

  static open(path: string, opts: TraceStoreOptions): TraceStore {
    const log = opts.log ?? (() => {});
    return new TraceStore(openDatabase(path, { readonly: opts.readonly, log }), opts);
  }

  /** Prepared once per connection, on first use (a read-only connection never prepares writes). */
  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  // -------------------------------------------------------------------------------------------
  // Writing

  /** Stores one export (spans and log records) in ONE transaction; returns the traces it touched. */
  writeBatch(batch: { spans: RawSpan[]; logs: RawLogRecord[] }): { traceIds: string[] } {
    const now = this.now();
    // Per touched trace: the summary parts written in this batch, and whether the trace had
    // rows before it (if not, those parts are the whole trace and need not be read back).
    const touched = new Map<string, { existed: boolean; parts: SummaryPart[]; bytes: number }>();
    const touch = (traceId: string) => {
      let t = touched.get(traceId);
      if (!t) {
        const existed = this.stmt('SELECT 1 FROM traces WHERE trace_id = ?').pluck().get(traceId) !== undefined;
        touched.set(traceId, (t = { existed, parts: [], bytes: 0 }));
      }
      return t;
    };

    // Logs for spans of this same batch are merged before the span is canonicalized (one write).
    const logsBySpan = new Map<string, RawLogRecord[]>();
    let unattachable = 0;
    for (const log of batch.logs) {
      if (!log.traceId || !log.spanId) {
        unattachable++;
        continue;
      }
      const key = spanKey(log.traceId, log.spanId);
      const list = logsBySpan.get(key);
      if (list) list.push(log);
      else logsBySpan.set(key, [log]);
    }
    // The same span twice in one export: the last copy wins, like across exports.
    const spans = new Map<string, RawSpan>();
    for (const s of batch.spans) spans.set(spanKey(s.traceId, s.spanId), s);

    const selectExisting = this.stmt('SELECT id, has_logs, doc FROM spans WHERE trace_id = ? AND span_id = ?');
    const selectPending = this.stmt('SELECT id, doc FROM pending_logs WHERE trace_id = ? AND span_id = ?');
    const deletePending = this.stmt('DELETE FROM pending_logs WHERE id = ?');
    const insertPending = this.stmt('INSERT INTO pending_logs (trace_id, span_id, received_ms, doc) VALUES (?, ?, ?, ?)');

    const tx = this.db.transaction(() => {
      const anyPending = this.stmt('SELECT EXISTS (SELECT 1 FROM pending_logs)').pluck().get() === 1;
      for (const [key, raw] of spans) {
        const t = touch(raw.traceId);
        const extra: RawEvent[] = [];
        const batchLogs = logsBySpan.get(key);
        if (batchLogs) {
          logsBySpan.delete(key);
          for (const l of batchLogs) extra.push(logToEvent(l));
        }
        if (anyPending) {
          for (const p of selectPending.all(raw.traceId, raw.spanId) as { id: number; doc: string }[]) {
            extra.push(logToEvent(JSON.parse(p.doc) as RawLogRecord));
            deletePending.run(p.id);
          }
        }
        // New span (the usual case): one insert. A span sent again is replaced in place and
        // keeps the log records already attached to it.
        const written = this.putSpan(extra.length > 0 ? withEvents(raw, extra) : raw, null, extra.length > 0);
        if (written) {
          t.parts.push(written.part);
          t.bytes += written.bytes;
          continue;
        }
        t.existed = true;
        const old = selectExisting.get(raw.traceId, raw.spanId) as { id: number; has_logs: number; doc: string };
        if (old.has_logs) for (const e of (JSON.parse(old.doc) as CanonicalSpan).events) if (e.fromLog) extra.push(e);
        this.putSpan(extra.length > 0 ? withEvents(raw, extra) : raw, old.id, extra.length > 0);
      }
      // Logs whose span is stored already, or has not arrived yet.
      for (const logs of logsBySpan.values()) {
        const { traceId, spanId } = logs[0] as { traceId: string; spanId: string };
        const existing = selectExisting.get(traceId, spanId) as { id: number; doc: string } | undefined;
        if (existing) {
          touch(traceId).existed = true;
          const old = JSON.parse(existing.doc) as CanonicalSpan;
          this.putSpan(withEvents(rawOf(old), logs.map(logToEvent)), existing.id, true);
        } else {
          for (const l of logs) insertPending.run(traceId, spanId, now, JSON.stringify(l));
        }
      }
      for (const [traceId, t] of touched) {
        if (t.existed) this.refreshSummary(traceId, now);
        else this.saveSummary(traceId, t.parts, t.bytes, now);
      }
    });
    tx.immediate();
    if (unattachable > 0) this.log(`Ignored ${unattachable} log record(s) without a trace and span id.`);
    return { traceIds: [...touched.keys()] };
  }

  private canonical(raw: RawSpan): CanonicalSpan {
    try {
      return this.canonicalize(raw);
    } catch (err) {
      // A normalizer bug must not lose the span: keep it raw, as an 'other' step.
      this.log(`Could not normalize span ${raw.spanId} (${(err as Error).message}); stored it unnormalized.`);
      return {
        ...raw,
        service: typeof raw.resource['service.name'] === 'string' ? raw.resource['service.name'] : 'unknown_service',
        norm: {
          kind: 'other', convention: 'none', operation: null, model: null, modelRaw: null, provider: null,
          usage: emptyUsage(), reportedCostUsd: null, messages: [], tool: null, agentName: null, sessionId: null,
          error: null, source: null,
        },
        costUsd: null,
        costSource: null,
      };
    }
  }

  /**
   * Canonicalizes and writes one span row and its search text. existingId null: insert, unless
   * the span is already stored, in which case nothing is written and null returned.
   */
  private putSpan(raw: RawSpan, existingId: number | null, hasLogs: boolean): { part: SummaryPart; bytes: number } | null {
    const c = this.canonical(raw);
    const doc = JSON.stringify(c);
    const n = c.norm;
    const u = n.usage;
    const src = n.source;
    const parentId = c.parentSpanId || null;
    const values = [
      c.traceId, c.spanId, parentId, c.name, c.service, c.startUnixNanos, c.endUnixNanos,
      nanosToMs(c.startUnixNanos), durationMsBetween(c.startUnixNanos, c.endUnixNanos), c.status.code, n.kind, n.model,
      u.inputTokens, u.outputTokens, u.cacheReadTokens, u.cacheWriteTokens, u.reasoningTokens, c.costUsd, c.costSource,
      src?.file ?? null, src?.line ?? null, src?.function ?? null, hasLogs ? 1 : 0, doc.length, doc,
    ];
    let id: number;
    if (existingId === null) {
      const r = this.stmt(INSERT_SPAN).run(values);
      if (r.changes === 0) return null;
      id = Number(r.lastInsertRowid);
    } else {
      id = existingId;
      this.stmt(UPDATE_SPAN).run(values, id);
      // A span already in the search index is re-indexed now; one still waiting is indexed later with its new text.
      if (id <= this.indexedUpto()) {
        this.stmt('DELETE FROM span_fts WHERE rowid = ?').run(id);
        this.stmt('INSERT INTO span_fts (rowid, text) VALUES (?, ?)').run(id, searchTextOf(c));
      }
    }
    return {
      part: {
        traceId: c.traceId, spanId: c.spanId, parentSpanId: parentId, name: c.name, service: c.service,
        startUnixNanos: c.startUnixNanos, endUnixNanos: c.endUnixNanos, statusCode: c.status.code, kind: n.kind,
        model: n.model, usage: u, costUsd: c.costUsd,
      },
      bytes: doc.length,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Search index (written behind ingest; see schema v2)

  private indexedUpto(): number {
    return this.stmt('SELECT indexed_upto FROM search_state').pluck().get() as number;
  }

  /** True when some stored spans are not in the search index yet. */
  hasUnindexed(): boolean {
    return this.stmt('SELECT (SELECT coalesce(max(id), 0) FROM spans) > indexed_upto FROM search_state').pluck().get() === 1;
  }

  /**
   * Adds up to maxRows waiting spans to the search index in one short transaction; returns how
   * many it added (fewer than maxRows: nothing is left). The trace server calls this when
   * ingest is idle; search() calls it first so results are always complete.
   */
  indexPending(maxRows: number): number {
    if (this.db.readonly || !this.hasUnindexed()) return 0;
    const tx = this.db.transaction(() => {
      const rows = this.stmt('SELECT id, doc FROM spans WHERE id > (SELECT indexed_upto FROM search_state) ORDER BY id LIMIT ?')
        .raw()
        .all(Math.max(1, Math.floor(maxRows))) as [number, string][];
      if (rows.length === 0) return 0;
      const insert = this.stmt('INSERT INTO span_fts (rowid, text) VALUES (?, ?)');
      for (const [id, doc] of rows) insert.run(id, searchTextOf(JSON.parse(doc) as CanonicalSpan));
      this.stmt('UPDATE search_state SET indexed_upto = ?').run(rows[rows.length - 1][0]);
      return rows.length;
    });
    return tx.immediate();
  }

  /**
   * The FTS source for a query, complete: a writable connection first indexes what is waiting;
   * a read-only one (the CLI) indexes it into a temporary table of its own and searches both.
   * Returns a subquery yielding (rowid, rank) and how many times it takes the MATCH argument.
   */
  private searchSource(): { sql: string; matches: number } {
    const main = 'SELECT rowid, rank FROM span_fts WHERE span_fts MATCH ?';
    if (!this.db.readonly) {
      while (this.indexPending(INDEX_CHUNK) === INDEX_CHUNK);
      return { sql: main, matches: 1 };
    }
    if (!this.hasUnindexed()) return { sql: main, matches: 1 };
    this.db.exec(
      "CREATE VIRTUAL TABLE IF NOT EXISTS temp.waiting_fts USING fts5(text, detail=none, tokenize='unicode61 remove_diacritics 2');" +
        'DELETE FROM temp.waiting_fts;',
    );
    const insert = this.stmt('INSERT INTO temp.waiting_fts (rowid, text) VALUES (?, ?)');
    const rows = this.stmt('SELECT id, doc FROM spans WHERE id > (SELECT indexed_upto FROM search_state)').raw().all() as [number, string][];
    for (const [id, doc] of rows) insert.run(id, searchTextOf(JSON.parse(doc) as CanonicalSpan));
    return { sql: `${main} UNION ALL SELECT rowid, rank FROM temp.waiting_fts WHERE waiting_fts MATCH ?`, matches: 2 };
  }

  /** Recomputes one trace's summary row from the span columns (no JSON parsing). */
  private refreshSummary(traceId: string, now: number): void {
    const rows = this.stmt(
      'SELECT span_id, parent_id, name, service, start_ns, end_ns, status, kind, model, input_tokens, output_tokens, ' +
        'cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, bytes FROM spans WHERE trace_id = ?',
    )
      .raw()
      .all(traceId) as PartRow[];
    if (rows.length === 0) {
      this.stmt('DELETE FROM traces WHERE trace_id = ?').run(traceId);
      return;
    }
    let bytes = 0;
    const parts: SummaryPart[] = rows.map((r) => {
      bytes += r[15];
      return {
        traceId, spanId: r[0], parentSpanId: r[1], name: r[2], service: r[3], startUnixNanos: r[4], endUnixNanos: r[5],
        statusCode: r[6], kind: r[7], model: r[8],
        usage: { inputTokens: r[9], outputTokens: r[10], cacheReadTokens: r[11], cacheWriteTokens: r[12], reasoningTokens: r[13] },
        costUsd: r[14],
      };
    });
    this.saveSummary(traceId, parts, bytes, now);
  }

  private saveSummary(traceId: string, parts: SummaryPart[], bytes: number, now: number): void {
    const s = summarizeParts(parts, now);
    this.stmt(SAVE_SUMMARY).run(
      traceId, s.name, s.startUnixNanos, s.durationMs, s.spanCount, s.errorCount, s.llmCalls, s.toolCalls, s.orphanCount,
      JSON.stringify(s.services), JSON.stringify(s.models), s.usage.inputTokens, s.usage.outputTokens, s.usage.cacheReadTokens,
      s.usage.cacheWriteTokens, s.usage.reasoningTokens, s.costUsd, now, nanosToMs(s.startUnixNanos), bytes,
    );
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  /** Newest first (by start time). */
  listTraces(filter: TraceFilterDto): TraceSummaryDto[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.updatedAfterMs !== undefined) {
      where.push('updated_at_ms > ?');
      args.push(filter.updatedAfterMs);
    }
    if (filter.errorsOnly) where.push('error_count > 0');
    if (filter.service) {
      where.push('EXISTS (SELECT 1 FROM json_each(traces.services) WHERE value = ?)');
      args.push(filter.service);
    }
    if (filter.model) {
      where.push('EXISTS (SELECT 1 FROM json_each(traces.models) WHERE value = ?)');
      args.push(filter.model);
    }
    const text = filter.text?.trim();
    if (text) {
      const q = ftsQuery(text);
      const alternatives = ["name LIKE ? ESCAPE '\\'", 'trace_id = ?'];
      args.push(likePattern(text), text.toLowerCase());
      if (q) {
        const src = this.searchSource();
        alternatives.push(`trace_id IN (SELECT s.trace_id FROM (${src.sql}) f JOIN spans s ON s.id = f.rowid)`);
        for (let i = 0; i < src.matches; i++) args.push(q);
      }
      where.push(`(${alternatives.join(' OR ')})`);
    }
    const limit = Math.max(1, Math.min(MAX_LIST_LIMIT, Math.floor(filter.limit ?? DEFAULT_LIST_LIMIT)));
    args.push(limit);
    const sql =
      `SELECT ${TRACE_COLUMNS} FROM traces` +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY start_ms DESC, start_ns DESC, trace_id LIMIT ?';
    return (this.stmt(sql).all(...args) as TraceRow[]).map(rowToSummary);
  }

  /**
   * The first agent and model spans of a trace, in start order (what its title is made of):
   * a few documents, not the whole trace.
   */
  titleSpans(traceId: string, limit = 6): CanonicalSpan[] {
    const docs = this.stmt("SELECT doc FROM spans WHERE trace_id = ? AND kind IN ('agent', 'llm') ORDER BY start_ms, start_ns LIMIT ?")
      .pluck()
      .all(traceId, limit) as string[];
    return docs.map((d) => JSON.parse(d) as CanonicalSpan);
  }

  getTrace(traceId: string): { summary: TraceSummaryDto; spans: CanonicalSpan[] } | null {
    const read = this.db.transaction(() => {
      const row = this.stmt(`SELECT ${TRACE_COLUMNS} FROM traces WHERE trace_id = ?`).get(traceId) as TraceRow | undefined;
      if (!row) return null;
      const docs = this.stmt('SELECT doc FROM spans WHERE trace_id = ?').pluck().all(traceId) as string[];
      return { summary: rowToSummary(row), spans: docs.map((d) => JSON.parse(d) as CanonicalSpan) };
    });
    return read.deferred();
  }

  /** Full-text search over span names, attribute values, event attributes and log bodies, best match first. */
  search(text: string, limit: number): SearchHitDto[] {
    const q = ftsQuery(text);
    if (!q) return [];
    const src = this.searchSource();
    const rows = this.stmt(
      `SELECT s.trace_id, s.span_id, s.name, t.name AS trace_name, s.doc FROM (${src.sql}) f ` +
        'JOIN spans s ON s.id = f.rowid LEFT JOIN traces t ON t.trace_id = s.trace_id ' +
        'ORDER BY f.rank LIMIT ?',
    ).all(...Array<string>(src.matches).fill(q), Math.max(1, Math.floor(limit))) as { trace_id: string; span_id: string; name: string; trace_name: string | null; doc: string }[];
    return rows.map((r) => ({
      traceId: r.trace_id,
      spanId: r.span_id,
      spanName: r.name,
      traceName: r.trace_name ?? '',
      snippet: snippetOf(searchTextOf(JSON.parse(r.doc) as CanonicalSpan), text),
    }));
  }

  /**
   * Code-lens numbers per line of one recorded source file: runs, the last run's duration,
   * input and output, and token and cost totals over all runs (null when none was reported).
   */
  sourceStats(file: string): SourceStatsDto[] {
    const lines = this.stmt(
      'SELECT src_line AS line, count(*) AS runs, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, ' +
        'sum(cost_usd) AS cost_usd FROM spans WHERE src_file = ? AND src_line IS NOT NULL GROUP BY src_line ORDER BY src_line',
    ).all(file) as { line: number; runs: number; input_tokens: number | null; output_tokens: number | null; cost_usd: number | null }[];
    const last = this.stmt(
      'SELECT trace_id, span_id, duration_ms, src_function, doc FROM spans WHERE src_file = ? AND src_line = ? ' +
        'ORDER BY start_ms DESC, start_ns DESC LIMIT 1',
    );
    return lines.map((l) => {
      const r = last.get(file, l.line) as { trace_id: string; span_id: string; duration_ms: number; src_function: string | null; doc: string };
      const span = JSON.parse(r.doc) as CanonicalSpan;
      const inputs = span.norm.messages.filter((m) => m.direction === 'input' && m.content);
      const outputs = span.norm.messages.filter((m) => m.direction === 'output' && (m.content || m.toolCalls.length));
      const lastOut = outputs[outputs.length - 1];
      return {
        file,
        line: l.line,
        function: r.src_function,
        runs: l.runs,
        lastDurationMs: r.duration_ms,
        lastTraceId: r.trace_id,
        lastSpanId: r.span_id,
        inputTokens: l.input_tokens,
        outputTokens: l.output_tokens,
        costUsd: l.cost_usd,
        lastInput: truncate(inputs[inputs.length - 1]?.content ?? span.norm.tool?.arguments),
        lastOutput: truncate(
          lastOut ? (lastOut.content ?? lastOut.toolCalls.map((t) => `${t.name}(${t.arguments})`).join('\n')) : span.norm.tool?.result,
        ),
      };
    });
  }

  /** The spans produced at one line, newest first. */
  spansAtLine(file: string, line: number, limit: number): SpanAtLine[] {
    const rows = this.stmt(
      'SELECT trace_id, span_id, name, start_ns FROM spans WHERE src_file = ? AND src_line = ? ORDER BY start_ms DESC, start_ns DESC LIMIT ?',
    ).all(file, line, Math.max(1, Math.floor(limit))) as { trace_id: string; span_id: string; name: string; start_ns: string }[];
    return rows.map((r) => ({ traceId: r.trace_id, spanId: r.span_id, name: r.name, startTime: nanosToIso(r.start_ns) }));
  }

  /** Every recorded source file (as recorded, before path mapping). */
  sourceFiles(): string[] {
    return this.stmt('SELECT DISTINCT src_file FROM spans WHERE src_file IS NOT NULL ORDER BY src_file').pluck().all() as string[];
  }

  counts(): { spans: number; traces: number } {
    const r = this.stmt('SELECT count(*) AS traces, coalesce(sum(span_count), 0) AS spans FROM traces').get() as { traces: number; spans: number };
    return { spans: r.spans, traces: r.traces };
  }

  /** Changes when another connection (process) commits; a connection's own commits do not change it. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Traces written after `ms` (ms since the epoch), oldest write first. */
  changedTracesSince(ms: number): string[] {
    return this.stmt('SELECT trace_id FROM traces WHERE updated_at_ms > ? ORDER BY updated_at_ms').pluck().all(ms) as string[];
  }

  // -------------------------------------------------------------------------------------------
  // Deleting

  private deleteTraces(ids: string[]): number {
    let deleted = 0;
    const tx = this.db.transaction((chunk: string[]) => {
      for (const id of chunk) {
        this.stmt('DELETE FROM span_fts WHERE rowid IN (SELECT id FROM spans WHERE trace_id = ? AND id <= (SELECT indexed_upto FROM search_state))').run(id);
        const spans = this.stmt('DELETE FROM spans WHERE trace_id = ?').run(id).changes;
        this.stmt('DELETE FROM pending_logs WHERE trace_id = ?').run(id);
        const traces = this.stmt('DELETE FROM traces WHERE trace_id = ?').run(id).changes;
        if (spans + traces > 0) deleted++;
      }
      // Freed ids at the top are handed out again: they must count as not yet indexed.
      this.stmt('UPDATE search_state SET indexed_upto = min(indexed_upto, (SELECT coalesce(max(id), 0) FROM spans))').run();
    });
    // Chunks keep each write transaction short, so readers and the ingest path are not held up.
    for (let i = 0; i < ids.length; i += RETENTION_CHUNK) tx.immediate(ids.slice(i, i + RETENTION_CHUNK));
    return deleted;
  }

  deleteTrace(traceId: string): boolean {
    return this.deleteTraces([traceId]) > 0;
  }

  /** Deletes everything; returns the number of traces deleted. */
  clear(): number {
    const tx = this.db.transaction(() => {
      const n = this.stmt('SELECT count(*) FROM traces').pluck().get() as number;
      this.db.exec(
        "INSERT INTO span_fts (span_fts) VALUES ('delete-all'); DELETE FROM spans; DELETE FROM traces; DELETE FROM pending_logs; " +
          'UPDATE search_state SET indexed_upto = 0;',
      );
      return n;
    });
    const n = tx.immediate();
    this.reclaimSpace();
    return n;
  }

  /**
   * Age: traces last written more than maxDays ago (receive time, so an imported old trace is
   * not deleted on arrival), and log records that waited that long for their span. Size: while
   * the database's used pages exceed maxMegabytes, the traces with the oldest start go first.
   * A limit ≤ 0 disables that rule.
   */
  applyRetention(limits: { maxDays: number; maxMegabytes: number }): { deletedTraces: number } {
    let deleted = 0;
    if (limits.maxDays > 0 && Number.isFinite(limits.maxDays)) {
      const cutoff = this.now() - limits.maxDays * 86_400_000;
      const ids = this.stmt('SELECT trace_id FROM traces WHERE updated_at_ms < ? ORDER BY start_ms, trace_id').pluck().all(cutoff) as string[];
      deleted += this.deleteTraces(ids);
      this.stmt('DELETE FROM pending_logs WHERE received_ms < ?').run(cutoff);
    }
    if (limits.maxMegabytes > 0 && Number.isFinite(limits.maxMegabytes)) {
      const limit = limits.maxMegabytes * 1024 * 1024;
      // Estimate, delete, measure again: the search index frees its pages only when its
      // segments merge, so a few rounds may be needed.
      for (let round = 0; round < 5; round++) {
        const used = this.usedBytes();
        if (used <= limit) break;
        // Trace bytes count JSON only; scale them to pages (indexes, search index, overhead).
        const total = (this.stmt('SELECT coalesce(sum(bytes), 0) FROM traces').pluck().get() as number) || 1;
        const scale = used / total;
        const ids: string[] = [];
        let freed = 0;
        for (const r of this.stmt('SELECT trace_id, bytes FROM traces ORDER BY start_ms, trace_id').iterate() as IterableIterator<{ trace_id: string; bytes: number }>) {
          if (used - freed <= limit) break;
          ids.push(r.trace_id);
          freed += r.bytes * scale;
        }
        if (ids.length === 0) break;
        deleted += this.deleteTraces(ids);
        this.stmt("INSERT INTO span_fts (span_fts, rank) VALUES ('merge', 4000)").run();
      }
    }
    if (deleted > 0) this.reclaimSpace();
    return { deletedTraces: deleted };
  }

  /** Bytes in pages that hold data (free pages excluded). */
  usedBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  /** Gives freed pages back to the file system (the file was created with auto_vacuum=INCREMENTAL). */
  private reclaimSpace(): void {
    try {
      this.db.pragma('incremental_vacuum');
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      this.log(`Could not reclaim space: ${(err as Error).message}`);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function withEvents(raw: RawSpan, extra: RawEvent[]): RawSpan {
  const seen = new Set(raw.events.map(eventKey));
  const events = [...raw.events];
  for (const e of extra) {
    const k = eventKey(e);
    if (seen.has(k)) continue;
    seen.add(k);
    events.push(e);
  }
  return { ...raw, events };
}
