// A forked run names the run and step it was forked from through resource attributes the agent's
// own OpenTelemetry SDK picks up from OTEL_RESOURCE_ATTRIBUTES: agent_trace.fork.of (trace id)
// and agent_trace.fork.step (span id). This writes that variable (merged into a value the user
// already has) and reads the link back from a stored trace's resource.
//
// The variable's format (OTel SDK environment spec): key=value pairs separated by commas, as W3C
// Baggage without properties; values are percent-encoded (every byte outside baggage-octet), keys
// are not. Written by hand: the SDK's parser is internal to @opentelemetry/resources and we need
// the writer too.
import type { Attributes, RawLink } from '../model';

export const FORK_OF_ATTRIBUTE = 'agent_trace.fork.of';
export const FORK_STEP_ATTRIBUTE = 'agent_trace.fork.step';

export interface ForkLink {
  /** The original run's trace id (32 lowercase hex). */
  traceId: string;
  /** The step the run was forked at: the LLM span's id (16 lowercase hex). */
  spanId: string;
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/**
 * baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E; "%" is encoded too, so decoding is
 * exact, and so is "=": the OpenTelemetry JS SDK splits an entry at every "=" and discards the whole
 * variable when a value holds one (found by the property test: a grapheme "=" + U+0338).
 */
function isBaggageOctet(byte: number): boolean {
  if (byte === 0x25 || byte === 0x3d) return false;
  return byte === 0x21 || (byte >= 0x23 && byte <= 0x2b) || (byte >= 0x2d && byte <= 0x3a) || (byte >= 0x3c && byte <= 0x5b) || (byte >= 0x5d && byte <= 0x7e);
}

/** A value percent-encoded for OTEL_RESOURCE_ATTRIBUTES. */
export function encodeResourceValue(value: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(value)) {
    out += isBaggageOctet(byte) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A percent-encoded value decoded; a broken escape is kept as written. */
function decodeResourceValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The OTEL_RESOURCE_ATTRIBUTES pairs, in order, values decoded; entries without "=" or a key are skipped. */
export function parseResourceAttributesEnv(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const entry of text.split(',')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const key = entry.slice(0, eq).trim();
    if (key) out.push([key, decodeResourceValue(entry.slice(eq + 1).trim())]);
  }
  return out;
}

function checkIds(link: ForkLink): void {
  if (!TRACE_ID.test(link.traceId)) throw new RangeError(`Not a trace id: ${JSON.stringify(link.traceId)}`);
  if (!SPAN_ID.test(link.spanId)) throw new RangeError(`Not a span id: ${JSON.stringify(link.spanId)}`);
}

/** `agent_trace.fork.of=<traceId>,agent_trace.fork.step=<spanId>`. */
export function forkResourceFragment(link: ForkLink): string {
  checkIds(link);
  return `${FORK_OF_ATTRIBUTE}=${encodeResourceValue(link.traceId)},${FORK_STEP_ATTRIBUTE}=${encodeResourceValue(link.spanId)}`;
}

/**
 * Whether the OpenTelemetry SDKs accept an entry: exactly one "=", a key, valid percent escapes.
 * The JS SDK discards the whole variable on one bad entry, which would lose the fork link too.
 */
function sdkAccepts(entry: string): boolean {
  const parts = entry.split('=');
  if (parts.length !== 2 || parts[0].trim() === '') return false;
  try {
    decodeURIComponent(parts[0].trim());
    decodeURIComponent(parts[1].trim());
    return true;
  } catch {
    return false;
  }
}

/**
 * OTEL_RESOURCE_ATTRIBUTES for the forked run: the user's own value (if any) with the fork pair
 * appended. A fork pair already there (the run being forked was itself a fork) is replaced; an
 * entry the SDKs would refuse is left out and returned in `dropped`, so the caller can say so.
 */
export function withForkResourceAttributes(existing: string | undefined, link: ForkLink): { value: string; dropped: string[] } {
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const entry of (existing ?? '').split(',')) {
    if (entry.trim() === '') continue;
    if (!sdkAccepts(entry)) {
      dropped.push(entry);
      continue;
    }
    const key = entry.slice(0, entry.indexOf('=')).trim();
    if (key !== FORK_OF_ATTRIBUTE && key !== FORK_STEP_ATTRIBUTE) kept.push(entry);
  }
  return { value: [...kept, forkResourceFragment(link)].join(','), dropped };
}

/** The run and step a trace was forked from, read from its resource attributes; null when it is not a fork (or the ids are malformed). */
export function forkLinkOf(resource: Attributes): ForkLink | null {
  const traceId = resource[FORK_OF_ATTRIBUTE];
  const spanId = resource[FORK_STEP_ATTRIBUTE];
  if (typeof traceId !== 'string' || typeof spanId !== 'string') return null;
  const link = { traceId: traceId.toLowerCase(), spanId: spanId.toLowerCase() };
  return TRACE_ID.test(link.traceId) && SPAN_ID.test(link.spanId) ? link : null;
}

/** The fork as a span link (kind "fork"), for the store to put on the forked run's root step. */
export function forkSpanLink(link: ForkLink): RawLink {
  checkIds(link);
  return { traceId: link.traceId, spanId: link.spanId, attributes: { 'agent_trace.link.kind': 'fork' } };
}
