// Evaluates tail_sampling policies on stored traces with the Collector's semantics
// (opentelemetry-collector-contrib processor/tailsamplingprocessor/internal/sampling/*.go,
// final decision as in processor.go: a drop wins, then invert_not_sampled, then any sample,
// then invert_sampled when no policy said not_sampled).
import safeRegex from 'safe-regex2';
import type { AttrValue, Attributes } from '../model';
import { collectorProbabilisticSampled, headSampled, type HeadSdk } from './hash';
import { compileOttl, type OttlCondition } from './ottl';
import type { PolicyDecision, PolicyOutcome, PolicySpec, SamplingSpan, SamplingTrace, TraceDecision } from './types';

interface Verdict {
  decision: PolicyDecision;
  note?: string;
}

interface Evaluator {
  approximate: boolean;
  evaluate(trace: SamplingTrace): Verdict;
}

const SAMPLED: Verdict = { decision: 'sampled' };
const NOT_SAMPLED: Verdict = { decision: 'not_sampled' };
const yes = (b: boolean): Verdict => (b ? SAMPLED : NOT_SAMPLED);
const notSimulated = (note: string): Evaluator => ({ approximate: false, evaluate: () => ({ decision: 'not_simulated', note }) });

const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : fallback);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const nanos = (s: string): bigint => {
  try {
    return BigInt(s);
  } catch {
    return 0n;
  }
};

/** The Collector's hasResourceOrSpanWithCondition / invertHasResourceOrSpanWithCondition (util.go). */
function attributeFilter(
  trace: SamplingTrace,
  invert: boolean,
  onResource: (v: AttrValue | undefined, present: boolean) => boolean,
  onSpan: (v: AttrValue | undefined, present: boolean) => boolean,
  key: string,
): Verdict {
  const get = (attrs: Attributes) => ({ v: attrs[key], present: Object.prototype.hasOwnProperty.call(attrs, key) });
  for (const span of trace.spans) {
    const r = get(span.resource);
    const s = get(span.attributes);
    if (invert) {
      if (r.present && onResource(r.v, true)) return { decision: 'invert_not_sampled' };
      if (s.present && onSpan(s.v, true)) return { decision: 'invert_not_sampled' };
    } else if ((r.present && onResource(r.v, true)) || (s.present && onSpan(s.v, true))) {
      return SAMPLED;
    }
  }
  return invert ? { decision: 'invert_sampled' } : NOT_SAMPLED;
}

/** pcommon Value.Str(): the string, or '' for any other type. */
const goStr = (v: AttrValue | undefined): string => (typeof v === 'string' ? v : '');
/** pcommon Value.Int(): the integer, or 0 for any other type. int64 beyond 2^53 is stored as a decimal string. */
const goInt = (v: AttrValue | undefined): number => (typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : 0);

function stringAttribute(cfg: Record<string, unknown>): Evaluator {
  const key = String(cfg.key ?? '');
  const values = strings(cfg.values);
  const invert = cfg.invert_match === true;
  let match: (s: string) => boolean;
  if (cfg.enabled_regex_matching === true) {
    // Go's regexp.MatchString is unanchored, like RegExp.test (despite the Collector's comment saying "anchored").
    let regexes: RegExp[];
    try {
      // regex-audit: user pattern, screened at run time (safeRegex below; refused when unsafe)
      regexes = values.map((v) => new RegExp(v));
    } catch (err) {
      return notSimulated(`string_attribute regex: ${(err as Error).message}`);
    }
    // Go's RE2 runs in linear time; JavaScript's engine backtracks. A pattern that could
    // backtrack without bound on span content (untrusted) is refused rather than run.
    const unsafe = values.find((v) => !safeRegex(v));
    if (unsafe !== undefined) return notSimulated(`string_attribute regex "${unsafe}" could backtrack without bound in JavaScript (Go's RE2 would not): not simulated`);
    match = (s) => regexes.some((r) => r.test(s));
  } else {
    const set = new Set(values.filter((v) => v !== ''));
    match = (s) => set.has(s);
  }
  return {
    approximate: false,
    evaluate: (trace) =>
      attributeFilter(
        trace,
        invert,
        (v) => match(goStr(v)),
        (v) => goStr(v).length > 0 && match(goStr(v)),
        key,
      ),
  };
}

function numericAttribute(cfg: Record<string, unknown>): Evaluator {
  // Newer Collectors make min_value and max_value optional: a missing bound is open.
  const min = num(cfg.min_value, -Infinity);
  const max = num(cfg.max_value, Infinity);
  const inRange = (v: AttrValue | undefined) => goInt(v) >= min && goInt(v) <= max;
  return { approximate: false, evaluate: (t) => attributeFilter(t, cfg.invert_match === true, inRange, inRange, String(cfg.key ?? '')) };
}

function booleanAttribute(cfg: Record<string, unknown>): Evaluator {
  const wanted = cfg.value === true;
  const is = (v: AttrValue | undefined) => (v === true) === wanted && typeof v === 'boolean';
  return { approximate: false, evaluate: (t) => attributeFilter(t, cfg.invert_match === true, is, is, String(cfg.key ?? '')) };
}

function latency(cfg: Record<string, unknown>): Evaluator {
  const lower = num(cfg.threshold_ms, 0);
  const upper = num(cfg.upper_threshold_ms, 0);
  return {
    approximate: false,
    // As latency.go: the running span of earliest start to latest end is tested after each span.
    evaluate(trace) {
      let min = 0n;
      let max = 0n;
      for (const span of trace.spans) {
        const start = nanos(span.startUnixNanos);
        const end = nanos(span.endUnixNanos);
        if (min === 0n || start < min) min = start;
        if (max === 0n || end > max) max = end;
        const ms = Number((max - min) / 1_000_000n);
        if (upper === 0 ? ms >= lower : lower < ms && ms <= upper) return SAMPLED;
      }
      return NOT_SAMPLED;
    },
  };
}

function statusCode(cfg: Record<string, unknown>): Evaluator {
  const codes = new Set(strings(cfg.status_codes).map((c) => c.toLowerCase()));
  return { approximate: false, evaluate: (t) => yes(t.spans.some((s) => codes.has(s.status))) };
}

function spanCount(cfg: Record<string, unknown>): Evaluator {
  const min = num(cfg.min_spans, 0);
  const max = num(cfg.max_spans, 0);
  return { approximate: false, evaluate: (t) => yes(t.spans.length >= min && (max === 0 || t.spans.length <= max)) };
}

function traceState(cfg: Record<string, unknown>): Evaluator {
  const key = String(cfg.key ?? '');
  const values = new Set(strings(cfg.values));
  const matches = (span: SamplingSpan) =>
    (span.traceState ?? '').split(',').some((entry) => {
      const eq = entry.indexOf('=');
      return eq > 0 && entry.slice(0, eq).trim() === key && values.has(entry.slice(eq + 1).trim());
    });
  return { approximate: false, evaluate: (t) => yes(t.spans.some(matches)) };
}

function ottlCondition(cfg: Record<string, unknown>): Evaluator {
  let spanConditions: OttlCondition[];
  let eventConditions: OttlCondition[];
  try {
    spanConditions = strings(cfg.span).map((c) => compileOttl(c, 'span'));
    eventConditions = strings(cfg.spanevent).map((c) => compileOttl(c, 'spanevent'));
  } catch (err) {
    return notSimulated(`ottl_condition: ${(err as Error).message}`);
  }
  return {
    approximate: false,
    evaluate: (trace) =>
      yes(
        trace.spans.some(
          (span) =>
            spanConditions.some((c) => c({ span })) ||
            span.events.some((event) => eventConditions.some((c) => c({ span, event }))),
        ),
      ),
  };
}

/** rate_limiting (rate_limiting.go): spans per arrival second; sampled only while the count stays strictly under spans_per_second. */
function rateLimiting(cfg: Record<string, unknown>): Evaluator {
  const perSecond = num(cfg.spans_per_second, 0);
  let second = NaN;
  let spent = 0;
  return {
    approximate: true,
    evaluate(trace) {
      const s = Math.floor(trace.arrivalMs / 1000);
      if (s !== second) {
        second = s;
        spent = 0;
      }
      if (spent + trace.spans.length >= perSecond) return NOT_SAMPLED;
      spent += trace.spans.length;
      return SAMPLED;
    },
  };
}

/** bytes_limiting: a token bucket of burst_capacity (default 2 × bytes_per_second) refilled at bytes_per_second. */
function bytesLimiting(cfg: Record<string, unknown>): Evaluator {
  const rate = num(cfg.bytes_per_second, 0);
  const capacity = num(cfg.burst_capacity, 2 * rate);
  let tokens = capacity;
  let lastMs: number | null = null;
  return {
    approximate: true,
    evaluate(trace) {
      if (lastMs !== null) tokens = Math.min(capacity, tokens + (Math.max(0, trace.arrivalMs - lastMs) / 1000) * rate);
      lastMs = trace.arrivalMs;
      if (trace.bytes > tokens) return NOT_SAMPLED;
      tokens -= trace.bytes;
      return SAMPLED;
    },
  };
}

function combine(spec: PolicySpec, subs: Evaluator[], allSampled: PolicyDecision): Evaluator {
  return {
    approximate: subs.some((s) => s.approximate),
    evaluate(trace) {
      for (const sub of subs) {
        const v = sub.evaluate(trace);
        if (v.decision === 'not_simulated') return v;
        if (v.decision === 'not_sampled' || v.decision === 'invert_not_sampled') return NOT_SAMPLED;
      }
      return { decision: allSampled };
    },
  };
}

/**
 * composite (composite.go, composite_helper.go): sub-policies in their listed order; the first
 * that samples decides. Its share of max_total_spans_per_second (rate_allocation percent,
 * truncated to whole spans; a percent of 0 gets an equal share; an unlisted sub-policy gets none)
 * counts spans per arrival second: within it the trace is sampled, past it not sampled, with no
 * fall-through to later sub-policies.
 */
function composite(spec: PolicySpec, subs: Evaluator[]): Evaluator {
  const total = num(spec.config.max_total_spans_per_second, 0);
  const equalShare = spec.subPolicies.length ? total / spec.subPolicies.length : 0;
  const allocations = new Map<string, number>();
  for (const a of (Array.isArray(spec.config.rate_allocation) ? spec.config.rate_allocation : []) as Record<string, unknown>[]) {
    const percent = num(a.percent, 0);
    allocations.set(String(a.policy), Math.trunc(percent > 0 ? (percent / 100) * total : equalShare));
  }
  let second = NaN;
  const spent = new Map<string, number>();
  return {
    approximate: true,
    evaluate(trace) {
      const s = Math.floor(trace.arrivalMs / 1000);
      if (s !== second) {
        second = s;
        spent.clear();
      }
      for (let i = 0; i < subs.length; i++) {
        const v = subs[i].evaluate(trace);
        if (v.decision === 'not_simulated') return v;
        if (v.decision !== 'sampled' && v.decision !== 'invert_sampled') continue;
        const name = spec.subPolicies[i].name;
        const ifSampled = (spent.get(name) ?? 0) + trace.spans.length;
        if (ifSampled > (allocations.get(name) ?? 0) || ifSampled > total) return NOT_SAMPLED;
        spent.set(name, ifSampled);
        return SAMPLED;
      }
      return NOT_SAMPLED;
    },
  };
}

export function compilePolicy(spec: PolicySpec): Evaluator {
  const cfg = spec.config;
  switch (spec.type) {
    case 'always_sample':
      return { approximate: false, evaluate: () => SAMPLED };
    case 'latency':
      return latency(cfg);
    case 'status_code':
      return statusCode(cfg);
    case 'numeric_attribute':
      return numericAttribute(cfg);
    case 'string_attribute':
      return stringAttribute(cfg);
    case 'boolean_attribute':
      return booleanAttribute(cfg);
    case 'probabilistic': {
      const pct = num(cfg.sampling_percentage, 0);
      const salt = typeof cfg.hash_salt === 'string' ? cfg.hash_salt : '';
      return { approximate: false, evaluate: (t) => yes(collectorProbabilisticSampled(t.traceId, pct, salt)) };
    }
    case 'span_count':
      return spanCount(cfg);
    case 'trace_state':
      return traceState(cfg);
    case 'ottl_condition':
      return ottlCondition(cfg);
    case 'and':
      return combine(spec, spec.subPolicies.map(compilePolicy), 'sampled');
    case 'drop':
      return combine(spec, spec.subPolicies.map(compilePolicy), 'dropped');
    case 'composite':
      return composite(spec, spec.subPolicies.map(compilePolicy));
    case 'rate_limiting':
      return rateLimiting(cfg);
    case 'bytes_limiting':
      return bytesLimiting(cfg);
    default:
      return notSimulated(`policy type "${spec.type}" is not simulated`);
  }
}

export interface HeadOption {
  ratio: number;
  sdk: HeadSdk;
}

export interface SimulateOptions {
  policies: PolicySpec[] | null;
  head: HeadOption | null;
  /** The processor's `sample_on_first_match`: later policies (and their rate budgets) are not consulted once one samples. */
  sampleOnFirstMatch?: boolean;
}

/** The processor's final decision from its policies' outcomes (processor.go makeDecision). */
function finalDecision(outcomes: PolicyOutcome[]): { kept: boolean; decidedBy: string } {
  const first = (d: PolicyDecision) => outcomes.find((o) => o.decision === d)?.name;
  const dropped = first('dropped');
  if (dropped) return { kept: false, decidedBy: dropped };
  const invertNot = first('invert_not_sampled');
  if (invertNot) return { kept: false, decidedBy: invertNot };
  const sampled = first('sampled');
  if (sampled) return { kept: true, decidedBy: sampled };
  const invertSampled = first('invert_sampled');
  if (invertSampled && !first('not_sampled')) return { kept: true, decidedBy: invertSampled };
  return { kept: false, decidedBy: outcomes.some((o) => o.decision === 'not_simulated') ? 'no simulated policy sampled' : 'no policy sampled' };
}

/**
 * Decisions for every trace, in the order given. Stateful policies (rate and bytes limits,
 * composite) see traces in arrival order; a trace the head sampler dropped never reaches them.
 */
export function simulate(traces: readonly SamplingTrace[], options: SimulateOptions): TraceDecision[] {
  const evaluators = (options.policies ?? []).map((p) => ({ spec: p, evaluator: compilePolicy(p) }));
  const byArrival = [...traces].sort((a, b) => a.arrivalMs - b.arrivalMs);
  const decisions = new Map<string, TraceDecision>();
  for (const trace of byArrival) {
    const head = options.head ? headSampled(trace.traceId, options.head.ratio, options.head.sdk) : null;
    if (head === false || !options.policies) {
      decisions.set(trace.traceId, { traceId: trace.traceId, kept: head !== false, decidedBy: 'head', headSampled: head, policies: [], approximate: false });
      continue;
    }
    const outcomes: PolicyOutcome[] = [];
    for (const { spec, evaluator } of evaluators) {
      const v = evaluator.evaluate(trace);
      outcomes.push({ name: spec.name, type: spec.type, decision: v.decision, approximate: evaluator.approximate, ...(v.note ? { note: v.note } : {}) });
      if (v.decision === 'dropped') break; // the processor stops at a drop
      if (options.sampleOnFirstMatch && v.decision === 'sampled') break;
    }
    const final = finalDecision(outcomes);
    decisions.set(trace.traceId, {
      traceId: trace.traceId,
      ...final,
      headSampled: head,
      policies: outcomes,
      approximate: outcomes.some((o) => o.approximate),
    });
  }
  return traces.map((t) => decisions.get(t.traceId)!);
}
