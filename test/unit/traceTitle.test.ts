import assert from 'node:assert/strict';
import type { CanonicalSpan } from '../../src/core/model';
import { isGenericTraceName, oneLine, titleSourcesOf, traceTitle } from '../../src/core/traceTitle';

const norm = (over: Partial<CanonicalSpan['norm']>) => ({ norm: { agentName: null, messages: [], ...over } as unknown as CanonicalSpan['norm'] });
const user = (content: string) => ({ role: 'user', direction: 'input' as const, content, toolCalls: [], toolCallId: null, name: null });

describe('trace titles', () => {
  it('knows the names instrumentations give every run alike, and keeps the ones users chose', () => {
    for (const n of ['agent run', 'Agent Run', 'agent_run', 'invoke_agent', 'invoke_agent weather-assistant', 'AgentExecutor', 'RunnableSequence', 'workflow', '', '  run ']) {
      assert.equal(isGenericTraceName(n), true, n);
    }
    for (const n of ['triage run', 'nightly eval: billing', 'chat gpt-4o', 'summarize ticket 42']) assert.equal(isGenericTraceName(n), false, n);
  });

  it('titles a generic run by agent name and first user message, one line and truncated', () => {
    const message = 'Do I need an umbrella\nin Paris today? Check our wiki too, and email me the answer please.';
    const title = traceTitle({ name: 'agent run', agentName: 'weather-assistant', firstUserMessage: message });
    assert.equal(title, 'weather-assistant: Do I need an umbrella in Paris today? Check our wiki too, a…');
    assert.ok(!title.includes('\n'));
    assert.equal(traceTitle({ name: 'agent run', agentName: null, firstUserMessage: 'hi there' }), 'hi there');
    assert.equal(traceTitle({ name: 'invoke_agent', agentName: 'triage-bot', firstUserMessage: null }), 'triage-bot (invoke_agent)');
    assert.equal(traceTitle({ name: 'agent run', agentName: null, firstUserMessage: null }), 'agent run');
    assert.equal(traceTitle({ name: 'nightly eval', agentName: 'x', firstUserMessage: 'y' }), 'nightly eval', 'a chosen name is kept');
    assert.equal(oneLine('a  b\t c', 10), 'a b c');
  });

  it('takes the first agent name and the first user message in start order', () => {
    const spans = [norm({}), norm({ agentName: 'outer' }), norm({ messages: [user('first question')] }), norm({ agentName: 'inner', messages: [user('later')] })];
    assert.deepEqual(titleSourcesOf('agent run', spans), { name: 'agent run', agentName: 'outer', firstUserMessage: 'first question' });
    assert.deepEqual(titleSourcesOf('x', []), { name: 'x', agentName: null, firstUserMessage: null });
  });
});
