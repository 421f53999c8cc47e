// Which LLM step made which recorded model call. Exact when the client sent a `traceparent`
// (its parent id is the step, or an HTTP client span under it); otherwise a match on time
// window, model and message text, with the confidence said in words. Run whenever a trace is
// read, over the trace's spans and the recordings around it, so it does not matter which of the
// two arrived first. Pure.

import { canonicalModel } from '../modelNames';

export type LinkConfidence = 'exact' | 'high' | 'medium' | 'low';

export interface LinkSpan {
  spanId: string;
  parentSpanId: string | null;
  kind: string;
  startMs: number;
  endMs: number;
  /** Canonical and recorded model names (either may be null). */
  models: (string | null)[];
  /** Text of the step's input messages as the instrumentation captured it (empty when it captured none). */
  inputTexts: string[];
  /** Another step records the same call (two instrumentations): it is not a candidate itself. */
  duplicate?: boolean;
}

export interface LinkRecording {
  id: number;
  /** From the request's traceparent header, when sent. */
  traceId: string | null;
  parentSpanId: string | null;
  startMs: number;
  endMs: number;
  /** The request body's `model`, when it has one. */
  model: string | null;
  /** The request body as text (JSON for every supported API). */
  requestText: string;
}

export interface RecordingLink {
  recordingId: number;
  spanId: string;
  confidence: LinkConfidence;
  /** How the link was made, for the step's detail ("traceparent header", "time window, model and messages"). */
  reason: string;
}

/** Spans and proxy timestamps come from different clocks in different processes: allowed disagreement. */
export const CLOCK_SLACK_MS = 250;
/** Bounds on what matching reads of untrusted bodies. */
const MAX_REQUEST_CHARS = 2_000_000;
const MAX_STRINGS = 5_000;
const MAX_COMPARED_TEXTS = 3;
const MIN_COMPARED_CHARS = 1;
const MAX_COMPARED_CHARS = 300;

const LLM_KINDS = new Set(['llm', 'embedding']);

/** Every recording linked to at most one step, every step to at most one recording. */
export function linkRecordings(traceId: string, spans: readonly LinkSpan[], recordings: readonly LinkRecording[]): RecordingLink[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const links: RecordingLink[] = [];
  const usedSpans = new Set<string>();
  const rest: { rec: LinkRecording; within: Set<string> | null }[] = [];
  for (const rec of recordings) {
    if (rec.traceId !== null && rec.traceId !== traceId) continue; // another trace's call, exactly
    if (rec.traceId === null || rec.parentSpanId === null) {
      rest.push({ rec, within: null });
      continue;
    }
    const step = nearestModelStep(byId, rec.parentSpanId);
    if (step && !usedSpans.has(step.spanId)) {
      usedSpans.add(step.spanId);
      links.push({ recordingId: rec.id, spanId: step.spanId, confidence: 'exact', reason: 'traceparent header' });
    } else if (byId.has(rec.parentSpanId)) {
      // The request was made under a step that is no model call (e.g. the agent step, with no
      // HTTP client instrumentation): match among the model steps below it.
      rest.push({ rec, within: descendants(spans, rec.parentSpanId) });
    }
    // else: the span has not arrived yet; the next read links it.
  }
  links.push(...matchByContent(spans.filter((s) => !usedSpans.has(s.spanId)), rest));
  return links;
}

/** The span itself when it is a model call, else its nearest model-call ancestor (an HTTP span's parent). */
function nearestModelStep(byId: Map<string, LinkSpan>, spanId: string): LinkSpan | null {
  let s = byId.get(spanId);
  for (let hops = 0; s && hops < 64; hops++) {
    if (LLM_KINDS.has(s.kind) && !s.duplicate) return s;
    s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
  }
  return null;
}

function descendants(spans: readonly LinkSpan[], rootId: string): Set<string> {
  const children = new Map<string, string[]>();
  for (const s of spans) if (s.parentSpanId) children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s.spanId]);
  const out = new Set<string>();
  const stack = [rootId];
  while (stack.length) {
    for (const c of children.get(stack.pop()!) ?? []) {
      if (out.has(c)) continue;
      out.add(c);
      stack.push(c);
    }
  }
  return out;
}

interface Candidate {
  rec: LinkRecording;
  span: LinkSpan;
  score: number;
  distance: number;
  modelMatched: boolean;
  messagesMatched: boolean;
  /** The step captured messages and they are not in this request (content parts, or another call). */
  messagesDiffer: boolean;
}

function matchByContent(spans: readonly LinkSpan[], recs: { rec: LinkRecording; within: Set<string> | null }[]): RecordingLink[] {
  const steps = spans.filter((s) => LLM_KINDS.has(s.kind) && !s.duplicate);
  const candidates: Candidate[] = [];
  for (const { rec, within } of recs) {
    const strings = requestStrings(rec.requestText);
    for (const span of steps) {
      if (within && !within.has(span.spanId)) continue;
      const c = candidate(rec, span, strings);
      if (c) candidates.push(c);
    }
  }
  candidates.sort((a, b) => b.score - a.score || a.distance - b.distance || a.rec.id - b.rec.id);
  const usedSpans = new Set<string>();
  const usedRecs = new Set<number>();
  const chosen: Candidate[] = [];
  for (const c of candidates) {
    if (usedSpans.has(c.span.spanId) || usedRecs.has(c.rec.id)) continue;
    usedSpans.add(c.span.spanId);
    usedRecs.add(c.rec.id);
    chosen.push(c);
  }
  // A rival is a step that fitted this call as well and was left without one: then only the
  // time distance decided. A step that got its own, better-fitting call is no rival.
  return chosen.map((c) => {
    const rivals = candidates.filter((o) => o.rec === c.rec && o.span !== c.span && o.score === c.score && !usedSpans.has(o.span.spanId)).length;
    return { recordingId: c.rec.id, spanId: c.span.spanId, ...confidenceOf(c, rivals) };
  });
}

function confidenceOf(c: Candidate, rivals: number): { confidence: LinkConfidence; reason: string } {
  const parts = ['time window', ...(c.modelMatched ? ['model'] : []), ...(c.messagesMatched ? ['messages'] : [])];
  const levels: LinkConfidence[] = ['low', 'medium', 'high'];
  let level = (c.modelMatched ? 1 : 0) + (c.messagesMatched ? 1 : 0);
  // Another step fitted too: the closest in time won, which is less sure.
  if (rivals > 0 && level > 0 && !c.messagesMatched) level--;
  const rivalNote = rivals > 0 ? ` (closest of ${rivals + 1} steps that fit)` : '';
  const reason = parts.join(', ').replace(/, ([^,]*)$/, ' and $1') + rivalNote;
  if (c.messagesDiffer) return { confidence: 'low', reason: `${reason}; the step's recorded messages were not found in the request` };
  return { confidence: levels[level]!, reason };
}

function candidate(rec: LinkRecording, span: LinkSpan, strings: string[] | null): Candidate | null {
  if (rec.startMs < span.startMs - CLOCK_SLACK_MS || rec.endMs > span.endMs + CLOCK_SLACK_MS) return null;
  const recModel = rec.model?.toLowerCase() ?? null;
  const spanModels = span.models.filter((m): m is string => !!m).map((m) => m.toLowerCase());
  let modelMatched = false;
  if (recModel && spanModels.length) {
    modelMatched = spanModels.some((m) => sameModel(m, recModel));
    if (!modelMatched) return null; // both named, and not the same model: another call
  }
  let messagesMatched = false;
  let messagesDiffer = false;
  const texts = span.inputTexts
    .map((t) => t.trim())
    .filter((t) => t.length >= MIN_COMPARED_CHARS)
    .slice(-MAX_COMPARED_TEXTS)
    .map((t) => t.slice(0, MAX_COMPARED_CHARS));
  if (texts.length && strings) {
    messagesMatched = texts.every((t) => strings.some((s) => s.includes(t)));
    messagesDiffer = !messagesMatched;
  }
  const distance = Math.abs(rec.startMs - span.startMs) + Math.abs(span.endMs - rec.endMs);
  const score = (modelMatched ? 1 : 0) + (messagesMatched ? 2 : 0) - (messagesDiffer ? 2 : 0);
  return { rec, span, score, distance, modelMatched, messagesMatched, messagesDiffer };
}

/** "gpt-4o-mini" asked, "gpt-4o-mini-2024-07-18" answered; "openai/gpt-4o" routed: one model (resolved as cost resolves them). */
export function sameModel(a: string, b: string): boolean {
  if (a === b) return true;
  const x = canonicalModel(a).model;
  return x !== null && x === canonicalModel(b).model;
}

/** The string values of a JSON request body (bounded), or null when it is not JSON. */
export function requestStrings(text: string): string[] | null {
  if (text.length > MAX_REQUEST_CHARS) return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  const out: string[] = [];
  const stack: unknown[] = [body];
  while (stack.length && out.length < MAX_STRINGS) {
    const v = stack.pop();
    if (typeof v === 'string') out.push(v.trim());
    else if (Array.isArray(v)) stack.push(...v);
    else if (v && typeof v === 'object') stack.push(...Object.values(v));
  }
  return out;
}

/** The `model` field of a JSON request body, or null. */
export function requestModel(text: string): string | null {
  if (text.length > MAX_REQUEST_CHARS) return null;
  try {
    const body = JSON.parse(text) as unknown;
    const model = body && typeof body === 'object' ? (body as Record<string, unknown>).model : undefined;
    return typeof model === 'string' && model.length <= 200 ? model : null;
  } catch {
    return null;
  }
}
