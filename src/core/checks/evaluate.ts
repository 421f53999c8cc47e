// Runs checks on one trace. Each check answers pass, fail or error with one short sentence; a
// check that throws on a strange trace is an error, never a pass. Pure: the caller hands in
// the trace's spans and summary (the store's, so cost and calls are counted once, as everywhere).
import { formatCost, formatCount, formatDuration } from '../format';
import type { AttrValue, CanonicalSpan } from '../model';
import { DEFAULT_POLICY, scanSpans } from '../redaction';
import { parseNanos, type TraceSummary } from '../tree';
import { tested } from './patterns';
import type { ArgumentMatcher, CheckResult, CheckScope, CheckSpec, ChecksCounts, StepSelector, TextTest } from './types';

export interface CheckedTrace {
  summary: TraceSummary;
  spans: readonly CanonicalSpan[];
}

/** Tool-call arguments longer than this are not parsed for argument matchers (they count as not matching). */
const MAX_ARGUMENT_CHARS = 1_000_000;

type Verdict = Omit<CheckResult, 'check' | 'kind'>;
const pass = (message: string, spanId: string | null = null): Verdict => ({ outcome: 'pass', message, spanId });
const fail = (message: string, spanId: string | null = null): Verdict => ({ outcome: 'fail', message, spanId });
const error = (message: string): Verdict => ({ outcome: 'error', message, spanId: null });

/** The results of the checks whose scope includes this trace, in the file's order. */
export function evaluateChecks(checks: readonly CheckSpec[], trace: CheckedTrace): CheckResult[] {
  const facts = new TraceFacts(trace);
  const results: CheckResult[] = [];
  for (const check of checks) {
    let verdict: Verdict;
    // A model-judged check is answered by the judge service, only when the user enabled it.
    if (check.kind === 'judge') continue;
    try {
      if (check.scope && !inScope(trace, check.scope)) continue;
      verdict = evaluateOne(check, facts);
    } catch (err) {
      verdict = error(`could not be evaluated on this trace: ${err instanceof Error ? err.message : String(err)}`);
    }
    results.push({ check: check.name, kind: check.kind, ...verdict });
  }
  return results;
}

/** The checks of `checks` whose scope includes this trace (the judge service asks before it calls a model). */
export function checksInScope<C extends CheckSpec>(checks: readonly C[], trace: CheckedTrace): C[] {
  return checks.filter((c) => !c.scope || inScope(trace, c.scope));
}

export function countOutcomes(results: readonly { outcome: string }[]): ChecksCounts {
  const counts: ChecksCounts = { passed: 0, failed: 0, errors: 0 };
  for (const r of results) {
    if (r.outcome === 'pass') counts.passed++;
    else if (r.outcome === 'fail') counts.failed++;
    else counts.errors++;
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------

function inScope(trace: CheckedTrace, scope: CheckScope): boolean {
  return trace.spans.some((s) => {
    if (scope.service !== undefined && s.service !== scope.service) return false;
    if (scope.agent !== undefined && s.norm.agentName !== scope.agent && s.service !== scope.agent) return false;
    for (const [key, want] of Object.entries(scope.attributes ?? {})) {
      const v = Object.prototype.hasOwnProperty.call(s.attributes, key) ? s.attributes[key] : s.resource[key];
      if (v !== want && !(typeof v !== 'object' && v !== null && v !== undefined && String(v) === String(want))) return false;
    }
    return true;
  });
}

interface ToolCallFact {
  name: string;
  arguments: string | null;
  spanId: string;
  start: bigint;
}

const startOf = (s: CanonicalSpan): bigint => parseNanos(s.startUnixNanos) ?? 0n;
const endOf = (s: CanonicalSpan): bigint => parseNanos(s.endUnixNanos) ?? startOf(s);

/** What several checks need from a trace, worked out once. */
class TraceFacts {
  readonly spans: CanonicalSpan[];
  private calls: ToolCallFact[] | null = null;
  constructor(readonly trace: CheckedTrace) {
    this.spans = [...trace.spans].sort((a, b) => (startOf(a) < startOf(b) ? -1 : startOf(a) > startOf(b) ? 1 : 0));
  }
  get summary(): TraceSummary {
    return this.trace.summary;
  }

  /**
   * Tools the run executed: its tool steps. Instrumentations that record no tool steps leave
   * only the calls a model asked for; those count then (never both, so a call is counted once).
   */
  toolCalls(): ToolCallFact[] {
    if (this.calls) return this.calls;
    const executed = this.spans
      .filter((s) => s.norm.kind === 'tool' && s.norm.tool?.name)
      .map((s) => ({ name: s.norm.tool!.name, arguments: s.norm.tool!.arguments, spanId: s.spanId, start: startOf(s) }));
    if (executed.length > 0) return (this.calls = executed);
    const requested: ToolCallFact[] = [];
    const seen = new Set<string>();
    for (const s of this.spans) {
      for (const m of s.norm.messages) {
        if (m.direction !== 'output') continue;
        for (const c of m.toolCalls) {
          const key = c.id ?? `${s.spanId}/${c.name}/${c.arguments}`;
          if (seen.has(key)) continue;
          seen.add(key);
          requested.push({ name: c.name, arguments: c.arguments, spanId: s.spanId, start: endOf(s) });
        }
      }
    }
    return (this.calls = requested);
  }

  /**
   * The run's final answer: the root step's output message when it records one (agent
   * frameworks do), else the last model output with text, by end time.
   */
  finalAnswer(): { text: string; spanId: string } | null {
    const lastText = (s: CanonicalSpan): string | null => {
      const outs = s.norm.messages.filter((m) => m.direction === 'output' && m.content);
      return outs.length ? (outs[outs.length - 1].content as string) : null;
    };
    for (const s of this.spans) {
      if (s.parentSpanId) continue;
      const t = lastText(s);
      if (t !== null) return { text: t, spanId: s.spanId };
    }
    const byEnd = this.spans.filter((s) => s.norm.kind === 'llm').sort((a, b) => (endOf(a) < endOf(b) ? 1 : endOf(a) > endOf(b) ? -1 : 0));
    for (const s of byEnd) {
      const t = lastText(s);
      if (t !== null) return { text: t, spanId: s.spanId };
    }
    return null;
  }
}

function evaluateOne(check: CheckSpec, facts: TraceFacts): Verdict {
  const s = facts.summary;
  switch (check.kind) {
    case 'tool_called': {
      const calls = matchingCalls(facts, check.tool, check.arguments);
      const n = calls.length;
      const what = describeTool(check.tool, check.arguments);
      const expected = check.max === null ? `≥ ${check.min}` : check.min === check.max ? `${check.min}` : `${check.min} to ${check.max}`;
      const ok = n >= check.min && (check.max === null || n <= check.max);
      const msg = `${what} was called ${times(n)}; expected ${expected}`;
      return ok ? pass(msg, calls[0]?.spanId ?? null) : fail(msg, calls[check.max ?? Infinity]?.spanId ?? calls[0]?.spanId ?? null);
    }
    case 'tool_not_called': {
      const calls = matchingCalls(facts, check.tool, check.arguments);
      const what = describeTool(check.tool, check.arguments);
      return calls.length === 0 ? pass(`${what} was not called`) : fail(`${what} was called ${times(calls.length)}; expected never`, calls[0].spanId);
    }
    case 'final_answer': {
      const answer = facts.finalAnswer();
      if (!answer) return fail('no final answer was recorded (no output message on the root step or any model call)');
      for (const { test, negate } of check.tests) {
        const hit = textTest(test, answer.text);
        if (hit === negate) return fail(`the final answer ${phrase(test, hit)}: "${excerpt(answer.text)}"`, answer.spanId);
      }
      return pass(`the final answer ${check.tests.map(({ test, negate }) => phrase(test, !negate)).join(' and ')}`, answer.spanId);
    }
    case 'max_cost':
      if (s.costUsd === null) return error('the cost is unknown (no usage reported, or a model without a price): cannot check it');
      return limit(s.costUsd, check.max, 'cost', formatCost);
    case 'max_tokens': {
      const u = s.usage;
      if (u.inputTokens === null && u.outputTokens === null) return error('no token counts were reported: cannot check them');
      return limit((u.inputTokens ?? 0) + (u.outputTokens ?? 0), check.max, 'tokens (input + output)', (n) => formatCount(n));
    }
    case 'max_latency':
      return limit(s.durationMs, check.max, 'duration', formatDuration);
    case 'max_llm_calls':
      return limit(s.llmCalls, check.max, 'model calls', (n) => String(n));
    case 'max_tool_calls':
      return limit(s.toolCalls, check.max, 'tool calls', (n) => String(n));
    case 'no_errors': {
      const failed = facts.spans.filter((x) => x.status.code === 'error');
      if (failed.length === 0) return pass('no step failed');
      const first = failed[0];
      const why = first.norm.error?.message || first.status.message;
      return fail(`${countOf(failed.length, 'step')} failed; first "${first.name}"${why ? `: ${excerpt(why)}` : ''}`, first.spanId);
    }
    case 'no_sensitive_data': {
      const { found, scanned, complete } = scanForSensitiveData(facts.spans, check.categories);
      if (found.length > 0) {
        const types = [...new Set(found.map((f) => f.type))].slice(0, 5).join(', ');
        return fail(`${countOf(found.length, 'finding')} (${types}); first in "${found[0].spanName}" at ${found[0].path}`, found[0].spanId);
      }
      if (!complete) return error(`none found in the first ${countOf(scanned, 'step')} of ${facts.spans.length}; the rest was not scanned (${MAX_SCANNED_BYTES / 1_000_000} MB of text per trace)`);
      return pass(`no ${check.categories.join(' or ')} data found`);
    }
    case 'step_order': {
      const a = facts.spans.find((x) => selects(check.first, x));
      const b = facts.spans.find((x) => selects(check.then, x));
      const an = describeSelector(check.first);
      const bn = describeSelector(check.then);
      if (!a && !b) return fail(`neither ${an} nor ${bn} ran`);
      if (!a) return fail(`${bn} ran but ${an} never did`, b!.spanId);
      if (!b) return fail(`${an} ran but ${bn} never did`, a.spanId);
      return startOf(a) <= startOf(b) ? pass(`${an} ran before ${bn}`, a.spanId) : fail(`${bn} ran before ${an}`, b.spanId);
    }
    case 'max_repeats': {
      const counts = new Map<string, { n: number; name: string; spanId: string }>();
      for (const c of facts.toolCalls()) {
        if (check.tool !== null && c.name !== check.tool) continue;
        const key = check.sameArguments ? `${c.name}\u0000${c.arguments ?? ''}` : c.name;
        const e = counts.get(key);
        if (e) e.n++;
        else counts.set(key, { n: 1, name: c.name, spanId: c.spanId });
      }
      const worst = [...counts.values()].sort((x, y) => y.n - x.n)[0];
      const same = check.sameArguments ? ' with the same arguments' : '';
      if (!worst) return pass(`${check.tool ?? 'no tool'} was not called`);
      const msg = `${worst.name} was called ${times(worst.n)}${same}; at most ${check.max} allowed`;
      return worst.n <= check.max ? pass(msg) : fail(msg, worst.spanId);
    }
    case 'judge':
      return error('a model-judged check is answered by the judge (agentTrace.checks.judge.enabled)');
  }
}

/** What a judge is shown of a run: its first user message, its tool calls and its final answer (text as recorded). */
export function runForJudge(trace: CheckedTrace): { question: string | null; toolCalls: { name: string; arguments: string }[]; answer: { text: string; spanId: string } | null } {
  const facts = new TraceFacts(trace);
  let question: string | null = null;
  let first: bigint | null = null;
  for (const s of trace.spans) {
    const m = s.norm.messages.find((x) => x.direction === 'input' && x.role === 'user' && x.content);
    if (m && (first === null || startOf(s) < first)) {
      first = startOf(s);
      question = m.content;
    }
  }
  return { question, toolCalls: facts.toolCalls().map((c) => ({ name: c.name, arguments: c.arguments ?? '' })), answer: facts.finalAnswer() };
}

/** Text the sensitive-data check scans per trace at most (the redaction detectors run at tens of MB/s; this bounds one trace to a moment). */
export const MAX_SCANNED_BYTES = 2_000_000;

/** The redaction detectors over the trace's steps, one at a time, until a finding or the byte budget. */
function scanForSensitiveData(spans: readonly CanonicalSpan[], categories: string[]) {
  let bytes = 0;
  for (let i = 0; i < spans.length; i++) {
    const report = scanSpans([spans[i]], DEFAULT_POLICY);
    bytes += report.bytesScanned;
    const found = report.findings.filter((f) => categories.includes(f.category) && f.action !== 'keep');
    if (found.length > 0 || (bytes >= MAX_SCANNED_BYTES && i + 1 < spans.length)) return { found, scanned: i + 1, complete: i + 1 === spans.length };
  }
  return { found: [], scanned: spans.length, complete: true };
}

const times = (n: number): string => (n === 1 ? '1 time' : `${n} times`);
const countOf = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

function limit(value: number, max: number, what: string, format: (n: number) => string): Verdict {
  const msg = `${what} ${format(value)}; at most ${format(max)} allowed`;
  return value <= max ? pass(msg) : fail(msg);
}

/** A short, single-line excerpt of span content for a message (shown as plain text). */
function excerpt(text: string, max = 80): string {
  const flat = text.slice(0, max * 4).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function textTest(test: TextTest, text: string): boolean {
  const t = tested(text);
  if (test.regex) return test.regex.test(t);
  return (test.ignoreCase ? t.toLowerCase() : t).includes(test.contains ?? '');
}

/** "matches /x/", "does not contain \"y\"". */
const phrase = (test: TextTest, hit: boolean): string =>
  `${hit ? '' : 'does not '}${test.regex ? (hit ? 'matches' : 'match') : hit ? 'contains' : 'contain'} ${test.label}`;

function describeTool(tool: string, args: ArgumentMatcher[]): string {
  if (args.length === 0) return tool;
  const parts = args.map((m) =>
    m.matches ? `${m.pathText} ~ /${m.matches.source}/` : m.contains !== undefined ? `${m.pathText} contains ${JSON.stringify(m.contains)}` : `${m.pathText} = ${JSON.stringify(m.equals)}`,
  );
  return `${tool}(${parts.join(', ')})`;
}

function matchingCalls(facts: TraceFacts, tool: string, matchers: ArgumentMatcher[]): ToolCallFact[] {
  return facts.toolCalls().filter((c) => c.name === tool && (matchers.length === 0 || argumentsMatch(c.arguments, matchers)));
}

function argumentsMatch(text: string | null, matchers: ArgumentMatcher[]): boolean {
  if (text === null || text.length > MAX_ARGUMENT_CHARS) return false;
  let args: unknown;
  try {
    args = JSON.parse(text);
  } catch {
    return false;
  }
  return matchers.every((m) => {
    const v = valueAt(args, m.path);
    if (v === undefined) return false;
    if (m.equals !== undefined) return deepEqual(v, m.equals);
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    if (m.contains !== undefined) return Array.isArray(v) ? v.some((x) => deepEqual(x, m.contains)) || tested(s).includes(m.contains) : tested(s).includes(m.contains);
    return m.matches!.test(tested(s));
  });
}

function valueAt(root: unknown, path: string[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(key)) return undefined;
      cur = cur[Number(key)];
    } else {
      if (!Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
      cur = (cur as Record<string, unknown>)[key];
    }
  }
  return cur;
}

/** Equality of JSON values; a number also equals its decimal string ("3" = 3), as arguments often arrive stringly. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === 'number' && typeof b === 'string') || (typeof a === 'string' && typeof b === 'number')) return String(a) === String(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(canonical(a as AttrValue)) === JSON.stringify(canonical(b as AttrValue));
}

function canonical(v: AttrValue): AttrValue {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

function selects(sel: StepSelector, s: CanonicalSpan): boolean {
  const n = s.norm;
  if (sel.tool !== undefined && n.tool?.name !== sel.tool) return false;
  if (sel.name !== undefined && s.name !== sel.name) return false;
  if (sel.kind !== undefined && n.kind !== sel.kind) return false;
  if (sel.model !== undefined && n.model !== sel.model && n.modelRaw !== sel.model) return false;
  if (sel.agent !== undefined && n.agentName !== sel.agent) return false;
  return true;
}

function describeSelector(sel: StepSelector): string {
  if (sel.tool !== undefined && Object.keys(sel).length === 1) return sel.tool;
  return Object.entries(sel).map(([k, v]) => `${k} ${v}`).join(' ');
}
