// Versioned schema: PRAGMA user_version is the number of migrations applied. A migration is
// appended, never edited, once it has shipped; the store refuses (and leaves alone) a file whose
// user_version is higher than this list knows.
import type Database from 'better-sqlite3';
import { createFleetChunkTables, dropFleetChunkWriteTriggers } from './fleetChunks';
import { createFleetRowTable, createFleetTables } from './fleetStore';

type Db = Database.Database;

const v1 = (db: Db): void => {
  db.exec(`
    CREATE TABLE traces (
      trace_id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      start_ns TEXT NOT NULL,
      start_ms INTEGER NOT NULL,
      duration_ms REAL NOT NULL,
      span_count INTEGER NOT NULL,
      error_count INTEGER NOT NULL,
      llm_calls INTEGER NOT NULL,
      tool_calls INTEGER NOT NULL,
      orphan_count INTEGER NOT NULL,
      services TEXT NOT NULL,            -- JSON array
      models TEXT NOT NULL,              -- JSON array
      input_tokens INTEGER,
      output_tokens INTEGER,
      cache_read_tokens INTEGER,
      cache_write_tokens INTEGER,
      reasoning_tokens INTEGER,
      cost_usd REAL,
      bytes INTEGER NOT NULL,            -- sum of the spans' JSON sizes, for size retention
      updated_at_ms INTEGER NOT NULL     -- last write (receive time), for live marks and age retention
    );
    CREATE INDEX traces_recent ON traces(start_ms DESC);
    CREATE INDEX traces_updated ON traces(updated_at_ms);

    -- One row per (trace, span). doc is the whole CanonicalSpan as JSON (every raw attribute,
    -- resource attribute, event and link, untouched); the other columns are copies for queries.
    CREATE TABLE spans (
      id INTEGER PRIMARY KEY,            -- also the rowid of the span's span_fts row
      trace_id TEXT NOT NULL,
      span_id TEXT NOT NULL,
      parent_id TEXT,
      name TEXT NOT NULL,
      service TEXT NOT NULL,
      start_ns TEXT NOT NULL,
      end_ns TEXT NOT NULL,
      start_ms INTEGER NOT NULL,
      duration_ms REAL NOT NULL,
      status TEXT NOT NULL,
      kind TEXT NOT NULL,
      model TEXT,
      input_tokens INTEGER,
      output_tokens INTEGER,
      cache_read_tokens INTEGER,
      cache_write_tokens INTEGER,
      reasoning_tokens INTEGER,
      cost_usd REAL,
      cost_source TEXT,
      src_file TEXT,
      src_line INTEGER,
      src_function TEXT,
      has_logs INTEGER NOT NULL,         -- doc carries events attached from log records
      bytes INTEGER NOT NULL,
      doc TEXT NOT NULL,
      UNIQUE (trace_id, span_id)
    );
    CREATE INDEX spans_source ON spans(src_file, src_line, start_ms) WHERE src_file IS NOT NULL;

    -- Contentless: the text lives in spans.doc already; snippets are cut from it on read.
    CREATE VIRTUAL TABLE span_fts USING fts5(
      text, content='', contentless_delete=1, detail=none, tokenize='unicode61 remove_diacritics 2'
    );

    -- Log records whose span has not arrived yet; attached (and deleted) when it does.
    CREATE TABLE pending_logs (
      id INTEGER PRIMARY KEY,
      trace_id TEXT NOT NULL,
      span_id TEXT NOT NULL,
      received_ms INTEGER NOT NULL,
      doc TEXT NOT NULL                  -- RawLogRecord as JSON
    );
    CREATE INDEX pending_logs_span ON pending_logs(trace_id, span_id);
  `);
};

// The search index is written after the spans, in small transactions of its own, so ingest
// does not pay for it. Spans with id <= indexed_upto have their span_fts row; those above it
// are waiting (a durable marker: a crash leaves them waiting, never lost). Rows written by v1
// were indexed with the span.
const v2 = (db: Db): void => {
  db.exec(`
    CREATE TABLE search_state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      indexed_upto INTEGER NOT NULL
    );
    INSERT INTO search_state (id, indexed_upto) VALUES (1, (SELECT coalesce(max(id), 0) FROM spans));
  `);
};

// Trace summaries are updated from each export's new spans instead of re-reading the trace
// (see incrementalSummary.ts). traces.incr holds what that needs beyond the summary row (JSON;
// NULL, as for every trace written before v3, means "rebuild from all spans on the next
// write"); span_orphans holds the spans whose parent is not stored, with the usage and cost
// their subtrees carry.
const v3 = (db: Db): void => {
  db.exec(`
    ALTER TABLE traces ADD COLUMN incr TEXT;
    CREATE TABLE span_orphans (
      trace_id TEXT NOT NULL,
      span_id TEXT NOT NULL,
      parent_id TEXT NOT NULL,
      carries INTEGER NOT NULL,          -- 1: its subtree reports usage, 2: cost
      PRIMARY KEY (trace_id, span_id)
    ) WITHOUT ROWID;
    CREATE INDEX span_orphans_parent ON span_orphans(trace_id, parent_id);
  `);
};

// Check results (issue 11): one row per (trace, check) with its outcome and message, and the
// counts per trace that lists and the "failed checks" filter read without touching the rows.
// Separate tables, because a trace summary row is replaced whole on every write. IF NOT EXISTS:
// harmless for a real version-3 file, and lets a file rolled back to an older user_version
// (as tests simulating old files do) migrate again.
const v4 = (db: Db): void => {
  db.exec(`
    CREATE TABLE IF NOT EXISTS check_results (
      trace_id TEXT NOT NULL,
      check_name TEXT NOT NULL,
      kind TEXT NOT NULL,
      outcome TEXT NOT NULL,             -- pass | fail | error
      message TEXT NOT NULL,
      span_id TEXT,
      PRIMARY KEY (trace_id, check_name)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS trace_checks (
      trace_id TEXT PRIMARY KEY,
      passed INTEGER NOT NULL,
      failed INTEGER NOT NULL,
      errors INTEGER NOT NULL,
      evaluated_at_ms INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS trace_checks_not_passed ON trace_checks(trace_id) WHERE failed + errors > 0;
  `);
};

// Compact span documents (issue 8): a new row's doc holds the raw span once, without what its
// columns hold and without its resource and scope, which are stored once per distinct value in
// span_resources (res_id); the normalized view is derived on read (see spanDoc.ts). Rows written
// before keep res_id NULL and their whole CanonicalSpan in doc, and are read as they are.
const v5 = (db: Db): void => {
  // Guarded like v4's IF NOT EXISTS: a file rolled back to an older user_version has the column.
  const columns = db.prepare("SELECT name FROM pragma_table_info('spans')").pluck().all() as string[];
  if (!columns.includes('res_id')) db.exec('ALTER TABLE spans ADD COLUMN res_id INTEGER');
  db.exec(`
    CREATE TABLE IF NOT EXISTS span_resources (
      id INTEGER PRIMARY KEY,
      doc TEXT NOT NULL UNIQUE           -- JSON [resource attributes, scope]
    );
  `);
};

// Recording model proxy (issue 10): one row per model call forwarded by the proxy, with its
// request and response as sent (bodies capped, credentials never stored: see
// src/core/proxy/providers.ts). Not tied to a trace by a foreign key: the call is linked to its
// LLM step when the trace is read (src/server/proxy/recordingLinks.ts), whichever came first.
// IF NOT EXISTS: idempotent, like v4.
const v6ProxyRecordings = (db: Db): void => {
  db.exec(`
    CREATE TABLE IF NOT EXISTS proxy_recordings (
      id INTEGER PRIMARY KEY,
      started_ms REAL NOT NULL,          -- ms since epoch, fractional
      first_byte_ms REAL,                -- the upstream's response head arrived
      ended_ms REAL NOT NULL,
      provider TEXT NOT NULL,            -- openai | anthropic
      method TEXT NOT NULL,
      path TEXT NOT NULL,                -- as the client asked
      upstream TEXT NOT NULL,            -- the URL it was forwarded to
      model TEXT,                        -- the request body's model
      trace_id TEXT,                     -- from the traceparent header
      parent_span_id TEXT,
      status INTEGER,                    -- the upstream's status; NULL when none came
      error TEXT,                        -- what went wrong (upstream unreachable, stream cut, client left)
      streamed INTEGER NOT NULL,         -- text/event-stream response
      request_headers TEXT NOT NULL,     -- JSON, secrets replaced
      request_body BLOB NOT NULL,
      request_bytes INTEGER NOT NULL,    -- the whole body's size
      request_truncated INTEGER NOT NULL,
      response_headers TEXT NOT NULL,
      response_body BLOB NOT NULL,       -- decoded when it came compressed
      response_bytes INTEGER NOT NULL,
      response_truncated INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS proxy_recordings_time ON proxy_recordings(started_ms);
    CREATE INDEX IF NOT EXISTS proxy_recordings_trace ON proxy_recordings(trace_id) WHERE trace_id IS NOT NULL;
  `);
};

// Evaluation results the agent sends (issue 11; src/core/evaluations.ts, src/store/evaluationStore.ts):
// one row per result, linked to the step it evaluates (span_id NULL until that is known; trace_id
// '' when the record named no trace), the pass/fail/info counts per trace that listings add to the
// check counts, and the response id of every model call, for results that name only that.
const v7Evaluations = (db: Db): void => {
  db.exec(`
    CREATE TABLE IF NOT EXISTS evaluations (
      id INTEGER PRIMARY KEY,
      trace_id TEXT NOT NULL,
      span_id TEXT,
      response_id TEXT,
      name TEXT NOT NULL,
      score_value REAL,
      score_label TEXT,
      explanation TEXT,
      outcome TEXT NOT NULL,             -- pass | fail | info
      source TEXT NOT NULL,              -- span-event | log-record | openinference
      time_ns TEXT NOT NULL,
      received_ms INTEGER NOT NULL,
      dedupe TEXT NOT NULL,
      UNIQUE (trace_id, dedupe)
    );
    CREATE INDEX IF NOT EXISTS evaluations_unlinked ON evaluations(response_id) WHERE span_id IS NULL;
    CREATE INDEX IF NOT EXISTS evaluations_received ON evaluations(received_ms);
    CREATE TABLE IF NOT EXISTS trace_evaluations (
      trace_id TEXT PRIMARY KEY,
      passed INTEGER NOT NULL,
      failed INTEGER NOT NULL,
      info INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS llm_responses (
      response_id TEXT PRIMARY KEY,
      trace_id TEXT NOT NULL,
      span_id TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS llm_responses_trace ON llm_responses(trace_id);
  `);
};

// OTLP metric data points (issue 11; src/store/metricStore.ts): one row per point, with its time,
// kept as long as traces are (age retention by receive time). attributes: the point's attribute
// set as JSON with sorted keys (what summaries group by); resource capped likewise.
const v8Metrics = (db: Db): void => {
  db.exec(`
    CREATE TABLE IF NOT EXISTS metric_points (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      unit TEXT NOT NULL,
      type TEXT NOT NULL,                -- gauge | sum | histogram | exponential_histogram | summary
      temporality TEXT NOT NULL,         -- delta | cumulative | unspecified
      service TEXT NOT NULL,
      attributes TEXT NOT NULL,
      resource TEXT NOT NULL,
      start_ns TEXT NOT NULL,
      time_ns TEXT NOT NULL,
      time_ms INTEGER NOT NULL,
      value REAL,
      count REAL,
      sum REAL,
      min REAL,
      max REAL,
      buckets TEXT,                      -- JSON {bounds, counts} of an explicit-bucket histogram
      received_ms INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS metric_points_time ON metric_points(time_ms);
    CREATE INDEX IF NOT EXISTS metric_points_received ON metric_points(received_ms);
  `);
};

// Fleet view and batch against batch (issue 11): per-trace grouping attributes (batch keys,
// root span, resource and baggage-style attributes, bounded) and agent/tool/model membership
// with call counts, written at ingest, removed with their trace by a trigger; the traces stored
// before are backfilled from their span documents (see fleetStore.ts). IF NOT EXISTS throughout.
const v9Fleet = (db: Db): void => {
  createFleetTables(db);
};

// Fleet reads (issue 11): one packed row per trace with its members and check outcomes, kept by
// triggers on trace_members and check_results, packed from their rows for the traces stored
// before (see createFleetRowTable in fleetStore.ts). IF NOT EXISTS throughout.
const v10FleetRow = (db: Db): void => {
  createFleetRowTable(db);
};

// Replay problems (issue 10; src/store/recordings.ts): what went wrong in a forked run or a
// re-sent call, shown on a step. A row points at the recorded call of the new run it is about
// (its step is found when the trace is read, as the recording's is), or at the step the fork or
// the resend started from. Removed with that recording or that trace by triggers, aged out with
// the recordings. IF NOT EXISTS throughout, so running it again is harmless.
export const v11ReplayProblems = (db: Db): void => {
  db.exec(`
    CREATE TABLE IF NOT EXISTS replay_problems (
      id INTEGER PRIMARY KEY,
      created_ms INTEGER NOT NULL,
      origin TEXT NOT NULL,              -- fork | resend
      session_id TEXT NOT NULL,          -- the fork session, or the resend's own trace id
      recording_id INTEGER,              -- the new run's recorded call it is about, or
      trace_id TEXT,                     -- the step it is about (where the fork or resend started)
      span_id TEXT,
      kind TEXT NOT NULL,                -- unmatched | shape-changed | upstream | … (core/replay/problems.ts)
      call_index INTEGER,                -- 0-based request of the new run, when about one call
      message TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS replay_problems_recording ON replay_problems(recording_id) WHERE recording_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS replay_problems_step ON replay_problems(trace_id) WHERE trace_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS replay_problems_time ON replay_problems(created_ms);
    CREATE TRIGGER IF NOT EXISTS replay_problems_recording_gone AFTER DELETE ON proxy_recordings
      BEGIN DELETE FROM replay_problems WHERE recording_id = old.id; END;
    CREATE TRIGGER IF NOT EXISTS replay_problems_trace_gone AFTER DELETE ON traces
      BEGIN DELETE FROM replay_problems WHERE trace_id = old.trace_id; END;
  `);
};

// Fleet speed (issue 11): the fleet's columnar store, chunks of 1,024 trace rows as typed-column
// blobs, marked stale by triggers and rebuilt on read (see fleetChunks.ts); existing traces'
// chunks are marked, so the first fleet read builds them. IF NOT EXISTS throughout.
const v12FleetChunks = (db: Db): void => {
  createFleetChunkTables(db);
};

// Ingest speed (issue 8): trace rows are updated in place (they keep their rowid), and ingest
// marks the fleet chunks it writes once per chunk, so v12's per-row triggers on traces go (see
// fleetChunks.ts). Rows written by REPLACE before keep their rowids; no chunk needs rebuilding.
const v13FleetChunkMarks = (db: Db): void => {
  dropFleetChunkWriteTriggers(db);
};

/** Ordered; index i migrates user_version i to i + 1. */
export const migrations: readonly ((db: Db) => void)[] = [v1, v2, v3, v4, v5, v6ProxyRecordings, v7Evaluations, v8Metrics, v9Fleet, v10FleetRow, v11ReplayProblems, v12FleetChunks, v13FleetChunkMarks];

export const SCHEMA_VERSION = migrations.length;

/** Applies the missing migrations in one IMMEDIATE transaction, so two processes opening a new file at once do not both migrate. */
export function migrate(db: Db): void {
  const run = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    for (let v = current; v < migrations.length; v++) migrations[v](db);
    if (current < migrations.length) db.pragma(`user_version = ${migrations.length}`);
  });
  run.immediate();
}
