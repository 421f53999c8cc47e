// The sampling lab page's view model: which rows a filter shows and in what order (lost
// failures first), row tags, the head ratio a user types, batch ids.
import assert from 'node:assert/strict';
import type { SamplingTraceRowDto } from '../../src/protocol/dto';
import { batchFromId, batchId, parseHeadRatio, rowTags, visibleRows } from '../../webview/sampling/samplingModel';

const row = (traceId: string, over: Partial<SamplingTraceRowDto> = {}): SamplingTraceRowDto => ({
  traceId, name: traceId, startTime: `2026-12-02T01:00:0${traceId.length % 10}Z`, durationMs: 1, costUsd: null, errorCount: 0, loop: false,
  kept: true, decidedBy: 'p', approximate: false, policies: [], ...over,
});

describe('sampling lab view model', () => {
  const rows = [
    row('kept', { startTime: '2026-12-02T01:00:05Z' }),
    row('dropped-plain', { kept: false, startTime: '2026-12-02T01:00:09Z' }),
    row('dropped-error', { kept: false, errorCount: 2, startTime: '2026-12-02T01:00:01Z' }),
    row('dropped-loop', { kept: false, loop: true, startTime: '2026-12-02T01:00:02Z' }),
    row('kept-error', { errorCount: 1, startTime: '2026-12-02T01:00:03Z' }),
  ];

  it('puts the failures a policy loses first, then the newest', () => {
    assert.deepEqual(visibleRows(rows, 'all').map((r) => r.traceId), ['dropped-loop', 'dropped-error', 'dropped-plain', 'kept', 'kept-error']);
    assert.deepEqual(visibleRows(rows, 'dropped').map((r) => r.traceId), ['dropped-loop', 'dropped-error', 'dropped-plain']);
    assert.deepEqual(visibleRows(rows, 'kept').map((r) => r.traceId), ['kept', 'kept-error']);
    assert.deepEqual(visibleRows(rows, 'lost').map((r) => r.traceId), ['dropped-loop', 'dropped-error']);
  });

  it('tags errors, loops, approximate and not simulated decisions', () => {
    assert.deepEqual(rowTags(rows[2]), ['2 errors']);
    assert.deepEqual(rowTags(row('x', { errorCount: 1, loop: true, approximate: true, policies: [{ name: 'm', type: 'x', decision: 'not_simulated', approximate: false }] })), ['error', 'loop', 'approximate', 'not simulated']);
  });

  it('reads a head ratio as a ratio or a percent; empty is none, nonsense is refused', () => {
    assert.equal(parseHeadRatio(''), null);
    assert.equal(parseHeadRatio('0.01'), 0.01);
    assert.equal(parseHeadRatio('5%'), 0.05);
    assert.equal(parseHeadRatio('2'), undefined);
    assert.equal(parseHeadRatio('abc'), undefined);
  });

  it('round-trips batch ids', () => {
    const batches = [{ key: 'agent_trace.batch', value: 'a=b', traces: 3 }];
    assert.equal(batchFromId(batchId(batches[0]), batches), batches[0]);
    assert.equal(batchFromId('nope', batches), null);
  });
});
