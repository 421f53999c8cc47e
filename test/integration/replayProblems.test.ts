// Replay and resend problems stored in a real SQLite file and returned with the step they concern
// (issue 10, "Bad input"): a forked run's call keeps its problems with its recording, so the step
// linked to that recording carries them; a fork or resend started from a step keeps them on that
// step. They survive the trace being written again, and go with their recording or their trace.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { canonicalize } from '../../src/core/canonicalize';
import type { NewRecording, NewReplayProblem } from '../../src/store/recordings';
import { TraceStore } from '../../src/store/traceStore';
import { traceDetail } from '../../src/server/queries';
import { rawSpan, tempDir } from './storeFixtures';

const T = 'a'.repeat(32);
const ROOT = '1'.repeat(16);
const STEP1 = '2'.repeat(16);
const STEP2 = '3'.repeat(16);
const BASE_MS = 1_764_000_000_000;

const chat = (spanId: string, startMs: number) =>
  rawSpan({ traceId: T, spanId, parentSpanId: ROOT, name: 'chat gpt-4o-mini', kind: 'client', startMs, endMs: startMs + 50, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini' } });

const recording = (parentSpanId: string, startMs: number, over: Partial<NewRecording> = {}): NewRecording => ({
  startedMs: BASE_MS + startMs, firstByteMs: BASE_MS + startMs + 5, endedMs: BASE_MS + startMs + 40, provider: 'openai', method: 'POST', path: '/v1/chat/completions',
  upstream: 'http://127.0.0.1:1/v1/chat/completions', model: 'gpt-4o-mini', traceId: T, parentSpanId, status: 200, error: null, streamed: false,
  request: { headers: {}, body: new TextEncoder().encode('{"model":"gpt-4o-mini","messages":[]}'), bytes: 37, truncated: false },
  response: { headers: {}, body: new TextEncoder().encode('{}'), bytes: 2, truncated: false },
  ...over,
});

const problem = (kind: string, message: string, over: Partial<NewReplayProblem> = {}): NewReplayProblem => ({ origin: 'fork', sessionId: 'sess1', kind, call: 1, message, ...over });

describe('replay problems: stored, and returned on the step they concern', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: TraceStore;

  beforeEach(() => {
    tmp = tempDir();
    store = TraceStore.open(join(tmp.dir, 'traces.db'), { canonicalize: (s) => canonicalize(s) });
    store.writeBatch({ spans: [rawSpan({ traceId: T, spanId: ROOT, name: 'agent run', startMs: 0, endMs: 500 }), chat(STEP1, 10), chat(STEP2, 100)], logs: [] });
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });

  const stepOf = (spanId: string) => traceDetail(store, T)!.spans.find((s) => s.spanId === spanId)!;

  it("a forked run's call: its problems come with the step its recording is linked to, and no other", () => {
    store.recordings.insert([
      recording(STEP1, 12),
      recording(STEP2, 102, { status: 500, problems: [problem('shape-changed', 'Call 2 asks for model gpt-4o; the recording used gpt-4o-mini.'), problem('upstream', 'Call 2 of the forked run (live, /v1/chat/completions) was answered 500 by the upstream.', { call: 1 })] }),
    ]);
    const step2 = stepOf(STEP2);
    assert.ok(step2.recording, 'linked to its recording');
    assert.deepEqual(step2.problems?.map((p) => [p.origin, p.scope, p.kind, p.sessionId]), [['fork', 'call', 'shape-changed', 'sess1'], ['fork', 'call', 'upstream', 'sess1']]);
    assert.match(step2.problems![1]!.message, /answered 500/);
    assert.match(step2.problems![0]!.time, /^\d{4}-\d\d-\d\dT/);
    assert.equal(stepOf(STEP1).problems, undefined, 'a clean call has none');
  });

  it('a fork or a resend started from a step: its problems on that step, kept when the trace is written again', () => {
    store.recordings.addStepProblems(T, STEP1, [problem('unmatched', 'Call 1 matches no recorded call before the fork point.', { call: 0 }), problem('fork-not-reached', 'The new run did not reach the fork point.', { call: null })]);
    store.recordings.addStepProblems(T, STEP1, [{ origin: 'resend', sessionId: 'b'.repeat(32), kind: 'upstream', call: null, message: 'The re-sent call was answered 401 by the upstream: bad key' }]);
    // More spans of the trace arrive: its summary row is replaced, the problems stay.
    store.writeBatch({ spans: [rawSpan({ traceId: T, spanId: '4'.repeat(16), parentSpanId: ROOT, name: 'late tool', startMs: 300, endMs: 310 })], logs: [] });
    const step1 = stepOf(STEP1);
    assert.deepEqual(step1.problems?.map((p) => [p.origin, p.scope, p.kind]), [['fork', 'started-here', 'unmatched'], ['fork', 'started-here', 'fork-not-reached'], ['resend', 'started-here', 'upstream']]);
    assert.equal(stepOf(STEP2).problems, undefined);
  });

  it('go with their recording (retention) and with their trace (delete, clear)', () => {
    const [, id] = store.recordings.insert([recording(STEP1, 12), recording(STEP2, 102, { problems: [problem('unmatched', 'x')] })]);
    store.recordings.addStepProblems(T, STEP1, [problem('fork-not-reached', 'y', { call: null })]);
    const rows = (): number => {
      const db = new Database(join(tmp.dir, 'traces.db'), { readonly: true });
      try {
        return db.prepare('SELECT count(*) FROM replay_problems').pluck().get() as number;
      } finally {
        db.close();
      }
    };
    assert.equal(rows(), 2);
    assert.equal(store.recordings.problemsOfRecordings([id!]).get(id!)?.length, 1);
    assert.equal(store.recordings.trimToBytes(1), 2, 'both recordings trimmed');
    assert.equal(rows(), 1, "the recording's problem went with it");
    assert.equal(store.deleteTrace(T), true);
    assert.equal(rows(), 0, "the step's problem went with its trace");
    store.recordings.addStepProblems(T, STEP1, [problem('upstream', 'z')]);
    store.recordings.clear();
    assert.equal(rows(), 0, 'clear removes them');
  });
});
