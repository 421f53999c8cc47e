// Per-trace grouping data for the fleet view and batch against batch (issue 11), written at
// ingest so that aggregates over 100,000 stored traces never open a span document:
//  - trace_attrs: the batch keys (agent_trace.batch, service.version, session.id,
//    gen_ai.conversation.id) and a bounded set of string attributes a user may group by (root
//    span attributes, resource attributes, un-namespaced baggage-style keys such as `feature` or
//    `route` on any span), one value per (trace, key);
//  - trace_members: which agents, tools and models a trace used, with call counts.
// Both are filled from each newly stored span (FleetFacts.noteSpan, a map update) and written
// once per export at the end of its transaction (FleetFacts.flush). A trigger on traces removes
// them with their trace (deletes, retention, clear). Schema v5 creates them and backfills the
// traces stored before (backfillFleetFacts).
import type Database from 'better-sqlite3';
import { canonicalize } from '../core/canonicalize';
import { DOC_COLUMNS, parseResourceDoc, rawFromCompact, type SpanDocRow } from './spanDoc';
import type { AttrValue, CanonicalSpan } from '../core/model';
import type { FleetColumns, FleetRun } from '../core/fleet';
import { batchColumnsOf, FleetChunks } from './fleetChunks';

type Db = Database.Database;

/** Attributes that name a batch, in the order a listing without a key offers them. */
export const BATCH_KEYS = ['agent_trace.batch', 'service.version', 'session.id', 'gen_ai.conversation.id'] as const;
/** Grouping attributes kept per trace (batch keys first), and the longest key and value kept. */
export const MAX_ATTRIBUTES_PER_TRACE = 32;
export const MAX_KEY_LENGTH = 128;
export const MAX_VALUE_LENGTH = 256;
/** Agent, tool and model values kept per trace and dimension. */
const MAX_MEMBERS_PER_DIMENSION = 64;
/** Runs of one batch read at most (the newest). */
export const MAX_BATCH_RUNS = 250_000;
/** Resource attributes that describe the SDK or process, not the run: never a grouping attribute. */
const IGNORED_RESOURCE_PREFIXES = ['telemetry.', 'process.', 'host.', 'os.'];

/** Where an attribute came from; a better source replaces a worse one's value for the same key. */
enum Source {
  BatchKey = 0,
  RootSpan = 1,
  Resource = 2,
  Baggage = 3,
}

interface TraceFacts {
  attrs: Map<string, { value: string; source: Source }>;
  /** The resource last read for this trace: spans of one export share it, so it is read once. */
  resource: object | null;
  /** dimension → value → calls */
  members: Map<'agent' | 'tool' | 'model', Map<string, number>>;
}

const scalarText = (v: AttrValue | undefined): string | null => {
  if (typeof v === 'string') return v.length > 0 && v.length <= MAX_VALUE_LENGTH ? v : null;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
};

const isBatchKey = (k: string): boolean => (BATCH_KEYS as readonly string[]).includes(k);

/**
 * What one span tells the fleet tables, as plain data: the store worker gets prepared rows, not
 * canonical spans, so this is read where the span is prepared (TraceStore.prepareSpans, on the
 * main thread). `withResource` false: the caller already read this trace's resource in the export.
 */
export interface SpanFleetFacts {
  attrs: [key: string, value: AttrValue, source: Source][];
  members: ['agent' | 'tool' | 'model', string][];
}

export function spanFleetFactsOf(c: CanonicalSpan, withResource: boolean): SpanFleetFacts | undefined {
  const attrs: SpanFleetFacts['attrs'] = [];
  const members: SpanFleetFacts['members'] = [];
  const keep = (k: string, v: AttrValue, source: Source) => {
    if (attrs.length < MAX_ATTRIBUTES_PER_TRACE * 2 && k.length > 0 && k.length <= MAX_KEY_LENGTH && scalarText(v) !== null) attrs.push([k, v, source]);
  };
  if (withResource) {
    for (const [k, v] of Object.entries(c.resource)) {
      if (IGNORED_RESOURCE_PREFIXES.some((p) => k.startsWith(p))) continue;
      keep(k, v, isBatchKey(k) ? Source.BatchKey : Source.Resource);
    }
  }
  const isRoot = !c.parentSpanId;
  for (const [k, v] of Object.entries(c.attributes)) {
    if (isBatchKey(k)) keep(k, v, Source.BatchKey);
    else if (isRoot) keep(k, v, Source.RootSpan);
    else if (!k.includes('.')) keep(k, v, Source.Baggage);
  }
  const n = c.norm;
  if (n.agentName) members.push(['agent', n.agentName]);
  if (n.kind === 'tool' && n.tool?.name) members.push(['tool', n.tool.name]);
  if (n.kind === 'llm' && n.model) members.push(['model', n.model]);
  return attrs.length > 0 || members.length > 0 ? { attrs, members } : undefined;
}

/** Collects one export's facts per trace, then writes them in the export's transaction. */
export class FleetFacts {
  private readonly pending = new Map<string, TraceFacts>();
  private statements: { existing: Database.Statement; upsertAttr: Database.Statement; addMember: Database.Statement; repackMembers: Database.Statement } | null = null;

  constructor(private readonly db: Db) {}

  /** Prepared on the first write (a read-only connection never prepares them). */
  private prepared() {
    return (this.statements ??= {
      existing: this.db.prepare('SELECT key, source FROM trace_attrs WHERE trace_id = ?').raw(),
      upsertAttr: this.db.prepare(
        'INSERT INTO trace_attrs (trace_id, key, value, source) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (trace_id, key) DO UPDATE SET value = excluded.value, source = excluded.source WHERE excluded.source < trace_attrs.source',
      ),
      addMember: this.db.prepare(
        'INSERT INTO trace_members (trace_id, dimension, value, calls) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (trace_id, dimension, value) DO UPDATE SET calls = calls + excluded.calls',
      ),
      repackMembers: this.db.prepare(REPACK_SQL.members),
    });
  }

  /** Forgets facts of an export whose transaction did not commit. */
  begin(): void {
    this.pending.clear();
  }

  /** A newly stored span (a span stored again adds nothing: its calls were counted once). */
  noteSpan(c: CanonicalSpan): void {
    this.noteFacts(c.traceId, spanFleetFactsOf(c, true));
  }

  /** The facts of a newly stored span, as spanFleetFactsOf read them (possibly on another thread). */
  noteFacts(traceId: string, facts: SpanFleetFacts | undefined): void {
    if (!facts) return;
    let f = this.pending.get(traceId);
    if (!f) this.pending.set(traceId, (f = { attrs: new Map(), members: new Map(), resource: null }));
    for (const [key, value, source] of facts.attrs) note(f, key, value, source);
    for (const [dimension, value] of facts.members) count(f, dimension, value);
  }

  /** Writes the collected facts (inside the caller's transaction) and forgets them. */
  flush(): void {
    if (this.pending.size === 0) return;
    try {
      const { existing, upsertAttr, addMember, repackMembers } = this.prepared();
      for (const [traceId, f] of this.pending) {
        if (f.attrs.size > 0) {
          const stored = new Map((existing.all(traceId) as [string, number][]).map(([k, s]) => [k, s]));
          let room = MAX_ATTRIBUTES_PER_TRACE - stored.size;
          // Batch keys first, then root span, resource and baggage attributes, while there is room.
          for (const [key, { value, source }] of [...f.attrs].sort((a, b) => a[1].source - b[1].source)) {
            if (stored.has(key)) {
              if (source < (stored.get(key) as number)) upsertAttr.run(traceId, key, value, source);
            } else if (room > 0) {
              upsertAttr.run(traceId, key, value, source);
              room--;
            }
          }
        }
        for (const [dimension, values] of f.members) for (const [value, calls] of values) addMember.run(traceId, dimension, value, calls);
        if (f.members.size > 0) repackMembers.run({ id: traceId });
      }
    } finally {
      this.pending.clear();
    }
  }
}

function note(f: TraceFacts, key: string, value: AttrValue | undefined, source: Source): void {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) return;
  const text = scalarText(value);
  if (text === null) return;
  const had = f.attrs.get(key);
  if (had && had.source <= source) return;
  if (!had && f.attrs.size >= MAX_ATTRIBUTES_PER_TRACE * 2) return; // bounded before the write even sees it
  f.attrs.set(key, { value: text, source });
}

function count(f: TraceFacts, dimension: 'agent' | 'tool' | 'model', value: string): void {
  if (value.length > MAX_VALUE_LENGTH) return;
  let values = f.members.get(dimension);
  if (!values) f.members.set(dimension, (values = new Map()));
  if (!values.has(value) && values.size >= MAX_MEMBERS_PER_DIMENSION) return;
  values.set(value, (values.get(value) ?? 0) + 1);
}

/** Schema v5: the tables, the cleanup trigger, and the facts of every trace stored before. */
export function createFleetTables(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS trace_attrs (
      trace_id TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      source INTEGER NOT NULL,         -- 0 batch key, 1 root span, 2 resource, 3 baggage-style key on another span
      PRIMARY KEY (trace_id, key)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS trace_attrs_value ON trace_attrs(key, value);
    CREATE TABLE IF NOT EXISTS trace_members (
      trace_id TEXT NOT NULL,
      dimension TEXT NOT NULL,         -- agent | tool | model
      value TEXT NOT NULL,
      calls INTEGER NOT NULL,
      PRIMARY KEY (trace_id, dimension, value)
    ) WITHOUT ROWID;
    -- traces rows are replaced (INSERT OR REPLACE) on every write: without recursive_triggers a
    -- REPLACE fires no delete trigger, so only real deletes (retention, delete, clear) clean up.
    CREATE TRIGGER IF NOT EXISTS traces_fleet_cleanup AFTER DELETE ON traces BEGIN
      DELETE FROM trace_attrs WHERE trace_id = old.trace_id;
      DELETE FROM trace_members WHERE trace_id = old.trace_id;
    END;
  `);
  // FleetFacts.flush repacks into trace_fleet (v10, which repacks every trace again after this).
  db.exec(FLEET_ROW_TABLE);
  backfillFleetFacts(db);
}

/** Reads every stored span once (in id order, 5,000 at a time) into the same facts as ingest. */
export function backfillFleetFacts(db: Db): void {
  const facts = new FleetFacts(db);
  // Two row formats: a whole CanonicalSpan (res_id NULL, rows written before schema v5), or a
  // compact raw span with its resource in span_resources, normalized again here (the facts need
  // the agent, tool and model; prices do not matter to them, so no overrides).
  const page = db.prepare(
    `SELECT s.id, ${DOC_COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')}, r.doc AS res_doc FROM spans s ` +
      'LEFT JOIN span_resources r ON r.id = s.res_id WHERE s.id > ? ORDER BY s.id LIMIT 5000',
  );
  let after = 0;
  for (;;) {
    const rows = page.all(after) as (SpanDocRow & { id: number; res_doc: string | null })[];
    if (rows.length === 0) break;
    for (const row of rows) {
      after = row.id;
      try {
        const c = row.res_id === null || row.res_doc === null ? (JSON.parse(row.doc) as CanonicalSpan) : canonicalize(rawFromCompact(row, parseResourceDoc(row.res_doc)));
        facts.noteSpan(c);
      } catch {
        // an unreadable document adds no facts; the trace still lists
      }
    }
    facts.flush();
  }
}

const packedMembers = (id: string) =>
  `(SELECT group_concat(m.dimension || char(31) || m.value || char(31) || m.calls, char(30)) FROM trace_members m WHERE m.trace_id = ${id})`;
const packedChecks = (id: string) => `(SELECT group_concat(c.check_name || char(31) || c.outcome, char(30)) FROM check_results c WHERE c.trace_id = ${id})`;
const packed = (column: 'members' | 'checks', id: string) => (column === 'members' ? packedMembers(id) : packedChecks(id));

/**
 * Repacks one trace's list from its rows after they were added or changed (run with { id }):
 * FleetFacts.flush after a trace's members, TraceStore after its check results. Once per trace
 * and write, not per row: a trigger per inserted row cost ingest a third more CPU.
 */
export const REPACK_SQL = {
  members: `INSERT INTO trace_fleet (trace_id, members) VALUES (@id, ${packedMembers('@id')}) ON CONFLICT (trace_id) DO UPDATE SET members = excluded.members`,
  checks: `INSERT INTO trace_fleet (trace_id, checks) VALUES (@id, ${packedChecks('@id')}) ON CONFLICT (trace_id) DO UPDATE SET checks = excluded.checks`,
} as const;

const FLEET_ROW_TABLE = `CREATE TABLE IF NOT EXISTS trace_fleet (
      trace_id TEXT PRIMARY KEY,
      members TEXT,                    -- "dimension␟value␟calls" joined by ␞ (trace_members, primary key order)
      checks TEXT                      -- "check␟outcome" joined by ␞ (check_results, by check name)
    ) WITHOUT ROWID;`;

/**
 * Schema v10: one packed row per trace with what the fleet reads of its members and checks
 * (members "dimension␟value␟calls" and checks "check␟outcome", each joined by ␞), so a batch
 * of 100,000 runs is one join on the primary key instead of two grouped subqueries per run.
 * Rows added or changed are repacked by their writers (REPACK_SQL, inside the write's
 * transaction, the store worker's connection included); rows removed, by whatever path (a
 * check re-evaluated, a trace deleted, retention, clear), by a trigger that repacks the trace
 * and drops a row left with neither list. Existing traces are packed here.
 */
export function createFleetRowTable(db: Db): void {
  const onDelete = (table: string, column: 'members' | 'checks') =>
    `CREATE TRIGGER IF NOT EXISTS ${table}_fleet_delete AFTER DELETE ON ${table} BEGIN ` +
    `UPDATE trace_fleet SET ${column} = ${packed(column, 'old.trace_id')} WHERE trace_id = old.trace_id; ` +
    'DELETE FROM trace_fleet WHERE trace_id = old.trace_id AND members IS NULL AND checks IS NULL; END;';
  db.exec(`
    ${FLEET_ROW_TABLE}
    ${onDelete('trace_members', 'members')}
    ${onDelete('check_results', 'checks')}
    DELETE FROM trace_fleet;
    INSERT INTO trace_fleet (trace_id, members)
      SELECT trace_id, group_concat(dimension || char(31) || value || char(31) || calls, char(30)) FROM trace_members GROUP BY trace_id;
    INSERT INTO trace_fleet (trace_id, checks)
      SELECT trace_id, group_concat(check_name || char(31) || outcome, char(30)) FROM check_results WHERE true GROUP BY trace_id
      ON CONFLICT (trace_id) DO UPDATE SET checks = excluded.checks;
  `);
}

// ---------------------------------------------------------------------------------------------
// Reading

export type BatchRef = { kind: 'attribute'; key: string; value: string } | { kind: 'timeRange'; fromMs: number; toMs: number };

export interface BatchRow {
  key: string;
  value: string;
  runs: number;
  firstStartMs: number;
  lastStartMs: number;
}

type RunRow = [
  trace_id: string,
  name: string,
  start_ms: number,
  duration_ms: number,
  input_tokens: number | null,
  output_tokens: number | null,
  cost_usd: number | null,
  llm_calls: number,
  tool_calls: number,
  error_count: number,
  services: string,
  attr: string | null,
  /** "dimension␟value␟calls" joined by ␞ */
  members: string | null,
  /** "check␟outcome" joined by ␞ */
  checks: string | null,
];

const UNIT = '\u001f';
const RECORD = '\u001e';

interface Memberships {
  agents: string[];
  models: string[];
  tools: Map<string, number>;
}

/** Distinct packed lists parsed per read at most (runs mostly share a few; a batch of unique ones still parses each once). */
const MAX_PARSED_LISTS = 10_000;

/**
 * Rows of batchRuns as the fleet core's runs. Runs of a batch mostly share the same packed
 * member, check and service lists (the same agent, tools and checks), so each distinct list is
 * parsed once per read and its (read-only) result shared by the runs that have it: a run then
 * costs one object, not two Maps and three arrays.
 */
class RunReader {
  private readonly members = new Map<string, Memberships>();
  private readonly checks = new Map<string, Map<string, 'pass' | 'fail' | 'error'>>();
  private readonly services = new Map<string, string[]>();
  private static readonly NO_MEMBERS: Memberships = { agents: [], models: [], tools: new Map() };

  constructor(private readonly withAttribute: boolean) {}

  runOf(r: RunRow): FleetRun {
    const m = r[12] ? cached(this.members, r[12], parseMembers) : RunReader.NO_MEMBERS;
    // A run without agent names is its service's (an agent is gen_ai.agent.name, else service.name, as check scopes read it).
    const agents = m.agents.length > 0 ? m.agents : cached(this.services, r[10], (s) => JSON.parse(s) as string[]);
    return {
      traceId: r[0],
      name: r[1],
      startMs: r[2],
      durationMs: r[3],
      totalTokens: r[4] === null && r[5] === null ? null : (r[4] ?? 0) + (r[5] ?? 0),
      costUsd: r[6],
      llmCalls: r[7],
      toolCalls: r[8],
      errorCount: r[9],
      checks: r[13] ? cached(this.checks, r[13], parseChecks) : null,
      agents,
      models: m.models,
      tools: m.tools,
      attribute: this.withAttribute ? r[11] : null,
    };
  }
}

function cached<T>(parsed: Map<string, T>, text: string, parse: (text: string) => T): T {
  let value = parsed.get(text);
  if (value === undefined) {
    value = parse(text);
    if (parsed.size < MAX_PARSED_LISTS) parsed.set(text, value);
  }
  return value;
}

function parseMembers(packed: string): Memberships {
  const m: Memberships = { agents: [], models: [], tools: new Map() };
  for (const record of packed.split(RECORD)) {
    // By the first and last separator: a value may itself hold one (span content is untrusted).
    const first = record.indexOf(UNIT);
    const last = record.lastIndexOf(UNIT);
    const dimension = record.slice(0, first);
    const value = record.slice(first + 1, last);
    const calls = record.slice(last + 1);
    if (dimension === 'agent') m.agents.push(value);
    else if (dimension === 'model') m.models.push(value);
    else if (dimension === 'tool') m.tools.set(value, Number(calls));
  }
  return m;
}

function parseChecks(packed: string): Map<string, 'pass' | 'fail' | 'error'> {
  const checks = new Map<string, 'pass' | 'fail' | 'error'>();
  for (const record of packed.split(RECORD)) {
    const cut = record.lastIndexOf(UNIT);
    checks.set(record.slice(0, cut), record.slice(cut + 1) as 'pass' | 'fail' | 'error');
  }
  return checks;
}

/** The queries of the fleet view over the store's connection. */
export class FleetStore {
  private readonly statements = new Map<string, Database.Statement>();
  private chunks: FleetChunks | null = null;

  constructor(private readonly db: Db) {}

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /** Batches (a key and value shared by runs), the most recently active first. */
  listBatches(opts: { keys: readonly string[]; sinceMs?: number; limit: number }): BatchRow[] {
    const keys = JSON.stringify(opts.keys);
    const rows = this.stmt(
      'SELECT a.key, a.value, count(*), min(t.start_ms), max(t.start_ms) FROM trace_attrs a JOIN traces t ON t.trace_id = a.trace_id ' +
        'WHERE a.key IN (SELECT value FROM json_each(?)) GROUP BY a.key, a.value HAVING max(t.start_ms) >= ? ' +
        'ORDER BY max(t.start_ms) DESC, a.key, a.value LIMIT ?',
    )
      .raw()
      .all(keys, opts.sinceMs ?? -Number.MAX_SAFE_INTEGER, opts.limit) as [string, string, number, number, number][];
    return rows.map(([key, value, runs, firstStartMs, lastStartMs]) => ({ key, value, runs, firstStartMs, lastStartMs }));
  }

  /** The traces of a batch: the WHERE clause over traces `t`, and its arguments. */
  private batchWhere(ref: BatchRef): { sql: string; args: unknown[] } {
    if (ref.kind === 'attribute') {
      return { sql: 't.trace_id IN (SELECT trace_id FROM trace_attrs WHERE key = ? AND value = ?)', args: [ref.key, ref.value] };
    }
    return { sql: 't.start_ms BETWEEN ? AND ?', args: [ref.fromMs, ref.toMs] };
  }

  /**
   * The runs of a batch, newest first (equal start times in rowid order, as batchColumns), with
   * their group memberships and check outcomes, as the fleet core takes them (the row-by-row
   * reference the chunks are tested against). `groupAttribute` fills FleetRun.attribute. No span document is read.
   */
  batchRuns(ref: BatchRef, groupAttribute: string | null): FleetRun[] {
    const where = this.batchWhere(ref);
    // One statement (one consistent snapshot): each run's memberships and check outcomes come
    // packed by group_concat from their primary-key ranges, so SQLite, not JavaScript, does the
    // per-row work and no row object is built per membership or check.
    const rows = this.stmt(
      'SELECT t.trace_id, t.name, t.start_ms, t.duration_ms, t.input_tokens, t.output_tokens, t.cost_usd, t.llm_calls, t.tool_calls, ' +
        't.error_count, t.services, (SELECT g.value FROM trace_attrs g WHERE g.trace_id = t.trace_id AND g.key = ?), ' +
        'f.members, f.checks ' +
        `FROM traces t LEFT JOIN trace_fleet f ON f.trace_id = t.trace_id WHERE ${where.sql} ORDER BY t.start_ms DESC, t.rowid LIMIT ?`,
    )
      .raw()
      .all(groupAttribute ?? '', ...where.args, MAX_BATCH_RUNS) as RunRow[];
    const reader = new RunReader(groupAttribute !== null);
    return rows.map((r) => reader.runOf(r));
  }

  /**
   * The runs of a batch as columns, newest first, from the columnar chunks (fleetChunks.ts):
   * what batchRuns reads, at a hundredth of the reads. The fleet view and compare use this.
   */
  batchColumns(ref: BatchRef, groupAttribute: string | null): FleetColumns {
    return this.batchesColumns([ref], groupAttribute)[0];
  }

  /** Drops the decoded chunks this connection keeps, so the next read reads every blob (the bench's cold figure). */
  forgetChunks(): void {
    this.chunks?.forget();
  }

  /** Several batches' columns from one read of the chunks (one snapshot: batch against batch). */
  batchesColumns(refs: readonly BatchRef[], groupAttribute: string | null): FleetColumns[] {
    this.chunks ??= new FleetChunks(this.db);
    const chunks = this.chunks.read();
    return refs.map((ref) => batchColumnsOf(chunks, ref, groupAttribute, MAX_BATCH_RUNS));
  }

  /** The grouping attributes stored for a trace (tests, and the CLI's hints). */
  attributesOf(traceId: string): Record<string, string> {
    const rows = this.stmt('SELECT key, value FROM trace_attrs WHERE trace_id = ? ORDER BY key').raw().all(traceId) as [string, string][];
    return Object.fromEntries(rows);
  }

  /** Attribute keys stored on the runs of a batch, the most common first (what a user may group by). */
  attributeKeys(ref: BatchRef, limit = 50): string[] {
    const where = this.batchWhere(ref);
    return this.stmt(`SELECT a.key FROM trace_attrs a JOIN traces t ON t.trace_id = a.trace_id WHERE ${where.sql} GROUP BY a.key ORDER BY count(*) DESC, a.key LIMIT ?`)
      .pluck()
      .all(...where.args, limit) as string[];
  }
}
