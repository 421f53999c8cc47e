// Which traces a compare pairs: the earlier run is A, "Compare with…" lists runs of the same
// agent first, and "previous run of this agent" is the newest earlier run of it.
import * as assert from 'node:assert/strict';
import { compareCandidates, earlierFirst, previousRun, sameAgent } from '../../src/extension/compareTargets';

const t = (traceId: string, startSec: number, name = 'agent run', services = ['sample-agent']) => ({
  traceId, name, services, startUnixNanos: String(BigInt(1_764_000_000 + startSec) * 1_000_000_000n),
});

describe('compare targets', () => {
  const base = t('base', 100);
  const traces = [t('older', 50), t('base', 100), t('other-agent', 90, 'agent run', ['billing']), t('newer', 200), t('renamed', 80, 'other run'), t('oldest', 10)];

  it('lists runs of the same agent first, newest first, then the other traces', () => {
    const { sameAgent: same, otherAgents } = compareCandidates(base, traces);
    assert.deepEqual(same.map((x) => x.traceId), ['newer', 'older', 'oldest']);
    assert.deepEqual(otherAgents.map((x) => x.traceId), ['other-agent', 'renamed']);
  });

  it('picks the newest earlier run of the same agent as the previous run', () => {
    assert.equal(previousRun(base, traces)?.traceId, 'older');
    assert.equal(previousRun(t('x', 5), traces), null);
  });

  it('makes the earlier run A whatever the selection order', () => {
    assert.deepEqual(earlierFirst(t('late', 9), t('early', 1)).map((x) => x.traceId), ['early', 'late']);
    assert.deepEqual(earlierFirst(t('early', 1), t('late', 9)).map((x) => x.traceId), ['early', 'late']);
  });

  it('tells runs of one agent by root name and services', () => {
    assert.equal(sameAgent(base, t('y', 1)), true);
    assert.equal(sameAgent(base, t('y', 1, 'agent run', ['sample-agent', 'tools'])), false);
  });
});
