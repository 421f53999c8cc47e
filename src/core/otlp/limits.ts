import { valuePathKey, type ValueTypeHint } from '../model';

// Limits applied while decoding, like the OpenTelemetry SDK's span limits
// (https://opentelemetry.io/docs/specs/otel/common/#attribute-limits), so one hostile or runaway
// export cannot make the server build, store and render millions of attributes. What goes over
// a limit is dropped or cut, never the whole span, and the span says so in `warnings`.
//
// The defaults are far above the SDK's (128 attributes, 128 events, 128 links, no value length
// limit) because GenAI instrumentations legitimately flatten whole conversations into attributes
// (OpenInference writes ~3–8 attributes per message, so a 500-message agent run needs a few
// thousand) and put whole prompts into single values (a 250k-token context is about 1 MB of text).
// Nesting deeper than maxValueDepth is not truncated but rejects the span: no real value is
// nested that deep, and the limit keeps a hostile value from exhausting the stack.

export interface OtlpLimits {
  /** Attributes per span, resource, event and link; also entries per array or kvlist value. */
  maxAttributes: number;
  /** Characters of a string value (bytes of a bytes value); longer ones are cut. */
  maxValueLength: number;
  maxEvents: number;
  maxLinks: number;
  /** AnyValue nesting (arrays, kvlists); deeper values reject their span. */
  maxValueDepth: number;
}

export const DEFAULT_OTLP_LIMITS: Readonly<OtlpLimits> = Object.freeze({
  maxAttributes: 4096,
  maxValueLength: 1024 * 1024,
  maxEvents: 1024,
  maxLinks: 1024,
  maxValueDepth: 64,
});

/** Bounds for the settings: a depth beyond this would risk the stack, the others are sanity floors. */
const RANGES: Record<keyof OtlpLimits, [number, number]> = {
  maxAttributes: [1, 1_000_000],
  maxValueLength: [16, 64 * 1024 * 1024],
  maxEvents: [0, 1_000_000],
  maxLinks: [0, 1_000_000],
  maxValueDepth: [1, 256],
};

/** Complete limits from user settings: missing, non-numeric or out-of-range entries fall back or are clamped. */
export function resolveLimits(given: Partial<Record<keyof OtlpLimits, unknown>> | undefined): OtlpLimits {
  const out = { ...DEFAULT_OTLP_LIMITS };
  if (!given) return out;
  for (const key of Object.keys(RANGES) as (keyof OtlpLimits)[]) {
    const v = given[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    const [lo, hi] = RANGES[key];
    out[key] = Math.min(hi, Math.max(lo, Math.floor(v)));
  }
  return out;
}

/** What one record lost to the limits; reset per span. */
export class Truncation {
  attributes = 0;
  values = 0;
  events = 0;
  links = 0;

  reset(): void {
    this.attributes = 0;
    this.values = 0;
    this.events = 0;
    this.links = 0;
  }

  any(): boolean {
    return (this.attributes | this.values | this.events | this.links) !== 0;
  }

  /** Human-readable warnings, one per kind of loss. */
  warnings(l: OtlpLimits, where = ''): string[] {
    const w: string[] = [];
    if (this.attributes) w.push(`${this.attributes} ${where}attribute(s) or list entries dropped (limit ${l.maxAttributes}, setting agentTrace.limits.maxAttributes)`);
    if (this.values) w.push(`${this.values} ${where}value(s) cut to ${l.maxValueLength} characters (setting agentTrace.limits.maxValueLength)`);
    if (this.events) w.push(`${this.events} event(s) dropped (limit ${l.maxEvents}, setting agentTrace.limits.maxEvents)`);
    if (this.links) w.push(`${this.links} link(s) dropped (limit ${l.maxLinks}, setting agentTrace.limits.maxLinks)`);
    return w;
  }
}

/** Cuts a string to `max` UTF-16 units without leaving half a surrogate pair. */
export function cutString(s: string, max: number): string {
  const c = s.charCodeAt(max - 1);
  return s.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
}

/** A span's name shortened for a rejection message. */
export function shortName(name: string): string {
  return name.length > 80 ? `${name.slice(0, 80)}…` : name;
}

/**
 * Where the value being decoded sits in its span (for RawSpan.valueTypes): the section
 * ('attributes', 'resource', an event's or a link's attributes) and the keys/indexes below it.
 * Decoding is synchronous, so one tracker per reader serves every request.
 */
const ATTRIBUTES: readonly string[] = ['attributes'];
const RESOURCE: readonly string[] = ['resource'];

export class ValuePlace {
  private section: readonly (string | number)[] = ATTRIBUTES;
  readonly path: (string | number)[] = [];
  hints: Record<string, ValueTypeHint> | null = null;

  /** Starts a record: no hints yet, in its attributes. */
  reset(): void {
    this.hints = null;
    this.path.length = 0;
    this.section = ATTRIBUTES;
  }

  enter(section: 'attributes' | 'resource'): void;
  enter(section: 'events' | 'links', index: number): void;
  enter(section: string, index?: number): void {
    this.section = index === undefined ? (section === 'resource' ? RESOURCE : ATTRIBUTES) : [section, index, 'attributes'];
    this.path.length = 0;
  }

  /** Records that the value at the current place has an OTLP type its plain form does not show. */
  hint(type: ValueTypeHint): void {
    (this.hints ??= {})[valuePathKey([...this.section, ...this.path])] = type;
  }
}
