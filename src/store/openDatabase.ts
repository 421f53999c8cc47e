// Opening the database file: pragmas, migrations, and what to do with a file we cannot use.
// A corrupt file is moved aside (never deleted: the user may want it back), its readable spans
// are salvaged into the fresh file that replaces it (see TraceStore.open). A file written by a
// newer version of this code is refused with a message and left alone: a newer window may be
// writing it right now, and moving it would lose that window's data.
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate, SCHEMA_VERSION } from './schema';

type Db = Database.Database;

const SQLITE_HEADER = 'SQLite format 3\u0000';

/** Short: a write runs on the server's event loop, so a lock held elsewhere is answered 503 (retry) rather than waited out. */
export const BUSY_TIMEOUT_MS = 100;

type Problem = { kind: 'corrupt'; detail: string };

/** The file was written by a newer Agent Trace: this version must not read, migrate or move it. */
export class NewerDatabaseError extends Error {
  constructor(
    readonly path: string,
    readonly version: number,
  ) {
    super(
      `The trace database ${path} was written by a newer version of Agent Trace (schema version ${version}; this version knows up to ${SCHEMA_VERSION}). ` +
        'Update Agent Trace, or point it at another database file (agentTrace.database.path, or --db).',
    );
    this.name = 'NewerDatabaseError';
  }
}

function isCorruptionError(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
}

function readHeader(path: string): string | null {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    return buf.subarray(0, n).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

/** Opens and checks an existing file; returns the problem instead of the database when it is unusable. */
function tryOpen(path: string): { db: Db } | Problem {
  if (existsSync(path) && statSync(path).size > 0 && readHeader(path) !== SQLITE_HEADER) {
    return { kind: 'corrupt', detail: 'not a SQLite database' };
  }
  let db: Db | null = null;
  try {
    db = new Database(path);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new NewerDatabaseError(path, version);
    // quick_check: the structural part of integrity_check, without the slow index cross-checks.
    const rows = db.pragma('quick_check') as { quick_check: string }[];
    if (rows.length !== 1 || rows[0].quick_check !== 'ok') {
      db.close();
      return { kind: 'corrupt', detail: `integrity check failed: ${rows.slice(0, 3).map((r) => r.quick_check).join('; ')}` };
    }
    return { db };
  } catch (err) {
    if (db?.open) db.close();
    if (isCorruptionError(err)) return { kind: 'corrupt', detail: (err as Error).message };
    throw err;
  }
}

/** Renames the file (and its -wal/-shm, so SQLite still pairs them) to `<name>.<tag>-<timestamp>`. */
export function moveAside(path: string, tag: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let target = `${path}.${tag}-${stamp}`;
  for (let i = 1; existsSync(target); i++) target = `${path}.${tag}-${stamp}-${i}`;
  renameSync(path, target);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix);
  }
  return target;
}

function configure(db: Db, fresh: boolean): void {
  // Page size and auto_vacuum can only be chosen before the first table exists; INCREMENTAL
  // lets retention give space back to the file system.
  if (fresh) {
    // 16 KiB pages hold several ~3 KB span rows each: a smaller file and less WAL traffic
    // than the 4 KiB default (measured with bench/store.ts). Must precede auto_vacuum.
    db.pragma('page_size = 16384');
    db.pragma('auto_vacuum = INCREMENTAL');
  }
  // WAL: one writer and any number of reader processes at once. synchronous=NORMAL in WAL
  // mode: a committed transaction survives a crash or kill of the process (it is in the WAL
  // file, which the OS holds), but the last transactions may be lost on power loss or an OS
  // crash, since the WAL is only fsynced at checkpoints. That is the right trade for traces.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = OFF');
}

/**
 * A reader that may store derived data (the fleet's rebuilt chunks, see fleetChunks.ts) in a
 * file the read-only checks accepted: a writable connection without migration, integrity check
 * or moving aside, writing only in short transactions that give up when busy. Null when the file
 * (or its directory, for the -wal/-shm files) cannot be written: the caller reads read-only.
 */
function writableReader(path: string): Db | null {
  let db: Db | null = null;
  try {
    db = new Database(path, { fileMustExist: true });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('synchronous = NORMAL');
    if (!db.readonly) return db;
  } catch {
    // read-only file system or permissions: read only
  }
  if (db?.open) db.close();
  return null;
}

/**
 * Opens (creating or migrating) the database. `movedAside` is set when the file was unusable
 * and replaced by a fresh one: the caller salvages what it can from the moved file.
 * Throws NewerDatabaseError for a file from a newer version, touching nothing.
 */
export function openDatabase(
  path: string,
  opts: { readonly?: boolean; log: (msg: string) => void; alreadyOpened?: boolean; storeDerived?: boolean },
): { db: Db; movedAside: string | null } {
  if (opts.alreadyOpened) {
    // A second writing connection (the store worker) to a file this process has just opened,
    // checked and migrated: no integrity check, no migration, only the per-connection pragmas.
    const db = new Database(path, { fileMustExist: true });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    configure(db, false);
    return { db, movedAside: null };
  }
  if (opts.readonly) {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      db.close();
      throw new NewerDatabaseError(path, version);
    }
    if (version !== SCHEMA_VERSION) {
      db.close();
      throw new Error(`Cannot read ${path}: schema version ${version}, expected ${SCHEMA_VERSION} (open it read-write once to migrate)`);
    }
    const writable = opts.storeDerived ? writableReader(path) : null;
    if (writable) db.close();
    return { db: writable ?? db, movedAside: null };
  }
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
  let opened = tryOpen(path);
  let movedAside: string | null = null;
  if (!('db' in opened)) {
    movedAside = moveAside(path, opened.kind);
    opts.log(`Trace database ${path} could not be read (${opened.detail}); moved it to ${movedAside} and started a new one.`);
    opened = tryOpen(path);
    if (!('db' in opened)) throw new Error(`Cannot create a trace database at ${path}: ${opened.detail}`);
  }
  const db = opened.db;
  const fresh =
    (db.pragma('user_version', { simple: true }) as number) === 0 &&
    db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'").pluck().get() === 0;
  configure(db, fresh);
  migrate(db);
  return { db, movedAside };
}
