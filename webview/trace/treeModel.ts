// The step tree's view model: tree index, visible rows (collapse + search), waterfall geometry
// and keyboard navigation. Pure and DOM-free; the element in traceApp.ts only renders it.
import type { SpanDto, TraceDetailDto } from '../../src/protocol/dto';
import { formatDuration } from '../shared/format';

export interface TreeIndex {
  spans: SpanDto[];
  /** Index of the parent span, -1 for roots (including orphans and cycle breakers). */
  parent: number[];
  children: number[][];
  roots: number[];
  depth: number[];
  /** First index for each span id (duplicate ids keep their rows but resolve to the first). */
  byId: Map<string, number>;
  /** Start offset from the trace start, milliseconds. */
  offsetMs: number[];
  /** Trace length from the earliest start to the latest end, milliseconds (≥ 0). */
  totalMs: number;
}

export interface TreeRow {
  /** Index into TreeIndex.spans. */
  span: number;
  depth: number;
  hasChildren: boolean;
  expanded: boolean;
  /** The span itself matches the search (as opposed to being shown as a matching span's ancestor). */
  match: boolean;
  /** 1-based position among visible siblings, and their count (aria-posinset / aria-setsize). */
  posInSet: number;
  setSize: number;
}

/** Nanosecond string → milliseconds since epoch, keeping sub-ms precision relative to a base. */
function startNanos(span: SpanDto): bigint | null {
  if (/^\d+$/.test(span.startUnixNanos) && span.startUnixNanos !== '0') return BigInt(span.startUnixNanos);
  const ms = Date.parse(span.startTime);
  return Number.isFinite(ms) ? BigInt(ms) * 1_000_000n : null;
}

export function buildTreeIndex(trace: Pick<TraceDetailDto, 'spans'>): TreeIndex {
  const spans = trace.spans;
  const n = spans.length;
  const byId = new Map<string, number>();
  spans.forEach((s, i) => {
    if (!byId.has(s.spanId)) byId.set(s.spanId, i);
  });
  const parent = new Array<number>(n).fill(-1);
  const children: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    const p = spans[i].parentSpanId ? byId.get(spans[i].parentSpanId!) : undefined;
    if (p !== undefined && p !== i) parent[i] = p;
  }
  // Walk from roots; whatever stays unreached sits on a parent cycle and becomes a root itself.
  const depth = new Array<number>(n).fill(-1);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) if (parent[i] === -1) roots.push(i);
  for (let i = 0; i < n; i++) if (parent[i] !== -1) children[parent[i]].push(i);
  const visit = (start: number) => {
    const stack: [number, number][] = [[start, 0]];
    while (stack.length) {
      const [i, d] = stack.pop()!;
      if (depth[i] !== -1) continue;
      depth[i] = d;
      for (const c of children[i]) stack.push([c, d + 1]);
    }
  };
  for (const r of roots) visit(r);
  for (let i = 0; i < n; i++) {
    if (depth[i] === -1) {
      const p = parent[i];
      children[p] = children[p].filter((c) => c !== i);
      parent[i] = -1;
      roots.push(i);
      visit(i);
    }
  }
  roots.sort((a, b) => a - b);
  // Waterfall offsets relative to the earliest start.
  const starts = spans.map(startNanos);
  let base: bigint | null = null;
  for (const s of starts) if (s !== null && (base === null || s < base)) base = s;
  const offsetMs = starts.map((s) => (s === null || base === null ? 0 : Number(s - base) / 1e6));
  let totalMs = 0;
  for (let i = 0; i < n; i++) {
    const end = offsetMs[i] + Math.max(0, spans[i].durationMs || 0);
    if (end > totalMs) totalMs = end;
  }
  return { spans, parent, children, roots, depth, byId, offsetMs, totalMs };
}

/** Lowercased text that search looks in: name, model, tool name, message text, tool arguments/results. */
const haystacks = new WeakMap<SpanDto, string>();
export function searchText(span: SpanDto): string {
  let h = haystacks.get(span);
  if (h === undefined) {
    const parts: string[] = [span.name, span.model ?? '', span.modelRaw ?? '', span.agentName ?? ''];
    if (span.tool) parts.push(span.tool.name, span.tool.arguments ?? '', span.tool.result ?? '');
    for (const m of span.messages) {
      parts.push(m.content ?? '');
      for (const tc of m.toolCalls) parts.push(tc.name, tc.arguments);
    }
    if (span.error) parts.push(span.error.message);
    h = parts.join('\n').toLowerCase();
    haystacks.set(span, h);
  }
  return h;
}

export function spanMatches(span: SpanDto, query: string): boolean {
  const q = query.trim().toLowerCase();
  return q === '' || searchText(span).includes(q);
}

/**
 * Rows to show, in tree order. Without a query: every span under expanded ancestors. With a
 * query: matching spans and their ancestors, expanded regardless of the collapsed set so no
 * match hides.
 */
export function visibleRows(index: TreeIndex, collapsed: ReadonlySet<string>, query: string): TreeRow[] {
  const q = query.trim().toLowerCase();
  const n = index.spans.length;
  let keep: Uint8Array | null = null;
  let self: Uint8Array | null = null;
  if (q) {
    keep = new Uint8Array(n);
    self = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (searchText(index.spans[i]).includes(q)) {
        self[i] = 1;
        for (let a = i; a !== -1 && !keep[a]; a = index.parent[a]) keep[a] = 1;
      }
    }
  }
  const rows: TreeRow[] = [];
  const emit = (list: number[]) => {
    const shown = keep ? list.filter((i) => keep![i]) : list;
    // Explicit stack keeps deep chains (thousands of levels) off the JS call stack.
    const stack: { list: number[]; at: number }[] = [{ list: shown, at: 0 }];
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.at >= top.list.length) {
        stack.pop();
        continue;
      }
      const i = top.list[top.at++];
      const kids = keep ? index.children[i].filter((c) => keep![c]) : index.children[i];
      const expanded = kids.length > 0 && (keep !== null || !collapsed.has(index.spans[i].spanId));
      rows.push({
        span: i,
        depth: stack.length - 1,
        hasChildren: kids.length > 0,
        expanded,
        match: self ? self[i] === 1 : false,
        posInSet: top.at,
        setSize: top.list.length,
      });
      if (expanded) stack.push({ list: kids, at: 0 });
    }
  };
  emit(index.roots);
  return rows;
}

export interface BarGeometry {
  /** Percent of the timeline width. */
  leftPct: number;
  widthPct: number;
}

/** Waterfall bar for one span; a zero-length span still gets a visible sliver. */
export function barGeometry(index: TreeIndex, spanIndex: number, minWidthPct = 0.3): BarGeometry {
  const total = index.totalMs;
  if (total <= 0) return { leftPct: 0, widthPct: 100 };
  const left = Math.min(100 - minWidthPct, Math.max(0, (index.offsetMs[spanIndex] / total) * 100));
  const width = (Math.max(0, index.spans[spanIndex].durationMs || 0) / total) * 100;
  return { leftPct: left, widthPct: Math.min(100 - left, Math.max(minWidthPct, width)) };
}

export type NavKey = 'ArrowUp' | 'ArrowDown' | 'ArrowLeft' | 'ArrowRight' | 'Home' | 'End' | 'PageUp' | 'PageDown';

export interface NavResult {
  /** Row to select next. */
  index: number;
  /** Collapse or expand the current row instead of moving. */
  toggle?: 'expand' | 'collapse';
}

/** Tree keyboard behaviour (WAI-ARIA tree pattern, as VS Code's lists do it). */
export function navigate(rows: readonly TreeRow[], current: number, key: NavKey, pageSize = 10): NavResult {
  const last = rows.length - 1;
  if (last < 0) return { index: -1 };
  const cur = current < 0 || current > last ? -1 : current;
  const clamp = (i: number) => Math.max(0, Math.min(last, i));
  switch (key) {
    case 'ArrowDown':
      return { index: cur === -1 ? 0 : clamp(cur + 1) };
    case 'ArrowUp':
      return { index: cur === -1 ? 0 : clamp(cur - 1) };
    case 'Home':
      return { index: 0 };
    case 'End':
      return { index: last };
    case 'PageDown':
      return { index: cur === -1 ? 0 : clamp(cur + pageSize) };
    case 'PageUp':
      return { index: cur === -1 ? 0 : clamp(cur - pageSize) };
    case 'ArrowRight': {
      if (cur === -1) return { index: 0 };
      const row = rows[cur];
      if (row.hasChildren && !row.expanded) return { index: cur, toggle: 'expand' };
      if (row.hasChildren && row.expanded) return { index: clamp(cur + 1) };
      return { index: cur };
    }
    case 'ArrowLeft': {
      if (cur === -1) return { index: 0 };
      const row = rows[cur];
      if (row.hasChildren && row.expanded) return { index: cur, toggle: 'collapse' };
      for (let i = cur - 1; i >= 0; i--) if (rows[i].depth < row.depth) return { index: i };
      return { index: cur };
    }
  }
}

/** Span ids of all ancestors, so revealing a span can expand them. */
export function ancestorIds(index: TreeIndex, spanIndex: number): string[] {
  const out: string[] = [];
  for (let p = index.parent[spanIndex]; p !== -1; p = index.parent[p]) out.push(index.spans[p].spanId);
  return out;
}

/** Sum of a subtree's own tokens is what the header shows; per row we show the span's own usage. */
export function totalTokens(span: SpanDto): number | null {
  const u = span.usage;
  if (u.inputTokens === null && u.outputTokens === null) return null;
  return (u.inputTokens ?? 0) + (u.outputTokens ?? 0);
}

/**
 * Tooltip for a step that records the same model call as another step (two instrumentations of
 * one request), naming that other step; null for a step that is counted itself.
 */
export function duplicateNote(index: TreeIndex, spanIndex: number): string | null {
  const of = index.spans[spanIndex].duplicateOf;
  if (!of) return null;
  const other = index.byId.get(of);
  const name = other === undefined ? `span ${of}` : `"${index.spans[other].name}" (${of})`;
  return `Duplicate: the same model call as ${name}, recorded by another instrumentation. The trace totals count it once, as ${name}.`;
}

/** A failed step: its span failed, or it carries an error (as the row's error mark shows). */
export function isFailed(span: Pick<SpanDto, 'status' | 'error'>): boolean {
  return span.status === 'error' || span.error !== null;
}

/**
 * What a freshly opened trace selects: the first failed step in tree order (with its Error tab),
 * else the first model call, else the root. Empty root spans tell a user nothing.
 */
export function initialSelection(index: TreeIndex): { spanId: string; errorTab: boolean } | null {
  const order = treeOrder(index);
  const failed = order.find((i) => isFailed(index.spans[i]));
  if (failed !== undefined) return { spanId: index.spans[failed].spanId, errorTab: true };
  const llm = order.find((i) => index.spans[i].kind === 'llm');
  const first = llm ?? order[0];
  return first === undefined ? null : { spanId: index.spans[first].spanId, errorTab: false };
}

/** The failed step after `currentId` in tree order, wrapping around; null when none failed. */
export function nextFailedSpan(index: TreeIndex, currentId: string | null): string | null {
  const order = treeOrder(index);
  const failed = order.filter((i) => isFailed(index.spans[i]));
  if (!failed.length) return null;
  const pos = currentId === null ? -1 : order.indexOf(index.byId.get(currentId) ?? -1);
  const next = failed.find((i) => order.indexOf(i) > pos) ?? failed[0];
  return index.spans[next].spanId;
}

/** Every span in depth-first tree order (children by their order in the index). */
function treeOrder(index: TreeIndex): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  const stack = [...index.roots].reverse();
  while (stack.length) {
    const i = stack.pop()!;
    if (seen.has(i)) continue;
    seen.add(i);
    out.push(i);
    const kids = index.children[i] ?? [];
    for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k]);
  }
  return out;
}

/** A parent step's tokens and cost summed over itself and every step under it (duplicates counted once). */
export interface Rollup {
  tokens: number | null;
  costUsd: number | null;
  /** Steps under this one. */
  descendants: number;
}

/** Rollups for every span, children before parents (one pass in reverse tree order). */
export function subtreeRollups(index: TreeIndex): Rollup[] {
  const out: Rollup[] = index.spans.map((s) => {
    const counted = !s.duplicateOf;
    return {
      tokens: counted && (s.kind === 'llm' || s.kind === 'embedding') ? totalTokens(s) : null,
      costUsd: counted ? s.costUsd : null,
      descendants: 0,
    };
  });
  const order = treeOrder(index);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k];
    const p = index.parent[i];
    if (p === -1) continue;
    const child = out[i];
    const parent = out[p];
    if (child.tokens !== null) parent.tokens = (parent.tokens ?? 0) + child.tokens;
    if (child.costUsd !== null) parent.costUsd = (parent.costUsd ?? 0) + child.costUsd;
    parent.descendants += child.descendants + 1;
  }
  return out;
}

/** What a parent step (agent, chain, root) took in and gave back, and which step each came from. */
export interface RunIO {
  input: string | null;
  inputFrom: string | null;
  output: string | null;
  outputFrom: string | null;
}

// Instrumentations that record a parent step's own input/output: OpenInference (input.value),
// OpenLLMetry (traceloop.entity.*), the Vercel AI SDK (ai.prompt / ai.response.text), OTel GenAI.
const OWN_INPUT_KEYS = ['gen_ai.input.text', 'input.value', 'traceloop.entity.input', 'ai.prompt'];
const OWN_OUTPUT_KEYS = ['gen_ai.output.text', 'output.value', 'traceloop.entity.output', 'ai.response.text'];

function ownText(span: SpanDto, keys: string[]): string | null {
  for (const k of keys) {
    const v = span.attributes[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return null;
}

function subtreeOrder(index: TreeIndex, root: number): number[] {
  const out: number[] = [];
  const stack = [...index.children[root]].reverse();
  while (stack.length) {
    const i = stack.pop()!;
    out.push(i);
    for (let c = index.children[i].length - 1; c >= 0; c--) stack.push(index.children[i][c]);
  }
  return out;
}

function lastMessageText(span: SpanDto, direction: 'input' | 'output', roles: string[]): string | null {
  for (let m = span.messages.length - 1; m >= 0; m--) {
    const msg = span.messages[m];
    if (msg.direction !== direction || !roles.includes(msg.role.toLowerCase())) continue;
    if (msg.content) return msg.content;
    if (msg.toolCalls.length) return msg.toolCalls.map((tc) => `calls ${tc.name}(${tc.arguments})`).join('\n');
  }
  return null;
}

/**
 * A parent step's input and output: its own recorded values when the instrumentation wrote
 * them, else the first user message of the first model call under it and the last answer of
 * the last one. null for steps with their own conversation or tool I/O, and for leaves.
 */
export function runInputOutput(index: TreeIndex, spanIndex: number): RunIO | null {
  const span = index.spans[spanIndex];
  if (!index.children[spanIndex].length || span.tool || span.messages.length) return null;
  const calls = subtreeOrder(index, spanIndex).filter((i) => index.spans[i].kind === 'llm' && !index.spans[i].duplicateOf);
  let input = ownText(span, OWN_INPUT_KEYS);
  let inputFrom = input !== null ? span.name : null;
  let output = ownText(span, OWN_OUTPUT_KEYS);
  let outputFrom = output !== null ? span.name : null;
  for (const i of calls) {
    if (input !== null) break;
    input = lastMessageText(index.spans[i], 'input', ['user', 'human']);
    if (input !== null) inputFrom = index.spans[i].name;
  }
  for (let k = calls.length - 1; k >= 0 && output === null; k--) {
    output = lastMessageText(index.spans[calls[k]], 'output', ['assistant', 'model', 'ai']);
    if (output !== null) outputFrom = index.spans[calls[k]].name;
  }
  return input === null && output === null ? null : { input, inputFrom, output, outputFrom };
}

/** Ticks of the timeline's axis: offsets from the trace start at 0, ¼, ½, ¾ and the end. */
export function timeAxisTicks(totalMs: number, parts = 4): { pct: number; label: string }[] {
  if (!(totalMs > 0)) return [];
  return Array.from({ length: parts + 1 }, (_, k) => ({ pct: (k / parts) * 100, label: k === 0 ? '0' : `+${formatDuration((totalMs * k) / parts)}` }));
}
