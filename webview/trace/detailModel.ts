// Small pure helpers behind the detail pane (unit-tested in Node).
import type { CheckResultDto, EvaluationDto, RecordedBodyDto, RecordedCallDto, SpanDto, StepProblemDto } from '../../src/protocol/dto';
import { prettyValue } from '../shared/format';

/** Says where a cost figure came from; "unknown" is explained, never shown as $0. */
export function costExplanation(s: Pick<SpanDto, 'costUsd' | 'costSource' | 'model' | 'usage'>): string {
  if (s.costUsd === null) {
    if (!s.model) return 'unknown: no model recorded';
    if (s.usage.inputTokens === null && s.usage.outputTokens === null) return 'unknown: no token usage reported';
    return `unknown: no price known for ${s.model}`;
  }
  if (s.costSource === 'reported') return 'reported by the instrumentation';
  if (s.costSource === 'computed') return 'computed from token usage and model prices';
  return '';
}

/** Rows whose key or pretty-printed value contains the filter text (case-insensitive). */
export function filterEntries(entries: [string, unknown][], filter: string): [string, unknown][] {
  const f = filter.trim().toLowerCase();
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (!f) return sorted;
  return sorted.filter(([k, v]) => k.toLowerCase().includes(f) || prettyValue(v).toLowerCase().includes(f));
}

/** CSS class for a chat bubble; unknown roles get a neutral look. */
export function roleClass(role: string): string {
  const r = role.toLowerCase();
  if (r === 'system' || r === 'developer') return 'role-system';
  if (r === 'user' || r === 'human') return 'role-user';
  if (r === 'assistant' || r === 'model' || r === 'ai') return 'role-assistant';
  if (r === 'tool' || r === 'function' || r === 'ipython') return 'role-tool';
  return 'role-other';
}

/**
 * The badge beside a step's name: a failed span is an error; a step that only reports an error
 * (a log at error level, e.g. Logfire's `logfire.error`) while its span did not fail is shown
 * as a warning, so it stands out without counting as a failed run.
 */
export function statusBadge(s: Pick<SpanDto, 'status' | 'error' | 'level'>): { text: string; cls: 'status-error' | 'status-warning' } | null {
  if (s.status === 'error') return { text: 'error', cls: 'status-error' };
  if (s.error) return { text: s.level ? `${s.level} level` : 'error', cls: 'status-warning' };
  if (s.level === 'warn') return { text: 'warn', cls: 'status-warning' };
  return null;
}

/** An instrumented function's arguments (decoded by their JSON schema), in their recorded order. */
export function argumentEntries(s: Pick<SpanDto, 'arguments'>): [string, unknown][] {
  return s.arguments ? Object.entries(s.arguments) : [];
}

export type DetailTabKey = 'conversation' | 'io' | 'usage' | 'error' | 'attributes' | 'exactRequest' | 'exactResponse';
export interface DetailTabSpec {
  key: DetailTabKey;
  label: string;
}

export function isFailedStep(s: Pick<SpanDto, 'status' | 'error' | 'events'>): boolean {
  return s.status === 'error' || s.error !== null || s.events.some((e) => e.name === 'exception');
}

function hasUsage(s: Pick<SpanDto, 'kind' | 'usage' | 'costUsd'>): boolean {
  if (s.kind === 'llm' || s.kind === 'embedding' || s.costUsd !== null) return true;
  return Object.values(s.usage).some((v) => v !== null);
}

/**
 * Only the tabs that apply to a step: a model call has its conversation and usage, a tool its
 * input and output, a parent step the run's input and output (when `hasRunIO`); Error only
 * when something failed; Attributes always.
 */
export function detailTabs(s: SpanDto, hasRunIO: boolean): DetailTabSpec[] {
  const tabs: DetailTabSpec[] = [];
  if (s.tool) tabs.push({ key: 'io', label: 'Input & output' });
  else if (s.kind === 'llm' || s.kind === 'embedding' || s.messages.length || argumentEntries(s).length) tabs.push({ key: 'conversation', label: 'Conversation' });
  else if (hasRunIO) tabs.push({ key: 'io', label: 'Input & output' });
  if (hasUsage(s)) tabs.push({ key: 'usage', label: 'Usage & cost' });
  if (isFailedStep(s)) tabs.push({ key: 'error', label: 'Error' });
  // The recording proxy's copy of the call: there even when the instrumentation captured no content.
  if (s.recording) tabs.push({ key: 'exactRequest', label: 'Exact request' }, { key: 'exactResponse', label: 'Exact response' });
  tabs.push({ key: 'attributes', label: 'Attributes' });
  return tabs;
}

/** The tab to show for the user's last choice: the same kind of tab when this step has it, else the first. */
export function shownTab(tabs: DetailTabSpec[], preferred: DetailTabKey): number {
  const exact = tabs.findIndex((t) => t.key === preferred);
  if (exact >= 0) return exact;
  // "Conversation" and "Input & output" are the same place for different kinds of step.
  const first = preferred === 'conversation' || preferred === 'io' ? tabs.findIndex((t) => t.key === 'conversation' || t.key === 'io') : -1;
  return Math.max(first, 0);
}

/** Local time for reading, with the UTC value kept for the hover. */
export function localAndUtc(iso: string): { local: string; utc: string } {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return { local: iso, utc: iso };
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  return { local, utc: d.toISOString() };
}

/** A path shown relative to the workspace folder that holds it; other paths unchanged. */
export function workspaceRelative(file: string, roots: readonly string[]): string {
  for (const root of roots) {
    const sep = root.includes('/') ? '/' : '\\';
    const base = root.endsWith(sep) ? root : root + sep;
    if (file.startsWith(base)) return file.slice(base.length);
  }
  return file;
}

/** How a run's checks came out, as the header says it. */
export function checksLabel(results: readonly Pick<CheckResultDto, 'outcome'>[]): string {
  const failed = results.filter((r) => r.outcome === 'fail').length;
  const errors = results.filter((r) => r.outcome === 'error').length;
  const n = results.length;
  if (!failed && !errors) return n === 1 ? 'passed' : `all ${n} passed`;
  const parts = [`${failed} of ${n} failed`];
  if (errors) parts.push(`${errors} could not be evaluated`);
  return failed ? parts.join(', ') : `${errors} of ${n} could not be evaluated`;
}

/** The results that did not pass, by the step they are about (results about the whole run have no step). */
export function failingChecksBySpan(results: readonly CheckResultDto[]): Map<string, CheckResultDto[]> {
  const out = new Map<string, CheckResultDto[]>();
  for (const r of results) {
    if (r.outcome === 'pass' || !r.spanId) continue;
    out.set(r.spanId, [...(out.get(r.spanId) ?? []), r]);
  }
  return out;
}

/** Bodies longer than this are shown as they are, not re-indented (a pretty-print would cost the panel more than it helps). */
const MAX_PRETTY_CHARS = 1_000_000;

/** A recorded body for reading: JSON pretty-printed, anything else (SSE streams, text) exactly as it travelled. Plain text. */
export function recordedBodyText(b: Pick<RecordedBodyDto, 'body'>): string {
  if (b.body === '') return '';
  const t = b.body.trim();
  if (t.length > MAX_PRETTY_CHARS || !(t.startsWith('{') || t.startsWith('['))) return b.body;
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch {
    return b.body;
  }
}

/** "Linked exactly (traceparent header)" / "Linked with medium confidence (time window and model)". */
export function recordingLinkLabel(r: Pick<RecordedCallDto, 'link'>): string {
  return r.link.confidence === 'exact' ? `Linked exactly (${r.link.reason})` : `Linked with ${r.link.confidence} confidence (${r.link.reason})`;
}

/** The size line under a body: how much travelled, and whether the recording kept all of it. */
export function recordedSizeNote(b: Pick<RecordedBodyDto, 'bytes' | 'truncated' | 'body'>): string {
  return b.truncated ? `${b.bytes} bytes; the recording kept the first part only (the client got everything)` : `${b.bytes} bytes`;
}

/** One evaluation result as the step's detail lists it (plain text: every part is span content). */
export interface EvaluationLine {
  mark: string;
  outcome: EvaluationDto['outcome'];
  name: string;
  /** "0.42 · not_relevant", "0.9", "pass" or "". */
  score: string;
  explanation: string;
}

const EVALUATION_MARK: Record<EvaluationDto['outcome'], string> = { pass: '✓', fail: '✗', info: '•' };

/** A step's evaluation results, failed first (then in arrival order). */
export function evaluationLines(evaluations: readonly EvaluationDto[] | undefined): EvaluationLine[] {
  const order = { fail: 0, pass: 1, info: 2 };
  return [...(evaluations ?? [])]
    .map((e, i) => ({ e, i }))
    .sort((a, b) => order[a.e.outcome] - order[b.e.outcome] || a.i - b.i)
    .map(({ e }) => ({
      mark: EVALUATION_MARK[e.outcome],
      outcome: e.outcome,
      name: e.name,
      score: [e.scoreValue !== null ? String(e.scoreValue) : '', e.scoreLabel ?? ''].filter((x) => x !== '').join(' · '),
      explanation: e.explanation ?? '',
    }));
}

/** A short tag per problem kind (the message says the rest); an unknown kind from a newer server reads "problem". */
const PROBLEM_KIND_LABEL: Record<string, string> = {
  unmatched: 'no recorded match',
  'shape-changed': 'request changed shape',
  unreadable: 'unreadable request',
  differs: 'differs from the recording',
  upstream: 'upstream failed',
  'not-asked-again': 'recorded calls skipped',
  'fork-not-reached': 'fork point not reached',
};

/** One heading of a step's replay problems and its lines (plain text: messages may quote the upstream). */
export interface ProblemGroup {
  title: string;
  items: { kind: string; label: string; message: string }[];
}

/**
 * A step's replay and resend problems, grouped: its own call in a forked run first, then each
 * fork and each resend started from it (newest first), titled with when it ran.
 */
export function problemGroups(problems: readonly StepProblemDto[] | undefined): ProblemGroup[] {
  const groups = new Map<string, ProblemGroup & { time: string }>();
  for (const p of problems ?? []) {
    const key = p.scope === 'call' ? 'call' : `${p.origin}:${p.sessionId}`;
    let g = groups.get(key);
    if (!g) {
      const when = localAndUtc(p.time).local.slice(0, 19);
      const title = p.scope === 'call' ? 'This call in the forked run' : p.origin === 'fork' ? `Re-run from this step (${when})` : `Edit and re-send (${when})`;
      groups.set(key, (g = { title, time: p.scope === 'call' ? '\uffff' : p.time, items: [] }));
    }
    g.items.push({ kind: p.kind, label: PROBLEM_KIND_LABEL[p.kind] ?? 'problem', message: p.message });
  }
  return [...groups.values()].sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0)).map(({ title, items }) => ({ title, items }));
}

/** The step row's marker: its text and a tooltip listing the problems (null when the step has none). */
export function problemMark(problems: readonly StepProblemDto[] | undefined): { text: string; title: string } | null {
  if (!problems?.length) return null;
  const text = problems.some((p) => p.origin === 'fork') ? '⚠ replay' : '⚠ resend';
  const lines = problems.slice(0, 10).map((p) => `${PROBLEM_KIND_LABEL[p.kind] ?? 'problem'}: ${p.message}`);
  if (problems.length > 10) lines.push(`…and ${problems.length - 10} more in the step's detail`);
  return { text, title: lines.join('\n') };
}
