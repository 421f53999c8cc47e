// Replay problems as a step carries them (issue 10, "Bad input"): the matcher's call reports and a
// live call's outcome become problems of a kind with the sentence the run output prints; the
// report's list is built from the same, and the trace panel groups and marks them as text.
import { strict as assert } from 'node:assert';
import { callProblems, liveCallProblem, runProblems, upstreamErrorMessage } from '../../src/core/replay/problems';
import { planReplay, type RecordedCall } from '../../src/core/replay/replayPlan';
import type { StepProblemDto } from '../../src/protocol/dto';
import { problemGroups, problemMark } from '../../webview/trace/detailModel';

const body = (messages: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ model: 'gpt-4o-mini', messages, ...extra });
const recorded = (b: string): RecordedCall => ({ api: 'openai.chat', requestBody: b, responseBody: '{}', contentType: 'application/json', status: 200, streamed: false });
const STEP1 = body([{ role: 'user', content: 'Weather in Paris?' }]);
const STEP2 = body([{ role: 'user', content: 'Weather in Paris?' }, { role: 'assistant', content: 'Sunny.' }, { role: 'user', content: 'Tomorrow?' }]);

describe('replay problems', () => {
  it('an unmatched call, a changed shape and a skipped recording each get their kind; the report lists the same sentences', () => {
    const plan = planReplay({ recorded: [recorded(STEP1), recorded(STEP2), recorded(STEP2)], forkAt: 2, edit: { kind: 'request', system: 'x' } });
    assert.ok(plan.ok);
    const m = plan.matcher;
    m.next({ api: 'openai.chat', body: body([{ role: 'user', content: 'Weather in Lyon?' }]) }, 0);
    const unmatched = callProblems(m.lastCall()!);
    assert.deepEqual(unmatched.map((p) => [p.kind, p.call]), [['unmatched', 0], ['unmatched', 0]]);
    assert.match(unmatched[0]!.message, /^Call 1 matches no recorded call before the fork point/);

    m.next({ api: 'openai.chat', body: body([{ role: 'user', content: 'Weather in Paris?' }], { model: 'gpt-4o' }) }, 0);
    const changed = callProblems(m.lastCall()!);
    assert.ok(changed.length > 0 && changed.every((p) => p.kind === 'shape-changed' && p.call === 1));
    assert.ok(changed.some((p) => /asks for model gpt-4o; the recording used gpt-4o-mini/.test(p.message)));

    const report = m.report();
    const run = runProblems(report, 2);
    assert.deepEqual(run.map((p) => p.kind), ['not-asked-again', 'fork-not-reached']);
    assert.deepEqual(report.problems, [...unmatched, ...changed, ...run].map((p) => p.message), 'the run output and the step say the same');
  });

  it('a clean replay and a request sent again are no problem', () => {
    const plan = planReplay({ recorded: [recorded(STEP1), recorded(STEP2)], forkAt: 1, edit: { kind: 'request', system: 'x' } });
    assert.ok(plan.ok);
    plan.matcher.next({ api: 'openai.chat', body: STEP1 }, 0);
    assert.deepEqual(callProblems(plan.matcher.lastCall()!), []);
    plan.matcher.next({ api: 'openai.chat', body: STEP1 }, 0);
    assert.equal(plan.matcher.lastCall()!.outcome, 'replayed-again');
    assert.deepEqual(callProblems(plan.matcher.lastCall()!), []);
  });

  it("a live call's failure: unreachable, an error status with the upstream's message, a broken stream; success is none", () => {
    const name = 'Call 2 of the forked run (live, /v1/chat/completions)';
    assert.deepEqual(liveCallProblem(name, { status: null, error: 'upstream http://127.0.0.1:9 unreachable: ECONNREFUSED', body: '' }, 1), {
      kind: 'upstream', call: 1, message: `${name} failed: the upstream could not be reached (upstream http://127.0.0.1:9 unreachable: ECONNREFUSED).`,
    });
    assert.equal(
      liveCallProblem(name, { status: 401, error: null, body: JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }) }, 1)?.message,
      `${name} was answered 401 by the upstream: Incorrect API key provided`,
    );
    assert.equal(
      liveCallProblem('The re-sent call', { status: 529, error: null, body: JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }) }, null)?.message,
      'The re-sent call was answered 529 by the upstream: Overloaded',
    );
    assert.equal(liveCallProblem(name, { status: 500, error: null, body: '<html>oops</html>' }, 1)?.message, `${name} was answered 500 by the upstream.`);
    const proxy502 = JSON.stringify({ type: 'error', error: { type: 'agent_trace_proxy_error', message: 'Agent Trace proxy: the upstream http://127.0.0.1:9 could not be reached (ECONNREFUSED).' } });
    assert.match(liveCallProblem('The re-sent call', { status: 502, error: null, body: proxy502 }, null)!.message, /^The re-sent call failed: the upstream could not be reached\. Agent Trace proxy: .*ECONNREFUSED/);
    assert.match(liveCallProblem(name, { status: 200, error: 'the upstream http://x closed the response before it was complete', body: 'data: {}' }, 1)!.message, /broke off before its response was complete/);
    assert.equal(liveCallProblem(name, { status: 200, error: null, body: '{}' }, 1), null);
  });

  it("reads an error body's message only when it is small JSON, and shortens it", () => {
    assert.equal(upstreamErrorMessage('{"error":"plain string"}'), 'plain string');
    assert.equal(upstreamErrorMessage('not json'), null);
    assert.equal(upstreamErrorMessage(`{"error":{"message":"${'x'.repeat(70_000)}"}}`), null);
    assert.equal(upstreamErrorMessage(`{"error":{"message":"${'y'.repeat(400)}"}}`)!.length, 301);
  });

  describe('in the trace panel (detail model)', () => {
    const p = (over: Partial<StepProblemDto>): StepProblemDto => ({ origin: 'fork', scope: 'started-here', kind: 'unmatched', message: 'm', time: '2026-12-02T08:00:00.000Z', sessionId: 's1', ...over });

    it("groups the step's own call first, then each fork and resend started here, newest first", () => {
      const groups = problemGroups([
        p({ sessionId: 's1', message: 'older fork' }),
        p({ origin: 'resend', sessionId: 't1', kind: 'upstream', message: '<b>401</b>', time: '2026-12-02T09:00:00.000Z' }),
        p({ scope: 'call', kind: 'shape-changed', message: 'own call', sessionId: 's0' }),
        p({ sessionId: 's1', kind: 'fork-not-reached', message: 'not reached' }),
        p({ kind: 'from-a-newer-server', sessionId: 's2', time: '2026-12-02T08:30:00.000Z' }),
      ]);
      assert.deepEqual(groups.map((g) => g.title.replace(/\(.*\)/, '(…)')), ['This call in the forked run', 'Edit and re-send (…)', 'Re-run from this step (…)', 'Re-run from this step (…)']);
      assert.deepEqual(groups[3]!.items.map((i) => [i.label, i.message]), [['no recorded match', 'older fork'], ['fork point not reached', 'not reached']]);
      assert.equal(groups[1]!.items[0]!.message, '<b>401</b>', 'kept as written: the view renders it as text');
      assert.equal(groups[2]!.items[0]!.label, 'problem', 'an unknown kind still shows');
      assert.deepEqual(problemGroups(undefined), []);
    });

    it('marks the row: replay or resend, the problems in the tooltip', () => {
      assert.equal(problemMark([]), null);
      assert.deepEqual(problemMark([p({ origin: 'resend', kind: 'upstream', message: 'answered 401' })]), { text: '⚠ resend', title: 'upstream failed: answered 401' });
      const many = problemMark(Array.from({ length: 12 }, (_, i) => p({ message: `m${i}` })))!;
      assert.equal(many.text, '⚠ replay');
      assert.equal(many.title.split('\n').length, 11);
      assert.match(many.title, /and 2 more in the step's detail$/);
    });
  });
});
