// Which batch the fleet view opens on (pure, unit-tested). Conversation and session ids group the
// turns of one conversation, often a single run each: a "batch" of one run says nothing about a
// fleet. So: the newest batch of two or more runs, by the most deliberate grouping attribute
// first (agent_trace.batch, then service.version, session.id, gen_ai.conversation.id, any other),
// else null (the caller falls back to a time range).
import type { BatchRefDto, BatchSummaryDto } from '../protocol/fleet';

const KEY_PREFERENCE = ['agent_trace.batch', 'service.version', 'session.id', 'gen_ai.conversation.id'];
const MIN_RUNS = 2;

export function defaultBatch(batches: readonly BatchSummaryDto[]): BatchRefDto | null {
  const rank = (b: BatchSummaryDto) => {
    const i = b.ref.kind === 'attribute' ? KEY_PREFERENCE.indexOf(b.ref.key) : -1;
    return i < 0 ? KEY_PREFERENCE.length : i;
  };
  const best = batches
    .filter((b) => b.runs >= MIN_RUNS)
    .sort((a, b) => rank(a) - rank(b) || b.lastStartMs - a.lastStartMs)[0];
  return best ? best.ref : null;
}
