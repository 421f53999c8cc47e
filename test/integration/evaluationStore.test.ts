// The evaluation tables on a real SQLite file: results go with their trace (delete, clear, age
// retention), results whose trace never came are dropped by age, and a span sent again does not
// store its events' results twice.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { canonicalize } from '../../src/core/canonicalize';
import { TraceStore } from '../../src/store/traceStore';
import { logRecord, rawSpan, tempDir } from './storeFixtures';

const T1 = '1'.repeat(32);
const T2 = '2'.repeat(32);
const evalEvent = (name: string, label: string) => ({ name: 'gen_ai.evaluation.result', timeUnixNanos: '5', attributes: { 'gen_ai.evaluation.name': name, 'gen_ai.evaluation.score.label': label } });

describe('evaluation store', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: TraceStore | null = null;
  let now = 1_000;
  const open = () => (store = TraceStore.open(join(tmp.dir, 'traces.db'), { canonicalize: (s) => canonicalize(s), now: () => now }));
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => {
    store?.close();
    store = null;
    tmp.cleanup();
  });

  it('stores a retried span once, and counts per trace', () => {
    const s = open();
    const span = rawSpan({ traceId: T1, spanId: 'a'.repeat(16), events: [evalEvent('correctness', 'fail'), evalEvent('tone', 'maybe')] });
    s.writeBatch({ spans: [span], logs: [] });
    s.writeBatch({ spans: [span], logs: [] });
    assert.equal(s.evaluations.evaluationsOf(T1).length, 2);
    assert.deepEqual(s.traceSummary(T1)?.checks, { passed: 0, failed: 1, errors: 0 });
    assert.deepEqual(s.evaluations.evaluationCountsForTraces([T1]).get(T1), { passed: 0, failed: 1, info: 1 });
  });

  it('reports a trace whose counts changed by a log record alone, and deletes results with their trace', async () => {
    const s = open();
    s.writeBatch({ spans: [rawSpan({ traceId: T1, spanId: 'a'.repeat(16) })], logs: [] });
    const late = logRecord({ traceId: T1, spanId: 'b'.repeat(16), eventName: 'gen_ai.evaluation.result', attributes: { 'gen_ai.evaluation.name': 'x', 'gen_ai.evaluation.score.label': 'incorrect' } });
    assert.deepEqual(s.writeBatch({ spans: [], logs: [late] }).traceIds, [T1], 'the Traces view hears of the new failure');
    // A result for a trace that never arrives.
    s.writeBatch({ spans: [], logs: [{ ...late, traceId: T2 }] });
    assert.equal(s.evaluations.evaluationsOf(T2).length, 1);
    s.deleteTrace(T1);
    assert.deepEqual(s.evaluations.evaluationsOf(T1), []);
    assert.deepEqual(s.evaluations.evaluationCountsForTraces([T1]).size, 0);
    now += 10 * 86_400_000;
    await s.applyRetention({ maxDays: 7, maxMegabytes: 0 });
    assert.deepEqual(s.evaluations.evaluationsOf(T2), [], 'dropped by age once its trace did not come');
  });

  it('clear() forgets every result', () => {
    const s = open();
    s.writeBatch({ spans: [rawSpan({ traceId: T1, spanId: 'a'.repeat(16), events: [evalEvent('c', 'pass')] })], logs: [] });
    s.clear();
    assert.deepEqual(s.evaluations.evaluationsOf(T1), []);
  });
});
