// One model call recorded twice. Two instrumentations in one process (OpenInference's
// LangChain and OpenAI instrumentations; a client SDK that traces itself under a framework's
// model span) each write a span for the same request. The two spans may sit on separate
// branches of the tree (LangChain JS does not make its span active, so the client's span
// hangs under the root), so parent/child rules cannot see them. They are recognised by what
// they say about the call: the same resolved model and provider, one time window inside the
// other, the same token counts (or counts one of which contains the other, no counts on one
// side included), and different
// span names (two instrumentations name their spans differently; parallel calls made through
// one instrumentation share a name, so identical parallel calls are never merged).
//
// Pure and bounded: candidates are sorted by start, and each is compared only with the spans
// that start inside its window, at most MAX_COMPARISONS of them.
import type { StepKind, Usage } from './model';

/** The span fields duplicate detection reads (all available from the store's columns, provider optional). */
export interface CallPart {
  spanId: string;
  name: string;
  startUnixNanos: string;
  endUnixNanos: string;
  kind: StepKind;
  model: string | null;
  /** Canonical provider; when either side does not know it, it does not decide. */
  provider?: string | null;
  usage: Usage;
  costUsd: number | null;
}

/** Kinds whose spans are single model requests (agent and workflow spans repeat usage by design). */
const CALL_KINDS: ReadonlySet<StepKind> = new Set<StepKind>(['llm', 'embedding']);

/** SDKs that stamp times at millisecond precision make an inner span stick out by up to 1 ms. */
const TOLERANCE_NS = 1_000_000n;

/** Spans starting inside one window that are compared with it: a burst of thousands of parallel calls stays linear. */
export const MAX_COMPARISONS = 64;

interface Candidate {
  part: CallPart;
  start: bigint;
  end: bigint;
  order: number;
}

function parse(s: string): bigint | null {
  if (!s || s === '0' || !/^\d{1,30}$/.test(s)) return null;
  const n = BigInt(s);
  return n > 0n ? n : null;
}

const reportsTokens = (u: Usage): boolean => u.inputTokens !== null || u.outputTokens !== null;

function candidateOf(part: CallPart, order: number): Candidate | null {
  if (!CALL_KINDS.has(part.kind) || !part.model) return null;
  const start = parse(part.startUnixNanos);
  const end = parse(part.endUnixNanos);
  if (start === null || end === null || end < start) return null;
  return { part, start, end, order };
}

/** a's window lies inside b's (within the tolerance). */
const inside = (a: Candidate, b: Candidate): boolean => a.start + TOLERANCE_NS >= b.start && a.end <= b.end + TOLERANCE_NS;

/**
 * Input counts agree: equal, or one is the other without the cached tokens (an instrumentation
 * that reports uncached input only, as Anthropic's native `input_tokens` does).
 */
function sameInput(a: Usage, b: Usage): boolean {
  const x = a.inputTokens;
  const y = b.inputTokens;
  if (x === null || y === null || x === y) return true;
  const cachedA = (a.cacheReadTokens ?? 0) + (a.cacheWriteTokens ?? 0);
  const cachedB = (b.cacheReadTokens ?? 0) + (b.cacheWriteTokens ?? 0);
  return (cachedA > 0 && x === y + cachedA) || (cachedB > 0 && y === x + cachedB);
}

/** Every count both report agrees, and they share at least the input or the output count. */
export function sameTokens(a: Usage, b: Usage): boolean {
  const sharesOne = (a.inputTokens !== null && b.inputTokens !== null) || (a.outputTokens !== null && b.outputTokens !== null);
  if (!sharesOne || !sameInput(a, b)) return false;
  const agree = (k: keyof Usage): boolean => a[k] === null || b[k] === null || a[k] === b[k];
  return agree('outputTokens') && agree('cacheReadTokens') && agree('cacheWriteTokens') && agree('reasoningTokens');
}

export function sameCall(a: CallPart, b: CallPart, windows: { a: Candidate; b: Candidate }): boolean {
  if (a.name === b.name || a.kind !== b.kind || a.model !== b.model) return false;
  if (a.provider && b.provider && a.provider !== b.provider) return false;
  if (!inside(windows.a, windows.b) && !inside(windows.b, windows.a)) return false;
  const ta = reportsTokens(a.usage);
  const tb = reportsTokens(b.usage);
  // No counts on one side (a streamed call whose framework span saw no usage) are contained in any counts;
  // with none on either side there is nothing to compare, so the two stay separate calls.
  if (ta !== tb) return true;
  return ta && sameTokens(a.usage, b.usage);
}

const filled = (u: Usage): number =>
  (u.inputTokens !== null ? 1 : 0) + (u.outputTokens !== null ? 1 : 0) + (u.cacheReadTokens !== null ? 1 : 0) +
  (u.cacheWriteTokens !== null ? 1 : 0) + (u.reasoningTokens !== null ? 1 : 0);

/**
 * Which copy of a call is counted: the one that says most (more usage fields, then a known
 * cost, then the larger input count, which includes cached tokens), then the inner window (the
 * client's own span, closest to the request), then arrival order, so the choice is stable.
 */
function better(a: Candidate, b: Candidate): boolean {
  const fa = filled(a.part.usage);
  const fb = filled(b.part.usage);
  if (fa !== fb) return fa > fb;
  const ca = a.part.costUsd !== null;
  const cb = b.part.costUsd !== null;
  if (ca !== cb) return ca;
  const ia = a.part.usage.inputTokens ?? -1;
  const ib = b.part.usage.inputTokens ?? -1;
  if (ia !== ib) return ia > ib;
  if (a.end - a.start !== b.end - b.start) return a.end - a.start < b.end - b.start;
  return a.order < b.order;
}

/**
 * The duplicates in a trace: span id of each duplicate → span id of the copy that is counted.
 * A call recorded by three instrumentations yields two entries pointing at the same span.
 */
export function findDuplicateCalls(parts: readonly CallPart[], stats?: { comparisons: number }): Map<string, string> {
  const candidates: Candidate[] = [];
  parts.forEach((p, i) => {
    const c = candidateOf(p, i);
    if (c) candidates.push(c);
  });
  const result = new Map<string, string>();
  if (candidates.length < 2) return result;
  candidates.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.order - b.order));

  // Union of matching pairs; each group then keeps its best member.
  const parent = candidates.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  let joined = false;
  for (let i = 0; i < candidates.length; i++) {
    const a = candidates[i];
    const last = Math.min(candidates.length, i + 1 + MAX_COMPARISONS);
    for (let j = i + 1; j < last; j++) {
      const b = candidates[j];
      if (b.start > a.end + TOLERANCE_NS) break; // sorted by start: nothing later overlaps a
      if (stats) stats.comparisons++;
      if (sameCall(a.part, b.part, { a, b })) {
        parent[find(j)] = find(i);
        joined = true;
      }
    }
  }
  if (!joined) return result;
  const groups = new Map<number, Candidate[]>();
  candidates.forEach((c, i) => {
    if (parent[i] === i && !groups.has(i)) return; // a root nobody joined (yet): created below if someone did
    const root = find(i);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = [candidates[root]]));
    if (i !== root) g.push(c);
  });
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    let keep = group[0];
    for (const c of group) if (better(c, keep)) keep = c;
    // A chain a~b~c where c does not match the kept a stays counted: only true copies of the kept call are dropped.
    for (const c of group) {
      if (stats && c !== keep) stats.comparisons++;
      if (c !== keep && sameCall(c.part, keep.part, { a: c, b: keep })) result.set(c.part.spanId, keep.part.spanId);
    }
  }
  return result;
}
