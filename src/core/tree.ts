// Trace assembly and trace summaries. Pure and total, in the spirit of jaeger-ui's
// transform-trace-data: whatever arrives (duplicates, orphans, cycles, missing or skewed
// timestamps) becomes a tree plus warnings; nothing throws and no span is dropped, except an
// older copy of a duplicated span id.
import { findDuplicateCalls } from './duplicateCalls';
import type { CanonicalSpan, StatusCode, StepKind, Usage } from './model';

// ---------------------------------------------------------------------------------------------
// Time helpers (nanoseconds arrive as decimal strings that do not fit a double)

/** Parses OTLP nanoseconds; '0', empty, negative or malformed mean "missing" (null). */
export function parseNanos(s: string | null | undefined): bigint | null {
  if (!s || s === '0') return null;
  try {
    const n = BigInt(s);
    return n > 0n ? n : null;
  } catch {
    return null;
  }
}

/** ISO 8601 time (millisecond precision) of a nanosecond string; the epoch when missing. */
export function nanosToIso(s: string): string {
  const n = parseNanos(s);
  const ms = n === null ? 0 : Number(n / 1_000_000n);
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString();
}

/** Milliseconds since the epoch (integer) of a nanosecond string; 0 when missing. */
export function nanosToMs(s: string): number {
  const n = parseNanos(s);
  return n === null ? 0 : Number(n / 1_000_000n);
}

/** end − start in milliseconds, a float with microsecond precision; 0 when either is missing or end < start. */
export function durationMsBetween(startNanos: string, endNanos: string): number {
  const s = parseNanos(startNanos);
  const e = parseNanos(endNanos);
  if (s === null || e === null || e < s) return 0;
  return Number((e - s) / 1_000n) / 1000;
}

// ---------------------------------------------------------------------------------------------
// Assembly

export interface TreeNode {
  span: CanonicalSpan;
  depth: number;
  /** Span ids of the children, in display order (by start time). */
  children: string[];
  /** The parent span id is set but no span with that id is in the trace: shown as an extra root. */
  orphaned: boolean;
  /** This span's parent chain looped back to itself; it was made a root to break the cycle. */
  cycleBroken: boolean;
  /**
   * Display-only shift in nanoseconds (signed decimal string, '0' when none): a child that
   * starts before its parent (clock skew between hosts) is drawn shifted into the parent's
   * window, and its descendants move with it. The span's stored times are never changed.
   */
  displayShiftNanos: string;
}

export interface AssembledTrace {
  /** Depth-first: parents before children, siblings (and roots) by start time. */
  nodes: TreeNode[];
  /** Span ids of the roots: true roots, orphans and cycle breakers. */
  roots: string[];
  byId: Map<string, TreeNode>;
  warnings: string[];
}

/** Warnings of one kind are capped so a broken 10,000-span trace stays readable. */
const MAX_WARNINGS_PER_KIND = 20;

class WarningList {
  private counts = new Map<string, number>();
  readonly items: string[] = [];
  add(kind: string, text: string): void {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    if (n <= MAX_WARNINGS_PER_KIND) this.items.push(text);
  }
  finish(): string[] {
    for (const [kind, n] of this.counts) {
      if (n > MAX_WARNINGS_PER_KIND) this.items.push(`…and ${n - MAX_WARNINGS_PER_KIND} more ${kind} warnings`);
    }
    return this.items;
  }
}

const isRootParent = (p: string | null | undefined): boolean => p === null || p === undefined || p === '';

/** Keeps the last copy of each span id (the latest to arrive) and reports the others. */
function dedupe<T extends { spanId: string }>(spans: readonly T[], warn?: WarningList): T[] {
  const byId = new Map<string, T>();
  const copies = new Map<string, number>();
  for (const s of spans) {
    if (byId.has(s.spanId)) copies.set(s.spanId, (copies.get(s.spanId) ?? 1) + 1);
    byId.set(s.spanId, s);
  }
  if (warn) {
    for (const [id, n] of copies) warn.add('duplicate', `Duplicate span id ${id} (${n} copies): kept the last one received`);
  }
  return copies.size === 0 ? [...spans] : [...byId.values()];
}

interface Work {
  span: CanonicalSpan;
  start: bigint | null;
  end: bigint | null;
  node: TreeNode;
}

/** Start time ascending, missing times last; then name and id so the order is stable. */
function compareWork(a: Work, b: Work): number {
  if (a.start !== b.start) {
    if (a.start === null) return 1;
    if (b.start === null) return -1;
    return a.start < b.start ? -1 : 1;
  }
  if (a.span.name !== b.span.name) return a.span.name < b.span.name ? -1 : 1;
  return a.span.spanId < b.span.spanId ? -1 : a.span.spanId > b.span.spanId ? 1 : 0;
}

export function assembleTrace(input: readonly CanonicalSpan[]): AssembledTrace {
  const warn = new WarningList();
  const spans = dedupe(input, warn);

  const work = new Map<string, Work>();
  for (const span of spans) {
    const start = parseNanos(span.startUnixNanos);
    let end = parseNanos(span.endUnixNanos);
    if (start === null) {
      warn.add('timestamp', `Span "${span.name}" (${span.spanId}) has no start time`);
    } else if (end === null) {
      warn.add('timestamp', `Span "${span.name}" (${span.spanId}) has no end time`);
    } else if (end < start) {
      warn.add('timestamp', `Span "${span.name}" (${span.spanId}) ends before it starts`);
      end = null;
    }
    const node: TreeNode = { span, depth: 0, children: [], orphaned: false, cycleBroken: false, displayShiftNanos: '0' };
    work.set(span.spanId, { span, start, end, node });
  }

  const childrenOf = new Map<string, Work[]>();
  const roots: Work[] = [];
  for (const w of work.values()) {
    const p = w.span.parentSpanId;
    if (isRootParent(p)) {
      roots.push(w);
    } else if (!work.has(p as string)) {
      w.node.orphaned = true;
      roots.push(w);
      warn.add('orphan', `Span "${w.span.name}" (${w.span.spanId}) has parent ${p}, which has not arrived: shown as a root`);
    } else {
      let list = childrenOf.get(p as string);
      if (!list) childrenOf.set(p as string, (list = []));
      list.push(w);
    }
  }
  for (const list of childrenOf.values()) list.sort(compareWork);
  roots.sort(compareWork);

  const nodes: TreeNode[] = [];
  const visited = new Set<string>();
  const shift = new Map<string, bigint>();

  // Iterative depth-first walk: a 10,000-deep chain must not overflow the stack.
  const walk = (root: Work): void => {
    const stack: { w: Work; depth: number; parent: Work | null }[] = [{ w: root, depth: 0, parent: null }];
    visited.add(root.span.spanId);
    while (stack.length > 0) {
      const { w, depth, parent } = stack.pop()!;
      w.node.depth = depth;
      nodes.push(w.node);
      let myShift = parent ? (shift.get(parent.span.spanId) ?? 0n) : 0n;
      if (parent) {
        parent.node.children.push(w.span.spanId);
        myShift = checkSkew(w, parent, myShift, warn);
      }
      if (myShift !== 0n) {
        shift.set(w.span.spanId, myShift);
        w.node.displayShiftNanos = myShift.toString();
      }
      const kids = childrenOf.get(w.span.spanId);
      if (!kids) continue;
      for (let i = kids.length - 1; i >= 0; i--) {
        const k = kids[i];
        if (visited.has(k.span.spanId)) continue;
        visited.add(k.span.spanId);
        stack.push({ w: k, depth: depth + 1, parent: w });
      }
    }
  };

  const rootIds: string[] = [];
  for (const r of roots) {
    rootIds.push(r.span.spanId);
    walk(r);
  }

  // Whatever was not reached hangs under a parent cycle (a→b→a, or a span its own parent).
  if (visited.size < work.size) {
    const rest = [...work.values()].filter((w) => !visited.has(w.span.spanId)).sort(compareWork);
    for (const w of rest) {
      if (visited.has(w.span.spanId)) continue;
      // Climb to a span that is on the cycle itself, and make it a root.
      const seen = new Set<string>();
      let cur = w;
      while (!seen.has(cur.span.spanId)) {
        seen.add(cur.span.spanId);
        cur = work.get(cur.span.parentSpanId as string)!;
      }
      cur.node.cycleBroken = true;
      warn.add('cycle', `Span "${cur.span.name}" (${cur.span.spanId}) is part of a parent cycle: shown as a root`);
      rootIds.push(cur.span.spanId);
      walk(cur);
    }
  }

  const byId = new Map<string, TreeNode>();
  for (const n of nodes) byId.set(n.span.spanId, n);
  return { nodes, roots: rootIds, byId, warnings: warn.finish() };
}

/**
 * SDKs that stamp start times at millisecond precision (OpenTelemetry JS 3.x) make children
 * appear to start or end up to 1 ms outside their parent: no skew worth a warning.
 */
const SKEW_TOLERANCE_NS = 1_000_000n;

/** Warns when a child lies outside its parent's window; returns the child's display shift. */
function checkSkew(child: Work, parent: Work, inherited: bigint, warn: WarningList): bigint {
  const cs = child.start;
  const ps = parent.start;
  if (cs === null || ps === null) return inherited;
  const label = `Span "${child.span.name}" (${child.span.spanId})`;
  if (cs < ps) {
    if (ps - cs > SKEW_TOLERANCE_NS) warn.add('clock skew', `${label} starts ${fmtMs(ps - cs)} before its parent "${parent.span.name}" (clock skew?)`);
    const ce = child.end;
    const pe = parent.end;
    // Like Jaeger: only a child that fits in its parent is moved (display only).
    if (ce !== null && pe !== null && ce - cs <= pe - ps) return inherited + (ps - cs);
    return inherited;
  }
  if (child.end !== null && parent.end !== null && child.end - parent.end > SKEW_TOLERANCE_NS) {
    // Common for fire-and-forget work; worth a note, not a display change.
    warn.add('clock skew', `${label} ends ${fmtMs(child.end - parent.end)} after its parent "${parent.span.name}"`);
  }
  return inherited;
}

const fmtMs = (ns: bigint): string => `${Number(ns / 1000n) / 1000} ms`;

// ---------------------------------------------------------------------------------------------
// Summary

/** The few span fields a summary needs (the store reads them from columns, not from JSON). */
export interface SummaryPart {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  service: string;
  startUnixNanos: string;
  endUnixNanos: string;
  statusCode: StatusCode;
  kind: StepKind;
  model: string | null;
  /** Canonical provider, when the caller has it (the store's columns do not): helps tell duplicate calls apart. */
  provider?: string | null;
  usage: Usage;
  costUsd: number | null;
}

/** What a trace adds up to. The server turns it into the protocol's TraceSummaryDto (same shape). */
export interface TraceSummary {
  traceId: string;
  /** Name of the root span (or of the earliest span when the root has not arrived). */
  name: string;
  services: string[];
  startTime: string;
  startUnixNanos: string;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  /** Model calls, each counted once even when two instrumentations recorded it (see duplicateCalls.ts). */
  llmCalls: number;
  toolCalls: number;
  models: string[];
  usage: Usage;
  costUsd: number | null;
  orphanCount: number;
  updatedAtMs: number;
}

export const summaryPartOf = (s: CanonicalSpan): SummaryPart => ({
  traceId: s.traceId,
  spanId: s.spanId,
  parentSpanId: s.parentSpanId,
  name: s.name,
  service: s.service,
  startUnixNanos: s.startUnixNanos,
  endUnixNanos: s.endUnixNanos,
  statusCode: s.status.code,
  kind: s.norm.kind,
  model: s.norm.model,
  provider: s.norm.provider,
  usage: s.norm.usage,
  costUsd: s.costUsd,
});

/**
 * The numbers of a trace.
 *
 * Usage and cost are not double-counted: a wrapper span (agent step, framework span) often
 * repeats the usage of the model call beneath it, so a span's usage counts only when no
 * descendant reports usage, and likewise for cost. Each usage field is summed separately and
 * stays null when no counted span reports it.
 *
 * Cost with partial knowledge: costUsd is the sum of the known costs of the counted spans (a
 * lower bound when some counted LLM spans have no price); it is null only when no counted span
 * has a known cost. Unknown is never shown as $0.
 *
 * One model call recorded by two instrumentations (findDuplicateCalls) counts once in usage,
 * cost and llmCalls: the duplicate is left out, and it makes no ancestor of its own a wrapper
 * except on the way up to the copy that is counted.
 */
export function summarizeTrace(spans: readonly CanonicalSpan[], updatedAtMs = 0): TraceSummary {
  return summarizeParts(spans.map(summaryPartOf), updatedAtMs);
}

const hasAnyUsage = (u: Usage): boolean =>
  u.inputTokens !== null || u.outputTokens !== null || u.cacheReadTokens !== null ||
  u.cacheWriteTokens !== null || u.reasoningTokens !== null;

export function summarizeParts(input: readonly SummaryPart[], updatedAtMs = 0): TraceSummary {
  const parts = dedupe(input);
  const byId = new Map<string, SummaryPart>();
  for (const p of parts) byId.set(p.spanId, p);
  const duplicateOf = findDuplicateCalls(parts);

  // Mark every ancestor of a span that reports usage (or cost). Climbing stops at the first
  // already-marked ancestor, so each span is marked once and cycles terminate.
  const usageBelow = new Set<string>();
  const costBelow = new Set<string>();
  const markAncestors = (from: SummaryPart, marks: Set<string>): void => {
    // A duplicate's ancestors are wrappers too, but the counted copy it duplicates is not.
    const counted = duplicateOf.get(from.spanId);
    let p = from.parentSpanId;
    while (!isRootParent(p) && !marks.has(p as string) && p !== counted) {
      const parent = byId.get(p as string);
      if (!parent) break;
      marks.add(parent.spanId);
      p = parent.parentSpanId;
    }
  };
  for (const p of parts) {
    if (hasAnyUsage(p.usage)) markAncestors(p, usageBelow);
    if (p.costUsd !== null) markAncestors(p, costBelow);
  }

  const usage: Usage = { inputTokens: null, outputTokens: null, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null };
  const add = (k: keyof Usage, v: number | null): void => {
    if (v !== null) usage[k] = (usage[k] ?? 0) + v;
  };
  let cost: number | null = null;
  let minStart: bigint | null = null;
  let maxEnd: bigint | null = null;
  let errorCount = 0;
  let llmCalls = 0;
  let toolCalls = 0;
  let orphanCount = 0;
  const services = new Set<string>();
  const models = new Set<string>();
  let root: { p: SummaryPart; start: bigint | null } | null = null;
  let earliest: { p: SummaryPart; start: bigint | null } | null = null;
  const earlier = (a: bigint | null, b: bigint | null): boolean => a !== null && (b === null || a < b);

  for (const p of parts) {
    const start = parseNanos(p.startUnixNanos);
    const end = parseNanos(p.endUnixNanos);
    if (start !== null && (minStart === null || start < minStart)) minStart = start;
    const last = end ?? start;
    if (last !== null && (maxEnd === null || last > maxEnd)) maxEnd = last;
    if (p.statusCode === 'error') errorCount++;
    const duplicate = duplicateOf.has(p.spanId);
    if (p.kind === 'llm' && !duplicate) llmCalls++;
    if (p.kind === 'tool') toolCalls++;
    if (p.service) services.add(p.service);
    if (p.model) models.add(p.model);
    if (isRootParent(p.parentSpanId)) {
      if (!root || earlier(start, root.start)) root = { p, start };
    } else if (!byId.has(p.parentSpanId as string)) {
      orphanCount++;
    }
    if (!earliest || earlier(start, earliest.start)) earliest = { p, start };
    if (!duplicate && !usageBelow.has(p.spanId)) {
      add('inputTokens', p.usage.inputTokens);
      add('outputTokens', p.usage.outputTokens);
      add('cacheReadTokens', p.usage.cacheReadTokens);
      add('cacheWriteTokens', p.usage.cacheWriteTokens);
      add('reasoningTokens', p.usage.reasoningTokens);
    }
    if (p.costUsd !== null && !duplicate && !costBelow.has(p.spanId)) cost = (cost ?? 0) + p.costUsd;
  }

  const startNanos = minStart === null ? '0' : minStart.toString();
  const durationMs = minStart !== null && maxEnd !== null && maxEnd > minStart ? Number((maxEnd - minStart) / 1000n) / 1000 : 0;
  return {
    traceId: parts[0]?.traceId ?? '',
    name: (root ?? earliest)?.p.name ?? '',
    services: [...services].sort(),
    startTime: nanosToIso(startNanos),
    startUnixNanos: startNanos,
    durationMs,
    spanCount: parts.length,
    errorCount,
    llmCalls,
    toolCalls,
    models: [...models].sort(),
    usage,
    // Rounded to a picodollar so float sums do not print as 0.30000000000000004.
    costUsd: cost === null ? null : Math.round(cost * 1e12) / 1e12,
    orphanCount,
    updatedAtMs,
  };
}
