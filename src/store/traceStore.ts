// The SQLite trace store: one writer process, any number of reader processes (WAL).
// Every export is one transaction; the summaries of the traces an export touched are extended
// with its new spans (incrementalSummary.ts), or recomputed from columns (no JSON parsing) when
// only that is exact, so listing traces never scans spans and an export never re-reads its trace.
import Database from 'better-sqlite3';
import type { CanonicalSpan, RawEvent, RawLogRecord, RawSpan, StatusCode, StepKind } from '../core/model';
import { emptyUsage } from '../core/model';
import { durationMsBetween, nanosToIso, nanosToMs, summarizeParts, type SummaryPart, type TraceSummary } from '../core/tree';
import type { ChecksCountsRow, SearchHit, SourceStats, StoredCheckResult, TraceFilter } from './types';
import { openDatabase } from './openDatabase';
import { extendSummary, stateOf, type Orphan, type TraceLookup, type TraceState } from './incrementalSummary';
import { ftsQuery, searchTextOf, snippetOf } from './searchText';
import {
  compactDocOf, DOC_COLUMNS, parseResourceDoc, rawFromCompact, rawOfCanonical, resourceDocOf, type ResourceScope, type SpanDocRow,
} from './spanDoc';
import { RecordingStore } from './recordings';
import { EvaluationStore, evaluationInputOf, type EvaluationInput } from './evaluationStore';
import { MetricStore } from './metricStore';
import { FleetFacts, FleetStore, REPACK_SQL, spanFleetFactsOf, type SpanFleetFacts } from './fleetStore';
import { chunkOfRowid, FLEET_CHUNK_MARK, FLEET_TRACE_MARK } from './fleetChunks';

type Db = Database.Database;
type Canonicalizer = (s: RawSpan) => CanonicalSpan;

export interface TraceStoreOptions {
  canonicalize: Canonicalizer;
  readonly?: boolean;
  /** Another connection of this process opened (checked, migrated) the file: open without either. */
  alreadyOpened?: boolean;
  /**
   * With `readonly`: the same checks (no migration, no integrity check, never moved aside), but
   * a writable connection when the file allows one, so a read may store the derived data it
   * rebuilt (the fleet's chunks). Nothing else is written through it.
   */
  storeDerived?: boolean;
  log?: (msg: string) => void;
  /** Clock in ms since the epoch (tests move it to exercise age retention). */
  now?: () => number;
}

export interface RetentionReport {
  byAge: { traces: number; logs: number };
  /** logs: log records that waited for a span that never arrived. */
  bySize: { traces: number; logs: number };
  /** Transactions it took, each followed by a turn of the event loop. */
  slices: number;
}

export interface RetentionHooks {
  /** Called after each slice (its 1-based number), before yielding to the event loop. */
  onSlice?: (slice: number) => void;
  /** Asked between slices: true stops the run there (the server is closing). */
  stop?: () => boolean;
  /** Awaited between slices (the trace server lets the exports its store worker has queued go first). */
  between?: () => Promise<void>;
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
/** Retention: span or log rows deleted per transaction (then the event loop gets a turn)... */
const RETENTION_SLICE_ROWS = 500;
/** ...candidates looked at per query, size rounds at most, and search-index merge work per slice. */
const RETENTION_PAGE = 2_000;
const RETENTION_MAX_ROUNDS = 50;
const RETENTION_MERGE_PAGES = 200;
const RETENTION_MERGE_SLICES = 20;
/** The share of retention.maxMegabytes that stored OTLP metric points may take. */
const METRICS_SIZE_SHARE = 0.1;
/** Rows per search-index transaction when search() catches up: short enough not to hold up ingest for long. */
const INDEX_CHUNK = 2_000;
const PREVIEW_CHARS = 2_000;
/** Salvaging a damaged file: spans per write, and how far and how often a read skips past a damaged page. */
const SALVAGE_BATCH = 500;
const SALVAGE_SKIP = 16;
const SALVAGE_MAX_RESUMES = 1_000;
/** Distinct resources whose span_resources id is remembered (a process sends a handful). */
const RESOURCE_CACHE = 1_024;
const NO_RESOURCE: ResourceScope = { resource: {}, scope: { name: '', version: '' } };

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
  /** JSON [passed, failed, errors] from trace_checks, when read and evaluated. */
  checks?: string | null;
}

/** A listed trace: its summary and, once evaluated, how its checks came out. */
export type ListedTrace = TraceSummary & { checks?: ChecksCountsRow };

/**
 * The checks column of a listing: the trace's check counts plus its pass/fail evaluation results
 * (evaluationStore.ts; informational ones are not counted); NULL when it has neither.
 */
const CHECKS_COLUMN =
  '(SELECT CASE WHEN count(*) > 0 THEN json_array(sum(p), sum(f), sum(e)) END FROM (' +
  'SELECT c.passed AS p, c.failed AS f, c.errors AS e FROM trace_checks c WHERE c.trace_id = traces.trace_id UNION ALL ' +
  'SELECT v.passed, v.failed, 0 FROM trace_evaluations v WHERE v.trace_id = traces.trace_id AND v.passed + v.failed > 0)) AS checks';
/** Traces kept per re-evaluation page of check results. */
const CHECK_PAGE_MAX = 1_000;

/**
 * A span ready to be written: its row values in SPAN_COLUMNS order (without res_id), and its
 * resource and scope as span_resources.doc text. Plain data (posted to the store worker).
 */
export interface PreparedSpan {
  values: [
    traceId: string, spanId: string, parentId: string | null, name: string, service: string, startNs: string, endNs: string,
    startMs: number, durationMs: number, status: StatusCode, kind: StepKind, model: string | null,
    inputTokens: number | null, outputTokens: number | null, cacheReadTokens: number | null, cacheWriteTokens: number | null,
    reasoningTokens: number | null, costUsd: number | null, costSource: CanonicalSpan['costSource'],
    srcFile: string | null, srcLine: number | null, srcFunction: string | null, hasLogs: 0 | 1, bytes: number, doc: string,
  ];
  resourceDoc: string;
  /** Evaluation results and the response id it carries (evaluationStore.ts); absent for most spans. */
  evaluation?: EvaluationInput;
  /** Its grouping attributes and agent/tool/model for the fleet tables (fleetStore.ts), noted when it is newly stored. */
  fleet?: SpanFleetFacts;
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
  'src_file, src_line, src_function, has_logs, bytes, doc, res_id';

const placeholders = (columns: string): string => columns.split(',').map(() => '?').join(', ');
// Built once: a statement is looked up by its SQL text for every span written.
const INSERT_SPAN = `INSERT INTO spans (${SPAN_COLUMNS}) VALUES (${placeholders(SPAN_COLUMNS)}) ON CONFLICT (trace_id, span_id) DO NOTHING`;
const UPDATE_SPAN = `UPDATE spans SET (${SPAN_COLUMNS}) = (${placeholders(SPAN_COLUMNS)}) WHERE id = ?`;
// Not a REPLACE (which deletes the row and inserts it again under a new rowid): a stored trace's
// row is updated in place by its rowid, which its writer looked up already, and a new trace's
// row inserted, so a trace keeps its rowid and its fleet chunk across exports (schema v13). Not an
// UPSERT … RETURNING rowid either: SQLite runs RETURNING as a trigger program per row, which cost
// as much as the triggers it replaced. Every column is written, as REPLACE did.
const SUMMARY_COLUMNS = `${TRACE_COLUMNS}, start_ms, bytes, incr`;
const INSERT_SUMMARY = `INSERT INTO traces (${SUMMARY_COLUMNS}) VALUES (${placeholders(SUMMARY_COLUMNS)})`;
const UPDATE_SUMMARY = `UPDATE traces SET (${SUMMARY_COLUMNS}) = (${placeholders(SUMMARY_COLUMNS)}) WHERE rowid = ? AND trace_id = ?`;

/** One step of a trace's tree: its summary fields (from columns) plus what the tree shows besides. */
export interface TreeStep extends SummaryPart {
  durationMs: number;
  costSource: CanonicalSpan['costSource'];
  /** Log records are attached to it (its events hold them). */
  hasLogs: boolean;
}

const TREE_COLUMNS =
  'span_id, parent_id, name, service, start_ns, end_ns, status, kind, model, input_tokens, output_tokens, ' +
  'cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, duration_ms, cost_source, has_logs';

type TreeRow = [
  span_id: string, parent_id: string | null, name: string, service: string, start_ns: string, end_ns: string, status: StatusCode,
  kind: StepKind, model: string | null, input_tokens: number | null, output_tokens: number | null, cache_read_tokens: number | null,
  cache_write_tokens: number | null, reasoning_tokens: number | null, cost_usd: number | null, duration_ms: number,
  cost_source: CanonicalSpan['costSource'],
  has_logs: number,
];

const treeStepOf = (traceId: string, r: TreeRow): TreeStep => ({
  traceId, spanId: r[0], parentSpanId: r[1], name: r[2], service: r[3], startUnixNanos: r[4], endUnixNanos: r[5],
  statusCode: r[6], kind: r[7], model: r[8],
  usage: { inputTokens: r[9], outputTokens: r[10], cacheReadTokens: r[11], cacheWriteTokens: r[12], reasoningTokens: r[13] },
  costUsd: r[14], durationMs: r[15], costSource: r[16], hasLogs: r[17] === 1,
});

function rowToSummary(r: TraceRow): ListedTrace {
  const summary: ListedTrace = {
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
  if (r.checks) {
    const [passed, failed, errors] = JSON.parse(r.checks) as number[];
    summary.checks = { passed, failed, errors };
  }
  return summary;
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
  /** How trace summaries were written: for a new trace, extended with an export's spans, or rebuilt from all spans. */
  readonly summaryWrites = { created: 0, extended: 0, rebuilt: 0 };
  /** span_resources ids by their doc text, as committed (cleared when a write transaction fails). */
  private readonly resourceIds = new Map<string, number>();
  /** The last resource doc written and its id: the spans of one export share it. */
  private lastResource: { doc: string; id: number } | null = null;
  private readonly resourcesById = new Map<number, ResourceScope>();
  /** Evaluation results the agent sends, in their own tables (written with each export). */
  readonly evaluations: EvaluationStore;
  /** OTLP metric data points, in their own table (written by the receivers' metrics path). */
  readonly metrics: MetricStore;
  /** Fleet grouping data noted per new span and written with each export (fleetStore.ts). */
  private readonly fleetFacts: FleetFacts;
  private fleetStore: FleetStore | null = null;
  /** The fleet chunks the running write transaction wrote trace rows into (see markingChunks). */
  private chunkMarks: Set<number> | null = null;

  private constructor(
    private readonly db: Db,
    opts: TraceStoreOptions,
  ) {
    this.log = opts.log ?? (() => {});
    this.now = opts.now ?? Date.now;
    this.canonicalize = opts.canonicalize;
    this.evaluations = new EvaluationStore(db);
    this.metrics = new MetricStore(db, this.now);
    this.fleetFacts = new FleetFacts(db);
  }

  private recordingStore: RecordingStore | null = null;

  /** The recording proxy's calls (recordings.ts), on this same connection. */
  get recordings(): RecordingStore {
    return (this.recordingStore ??= new RecordingStore(this.db));
  }

  /** The fleet view's queries over this connection. */
  fleet(): FleetStore {
    return (this.fleetStore ??= new FleetStore(this.db));
  }

  static open(path: string, opts: TraceStoreOptions): TraceStore {
    const log = opts.log ?? (() => {});
    const { db, movedAside } = openDatabase(path, { readonly: opts.readonly, alreadyOpened: opts.alreadyOpened, storeDerived: opts.storeDerived, log });
    const store = new TraceStore(db, opts);
    if (movedAside) store.salvageFrom(movedAside);
    return store;
  }

  /**
   * Copies the readable spans of a damaged file (moved aside) into this fresh one, and says how
   * many. The spans table is read in rowid order, which needs no index, so a damaged index does
   * not stand in the way; a damaged table page ends one read, which resumes past it.
   */
  private salvageFrom(damaged: string): void {
    let old: Db;
    let read: Database.Statement;
    try {
      old = new Database(damaged, { readonly: true, fileMustExist: true });
    } catch {
      return;
    }
    let resourceOf: (id: number) => ResourceScope = () => NO_RESOURCE;
    try {
      try {
        read = old.prepare(`SELECT id, ${DOC_COLUMNS} FROM spans WHERE id > ? ORDER BY id`);
        const resource = old.prepare('SELECT doc FROM span_resources WHERE id = ?').pluck();
        resourceOf = (id) => {
          const doc = resource.get(id) as string | undefined;
          return doc === undefined ? NO_RESOURCE : parseResourceDoc(doc);
        };
      } catch {
        read = old.prepare('SELECT id, doc, NULL AS res_id FROM spans WHERE id > ? ORDER BY id'); // written before v5
      }
    } catch {
      old.close();
      return; // not a SQLite file at all, or its schema is unreadable: nothing to salvage
    }
    let spans = 0;
    let unreadable = 0;
    const traceIds = new Set<string>();
    try {
      let maxId: number;
      try {
        maxId = (old.prepare('SELECT max(id) FROM spans').pluck().get() as number | null) ?? 0;
      } catch {
        maxId = Number.MAX_SAFE_INTEGER;
      }
      let after = 0;
      let batch: RawSpan[] = [];
      const flush = () => {
        if (batch.length === 0) return;
        this.writeBatch({ spans: batch, logs: [] });
        batch = [];
      };
      for (let attempts = 0; after < maxId && attempts < SALVAGE_MAX_RESUMES; attempts++) {
        let progressed = false;
        try {
          for (const row of read.iterate(after) as IterableIterator<SpanDocRow & { id: number }>) {
            after = row.id;
            progressed = true;
            try {
              const span =
                row.res_id === null ? rawOfCanonical(JSON.parse(row.doc) as CanonicalSpan) : rawFromCompact(row, resourceOf(row.res_id));
              batch.push(span);
              traceIds.add(span.traceId);
              spans++;
            } catch {
              unreadable++;
            }
            if (batch.length >= SALVAGE_BATCH) flush();
          }
          break; // read to the end
        } catch {
          // A damaged page: skip ahead past it (ids are dense, pages hold a few rows each).
          after += progressed ? 1 : SALVAGE_SKIP;
        }
      }
      flush();
    } catch (err) {
      this.log(`Could not salvage spans from ${damaged}: ${(err as Error).message}`);
    } finally {
      old.close();
    }
    this.log(
      `Salvaged ${spans} span(s) in ${traceIds.size} trace(s) from ${damaged} into the new database` +
        (unreadable > 0 ? ` (${unreadable} span(s) could not be read)` : '') + '.',
    );
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
    return this.writePrepared({ spans: this.prepareSpans(batch.spans), logs: batch.logs });
  }

  /**
   * The part of a write that needs no database: canonicalize each span and lay out its row.
   * The trace server runs it on the main thread while the store worker writes the previous
   * export (see storeWorker.ts); the result is plain data, cheap to post to a worker.
   */
  prepareSpans(spans: RawSpan[]): PreparedSpan[] {
    // The spans of one export share their resource: the fleet facts read it once per trace.
    const resourceRead = new Map<string, object>();
    return spans.map((raw) => this.prepareSpan(raw, false, resourceRead));
  }

  private prepareSpan(raw: RawSpan, hasLogs: boolean, resourceRead?: Map<string, object>): PreparedSpan {
    const c = this.canonical(raw);
    const doc = compactDocOf(raw, c.name);
    const n = c.norm;
    const u = n.usage;
    const src = n.source;
    const prepared: PreparedSpan = {
      values: [
        c.traceId, c.spanId, c.parentSpanId || null, c.name, c.service, c.startUnixNanos, c.endUnixNanos,
        nanosToMs(c.startUnixNanos), durationMsBetween(c.startUnixNanos, c.endUnixNanos), c.status.code, n.kind, n.model,
        u.inputTokens, u.outputTokens, u.cacheReadTokens, u.cacheWriteTokens, u.reasoningTokens, c.costUsd, c.costSource,
        src?.file ?? null, src?.line ?? null, src?.function ?? null, hasLogs ? 1 : 0, doc.length, doc,
      ] as PreparedSpan['values'],
      resourceDoc: resourceDocOf(raw),
    };
    const evaluation = evaluationInputOf(raw);
    if (evaluation) prepared.evaluation = evaluation;
    const withResource = resourceRead?.get(c.traceId) !== c.resource;
    if (withResource) resourceRead?.set(c.traceId, c.resource);
    const fleet = spanFleetFactsOf(c, withResource);
    if (fleet) prepared.fleet = fleet;
    return prepared;
  }

  /** The raw span a prepared one was made from (for the rare writes that merge events into it). */
  private rawOfPrepared(p: PreparedSpan): RawSpan {
    const v = p.values;
    const row: SpanDocRow = {
      trace_id: v[0], span_id: v[1], parent_id: v[2], name: v[3], start_ns: v[5], end_ns: v[6], status: v[9], service: v[4],
      cost_usd: v[17], cost_source: v[18], res_id: 0, doc: v[24],
    };
    return rawFromCompact(row, parseResourceDoc(p.resourceDoc));
  }

  /**
   * writeBatch after prepareSpans: ONE transaction. This is where every per-span and per-trace
   * write of an export happens (rows, pending logs, summaries): a table kept per trace or per
   * span is written here too, beside the summaries, so it commits with the spans.
   */
  writePrepared(batch: { spans: PreparedSpan[]; logs: RawLogRecord[] }): { traceIds: string[] } {
    const now = this.now();
    // Per touched trace: the summary parts written in this batch, and whether the trace had
    // rows before it (if not, those parts are the whole trace and need not be read back).
    // `replaced`: a stored span of it was rewritten (sent again, or a log attached), so only a
    // rebuild from all its spans is exact; otherwise the summary is extended with the new parts.
    const touched = new Map<string, { existed: boolean; rowid: number | undefined; replaced: boolean; parts: SummaryPart[]; bytes: number }>();
    const touch = (traceId: string) => {
      let t = touched.get(traceId);
      if (!t) {
        const rowid = this.stmt('SELECT rowid FROM traces WHERE trace_id = ?').pluck().get(traceId) as number | undefined;
        touched.set(traceId, (t = { existed: rowid !== undefined, rowid, replaced: false, parts: [], bytes: 0 }));
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
    const spans = new Map<string, PreparedSpan>();
    for (const s of batch.spans) spans.set(spanKey(s.values[0], s.values[1]), s);

    const selectExisting = this.stmt(`SELECT id, has_logs, bytes, ${DOC_COLUMNS}, ${PART_KEY_COLUMNS} FROM spans WHERE trace_id = ? AND span_id = ?`);
    // A stored span rewritten (sent again, or a log attached) with the same summary fields (a
    // retried export, a log carrying messages) changes only the trace's size; otherwise only a
    // rebuild from all spans is exact.
    const noteReplaced = (t: { replaced: boolean; bytes: number }, old: StoredRow, written: { part: SummaryPart; bytes: number } | null) => {
      if (written && partKeyOfRow(old) === partKeyOf(written.part)) t.bytes += written.bytes - old.bytes;
      else t.replaced = true;
    };
    const selectPending = this.stmt('SELECT id, doc FROM pending_logs WHERE trace_id = ? AND span_id = ?');
    const deletePending = this.stmt('DELETE FROM pending_logs WHERE id = ?');
    const insertPending = this.stmt('INSERT INTO pending_logs (trace_id, span_id, received_ms, doc) VALUES (?, ?, ?, ?)');

    const evaluated = new Set<string>();
    const tx = this.db.transaction(() => this.markingChunks(() => {
      this.fleetFacts.begin();
      const anyPending = this.stmt('SELECT EXISTS (SELECT 1 FROM pending_logs)').pluck().get() === 1;
      for (const [key, prepared] of spans) {
        const [traceId, spanId] = prepared.values;
        const t = touch(traceId);
        const extra: RawEvent[] = [];
        const batchLogs = logsBySpan.get(key);
        if (batchLogs) {
          logsBySpan.delete(key);
          for (const l of batchLogs) extra.push(logToEvent(l));
        }
        if (anyPending) {
          for (const p of selectPending.all(traceId, spanId) as { id: number; doc: string }[]) {
            extra.push(logToEvent(JSON.parse(p.doc) as RawLogRecord));
            deletePending.run(p.id);
          }
        }
        // New span (the usual case): one insert. A span sent again is replaced in place and
        // keeps the log records already attached to it.
        const written = this.putSpan(extra.length > 0 ? this.withLogs(prepared, extra) : prepared, null);
        if (written) {
          t.parts.push(written.part);
          t.bytes += written.bytes;
          continue;
        }
        t.existed = true;
        const old = selectExisting.get(traceId, spanId) as StoredRow;
        if (old.has_logs) for (const e of this.rawOfRow(old).events) if (e.fromLog) extra.push(e);
        noteReplaced(t, old, this.putSpan(extra.length > 0 ? this.withLogs(prepared, extra) : prepared, old.id));
      }
      // Logs whose span is stored already, or has not arrived yet.
      for (const logs of logsBySpan.values()) {
        const { traceId, spanId } = logs[0] as { traceId: string; spanId: string };
        const existing = selectExisting.get(traceId, spanId) as StoredRow | undefined;
        if (existing) {
          const t = touch(traceId);
          t.existed = true;
          noteReplaced(t, existing, this.putSpan(this.prepareSpan(withEvents(this.rawOfRow(existing), logs.map(logToEvent)), true), existing.id));
        } else {
          for (const l of logs) insertPending.run(traceId, spanId, now, JSON.stringify(l));
        }
      }
      for (const id of this.evaluations.onBatch(batch, now)) evaluated.add(id);
      for (const [traceId, t] of touched) {
        if (!t.existed) {
          this.saveSummary(traceId, t.parts, t.bytes, now, t.rowid);
          this.summaryWrites.created++;
        } else if (!t.replaced && this.extendSummary(traceId, t.parts, t.bytes, now)) {
          this.summaryWrites.extended++;
        } else {
          this.refreshSummary(traceId, now);
          this.summaryWrites.rebuilt++;
        }
      }
      this.fleetFacts.flush();
    }));
    this.runWrite(tx);
    if (unattachable > 0) this.log(`Ignored ${unattachable} log record(s) without a trace and span id.`);
    for (const id of touched.keys()) evaluated.delete(id);
    return { traceIds: [...touched.keys(), ...evaluated] };
  }

  /** Stores several exports in ONE transaction (all or nothing, for an import); returns the traces they touched. */
  writeBatches(batches: { spans: RawSpan[]; logs: RawLogRecord[] }[]): { traceIds: string[] } {
    const traceIds = new Set<string>();
    const tx = this.db.transaction(() => {
      // Nested transactions become savepoints inside this one.
      for (const b of batches) for (const id of this.writeBatch(b).traceIds) traceIds.add(id);
    });
    this.runWrite(tx);
    return { traceIds: [...traceIds] };
  }

  /** Runs a write transaction; a failed one forgets the resource ids it may have handed out. */
  private runWrite(tx: Database.Transaction<() => void>): void {
    this.lastResource = null;
    try {
      tx.immediate();
    } catch (err) {
      this.resourceIds.clear();
      throw err;
    } finally {
      this.lastResource = null;
    }
  }

  /** The span_resources id of a span's resource and scope, inserted the first time they are seen. */
  private resourceIdOf(key: string): number {
    const last = this.lastResource;
    if (last && last.doc === key) return last.id;
    let id = this.resourceIds.get(key);
    if (id === undefined) {
      id =
        (this.stmt('SELECT id FROM span_resources WHERE doc = ?').pluck().get(key) as number | undefined) ??
        Number(this.stmt('INSERT INTO span_resources (doc) VALUES (?)').run(key).lastInsertRowid);
      if (this.resourceIds.size >= RESOURCE_CACHE) this.resourceIds.clear();
      this.resourceIds.set(key, id);
    }
    this.lastResource = { doc: key, id };
    return id;
  }

  private resourceOf(id: number): ResourceScope {
    let r = this.resourcesById.get(id);
    if (!r) {
      const doc = this.stmt('SELECT doc FROM span_resources WHERE id = ?').pluck().get(id) as string | undefined;
      r = doc === undefined ? NO_RESOURCE : parseResourceDoc(doc);
      if (this.resourcesById.size >= RESOURCE_CACHE) this.resourcesById.clear();
      this.resourcesById.set(id, r);
    }
    return r;
  }

  /** The raw span of a stored row, whichever format its doc has. */
  private rawOfRow(row: SpanDocRow): RawSpan {
    return row.res_id === null ? rawOfCanonical(JSON.parse(row.doc) as CanonicalSpan) : rawFromCompact(row, this.resourceOf(row.res_id));
  }

  /** What search sees of a stored row: under its listed name (a Logfire span's formatted message, as before v5). */
  private searchTextOfRow(row: SpanDocRow): string {
    return searchTextOf({ ...this.rawOfRow(row), name: row.name });
  }

  /** The canonical span of a stored row: normalized again from its raw span, with the service and cost its columns recorded. */
  private spanOfRow(row: SpanDocRow): CanonicalSpan {
    if (row.res_id === null) return JSON.parse(row.doc) as CanonicalSpan;
    const c = this.canonical(rawFromCompact(row, this.resourceOf(row.res_id)));
    c.service = row.service;
    c.costUsd = row.cost_usd;
    c.costSource = row.cost_source;
    return c;
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

  /** A prepared span with log records merged into its events (canonicalized again: logs can carry its messages). */
  private withLogs(p: PreparedSpan, extra: RawEvent[]): PreparedSpan {
    return this.prepareSpan(withEvents(this.rawOfPrepared(p), extra), true);
  }

  /**
   * Writes one prepared span row (and, when it replaces an indexed row, its search text).
   * existingId null: insert, unless the span is already stored, in which case nothing is
   * written and null returned.
   */
  private putSpan(p: PreparedSpan, existingId: number | null): { part: SummaryPart; bytes: number } | null {
    const v = p.values;
    const values = [...v, this.resourceIdOf(p.resourceDoc)];
    let id: number;
    if (existingId === null) {
      const r = this.stmt(INSERT_SPAN).run(values);
      if (r.changes === 0) return null;
      id = Number(r.lastInsertRowid);
      this.fleetFacts.noteFacts(v[0], p.fleet);
    } else {
      id = existingId;
      this.stmt(UPDATE_SPAN).run(values, id);
      // A span already in the search index is re-indexed now; one still waiting is indexed later with its new text.
      if (id <= this.indexedUpto()) {
        this.stmt('DELETE FROM span_fts WHERE rowid = ?').run(id);
        this.stmt('INSERT INTO span_fts (rowid, text) VALUES (?, ?)').run(id, searchTextOf({ ...this.rawOfPrepared(p), name: v[3] }));
      }
    }
    return {
      part: {
        traceId: v[0], spanId: v[1], parentSpanId: v[2], name: v[3], service: v[4], startUnixNanos: v[5], endUnixNanos: v[6],
        statusCode: v[9], kind: v[10], model: v[11],
        usage: { inputTokens: v[12], outputTokens: v[13], cacheReadTokens: v[14], cacheWriteTokens: v[15], reasoningTokens: v[16] },
        costUsd: v[17],
      },
      bytes: v[23],
    };
  }

  // -------------------------------------------------------------------------------------------
  // Search index (written behind ingest; see schema v2)

  private indexedUpto(): number {
    return this.stmt('SELECT indexed_upto FROM search_state').pluck().get() as number;
  }

  /** How many stored spans wait for the search index (cheap: two index lookups). */
  unindexedCount(): number {
    return this.stmt('SELECT max(0, (SELECT coalesce(max(id), 0) FROM spans) - indexed_upto) FROM search_state').pluck().get() as number;
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
      const rows = this.stmt(`SELECT id, ${DOC_COLUMNS} FROM spans WHERE id > (SELECT indexed_upto FROM search_state) ORDER BY id LIMIT ?`)
        .all(Math.max(1, Math.floor(maxRows))) as (SpanDocRow & { id: number })[];
      if (rows.length === 0) return 0;
      const insert = this.stmt('INSERT INTO span_fts (rowid, text) VALUES (?, ?)');
      for (const row of rows) insert.run(row.id, this.searchTextOfRow(row));
      this.stmt('UPDATE search_state SET indexed_upto = ?').run(rows[rows.length - 1].id);
      return rows.length;
    });
    return tx.immediate();
  }

  /**
   * The FTS source for a query, complete: a writable connection first indexes what is waiting
   * (the trace server catches up in chunks before it asks, so little is left here);
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
    const rows = this.stmt(`SELECT id, ${DOC_COLUMNS} FROM spans WHERE id > (SELECT indexed_upto FROM search_state)`).all() as (SpanDocRow & { id: number })[];
    for (const row of rows) insert.run(row.id, this.searchTextOfRow(row));
    return { sql: `${main} UNION ALL SELECT rowid, rank FROM temp.waiting_fts WHERE waiting_fts MATCH ?`, matches: 2 };
  }

  /**
   * Adds the parts of new spans to a stored trace's summary without reading the trace (see
   * incrementalSummary.ts); false when only a rebuild from all its spans is exact.
   */
  private extendSummary(traceId: string, parts: SummaryPart[], bytes: number, now: number): boolean {
    const row = this.stmt(`SELECT ${TRACE_COLUMNS}, bytes, incr, rowid FROM traces WHERE trace_id = ?`).get(traceId) as
      | (TraceRow & { bytes: number; incr: string | null; rowid: number })
      | undefined;
    if (!row?.incr) return false;
    const spanStmt = this.stmt(
      'SELECT parent_id, (input_tokens IS NOT NULL OR output_tokens IS NOT NULL OR cache_read_tokens IS NOT NULL OR ' +
        'cache_write_tokens IS NOT NULL OR reasoning_tokens IS NOT NULL), cost_usd IS NOT NULL FROM spans WHERE trace_id = ? AND span_id = ?',
    ).raw();
    const orphanStmt = this.stmt('SELECT span_id, parent_id, carries FROM span_orphans WHERE trace_id = ? AND parent_id = ?').raw();
    const lookup: TraceLookup = {
      span: (spanId) => {
        const r = spanStmt.get(traceId, spanId) as [string | null, number, number] | undefined;
        return r && { parentId: r[0], usage: r[1] === 1, cost: r[2] === 1 };
      },
      orphansOf: (spanId) =>
        (orphanStmt.all(traceId, spanId) as [string, string, number][]).map(([id, parentId, carries]) => ({ spanId: id, parentId, carries })),
    };
    const next = extendSummary(rowToSummary(row), JSON.parse(row.incr) as TraceState, parts, lookup, now);
    if (!next) return false;
    const dropOrphan = this.stmt('DELETE FROM span_orphans WHERE trace_id = ? AND span_id = ?');
    for (const id of next.orphans.adopted) dropOrphan.run(traceId, id);
    const mark = this.stmt('UPDATE span_orphans SET carries = carries | ? WHERE trace_id = ? AND span_id = ?');
    for (const [id, bits] of next.orphans.carries) mark.run(bits, traceId, id);
    this.insertOrphans(traceId, next.orphans.added);
    this.writeSummary(next.summary, next.state, row.bytes + bytes, now, row.rowid);
    return true;
  }

  private insertOrphans(traceId: string, orphans: Orphan[]): void {
    if (orphans.length === 0) return;
    const insert = this.stmt('INSERT OR REPLACE INTO span_orphans (trace_id, span_id, parent_id, carries) VALUES (?, ?, ?, ?)');
    for (const o of orphans) insert.run(traceId, o.spanId, o.parentId, o.carries);
  }

  /** Recomputes one trace's summary row from the span columns (no JSON parsing). */
  private refreshSummary(traceId: string, now: number): void {
    const rows = this.stmt(
      'SELECT span_id, parent_id, name, service, start_ns, end_ns, status, kind, model, input_tokens, output_tokens, ' +
        'cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, bytes FROM spans WHERE trace_id = ?',
    )
      .raw()
      .all(traceId) as PartRow[];
    this.stmt('DELETE FROM span_orphans WHERE trace_id = ?').run(traceId);
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
    this.saveSummary(traceId, parts, bytes, now, this.stmt('SELECT rowid FROM traces WHERE trace_id = ?').pluck().get(traceId) as number | undefined);
  }

  /** The summary of a whole trace (summarizeParts, the definition) and what extending it later needs. */
  private saveSummary(traceId: string, parts: SummaryPart[], bytes: number, now: number, rowid: number | undefined): void {
    // By span id: ties between equal start times then go the same way however the spans arrived.
    parts.sort((a, b) => (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0));
    const s = summarizeParts(parts, now);
    const { state, orphans } = stateOf(parts, s);
    this.insertOrphans(traceId, orphans);
    this.writeSummary(s, state, bytes, now, rowid);
  }

  /**
   * Runs `write` (inside a write transaction) collecting the fleet chunks of the trace rows it
   * writes, then marks each of them stale once: one statement per chunk, not per trace (a
   * trigger on traces cost ingest about +45%). Deletes mark by trigger.
   */
  private markingChunks<T>(write: () => T): T {
    if (this.chunkMarks) return write(); // nested: the outer scope marks
    const marks = (this.chunkMarks = new Set<number>());
    try {
      const out = write();
      const mark = this.stmt(FLEET_CHUNK_MARK);
      for (const chunk of marks) mark.run(chunk);
      return out;
    } finally {
      this.chunkMarks = null;
    }
  }

  /** Writes a trace's row: updated in place when it is stored (`rowid`, looked up in this transaction), else inserted; its chunk noted for marking. */
  private writeSummary(s: TraceSummary, state: TraceState, bytes: number, now: number, rowid: number | undefined): void {
    const marks = this.chunkMarks;
    if (!marks) throw new Error('writeSummary outside markingChunks: the fleet chunk would not be marked');
    const values = [
      s.traceId, s.name, s.startUnixNanos, s.durationMs, s.spanCount, s.errorCount, s.llmCalls, s.toolCalls, s.orphanCount,
      JSON.stringify(s.services), JSON.stringify(s.models), s.usage.inputTokens, s.usage.outputTokens, s.usage.cacheReadTokens,
      s.usage.cacheWriteTokens, s.usage.reasoningTokens, s.costUsd, now, nanosToMs(s.startUnixNanos), bytes, JSON.stringify(state),
    ];
    if (rowid !== undefined) {
      if (this.stmt(UPDATE_SUMMARY).run(...values, rowid, s.traceId).changes !== 1) throw new Error(`The row of trace ${s.traceId} moved within its write`);
    } else {
      rowid = Number(this.stmt(INSERT_SUMMARY).run(...values).lastInsertRowid); // a row stored meanwhile fails on the primary key, never replaced
    }
    marks.add(chunkOfRowid(rowid));
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  /** Newest first (by start time). */
  listTraces(filter: TraceFilter): ListedTrace[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.updatedAfterMs !== undefined) {
      where.push('updated_at_ms > ?');
      args.push(filter.updatedAfterMs);
    }
    if (filter.errorsOnly) where.push('error_count > 0');
    if (filter.failedChecksOnly) {
      where.push('trace_id IN (SELECT trace_id FROM trace_checks WHERE failed + errors > 0 UNION SELECT trace_id FROM trace_evaluations WHERE failed > 0)');
    }
    if (filter.startedAfterMs !== undefined) {
      where.push('start_ms >= ?');
      args.push(filter.startedAfterMs);
    }
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
      `SELECT ${TRACE_COLUMNS}, ${CHECKS_COLUMN} FROM traces` +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY start_ms DESC, start_ns DESC, trace_id LIMIT ?';
    return (this.stmt(sql).all(...args) as TraceRow[]).map(rowToSummary);
  }

  /**
   * The first agent and model spans of a trace, in start order (what its title is made of):
   * a few documents, not the whole trace.
   */
  titleSpans(traceId: string, limit = 6): CanonicalSpan[] {
    const rows = this.stmt(`SELECT ${DOC_COLUMNS} FROM spans WHERE trace_id = ? AND kind IN ('agent', 'llm') ORDER BY start_ms, start_ns LIMIT ?`)
      .all(traceId, limit) as SpanDocRow[];
    return rows.map((r) => this.spanOfRow(r));
  }

  /** One trace's summary (with its check counts), without its spans; null when not stored. */
  traceSummary(traceId: string): ListedTrace | null {
    const row = this.stmt(`SELECT ${TRACE_COLUMNS}, ${CHECKS_COLUMN} FROM traces WHERE trace_id = ?`).get(traceId) as TraceRow | undefined;
    return row ? rowToSummary(row) : null;
  }

  /** One stored span, by the (trace_id, span_id) index: a single document, not the whole trace. */
  getSpan(traceId: string, spanId: string): CanonicalSpan | null {
    const row = this.stmt(`SELECT ${DOC_COLUMNS} FROM spans WHERE trace_id = ? AND span_id = ?`).get(traceId, spanId) as SpanDocRow | undefined;
    return row === undefined ? null : this.spanOfRow(row);
  }

  /** Whether a span is stored (an index lookup, no document read). */
  hasSpan(traceId: string, spanId: string): boolean {
    return this.stmt('SELECT 1 FROM spans WHERE trace_id = ? AND span_id = ?').pluck().get(traceId, spanId) !== undefined;
  }

  getTrace(traceId: string): { summary: ListedTrace; spans: CanonicalSpan[] } | null {
    const read = this.db.transaction(() => {
      const row = this.stmt(`SELECT ${TRACE_COLUMNS}, ${CHECKS_COLUMN} FROM traces WHERE trace_id = ?`).get(traceId) as TraceRow | undefined;
      if (!row) return null;
      const rows = this.stmt(`SELECT ${DOC_COLUMNS} FROM spans WHERE trace_id = ?`).all(traceId) as SpanDocRow[];
      return { summary: rowToSummary(row), spans: rows.map((r) => this.spanOfRow(r)) };
    });
    return read.deferred();
  }

  /**
   * A trace's tree for the panel: the summary and, per step, only what the tree shows (name,
   * kind, times, status, service, model, tokens, cost), read from the span columns. No span
   * document is parsed and nothing is normalized again, so it costs a few µs a step; a step's
   * details are read when it is selected (getSpan). Null when the trace is not stored.
   */
  getTraceTree(traceId: string): { summary: ListedTrace; steps: TreeStep[] } | null {
    const read = this.db.transaction(() => {
      const row = this.stmt(`SELECT ${TRACE_COLUMNS}, ${CHECKS_COLUMN} FROM traces WHERE trace_id = ?`).get(traceId) as TraceRow | undefined;
      if (!row) return null;
      const rows = this.stmt(`SELECT ${TREE_COLUMNS} FROM spans WHERE trace_id = ?`).raw().all(traceId) as TreeRow[];
      return { summary: rowToSummary(row), steps: rows.map((r) => treeStepOf(traceId, r)) };
    });
    return read.deferred();
  }

  /** Full-text search over span names, attribute values, event attributes and log bodies, best match first. */
  search(text: string, limit: number): SearchHit[] {
    const q = ftsQuery(text);
    if (!q) return [];
    const src = this.searchSource();
    const rows = this.stmt(
      `SELECT t.name AS trace_name, ${DOC_COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')} FROM (${src.sql}) f ` +
        'JOIN spans s ON s.id = f.rowid LEFT JOIN traces t ON t.trace_id = s.trace_id ' +
        'ORDER BY f.rank LIMIT ?',
    ).all(...Array<string>(src.matches).fill(q), Math.max(1, Math.floor(limit))) as (SpanDocRow & { trace_name: string | null })[];
    return rows.map((r) => ({
      traceId: r.trace_id,
      spanId: r.span_id,
      spanName: r.name,
      traceName: r.trace_name ?? '',
      snippet: snippetOf(this.searchTextOfRow(r), text),
    }));
  }

  /**
   * Code-lens numbers per line of one recorded source file: runs, the last run's duration,
   * input and output, and token and cost totals over all runs (null when none was reported).
   */
  sourceStats(file: string): SourceStats[] {
    const lines = this.stmt(
      'SELECT src_line AS line, count(*) AS runs, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, ' +
        'sum(cost_usd) AS cost_usd FROM spans WHERE src_file = ? AND src_line IS NOT NULL GROUP BY src_line ORDER BY src_line',
    ).all(file) as { line: number; runs: number; input_tokens: number | null; output_tokens: number | null; cost_usd: number | null }[];
    const last = this.stmt(
      `SELECT duration_ms, src_function, ${DOC_COLUMNS} FROM spans WHERE src_file = ? AND src_line = ? ` +
        'ORDER BY start_ms DESC, start_ns DESC LIMIT 1',
    );
    return lines.map((l) => {
      const r = last.get(file, l.line) as SpanDocRow & { duration_ms: number; src_function: string | null };
      const span = this.spanOfRow(r);
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
  // Check results (schema v4)

  /**
   * Replaces the check results of several traces in ONE short transaction (the checks service
   * writes a slice at a time). An empty result list removes the trace's results (no check
   * applies). A trace deleted meanwhile gets none.
   */
  saveCheckResults(entries: { traceId: string; results: Omit<StoredCheckResult, 'traceId'>[] }[]): void {
    if (entries.length === 0) return;
    const now = this.now();
    const exists = this.stmt('SELECT 1 FROM traces WHERE trace_id = ?').pluck();
    const insert = this.stmt('INSERT INTO check_results (trace_id, check_name, kind, outcome, message, span_id) VALUES (?, ?, ?, ?, ?, ?)');
    const counts = this.stmt('INSERT OR REPLACE INTO trace_checks (trace_id, passed, failed, errors, evaluated_at_ms) VALUES (?, ?, ?, ?, ?)');
    this.db
      .transaction(() => {
        for (const { traceId, results } of entries) {
          this.deleteCheckResultsOf(traceId);
          if (results.length === 0 || exists.get(traceId) === undefined) continue;
          const c = { pass: 0, fail: 0, error: 0 };
          for (const r of results) {
            insert.run(traceId, r.check, r.kind, r.outcome, r.message, r.spanId);
            c[r.outcome]++;
          }
          counts.run(traceId, c.pass, c.fail, c.error, now);
          this.stmt(REPACK_SQL.checks).run({ id: traceId });
          this.stmt(FLEET_TRACE_MARK).run(traceId); // no insert trigger on trace_fleet (schema v13)
        }
      })
      .immediate();
  }

  /**
   * Adds or replaces some results of one trace (the judge's, which come after the others) and
   * recounts the trace, in one short transaction. A trace deleted meanwhile gets none.
   */
  putCheckResults(traceId: string, results: Omit<StoredCheckResult, 'traceId'>[]): void {
    if (results.length === 0) return;
    this.db
      .transaction(() => {
        if (this.stmt('SELECT 1 FROM traces WHERE trace_id = ?').pluck().get(traceId) === undefined) return;
        const put = this.stmt('INSERT OR REPLACE INTO check_results (trace_id, check_name, kind, outcome, message, span_id) VALUES (?, ?, ?, ?, ?, ?)');
        for (const r of results) put.run(traceId, r.check, r.kind, r.outcome, r.message, r.spanId);
        this.stmt(REPACK_SQL.checks).run({ id: traceId });
        this.stmt(FLEET_TRACE_MARK).run(traceId);
        this.stmt(
          "INSERT OR REPLACE INTO trace_checks (trace_id, passed, failed, errors, evaluated_at_ms) SELECT ?, sum(outcome = 'pass'), sum(outcome = 'fail'), " +
            "sum(outcome = 'error'), ? FROM check_results WHERE trace_id = ?",
        ).run(traceId, this.now(), traceId);
      })
      .immediate();
  }

  /** Forgets every check result (the checks changed: they are evaluated again). */
  clearCheckResults(): void {
    this.db.transaction(() => this.db.exec('DELETE FROM check_results; DELETE FROM trace_checks;')).immediate();
  }

  private deleteCheckResultsOf(traceId: string): void {
    this.stmt('DELETE FROM check_results WHERE trace_id = ?').run(traceId);
    this.stmt('DELETE FROM trace_checks WHERE trace_id = ?').run(traceId);
  }

  /** The check results of one trace, in name order. */
  checkResultsOf(traceId: string): StoredCheckResult[] {
    const rows = this.stmt('SELECT trace_id, check_name, kind, outcome, message, span_id FROM check_results WHERE trace_id = ? ORDER BY check_name')
      .raw()
      .all(traceId) as [string, string, string, StoredCheckResult['outcome'], string, string | null][];
    return rows.map(([t, check, kind, outcome, message, spanId]) => ({ traceId: t, check, kind, outcome, message, spanId }));
  }

  /**
   * How the checks came out in the last `runs` runs started at one source line (a root or agent
   * step recorded there: the agent's entry point), per check, for the code lens. Reads at most a
   * few hundred span rows through the source index.
   */
  checkFailuresAtLine(file: string, line: number, runs = 10): { runs: number; checks: { check: string; failed: number; errors: number; evaluated: number; kind?: 'evaluation' }[] } {
    const ids = this.stmt(
      "SELECT trace_id FROM spans WHERE src_file = ? AND src_line = ? AND (parent_id IS NULL OR kind = 'agent') ORDER BY start_ms DESC LIMIT ?",
    )
      .pluck()
      .all(file, line, runs * 20) as string[];
    const last = [...new Set(ids)].slice(0, Math.max(1, Math.floor(runs)));
    if (last.length === 0) return { runs: 0, checks: [] };
    const rows = this.stmt(
      "SELECT check_name, sum(outcome = 'fail'), sum(outcome = 'error'), count(*) FROM check_results " +
        'WHERE trace_id IN (SELECT value FROM json_each(?)) GROUP BY check_name ORDER BY check_name',
    )
      .raw()
      .all(JSON.stringify(last)) as [string, number, number, number][];
    // Evaluation results the agent sent count like checks (issue 11): per name, in how many runs one failed.
    const evaluations = this.evaluations.runOutcomesByName(last);
    const evaluated = this.stmt(
      'SELECT count(*) FROM (SELECT trace_id FROM trace_checks WHERE trace_id IN (SELECT value FROM json_each(?)) ' +
        'UNION SELECT trace_id FROM trace_evaluations WHERE passed + failed > 0 AND trace_id IN (SELECT value FROM json_each(?)))',
    )
      .pluck()
      .get(JSON.stringify(last), JSON.stringify(last)) as number;
    return {
      runs: evaluated,
      checks: [
        ...rows.map(([check, failed, errors, n]) => ({ check, failed, errors, evaluated: n })),
        ...evaluations.map((e) => ({ check: e.name, failed: e.failedRuns, errors: 0, evaluated: e.judgedRuns, kind: 'evaluation' as const })),
      ],
    };
  }

  /**
   * A page of trace ids, newest start first, after `cursor` (the last page's last entry):
   * what re-evaluating every stored trace walks, a page at a time.
   */
  traceIdsPage(cursor: { startMs: number; traceId: string } | null, limit: number): { traceId: string; startMs: number }[] {
    const n = Math.max(1, Math.min(CHECK_PAGE_MAX, Math.floor(limit)));
    const rows = (
      cursor === null
        ? this.stmt('SELECT trace_id, start_ms FROM traces ORDER BY start_ms DESC, trace_id DESC LIMIT ?').raw().all(n)
        : this.stmt('SELECT trace_id, start_ms FROM traces WHERE (start_ms, trace_id) < (?, ?) ORDER BY start_ms DESC, trace_id DESC LIMIT ?')
            .raw()
            .all(cursor.startMs, cursor.traceId, n)
    ) as [string, number][];
    return rows.map(([traceId, startMs]) => ({ traceId, startMs }));
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
        this.stmt('DELETE FROM span_orphans WHERE trace_id = ?').run(id);
        this.deleteCheckResultsOf(id);
        this.evaluations.onTraceDeleted(id);
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
        "INSERT INTO span_fts (span_fts) VALUES ('delete-all'); DELETE FROM spans; DELETE FROM traces; DELETE FROM pending_logs; DELETE FROM span_orphans; " +
          'DELETE FROM check_results; DELETE FROM trace_checks; DELETE FROM proxy_recordings; ' +
          'UPDATE search_state SET indexed_upto = 0;',
      );
      this.evaluations.onClear();
      this.metrics.onClear();
      return n;
    });
    const n = tx.immediate();
    this.reclaimSpace();
    return n;
  }

  /**
   * Age: traces last written more than maxDays ago (receive time, so an imported old trace is
   * not deleted on arrival), and log records that waited that long for their span. Size: while
   * the database's used pages exceed maxMegabytes, the oldest go first: traces by start time and
   * log records still waiting for a span (which may never come) by receive time, interleaved.
   * A limit ≤ 0 disables that rule.
   *
   * The work is cut into slices of at most RETENTION_SLICE_ROWS rows, one short transaction
   * each, with a turn of the event loop (setImmediate) between them: exports and requests are
   * answered while a large store is trimmed. A trace is deleted span slice by span slice and its
   * summary row last, so a crash midway leaves it old and complete enough to be found next time.
   */
  async applyRetention(limits: { maxDays: number; maxMegabytes: number }, hooks: RetentionHooks = {}): Promise<RetentionReport> {
    const report: RetentionReport = { byAge: { traces: 0, logs: 0 }, bySize: { traces: 0, logs: 0 }, slices: 0 };
    const pause = async (): Promise<boolean> => {
      report.slices++;
      hooks.onSlice?.(report.slices);
      await new Promise<void>((resolve) => setImmediate(resolve));
      await hooks.between?.();
      return this.db.open && !hooks.stop?.(); // closed or closing meanwhile: stop quietly
    };
    if (limits.maxDays > 0 && Number.isFinite(limits.maxDays)) {
      const cutoff = this.now() - limits.maxDays * 86_400_000;
      const old = this.stmt('SELECT trace_id FROM traces WHERE updated_at_ms < ? ORDER BY updated_at_ms, trace_id LIMIT ?').pluck();
      const stillOld = (id: string) => this.stmt('SELECT updated_at_ms < ? FROM traces WHERE trace_id = ?').pluck().get(cutoff, id) === 1;
      for (let queue = old.all(cutoff, RETENTION_PAGE) as string[]; queue.length > 0; queue = old.all(cutoff, RETENTION_PAGE) as string[]) {
        while (queue.length > 0) {
          report.byAge.traces += this.deleteSlice(queue, stillOld);
          if (!(await pause())) return report;
        }
      }
      const dropLogs = this.stmt('DELETE FROM pending_logs WHERE id IN (SELECT id FROM pending_logs WHERE received_ms < ? ORDER BY id LIMIT ?)');
      for (;;) {
        const n = this.db.transaction(() => dropLogs.run(cutoff, RETENTION_SLICE_ROWS).changes).immediate();
        report.byAge.logs += n;
        if (!(await pause())) return report;
        if (n < RETENTION_SLICE_ROWS) break;
      }
      for (const drop of [(n: number) => this.evaluations.dropStale(cutoff, n), (n: number) => this.metrics.dropOlderThan(cutoff, n)]) {
        for (;;) {
          const n = drop(RETENTION_SLICE_ROWS);
          if (!(await pause())) return report;
          if (n < RETENTION_SLICE_ROWS) break;
        }
      }
    }
    if (limits.maxMegabytes > 0 && Number.isFinite(limits.maxMegabytes)) {
      const limit = limits.maxMegabytes * 1024 * 1024;
      // OTLP metric points keep to their own share of the limit (oldest first), so they never push traces out.
      for (let rows = this.metrics.rowsBeyond(limit * METRICS_SIZE_SHARE); rows > 0; ) {
        const n = this.metrics.dropOldest(Math.min(rows, RETENTION_SLICE_ROWS));
        rows = n === 0 ? 0 : rows - n;
        if (!(await pause())) return report;
      }
      // Estimate, delete, measure again: the search index frees its pages only when its
      // segments merge, so several rounds may be needed.
      for (let round = 0; round < RETENTION_MAX_ROUNDS; round++) {
        const plan = this.sizePlan(this.usedBytes() - limit);
        if (plan.traces.length === 0 && plan.logs.length === 0) break;
        while (plan.traces.length > 0) {
          report.bySize.traces += this.deleteSlice(plan.traces);
          if (!(await pause())) return report;
        }
        const dropLog = this.stmt('DELETE FROM pending_logs WHERE id = ?');
        for (let i = 0; i < plan.logs.length; i += RETENTION_SLICE_ROWS) {
          const slice = plan.logs.slice(i, i + RETENTION_SLICE_ROWS);
          report.bySize.logs += this.db.transaction(() => slice.reduce((n, id) => n + dropLog.run(id).changes, 0)).immediate();
          if (!(await pause())) return report;
        }
        // Merge search-index segments a little at a time; a merge that changes < 2 rows did no work.
        for (let i = 0; i < RETENTION_MERGE_SLICES; i++) {
          const before = this.stmt('SELECT total_changes()').pluck().get() as number;
          this.stmt("INSERT INTO span_fts (span_fts, rank) VALUES ('merge', ?)").run(RETENTION_MERGE_PAGES);
          const worked = (this.stmt('SELECT total_changes()').pluck().get() as number) - before >= 2;
          if (!(await pause())) return report;
          if (!worked) break;
        }
        if (this.usedBytes() <= limit) break;
      }
    }
    if (report.byAge.traces + report.bySize.traces + report.byAge.logs + report.bySize.logs > 0) this.reclaimSpace();
    return report;
  }

  /**
   * What to delete to free about `excess` bytes: the oldest traces (by start) and waiting log
   * records (by receive time), interleaved by age. Stored sizes count JSON only; they are scaled
   * to pages (indexes, search index, overhead). Looks at most RETENTION_PAGE of each per round.
   */
  private sizePlan(excess: number): { traces: string[]; logs: number[] } {
    const plan = { traces: [] as string[], logs: [] as number[] };
    if (excess <= 0) return plan;
    const total =
      (this.stmt('SELECT (SELECT coalesce(sum(bytes), 0) FROM traces) + (SELECT coalesce(sum(length(doc)), 0) FROM pending_logs)').pluck().get() as number) || 1;
    const scale = this.usedBytes() / total;
    const traces = this.stmt('SELECT trace_id AS id, start_ms AS at, bytes FROM traces ORDER BY start_ms, trace_id LIMIT ?').all(RETENTION_PAGE) as { id: string; at: number; bytes: number }[];
    const logs = this.stmt('SELECT id, received_ms AS at, length(doc) AS bytes FROM pending_logs ORDER BY id LIMIT ?').all(RETENTION_PAGE) as { id: number; at: number; bytes: number }[];
    let freed = 0;
    let t = 0;
    let l = 0;
    while (freed < excess && (t < traces.length || l < logs.length)) {
      if (l >= logs.length || (t < traces.length && traces[t].at <= logs[l].at)) {
        plan.traces.push(traces[t].id);
        freed += traces[t++].bytes * scale;
      } else {
        plan.logs.push(logs[l].id);
        freed += logs[l++].bytes * scale;
      }
    }
    return plan;
  }

  /**
   * One bounded transaction: deletes up to RETENTION_SLICE_ROWS span rows of the traces at the
   * front of `queue`, and a trace's summary row (and its waiting logs) once its spans are gone,
   * shifting it off the queue. A trace no longer `eligible` (written to since it was picked) is
   * skipped, and its summary recomputed from what is left. Returns the traces deleted.
   */
  private deleteSlice(queue: string[], eligible?: (traceId: string) => boolean): number {
    const tx = this.db.transaction(() => this.markingChunks(() => {
      let budget = RETENTION_SLICE_ROWS;
      let deleted = 0;
      const upto = this.indexedUpto();
      const pick = this.stmt('SELECT id FROM spans WHERE trace_id = ? LIMIT ?').pluck();
      const dropFts = this.stmt('DELETE FROM span_fts WHERE rowid = ?');
      const dropSpan = this.stmt('DELETE FROM spans WHERE id = ?');
      while (queue.length > 0 && budget > 0) {
        const traceId = queue[0];
        budget--; // every trace costs something, so a slice of many tiny traces stays bounded too
        if (eligible && !eligible(traceId)) {
          queue.shift();
          const updated = this.stmt('SELECT updated_at_ms FROM traces WHERE trace_id = ?').pluck().get(traceId) as number | undefined;
          if (updated !== undefined) this.refreshSummary(traceId, updated);
          continue;
        }
        const want = Math.max(1, budget);
        const ids = pick.all(traceId, want) as number[];
        for (const id of ids) {
          if (id <= upto) dropFts.run(id);
          dropSpan.run(id);
        }
        budget -= ids.length;
        if (ids.length === want) break; // more spans left: the next slice continues this trace
        queue.shift();
        this.stmt('DELETE FROM pending_logs WHERE trace_id = ?').run(traceId);
        this.stmt('DELETE FROM span_orphans WHERE trace_id = ?').run(traceId);
        this.deleteCheckResultsOf(traceId);
        this.evaluations.onTraceDeleted(traceId);
        if (this.stmt('DELETE FROM traces WHERE trace_id = ?').run(traceId).changes > 0) deleted++;
      }
      // Freed ids at the top are handed out again: they must count as not yet indexed.
      this.stmt('UPDATE search_state SET indexed_upto = min(indexed_upto, (SELECT coalesce(max(id), 0) FROM spans))').run();
      return deleted;
    }));
    return tx.immediate();
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

  /** How long a write waits for a lock held by another connection before failing SQLITE_BUSY. */
  setBusyTimeout(ms: number): void {
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(ms))}`);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

const PART_KEY_COLUMNS =
  'parent_id, name, service, start_ns, end_ns, status, kind, model, input_tokens, output_tokens, cache_read_tokens, ' +
  'cache_write_tokens, reasoning_tokens, cost_usd';

type StoredRow = SpanDocRow & { id: number; has_logs: number; bytes: number } & Record<string, unknown>;

/** The summary fields of a stored span, comparable with partKeyOf. */
const partKeyOfRow = (r: Record<string, unknown>): string => JSON.stringify(PART_KEY_COLUMNS.split(', ').map((c) => r[c] ?? null));

const partKeyOf = (p: SummaryPart): string =>
  JSON.stringify([
    p.parentSpanId, p.name, p.service, p.startUnixNanos, p.endUnixNanos, p.statusCode, p.kind, p.model, p.usage.inputTokens,
    p.usage.outputTokens, p.usage.cacheReadTokens, p.usage.cacheWriteTokens, p.usage.reasoningTokens, p.costUsd,
  ]);

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
