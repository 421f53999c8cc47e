// How check results show in the Traces view: a marker in the row's description and a tooltip
// row for runs whose checks did not all pass, and the filter's summary.
import { strict as assert } from 'node:assert';
import { checksCountsText, checksFailed, checksMarker, traceDescription, traceTooltipRows } from '../../src/extension/format';
import { filterSummary } from '../../src/extension/tracesViewModel';
import type { TraceSummaryDto } from '../../src/protocol/dto';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const base: TraceSummaryDto = {
  traceId: 'b'.repeat(32), name: 'run', services: ['svc'], startTime: '2026-12-01T11:55:00.000Z', startUnixNanos: String(BigInt(NOW - 300_000) * 1_000_000n),
  durationMs: 1200, spanCount: 3, errorCount: 0, llmCalls: 1, toolCalls: 1, models: [],
  usage: { inputTokens: null, outputTokens: null, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null },
  costUsd: null, orphanCount: 0, updatedAtMs: NOW,
};

describe('checks in the Traces view', () => {
  it('marks a run by how its checks came out, and a run without checks not at all', () => {
    assert.equal(checksMarker(base), null);
    assert.equal(checksMarker({ checks: { passed: 3, failed: 0, errors: 0 } }), '✓ checks');
    assert.equal(checksFailed({ checks: { passed: 3, failed: 0, errors: 0 } }), false);
    assert.equal(checksFailed({ checks: { passed: 3, failed: 0, errors: 1 } }), true);
    assert.equal(checksMarker({ checks: { passed: 3, failed: 2, errors: 0 } }), '✗ 2 of 5 checks failed');
    assert.equal(checksMarker({ checks: { passed: 0, failed: 0, errors: 1 } }), '✗ 1 of 1 check could not run');
    assert.equal(traceDescription({ ...base, checks: { passed: 1, failed: 1, errors: 0 } }, NOW), '✗ 1 of 2 checks failed · 1.2 s · 5 min ago · svc');
  });

  it('adds a Checks row to the tooltip once checks ran', () => {
    assert.equal(Object.fromEntries(traceTooltipRows(base, NOW)).Checks, undefined);
    const rows = Object.fromEntries(traceTooltipRows({ ...base, checks: { passed: 3, failed: 2, errors: 1 } }, NOW));
    assert.equal(rows.Checks, '3 passed, 2 failed, 1 error');
    assert.equal(checksCountsText({ passed: 4, failed: 0, errors: 0 }), '4 passed, 0 failed');
  });

  it('names the filter', () => {
    assert.equal(filterSummary({ errorsOnly: true, failedChecksOnly: true }), 'errors only, failed checks only');
  });
});
