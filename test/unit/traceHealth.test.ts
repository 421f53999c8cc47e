// Trace health detectors on hand-made traces: each finding counted exactly, with example steps,
// and the look-alikes that are not findings left alone.
import assert from 'node:assert/strict';
import { healthReport, nameTemplate, traceHealth, traceHealthFacts, type HealthKind, type HealthReport } from '../../src/core/health';
import { emptyUsage, type Attributes, type CanonicalSpan, type StepKind, type Usage } from '../../src/core/model';

const BASE = 1_764_000_000_000_000_000n;
const at = (ms: number): string => (BASE + BigInt(ms) * 1_000_000n).toString();

interface S {
  id: string;
  parent?: string | null;
  name?: string;
  start?: number;
  end?: number;
  kind?: StepKind;
  model?: string | null;
  usage?: Partial<Usage>;
  attributes?: Attributes;
  sessionId?: string | null;
}

function span(traceId: string, s: S): CanonicalSpan {
  return {
    traceId, spanId: s.id, parentSpanId: s.parent ?? null, name: s.name ?? s.id, kind: 'internal',
    startUnixNanos: at(s.start ?? 0), endUnixNanos: at(s.end ?? 100), status: { code: 'unset', message: '' },
    attributes: s.attributes ?? {}, events: [], links: [], resource: {}, scope: { name: '', version: '' }, service: 'svc',
    norm: {
      kind: s.kind ?? 'other', convention: 'none', operation: null, model: s.model ?? null, modelRaw: s.model ?? null,
      provider: s.model ? 'openai' : null, usage: { ...emptyUsage(), ...s.usage }, reportedCostUsd: null, messages: [], tool: null,
      agentName: null, sessionId: s.sessionId ?? null, error: null, source: null,
    },
    costUsd: null, costSource: null,
  };
}

const trace = (traceId: string, spans: S[]) => ({ traceId, spans: spans.map((s) => span(traceId, s)) });
const itemOf = (r: HealthReport, kind: HealthKind) => r.items.find((i) => i.kind === kind)!;
const T1 = '1'.repeat(32);
const T2 = '2'.repeat(32);
const T3 = '3'.repeat(32);

describe('trace health', () => {
  it('a healthy trace has every item at zero, in a fixed order', () => {
    const r = traceHealth([trace(T1, [{ id: 'root' }, { id: 'llm', parent: 'root', kind: 'llm', model: 'gpt-4o-mini', usage: { inputTokens: 10, outputTokens: 2 } }])]);
    assert.deepEqual(r.items.map((i) => [i.kind, i.count]), [
      ['orphaned_spans', 0], ['llm_without_usage', 0], ['split_conversations', 0], ['ids_in_span_names', 0], ['duplicate_calls', 0],
    ]);
    assert.equal(r.traces, 1);
    assert.equal(r.spans, 2);
  });

  it('counts orphaned spans (parent not in the trace) with the step to open', () => {
    const r = traceHealth([
      trace(T1, [{ id: 'root' }, { id: 'a', parent: 'gone1' }, { id: 'b', parent: 'a' }, { id: 'c', parent: 'gone2' }]),
      trace(T2, [{ id: 'x', parent: 'remote' }]),
    ]);
    const orphans = itemOf(r, 'orphaned_spans');
    assert.equal(orphans.count, 3);
    assert.equal(orphans.traces, 2);
    assert.deepEqual(orphans.examples.map((e) => [e.traceId, e.spanId]), [[T1, 'a'], [T1, 'c'], [T2, 'x']]);
    assert.match(orphans.examples[0].text, /parent gone1 is not in the trace/);
  });

  it('counts LLM spans without any token usage, not the ones with partial usage nor non-LLM spans', () => {
    const r = traceHealth([trace(T1, [
      { id: 'root', kind: 'agent' },
      { id: 'bare', parent: 'root', kind: 'llm', model: 'gpt-4o' },
      { id: 'partial', parent: 'root', kind: 'llm', model: 'gpt-4o', usage: { outputTokens: 3 }, start: 200, end: 300 },
      { id: 'tool', parent: 'root', kind: 'tool' },
    ])]);
    const item = itemOf(r, 'llm_without_usage');
    assert.equal(item.count, 1);
    assert.deepEqual(item.examples.map((e) => e.spanId), ['bare']);
    assert.match(item.examples[0].text, /gpt-4o/);
  });

  it('finds one model call recorded twice (reusing duplicate detection) and does not also call the usage-less copy undercounted', () => {
    const r = traceHealth([trace(T1, [
      { id: 'root', kind: 'agent', end: 1000 },
      { id: 'framework', parent: 'root', name: 'ChatOpenAI', kind: 'llm', model: 'gpt-4o-mini', start: 10, end: 500 },
      { id: 'client', parent: 'root', name: 'openai.chat', kind: 'llm', model: 'gpt-4o-mini', start: 20, end: 490, usage: { inputTokens: 50, outputTokens: 9 } },
    ])]);
    const dup = itemOf(r, 'duplicate_calls');
    assert.equal(dup.count, 1);
    assert.deepEqual(dup.examples.map((e) => e.spanId), ['framework']);
    assert.match(dup.examples[0].text, /same gpt-4o-mini call as step client/);
    assert.equal(itemOf(r, 'llm_without_usage').count, 0);
  });

  it('flags a conversation whose traces overlap in time (broken propagation), not sequential turns', () => {
    const conv = (id: string) => ({ 'gen_ai.conversation.id': id });
    const r = traceHealth([
      // Turn 1 and turn 2 of one chat, one after the other: by design, not a finding.
      trace(T1, [{ id: 'a', start: 0, end: 100, attributes: conv('chat-1') }]),
      trace(T2, [{ id: 'b', start: 200, end: 300, attributes: conv('chat-1') }]),
      // An MCP server's own trace, inside the caller's window, same session id: split.
      trace(T3, [{ id: 'c', start: 220, end: 250, attributes: { 'session.id': 'chat-2' } }]),
      trace('4'.repeat(32), [{ id: 'd', start: 210, end: 400, sessionId: 'chat-2' }]),
    ]);
    const split = itemOf(r, 'split_conversations');
    assert.equal(split.count, 1, 'one split conversation');
    assert.equal(split.traces, 2);
    assert.equal(split.examples.length, 1);
    assert.equal(split.examples[0].traceId, T3);
    assert.equal(split.examples[0].spanId, 'c');
    assert.match(split.examples[0].text, /started while trace 4{32}/);
  });

  it('templates span names with ids and flags a template with several names, or any uuid/hex id', () => {
    assert.equal(nameTemplate('GET /users/12345'), 'GET /users/{n}');
    assert.equal(nameTemplate('fetch 3f2b9c1a-1b2c-4d5e-8f90-123456789abc'), 'fetch {uuid}');
    assert.equal(nameTemplate('job 9f86d081884c7d65'), 'job {hex}');
    assert.equal(nameTemplate('execute_tool get_weather'), 'execute_tool get_weather');
    assert.equal(nameTemplate('step 12'), 'step 12', 'short counters are not ids');
    assert.equal(nameTemplate('chat gpt-4o-2024-08-06', 'gpt-4o-2024-08-06'), 'chat {model}', 'the model name is not an id');
    const r = traceHealth([
      trace(T1, [{ id: 'a', name: 'GET /users/12345' }, { id: 'b', name: 'GET /users/67890', start: 5 }, { id: 'c', name: 'chat gpt-4o-2024-08-06', kind: 'llm', model: 'gpt-4o-2024-08-06', usage: { inputTokens: 1 } }]),
      trace(T2, [{ id: 'd', name: 'GET /users/55555' }, { id: 'e', name: 'lookup 3f2b9c1a-1b2c-4d5e-8f90-123456789abc' }, { id: 'f', name: 'order 123' }]),
    ]);
    const item = itemOf(r, 'ids_in_span_names');
    assert.equal(item.count, 4, '3 names of GET /users/{n} + 1 uuid name; "order 123" appears once, not flagged');
    assert.equal(item.traces, 2);
    assert.ok(item.examples.some((e) => e.spanId === 'a' && /"GET \/users\/\{n\}" \(3 distinct names\)/.test(e.text)));
    assert.ok(item.examples.some((e) => e.spanId === 'e'));
    assert.ok(!item.examples.some((e) => e.spanId === 'f' || e.spanId === 'c'));
  });

  it('caps examples, keeps exact counts, and reads at most 256 characters of a name (the regexes are audited linear)', () => {
    const spans: S[] = [{ id: 'root' }];
    for (let i = 0; i < 500; i++) spans.push({ id: `o${i}`, parent: `missing${i}` });
    const r = healthReport([traceHealthFacts(T1, trace(T1, spans).spans)], { maxExamples: 3 });
    assert.equal(itemOf(r, 'orphaned_spans').count, 500);
    assert.equal(itemOf(r, 'orphaned_spans').examples.length, 3);
    assert.equal(nameTemplate('x'.repeat(10) + '1'.repeat(100_000)), 'x'.repeat(10) + '{n}');
  });
});
