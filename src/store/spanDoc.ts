// How a span is kept in spans.doc (schema v5): the raw span once, without what the row's columns
// already hold (ids, name, times, status code, service, cost) and without its resource and scope,
// which are stored once per distinct value in span_resources (spans.res_id). The normalized view
// is derived again on read (normalize is pure and costs a few µs a span), so an export writes
// about half the bytes it did when the doc held the whole CanonicalSpan as JSON.
// Rows written before v5 have res_id NULL and a whole CanonicalSpan in doc; both are read.
import type { Attributes, CanonicalSpan, OtelSpanKind, RawEvent, RawLink, RawSpan, Scope, StatusCode, ValueTypeHint } from '../core/model';

/** The columns a span is rebuilt from, in this order (see SpanDocRow). */
export const DOC_COLUMNS = 'trace_id, span_id, parent_id, name, start_ns, end_ns, status, service, cost_usd, cost_source, res_id, doc';

export interface SpanDocRow {
  trace_id: string;
  span_id: string;
  parent_id: string | null;
  name: string;
  start_ns: string;
  end_ns: string;
  status: StatusCode;
  service: string;
  cost_usd: number | null;
  cost_source: CanonicalSpan['costSource'];
  /** null: doc is a whole CanonicalSpan (written before v5). */
  res_id: number | null;
  doc: string;
}

/** What doc holds for a v5 row: only what no column holds; empty lists and messages are left out. */
interface CompactDoc {
  kind: OtelSpanKind;
  /** The name as received, when the row's name is another (a formatted Logfire message). */
  rawName?: string;
  attributes: Attributes;
  statusMessage?: string;
  events?: RawEvent[];
  links?: RawLink[];
  warnings?: string[];
  valueTypes?: Record<string, ValueTypeHint>;
}

export interface ResourceScope {
  resource: Attributes;
  scope: Scope;
}

/** rowName: the name written to the row's column (the canonical name). */
export function compactDocOf(raw: RawSpan, rowName: string): string {
  const d: CompactDoc = { kind: raw.kind, attributes: raw.attributes };
  if (raw.name !== rowName) d.rawName = raw.name;
  if (raw.status.message) d.statusMessage = raw.status.message;
  if (raw.events.length > 0) d.events = raw.events;
  if (raw.links.length > 0) d.links = raw.links;
  if (raw.warnings) d.warnings = raw.warnings;
  if (raw.valueTypes) d.valueTypes = raw.valueTypes;
  return JSON.stringify(d);
}

/** The span_resources.doc text of a span's resource and scope (the key it is stored once under). */
export const resourceDocOf = (raw: RawSpan): string => JSON.stringify([raw.resource, raw.scope]);

export function parseResourceDoc(doc: string): ResourceScope {
  const [resource, scope] = JSON.parse(doc) as [Attributes, Scope];
  return { resource, scope };
}

/** The RawSpan of a v5 row (its columns, its compact doc, its resource). */
export function rawFromCompact(row: SpanDocRow, res: ResourceScope): RawSpan {
  const d = JSON.parse(row.doc) as CompactDoc;
  const raw: RawSpan = {
    traceId: row.trace_id,
    spanId: row.span_id,
    parentSpanId: row.parent_id,
    name: d.rawName ?? row.name,
    kind: d.kind,
    startUnixNanos: row.start_ns,
    endUnixNanos: row.end_ns,
    status: { code: row.status, message: d.statusMessage ?? '' },
    attributes: d.attributes,
    events: d.events ?? [],
    links: d.links ?? [],
    resource: res.resource,
    scope: res.scope,
  };
  if (d.warnings) raw.warnings = d.warnings;
  if (d.valueTypes) raw.valueTypes = d.valueTypes;
  return raw;
}

/** The RawSpan inside a stored CanonicalSpan (a pre-v5 doc). */
export function rawOfCanonical(doc: CanonicalSpan): RawSpan {
  const { service: _s, norm: _n, costUsd: _c, costSource: _cs, ...raw } = doc;
  return raw;
}
