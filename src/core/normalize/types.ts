// What one convention reader finds on a span. Every field is optional: index.ts merges the
// findings of all matching conventions, most specific first.
import type { ChatMessage, Convention, StepKind, Usage } from '../model';

export interface Extraction {
  convention: Convention;
  kind?: StepKind;
  operation?: string;
  /** Model the provider reported it answered with. */
  responseModel?: string;
  /** Model the caller asked for. */
  requestModel?: string;
  provider?: string;
  usage?: Partial<Usage>;
  reportedCostUsd?: number;
  messages?: ChatMessage[];
  tool?: { name: string; callId: string | null; arguments: string | null; result: string | null };
  agentName?: string;
  sessionId?: string;
  /** See Normalized.displayName / level / arguments. */
  displayName?: string;
  level?: string;
  arguments?: Record<string, import('../model').AttrValue>;
  /** An error the convention reports beyond status and exception events (e.g. a log at error level). */
  error?: import('../model').SpanError;
}

export interface ConventionReader {
  convention: Convention;
  /** Cheap check whether the span carries this convention at all. */
  detect(span: import('../model').RawSpan): boolean;
  extract(span: import('../model').RawSpan): Extraction;
}
