// The batch the fleet view opens on: a deliberate batch of several runs, never a one-run conversation.
import { strict as assert } from 'node:assert';
import { defaultBatch } from '../../src/extension/fleetDefaults';
import type { BatchSummaryDto } from '../../src/protocol/fleet';

const batch = (key: string, value: string, runs: number, lastStartMs: number): BatchSummaryDto => ({
  ref: { kind: 'attribute', key, value }, label: `${key} = ${value}`, runs, firstStartMs: lastStartMs - 1000, lastStartMs,
});

describe('fleet view default batch', () => {
  it('prefers agent_trace.batch, then service.version, newest first, of two runs or more', () => {
    const batches = [batch('gen_ai.conversation.id', 'c1', 3, 900), batch('service.version', '1.2', 40, 500), batch('agent_trace.batch', 'old', 10, 100), batch('agent_trace.batch', 'new', 12, 200), batch('agent_trace.batch', 'newest', 1, 300)];
    assert.deepEqual(defaultBatch(batches), { kind: 'attribute', key: 'agent_trace.batch', value: 'new' });
    assert.deepEqual(defaultBatch(batches.slice(0, 2)), { kind: 'attribute', key: 'service.version', value: '1.2' });
  });

  it('one-run conversations are no fleet: none, so the caller shows a time range', () => {
    assert.equal(defaultBatch([batch('gen_ai.conversation.id', 'a', 1, 1), batch('gen_ai.conversation.id', 'b', 1, 2)]), null);
    assert.equal(defaultBatch([]), null);
  });
});
