// CanonicalSpan → plain-JSON DTOs for the LSP, the webviews and `--json` output.
import { findDuplicateCalls } from '../core/duplicateCalls';
import type { CanonicalSpan } from '../core/model';
import { modelCallDetail } from '../core/modelCall';
import { stackTraceLines } from '../core/source';
import { assembleTrace, durationMsBetween, nanosToIso, summaryPartOf, type TraceSummary } from '../core/tree';
import type { SpanDto, TraceDetailDto, TraceSummaryDto } from '../protocol/dto';

/** The core's trace summary as the protocol's DTO (the same shape, copied so neither side leaks into the other). */
export function summaryToDto(s: TraceSummary): TraceSummaryDto {
  return { ...s, services: [...s.services], models: [...s.models], usage: { ...s.usage } };
}

/** duplicateOf: the span id of the step that records the same model call and is the one counted. */
export function spanToDto(span: CanonicalSpan, orphaned: boolean, duplicateOf: string | null = null): SpanDto {
  const n = span.norm;
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId || null,
    name: span.name,
    kind: n.kind,
    spanKind: span.kind,
    service: span.service,
    status: span.status.code,
    statusMessage: span.status.message,
    startTime: nanosToIso(span.startUnixNanos),
    startUnixNanos: span.startUnixNanos,
    durationMs: durationMsBetween(span.startUnixNanos, span.endUnixNanos),
    convention: n.convention,
    operation: n.operation,
    model: n.model,
    modelRaw: n.modelRaw,
    provider: n.provider,
    usage: { ...n.usage },
    costUsd: span.costUsd,
    costSource: span.costSource,
    messages: n.messages.map((m) => ({
      role: m.role,
      direction: m.direction,
      content: m.content,
      toolCalls: m.toolCalls.map((t) => ({ id: t.id, name: t.name, arguments: t.arguments })),
      toolCallId: m.toolCallId,
      name: m.name,
    })),
    tool: n.tool ? { ...n.tool } : null,
    agentName: n.agentName,
    sessionId: n.sessionId,
    error: n.error ? { ...n.error, ...(n.error.stacktrace ? { stackLines: stackLinesDto(n.error.stacktrace) } : {}) } : null,
    source: n.source ? { ...n.source } : null,
    orphaned,
    duplicateOf,
    attributes: span.attributes,
    resourceAttributes: span.resource,
    events: span.events.map((e) => ({
      name: e.name,
      time: nanosToIso(e.timeUnixNanos),
      timeUnixNanos: e.timeUnixNanos,
      // A log record's severity and body travel as attributes, so the views need no extra field.
      attributes: e.fromLog ? { ...e.attributes, 'log.severity': e.fromLog.severityText, 'log.body': e.fromLog.body } : e.attributes,
    })),
    links: span.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: l.attributes })),
    scope: { name: span.scope.name, version: span.scope.version },
    level: n.level ?? null,
    arguments: n.arguments ?? null,
    ...(span.warnings ? { warnings: [...span.warnings] } : {}),
    modelCall: n.kind === 'llm' || n.kind === 'embedding' ? modelCallDetail(span.attributes) : null,
  };
}

function stackLinesDto(stacktrace: string): NonNullable<SpanDto['error']>['stackLines'] {
  return stackTraceLines(stacktrace).map((l) => ({ text: l.text, file: l.frame?.file ?? null, line: l.frame?.line ?? null, column: l.frame?.column ?? null, library: l.library }));
}

/** Normalization failures named in the warnings; more are summed up in one line. */
const MAX_FAILURE_WARNINGS = 20;

/** One warning per span whose attributes could not all be read (the span is shown with what could be). */
export function normalizationWarnings(spans: readonly CanonicalSpan[]): string[] {
  const out: string[] = [];
  let more = 0;
  for (const s of spans) {
    const failures = s.norm.failures;
    if (!failures?.length) continue;
    if (out.length >= MAX_FAILURE_WARNINGS) {
      more++;
      continue;
    }
    const n = failures.length;
    out.push(`Span "${s.name}" (${s.spanId}): ${n} normalization failure${n === 1 ? '' : 's'}, shown with what could be read: ${failures.join('; ')}`);
  }
  if (more) out.push(`…and ${more} more spans with normalization failures`);
  return out;
}


/** Spans the receiver had to cut, as trace warnings (a few, then a count). */
function truncationWarnings(spans: readonly CanonicalSpan[]): string[] {
  const cut = spans.filter((s) => s.warnings && s.warnings.length > 0);
  const shown = cut.slice(0, 20).map((s) => `span "${s.name.slice(0, 80)}" (${s.spanId}) was cut: ${s.warnings!.join('; ')}`);
  return cut.length > shown.length ? [...shown, `…and ${cut.length - shown.length} more spans cut by the limits`] : shown;
}

/** The trace with its spans in tree order (parents before children, siblings by start), duplicate calls marked, and its warnings. */
export function traceToDetailDto(summary: TraceSummaryDto | TraceSummary, spans: CanonicalSpan[]): TraceDetailDto {
  const tree = assembleTrace(spans);
  const duplicates = findDuplicateCalls(tree.nodes.map((node) => summaryPartOf(node.span)));
  return {
    ...summaryToDto(summary),
    spans: tree.nodes.map((node) => spanToDto(node.span, node.orphaned, duplicates.get(node.span.spanId) ?? null)),
    warnings: [...tree.warnings, ...normalizationWarnings(tree.nodes.map((node) => node.span)), ...truncationWarnings(spans)],
  };
}
