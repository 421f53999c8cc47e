// Step alignment of two runs, level by level under matched parents, as an agent developer would
// match them: kind and operation first, then tool name, agent name and model, then arguments.
//
// Inside one parent the children are aligned as sequences, so an inserted tool call does not
// shift everything after it: jsdiff's Myers diff (diffArrays) anchors the steps that are
// identical (same key and same arguments), and the gaps between anchors are aligned by a
// weighted LCS (below), which pairs steps of the same kind and operation by how much of their
// key and arguments they share. jsdiff has no weighted alignment, so that part is our own;
// it is bounded (MAX_GAP_CELLS) and falls back to in-order pairing beyond that.
import { diffArrays } from 'diff';
import { changedFields, type CompareField } from './fields';
import type { CompareStep } from './steps';

export type RowStatus = 'same' | 'changed' | 'added' | 'removed';

/** One row of the side-by-side view: a step of run A, of run B, or of both. */
export interface AlignedRow {
  /** Index into run A's steps, null when the step exists only in run B (added). */
  a: number | null;
  /** Index into run B's steps, null when the step exists only in run A (removed). */
  b: number | null;
  depth: number;
  status: RowStatus;
  /** For a pair, the fields that differ (empty when the pair is the same). */
  changed: CompareField[];
  /** The fork step, when one run is a fork of the other (compareRuns' `fork`). */
  forkStep?: true;
}

/** Cells of the weighted LCS table per gap; beyond that, in-order pairing (keeps a hostile trace from blocking the server). */
const MAX_GAP_CELLS = 250_000;
/** Edit distance and time beyond which the anchoring diff gives up and the whole level is one gap. */
const MAX_ANCHOR_EDITS = 1_000;
const MAX_ANCHOR_MS = 100;
/** Characters of arguments or messages that take part in keys and similarity. */
const KEY_TEXT_CHARS = 1_000;

const kindOp = (s: CompareStep): string => `${s.kind}|${s.operation ?? ''}`;
const strictKey = (s: CompareStep): string => `${kindOp(s)}|${s.tool?.name ?? ''}|${s.agentName ?? ''}|${s.model ?? ''}`;

/** What a step was asked to do: a tool's arguments, a model call's last input message, else its name. */
function contentOf(s: CompareStep): string {
  if (s.tool) return (s.tool.arguments ?? '').slice(0, KEY_TEXT_CHARS);
  const inputs = s.messages.filter((m) => m.direction === 'input');
  const last = inputs[inputs.length - 1];
  return last ? (last.content ?? '').slice(0, KEY_TEXT_CHARS) : s.name;
}

/** Identical steps for the anchoring diff: same key and (for tools) the same arguments. */
const anchorKey = (s: CompareStep): string => `${strictKey(s)}|${s.tool ? contentOf(s) : ''}`;

class Similarity {
  private words = new Map<CompareStep, Set<string>>();

  private wordsOf(s: CompareStep): Set<string> {
    let w = this.words.get(s);
    if (!w) {
      w = new Set(contentOf(s).toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []);
      this.words.set(s, w);
    }
    return w;
  }

  /** Jaccard similarity of the words of what the two steps were asked to do, 0..1. */
  content(a: CompareStep, b: CompareStep): number {
    const wa = this.wordsOf(a);
    const wb = this.wordsOf(b);
    if (wa.size === 0 && wb.size === 0) return 1;
    let shared = 0;
    for (const w of wa) if (wb.has(w)) shared++;
    return shared / (wa.size + wb.size - shared);
  }

  /** How well two steps match; 0 means they cannot be paired (different kind or operation). */
  score(a: CompareStep, b: CompareStep): number {
    if (kindOp(a) !== kindOp(b)) return 0;
    let s = 1;
    if ((a.tool?.name ?? '') === (b.tool?.name ?? '')) s += 2;
    if (a.agentName === b.agentName) s += 1;
    if (a.model === b.model) s += 1;
    return s + 2 * this.content(a, b);
  }
}

type Pair = [number | null, number | null];

/** Weighted LCS of one gap: maximal total similarity, order kept, unpaired steps left as added/removed. */
function alignGap(xs: number[], ys: number[], a: CompareStep[], b: CompareStep[], sim: Similarity): Pair[] {
  if (xs.length === 0 || ys.length === 0) return [...xs.map((x): Pair => [x, null]), ...ys.map((y): Pair => [null, y])];
  if (xs.length * ys.length > MAX_GAP_CELLS) return pairInOrder(xs, ys, a, b);
  // Table over suffixes, read forwards: on ties the earlier steps pair first, so a loop that
  // ran more often in one run shows its extra iterations at the end.
  const n = xs.length;
  const m = ys.length;
  const width = m + 1;
  const table = new Float64Array((n + 1) * width);
  const scores = new Float64Array(n * m);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const s = sim.score(a[xs[i]], b[ys[j]]);
      scores[i * m + j] = s;
      const diagonal = s > 0 ? table[(i + 1) * width + j + 1] + s : -1;
      table[i * width + j] = Math.max(diagonal, table[(i + 1) * width + j], table[i * width + j + 1]);
    }
  }
  const out: Pair[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    const here = table[i * width + j];
    const s = scores[i * m + j];
    if (s > 0 && here === table[(i + 1) * width + j + 1] + s) out.push([xs[i++], ys[j++]]);
    else if (here === table[(i + 1) * width + j]) out.push([xs[i++], null]);
    else out.push([null, ys[j++]]);
  }
  while (i < n) out.push([xs[i++], null]);
  while (j < m) out.push([null, ys[j++]]);
  return out;
}

/** The bounded fallback for huge gaps, linear: pair steps of the same kind and operation in order. */
function pairInOrder(xs: number[], ys: number[], a: CompareStep[], b: CompareStep[]): Pair[] {
  // Positions in ys of each kind/operation, and a cursor per key that only moves forwards.
  const positions = new Map<string, { at: number[]; next: number }>();
  ys.forEach((y, k) => {
    const key = kindOp(b[y]);
    const entry = positions.get(key);
    if (entry) entry.at.push(k);
    else positions.set(key, { at: [k], next: 0 });
  });
  const out: Pair[] = [];
  let j = 0;
  for (const x of xs) {
    const entry = positions.get(kindOp(a[x]));
    while (entry && entry.next < entry.at.length && entry.at[entry.next] < j) entry.next++;
    if (!entry || entry.next === entry.at.length) {
      out.push([x, null]);
      continue;
    }
    const k = entry.at[entry.next++];
    while (j < k) out.push([null, ys[j++]]);
    out.push([x, ys[j++]]);
  }
  while (j < ys.length) out.push([null, ys[j++]]);
  return out;
}

/** Siblings aligned as sequences: identical steps anchor, gaps between anchors are aligned by similarity. */
function alignSequence(xs: number[], ys: number[], a: CompareStep[], b: CompareStep[], sim: Similarity): Pair[] {
  if (xs.length * ys.length <= MAX_GAP_CELLS / 4) return alignGap(xs, ys, a, b, sim);
  const changes = diffArrays(
    xs.map((x) => anchorKey(a[x])),
    ys.map((y) => anchorKey(b[y])),
    { maxEditLength: MAX_ANCHOR_EDITS, timeout: MAX_ANCHOR_MS },
  );
  if (!changes) return alignGap(xs, ys, a, b, sim);
  const out: Pair[] = [];
  let i = 0;
  let j = 0;
  let gapX: number[] = [];
  let gapY: number[] = [];
  const flush = () => {
    out.push(...alignGap(gapX, gapY, a, b, sim));
    gapX = [];
    gapY = [];
  };
  for (const c of changes) {
    const count = c.count ?? c.value.length;
    if (c.removed) for (let k = 0; k < count; k++) gapX.push(xs[i++]);
    else if (c.added) for (let k = 0; k < count; k++) gapY.push(ys[j++]);
    else {
      flush();
      for (let k = 0; k < count; k++) out.push([xs[i++], ys[j++]]);
    }
  }
  flush();
  return out;
}

/**
 * Concurrent siblings (parallel tool calls) have no meaningful order: each run of siblings of
 * the same kind and operation whose times overlap is put in a canonical order (key, then
 * arguments) so that a reordering between runs does not count as a change.
 */
function canonicalOrder(ids: number[], steps: CompareStep[]): number[] {
  const out: number[] = [];
  let group: number[] = [];
  let groupEnd = -Infinity;
  const flush = () => {
    if (group.length > 1) group.sort((x, y) => compareCanonical(steps[x], steps[y]));
    out.push(...group);
    group = [];
  };
  for (const id of ids) {
    const s = steps[id];
    const concurrent = s.startMs > 0 && s.startMs < groupEnd && kindOp(s) === kindOp(steps[group[0]]);
    if (!concurrent) {
      flush();
      groupEnd = -Infinity;
    }
    group.push(id);
    if (s.startMs > 0) groupEnd = Math.max(groupEnd, s.startMs + s.durationMs);
  }
  flush();
  return out;
}

function compareCanonical(x: CompareStep, y: CompareStep): number {
  const kx = anchorKey(x);
  const ky = anchorKey(y);
  return kx < ky ? -1 : kx > ky ? 1 : x.startMs - y.startMs;
}

interface Level {
  roots: number[];
  children: Map<string, number[]>;
}

function levelsOf(steps: CompareStep[]): Level {
  const roots: number[] = [];
  const children = new Map<string, number[]>();
  steps.forEach((s, i) => {
    if (s.parentSpanId === null) roots.push(i);
    else {
      const list = children.get(s.parentSpanId);
      if (list) list.push(i);
      else children.set(s.parentSpanId, [i]);
    }
  });
  return { roots, children };
}

type Task = { a: number | null; b: number | null; depth: number };

/**
 * Aligns run A's steps with run B's (both in tree order, parents before children) into rows in
 * display order: depth first, matched parents before their aligned children. Iterative, so a
 * very deep trace cannot overflow the stack.
 */
export function alignSteps(a: CompareStep[], b: CompareStep[]): AlignedRow[] {
  const la = levelsOf(a);
  const lb = levelsOf(b);
  const sim = new Similarity();
  const rows: AlignedRow[] = [];
  const kids = (level: Level, steps: CompareStep[], i: number | null) => (i === null ? [] : level.children.get(steps[i].spanId) ?? []);
  const childTasks = (xs: number[], ys: number[], depth: number): Task[] =>
    alignSequence(canonicalOrder(xs, a), canonicalOrder(ys, b), a, b, sim).map(([x, y]) => ({ a: x, b: y, depth }));

  const stack: Task[] = [];
  pushReversed(stack, childTasks(la.roots, lb.roots, 0));
  while (stack.length) {
    const t = stack.pop()!;
    if (t.a !== null && t.b !== null) {
      const changed = changedFields(a[t.a], b[t.b]);
      rows.push({ a: t.a, b: t.b, depth: t.depth, status: changed.length ? 'changed' : 'same', changed });
      pushReversed(stack, childTasks(kids(la, a, t.a), kids(lb, b, t.b), t.depth + 1));
    } else {
      rows.push({ a: t.a, b: t.b, depth: t.depth, status: t.a !== null ? 'removed' : 'added', changed: [] });
      const below = t.a !== null ? kids(la, a, t.a).map((x): Task => ({ a: x, b: null, depth: t.depth + 1 })) : kids(lb, b, t.b).map((y): Task => ({ a: null, b: y, depth: t.depth + 1 }));
      pushReversed(stack, below);
    }
  }
  return rows;
}

function pushReversed<T>(stack: T[], items: T[]): void {
  for (let k = items.length - 1; k >= 0; k--) stack.push(items[k]);
}
