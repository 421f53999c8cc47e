// Trace health: the ways stored traces misreport what the agent did, found per batch.
//   - orphaned spans: a parent id that is not in the trace (lost spans, a parent that another
//     process never exported);
//   - LLM spans with no token usage (the trace's cost is undercounted);
//   - one conversation or session split over traces that run at the same time (context not
//     propagated across MCP or HTTP: the callee started a trace of its own);
//   - span names with ids embedded (unbounded cardinality in every backend that groups by name);
//   - one model call recorded by two instrumentations (duplicateCalls.ts, reused).
// Work is split in two so the caller can keep the small part: `traceHealthFacts` reads one
// trace's spans once, `healthReport` combines the facts of a batch. Pure and linear.
import { findDuplicateCalls } from './duplicateCalls';
import { hasUsage, type CanonicalSpan } from './model';
import { summaryPartOf } from './tree';

export type HealthKind = 'orphaned_spans' | 'llm_without_usage' | 'split_conversations' | 'ids_in_span_names' | 'duplicate_calls';

export interface HealthExample {
  traceId: string;
  /** The step to open the trace at (null: the trace as a whole). */
  spanId: string | null;
  /** What this example shows, e.g. `span "GET /users/123" (GET /users/{n})`. Span content: show as text only. */
  text: string;
}

export interface HealthItem {
  kind: HealthKind;
  title: string;
  /** Why it matters, in one sentence. */
  why: string;
  /** Spans (or, for split conversations, conversations) affected. */
  count: number;
  /** Traces affected. */
  traces: number;
  examples: HealthExample[];
}

export interface HealthReport {
  traces: number;
  spans: number;
  /** Every kind, in a fixed order; `count` 0 means healthy. */
  items: HealthItem[];
}

interface SpanRef {
  spanId: string;
  text: string;
}

/** Findings of one kind in one trace: the exact count, the first few spans. */
interface SpanRefs {
  count: number;
  refs: SpanRef[];
}

/** What one trace contributes to the report: small, so a batch's facts can be kept. */
export interface TraceHealthFacts {
  traceId: string;
  spans: number;
  orphans: SpanRefs;
  noUsage: SpanRefs;
  duplicates: SpanRefs;
  /** Span names that carry an id: template → the span names (distinct, bounded) and first span. */
  idNames: { template: string; name: string; spanId: string }[];
  /** Conversation/session ids seen in the trace with the first span that carries each. */
  conversations: { key: string; spanId: string }[];
  startNanos: bigint;
  endNanos: bigint;
}

/** Attributes that name a conversation or session (OTel GenAI, OpenInference/OpenLLMetry). */
export const CONVERSATION_ATTRIBUTES = ['gen_ai.conversation.id', 'session.id'] as const;

/** Longest span name examined for ids; longer names are cut (bounded work on untrusted text). */
const MAX_NAME = 256;
/** Distinct names remembered per template per trace. */
const MAX_NAMES_PER_TEMPLATE = 8;
const MAX_REFS_PER_TRACE = 20;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const HEX_RUN = /[0-9a-f]{12,}/gi;
const DIGIT_RUN = /\d{3,}/g;
const HAS_DIGIT = /\d/;
const HAS_HEX_LETTER = /[a-f]/i;

/**
 * A span name with its ids replaced by placeholders ({uuid}, {hex}, {n}); the model name is
 * taken out first, so "chat gpt-4o-2024-08-06" is not mistaken for an id-bearing name.
 */
export function nameTemplate(name: string, model?: string | null): string {
  return replaceIds(withoutModel(name, model));
}

function withoutModel(name: string, model: string | null | undefined): string {
  const text = name.slice(0, MAX_NAME);
  return model && model.length >= 3 ? text.split(model).join('{model}') : text;
}

function replaceIds(text: string): string {
  return text
    .replace(UUID, '{uuid}')
    .replace(HEX_RUN, (run) => (HAS_DIGIT.test(run) && HAS_HEX_LETTER.test(run) ? '{hex}' : run))
    .replace(DIGIT_RUN, '{n}');
}

const quoted = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);

const nanos = (s: string): bigint => (/^\d{1,30}$/.test(s) ? BigInt(s) : 0n);

/** The conversation/session ids a span carries (one id under several attributes counts once). */
function conversationKeys(span: CanonicalSpan): string[] {
  const keys = new Set<string>();
  for (const attr of CONVERSATION_ATTRIBUTES) {
    const v = span.attributes[attr] ?? span.resource[attr];
    if (typeof v === 'string' && v !== '') keys.add(v.slice(0, MAX_NAME));
  }
  if (span.norm.sessionId) keys.add(span.norm.sessionId.slice(0, MAX_NAME));
  return [...keys];
}

const refs = (): SpanRefs => ({ count: 0, refs: [] });

export function traceHealthFacts(traceId: string, spans: readonly CanonicalSpan[]): TraceHealthFacts {
  const ids = new Set(spans.map((s) => s.spanId));
  const duplicateOf = findDuplicateCalls(spans.map(summaryPartOf));
  const facts: TraceHealthFacts = {
    traceId, spans: spans.length, orphans: refs(), noUsage: refs(), duplicates: refs(), idNames: [], conversations: [],
    startNanos: 0n, endNanos: 0n,
  };
  const push = (list: SpanRefs, ref: SpanRef) => {
    list.count += 1;
    if (list.refs.length < MAX_REFS_PER_TRACE) list.refs.push(ref);
  };
  const namesPerTemplate = new Map<string, number>();
  const seenNames = new Set<string>();
  const seenConversations = new Set<string>();
  for (const s of spans) {
    const start = nanos(s.startUnixNanos);
    const end = nanos(s.endUnixNanos);
    if (start > 0n && (facts.startNanos === 0n || start < facts.startNanos)) facts.startNanos = start;
    if (end > facts.endNanos) facts.endNanos = end;
    if (s.parentSpanId && !ids.has(s.parentSpanId)) push(facts.orphans, { spanId: s.spanId, text: `span ${quoted(s.name)}: parent ${s.parentSpanId} is not in the trace` });
    const copyOf = duplicateOf.get(s.spanId);
    if (copyOf) push(facts.duplicates, { spanId: s.spanId, text: `span ${quoted(s.name)} records the same ${s.norm.model ?? 'model'} call as step ${copyOf}` });
    // A duplicate without usage is not undercounting: its counted copy carries the usage.
    else if (s.norm.kind === 'llm' && !hasUsage(s.norm.usage)) push(facts.noUsage, { spanId: s.spanId, text: `span ${quoted(s.name)}${s.norm.model ? ` (${s.norm.model})` : ''} reports no tokens` });
    if (!seenNames.has(s.name)) {
      seenNames.add(s.name);
      const base = withoutModel(s.name, s.norm.modelRaw ?? s.norm.model);
      const template = replaceIds(base);
      const n = namesPerTemplate.get(template) ?? 0;
      if (template !== base && n < MAX_NAMES_PER_TEMPLATE) {
        namesPerTemplate.set(template, n + 1);
        facts.idNames.push({ template, name: s.name.slice(0, MAX_NAME), spanId: s.spanId });
      }
    }
    for (const key of conversationKeys(s)) {
      if (seenConversations.has(key)) continue;
      seenConversations.add(key);
      facts.conversations.push({ key, spanId: s.spanId });
    }
  }
  return facts;
}

export interface HealthOptions {
  /** Examples listed per item (default 5). */
  maxExamples?: number;
}

const ITEM_TEXT: Record<HealthKind, { title: string; why: string }> = {
  orphaned_spans: { title: 'Orphaned spans', why: 'Their parent span never arrived, so the tree and its totals are incomplete.' },
  llm_without_usage: { title: 'LLM spans with no token usage', why: 'Tokens and cost of these calls are missing: the trace undercounts what the run cost.' },
  split_conversations: {
    title: 'Conversations split over several traces',
    why: 'Traces of one conversation or session ran at the same time: context was not propagated (across MCP or HTTP, say), so one run shows as several.',
  },
  ids_in_span_names: { title: 'Span names with ids embedded', why: 'Every id makes a new span name: unbounded cardinality for any backend that groups by name.' },
  duplicate_calls: { title: 'Model calls recorded twice', why: 'Two instrumentations recorded the same request; Agent Trace counts it once, other backends may count it twice.' },
};

function item(kind: HealthKind, count: number, traces: number, examples: HealthExample[]): HealthItem {
  return { kind, ...ITEM_TEXT[kind], count, traces, examples };
}

/** Per-span findings of every trace, as one item: counts over all, the first examples. */
function spanItem(kind: HealthKind, facts: readonly TraceHealthFacts[], pick: (f: TraceHealthFacts) => SpanRefs, max: number): HealthItem {
  let count = 0;
  let traces = 0;
  const examples: HealthExample[] = [];
  for (const f of facts) {
    const found = pick(f);
    if (!found.count) continue;
    count += found.count;
    traces += 1;
    for (const r of found.refs) if (examples.length < max) examples.push({ traceId: f.traceId, spanId: r.spanId, text: r.text });
  }
  return item(kind, count, traces, examples);
}

/** Templates with more than one distinct name in the batch, or with a uuid/hex id even once. */
function idNamesItem(facts: readonly TraceHealthFacts[], max: number): HealthItem {
  const byTemplate = new Map<string, { names: Set<string>; refs: { traceId: string; spanId: string; name: string }[]; traces: Set<string> }>();
  for (const f of facts) {
    for (const n of f.idNames) {
      let t = byTemplate.get(n.template);
      if (!t) byTemplate.set(n.template, (t = { names: new Set(), refs: [], traces: new Set() }));
      if (t.names.size < 1_000) t.names.add(n.name);
      t.traces.add(f.traceId);
      if (t.refs.length < max) t.refs.push({ traceId: f.traceId, spanId: n.spanId, name: n.name });
    }
  }
  let count = 0;
  const traces = new Set<string>();
  const examples: HealthExample[] = [];
  for (const [template, t] of byTemplate) {
    if (t.names.size < 2 && !/\{uuid\}|\{hex\}/.test(template)) continue;
    count += t.names.size;
    for (const id of t.traces) traces.add(id);
    for (const r of t.refs) {
      if (examples.length < max) examples.push({ traceId: r.traceId, spanId: r.spanId, text: `span ${quoted(r.name)} → ${quoted(template)} (${t.names.size}${t.names.size >= 1_000 ? '+' : ''} distinct name${t.names.size === 1 ? '' : 's'})` });
    }
  }
  return item('ids_in_span_names', count, traces.size, examples);
}

/** Conversations whose traces overlap in time (sequential turns of a chat are separate traces by design). */
function splitItem(facts: readonly TraceHealthFacts[], max: number): HealthItem {
  const byKey = new Map<string, { f: TraceHealthFacts; spanId: string }[]>();
  for (const f of facts) {
    for (const c of f.conversations) {
      const list = byKey.get(c.key) ?? [];
      list.push({ f, spanId: c.spanId });
      byKey.set(c.key, list);
    }
  }
  let count = 0;
  const traces = new Set<string>();
  const examples: HealthExample[] = [];
  for (const [key, list] of byKey) {
    if (list.length < 2) continue;
    list.sort((a, b) => (a.f.startNanos < b.f.startNanos ? -1 : a.f.startNanos > b.f.startNanos ? 1 : 0));
    let open = list[0];
    let split = false;
    for (const next of list.slice(1)) {
      if (next.f.startNanos < open.f.endNanos) {
        split = true;
        traces.add(open.f.traceId).add(next.f.traceId);
        if (examples.length < max) examples.push({ traceId: next.f.traceId, spanId: next.spanId, text: `conversation ${quoted(key)}: this trace started while trace ${open.f.traceId} of the same conversation was running` });
      }
      if (next.f.endNanos > open.f.endNanos) open = next;
    }
    if (split) count += 1;
  }
  return item('split_conversations', count, traces.size, examples);
}

export function healthReport(facts: readonly TraceHealthFacts[], options: HealthOptions = {}): HealthReport {
  const max = Math.max(0, options.maxExamples ?? 5);
  return {
    traces: facts.length,
    spans: facts.reduce((n, f) => n + f.spans, 0),
    items: [
      spanItem('orphaned_spans', facts, (f) => f.orphans, max),
      spanItem('llm_without_usage', facts, (f) => f.noUsage, max),
      splitItem(facts, max),
      idNamesItem(facts, max),
      spanItem('duplicate_calls', facts, (f) => f.duplicates, max),
    ],
  };
}

/** Convenience for tests and small batches: facts and report in one go. */
export function traceHealth(traces: readonly { traceId: string; spans: readonly CanonicalSpan[] }[], options: HealthOptions = {}): HealthReport {
  return healthReport(traces.map((t) => traceHealthFacts(t.traceId, t.spans)), options);
}
