import assert from 'node:assert/strict';
import type { CanonicalSpan, StepKind, Usage } from '../../src/core/model';
import { emptyUsage } from '../../src/core/model';
import { assembleTrace, durationMsBetween, nanosToIso, summarizeTrace } from '../../src/core/tree';
import { spanToDto, traceToDetailDto } from '../../src/server/toDto';

const BASE = 1_764_000_000_000_000_000n;
const at = (ms: number | null): string => (ms === null ? '0' : (BASE + BigInt(Math.round(ms * 1000)) * 1000n).toString());

interface S {
  id: string;
  parent?: string | null;
  start?: number | null;
  end?: number | null;
  name?: string;
  kind?: StepKind;
  model?: string;
  usage?: Partial<Usage>;
  cost?: number | null;
  error?: boolean;
  service?: string;
}

function span(s: S): CanonicalSpan {
  const start = s.start === undefined ? 0 : s.start;
  const end = s.end === undefined ? (start ?? 0) + 10 : s.end;
  return {
    traceId: 't',
    spanId: s.id,
    parentSpanId: s.parent ?? null,
    name: s.name ?? s.id,
    kind: 'internal',
    startUnixNanos: at(start),
    endUnixNanos: at(end),
    status: { code: s.error ? 'error' : 'unset', message: '' },
    attributes: {},
    events: [],
    links: [],
    resource: {},
    scope: { name: '', version: '' },
    service: s.service ?? 'svc',
    norm: {
      kind: s.kind ?? 'other', convention: 'none', operation: null, model: s.model ?? null, modelRaw: s.model ?? null,
      provider: null, usage: { ...emptyUsage(), ...s.usage }, reportedCostUsd: null, messages: [], tool: null,
      agentName: null, sessionId: null, error: null, source: null,
    },
    costUsd: s.cost ?? null,
    costSource: s.cost === undefined || s.cost === null ? null : 'computed',
  };
}

describe('assembleTrace', () => {
  const cases: { name: string; spans: S[]; order: string[]; warnings: RegExp[] }[] = [
    {
      name: 'children arriving before parents still come out depth-first, siblings by start time',
      spans: [
        { id: 'c2', parent: 'b', start: 30 },
        { id: 'c1', parent: 'b', start: 20 },
        { id: 'd', parent: 'a', start: 50 },
        { id: 'b', parent: 'a', start: 10, end: 45 },
        { id: 'a', start: 0, end: 100 },
      ],
      order: ['a', '.b', '..c1', '..c2', '.d'],
      warnings: [],
    },
    {
      name: 'a span whose parent has not arrived is kept as an extra root',
      spans: [
        { id: 'a', start: 0, end: 100 },
        { id: 'x', parent: 'missing', start: 5 },
        { id: 'y', parent: 'x', start: 6, end: 8 },
      ],
      order: ['a', 'x', '.y'],
      warnings: [/parent missing.*has not arrived/],
    },
    {
      name: 'duplicate span ids keep the last copy and warn',
      spans: [
        { id: 'a', start: 0, end: 100 },
        { id: 'b', parent: 'a', start: 10, name: 'first copy' },
        { id: 'b', parent: 'a', start: 10, name: 'second copy' },
      ],
      order: ['a', '.b'],
      warnings: [/Duplicate span id b \(2 copies\)/],
    },
    {
      name: 'missing timestamps are warned about and sorted last among siblings',
      spans: [
        { id: 'a', start: 0, end: 100 },
        { id: 'nostart', parent: 'a', start: null, end: null },
        { id: 'noend', parent: 'a', start: 20, end: null },
        { id: 'ok', parent: 'a', start: 30, end: 40 },
        { id: 'backwards', parent: 'a', start: 50, end: 45 },
      ],
      order: ['a', '.noend', '.ok', '.backwards', '.nostart'],
      warnings: [/nostart.*no start time/, /noend.*no end time/, /backwards.*ends before it starts/],
    },
    {
      name: 'clock skew: a child outside its parent window is a warning, not an error',
      spans: [
        { id: 'a', start: 100, end: 200 },
        { id: 'early', parent: 'a', start: 90, end: 110 },
        { id: 'late', parent: 'a', start: 150, end: 250 },
      ],
      order: ['a', '.early', '.late'],
      warnings: [/early.*starts 10 ms before its parent/, /late.*ends 50 ms after its parent/],
    },
    {
      name: 'sub-millisecond overhang (SDKs with millisecond start times) is not called skew',
      spans: [
        { id: 'a', start: 100, end: 200 },
        { id: 'b', parent: 'a', start: 99.6, end: 150 },
        { id: 'c', parent: 'a', start: 150, end: 200.4 },
      ],
      order: ['a', '.b', '.c'],
      warnings: [],
    },
    {
      name: 'a parent cycle is broken at one span, which becomes a root',
      spans: [
        { id: 'a', start: 0 },
        { id: 'p', parent: 'q', start: 5, end: 100 },
        { id: 'q', parent: 'p', start: 6 },
        { id: 'self', parent: 'self', start: 7 },
      ],
      order: ['a', 'p', '.q', 'self'],
      warnings: [/"p".*parent cycle/, /"self".*parent cycle/],
    },
    {
      name: 'an empty trace is an empty tree',
      spans: [],
      order: [],
      warnings: [],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const t = assembleTrace(c.spans.map(span));
      assert.deepEqual(t.nodes.map((n) => `${'.'.repeat(n.depth)}${n.span.spanId}`), c.order);
      assert.equal(t.warnings.length, c.warnings.length, t.warnings.join('\n'));
      for (const w of c.warnings) assert.ok(t.warnings.some((x) => w.test(x)), `${w} not in ${t.warnings.join(' | ')}`);
    });
  }

  it('keeps the last duplicate and flags orphans and children in the node data', () => {
    const t = assembleTrace([
      span({ id: 'a', start: 0, end: 100 }),
      span({ id: 'b', parent: 'a', start: 10, name: 'old' }),
      span({ id: 'b', parent: 'a', start: 10, name: 'new' }),
      span({ id: 'o', parent: 'gone', start: 1 }),
    ]);
    assert.equal(t.byId.get('b')!.span.name, 'new');
    assert.deepEqual(t.byId.get('a')!.children, ['b']);
    assert.equal(t.byId.get('o')!.orphaned, true);
    assert.equal(t.byId.get('a')!.orphaned, false);
    assert.deepEqual(t.roots, ['a', 'o']);
  });

  it('moves a skewed child into its parent window for display only, descendants with it', () => {
    const spans = [span({ id: 'a', start: 100, end: 200 }), span({ id: 'b', parent: 'a', start: 90, end: 110 }), span({ id: 'c', parent: 'b', start: 95, end: 100 })];
    const before = spans.map((s) => s.startUnixNanos);
    const t = assembleTrace(spans);
    assert.equal(t.byId.get('b')!.displayShiftNanos, '10000000');
    assert.equal(t.byId.get('c')!.displayShiftNanos, '10000000');
    assert.equal(t.byId.get('a')!.displayShiftNanos, '0');
    assert.deepEqual(spans.map((s) => s.startUnixNanos), before, 'stored times untouched');
  });

  it('handles a 20,000-deep chain without overflowing the stack', () => {
    const spans = Array.from({ length: 20_000 }, (_, i) => span({ id: `s${i}`, parent: i === 0 ? null : `s${i - 1}`, start: i }));
    const t = assembleTrace(spans.reverse());
    assert.equal(t.nodes.length, 20_000);
    assert.equal(t.nodes[19_999].depth, 19_999);
  });

  it('caps repeated warnings of one kind and says how many more', () => {
    const spans = [span({ id: 'a' }), ...Array.from({ length: 50 }, (_, i) => span({ id: `o${i}`, parent: `gone${i}` }))];
    const t = assembleTrace(spans);
    assert.equal(t.nodes.length, 51);
    assert.equal(t.warnings.length, 21);
    assert.match(t.warnings[20], /and 30 more orphan warnings/);
  });
});

describe('summarizeTrace', () => {
  const cases: {
    name: string;
    spans: S[];
    expect: Partial<{ name: string; input: number | null; output: number | null; cost: number | null; orphans: number; llm: number; tools: number; errors: number; durationMs: number; models: string[]; services: string[] }>;
  }[] = [
    {
      name: 'a wrapper repeating its model call usage is not double counted',
      spans: [
        { id: 'agent', kind: 'agent', start: 0, end: 100, usage: { inputTokens: 100, outputTokens: 20 }, cost: 0.5 },
        { id: 'llm', parent: 'agent', kind: 'llm', start: 10, end: 90, usage: { inputTokens: 100, outputTokens: 20 }, cost: 0.5, model: 'gpt-4o' },
      ],
      expect: { input: 100, output: 20, cost: 0.5, llm: 1, models: ['gpt-4o'] },
    },
    {
      name: 'usage is counted at the deepest reporting spans, wherever they sit',
      spans: [
        { id: 'agent', kind: 'agent', usage: { inputTokens: 300 } },
        { id: 'step', parent: 'agent', kind: 'workflow' },
        { id: 'l1', parent: 'step', kind: 'llm', usage: { inputTokens: 100, outputTokens: 1 } },
        { id: 'l2', parent: 'agent', kind: 'llm', usage: { inputTokens: 200, outputTokens: 2 } },
        { id: 'tool', parent: 'agent', kind: 'tool' },
      ],
      expect: { input: 300, output: 3, llm: 2, tools: 1, cost: null },
    },
    {
      name: 'unknown cost stays null, never 0',
      spans: [
        { id: 'a', kind: 'llm', usage: { inputTokens: 10 }, model: 'mystery-model' },
        { id: 'b', parent: 'a', kind: 'tool' },
      ],
      expect: { input: 10, output: null, cost: null },
    },
    {
      name: 'partial cost knowledge sums the known costs',
      spans: [
        { id: 'a', kind: 'agent' },
        { id: 'l1', parent: 'a', kind: 'llm', usage: { inputTokens: 10 }, cost: 0.25 },
        { id: 'l2', parent: 'a', kind: 'llm', usage: { inputTokens: 10 }, cost: null },
      ],
      expect: { input: 20, cost: 0.25 },
    },
    {
      name: 'without a root, the earliest span names the trace; orphans are counted',
      spans: [
        { id: 'x', parent: 'gone', start: 20, name: 'later' },
        { id: 'y', parent: 'gone', start: 5, end: 50, name: 'earliest' },
      ],
      expect: { name: 'earliest', orphans: 2, durationMs: 45 },
    },
    {
      name: 'the root names the trace even when it starts after a skewed child; duration is min start to max end',
      spans: [
        { id: 'child', parent: 'root', start: 0, end: 5, error: true, service: 'b' },
        { id: 'root', start: 2, end: 100.5, name: 'run agent', service: 'a' },
      ],
      expect: { name: 'run agent', orphans: 0, errors: 1, durationMs: 100.5, services: ['a', 'b'] },
    },
    {
      name: 'a duplicated span counts once',
      spans: [
        { id: 'l', kind: 'llm', usage: { inputTokens: 7 } },
        { id: 'l', kind: 'llm', usage: { inputTokens: 7 } },
      ],
      expect: { input: 7, llm: 1 },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const s = summarizeTrace(c.spans.map(span));
      const e = c.expect;
      if ('name' in e) assert.equal(s.name, e.name);
      if ('input' in e) assert.equal(s.usage.inputTokens, e.input);
      if ('output' in e) assert.equal(s.usage.outputTokens, e.output);
      if ('cost' in e) assert.equal(s.costUsd, e.cost);
      if ('orphans' in e) assert.equal(s.orphanCount, e.orphans);
      if ('llm' in e) assert.equal(s.llmCalls, e.llm);
      if ('tools' in e) assert.equal(s.toolCalls, e.tools);
      if ('errors' in e) assert.equal(s.errorCount, e.errors);
      if ('durationMs' in e) assert.equal(s.durationMs, e.durationMs);
      if ('models' in e) assert.deepEqual(s.models, e.models);
      if ('services' in e) assert.deepEqual(s.services, e.services);
    });
  }

  it('reports start time and span count', () => {
    const s = summarizeTrace([span({ id: 'a', start: 0 }), span({ id: 'b', parent: 'a', start: 3 })]);
    assert.equal(s.spanCount, 2);
    assert.equal(s.startUnixNanos, BASE.toString());
    assert.equal(s.startTime, '2025-11-24T16:00:00.000Z');
  });
});

describe('DTO conversion', () => {
  it('gives ISO start times and float durations with microsecond precision', () => {
    assert.equal(durationMsBetween('1000', '1235678'), 1.234);
    assert.equal(durationMsBetween('5', '1504'), 0.001);
    assert.equal(durationMsBetween('10', '5'), 0);
    assert.equal(nanosToIso('0'), '1970-01-01T00:00:00.000Z');
    const dto = spanToDto(span({ id: 'a', start: 0, end: 12.5 }), true);
    assert.equal(dto.startTime, '2025-11-24T16:00:00.000Z');
    assert.equal(dto.durationMs, 12.5);
    assert.equal(dto.orphaned, true);
  });

  it('puts trace detail spans in tree order with warnings', () => {
    const spans = [span({ id: 'c', parent: 'a', start: 5 }), span({ id: 'o', parent: 'zz', start: 1 }), span({ id: 'a', start: 0, end: 100 })];
    const d = traceToDetailDto(summarizeTrace(spans), spans);
    assert.deepEqual(d.spans.map((s) => [s.spanId, s.orphaned]), [['a', false], ['c', false], ['o', true]]);
    assert.equal(d.warnings.length, 1);
    assert.equal(d.orphanCount, 1);
  });
});
