// What the store's queries take and give back. The store sits below the protocol (it imports
// only src/core), so it names its own shapes; they are plain JSON and the server hands them on
// as the protocol's DTOs of the same shape (TypeScript checks the two stay compatible there).

export interface TraceFilter {
  text?: string;
  service?: string;
  model?: string;
  errorsOnly?: boolean;
  limit?: number;
  /** Only traces updated after this time (ms since epoch). */
  updatedAfterMs?: number;
  /** Only traces where some check failed or could not be evaluated (error). */
  failedChecksOnly?: boolean;
  /** Only traces started at or after this time (ms since epoch). */
  startedAfterMs?: number;
}

/** How a trace's checks came out (absent: not evaluated, or no check applies). */
export interface ChecksCountsRow {
  passed: number;
  failed: number;
  errors: number;
}

/** One stored check result. */
export interface StoredCheckResult {
  traceId: string;
  check: string;
  kind: string;
  outcome: 'pass' | 'fail' | 'error';
  message: string;
  spanId: string | null;
}

export interface SearchHit {
  traceId: string;
  spanId: string;
  spanName: string;
  traceName: string;
  /** A short excerpt around the match, plain text. */
  snippet: string;
}

/** What the spans recorded at one source line add up to (code lenses). */
export interface SourceStats {
  file: string;
  line: number;
  function: string | null;
  runs: number;
  lastDurationMs: number;
  lastTraceId: string;
  lastSpanId: string;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  lastInput: string | null;
  lastOutput: string | null;
}
