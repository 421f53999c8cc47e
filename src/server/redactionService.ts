// Redaction over stored traces, shared by the LSP server (preview panel) and the CLI (scan,
// export --redacted). The preview never changes what is stored.
import type { Attributes, RawSpan } from '../core/model';
import { compilePolicy, FINDING_MARKS, markAttributes, parsePolicy, redactSpan, renderCollectorConfig, renderNodeProcessor, scanSpans, type ScannableSpan } from '../core/redaction';
import type { RedactionHighlightsDto, RedactionReportDto, RedactionScanParams, RedactionSpanPreviewDto, RedactionSpanPreviewParams } from '../protocol/redaction';
import type { TraceStore } from '../store/traceStore';
import { withRecordedBodies } from './proxy/recordingLinks';

/** Traces scanned by "all traces": the newest ones, so a preview stays interactive on a large store. */
const MAX_TRACES_PER_SCAN = 2_000;

/** The spans to scan; a step's recorded model call (recording proxy) is scanned with it, as two more attributes. */
export function spansForScan(store: TraceStore, traceId: string | null): ScannableSpan[] {
  if (traceId) return withRecordedBodies(store, store.getTrace(traceId.toLowerCase())?.spans ?? []);
  return store
    .listTraces({ limit: MAX_TRACES_PER_SCAN })
    .flatMap((t) => withRecordedBodies(store, store.getTrace(t.traceId)?.spans ?? []));
}

export function scanForRedaction(store: TraceStore, params: RedactionScanParams): RedactionReportDto {
  const { policy, errors } = parsePolicy(params.policyText);
  return scanSpans(spansForScan(store, params.traceId), policy, {
    policySource: params.policyText === null ? 'default' : 'workspace',
    policyErrors: errors,
  });
}

/** The spans as a redacted export would carry them. A policy with errors refuses rather than leaks. */
export function redactSpansForExport(spans: RawSpan[], policyText: string | null): RawSpan[] {
  const problems = redactionPolicyProblems(policyText);
  if (problems.length) throw new Error(`The redaction policy has errors, nothing exported:\n  ${problems.join('\n  ')}`);
  const { policy } = parsePolicy(policyText);
  return spans.map((s) => redactSpan(s, policy));
}

/**
 * Why a policy text cannot drive a redacted export (empty when it can). null means "no policy
 * file": the default applies. An empty file is refused rather than read as the default, since
 * it is more likely a failed write than a wish for the defaults.
 */
export function redactionPolicyProblems(policyText: string | null): string[] {
  if (policyText !== null && policyText.trim() === '') return ['the policy file is empty'];
  return parsePolicy(policyText).errors;
}

/** Span, resource and event attributes of one span as one flat map, labelled by where they sit. */
function previewAttributes(span: RawSpan): Record<string, unknown> {
  const out: Record<string, unknown> = { ...span.attributes };
  const put = (label: string, attrs: Attributes) => {
    for (const [k, v] of Object.entries(attrs)) out[`${label} › ${k}`] = v;
  };
  put('resource', span.resource);
  span.events.forEach((e, i) => put(`event ${i} (${e.name})`, e.attributes));
  return out;
}

/**
 * The redaction panel's before/after for one span. "After" comes from redactSpansForExport, the
 * function the redacted export runs, so what the panel shows is what an export ships.
 */
export function redactionSpanPreview(store: TraceStore, params: RedactionSpanPreviewParams): RedactionSpanPreviewDto | null {
  const spans = store.getTrace(params.traceId.toLowerCase())?.spans ?? [];
  const span = withRecordedBodies(store, spans).find((s) => s.spanId === params.spanId.toLowerCase());
  return span ? spanPreviewOf(span, params.policyText) : null;
}

/** The before/after of one span (see redactionSpanPreview), with the findings' characters marked. */
export function spanPreviewOf(span: RawSpan, policyText: string | null): RedactionSpanPreviewDto {
  const base = { traceId: span.traceId, spanId: span.spanId, before: previewAttributes(span) };
  try {
    const [redacted] = redactSpansForExport([span], policyText);
    const after = previewAttributes(redacted);
    return { ...base, after, refused: null, highlights: highlightsOf(span, policyText, base.before, after) };
  } catch (err) {
    return { ...base, after: null, refused: (err as Error).message };
  }
}

/** The span with its findings bracketed by FINDING_MARKS on one side, in scanSpans' order (span, resource, events). */
function markedAttributes(span: RawSpan, policyText: string | null, side: 'before' | 'after'): Record<string, unknown> {
  const cp = compilePolicy(parsePolicy(policyText).policy);
  const counter = { n: 0 };
  const attributes = markAttributes(span.attributes, cp, side, counter);
  const resource = markAttributes(span.resource, cp, side, counter);
  const events = span.events.map((e) => ({ ...e, attributes: markAttributes(e.attributes, cp, side, counter) }));
  return previewAttributes({ ...span, attributes, resource, events });
}

const MARKS_PATTERN = new RegExp(`${FINDING_MARKS.open}\\d+${FINDING_MARKS.sep}|${FINDING_MARKS.close}`, 'g');

function stripMarks(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(MARKS_PATTERN, '');
  if (Array.isArray(v)) return v.map(stripMarks);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stripMarks(x)]));
  return v;
}

/**
 * The keys that hold findings, marked. A marked value is sent only when, marks removed, it is
 * exactly the value shown (a value that already held the mark characters, or a nested JSON
 * string re-serialised differently, is shown without highlight rather than wrongly).
 */
function highlightsOf(span: RawSpan, policyText: string | null, before: Record<string, unknown>, after: Record<string, unknown>): RedactionHighlightsDto {
  const pick = (marked: Record<string, unknown>, plain: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(marked)) {
      if (!(k in plain) || JSON.stringify(v) === JSON.stringify(plain[k])) continue;
      if (JSON.stringify(stripMarks(v)) === JSON.stringify(plain[k])) out[k] = v;
    }
    return out;
  };
  return {
    marks: { ...FINDING_MARKS },
    before: pick(markedAttributes(span, policyText, 'before'), before),
    after: pick(markedAttributes(span, policyText, 'after'), after),
  };
}

/** The policy as something to take along: a Collector config or a Node span processor snippet. */
export function renderPolicy(policyText: string | null, target: 'collector' | 'node'): { text: string; fileName: string } {
  const { policy, errors } = parsePolicy(policyText);
  if (errors.length) throw new Error(`Fix the redaction policy first:\n  ${errors.join('\n  ')}`);
  return target === 'collector'
    ? { text: renderCollectorConfig(policy), fileName: 'otel-collector-redaction.yaml' }
    : { text: renderNodeProcessor(policy), fileName: 'agent-trace-redaction.js' };
}
