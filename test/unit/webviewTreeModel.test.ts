import { strict as assert } from 'node:assert';
import type { SpanDto } from '../../src/protocol/dto';
import { ancestorIds, barGeometry, buildTreeIndex, duplicateNote, initialSelection, navigate, nextFailedSpan, visibleRows, type NavKey, type TreeRow } from '../../webview/trace/treeModel';
import { fixtureSpan, generateTrace } from '../webview/fixtures';

const ns = (ms: number) => String(BigInt(1_760_000_000_000 + ms) * 1_000_000n);
function span(id: string, parent: string | null, startMs = 0, durationMs = 10, extra: Partial<SpanDto> = {}): SpanDto {
  return fixtureSpan({ spanId: id, parentSpanId: parent, name: `span ${id}`, kind: 'other', startUnixNanos: ns(startMs), durationMs, ...extra });
}

// a ─┬─ b ── c
//    └─ d
const small = () => buildTreeIndex({ spans: [span('a', null, 0, 100), span('b', 'a', 10, 50), span('c', 'b', 20, 10), span('d', 'a', 70, 30)] });
const names = (rows: TreeRow[], idx = small()) => rows.map((r) => idx.spans[r.span].spanId);

describe('webview tree model', () => {
  it('builds depth, children and offsets', () => {
    const idx = small();
    assert.deepEqual(idx.depth, [0, 1, 2, 1]);
    assert.deepEqual(idx.roots, [0]);
    assert.deepEqual(idx.offsetMs, [0, 10, 20, 70]);
    assert.equal(idx.totalMs, 100);
  });

  it('keeps orphans, duplicates and parent cycles as rows instead of dropping them', () => {
    const idx = buildTreeIndex({ spans: [span('a', null), span('x', 'missing'), span('a', null), span('p', 'q'), span('q', 'p')] });
    const rows = visibleRows(idx, new Set(), '');
    assert.equal(rows.length, 5);
    assert.deepEqual(idx.roots.includes(1), true);
  });

  const visCases: { name: string; collapsed: string[]; query: string; expected: string[] }[] = [
    { name: 'all expanded', collapsed: [], query: '', expected: ['a', 'b', 'c', 'd'] },
    { name: 'collapsed child hides grandchild', collapsed: ['b'], query: '', expected: ['a', 'b', 'd'] },
    { name: 'collapsed root hides all', collapsed: ['a'], query: '', expected: ['a'] },
    { name: 'search keeps ancestors of a match', collapsed: [], query: 'span c', expected: ['a', 'b', 'c'] },
    { name: 'search ignores collapse so matches show', collapsed: ['a', 'b'], query: 'SPAN C', expected: ['a', 'b', 'c'] },
    { name: 'search without matches shows nothing', collapsed: [], query: 'nope', expected: [] },
  ];
  for (const c of visCases) {
    it(`visible rows: ${c.name}`, () => {
      const idx = small();
      assert.deepEqual(names(visibleRows(idx, new Set(c.collapsed), c.query), idx), c.expected);
    });
  }

  it('marks which rows match and gives aria positions', () => {
    const idx = small();
    const rows = visibleRows(idx, new Set(), 'span c');
    assert.deepEqual(rows.map((r) => r.match), [false, false, true]);
    const all = visibleRows(idx, new Set(), '');
    assert.deepEqual(all.map((r) => [r.depth, r.posInSet, r.setSize]), [[0, 1, 1], [1, 1, 2], [2, 1, 1], [1, 2, 2]]);
    assert.deepEqual(all.map((r) => r.hasChildren), [true, true, false, false]);
  });

  it('searches model, tool name, tool arguments and message text', () => {
    const trace = generateTrace({ spanCount: 5 });
    const idx = buildTreeIndex(trace);
    const kinds = (q: string) => visibleRows(idx, new Set(), q).filter((r) => r.match).map((r) => idx.spans[r.span].kind);
    assert.deepEqual(kinds('gpt-4o-mini-2024'), ['llm', 'llm']);
    assert.ok(kinds('search_flights').includes('tool'));
    assert.ok(kinds('"units":"metric"').includes('tool'));
    assert.deepEqual(kinds('trip to paris'), ['llm', 'llm']);
  });

  it('handles a 10,000-level chain without overflowing the stack', () => {
    const spans = Array.from({ length: 10_000 }, (_, i) => span(`s${i}`, i ? `s${i - 1}` : null, i, 1));
    const rows = visibleRows(buildTreeIndex({ spans }), new Set(), '');
    assert.equal(rows.length, 10_000);
    assert.equal(rows[9_999].depth, 9_999);
  });

  it('positions waterfall bars relative to the trace', () => {
    const idx = small();
    assert.deepEqual(barGeometry(idx, 0), { leftPct: 0, widthPct: 100 });
    assert.deepEqual(barGeometry(idx, 1), { leftPct: 10, widthPct: 50 });
    assert.deepEqual(barGeometry(idx, 3), { leftPct: 70, widthPct: 30 });
    const zero = buildTreeIndex({ spans: [span('a', null, 0, 100), span('z', 'a', 100, 0)] });
    const g = barGeometry(zero, 1);
    assert.ok(g.widthPct > 0 && g.leftPct + g.widthPct <= 100, 'zero-length span at the end stays visible');
    const empty = buildTreeIndex({ spans: [span('a', null, 0, 0)] });
    assert.deepEqual(barGeometry(empty, 0), { leftPct: 0, widthPct: 100 });
  });

  it('falls back to ISO start times when nanoseconds are missing', () => {
    const idx = buildTreeIndex({
      spans: [
        span('a', null, 0, 100, { startUnixNanos: '0', startTime: '2025-01-01T00:00:00.000Z' }),
        span('b', 'a', 0, 10, { startUnixNanos: '', startTime: '2025-01-01T00:00:00.040Z' }),
      ],
    });
    assert.deepEqual(idx.offsetMs, [0, 40]);
  });

  const navCases: { name: string; collapsed: string[]; from: number; key: NavKey; expected: { index: number; toggle?: string } }[] = [
    { name: 'down moves to next', collapsed: [], from: 0, key: 'ArrowDown', expected: { index: 1 } },
    { name: 'down stops at end', collapsed: [], from: 3, key: 'ArrowDown', expected: { index: 3 } },
    { name: 'up stops at start', collapsed: [], from: 0, key: 'ArrowUp', expected: { index: 0 } },
    { name: 'down from nothing selects first', collapsed: [], from: -1, key: 'ArrowDown', expected: { index: 0 } },
    { name: 'home', collapsed: [], from: 2, key: 'Home', expected: { index: 0 } },
    { name: 'end', collapsed: [], from: 0, key: 'End', expected: { index: 3 } },
    { name: 'page down clamps', collapsed: [], from: 1, key: 'PageDown', expected: { index: 3 } },
    { name: 'right on expanded parent goes to first child', collapsed: [], from: 1, key: 'ArrowRight', expected: { index: 2 } },
    { name: 'right on collapsed parent expands', collapsed: ['b'], from: 1, key: 'ArrowRight', expected: { index: 1, toggle: 'expand' } },
    { name: 'right on leaf stays', collapsed: [], from: 2, key: 'ArrowRight', expected: { index: 2 } },
    { name: 'left on expanded parent collapses', collapsed: [], from: 1, key: 'ArrowLeft', expected: { index: 1, toggle: 'collapse' } },
    { name: 'left on leaf goes to parent', collapsed: [], from: 2, key: 'ArrowLeft', expected: { index: 1 } },
    { name: 'left on second child goes to parent', collapsed: [], from: 3, key: 'ArrowLeft', expected: { index: 0 } },
    { name: 'left on collapsed root stays', collapsed: ['a'], from: 0, key: 'ArrowLeft', expected: { index: 0 } },
  ];
  for (const c of navCases) {
    it(`keyboard: ${c.name}`, () => {
      const rows = visibleRows(small(), new Set(c.collapsed), '');
      assert.deepEqual(navigate(rows, c.from, c.key, 10), c.expected);
    });
  }

  it('keyboard on an empty tree selects nothing', () => {
    assert.deepEqual(navigate([], 0, 'ArrowDown'), { index: -1 });
  });

  it('lists ancestors for reveal', () => {
    assert.deepEqual(ancestorIds(small(), 2), ['b', 'a']);
    assert.deepEqual(ancestorIds(small(), 0), []);
  });
});

describe('webview tree model: duplicate model calls', () => {
  it('names the counted step in the tooltip of a duplicate, and says nothing for the others', () => {
    const idx = buildTreeIndex({
      spans: [
        span('root', null, 0, 100),
        span('lc', 'root', 1, 50, { name: 'ChatOpenAI', kind: 'llm', duplicateOf: 'oa' }),
        span('oa', 'root', 2, 48, { name: 'OpenAI Chat Completions', kind: 'llm', duplicateOf: null }),
        span('gone', 'root', 3, 40, { name: 'copy', kind: 'llm', duplicateOf: 'absent' }),
      ],
    });
    const note = duplicateNote(idx, 1);
    assert.ok(note?.startsWith('Duplicate: the same model call as "OpenAI Chat Completions" (oa)'), note ?? 'null');
    assert.equal(duplicateNote(idx, 0), null);
    assert.equal(duplicateNote(idx, 2), null);
    assert.match(duplicateNote(idx, 3) ?? '', /span absent/);
  });
});

describe('webview tree model: where a trace opens', () => {
  const fail = { status: 'error' as const, error: { type: 'ValueError', message: 'boom', stacktrace: null } as unknown as SpanDto['error'] };
  // root ─┬─ agent ─┬─ llm1
  //       │         └─ tool (failed)
  //       └─ llm2 (failed)
  const trace = () =>
    buildTreeIndex({
      spans: [
        span('root', null, 0, 100),
        span('agent', 'root', 1, 60, { kind: 'agent' }),
        span('llm1', 'agent', 2, 10, { kind: 'llm' }),
        span('tool', 'agent', 20, 10, { kind: 'tool', ...fail }),
        span('llm2', 'root', 70, 20, { kind: 'llm', ...fail }),
      ],
    });

  it('opens on the first failed step in tree order, with the Error tab', () => {
    assert.deepEqual(initialSelection(trace()), { spanId: 'tool', errorTab: true });
  });

  it('without failures opens on the first model call, not the empty root', () => {
    const idx = buildTreeIndex({ spans: [span('root', null, 0, 100), span('t', 'root', 1, 5, { kind: 'tool' }), span('m', 'root', 10, 5, { kind: 'llm' })] });
    assert.deepEqual(initialSelection(idx), { spanId: 'm', errorTab: false });
    assert.deepEqual(initialSelection(buildTreeIndex({ spans: [span('only', null)] })), { spanId: 'only', errorTab: false });
    assert.equal(initialSelection(buildTreeIndex({ spans: [] })), null);
  });

  it('"Errors N" steps through the failed steps in tree order and wraps', () => {
    const idx = trace();
    assert.equal(nextFailedSpan(idx, null), 'tool');
    assert.equal(nextFailedSpan(idx, 'llm1'), 'tool');
    assert.equal(nextFailedSpan(idx, 'tool'), 'llm2');
    assert.equal(nextFailedSpan(idx, 'llm2'), 'tool');
    assert.equal(nextFailedSpan(buildTreeIndex({ spans: [span('a', null)] }), 'a'), null);
  });
});
