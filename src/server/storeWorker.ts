// The store worker (issue 8): a worker thread that owns the writing of exports to SQLite, so the
// main thread decodes and canonicalizes the next export (TraceStore.prepareSpans) while this one
// commits the previous: both cores work. One export is one transaction, as before; the main
// thread acknowledges an export only after this thread has committed it (a reply per message).
// Under sustained ingest it also keeps the search index from falling far behind (the writes are
// all here, so they never contend for the file lock with each other).
// Started by storeWriter.ts; dist/storeWorker.js in the bundle.
import { parentPort, workerData } from 'node:worker_threads';
import { canonicalize } from '../core/canonicalize';
import type { PriceOverride } from '../core/cost';
import { TraceStore } from '../store/traceStore';
import type { StoreWorkerData, StoreWorkerReply, StoreWorkerRequest } from './storeWriter';

const WORKER_BUSY_TIMEOUT_MS = 1_000;
const data = workerData as StoreWorkerData;
const port = parentPort!;
const log = (message: string) => port.postMessage({ log: message } satisfies StoreWorkerReply);
const overrides: Record<string, PriceOverride> = data.priceOverrides;
const store = TraceStore.open(data.dbPath, { canonicalize: (s) => canonicalize(s, overrides), alreadyOpened: true, log });
// Waiting for a lock held by another connection blocks only this thread, so it may wait longer
// than the main thread's 100 ms before the export is answered 503 (see storeErrors.ts).
store.setBusyTimeout(WORKER_BUSY_TIMEOUT_MS);

/** Spans written since the last search-index chunk (the chunk is at least that large). */
let spansSinceIndex = 0;

function indexIfBehind(): void {
  if (store.unindexedCount() <= data.indexBacklogMax) return;
  const rows = Math.min(data.indexChunkMax, Math.max(data.indexChunkMin, spansSinceIndex));
  spansSinceIndex = 0;
  try {
    const n = store.indexPending(rows);
    if (n > 0) port.postMessage({ indexedChunk: n } satisfies StoreWorkerReply);
  } catch (err) {
    log(`Search indexing postponed: ${(err as Error).message}`);
  }
}

port.on('message', (m: StoreWorkerRequest) => {
  if (m.close) {
    store.close();
    port.close();
    return;
  }
  if (m.thresholds) {
    store.evaluations.setThresholds(m.thresholds, false); // the main thread re-judges the stored results
    return;
  }
  let reply: StoreWorkerReply;
  try {
    if (m.index !== undefined) {
      port.postMessage({ id: m.id, indexed: store.indexPending(m.index) } satisfies StoreWorkerReply);
      return;
    }
    const { traceIds } = store.writePrepared({ spans: m.spans, logs: m.logs });
    spansSinceIndex += m.spans.length;
    reply = { id: m.id, traceIds };
  } catch (err) {
    const e = err as Error & { code?: unknown };
    reply = { id: m.id, error: { message: e?.message ?? String(err), code: typeof e?.code === 'string' ? e.code : undefined } };
  }
  port.postMessage(reply);
  if (!reply.error) indexIfBehind();
});
