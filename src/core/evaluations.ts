// Evaluation results an agent sends itself (issue 11): what an evaluator decided about one
// response, read from the shapes that reach an OTLP receiver, and judged pass, fail or
// informational. Pure: the store keeps what this returns.
//
// Supported shapes:
// - OpenTelemetry GenAI `gen_ai.evaluation.result` span events (semantic conventions:
//   gen_ai.evaluation.name, gen_ai.evaluation.score.value, gen_ai.evaluation.score.label,
//   gen_ai.evaluation.explanation, gen_ai.response.id). The span carrying the event is the
//   step evaluated.
// - The same as log records (event_name or the `event.name` attribute `gen_ai.evaluation.result`;
//   the attributes as above, or in a map body). The record's span id names the step; without
//   one, gen_ai.response.id names the model call whose response was evaluated.
// - OpenInference EVALUATOR spans (`openinference.span.kind` = EVALUATOR) whose `output.value`
//   is a JSON object with `score`, `label` and/or `explanation` (the shape Phoenix evaluators
//   return). The result is about the evaluator's parent step when it has one, else the span itself.
// Not supported: Phoenix span annotations, which Phoenix's client sends to its own REST API
// (`/v1/span_annotations`), never over OTLP.
import type { AttrValue, Attributes, RawLogRecord, RawSpan } from './model';

export const EVALUATION_EVENT = 'gen_ai.evaluation.result';

/** Bounds on what one evaluation keeps (the values are untrusted). */
const MAX_NAME = 200;
const MAX_LABEL = 200;
const MAX_EXPLANATION = 4_000;
const MAX_OUTPUT_JSON = 100_000;
/** Evaluations read from one span (its events) at most. */
const MAX_PER_SPAN = 100;

export type EvaluationSource = 'span-event' | 'log-record' | 'openinference';
export type EvaluationOutcome = 'pass' | 'fail' | 'info';

/** One evaluation result as it arrived, before it is linked to a stored step. */
export interface EvaluationRecord {
  traceId: string | null;
  /** The step evaluated, when the shape names it. */
  spanId: string | null;
  /** gen_ai.response.id: the model response evaluated (links to the model call when no span id). */
  responseId: string | null;
  name: string;
  scoreValue: number | null;
  scoreLabel: string | null;
  explanation: string | null;
  timeUnixNanos: string;
  source: EvaluationSource;
  /** The same result sent twice (a retried export) has the same key. */
  key: string;
}

/** Thresholds the checks file declares per evaluation name. */
export interface EvaluationThreshold {
  minScore?: number;
  maxScore?: number;
}
export type EvaluationThresholds = Record<string, EvaluationThreshold>;

// Labels that say the evaluated response failed or passed, compared lower-cased with spaces and
// hyphens as underscores. A label in neither list, without a threshold, is informational.
const FAIL_LABELS = new Set([
  'fail', 'failed', 'failure', 'incorrect', 'false', 'no', 'wrong', 'bad', 'not_relevant', 'irrelevant', 'unrelated',
  'hallucinated', 'hallucination', 'unfaithful', 'ungrounded', 'not_grounded', 'not_correct', 'unsafe', 'rejected',
]);
const PASS_LABELS = new Set([
  'pass', 'passed', 'correct', 'true', 'yes', 'good', 'relevant', 'faithful', 'grounded', 'factual', 'safe', 'accepted', 'ok',
]);

const normalLabel = (label: string): string => label.trim().toLowerCase().replace(/[\s-]+/g, '_');

/**
 * Pass or fail: a label in the fail list, or a score outside the threshold the checks file
 * declares for this evaluation name, fails; a passing label or a score within the threshold
 * passes; anything else (an unknown label, a score without a threshold) is informational.
 */
export function classifyEvaluation(e: Pick<EvaluationRecord, 'name' | 'scoreValue' | 'scoreLabel'>, thresholds: EvaluationThresholds = {}): EvaluationOutcome {
  const label = e.scoreLabel === null ? null : normalLabel(e.scoreLabel);
  if (label !== null && FAIL_LABELS.has(label)) return 'fail';
  const t = Object.prototype.hasOwnProperty.call(thresholds, e.name) ? thresholds[e.name] : undefined;
  if (t && e.scoreValue !== null) {
    if (t.minScore !== undefined && e.scoreValue < t.minScore) return 'fail';
    if (t.maxScore !== undefined && e.scoreValue > t.maxScore) return 'fail';
    return 'pass';
  }
  return label !== null && PASS_LABELS.has(label) ? 'pass' : 'info';
}

const cut = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max)}…` : s);

function text(v: AttrValue | undefined, max: number): string | null {
  if (typeof v === 'string') return v.trim() === '' ? null : cut(v, max);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

function score(v: AttrValue | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  // int64 beyond 2^53 and values sent as text; bounded so a long string costs nothing.
  if (typeof v === 'string' && v.length <= 40 && /^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/.test(v)) {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

const hexId = (v: AttrValue | undefined): string | null => (typeof v === 'string' && /^[0-9a-f]{16,32}$/i.test(v) ? v.toLowerCase() : null);

/** Reads the gen_ai.evaluation.* attributes; null without a name or anything judged. */
function fromAttributes(
  attrs: Attributes,
  where: { traceId: string | null; spanId: string | null; timeUnixNanos: string; source: EvaluationSource; salt: string },
): EvaluationRecord | null {
  const name = text(attrs['gen_ai.evaluation.name'], MAX_NAME);
  const scoreValue = score(attrs['gen_ai.evaluation.score.value']);
  const scoreLabel = text(attrs['gen_ai.evaluation.score.label'], MAX_LABEL);
  if (name === null || (scoreValue === null && scoreLabel === null)) return null;
  const responseId = text(attrs['gen_ai.response.id'], MAX_NAME);
  return {
    traceId: where.traceId,
    spanId: where.spanId,
    responseId,
    name,
    scoreValue,
    scoreLabel,
    explanation: text(attrs['gen_ai.evaluation.explanation'], MAX_EXPLANATION),
    timeUnixNanos: where.timeUnixNanos,
    source: where.source,
    key: JSON.stringify([where.source, where.spanId, responseId, where.timeUnixNanos, name, scoreValue, scoreLabel, where.salt]),
  };
}

/** The evaluation results a span carries: its gen_ai.evaluation.result events, or its own OpenInference EVALUATOR result. */
export function evaluationsFromSpan(span: RawSpan): EvaluationRecord[] {
  const out: EvaluationRecord[] = [];
  for (let i = 0; i < span.events.length && out.length < MAX_PER_SPAN; i++) {
    const e = span.events[i];
    // Log records attached to a span were read as log records already.
    if (e.name !== EVALUATION_EVENT || e.fromLog) continue;
    const r = fromAttributes(e.attributes, { traceId: span.traceId, spanId: span.spanId, timeUnixNanos: e.timeUnixNanos, source: 'span-event', salt: String(i) });
    if (r) out.push(r);
  }
  const oi = openInferenceEvaluation(span);
  if (oi) out.push(oi);
  return out;
}

/** A gen_ai.evaluation.result log record as an evaluation; null for any other record. */
export function evaluationFromLog(log: RawLogRecord): EvaluationRecord | null {
  const eventName = log.eventName || (typeof log.attributes['event.name'] === 'string' ? log.attributes['event.name'] : '');
  if (eventName !== EVALUATION_EVENT) return null;
  const body = log.body !== null && typeof log.body === 'object' && !Array.isArray(log.body) ? log.body : {};
  // The attributes win; a body map fills in what they lack.
  const attrs: Attributes = { ...body, ...log.attributes };
  return fromAttributes(attrs, {
    traceId: hexId(log.traceId ?? undefined),
    spanId: hexId(log.spanId ?? undefined),
    timeUnixNanos: log.timeUnixNanos,
    source: 'log-record',
    salt: '',
  });
}

function openInferenceEvaluation(span: RawSpan): EvaluationRecord | null {
  const kind = span.attributes['openinference.span.kind'];
  if (typeof kind !== 'string' || kind.toUpperCase() !== 'EVALUATOR') return null;
  const output = span.attributes['output.value'];
  if (typeof output !== 'string' || output.length > MAX_OUTPUT_JSON || !output.trimStart().startsWith('{')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const o = parsed as Record<string, AttrValue>;
  const scoreValue = score(o.score);
  const scoreLabel = text(o.label, MAX_LABEL);
  if (scoreValue === null && scoreLabel === null) return null;
  const name = text(o.name, MAX_NAME) ?? text(span.attributes['metadata.evaluator_name'], MAX_NAME) ?? cut(span.name, MAX_NAME);
  const spanId = span.parentSpanId || span.spanId;
  return {
    traceId: span.traceId,
    spanId,
    responseId: null,
    name,
    scoreValue,
    scoreLabel,
    explanation: text(o.explanation, MAX_EXPLANATION),
    timeUnixNanos: span.endUnixNanos,
    source: 'openinference',
    key: JSON.stringify(['openinference', span.spanId]),
  };
}
