// What the sampling simulator reads of a stored trace, and what it answers. Pure types.
import type { AttrValue, Attributes, OtelSpanKind, StatusCode } from '../model';

export interface SamplingSpan {
  name: string;
  kind: OtelSpanKind;
  startUnixNanos: string;
  endUnixNanos: string;
  status: StatusCode;
  attributes: Attributes;
  resource: Attributes;
  events: { name: string; attributes: Attributes }[];
  /** W3C tracestate as recorded, when the store has it (absent: no trace_state policy matches). */
  traceState?: string;
}

export interface SamplingTrace {
  traceId: string;
  spans: SamplingSpan[];
  /** When the Collector would have received it: the trace's start, in ms since the epoch. */
  arrivalMs: number;
  durationMs: number;
  costUsd: number | null;
  errorCount: number;
  /** Tool names in call order (for rare paths and loops). */
  tools: string[];
  /** Approximate serialized size (bytes_limiting). */
  bytes: number;
  /** How many of the user's checks failed on this run (0 or absent: none failed, or none ran). */
  failedChecks?: number;
}

/** One policy as the configuration states it, with where it sits for messages. */
export interface PolicySpec {
  name: string;
  type: string;
  /** The policy's own block (e.g. the `latency:` map), as plain data. */
  config: Record<string, unknown>;
  line: number;
  subPolicies: PolicySpec[];
}

export interface ConfigProblem {
  line: number;
  message: string;
}

export interface TailSamplingSpec {
  /** `tail_sampling` or `tail_sampling/xyz`. */
  id: string;
  line: number;
  policies: PolicySpec[];
  /** `sample_on_first_match`: the processor stops at the first policy that samples. */
  sampleOnFirstMatch: boolean;
}

/** Decisions as the Collector names them (samplingpolicy.Decision). */
export type PolicyDecision = 'sampled' | 'not_sampled' | 'invert_sampled' | 'invert_not_sampled' | 'dropped' | 'not_simulated';

export interface PolicyOutcome {
  name: string;
  type: string;
  decision: PolicyDecision;
  /** Depends on arrival timing, simulated over stored arrival times. */
  approximate: boolean;
  /** Why a policy was not simulated. */
  note?: string;
}

export interface TraceDecision {
  traceId: string;
  kept: boolean;
  /** The policy that decided ('head' when the head sampler dropped it first). */
  decidedBy: string;
  headSampled: boolean | null;
  policies: PolicyOutcome[];
  approximate: boolean;
}

export type { AttrValue };
