// Check results in a real SQLite file: the v4 tables arrive by an additive migration (older files
// keep their traces), results go with their trace when it is deleted, and the checks service
// works in bounded slices: ingest's hook evaluates nothing itself, and re-checking every stored
// trace after a config change never takes more than a slice's traces in one transaction.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { canonicalize } from '../../src/core/canonicalize';
import { parseChecksConfig } from '../../src/core/checks';
import { checkStoredTrace, ChecksService } from '../../src/server/checksService';
import { SCHEMA_VERSION } from '../../src/store/schema';
import { TraceStore } from '../../src/store/traceStore';
import { rawSpan, tempDir } from './storeFixtures';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const traceIdOf = (i: number) => hex(i + 1, 32);

function writeRuns(store: TraceStore, n: number, failing: (i: number) => boolean): void {
  const spans = [];
  for (let i = 0; i < n; i++) {
    spans.push(rawSpan({ traceId: traceIdOf(i), spanId: hex(1, 16), name: 'invoke_agent', startMs: i, attributes: { 'gen_ai.operation.name': 'invoke_agent' } }));
    spans.push(rawSpan({
      traceId: traceIdOf(i), spanId: hex(2, 16), parentSpanId: hex(1, 16), name: 'execute_tool lookup', startMs: i,
      attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup' },
      status: failing(i) ? { code: 'error', message: 'lookup failed' } : { code: 'unset', message: '' },
    }));
  }
  store.writeBatch({ spans, logs: [] });
}

describe('check results in the store and the checks service', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  let store: TraceStore | null = null;
  const open = () => (store = TraceStore.open(join(tmp.dir, 'traces.db'), { canonicalize: (s) => canonicalize(s) }));
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => {
    store?.close();
    store = null;
    tmp.cleanup();
  });

  it('migrates a version-3 file additively: its traces stay, without check results', () => {
    writeRuns(open(), 3, () => false);
    store!.close();
    const db = new Database(join(tmp.dir, 'traces.db'));
    db.exec('DROP TABLE check_results; DROP TABLE trace_checks;');
    db.pragma('user_version = 3');
    db.close();
    const s = open();
    assert.ok(SCHEMA_VERSION >= 4); // later migrations (proxy recordings, …) are appended after checks
    const listed = s.listTraces({});
    assert.equal(listed.length, 3);
    assert.ok(listed.every((t) => t.checks === undefined));
    assert.deepEqual(s.listTraces({ failedChecksOnly: true }), []);
  });

  it('keeps results per trace, filters on them, and deletes them with their trace', () => {
    const s = open();
    writeRuns(s, 3, (i) => i === 1);
    const result = (outcome: 'pass' | 'fail' | 'error') => ({ check: `c-${outcome}`, kind: 'no_errors', outcome, message: outcome, spanId: null });
    s.saveCheckResults([
      { traceId: traceIdOf(0), results: [result('pass')] },
      { traceId: traceIdOf(1), results: [result('pass'), result('fail')] },
      { traceId: traceIdOf(2), results: [result('error')] },
      { traceId: 'f'.repeat(32), results: [result('fail')] }, // not stored: nothing kept for it
    ]);
    assert.deepEqual(s.listTraces({ failedChecksOnly: true }).map((t) => t.traceId).sort(), [traceIdOf(1), traceIdOf(2)]);
    assert.deepEqual(s.traceSummary(traceIdOf(1))!.checks, { passed: 1, failed: 1, errors: 0 });
    assert.deepEqual(s.checkResultsOf('f'.repeat(32)), []);
    assert.ok(s.deleteTrace(traceIdOf(1)));
    assert.deepEqual(s.checkResultsOf(traceIdOf(1)), []);
    writeRuns(s, 2, () => false); // the same ids written again start without results
    assert.equal(s.traceSummary(traceIdOf(1))!.checks, undefined);
    s.clear();
    assert.deepEqual(s.checkResultsOf(traceIdOf(2)), []);
  });

  it('does not load a trace over the step limit: each check says so, as an error', () => {
    const s = open();
    writeRuns(s, 1, () => false); // 2 steps
    const { checks } = parseChecksConfig(JSON.stringify({ checks: [{ name: 'no errors', kind: 'no_errors' }, { name: 'few calls', kind: 'max_tool_calls', max: 5 }] }));
    assert.deepEqual(checkStoredTrace(s, checks, traceIdOf(0), 2)!.map((r) => r.outcome), ['pass', 'pass']);
    const over = checkStoredTrace(s, checks, traceIdOf(0), 1)!;
    assert.deepEqual(over.map((r) => [r.check, r.outcome, r.message]), [
      ['no errors', 'error', 'not checked: the trace has 2 steps, more than the 1 a check reads'],
      ['few calls', 'error', 'not checked: the trace has 2 steps, more than the 1 a check reads'],
    ]);
    assert.equal(checkStoredTrace(s, checks, 'f'.repeat(32)), null, 'an unknown trace has no results');
  });

  it('evaluates nothing on the ingest hook, and re-checks all stored traces in bounded slices', async () => {
    const s = open();
    writeRuns(s, 260, (i) => i % 10 === 0);
    const slices: string[][] = [];
    const service = new ChecksService({ store: s, log: () => undefined, isWriter: () => true, quietMs: 10, onResults: (ids) => ids.length && slices.push(ids) });
    try {
      service.setConfig(JSON.stringify({ checks: [{ name: 'no errors', kind: 'no_errors' }] }));
      assert.equal(service.evaluated, 0, 'a config change schedules the work; it does not run it inline');
      await service.whenIdle();
      assert.equal(service.evaluated, 260);
      assert.equal(new Set(slices.flat()).size, 260);
      assert.ok(slices.length >= 6 && slices.every((ids) => ids.length <= 50), `slices: ${slices.map((x) => x.length).join(',')}`);
      assert.equal(s.listTraces({ failedChecksOnly: true, limit: 1000 }).length, 26);

      writeRuns(s, 1, () => true); // trace 0 written again (its tool now fails again)
      service.noteWritten([traceIdOf(0)]);
      assert.equal(service.evaluated, 260, 'noting a write evaluates nothing by itself');
      await service.whenIdle();
      assert.equal(service.evaluated, 261);

      service.setConfig(null);
      await service.whenIdle();
      assert.deepEqual(s.listTraces({ failedChecksOnly: true }), [], 'no checks file: no results');
    } finally {
      service.close();
    }
  });
});
