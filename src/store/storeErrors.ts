// Which storage failures are worth retrying. Exporters retry 503 / UNAVAILABLE and drop the batch
// on 500 / INTERNAL, so a full disk, a database another process holds locked, or an I/O hiccup
// must be answered as retryable; a bug or a constraint failure must not loop forever.

/** SQLite result codes (primary code is the part before any extended suffix) that pass with time. */
const TRANSIENT_SQLITE = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_PROTOCOL', 'SQLITE_NOMEM', 'SQLITE_CANTOPEN']);
/** Node errno codes for the same conditions (e.g. while a file is moved aside or the WAL grows). */
const TRANSIENT_ERRNO = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EBUSY', 'EAGAIN', 'EMFILE', 'ENFILE']);

/** The primary SQLite code of an extended one: SQLITE_IOERR_WRITE → SQLITE_IOERR. */
function primary(code: string): string {
  const m = /^SQLITE_[A-Z]+/.exec(code);
  return m ? m[0] : code;
}

/** True when the same write may succeed if the client retries later. */
export function isTransientStoreError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return TRANSIENT_SQLITE.has(primary(code)) || TRANSIENT_ERRNO.has(code);
}

/** A short reason for the client and the log. */
export function describeStoreError(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  switch (typeof code === 'string' ? primary(code) : '') {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED': return `the trace database is locked by another process (${message}); retry later`;
    case 'SQLITE_FULL': return `the disk holding the trace database is full (${message}); retry later`;
    case 'SQLITE_IOERR': return `the trace database had an I/O error (${message}); retry later`;
    default: return isTransientStoreError(e) ? `could not store the data (${message}); retry later` : `could not store the data: ${message}`;
  }
}
