// The trace panel's detail pane and parent-step figures: which tabs a step gets, what a parent
// step shows as its run's input and output, rolled-up tokens and cost, the timeline's axis.
import { strict as assert } from 'node:assert';
import type { MessageDto, RecordedCallDto, SpanDto } from '../../src/protocol/dto';
import { checksLabel, detailTabs, failingChecksBySpan, localAndUtc, recordedBodyText, recordedSizeNote, recordingLinkLabel, shownTab, workspaceRelative } from '../../webview/trace/detailModel';
import { buildTreeIndex, runInputOutput, subtreeRollups, timeAxisTicks } from '../../webview/trace/treeModel';
import { fixtureSpan } from '../webview/fixtures';

const message = (role: string, direction: 'input' | 'output', content: string | null, extra: Partial<MessageDto> = {}): MessageDto => ({
  role,
  direction,
  content,
  toolCalls: [],
  toolCallId: null,
  name: null,
  ...extra,
});
const usage = (input: number, output: number) => ({ inputTokens: input, outputTokens: output, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null });

const root = fixtureSpan({ spanId: 'r', name: 'agent run', kind: 'agent' });
const chat1 = fixtureSpan({
  spanId: 'c1',
  parentSpanId: 'r',
  name: 'chat gpt-4o-mini',
  kind: 'llm',
  usage: usage(100, 20),
  costUsd: 0.0001,
  messages: [message('system', 'input', 'Be brief.'), message('user', 'input', 'Do I need an umbrella?'), message('assistant', 'output', null, { toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] })],
});
const tool = fixtureSpan({ spanId: 't', parentSpanId: 'r', name: 'execute_tool get_weather', kind: 'tool', tool: { name: 'get_weather', callId: 'call_1', arguments: '{"city":"Paris"}', result: '{"rain":true}' } });
const chat2 = fixtureSpan({
  spanId: 'c2',
  parentSpanId: 'r',
  name: 'chat gpt-4o-mini',
  kind: 'llm',
  usage: usage(200, 30),
  costUsd: 0.0002,
  messages: [message('user', 'input', 'Do I need an umbrella?'), message('tool', 'input', '{"rain":true}'), message('assistant', 'output', 'Yes, take one.')],
});
// The same call recorded again by a second instrumentation: never counted twice.
const dup = fixtureSpan({ spanId: 'd', parentSpanId: 'c2', name: 'OpenAI Chat', kind: 'llm', usage: usage(200, 30), costUsd: 0.0002, duplicateOf: 'c2' });

describe('trace panel detail: tabs, parent steps, rollups, axis', () => {
  it('gives each kind of step only the tabs that apply', () => {
    const labels = (s: SpanDto, runIO = false) => detailTabs(s, runIO).map((t) => t.label);
    assert.deepEqual(labels(chat1), ['Conversation', 'Usage & cost', 'Attributes']);
    assert.deepEqual(labels(tool), ['Input & output', 'Attributes'], 'a tool step has no conversation and no usage full of "unknown"');
    assert.deepEqual(labels(root, true), ['Input & output', 'Attributes']);
    assert.deepEqual(labels(root, false), ['Attributes']);
    const failed = { ...tool, status: 'error' as const, error: { type: 'TimeoutError', message: 'took too long', stacktrace: null } };
    assert.deepEqual(labels(failed), ['Input & output', 'Error', 'Attributes'], 'Error only when something failed');
  });

  it('adds "Exact request" and "Exact response" to a step the recording proxy saw, even without captured content', () => {
    const body = (text: string) => ({ headers: { authorization: '[not stored]', 'content-type': 'application/json' }, body: text, bytes: text.length, truncated: false });
    const recording: RecordedCallDto = {
      id: 1, link: { confidence: 'medium', reason: 'time window and model' }, provider: 'openai', method: 'POST', path: '/v1/chat/completions',
      upstream: 'https://api.openai.com/v1/chat/completions', status: 200, error: null, streamed: false, startTime: '2026-12-02T00:00:00.000Z',
      durationMs: 812, timeToFirstByteMs: 790, request: body('{"model":"gpt-4o-mini","messages":[]}'), response: body('data: {"a":1}\n\ndata: [DONE]\n\n'),
    };
    const bare = fixtureSpan({ spanId: 'r', name: 'chat', kind: 'llm', recording });
    assert.deepEqual(detailTabs(bare, false).map((t) => t.label), ['Conversation', 'Usage & cost', 'Exact request', 'Exact response', 'Attributes']);
    assert.equal(recordedBodyText(recording.request), '{\n  "model": "gpt-4o-mini",\n  "messages": []\n}', 'JSON pretty-printed');
    assert.equal(recordedBodyText(recording.response), recording.response.body, 'a stream exactly as it travelled');
    assert.equal(recordedBodyText({ body: '{"cut": "mid' }), '{"cut": "mid', 'a cut body as it is');
    assert.equal(recordingLinkLabel(recording), 'Linked with medium confidence (time window and model)');
    assert.equal(recordingLinkLabel({ link: { confidence: 'exact', reason: 'traceparent header' } }), 'Linked exactly (traceparent header)');
    assert.match(recordedSizeNote({ bytes: 9_000_000, truncated: true, body: '' }), /kept the first part only \(the client got everything\)/);
  });

  it("keeps the user's kind of tab across steps, and falls back to the first tab", () => {
    const chatTabs = detailTabs(chat1, false);
    const toolTabs = detailTabs(tool, false);
    assert.equal(shownTab(chatTabs, 'usage'), 1);
    assert.equal(shownTab(toolTabs, 'usage'), 0, 'a tool without usage opens on its input and output');
    assert.equal(shownTab(toolTabs, 'conversation'), 0);
    assert.equal(shownTab(toolTabs, 'attributes'), 1);
  });

  it("shows a parent step's run input (first user message) and final answer, naming the steps", () => {
    const idx = buildTreeIndex({ spans: [root, chat1, tool, chat2] });
    assert.deepEqual(runInputOutput(idx, 0), { input: 'Do I need an umbrella?', inputFrom: 'chat gpt-4o-mini', output: 'Yes, take one.', outputFrom: 'chat gpt-4o-mini' });
    assert.equal(runInputOutput(idx, 1), null, 'a model call has its own conversation');
    assert.equal(runInputOutput(idx, 2), null, 'a leaf has none');
  });

  it("prefers a parent step's own recorded input and output (OpenInference input.value / output.value)", () => {
    const chain = { ...root, attributes: { 'input.value': '{"question":"umbrella?"}', 'output.value': 'Take one.' } };
    const idx = buildTreeIndex({ spans: [chain, chat1, tool, chat2] });
    assert.deepEqual(runInputOutput(idx, 0), { input: '{"question":"umbrella?"}', inputFrom: 'agent run', output: 'Take one.', outputFrom: 'agent run' });
  });

  it('rolls tokens and cost up to parent steps, counting a duplicated model call once', () => {
    const idx = buildTreeIndex({ spans: [root, chat1, tool, chat2, dup] });
    const r = subtreeRollups(idx);
    assert.equal(r[0].tokens, 350);
    assert.ok(Math.abs(r[0].costUsd! - 0.0003) < 1e-12);
    assert.equal(r[0].descendants, 4);
    assert.equal(r[2].tokens, null, 'a tool has no tokens of its own');
    assert.equal(r[3].tokens, 230, 'the call itself; its duplicate adds nothing');
  });

  it('labels the timeline axis with offsets from the trace start', () => {
    assert.deepEqual(timeAxisTicks(400).map((t) => [t.pct, t.label]), [
      [0, '0'],
      [25, '+100 ms'],
      [50, '+200 ms'],
      [75, '+300 ms'],
      [100, '+400 ms'],
    ]);
    assert.deepEqual(timeAxisTicks(0), []);
  });

  it('shows paths relative to the workspace and times in local time with UTC kept', () => {
    assert.equal(workspaceRelative('/home/me/ws/agent.js', ['/home/me/ws']), 'agent.js');
    assert.equal(workspaceRelative('/home/me/ws2/agent.js', ['/home/me/ws']), '/home/me/ws2/agent.js', 'a sibling folder is not inside');
    assert.equal(workspaceRelative('C:\\ws\\src\\a.py', ['C:\\ws']), 'src\\a.py');
    const t = localAndUtc('2026-12-02T01:02:03.456Z');
    assert.equal(t.utc, '2026-12-02T01:02:03.456Z');
    const d = new Date('2026-12-02T01:02:03.456Z');
    assert.equal(t.local, `${d.getFullYear()}-12-0${d.getDate()} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:03.456`);
  });

  it("says how a run's checks came out, and which steps failing checks are about", () => {
    const r = (outcome: 'pass' | 'fail' | 'error', spanId: string | null = null) => ({ traceId: 't', check: `c-${outcome}`, kind: 'no_errors', outcome, message: 'm', spanId });
    assert.equal(checksLabel([r('pass')]), 'passed');
    assert.equal(checksLabel([r('pass'), r('pass')]), 'all 2 passed');
    assert.equal(checksLabel([r('pass'), r('fail')]), '1 of 2 failed');
    assert.equal(checksLabel([r('fail'), r('error'), r('pass')]), '1 of 3 failed, 1 could not be evaluated');
    assert.equal(checksLabel([r('error'), r('pass')]), '1 of 2 could not be evaluated', 'an error is never counted as a pass');
    const bySpan = failingChecksBySpan([r('fail', 's1'), r('error', 's1'), r('pass', 's2'), r('fail')]);
    assert.deepEqual([...bySpan.keys()], ['s1']);
    assert.equal(bySpan.get('s1')!.length, 2);
  });
});
