// Where the proxy's recordings go: queued and written together a moment later (one transaction
// per BATCH_MS), after the responses have gone to their clients, so storage never delays a model
// call and an agent's quick succession of calls costs one commit, not one each. A write that fails (database locked by another process, disk full) is retried a few
// times, then dropped with a log line: the client has its answer either way.
import { CLOCK_SLACK_MS } from '../../core/proxy/link';
import type { NewRecording } from '../../store/recordings';
import type { TraceStore } from '../../store/traceStore';

const MAX_QUEUED = 1_000;
const BATCH_MS = 25;
const RETRY_MS = 500;
const MAX_ATTEMPTS = 5;

export interface RecordingSink {
  record(recording: NewRecording): void;
  /** Writes what is queued now (tests, shutdown). */
  flush(): void;
}

export function recordingSink(store: TraceStore, log: (m: string) => void, onWritten?: (traceIds: string[]) => void): RecordingSink {
  let queue: NewRecording[] = [];
  let scheduled = false;
  let attempts = 0;

  const flush = (): void => {
    scheduled = false;
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    try {
      store.recordings.insert(batch);
      attempts = 0;
    } catch (err) {
      if (++attempts < MAX_ATTEMPTS) {
        queue = [...batch, ...queue].slice(0, MAX_QUEUED);
        scheduled = true;
        setTimeout(flush, RETRY_MS).unref();
      } else {
        attempts = 0;
        log(`Proxy: ${batch.length} recording(s) could not be stored and were dropped: ${(err as Error).message}`);
      }
      return;
    }
    if (onWritten) {
      const traces = new Set<string>();
      for (const r of batch) for (const t of store.recordings.tracesAround(r, CLOCK_SLACK_MS)) traces.add(t);
      if (traces.size) onWritten([...traces]);
    }
  };

  return {
    record(recording) {
      if (queue.length >= MAX_QUEUED) {
        log('Proxy: the recording queue is full; a call was forwarded but not recorded.');
        return;
      }
      queue.push(recording);
      if (!scheduled) {
        scheduled = true;
        setTimeout(flush, BATCH_MS).unref(); // the owner flushes what is left when it closes
      }
    },
    flush,
  };
}
