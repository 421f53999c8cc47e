// The summarized step tree and the budgeted pages a coding agent reads: the error path and the
// expensive steps survive the cut, every folded step is counted, pages never pass the budget.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { countTokens } from 'gpt-tokenizer';
import { clipStrings, fitPage, parseCursor, splitText } from '../../src/core/agentAccess/page';
import { summarizeTree, type TreeStepInput } from '../../src/core/agentAccess/summarizeTree';

function step(id: number, parent: number | null, extra: Partial<TreeStepInput> = {}): TreeStepInput {
  return { id: `s${id}`, parentId: parent === null ? null : `s${parent}`, isError: false, durationMs: 1, tokens: 10, costUsd: 0.0001, ...extra };
}

/** root → 50 agents → 199 steps each (10,000 steps), with a few planted outliers. */
function bigTree(): TreeStepInput[] {
  const out = [step(0, null)];
  for (let a = 1; a <= 50; a++) {
    out.push(step(a, 0));
  }
  let id = 51;
  for (let a = 1; a <= 50; a++) {
    for (let k = 0; k < 199; k++, id++) {
      out.push(step(id, a, {
        isError: id === 4321,
        costUsd: id === 777 ? 5 : 0.0001,
        tokens: id === 8888 ? 1_000_000 : 10,
        durationMs: id === 6000 ? 90_000 : 1,
      }));
    }
  }
  return out.slice(0, 10_000); // the last step is a leaf, so the tree stays whole
}

describe('summarizeTree', () => {
  it('keeps everything, unfolded, when the tree fits', () => {
    const tree = [step(0, null), step(1, 0), step(2, 1)];
    const s = summarizeTree(tree, 10);
    assert.equal(s.foldedSteps, 0);
    assert.deepEqual(s.steps.map((x) => [x.index, x.depth, x.reason]), [[0, 0, 'all'], [1, 1, 'all'], [2, 2, 'all']]);
  });

  it('cuts 10,000 steps to the limit, keeping the error with its path and the costliest, biggest and slowest steps', () => {
    const input = bigTree();
    assert.equal(input.length, 10_000);
    const s = summarizeTree(input, 60);
    assert.ok(s.steps.length <= 60, `${s.steps.length} kept`);
    assert.equal(s.totalSteps, 10_000);
    assert.equal(s.foldedSteps, 10_000 - s.steps.length);
    const kept = new Map(s.steps.map((x) => [input[x.index].id, x]));
    assert.equal(kept.get('s4321')?.reason, 'error');
    const errorParent = input.find((x) => x.id === 's4321')!.parentId!;
    assert.equal(kept.get(errorParent)?.reason, 'error-path');
    assert.equal(kept.get('s777')?.reason, 'cost');
    assert.equal(kept.get('s8888')?.reason, 'tokens');
    assert.equal(kept.get('s6000')?.reason, 'duration');
    assert.equal(kept.get('s0')?.reason, 'root');
    const folded = s.steps.reduce((n, x) => n + (x.folded?.steps ?? 0), 0);
    assert.equal(folded, s.foldedSteps, 'every folded step is counted on a kept ancestor');
    assert.deepEqual(s.steps.map((x) => x.index), [...s.steps.map((x) => x.index)].sort((a, b) => a - b), 'tree order is kept');
  });

  it('caps the error path so a trace where everything failed still leaves room for the expensive steps', () => {
    const input = bigTree().map((x) => ({ ...x, isError: x.id !== 's777' }));
    const s = summarizeTree(input, 40);
    assert.ok(s.steps.length <= 40);
    assert.ok(s.steps.some((x) => input[x.index].id === 's777'), 'the costliest step is still there');
  });

  it('never exceeds the limit and counts every folded step, on any tree (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(200), fc.boolean(), fc.nat(1000), fc.nat(5000)), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 50 }), (rows, limit) => {
        const input = rows.map(([p, err, dur, tok], i) => step(i, i === 0 ? null : p % (i + 1), { isError: err, durationMs: dur, tokens: tok }));
        const s = summarizeTree(input, limit);
        assert.ok(s.steps.length <= limit || s.foldedSteps === 0);
        assert.equal(s.steps.length + s.foldedSteps, input.length);
        const counted = s.steps.reduce((n, x) => n + (x.folded?.steps ?? 0), 0) + (s.foldedRoots?.steps ?? 0);
        assert.equal(counted, s.foldedSteps);
        for (let i = 0; i < input.length; i++) if (input[i].isError && s.foldedSteps === 0) assert.ok(s.steps.some((x) => x.index === i));
      }),
    );
  });
});

describe('fitPage', () => {
  const render = (items: readonly string[], next: number | null, clipped: boolean) => JSON.stringify({ items, next, clipped });
  const req = (items: string[], start: number, budget: number) => ({ items, start, budget, countTokens: (t: string) => countTokens(t), render, clip: (s: string, n: number) => clipStrings(s, n) });

  it('fills the page up to the budget and gives a cursor for the rest, until every item was served once', () => {
    const items = Array.from({ length: 2000 }, (_, i) => `item number ${i} with some words`);
    const seen: string[] = [];
    let start = 0;
    for (let pages = 0; pages < 100; pages++) {
      const p = fitPage(req(items, start, 500));
      assert.ok(p.tokens <= 500 && countTokens(p.text) === p.tokens);
      assert.ok(p.count > 1);
      seen.push(...p.items);
      if (p.next === null) break;
      start = p.next;
    }
    assert.deepEqual(seen, items);
  });

  it('clips one item that alone is over the budget, and says how much was cut', () => {
    const p = fitPage(req(['x '.repeat(50_000), 'small'], 0, 300));
    assert.ok(p.clipped && p.tokens <= 300);
    assert.equal(p.next, 1);
    assert.match(p.items[0], /more characters not shown/);
  });

  it('refuses cursors that are not offsets or are past the end', () => {
    assert.equal(parseCursor(undefined, 5), 0);
    assert.equal(parseCursor('5', 5), 5);
    assert.throws(() => parseCursor('6', 5), /past the end/);
    assert.throws(() => parseCursor('9'.repeat(5000), 5), /Invalid cursor/);
    assert.throws(() => parseCursor('-1', 5), /Invalid cursor/);
  });

  it('splits long text into parts that join back to the text', () => {
    const text = 'abcdefghij'.repeat(101);
    const parts = splitText(text, 100);
    assert.equal(parts.length, 11);
    assert.equal(parts.join(''), text);
  });
});
