// The fleet's columnar store (schema v12, issue 11's "aggregates over 100,000 stored traces
// answer in < 300 ms"): what the fleet reads of every trace, kept in chunks of 1,024 trace rows
// (by rowid), each chunk one blob of typed columns with its text dictionary-encoded. A batch
// of 100,000 runs is then ~100 blob reads instead of 100,000 rows joined with two other tables.
//
// The chunks are derived data, never the source of truth (traces, trace_fleet and trace_attrs
// stay that). Triggers mark a chunk stale (fleet_stale, with a generation that every mark bumps)
// whenever a trace row of its rowid range is written, replaced or deleted, or the trace's packed
// check outcomes change; a read rebuilds the stale chunks from those tables in its own
// snapshot and, on a writable connection, stores a rebuilt chunk only if its generation did not
// move meanwhile (a write in between leaves it stale for the next read). Attributes and members
// need no trigger: trace_attrs and trace_members rows (and the members repack) are written only
// in the transaction that rewrites their trace's row (FleetFacts.flush, at the end of an
// export), or removed with it; each trigger costs every ingested trace, so there are no more.
// Since schema v13 a trace's row is updated in place (or inserted) and keeps its rowid across exports
// (rows written by REPLACE before kept the rowid of their last write), so the chunks that change
// while runs arrive are the newest. Ingest marks the chunks of the rows it writes from
// application code, one statement per distinct chunk per transaction (TraceStore.writeSummary,
// FLEET_CHUNK_MARK), because a trigger on traces or trace_fleet costs every written trace (v13
// drops v12's insert/update/replace triggers on traces and the insert one on trace_fleet; the
// check writers mark their trace's chunk, FLEET_TRACE_MARK); deletes (delete, retention, clear)
// and check outcomes changed by a removal, the rare paths, keep their triggers.
import type Database from 'better-sqlite3';
import type { CheckOutcome, FleetColumns, FleetRun, MemberSet } from '../core/fleet';
import { stableOrderByValue } from '../core/fleet/compare';

type Db = Database.Database;

/** A chunk holds the trace rows with rowid >> CHUNK_BITS equal to its number. */
export const CHUNK_BITS = 10;
const FORMAT = 0x464c3131; // "FL11": the layout below; a blob of another format is rebuilt
const NONE = 0xffffffff;
const HEADER_WORDS = 8;
const NUMBER_COLUMNS = 8; // rowid, startMs, durationMs, totalTokens, costUsd, llmCalls, toolCalls, errorCount
const TEXT_COLUMNS = 5; // traceId, name, members, checks, services

const mark = (chunk: string) => `INSERT INTO fleet_stale (chunk, gen) VALUES (${chunk}, 1) ON CONFLICT (chunk) DO UPDATE SET gen = gen + 1;`;
// The trace's chunk by a scalar subquery (INSERT … SELECT … ON CONFLICT cost ingest three times
// as much); a trace not stored yet marks the placeholder chunk −1, which reads skip.
const markTrace = (traceId: string) =>
  `INSERT INTO fleet_stale (chunk, gen) VALUES (coalesce((SELECT rowid >> ${CHUNK_BITS} FROM traces WHERE trace_id = ${traceId}), -1), 1) ON CONFLICT (chunk) DO UPDATE SET gen = gen + 1;`;

/** Marks one chunk stale (its number bound): what ingest runs once per distinct chunk it wrote. */
export const FLEET_CHUNK_MARK = mark('?');

/** Marks the chunk of one stored trace (its id bound): what the check writers run after repacking its outcomes. */
export const FLEET_TRACE_MARK = markTrace('?');

/** The chunk of a trace row's rowid. */
export const chunkOfRowid = (rowid: number): number => Math.floor(rowid / 2 ** CHUNK_BITS);

/**
 * Schema v13: trace rows are updated in place (a trace keeps its rowid) and ingest marks their chunks
 * itself, so the triggers that made every written trace pay for a mark go: the BEFORE INSERT one
 * (a lookup of the row a REPLACE removed, about +20% of the store step with an empty body alone)
 * and the AFTER INSERT/UPDATE ones; and the AFTER INSERT on trace_fleet, which ran (its WHEN
 * inside the trigger program) for every new trace's members row: the check writers mark their
 * trace's chunk themselves (FLEET_TRACE_MARK). The delete trigger on traces (delete, retention,
 * clear) and the one on updates of trace_fleet.checks (results removed by any path) stay.
 */
export function dropFleetChunkWriteTriggers(db: Db): void {
  db.exec(`
    DROP TRIGGER IF EXISTS traces_fleet_chunk_replaced;
    DROP TRIGGER IF EXISTS traces_fleet_chunk_insert;
    DROP TRIGGER IF EXISTS traces_fleet_chunk_update;
    DROP TRIGGER IF EXISTS trace_fleet_chunk_insert;
  `);
}

/** Schema v12: the chunk tables, the triggers that mark chunks stale, and every existing trace's chunk marked (the first read builds them). */
export function createFleetChunkTables(db: Db): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS fleet_chunks (
      chunk INTEGER PRIMARY KEY,       -- traces.rowid >> ${CHUNK_BITS}
      built INTEGER NOT NULL,          -- unique per stored blob (max + 1): a reader keeps a decoded chunk while it is unchanged
      data BLOB NOT NULL               -- encodeChunk's layout
    );
    CREATE TABLE IF NOT EXISTS fleet_stale (
      chunk INTEGER PRIMARY KEY,
      gen INTEGER NOT NULL             -- bumped by every mark: a rebuild is stored only if it did not move
    );
    -- A REPLACE deletes the old row without a delete trigger (no recursive_triggers): its chunk is marked first.
    CREATE TRIGGER IF NOT EXISTS traces_fleet_chunk_replaced BEFORE INSERT ON traces BEGIN ${markTrace('new.trace_id')} END;
    CREATE TRIGGER IF NOT EXISTS traces_fleet_chunk_insert AFTER INSERT ON traces BEGIN ${mark(`new.rowid >> ${CHUNK_BITS}`)} END;
    CREATE TRIGGER IF NOT EXISTS traces_fleet_chunk_update AFTER UPDATE ON traces BEGIN ${mark(`old.rowid >> ${CHUNK_BITS}`)} ${mark(`new.rowid >> ${CHUNK_BITS}`)} END;
    CREATE TRIGGER IF NOT EXISTS traces_fleet_chunk_delete AFTER DELETE ON traces BEGIN ${mark(`old.rowid >> ${CHUNK_BITS}`)} END;
    -- Members are repacked only with their trace's row (marked above); check outcomes change alone.
    CREATE TRIGGER IF NOT EXISTS trace_fleet_chunk_insert AFTER INSERT ON trace_fleet WHEN new.checks IS NOT NULL BEGIN ${markTrace('new.trace_id')} END;
    CREATE TRIGGER IF NOT EXISTS trace_fleet_chunk_update AFTER UPDATE OF checks ON trace_fleet BEGIN ${markTrace('new.trace_id')} END;
    DELETE FROM fleet_chunks;
    INSERT INTO fleet_stale (chunk, gen) SELECT DISTINCT rowid >> ${CHUNK_BITS}, 1 FROM traces WHERE true ON CONFLICT (chunk) DO UPDATE SET gen = gen + 1;
  `);
}

// ---------------------------------------------------------------------------------------------
// The blob

/** One trace row as a chunk holds it. */
/** A trace row as a chunk holds it: the run's summary figures (as core's FleetRun has them) plus its stored text. */
export interface ChunkRow extends Pick<FleetRun, 'traceId' | 'name' | 'startMs' | 'durationMs' | 'totalTokens' | 'costUsd' | 'llmCalls' | 'toolCalls' | 'errorCount'> {
  rowid: number;
  /** JSON array of service names (traces.services). */
  services: string;
  /** Packed as trace_fleet holds them ("dimension␟value␟calls" / "check␟outcome" joined by ␞). */
  members: string | null;
  checks: string | null;
  attributes: [key: string, value: string][];
}

/**
 * Layout (little-endian): 8 header words (format, rows, strings, attribute keys, attribute
 * pairs, string bytes, 0, 0); the number columns as float64 (NaN: null); the text columns as
 * uint32 string ids (0xffffffff: null); the attributes as keys (string ids), each key's start in
 * the pairs, and the pairs (row, value string id); the string table (offsets, then UTF-8 bytes).
 */
export function encodeChunk(rows: readonly ChunkRow[]): Buffer {
  const n = rows.length;
  const strings: string[] = [];
  const ids = new Map<string, number>();
  const idOf = (s: string | null): number => {
    if (s === null) return NONE;
    let id = ids.get(s);
    if (id === undefined) ids.set(s, (id = strings.push(s) - 1));
    return id;
  };
  const numbers = new Float64Array(NUMBER_COLUMNS * n);
  const text = new Uint32Array(TEXT_COLUMNS * n);
  const byKey = new Map<number, [row: number, value: number][]>();
  rows.forEach((r, i) => {
    const nums = [r.rowid, r.startMs, r.durationMs, r.totalTokens ?? Number.NaN, r.costUsd ?? Number.NaN, r.llmCalls, r.toolCalls, r.errorCount];
    for (let c = 0; c < NUMBER_COLUMNS; c++) numbers[c * n + i] = nums[c];
    const texts = [r.traceId, r.name, r.members, r.checks, r.services];
    for (let c = 0; c < TEXT_COLUMNS; c++) text[c * n + i] = idOf(texts[c]);
    for (const [key, value] of r.attributes) {
      const k = idOf(key);
      let pairs = byKey.get(k);
      if (!pairs) byKey.set(k, (pairs = []));
      pairs.push([i, idOf(value)]);
    }
  });
  const keys = [...byKey.keys()];
  const pairs = keys.flatMap((k) => byKey.get(k) as [number, number][]);
  const keyStart = new Uint32Array(keys.length + 1);
  keys.forEach((k, j) => (keyStart[j + 1] = keyStart[j] + (byKey.get(k) as unknown[]).length));
  const encoded = strings.map((s) => Buffer.from(s, 'utf8'));
  const offsets = new Uint32Array(strings.length + 1);
  encoded.forEach((b, j) => (offsets[j + 1] = offsets[j] + b.length));
  const header = Uint32Array.of(FORMAT, n, strings.length, keys.length, pairs.length, offsets[strings.length], 0, 0);
  return Buffer.concat([
    u8(header),
    u8(numbers),
    u8(text),
    u8(Uint32Array.from(keys)),
    u8(keyStart),
    u8(Uint32Array.from(pairs, (p) => p[0])),
    u8(Uint32Array.from(pairs, (p) => p[1])),
    u8(offsets),
    ...encoded,
  ]);
}

const u8 = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Attribute columns a decoded chunk keeps (group-by and batch keys a user asked for). */
const MAX_KEYS_KEPT = 16;

/** A chunk read back: typed views over one copy of the blob; strings decoded on demand, once. */
export class Chunk {
  readonly rows: number;
  /** Distinct strings in the chunk (string ids are below this). */
  readonly strings: number;
  readonly rowid: Float64Array;
  readonly startMs: Float64Array;
  readonly durationMs: Float64Array;
  readonly totalTokens: Float64Array;
  readonly costUsd: Float64Array;
  readonly llmCalls: Float64Array;
  readonly toolCalls: Float64Array;
  readonly errorCount: Float64Array;
  readonly traceId: Uint32Array;
  readonly name: Uint32Array;
  readonly members: Uint32Array;
  readonly checks: Uint32Array;
  readonly services: Uint32Array;
  private readonly keys: Uint32Array;
  private readonly keyStart: Uint32Array;
  private readonly pairRow: Uint32Array;
  private readonly pairValue: Uint32Array;
  private readonly offsets: Uint32Array;
  private readonly bytes: Buffer;
  private readonly decoded: (string | undefined)[];
  private readonly byKey = new Map<string, Uint32Array | null>();

  constructor(blob: Uint8Array) {
    // Typed views need aligned offsets: one copy into a fresh buffer.
    const buffer = new ArrayBuffer(blob.byteLength);
    new Uint8Array(buffer).set(blob);
    const header = new Uint32Array(buffer, 0, HEADER_WORDS);
    if (header[0] !== FORMAT) throw new Error('fleet chunk of an unknown format');
    const [, n, strings, keys, pairs] = header;
    this.rows = n;
    this.strings = strings;
    let at = HEADER_WORDS * 4;
    const f64 = () => {
      const a = new Float64Array(buffer, at, n);
      at += 8 * n;
      return a;
    };
    const u32 = (length: number) => {
      const a = new Uint32Array(buffer, at, length);
      at += 4 * length;
      return a;
    };
    [this.rowid, this.startMs, this.durationMs, this.totalTokens, this.costUsd, this.llmCalls, this.toolCalls, this.errorCount] = Array.from({ length: NUMBER_COLUMNS }, f64);
    [this.traceId, this.name, this.members, this.checks, this.services] = Array.from({ length: TEXT_COLUMNS }, () => u32(n));
    this.keys = u32(keys);
    this.keyStart = u32(keys + 1);
    this.pairRow = u32(pairs);
    this.pairValue = u32(pairs);
    this.offsets = u32(strings + 1);
    this.bytes = Buffer.from(buffer, at, header[5]);
    this.decoded = new Array(strings);
  }

  string(id: number): string {
    return (this.decoded[id] ??= this.bytes.toString('utf8', this.offsets[id], this.offsets[id + 1]));
  }

  /** Per row, the string id of the attribute `key`'s value, NONE where the row has none; null when no row has it (kept per key). */
  attribute(key: string): Uint32Array | null {
    let values = this.byKey.get(key);
    if (values !== undefined) return values;
    values = null;
    for (let j = 0; j < this.keys.length && values === null; j++) {
      if (this.string(this.keys[j]) !== key) continue;
      values = new Uint32Array(this.rows).fill(NONE);
      for (let p = this.keyStart[j]; p < this.keyStart[j + 1]; p++) values[this.pairRow[p]] = this.pairValue[p];
    }
    if (this.byKey.size < MAX_KEYS_KEPT) this.byKey.set(key, values);
    return values;
  }
}

// ---------------------------------------------------------------------------------------------
// Building and reading

export type ChunkBatchRef = { kind: 'attribute'; key: string; value: string } | { kind: 'timeRange'; fromMs: number; toMs: number };

const ROWS_SQL =
  'SELECT t.rowid, t.trace_id, t.name, t.start_ms, t.duration_ms, t.input_tokens, t.output_tokens, t.cost_usd, t.llm_calls, t.tool_calls, t.error_count, t.services, ' +
  'f.members, f.checks, (SELECT json_group_array(json_array(a.key, a.value)) FROM trace_attrs a WHERE a.trace_id = t.trace_id) ' +
  'FROM traces t LEFT JOIN trace_fleet f ON f.trace_id = t.trace_id WHERE t.rowid >= ? AND t.rowid < ? ORDER BY t.rowid';

type RowTuple = [number, string, string, number, number, number | null, number | null, number | null, number, number, number, string, string | null, string | null, string];

/** A chunk's rows from the source tables. */
function rowsOfChunk(statement: Database.Statement, chunk: number): ChunkRow[] {
  const rows = statement.all(chunk * 2 ** CHUNK_BITS, (chunk + 1) * 2 ** CHUNK_BITS) as RowTuple[];
  return rows.map((r) => ({
    rowid: r[0],
    traceId: r[1],
    name: r[2],
    startMs: r[3],
    durationMs: r[4],
    totalTokens: r[5] === null && r[6] === null ? null : (r[5] ?? 0) + (r[6] ?? 0),
    costUsd: r[7],
    llmCalls: r[8],
    toolCalls: r[9],
    errorCount: r[10],
    services: r[11],
    members: r[12],
    checks: r[13],
    attributes: JSON.parse(r[14]) as [string, string][],
  }));
}

/** The chunks of the store (stale ones rebuilt, and stored when the connection may write). */
export class FleetChunks {
  private readonly statements: Record<'stale' | 'listing' | 'data' | 'rows' | 'claim' | 'put' | 'drop', Database.Statement>;
  /**
   * Decoded chunks by number, with the `built` value of the blob they came from: a chunk is read
   * and decoded again only when its blob changed (about 200 bytes a trace, 20 MB for 100,000).
   */
  private readonly decoded = new Map<number, { built: number; chunk: Chunk }>();

  constructor(private readonly db: Db) {
    const prepare = (sql: string) => db.prepare(sql);
    this.statements = {
      stale: prepare('SELECT chunk, gen FROM fleet_stale WHERE chunk >= 0 ORDER BY chunk').raw(),
      listing: prepare('SELECT chunk, built FROM fleet_chunks ORDER BY chunk').raw(),
      data: prepare('SELECT data FROM fleet_chunks WHERE chunk = ?').pluck(),
      rows: prepare(ROWS_SQL).raw(),
      claim: prepare('DELETE FROM fleet_stale WHERE chunk = ? AND gen = ?'),
      put: prepare('INSERT OR REPLACE INTO fleet_chunks (chunk, built, data) VALUES (?, (SELECT coalesce(max(built), 0) + 1 FROM fleet_chunks), ?) RETURNING built').pluck(),
      drop: prepare('DELETE FROM fleet_chunks WHERE chunk = ?'),
    };
  }

  /** Forgets the decoded chunks (the bench's first-read figure; tests). */
  forget(): void {
    this.decoded.clear();
  }

  /** Every chunk with a row, in rowid order, as of one snapshot. */
  read(): Chunk[] {
    const { stale, listing, data, rows } = this.statements;
    const snapshot = this.db.transaction(() => {
      const marks = stale.all() as [number, number][];
      const staleChunks = new Set(marks.map(([chunk]) => chunk));
      const stored: { chunk: number; built: number; blob: Buffer | null }[] = [];
      for (const [chunk, built] of listing.all() as [number, number][]) {
        if (staleChunks.has(chunk)) continue;
        const kept = this.decoded.get(chunk);
        stored.push({ chunk, built, blob: kept?.built === built ? null : (data.get(chunk) as Buffer) });
      }
      const rebuilt = marks.map(([chunk, gen]) => ({ chunk, gen, blob: encodeChunk(rowsOfChunk(rows, chunk)) }));
      return { stored, rebuilt };
    });
    const { stored, rebuilt } = snapshot();
    const builtOf = rebuilt.length > 0 && !this.db.readonly ? this.store(rebuilt) : new Map<number, number>();
    const out: { chunk: number; decoded: Chunk }[] = [];
    const keep = new Set<number>();
    for (const { chunk, built, blob } of stored) {
      keep.add(chunk);
      const decoded = blob === null ? (this.decoded.get(chunk) as { chunk: Chunk }).chunk : this.decode(chunk, blob);
      if (blob !== null) this.decoded.set(chunk, { built, chunk: decoded });
      out.push({ chunk, decoded });
    }
    for (const { chunk, blob } of rebuilt) {
      const decoded = this.decode(chunk, blob);
      const built = builtOf.get(chunk);
      if (built !== undefined) {
        keep.add(chunk);
        this.decoded.set(chunk, { built, chunk: decoded });
      }
      out.push({ chunk, decoded });
    }
    for (const chunk of this.decoded.keys()) if (!keep.has(chunk)) this.decoded.delete(chunk);
    return out.sort((a, b) => a.chunk - b.chunk).map((c) => c.decoded).filter((c) => c.rows > 0);
  }

  private decode(chunk: number, blob: Buffer): Chunk {
    try {
      return new Chunk(blob);
    } catch {
      return new Chunk(encodeChunk(rowsOfChunk(this.statements.rows, chunk))); // an unreadable blob: read from the source
    }
  }

  /**
   * Stores rebuilt chunks whose generation did not move since they were read (else they stay
   * stale); their `built` values. A transaction per chunk (a blob of ~200 KB), so another
   * process's writer (a server ingesting while the CLI reads) waits a few ms at most, never the
   * whole store; the first busy or read-only failure leaves that chunk and the rest stale for the
   * next read.
   */
  private store(rebuilt: { chunk: number; gen: number; blob: Buffer }[]): Map<number, number> {
    const { claim, put, drop } = this.statements;
    const built = new Map<number, number>();
    const storeOne = this.db.transaction(({ chunk, gen, blob }: { chunk: number; gen: number; blob: Buffer }) => {
      if (claim.run(chunk, gen).changes === 0) return;
      if (new Uint32Array(blob.buffer, blob.byteOffset, 2)[1] === 0) drop.run(chunk);
      else built.set(chunk, put.get(chunk, blob) as number);
    });
    for (const r of rebuilt) {
      try {
        storeOne.immediate(r);
      } catch {
        built.delete(r.chunk); // busy, or read-only after all: stale until a later read
        break;
      }
    }
    return built;
  }
}

// ---------------------------------------------------------------------------------------------
// A batch's columns

const UNIT = '\u001f';
const RECORD = '\u001e';

function parseMembers(packed: string | null, services: string): MemberSet {
  const m = { agents: [] as string[], models: [] as string[], tools: new Map<string, number>() };
  if (packed) {
    for (const record of packed.split(RECORD)) {
      // By the first and last separator: a value may itself hold one (span content is untrusted).
      const first = record.indexOf(UNIT);
      const last = record.lastIndexOf(UNIT);
      const dimension = record.slice(0, first);
      const value = record.slice(first + 1, last);
      if (dimension === 'agent') m.agents.push(value);
      else if (dimension === 'model') m.models.push(value);
      else if (dimension === 'tool') m.tools.set(value, Number(record.slice(last + 1)));
    }
  }
  // A run without agent names is its service's (an agent is gen_ai.agent.name, else service.name, as check scopes read it).
  if (m.agents.length === 0) m.agents = JSON.parse(services) as string[];
  return m;
}

function parseChecks(packed: string): Map<string, CheckOutcome> {
  const checks = new Map<string, CheckOutcome>();
  for (const record of packed.split(RECORD)) {
    const cut = record.lastIndexOf(UNIT);
    checks.set(record.slice(0, cut), record.slice(cut + 1) as CheckOutcome);
  }
  return checks;
}

/** Runs of a batch read at most (the newest). */
export const MAX_CHUNK_BATCH_RUNS = 250_000;

/**
 * The runs of a batch as columns, newest first (start time descending, then rowid ascending:
 * the order of the traces_recent index), at most `limit`; `groupAttribute` fills the attribute
 * column. Memberships, check outcomes and attribute values are parsed once per distinct text.
 */
export function batchColumnsOf(chunks: readonly Chunk[], ref: ChunkBatchRef, groupAttribute: string | null, limit = MAX_CHUNK_BATCH_RUNS): FleetColumns {
  let total = 0;
  for (const c of chunks) total += c.rows;
  // The batch's rows in rowid order, chunk by chunk: their numbers and their shared sets' numbers.
  const rows = new SelectedRows(total);
  const shared = new SharedSets();
  for (const c of chunks) {
    const groupValues = groupAttribute === null ? null : c.attribute(groupAttribute);
    const starts = c.startMs;
    const sets = shared.forChunk(c);
    if (ref.kind === 'timeRange') {
      for (let r = 0; r < c.rows; r++) if (starts[r] >= ref.fromMs && starts[r] <= ref.toMs) rows.take(c, r, sets, groupValues);
      continue;
    }
    const values = ref.key === groupAttribute ? groupValues : c.attribute(ref.key);
    if (!values) continue;
    // Per string id: 1 the batch's value, 2 another (decided once per distinct value).
    const match = new Uint8Array(c.strings);
    for (let r = 0; r < c.rows; r++) {
      const v = values[r];
      if (v === NONE) continue;
      if (match[v] === 0) match[v] = c.string(v) === ref.value ? 1 : 2;
      if (match[v] === 1) rows.take(c, r, sets, groupValues);
    }
  }
  // Newest first: a stable order by −start over the rows in rowid order.
  const n = rows.n;
  const positions = new Uint32Array(n);
  for (let j = 0; j < n; j++) positions[j] = j;
  const negStart = rows.startMs.subarray(0, n).map((s) => -s);
  const order = stableOrderByValue(negStart, positions).subarray(0, limit);
  return rows.columns(order, shared);
}

/** Distinct memberships, check outcome sets and attribute values across chunks, each parsed once; per chunk, its string ids → their numbers. */
class SharedSets {
  readonly memberSets: MemberSet[] = [];
  readonly checkSets: (Map<string, CheckOutcome> | null)[] = [null];
  readonly attributeValues: string[] = [];
  /** By packed members, then services (the texts are the chunks' kept strings, so their hashes are computed once). */
  private readonly memberIds = new Map<string | null, Map<string, number>>();
  private readonly checkIds = new Map<string, number>([['', 0]]);
  private readonly valueIds = new Map<string, number>();

  forChunk(c: Chunk): ChunkSets {
    return new ChunkSets(c, this);
  }

  memberSetOf(packed: string | null, services: string): number {
    let byServices = this.memberIds.get(packed);
    if (!byServices) this.memberIds.set(packed, (byServices = new Map()));
    let id = byServices.get(services);
    if (id === undefined) byServices.set(services, (id = this.memberSets.push(parseMembers(packed, services)) - 1));
    return id;
  }

  checkSetOf(packed: string): number {
    let id = this.checkIds.get(packed);
    if (id === undefined) this.checkIds.set(packed, (id = this.checkSets.push(parseChecks(packed)) - 1));
    return id;
  }

  valueOf(text: string): number {
    let id = this.valueIds.get(text);
    if (id === undefined) this.valueIds.set(text, (id = this.attributeValues.push(text) - 1));
    return id;
  }
}

class ChunkSets {
  /** By (members, services) string id pair: members and services together decide a run's memberships (services stand in for missing agents). */
  private readonly members = new Map<number, number>();
  /** By string id (the last slot: no checks); −1 until seen. */
  private readonly checks: Int32Array;
  private readonly values: Int32Array;

  constructor(
    private readonly c: Chunk,
    private readonly shared: SharedSets,
  ) {
    this.checks = new Int32Array(c.strings + 1).fill(-1);
    this.values = new Int32Array(c.strings).fill(-1);
  }

  memberSet(r: number): number {
    const c = this.c;
    // (A chunk has far fewer than 2^24 strings: the pair fits one safe integer.)
    const key = (c.members[r] === NONE ? 0 : c.members[r] + 1) * 0x1000000 + c.services[r];
    let set = this.members.get(key);
    if (set === undefined) {
      set = this.shared.memberSetOf(c.members[r] === NONE ? null : c.string(c.members[r]), c.string(c.services[r]));
      this.members.set(key, set);
    }
    return set;
  }

  checkSet(r: number): number {
    const id = this.c.checks[r];
    const slot = id === NONE ? this.c.strings : id;
    if (this.checks[slot] < 0) this.checks[slot] = this.shared.checkSetOf(id === NONE ? '' : this.c.string(id));
    return this.checks[slot];
  }

  value(v: number): number {
    if (v === NONE) return -1;
    if (this.values[v] < 0) this.values[v] = this.shared.valueOf(this.c.string(v));
    return this.values[v];
  }
}

/** The rows a batch selected, in rowid order, as flat columns; then permuted into the batch's order. */
class SelectedRows {
  n = 0;
  readonly startMs: Float64Array;
  private readonly durationMs: Float64Array;
  private readonly totalTokens: Float64Array;
  private readonly costUsd: Float64Array;
  private readonly llmCalls: Float64Array;
  private readonly toolCalls: Float64Array;
  private readonly errorCount: Float64Array;
  private readonly memberSet: Uint32Array;
  private readonly checkSet: Uint32Array;
  private readonly attribute: Int32Array;
  private readonly chunkOf: Chunk[] = [];
  private readonly rowOf: Uint32Array;

  constructor(capacity: number) {
    const numbers = () => new Float64Array(capacity);
    this.startMs = numbers();
    this.durationMs = numbers();
    this.totalTokens = numbers();
    this.costUsd = numbers();
    this.llmCalls = numbers();
    this.toolCalls = numbers();
    this.errorCount = numbers();
    this.memberSet = new Uint32Array(capacity);
    this.checkSet = new Uint32Array(capacity);
    this.attribute = new Int32Array(capacity);
    this.rowOf = new Uint32Array(capacity);
  }

  take(c: Chunk, r: number, sets: ChunkSets, groupValues: Uint32Array | null): void {
    const j = this.n++;
    this.startMs[j] = c.startMs[r];
    this.durationMs[j] = c.durationMs[r];
    this.totalTokens[j] = c.totalTokens[r];
    this.costUsd[j] = c.costUsd[r];
    this.llmCalls[j] = c.llmCalls[r];
    this.toolCalls[j] = c.toolCalls[r];
    this.errorCount[j] = c.errorCount[r];
    this.memberSet[j] = sets.memberSet(r);
    this.checkSet[j] = sets.checkSet(r);
    this.attribute[j] = groupValues ? sets.value(groupValues[r]) : -1;
    this.chunkOf[j] = c;
    this.rowOf[j] = r;
  }

  columns(order: Uint32Array, shared: SharedSets): FleetColumns {
    const permuted = <T extends Float64Array | Uint32Array | Int32Array>(from: T, to: T): T => {
      for (let i = 0; i < order.length; i++) to[i] = from[order[i]];
      return to;
    };
    const n = order.length;
    const { chunkOf, rowOf } = this;
    return {
      length: n,
      traceIdOf: (i) => chunkOf[order[i]].string(chunkOf[order[i]].traceId[rowOf[order[i]]]),
      nameOf: (i) => chunkOf[order[i]].string(chunkOf[order[i]].name[rowOf[order[i]]]),
      startMs: permuted(this.startMs, new Float64Array(n)),
      durationMs: permuted(this.durationMs, new Float64Array(n)),
      totalTokens: permuted(this.totalTokens, new Float64Array(n)),
      costUsd: permuted(this.costUsd, new Float64Array(n)),
      llmCalls: permuted(this.llmCalls, new Float64Array(n)),
      toolCalls: permuted(this.toolCalls, new Float64Array(n)),
      errorCount: permuted(this.errorCount, new Float64Array(n)),
      memberSet: permuted(this.memberSet, new Uint32Array(n)),
      memberSets: shared.memberSets,
      checkSet: permuted(this.checkSet, new Uint32Array(n)),
      checkSets: shared.checkSets,
      attribute: permuted(this.attribute, new Int32Array(n)),
      attributeValues: shared.attributeValues,
    };
  }
}

