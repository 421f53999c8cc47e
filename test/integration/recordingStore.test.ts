// The proxy's recordings in a real SQLite file: the appended migration (idempotent), the reads
// that linking uses, retention by age and by size, and clear.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { canonicalize } from '../../src/core/canonicalize';
import { migrations, v11ReplayProblems } from '../../src/store/schema';
import type { NewRecording } from '../../src/store/recordings';
import { TraceStore } from '../../src/store/traceStore';
import { tempDir } from './storeFixtures';

const recording = (startedMs: number, over: Partial<NewRecording> = {}): NewRecording => ({
  startedMs, firstByteMs: startedMs + 5, endedMs: startedMs + 10, provider: 'openai', method: 'POST', path: '/v1/chat/completions',
  upstream: 'https://api.openai.com/v1/chat/completions', model: 'gpt-4o-mini', traceId: null, parentSpanId: null, status: 200, error: null, streamed: false,
  request: { headers: { authorization: '[not stored]' }, body: new TextEncoder().encode('{"model":"gpt-4o-mini"}'), bytes: 23, truncated: false },
  response: { headers: {}, body: new Uint8Array(1000), bytes: 1000, truncated: false },
  ...over,
});

describe('recording store', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: TraceStore;
  const open = () => TraceStore.open(join(tmp.dir, 'traces.db'), { canonicalize: (s) => canonicalize(s) });

  beforeEach(() => {
    tmp = tempDir();
    store = open();
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });

  it('migrates idempotently: running the replay-problems migration (and those after it) again keeps the recordings', () => {
    store.recordings.insert([recording(1_000)]);
    store.close();
    const db = new Database(join(tmp.dir, 'traces.db'));
    const at = migrations.indexOf(v11ReplayProblems);
    assert.ok(at > 0);
    v11ReplayProblems(db);
    db.pragma(`user_version = ${at}`); // as if the file were from before it: it and every later migration run again
    db.close();
    store = open();
    assert.equal(store.recordings.count(), 1);
  });

  it('finds the candidates of a trace: by its traceparent id, or without one inside its window', () => {
    const T = 'a'.repeat(32);
    const [byParent, inside, outside, otherTrace] = store.recordings.insert([
      recording(50_000, { traceId: T, parentSpanId: 'b'.repeat(16) }),
      recording(10_500),
      recording(20_000),
      recording(10_600, { traceId: 'c'.repeat(32), parentSpanId: 'd'.repeat(16) }),
    ]);
    const ids = store.recordings.candidatesFor(T, 10_000, 11_000, 250).map((r) => r.id);
    assert.deepEqual(ids.sort(), [byParent, inside].sort());
    assert.ok(!ids.includes(outside!) && !ids.includes(otherTrace!));
    const full = store.recordings.get(inside!)!;
    assert.equal(full.response.body.byteLength, 1000);
    assert.equal(full.request.headers.authorization, '[not stored]');
  });

  it('ages recordings out, keeps the newest within a size budget, and clears them with the traces', () => {
    store.recordings.insert([recording(1_000), recording(2_000), recording(3_000), recording(4_000)]);
    assert.equal(store.recordings.deleteOlderThan(2_000), 1);
    // Each row is ~1.1 kB: a budget of 2.5 kB keeps the newest two.
    assert.equal(store.recordings.trimToBytes(2_500), 1);
    assert.deepEqual(store.recordings.list().map((r) => r.startedMs), [3_000, 4_000]);
    assert.equal(store.recordings.trimToBytes(1_000_000), 0);
    store.clear();
    assert.equal(store.recordings.count(), 0);
  });
});
