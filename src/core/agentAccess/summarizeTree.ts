// A step tree cut down to what a model can read: on a trace of thousands of steps, keep the
// path to every error (up to a share of the room), the most expensive steps by cost, tokens and
// duration, and their ancestors; fold the rest into counts on the nearest kept ancestor, so the
// reader knows what is missing and where to drill in.

export interface TreeStepInput {
  id: string;
  /** null, or an id not in the list, makes the step a root. */
  parentId: string | null;
  isError: boolean;
  durationMs: number;
  /** Input plus output tokens, 0 when none were reported. */
  tokens: number;
  costUsd: number | null;
}

/** Why a step was kept in a summarized tree. */
export type KeptReason = 'all' | 'root' | 'error' | 'error-path' | 'cost' | 'tokens' | 'duration' | 'ancestor';

export interface FoldedCounts {
  steps: number;
  errors: number;
  tokens: number;
  costUsd: number;
}

export interface SummarizedStep {
  /** Index into the input list. */
  index: number;
  depth: number;
  reason: KeptReason;
  /** Descendants not kept whose nearest kept ancestor is this step; null when nothing is folded here. */
  folded: FoldedCounts | null;
}

export interface SummarizedTree {
  /** Kept steps in the input's order (depth-first tree order when the input is). */
  steps: SummarizedStep[];
  totalSteps: number;
  foldedSteps: number;
  /** Folded steps under no kept step (more roots than rows); null when there are none. */
  foldedRoots: FoldedCounts | null;
}

/** Share of the rows the error path may take, so the expensive steps always get some room. */
const ERROR_SHARE = 0.6;

export function summarizeTree(input: readonly TreeStepInput[], maxSteps: number): SummarizedTree {
  const n = input.length;
  const indexOf = new Map<string, number>();
  input.forEach((s, i) => indexOf.set(s.id, i));
  const parentOf = input.map((s) => (s.parentId !== null && indexOf.has(s.parentId) && s.parentId !== s.id ? indexOf.get(s.parentId)! : -1));
  const depth = depthsOf(parentOf);
  if (n <= maxSteps) {
    return { steps: input.map((_, i) => ({ index: i, depth: depth[i], reason: 'all', folded: null })), totalSteps: n, foldedSteps: 0, foldedRoots: null };
  }
  const reason = new Map<number, KeptReason>();
  const limit = Math.max(1, maxSteps);
  /** Keeps a step and its ancestors if they fit; returns false when they did not. */
  const keep = (i: number, why: KeptReason, pathWhy: KeptReason, cap: number): boolean => {
    const chain: number[] = [];
    for (let j = i; j !== -1 && !reason.has(j); j = parentOf[j]) chain.push(j);
    if (chain.length === 0) return true;
    if (reason.size + chain.length > cap) return false;
    chain.forEach((j, k) => reason.set(j, k === 0 ? why : pathWhy));
    return true;
  };
  for (let i = 0; i < n && reason.size < limit; i++) if (parentOf[i] === -1) reason.set(i, 'root');
  const errorCap = Math.max(reason.size, Math.floor(limit * ERROR_SHARE));
  for (let i = 0; i < n; i++) if (input[i].isError) keep(i, 'error', 'error-path', errorCap);
  const rankings: Array<[KeptReason, number[]]> = [
    ['cost', rankBy(input, (s) => s.costUsd ?? 0)],
    ['tokens', rankBy(input, (s) => s.tokens)],
    ['duration', rankBy(input, (s) => s.durationMs)],
  ];
  // Round-robin over the three rankings so each measure gets its most expensive steps in.
  let progressed = true;
  for (let r = 0; progressed && reason.size < limit; r++) {
    progressed = false;
    for (const [why, ranked] of rankings) {
      if (r >= ranked.length) continue;
      progressed = true;
      keep(ranked[r], why, 'ancestor', limit);
    }
  }
  return fold(input, parentOf, depth, reason);
}

function rankBy(input: readonly TreeStepInput[], measure: (s: TreeStepInput) => number): number[] {
  return input
    .map((s, i) => [i, measure(s)] as const)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .map(([i]) => i);
}

function depthsOf(parentOf: readonly number[]): number[] {
  const depth = new Array<number>(parentOf.length).fill(-1);
  for (let i = 0; i < parentOf.length; i++) {
    const chain: number[] = [];
    let j = i;
    // A cycle in parent links (bad input) ends the walk at the first repeated step.
    const seen = new Set<number>();
    while (j !== -1 && depth[j] === -1 && !seen.has(j)) {
      seen.add(j);
      chain.push(j);
      j = parentOf[j];
    }
    let d = j === -1 || depth[j] === -1 ? -1 : depth[j];
    for (let k = chain.length - 1; k >= 0; k--) depth[chain[k]] = ++d;
  }
  return depth;
}

function fold(input: readonly TreeStepInput[], parentOf: readonly number[], depth: readonly number[], reason: Map<number, KeptReason>): SummarizedTree {
  const folded = new Map<number, FoldedCounts>();
  const keptAncestor = new Array<number>(input.length).fill(-2);
  const nearestKept = (i: number): number => {
    const chain: number[] = [];
    let j = parentOf[i];
    while (j !== -1 && !reason.has(j) && keptAncestor[j] === -2 && chain.length <= input.length) {
      chain.push(j);
      j = parentOf[j];
    }
    const found = j === -1 ? -1 : reason.has(j) ? j : keptAncestor[j];
    for (const c of chain) keptAncestor[c] = found;
    return found;
  };
  let foldedSteps = 0;
  for (let i = 0; i < input.length; i++) {
    if (reason.has(i)) continue;
    foldedSteps++;
    const a = nearestKept(i);
    keptAncestor[i] = a;
    const f = folded.get(a) ?? { steps: 0, errors: 0, tokens: 0, costUsd: 0 };
    f.steps++;
    if (input[i].isError) f.errors++;
    f.tokens += input[i].tokens;
    f.costUsd += input[i].costUsd ?? 0;
    folded.set(a, f);
  }
  // Key -1 collects the steps under no kept step.
  const steps = [...reason.keys()]
    .sort((a, b) => a - b)
    .map((i) => ({ index: i, depth: depth[i], reason: reason.get(i)!, folded: folded.get(i) ?? null }));
  return { steps, totalSteps: input.length, foldedSteps, foldedRoots: folded.get(-1) ?? null };
}
