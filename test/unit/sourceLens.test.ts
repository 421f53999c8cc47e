// Code lens titles from a line's activity: each figure names what it counts.
import { strict as assert } from 'node:assert';
import { codeLensTitle, type LineActivity } from '../../src/server/sourceLens';

const base: LineActivity = {
  runs: 1,
  runsCapped: false,
  callsInLastRun: 1,
  failedInLastRun: 0,
  lastDurationMs: 25,
  lastFailure: null,
  lastRun: { tokens: null, costUsd: null, llmCalls: 0 },
};

describe('code lens titles', () => {
  const cases: [string, Partial<LineActivity>, string][] = [
    ['one call in one run', {}, 'Agent Trace: 1 run · last 25 ms'],
    ['two calls in one run are calls, not runs', { callsInLastRun: 2 }, 'Agent Trace: 2 calls in the last run · last 25 ms'],
    ['several runs', { runs: 3 }, 'Agent Trace: 3 runs · last 25 ms'],
    ['more runs than were read', { runs: 500, runsCapped: true }, 'Agent Trace: 500+ runs · last 25 ms'],
    ['sub-millisecond', { lastDurationMs: 0.28 }, 'Agent Trace: 1 run · last 280 µs'],
    ['last call failed, with its error', { runs: 3, lastFailure: { message: 'TimeoutError: city\nnot found' }, failedInLastRun: 1 }, 'Agent Trace: 3 runs · last failed: TimeoutError: city not found'],
    ['an earlier call of the last run failed', { callsInLastRun: 2, failedInLastRun: 1 }, 'Agent Trace: 2 calls in the last run · last 25 ms · 1 failed'],
    ['subtree tokens and cost', { lastRun: { tokens: 2020, costUsd: 0.000166, llmCalls: 2 } }, 'Agent Trace: 1 run · last 25 ms · 2,020 tokens, $0.000166'],
    ['cost of the last run named so when there are several', { runs: 2, lastRun: { tokens: 10, costUsd: 0.000036, llmCalls: 1 } }, 'Agent Trace: 2 runs · last 25 ms · last run 10 tokens, $0.000036'],
    ['model calls without a price', { lastRun: { tokens: 12, costUsd: null, llmCalls: 1 } }, 'Agent Trace: 1 run · last 25 ms · 12 tokens, cost unknown'],
    ['no model call beneath: no cost claim at all', { lastRun: { tokens: null, costUsd: null, llmCalls: 0 } }, 'Agent Trace: 1 run · last 25 ms'],
  ];
  for (const [name, over, expected] of cases) it(name, () => assert.equal(codeLensTitle({ ...base, ...over }), expected));
});
