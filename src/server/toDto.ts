// CanonicalSpan → plain-JSON DTOs for the LSP, the webviews and `--json` output.
import type { CanonicalSpan } from '../core/model';
import { assembleTrace, durationMsBetween, nanosToIso } from '../core/tree';
import type { SpanDto, TraceDetailDto, TraceSummaryDto } from '../protocol/dto';

export function spanToDto(span: CanonicalSpan, orphaned: boolean): SpanDto {
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
    error: n.error ? { ...n.error } : null,
    source: n.source ? { ...n.source } : null,
    orphaned,
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
    ...(span.warnings ? { warnings: [...span.warnings] } : {}),
  };
}

/** Spans the receiver had to cut, as trace warnings (a few, then a count). */
function truncationWarnings(spans: readonly CanonicalSpan[]): string[] {
  const cut = spans.filter((s) => s.warnings && s.warnings.length > 0);
  const shown = cut.slice(0, 20).map((s) => `span "${s.name.slice(0, 80)}" (${s.spanId}) was cut: ${s.warnings!.join('; ')}`);
  return cut.length > shown.length ? [...shown, `…and ${cut.length - shown.length} more spans cut by the limits`] : shown;
}

/** The trace with its spans in tree order (parents before children, siblings by start) and the assembly warnings. */
export function traceToDetailDto(summary: TraceSummaryDto, spans: CanonicalSpan[]): TraceDetailDto {
  const tree = assembleTrace(spans);
  return {
    ...summary,
    spans: tree.nodes.map((node) => spanToDto(node.span, node.orphaned)),
    warnings: [...tree.warnings, ...truncationWarnings(spans)],
  };
}
