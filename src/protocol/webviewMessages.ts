// Messages between the extension host and the webview panels. Each direction is a
// discriminated union; both ends handle it with an exhaustive switch ending in assertNever.
import type { CheckResultDto, SamplingPreviewDto, SamplingProblemDto, SamplingScopeDto, SamplingSuggestionDto, TraceDetailDto, TraceHealthDto } from './dto';
import type { RedactionHighlightsDto, RedactionReportDto } from './redaction';
import type { BatchCompareDto, BatchRefDto, BatchSummaryDto, FleetDto } from './fleet';

/** Trace panel: host → webview. */
export type TraceHostMessage =
  /** Whole trace (first load, or after a change). `live` is true while spans are still arriving. */
  | { type: 'trace'; trace: TraceDetailDto; live: boolean; workspaceRoots?: string[]; /** The user's checks on this run (issue 11), once evaluated. */ checks?: CheckResultDto[] }
  /** The trace was deleted or cleared while the panel was open. */
  | { type: 'traceGone'; traceId: string }
  /** Select (and reveal) a span, e.g. from a code lens or the redaction panel. */
  | { type: 'selectSpan'; spanId: string }
  /** Source links the host could resolve for spans without a recorded location (symbol/text search). */
  | { type: 'sourceResolved'; spanId: string; source: { file: string; line: number; how: string; confidence: 'high' | 'medium' | 'low' } | null };

/** Trace panel: webview → host. */
export type TraceWebviewMessage =
  | { type: 'ready' }
  | { type: 'openSource'; spanId: string }
  /** A frame line of the step's stack trace (index into error.stackLines): the host looks the location up itself. */
  | { type: 'openStackFrame'; spanId: string; index: number }
  | { type: 'resolveSource'; spanId: string }
  | { type: 'spanSelected'; spanId: string }
  | { type: 'copyText'; text: string }
  | { type: 'previewRedaction'; traceId: string }
  | { type: 'compareWithPrevious'; traceId: string }
  /** Added by replay and fork (issue 10), on an LLM step. */
  | { type: 'rerunFromStep'; spanId: string }
  | { type: 'editAndResend'; spanId: string };

/** Redaction panel: host → webview. */
export type RedactionHostMessage =
  | { type: 'report'; report: RedactionReportDto; scope: { traceId: string | null; label: string }; policyPath: string | null }
  /** `after` is what a redacted export ships; `refused` (after empty) says why an export would refuse instead. */
  | {
      type: 'spanPreview';
      spanId: string;
      before: Record<string, unknown>;
      after: Record<string, unknown>;
      refused?: string | null;
      /** The keys holding findings with each finding's characters marked (see RedactionSpanPreviewDto). */
      highlights?: RedactionHighlightsDto;
    }
  | { type: 'busy'; message: string };

/** Redaction panel: webview → host. */
export type RedactionWebviewMessage =
  | { type: 'ready' }
  | { type: 'showSpan'; traceId: string; spanId: string }
  | { type: 'openSpanSource'; traceId: string; spanId: string }
  | { type: 'requestSpanPreview'; traceId: string; spanId: string }
  | { type: 'openPolicy' }
  | { type: 'exportCollectorConfig' }
  | { type: 'exportNodeProcessor' };

/** Sampling lab: everything the page shows, re-sent whole on each change. */
export interface SamplingLabState {
  /** The Collector YAML previewed (null: none chosen, head sampling only). */
  policy: { path: string; label: string } | null;
  scope: SamplingScopeDto;
  head: { ratio: number; sdk: 'js' | 'python' } | null;
  /** The last good preview; kept while the policy has errors, then marked `stale`. */
  preview: SamplingPreviewDto | null;
  stale: boolean;
  /** Why the current policy text cannot be previewed (invalid YAML, no tail_sampling…), at their lines. */
  errors: SamplingProblemDto[];
  health: TraceHealthDto | null;
  suggestion: { budget: string; result: SamplingSuggestionDto } | null;
  busy: string | null;
}

export type SamplingLabHostMessage = { type: 'state'; state: SamplingLabState };

export type SamplingLabWebviewMessage =
  | { type: 'ready' }
  | { type: 'setScope'; scope: SamplingScopeDto }
  | { type: 'setHead'; head: { ratio: number; sdk: 'js' | 'python' } | null }
  | { type: 'openTrace'; traceId: string; spanId: string | null }
  | { type: 'openPolicy'; line: number | null }
  | { type: 'choosePolicy' }
  | { type: 'suggest' }
  | { type: 'openSuggestion' };

/** Fleet view (issue 11): what the page shows, each part with the request it answers. */
export interface FleetSelection {
  batch: BatchRefDto;
  /** The user-chosen attribute to group by ("feature", "route", a baggage key), besides agent, tool and model. */
  groupAttribute: string | null;
}

/** Fleet view: host → webview. */
export type FleetHostMessage =
  /** Batches for the picker; `key` the grouping attribute they were listed for (null: every known one). */
  | { type: 'batches'; key: string | null; batches: BatchSummaryDto[] }
  | { type: 'fleet'; selection: FleetSelection; fleet: FleetDto }
  | { type: 'fleetFailed'; selection: FleetSelection | null; message: string }
  /** `before` against the shown batch (`after`). */
  | { type: 'batchCompare'; before: BatchRefDto; after: BatchRefDto; result: BatchCompareDto }
  | { type: 'batchCompareFailed'; message: string }
  | { type: 'busy'; part: 'batches' | 'fleet' | 'compare'; message: string };

/** Fleet view: webview → host. */
export type FleetWebviewMessage =
  | { type: 'ready' }
  | { type: 'listBatches'; key: string | null }
  | { type: 'selectBatch'; selection: FleetSelection }
  | { type: 'compareBatches'; before: BatchRefDto; after: BatchRefDto; groupAttribute: string | null }
  | { type: 'clearCompare' }
  | { type: 'openTrace'; traceId: string }
  /** "Compare typical runs" of a finding: the run-against-run compare panel. */
  | { type: 'compareRuns'; beforeTraceId: string; afterTraceId: string };

export function assertNever(x: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(x)}`);
}
