// Compare two runs step by step: the one implementation behind the compare panel, the LSP
// request and `agent-trace diff`. Pure: callers load the runs and build their own DTOs.
import { alignSteps, type AlignedRow, type RowStatus } from './align';
import type { CompareStep } from './steps';
import { firstDivergence, stepLabel, totalsDelta, type Divergence, type RunTotals, type TotalDelta } from './summary';

export * from './align';
export * from './fields';
export * from './pairDiff';
export * from './steps';
export * from './summary';

export interface RunInput {
  traceId: string;
  steps: CompareStep[];
  totals: RunTotals;
  /** Service names of the run (the agent's identity when no agent name was recorded). */
  services: string[];
  /** Spans may still be arriving (recent writes, or the root has not arrived). */
  growing: boolean;
}

export interface CompareResult {
  rows: AlignedRow[];
  counts: Record<RowStatus, number>;
  firstDivergence: Divergence | null;
  /** The summary sentence: the first divergence, or that the runs match step by step. */
  summary: string;
  totals: TotalDelta[];
  /** Things the user should know about the inputs (still growing, different agents). */
  notices: string[];
}

const agentNames = (run: RunInput): string[] => {
  const names = new Set<string>();
  for (const s of run.steps) if (s.kind === 'agent' && s.agentName) names.add(s.agentName);
  return [...names].sort();
};

/** The agent's identity: the names of its agent steps, else its services. */
export function agentIdentity(run: RunInput): string[] {
  const names = agentNames(run);
  return names.length ? names : [...run.services].sort();
}

/**
 * Whether two runs come from different agents: by agent names when both runs have them, else by
 * service (a run still growing may not have its agent step yet, which is no reason to differ).
 */
function agentDifference(a: RunInput, b: RunInput): { a: string[]; b: string[] } | null {
  const [na, nb] = [agentNames(a), agentNames(b)];
  const [x, y] = na.length && nb.length ? [na, nb] : [[...a.services].sort(), [...b.services].sort()];
  return x.join('\n') === y.join('\n') ? null : { a: x, b: y };
}

/**
 * One run is a fork of the other (agent_trace.fork.of / agent_trace.fork.step): the step it was
 * forked at, named by the original run's span id. The fork's edit is not in the agent's own spans
 * (they record what the agent asked, not the edited request the proxy sent), so the caller says
 * what it was from the recorded calls of the aligned pair.
 */
export interface ForkMark {
  /** Which run is the original. */
  original: 'a' | 'b';
  spanId: string;
  /** What the fork changed at the aligned pair, in a few words ("system prompt changed"). */
  describe: (spanIdA: string, spanIdB: string) => string;
}

/** The aligned pair at the fork step marked as changed by the edit; its index and description, or null when the step did not align. */
function markForkStep(rows: AlignedRow[], a: RunInput, b: RunInput, fork: ForkMark): { row: number; what: string } | null {
  const original = fork.original === 'a' ? a.steps : b.steps;
  const i = rows.findIndex((r) => r.a !== null && r.b !== null && original[(fork.original === 'a' ? r.a : r.b)!].spanId === fork.spanId);
  if (i < 0) return null;
  const r = rows[i];
  r.forkStep = true;
  r.status = 'changed';
  if (!r.changed.includes('edit')) r.changed = ['edit', ...r.changed];
  return { row: i, what: fork.describe(a.steps[r.a!].spanId, b.steps[r.b!].spanId) };
}

export function compareRuns(a: RunInput, b: RunInput, fork: ForkMark | null = null): CompareResult {
  const rows = alignSteps(a.steps, b.steps);
  const forked = fork ? markForkStep(rows, a, b, fork) : null;
  const counts: Record<RowStatus, number> = { same: 0, changed: 0, added: 0, removed: 0 };
  for (const r of rows) counts[r.status]++;
  let divergence = firstDivergence(rows, a.steps, b.steps);
  if (divergence && forked && divergence.row === forked.row) {
    const step = b.steps[rows[forked.row].b!];
    const what = `the fork edited the ${stepLabel(step)}: ${forked.what}`;
    divergence = { ...divergence, what, text: `run B diverges at step ${divergence.step}: ${what}` };
  }
  const notices: string[] = [];
  for (const [label, run] of [['A', a], ['B', b]] as const) {
    if (run.growing) notices.push(`Run ${label} is still growing: this compares the ${run.steps.length} step(s) that have arrived so far.`);
  }
  const differ = agentDifference(a, b);
  if (differ) {
    notices.push(`The runs come from different agents (A: ${differ.a.join(', ') || 'unknown'}; B: ${differ.b.join(', ') || 'unknown'}): steps are aligned all the same.`);
  }
  const summary = divergence
    ? divergence.text
    : rows.length === 0
      ? 'Both runs are empty.'
      : `The runs match step by step (${rows.length} step${rows.length === 1 ? '' : 's'}).`;
  return { rows, counts, firstDivergence: divergence, summary, totals: totalsDelta(a.totals, b.totals), notices };
}
