// RawSpan → CanonicalSpan: normalization, service name and cost in one pure step.
import { computeCost, type PriceOverride } from './cost';
import type { CanonicalSpan, RawSpan } from './model';
import { normalize } from './normalize';
import { forkLinkOf, forkSpanLink } from './replay/forkLink';

export function canonicalize(span: RawSpan, overrides?: Record<string, PriceOverride>): CanonicalSpan {
  const norm = normalize(span);
  const svc = span.resource?.['service.name'];
  const service = typeof svc === 'string' && svc.trim() !== '' ? svc : 'unknown_service';
  let cost: ReturnType<typeof computeCost>;
  try {
    cost = computeCost(norm, overrides);
  } catch (err) {
    cost = { costUsd: null, costSource: null };
    const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    norm.failures = [...(norm.failures ?? []), `cost: ${what}`.slice(0, 300)];
  }
  // A span named by a template (Logfire) is shown by its formatted message; the template stays
  // in the raw attributes (`logfire.msg_template`).
  const name = norm.displayName && norm.displayName.trim() !== '' ? norm.displayName : span.name;
  return { ...span, name, service, norm, costUsd: cost.costUsd, costSource: cost.costSource, links: withForkLink(span) };
}

/** A forked run's root step links to the step it was forked at (agent_trace.fork.* resource attributes, set by "Re-run from this step…"). */
function withForkLink(span: RawSpan): RawSpan['links'] {
  if (span.parentSpanId) return span.links;
  const fork = forkLinkOf(span.resource ?? {});
  if (!fork || span.links.some((l) => l.traceId === fork.traceId && l.spanId === fork.spanId)) return span.links;
  return [...span.links, forkSpanLink(fork)];
}
