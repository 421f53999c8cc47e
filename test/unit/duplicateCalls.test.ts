import assert from 'node:assert/strict';
import { findDuplicateCalls, MAX_COMPARISONS, type CallPart } from '../../src/core/duplicateCalls';
import type { CanonicalSpan, StepKind, Usage } from '../../src/core/model';
import { emptyUsage } from '../../src/core/model';
import { summarizeTrace } from '../../src/core/tree';
import { traceToDetailDto } from '../../src/server/toDto';

const BASE = 1_764_000_000_000_000_000n;
const at = (ms: number): string => (BASE + BigInt(Math.round(ms * 1000)) * 1000n).toString();

interface S {
  id: string;
  parent?: string | null;
  name?: string;
  start: number;
  end: number;
  kind?: StepKind;
  model?: string | null;
  provider?: string | null;
  usage?: Partial<Usage>;
  cost?: number | null;
}

function span(s: S): CanonicalSpan {
  return {
    traceId: 't', spanId: s.id, parentSpanId: s.parent ?? null, name: s.name ?? s.id, kind: 'internal',
    startUnixNanos: at(s.start), endUnixNanos: at(s.end), status: { code: 'unset', message: '' },
    attributes: {}, events: [], links: [], resource: {}, scope: { name: '', version: '' }, service: 'svc',
    norm: {
      kind: s.kind ?? 'llm', convention: 'none', operation: null, model: s.model === undefined ? 'gpt-4o-mini' : s.model,
      modelRaw: null, provider: s.provider === undefined ? 'openai' : s.provider, usage: { ...emptyUsage(), ...s.usage },
      reportedCostUsd: null, messages: [], tool: null, agentName: null, sessionId: null, error: null, source: null,
    },
    costUsd: s.cost ?? null,
    costSource: s.cost === undefined || s.cost === null ? null : 'computed',
  };
}

const USAGE = { inputTokens: 300, outputTokens: 55 };

// The shape issue 7 reported: OpenInference's LangChain span under the chain, its OpenAI span under the root.
const langchainPlusOpenAi = (second: Partial<S> = {}): S[] => [
  { id: 'root', start: 0, end: 100, kind: 'workflow', model: null, provider: null },
  { id: 'chain', parent: 'root', name: 'RunnableSequence', start: 1, end: 99, kind: 'workflow', model: null, provider: null },
  { id: 'lc', parent: 'chain', name: 'ChatOpenAI', start: 2, end: 50, usage: USAGE, cost: 0.0001 },
  { id: 'oa', parent: 'root', name: 'OpenAI Chat Completions', start: 3, end: 49, usage: USAGE, cost: 0.0001 },
  { id: 'lc2', parent: 'chain', name: 'ChatOpenAI', start: 51, end: 98, usage: USAGE, cost: 0.0001 },
  { id: 'oa2', parent: 'root', name: 'OpenAI Chat Completions', start: 52, end: 97, usage: USAGE, cost: 0.0001, ...second },
];

describe('findDuplicateCalls', () => {
  const cases: { name: string; spans: S[]; duplicates: Record<string, string> }[] = [
    {
      name: 'two instrumentations on separate branches: each call is one duplicate pair',
      spans: langchainPlusOpenAi(),
      duplicates: { lc: 'oa', lc2: 'oa2' },
    },
    {
      name: 'a client SDK tracing itself under the framework model span (parent and child)',
      spans: [
        { id: 'fw', name: 'ai.generateText.doGenerate', start: 0, end: 40, usage: { inputTokens: 120, outputTokens: 9 }, model: 'claude-sonnet-4', provider: 'anthropic' },
        { id: 'sdk', parent: 'fw', name: 'anthropic.messages.create', start: 1, end: 39, model: 'claude-sonnet-4', provider: 'anthropic',
          usage: { inputTokens: 120, outputTokens: 9, cacheReadTokens: 100, cacheWriteTokens: 0 } },
      ],
      duplicates: { fw: 'sdk' }, // the copy that says more (cache counts) is the one counted
    },
    {
      name: 'contained token counts: uncached input beside total input, and a count only one side reports',
      spans: [
        { id: 'a', name: 'A', start: 0, end: 10, usage: { inputTokens: 30, outputTokens: 5, cacheReadTokens: 20 } },
        { id: 'b', name: 'B', start: 0.5, end: 9.5, usage: { inputTokens: 50, outputTokens: 5, cacheReadTokens: 20 } },
      ],
      duplicates: { a: 'b' },
    },
    {
      name: 'millisecond-precision clocks: the inner span may stick out by under a millisecond',
      spans: [
        { id: 'a', name: 'A', start: 10, end: 20, usage: USAGE },
        { id: 'b', name: 'B', start: 9.5, end: 20.4, usage: USAGE },
      ],
      duplicates: { b: 'a' }, // equal evidence: the inner (shorter) window is the client's own span, the one counted
    },
    {
      name: 'one call recorded three times: both extra copies point at the counted one',
      spans: [
        { id: 'a', name: 'A', start: 0, end: 30, usage: USAGE },
        { id: 'b', name: 'B', start: 1, end: 29, usage: USAGE, cost: 0.01 },
        { id: 'c', name: 'C', start: 2, end: 28, usage: USAGE },
      ],
      duplicates: { a: 'b', c: 'b' },
    },
    { name: 'sequential calls (no overlap) are separate calls', spans: [
      { id: 'a', name: 'A', start: 0, end: 10, usage: USAGE },
      { id: 'b', name: 'B', start: 11, end: 20, usage: USAGE },
    ], duplicates: {} },
    { name: 'overlapping windows where neither contains the other are separate calls', spans: [
      { id: 'a', name: 'A', start: 0, end: 10, usage: USAGE },
      { id: 'b', name: 'B', start: 5, end: 15, usage: USAGE },
    ], duplicates: {} },
    { name: 'identical parallel calls through one instrumentation (same span name) are separate calls', spans: [
      { id: 'a', name: 'ChatOpenAI', start: 0, end: 10, usage: USAGE },
      { id: 'b', name: 'ChatOpenAI', start: 1, end: 9, usage: USAGE },
    ], duplicates: {} },
    { name: 'different models', spans: [
      { id: 'a', name: 'A', start: 0, end: 10, usage: USAGE, model: 'gpt-4o' },
      { id: 'b', name: 'B', start: 1, end: 9, usage: USAGE, model: 'gpt-4o-mini' },
    ], duplicates: {} },
    { name: 'different providers, when both are known', spans: [
      { id: 'a', name: 'A', start: 0, end: 10, usage: USAGE, provider: 'openai' },
      { id: 'b', name: 'B', start: 1, end: 9, usage: USAGE, provider: 'azure.ai.openai' },
    ], duplicates: {} },
    { name: 'a provider known on one side only does not decide', spans: [
      { id: 'a', name: 'A', start: 0, end: 10, usage: USAGE, provider: null },
      { id: 'b', name: 'B', start: 1, end: 9, usage: USAGE, provider: 'openai' },
    ], duplicates: { a: 'b' } },
    { name: 'different token counts', spans: [
      { id: 'a', name: 'A', start: 0, end: 10, usage: { inputTokens: 300, outputTokens: 55 } },
      { id: 'b', name: 'B', start: 1, end: 9, usage: { inputTokens: 300, outputTokens: 56 } },
    ], duplicates: {} },
    { name: 'no shared count (input on one side, output on the other)', spans: [
      { id: 'a', name: 'A', start: 0, end: 10, usage: { inputTokens: 300 } },
      { id: 'b', name: 'B', start: 1, end: 9, usage: { outputTokens: 55 } },
    ], duplicates: {} },
    { name: 'an agent span repeating its model call is a wrapper, not a duplicate', spans: [
      { id: 'a', name: 'agent', kind: 'agent', start: 0, end: 10, usage: USAGE },
      { id: 'b', name: 'B', parent: 'a', start: 1, end: 9, usage: USAGE },
    ], duplicates: {} },
    { name: 'two spans without any token counts are not compared (nothing to go on)', spans: [
      { id: 'a', name: 'A', start: 0, end: 10 },
      { id: 'b', name: 'B', start: 1, end: 9 },
    ], duplicates: {} },
    { name: 'a streamed framework span without usage around the client span that has it: one call, the counts kept', spans: [
      { id: 'lc', name: 'ChatOpenAI', start: 0, end: 10 },
      { id: 'oa', name: 'OpenAI Chat Completions', start: 1, end: 9, usage: USAGE },
    ], duplicates: { lc: 'oa' } },
    { name: 'a retried request: the failed attempt (no usage) and the successful one are two requests under one framework span', spans: [
      { id: 'lc', name: 'ChatOpenAI', start: 0, end: 30, usage: USAGE },
      { id: 'try1', name: 'OpenAI Chat Completions', start: 1, end: 9 },
      { id: 'try2', name: 'OpenAI Chat Completions', start: 11, end: 29, usage: USAGE },
    ], duplicates: { lc: 'try2' } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const parts: CallPart[] = c.spans.map((s) => {
        const x = span(s);
        return { spanId: x.spanId, name: x.name, startUnixNanos: x.startUnixNanos, endUnixNanos: x.endUnixNanos, kind: x.norm.kind,
          model: x.norm.model, provider: x.norm.provider, usage: x.norm.usage, costUsd: x.costUsd };
      });
      assert.deepEqual(Object.fromEntries(findDuplicateCalls(parts)), c.duplicates);
    });
  }

  it('stays linear on 10,000 overlapping identical calls (bounded comparisons per call)', () => {
    const parts: CallPart[] = [];
    for (let i = 0; i < 10_000; i++) {
      const s = span({ id: `s${i}`, name: `call ${i % 2}`, start: i * 0.001, end: 10_000, usage: USAGE });
      parts.push({ spanId: s.spanId, name: s.name, startUnixNanos: s.startUnixNanos, endUnixNanos: s.endUnixNanos, kind: 'llm',
        model: 'gpt-4o-mini', provider: 'openai', usage: s.norm.usage, costUsd: null });
    }
    const stats = { comparisons: 0 };
    const dups = findDuplicateCalls(parts, stats);
    // Unbounded pairwise comparison would be ~50 million here.
    assert.ok(stats.comparisons <= parts.length * (MAX_COMPARISONS + 1), `comparisons: ${stats.comparisons}`);
    // Names alternate between two instrumentations, each window inside the previous one's: the innermost is
    // counted, and the spans of the other name are its duplicates (those of its own name are not copies of it).
    assert.equal(dups.size, parts.length / 2);
  });
});

describe('trace summary with duplicate calls', () => {
  it('counts a call recorded by two instrumentations once in llmCalls, tokens and cost', () => {
    const spans = langchainPlusOpenAi().map(span);
    const s = summarizeTrace(spans);
    assert.equal(s.llmCalls, 2);
    assert.deepEqual([s.usage.inputTokens, s.usage.outputTokens], [600, 110]);
    assert.equal(s.costUsd, 0.0002);
  });

  it('keeps counting a parent whose only usage-reporting child is its duplicate', () => {
    const spans = [
      { id: 'sdk', name: 'anthropic.messages.create', start: 0, end: 40, usage: { inputTokens: 120, outputTokens: 9, cacheReadTokens: 100 }, cost: 0.5 },
      { id: 'fw', parent: 'sdk', name: 'inner', start: 1, end: 39, usage: { inputTokens: 120, outputTokens: 9 }, cost: 0.5 },
    ].map(span);
    const s = summarizeTrace(spans);
    assert.equal(s.llmCalls, 1);
    assert.equal(s.usage.inputTokens, 120);
    assert.equal(s.usage.cacheReadTokens, 100);
    assert.equal(s.costUsd, 0.5);
  });

  it('does not count an agent span twice when its model call is a duplicate of a call on another branch', () => {
    const spans = [
      { id: 'root', start: 0, end: 100, kind: 'workflow' as StepKind, model: null },
      { id: 'agent', parent: 'root', name: 'agent', kind: 'agent' as StepKind, start: 1, end: 90, usage: USAGE, cost: 0.3 },
      { id: 'lc', parent: 'agent', name: 'ChatOpenAI', start: 2, end: 50, usage: USAGE, cost: 0.3 },
      { id: 'oa', parent: 'root', name: 'OpenAI Chat Completions', start: 3, end: 49, usage: USAGE, cost: 0.3 },
    ].map(span);
    const s = summarizeTrace(spans);
    assert.equal(s.llmCalls, 1);
    assert.equal(s.usage.inputTokens, 300);
    assert.equal(s.costUsd, 0.3);
  });

  it('marks the duplicate in the trace detail, naming the counted step, and hides nothing', () => {
    const spans = langchainPlusOpenAi().map(span);
    const d = traceToDetailDto(summarizeTrace(spans), spans);
    assert.equal(d.spans.length, spans.length);
    const dup = Object.fromEntries(d.spans.map((x) => [x.spanId, x.duplicateOf]));
    assert.deepEqual(dup, { root: null, chain: null, lc: 'oa', lc2: 'oa2', oa: null, oa2: null });
  });
});
