// Recorded model calls joined to the LLM steps that made them, when a trace is read: the trace's
// spans and the recordings around them go through core/proxy/link.ts, so a recording stored
// before its span (or after) links the same way. Used by the trace detail (the "Exact request"
// and "Exact response" of a step) and by the redaction scan and preview.
import { findDuplicateCalls } from '../../core/duplicateCalls';
import type { CanonicalSpan, RawSpan } from '../../core/model';
import { CLOCK_SLACK_MS, linkRecordings, type LinkSpan, type RecordingLink } from '../../core/proxy/link';
import { nanosToIso, nanosToMs, summaryPartOf } from '../../core/tree';
import type { RecordedBodyDto, RecordedCallDto, TraceDetailDto } from '../../protocol/dto';
import type { RecordedBody, StoredRecording } from '../../store/recordings';
import type { TraceStore } from '../../store/traceStore';

/** Attribute keys under which the redaction scan and preview see a step's recorded bodies. */
export const RECORDED_REQUEST_KEY = 'agent_trace.proxy.exact_request';
export const RECORDED_RESPONSE_KEY = 'agent_trace.proxy.exact_response';

const utf8 = new TextDecoder('utf-8');

function linkSpanOf(span: CanonicalSpan, duplicate: boolean): LinkSpan {
  const n = span.norm;
  return {
    spanId: span.spanId,
    parentSpanId: span.parentSpanId || null,
    kind: n.kind,
    startMs: nanosToMs(span.startUnixNanos),
    endMs: nanosToMs(span.endUnixNanos),
    models: [n.model, n.modelRaw],
    inputTexts: n.messages.filter((m) => m.direction === 'input' && typeof m.content === 'string').map((m) => m.content as string),
    duplicate,
  };
}

/** Links of one trace's spans to recordings: spanId → the link and its recording. */
export function recordingsOfTrace(store: TraceStore, traceId: string, spans: readonly CanonicalSpan[]): Map<string, { link: RecordingLink; recording: StoredRecording }> {
  const out = new Map<string, { link: RecordingLink; recording: StoredRecording }>();
  const models = spans.filter((s) => s.norm.kind === 'llm' || s.norm.kind === 'embedding');
  if (models.length === 0) return out;
  const duplicates = findDuplicateCalls(spans.map((s) => summaryPartOf(s)));
  const from = Math.min(...models.map((s) => nanosToMs(s.startUnixNanos)));
  const to = Math.max(...models.map((s) => nanosToMs(s.endUnixNanos)));
  let heads;
  try {
    heads = store.recordings.candidatesFor(traceId, from, to, CLOCK_SLACK_MS);
  } catch {
    return out; // a database from before the proxy's migration opened read-only: no recordings
  }
  if (heads.length === 0) return out;
  const links = linkRecordings(
    traceId,
    spans.map((s) => linkSpanOf(s, duplicates.has(s.spanId))),
    heads.map((h) => ({ id: h.id, traceId: h.traceId, parentSpanId: h.parentSpanId, startMs: h.startedMs, endMs: h.endedMs, model: h.model, requestText: utf8.decode(h.requestBody) })),
  );
  for (const link of links) {
    const recording = store.recordings.get(link.recordingId);
    if (recording) out.set(link.spanId, { link, recording });
  }
  return out;
}

function bodyDto(b: RecordedBody): RecordedBodyDto {
  return { headers: b.headers, body: utf8.decode(b.body), bytes: b.bytes, truncated: b.truncated };
}

export function recordedCallDto(recording: StoredRecording, link: RecordingLink): RecordedCallDto {
  const nanos = (ms: number) => String(BigInt(Math.round(ms)) * 1_000_000n);
  return {
    id: recording.id,
    link: { confidence: link.confidence, reason: link.reason },
    provider: recording.provider,
    method: recording.method,
    path: recording.path,
    upstream: recording.upstream,
    status: recording.status,
    error: recording.error,
    streamed: recording.streamed,
    startTime: nanosToIso(nanos(recording.startedMs)),
    durationMs: Math.max(0, recording.endedMs - recording.startedMs),
    timeToFirstByteMs: recording.firstByteMs === null ? null : Math.max(0, recording.firstByteMs - recording.startedMs),
    request: bodyDto(recording.request),
    response: bodyDto(recording.response),
  };
}

/** Sets `recording` on the detail's LLM steps that have a linked recorded call; returns the links (for the steps' replay problems). */
export function attachRecordings(store: TraceStore, detail: TraceDetailDto, spans: readonly CanonicalSpan[]): ReturnType<typeof recordingsOfTrace> {
  const found = recordingsOfTrace(store, detail.traceId, spans);
  if (found.size === 0) return found;
  for (const s of detail.spans) {
    const r = found.get(s.spanId);
    if (r) s.recording = recordedCallDto(r.recording, r.link);
  }
  return found;
}

/**
 * The spans with their recorded bodies as two more attributes, so the redaction scan and the
 * preview look at them like any span content (they are never written back).
 */
export function withRecordedBodies<S extends CanonicalSpan>(store: TraceStore, spans: S[]): S[] {
  const byTrace = new Map<string, S[]>();
  for (const s of spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
  const bodies = new Map<string, StoredRecording>();
  for (const [traceId, ofTrace] of byTrace) for (const [spanId, r] of recordingsOfTrace(store, traceId, ofTrace)) bodies.set(`${traceId}/${spanId}`, r.recording);
  if (bodies.size === 0) return spans;
  return spans.map((s) => {
    const r = bodies.get(`${s.traceId}/${s.spanId}`);
    if (!r) return s;
    const attributes: RawSpan['attributes'] = { ...s.attributes, [RECORDED_REQUEST_KEY]: utf8.decode(r.request.body), [RECORDED_RESPONSE_KEY]: utf8.decode(r.response.body) };
    return { ...s, attributes };
  });
}

