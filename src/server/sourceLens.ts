// What a code lens and its hover say about one source line, in words that say what they count:
// runs are traces, calls are spans started at the line, and a step's tokens and cost are those
// of its whole subtree in the last run (an agent line costs what its model calls cost), counted
// by the same rules as the trace's own total (summarizeTrace: no wrapper double counting).
import { countOf, formatCost, formatCount, formatDuration } from '../core/format';
import type { CanonicalSpan } from '../core/model';
import { summarizeTrace } from '../core/tree';
import type { SourceStatsDto } from '../protocol/dto';
import type { TraceStore } from '../store/traceStore';

/** How many spans at a line are read to count its runs; beyond it the lens says "500+ runs". */
export const RUNS_READ_LIMIT = 500;

export interface StepFigures {
  /** Input + output tokens of the step and everything beneath it; null when none reported. */
  tokens: number | null;
  /** USD of the subtree; null when no model call beneath has a known price. */
  costUsd: number | null;
  /** Model calls in the subtree (to tell "cost unknown" from "no model call, no cost"). */
  llmCalls: number;
}

export interface LineActivity {
  /** Traces with a span started at this line (at most RUNS_READ_LIMIT counted). */
  runs: number;
  runsCapped: boolean;
  /** Spans started at this line in the latest run. */
  callsInLastRun: number;
  /** Of those, how many failed. */
  failedInLastRun: number;
  /** The latest call: its duration, and its error when it failed. */
  lastDurationMs: number;
  lastFailure: { message: string } | null;
  /** Tokens and cost of the latest run's calls at this line, subtrees included. */
  lastRun: StepFigures;
}

const failed = (s: CanonicalSpan): boolean => s.status.code === 'error' || s.norm.error !== null;

function failureMessage(s: CanonicalSpan): string {
  const e = s.norm.error;
  const text = e ? [e.type, e.message].filter(Boolean).join(': ') : s.status.message;
  return text || 'error';
}

/** The spans of `roots` and all their descendants (each once). */
export function subtreeOf(spans: readonly CanonicalSpan[], roots: ReadonlySet<string>): CanonicalSpan[] {
  const children = new Map<string, CanonicalSpan[]>();
  for (const s of spans) {
    if (s.parentSpanId) children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
  }
  const seen = new Set<string>();
  const out: CanonicalSpan[] = [];
  const stack = spans.filter((s) => roots.has(s.spanId));
  while (stack.length) {
    const s = stack.pop()!;
    if (seen.has(s.spanId)) continue;
    seen.add(s.spanId);
    out.push(s);
    stack.push(...(children.get(s.spanId) ?? []));
  }
  return out;
}

/** Tokens and cost of the given steps with everything beneath them, counted like a trace total. */
export function stepFigures(traceSpans: readonly CanonicalSpan[], stepIds: ReadonlySet<string>): StepFigures {
  const sub = subtreeOf(traceSpans, stepIds);
  if (!sub.length) return { tokens: null, costUsd: null, llmCalls: 0 };
  const summary = summarizeTrace(sub);
  const { inputTokens, outputTokens } = summary.usage;
  return {
    tokens: inputTokens === null && outputTokens === null ? null : (inputTokens ?? 0) + (outputTokens ?? 0),
    costUsd: summary.costUsd,
    llmCalls: summary.llmCalls,
  };
}

/**
 * The activity at one line from the store: `recorded` is the file path as the spans recorded it.
 * `traceSpans` loads a trace's spans (memoized by the caller).
 */
export function lineActivity(
  store: TraceStore,
  recorded: string,
  stat: SourceStatsDto,
  traceSpans: (traceId: string) => CanonicalSpan[],
): LineActivity {
  const atLine = store.spansAtLine(recorded, stat.line, RUNS_READ_LIMIT);
  const runs = new Set(atLine.map((s) => s.traceId));
  const lastTraceSpans = traceSpans(stat.lastTraceId);
  const lastIds = new Set(atLine.filter((s) => s.traceId === stat.lastTraceId).map((s) => s.spanId));
  lastIds.add(stat.lastSpanId);
  const calls = lastTraceSpans.filter((s) => lastIds.has(s.spanId));
  const latest = calls.find((s) => s.spanId === stat.lastSpanId);
  return {
    runs: Math.max(1, runs.size),
    runsCapped: atLine.length >= RUNS_READ_LIMIT,
    callsInLastRun: Math.max(1, calls.length),
    failedInLastRun: calls.filter(failed).length,
    lastDurationMs: stat.lastDurationMs,
    lastFailure: latest && failed(latest) ? { message: failureMessage(latest) } : null,
    lastRun: stepFigures(lastTraceSpans, lastIds),
  };
}

/** Untrusted text in a code lens title: one line, short, and no `$(icon)` syntax. */
export function lensText(text: string, max = 60): string {
  const line = text.replace(/\s+/g, ' ').trim().replaceAll('$(', '$\u200b(');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** "3 runs", or "500+ runs" when more spans sat at the line than were read. */
function runsText(a: LineActivity): string {
  return a.runsCapped ? `${formatCount(a.runs)}+ runs` : countOf(a.runs, 'run');
}

function moneyParts(f: StepFigures): string[] {
  const parts: string[] = [];
  if (f.tokens !== null) parts.push(`${formatCount(f.tokens)} tokens`);
  if (f.costUsd !== null) parts.push(formatCost(f.costUsd));
  else if (f.llmCalls > 0) parts.push('cost unknown');
  return parts;
}

/**
 * "Agent Trace: 1 run · last 25 ms", "Agent Trace: 2 calls in the last run · last 1.2 s · 1,540 tokens · $0.000166",
 * "Agent Trace: 3 runs · last failed: TimeoutError: city not found".
 */
export function codeLensTitle(a: LineActivity): string {
  const parts: string[] = [];
  if (a.runs > 1 || a.runsCapped) parts.push(runsText(a));
  if (a.callsInLastRun > 1) parts.push(`${formatCount(a.callsInLastRun)} calls in the last run`);
  else if (parts.length === 0) parts.push('1 run');
  if (a.lastFailure) parts.push(`last failed: ${lensText(a.lastFailure.message)}`);
  else {
    parts.push(`last ${formatDuration(a.lastDurationMs)}`);
    if (a.failedInLastRun > 0) parts.push(`${a.failedInLastRun} failed`);
  }
  const money = moneyParts(a.lastRun);
  if (money.length) parts.push((a.runs > 1 ? 'last run ' : '') + money.join(', '));
  return `Agent Trace: ${parts.join(' · ')}`;
}

/** Span content is untrusted: it goes into fenced code blocks whose fence is longer than any backtick run inside. */
export function hoverMarkdown(a: LineActivity, stat: SourceStatsDto): string {
  const block = (title: string, text: string | null) => {
    if (text === null) return '';
    const clipped = text.length > 2_000 ? text.slice(0, 2_000) + '…' : text;
    const longest = Math.max(2, ...[...clipped.matchAll(/`+/g)].map((m) => m[0].length));
    const fence = '`'.repeat(longest + 1);
    return `**${title}**\n\n${fence}text\n${clipped}\n${fence}\n\n`;
  };
  const runs = `${runsText(a)}, ${countOf(stat.runs, 'call')} in all`;
  const last = [
    countOf(a.callsInLastRun, 'call'),
    a.failedInLastRun ? `${a.failedInLastRun} failed` : 'none failed',
    `latest took ${formatDuration(a.lastDurationMs)}`,
    ...moneyParts(a.lastRun),
  ].join(', ');
  return (
    `**Agent Trace** — ${runs}\n\n` +
    `Last run: ${last}${a.lastRun.llmCalls ? ' (model calls beneath this line included)' : ''}\n\n` +
    (a.lastFailure ? block('Latest error', a.lastFailure.message) : '') +
    block('Latest input', stat.lastInput) +
    block('Latest output', stat.lastOutput)
  );
}

/** What the "spans at this line" picker shows per row, so rows differ by more than a name. */
export interface SpanAtLineFigures {
  failed: boolean;
  errorMessage: string | null;
  durationMs: number | null;
  /** Subtree tokens and cost, as on the code lens. */
  tokens: number | null;
  costUsd: number | null;
  llmCalls: number;
}

export function spanAtLineFigures(traceSpans: readonly CanonicalSpan[], spanId: string): SpanAtLineFigures {
  const span = traceSpans.find((s) => s.spanId === spanId);
  const figures = stepFigures(traceSpans, new Set([spanId]));
  if (!span) return { failed: false, errorMessage: null, durationMs: null, ...figures };
  const start = nanos(span.startUnixNanos);
  const end = nanos(span.endUnixNanos);
  return {
    failed: failed(span),
    errorMessage: failed(span) ? failureMessage(span) : null,
    durationMs: start === null || end === null ? null : end > start ? Number(end - start) / 1e6 : 0,
    ...figures,
  };
}

function nanos(text: string): bigint | null {
  if (!/^\d{1,20}$/.test(text)) return null;
  return BigInt(text);
}
