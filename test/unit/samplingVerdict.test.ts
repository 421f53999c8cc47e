// The verdict a developer reads ("this policy drops 11 of 12 error traces…") and the suggested
// policy, which must itself keep every error when simulated.
import { strict as assert } from 'node:assert';
import { parseCollectorConfig, samplingVerdict, simulate, suggestPolicy, type SamplingTrace } from '../../src/core/sampling';

function trace(i: number, over: Partial<SamplingTrace> = {}): SamplingTrace {
  const errorCount = over.errorCount ?? 0;
  return {
    traceId: (i + 1).toString(16).padStart(32, '0'),
    spans: [
      {
        name: 'agent',
        kind: 'internal',
        startUnixNanos: '1764230400000000000',
        endUnixNanos: '1764230401000000000',
        status: errorCount ? 'error' : 'ok',
        attributes: {},
        resource: {},
        events: [],
      },
    ],
    arrivalMs: 1_764_230_400_000 + i,
    durationMs: 100 + i,
    costUsd: 0.01,
    errorCount,
    tools: ['search', 'answer'],
    bytes: 500,
    ...over,
  };
}

describe('sampling verdict', () => {
  const traces = [
    ...Array.from({ length: 200 }, (_, i) => trace(i)),
    ...Array.from({ length: 12 }, (_, i) => trace(300 + i, { errorCount: 1 })),
    ...Array.from({ length: 3 }, (_, i) => trace(400 + i, { tools: ['search', 'search', 'search', 'search'] })),
    trace(500, { costUsd: 9, durationMs: 99_000, tools: ['browse', 'answer'] }),
  ];

  it('says how many errors and loops a policy drops, in one sentence', () => {
    const keepOneError = new Set([traces[200].traceId]);
    const decisions = traces.map((t) => ({ traceId: t.traceId, kept: keepOneError.has(t.traceId), decidedBy: 'x', headSampled: null, policies: [], approximate: false }));
    const v = samplingVerdict(traces, decisions);
    assert.equal(v.sentence, 'This policy keeps 1 of 216 trace(s); it drops 11 of 12 error traces and drops all 3 runs where the agent looped.');
    const errors = v.groups.find((g) => g.group === 'errors')!;
    assert.equal(errors.lostTraceIds.length, 11);
    assert.deepEqual(v.groups.find((g) => g.group === 'costliest')!.total, 3, 'the costliest 1% of 216 is 3 traces');
    const rare = v.groups.find((g) => g.group === 'rare_tool_paths')!;
    assert.deepEqual(rare.lostTraceIds, [traces[215].traceId], 'the only browse → answer run is a rare path');
  });

  it('suggests keep-errors plus a baseline that fills the budget, and that suggestion keeps every error', () => {
    const s = suggestPolicy(traces, 10);
    // 10% of 216 = 21.6 traces; 12 errors kept; the baseline covers 9.6 of the other 204 = 4.706%
    assert.equal(s.baselinePercent, 4.706);
    assert.equal(s.overBudget, false);
    assert.match(s.yaml, /processor\.tailsamplingprocessor\.recordpolicy/);
    const parsed = parseCollectorConfig(s.yaml);
    assert.deepEqual(parsed.errors, []);
    const decisions = simulate(traces, { policies: parsed.processors[0].policies, head: null });
    const v = samplingVerdict(traces, decisions);
    assert.equal(v.groups[0].kept, 12);
    assert.match(v.sentence, /keeps all 12 error traces/);
    assert.equal(suggestPolicy(traces, 1).overBudget, true, '12 errors are more than 1% of 216');
    assert.equal(suggestPolicy(traces, 1).baselinePercent, 0);
  });

  it('counts the runs that failed a check, and the sentence names what a policy drops of them', () => {
    // Two runs failed a check: one also failed a span (an error), one returned 200 with a wrong answer.
    const checked = [...traces, trace(600, { errorCount: 1, failedChecks: 1 }), trace(601, { failedChecks: 2 })];
    const keepErrors = new Set(checked.filter((t) => t.errorCount > 0).map((t) => t.traceId));
    const decisions = checked.map((t) => ({ traceId: t.traceId, kept: keepErrors.has(t.traceId), decidedBy: 'x', headSampled: null, policies: [], approximate: false }));
    const v = samplingVerdict(checked, decisions);
    const failed = v.groups.find((g) => g.group === 'failed_checks')!;
    assert.deepEqual([failed.total, failed.kept, failed.lostTraceIds], [2, 1, [checked[checked.length - 1].traceId]]);
    assert.equal(v.sentence, 'This policy keeps 13 of 218 trace(s); it keeps all 13 error traces, drops 1 of 2 runs that failed a check and drops all 3 runs where the agent looped.');
  });

  it("says in the suggested YAML that the Collector cannot see a check that failed without an error, and how to make it see one", () => {
    const checked = [...traces, trace(601, { failedChecks: 1 })];
    const s = suggestPolicy(checked, 10);
    assert.equal(s.failedChecksWithoutError, 1);
    assert.match(s.yaml, /1 stored run\(s\) failed a check without failing a span/);
    assert.match(s.yaml, /gen_ai\.evaluation\.result/);
    assert.deepEqual(parseCollectorConfig(s.yaml).errors, [], 'the note is YAML comments: the policy still parses');
    assert.equal(suggestPolicy(traces, 10).failedChecksWithoutError, 0);
    assert.doesNotMatch(suggestPolicy(traces, 10).yaml, /failed a check/);
  });
});
