// Custom LSP methods between the extension (client) and the trace server. Every method is
// named agentTrace/<verb> and carries only the plain-JSON DTOs of ./dto. Standard LSP
// (code lenses, hovers, diagnostics) needs no entry here.
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type {
  SamplingPreviewParams,
  SamplingPreviewResponseDto,
  SamplingSuggestionDto,
  SamplingSuggestParams,
  CheckResultDto,
  ChecksConfigStatusDto,
  SearchHitDto,
  ServerStatusDto,
  SourceStatsDto,
  TraceDetailDto,
  TraceFilterDto,
  TraceHealthDto,
  TraceHealthParams,
  TraceSummaryDto,
  SpanDto,
  TraceTreeDto,
} from './dto';
import type { RedactionReportDto, RedactionScanParams, RedactionSpanPreviewDto, RedactionSpanPreviewParams } from './redaction';
import type { CompareParams, ComparePairParams, CompareResponseDto, PairDiffDto } from './compare';
import type { BatchCompareDto, BatchSummaryDto, CompareBatchesParams, FleetDto, FleetParams, ListBatchesParams } from './fleet';

export const ListTraces = new RequestType<TraceFilterDto, TraceSummaryDto[], void>('agentTrace/listTraces');
export const GetTrace = new RequestType<{ traceId: string }, TraceDetailDto | null, void>('agentTrace/getTrace');
export const SearchSpans = new RequestType<{ text: string; limit?: number }, SearchHitDto[], void>('agentTrace/search');
export const DeleteTrace = new RequestType<{ traceId: string }, boolean, void>('agentTrace/deleteTrace');
export const ClearTraces = new RequestType0<number, void>('agentTrace/clearTraces');
export const GetStatus = new RequestType0<ServerStatusDto, void>('agentTrace/status');
/** Spans recorded at one source file (workspace-absolute path after path mapping). */
export const SourceStats = new RequestType<{ file: string }, SourceStatsDto[], void>('agentTrace/sourceStats');
/** The spans produced at one line, newest first (for the code lens click). */
export const SpansAtLine = new RequestType<
  { file: string; line: number; limit?: number },
  SpanAtLineDto[],
  void
>('agentTrace/spansAtLine');
/** The trace as an OTLP/JSON ExportTraceServiceRequest (what `agent-trace export` writes), optionally redacted. */
export const ExportTrace = new RequestType<{ traceId: string; redacted: boolean; policyText: string | null }, object | null, void>(
  'agentTrace/exportTrace',
);
export const ScanRedaction = new RequestType<RedactionScanParams, RedactionReportDto, void>('agentTrace/scanRedaction');

/** Sent by the server after each committed write (its own ingest, or a change seen in the shared database). */
export const TracesChanged = new NotificationType<{ traceIds: string[]; cleared?: boolean }>('agentTrace/tracesChanged');
export const StatusChanged = new NotificationType<ServerStatusDto>('agentTrace/statusChanged');

/**
 * Node flags for the trace server process (extension, `agent-trace serve|lsp`, benchmarks).
 * A 16 MB young generation keeps RSS flat near 210 MB while ingesting a million spans, where
 * V8's default on a large machine grows it past 300 MB, at no measurable throughput cost.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];

/** initializationOptions the extension passes to the server. */
export interface ServerInitOptions {
  host: string;
  httpPort: number;
  grpcPort: number;
  dbPath: string;
  /** Workspace folders, absolute paths, for source resolution. */
  workspaceFolders: string[];
  /** Recorded path prefix → workspace path prefix. */
  pathMappings: Record<string, string>;
  retention: { maxDays: number; maxMegabytes: number };
  priceOverrides: Record<string, { inputPerMTok?: number; outputPerMTok?: number; cacheReadPerMTok?: number; cacheWritePerMTok?: number }>;
  /** Extra names the OTLP/HTTP receiver accepts in the Host header (agentTrace.otlp.allowedHosts). */
  allowedHosts?: string[];
  /** Decoder limits (agentTrace.limits.*); missing or invalid entries take the defaults. */
  limits?: { maxAttributes?: number; maxValueLength?: number; maxEvents?: number; maxLinks?: number; maxValueDepth?: number };
  /** The recording model proxy (agentTrace.proxy.*): absent or not enabled, it does not run. */
  proxy?: { enabled: boolean; port: number; upstreams: { openai: string; anthropic: string } };
  /** Model-judged checks (agentTrace.checks.judge.*); absent or disabled: no judge request is ever made. */
  judge?: JudgeSettings;
}

/** Where model-judged checks go. The key is never passed: the server reads the variable named `apiKeyEnv` from its environment. */
export interface JudgeSettings {
  enabled: boolean;
  /** The user's OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 (…/chat/completions is appended). */
  baseUrl: string;
  model: string;
  /** Name of the environment variable holding the API key ('' = send none). */
  apiKeyEnv: string;
}

/**
 * Added by the extension (redaction panel exports): the policy rendered as an OpenTelemetry
 * Collector config (processors that apply the same masking) and as a Node SpanProcessor
 * module. `policyText` null means the default policy. `fileName` is a suggested file name.
 */
export const RenderCollectorConfig = new RequestType<{ policyText: string | null }, { text: string; fileName: string }, void>(
  'agentTrace/renderCollectorConfig',
);
export const RenderNodeProcessor = new RequestType<{ policyText: string | null }, { text: string; fileName: string }, void>(
  'agentTrace/renderNodeProcessor',
);

/** A row of the "spans recorded at this line" picker. */
export interface SpanAtLineDto {
  traceId: string;
  spanId: string;
  name: string;
  startTime: string;
  /** Added for the picker (absent from older servers): status, duration, and subtree tokens and cost. */
  failed?: boolean;
  errorMessage?: string | null;
  durationMs?: number | null;
  tokens?: number | null;
  costUsd?: number | null;
  llmCalls?: number;
}

/** One span before and after the policy, as `ExportTrace` with `redacted` would carry it (null: no such span). */
export const RedactionSpanPreview = new RequestType<RedactionSpanPreviewParams, RedactionSpanPreviewDto | null, void>(
  'agentTrace/redactionSpanPreview',
);

/** Added by the compare (issue 9): two runs aligned step by step, and the differences of one aligned pair. */
export const CompareTraces = new RequestType<CompareParams, CompareResponseDto, void>('agentTrace/compareTraces');
export const ComparePair = new RequestType<ComparePairParams, PairDiffDto | null, void>('agentTrace/comparePair');

/** Added by the sampling lab (issue 12): a policy previewed on stored traces, a suggested policy, trace health. */
export const PreviewSampling = new RequestType<SamplingPreviewParams, SamplingPreviewResponseDto, void>('agentTrace/previewSampling');
export const SuggestSampling = new RequestType<SamplingSuggestParams, SamplingSuggestionDto, void>('agentTrace/suggestSampling');
export const TraceHealth = new RequestType<TraceHealthParams, TraceHealthDto, void>('agentTrace/traceHealth');
/**
 * Added by checks (issue 11): the extension sends the workspace's checks file whenever it
 * changes (`text` null: no file, no checks). The server evaluates the valid checks on every
 * finished trace, re-evaluates the stored ones, and publishes the file's problems as diagnostics
 * on `uri` (the Problems panel).
 */
export const SetChecksConfig = new RequestType<{ uri: string | null; text: string | null }, ChecksConfigStatusDto, void>(
  'agentTrace/setChecksConfig',
);
/** The stored check results of one trace. */
export const GetCheckResults = new RequestType<{ traceId: string }, CheckResultDto[], void>('agentTrace/checkResults');

/** Added by the fleet view (issue 11): batches of runs, one batch's aggregates, and two batches compared. */
export const ListBatches = new RequestType<ListBatchesParams, BatchSummaryDto[], void>('agentTrace/listBatches');
export const GetFleet = new RequestType<FleetParams, FleetDto, void>('agentTrace/fleet');
export const CompareBatches = new RequestType<CompareBatchesParams, BatchCompareDto, void>('agentTrace/compareBatches');

/** Added by replay and fork (issue 10): which part of an LLM step's call the user edits before re-running from it. */
export type ForkEditKindDto = 'system' | 'messages' | 'model' | 'response';
export interface StepRef {
  traceId: string;
  spanId: string;
}
export type StepDocumentDto =
  | { ok: true; document: string; notes: string[]; fromRecording: boolean; recordedResponse: string | null }
  | { ok: false; error: string };
export type ForkStartDto =
  | { ok: true; sessionId: string; pathPrefix: string; proxyPort: number; recordedCalls: number; forkAt: number; notes: string[] }
  | { ok: false; error: string };
export interface ForkReportDto {
  sessionId: string;
  calls: { request: number; outcome: string; callIndex: number | null; shapeChanged: boolean; messages: string[] }[];
  forkReached: boolean;
  notAskedAgain: number[];
  liveCalls: number;
  problems: string[];
}
export interface ResendResultDto {
  ok: boolean;
  error?: string;
  status?: number;
  contentType?: string;
  body?: string;
  traceId?: string;
}
/** The document to edit for "Re-run from this step…" (from the step's exact recording). */
export const ForkDocument = new RequestType<StepRef & { kind: ForkEditKindDto }, StepDocumentDto, void>('agentTrace/forkDocument');
/** A fork session in the recording proxy: the forked run's SDKs use http://host:proxyPort<pathPrefix>. */
export const StartFork = new RequestType<StepRef & { kind: ForkEditKindDto; document: string; onUnmatched?: 'live' | 'fail' }, ForkStartDto, void>('agentTrace/startFork');
/** What the fork session did so far (unmatched calls, changed shapes); `end` forgets the session. Null: unknown session. */
export const ForkReport = new RequestType<{ sessionId: string; end?: boolean }, ForkReportDto | null, void>('agentTrace/forkReport');
/** The "Edit and re-send" document of an LLM step. */
export const ResendDocument = new RequestType<StepRef, StepDocumentDto, void>('agentTrace/resendDocument');
/** Sends an edited request document through the proxy; the call is stored as its own trace. The key is used for this call only. */
export const Resend = new RequestType<StepRef & { document: string; apiKey?: string }, ResendResultDto, void>('agentTrace/resend');

/** A trace's tree from the store's columns, without step details (issue 8: the panel loads the tree first). */
export const GetTraceTree = new RequestType<{ traceId: string }, TraceTreeDto | null, void>('agentTrace/getTraceTree');
/** One step's details (read when it is selected); duplicateOf is not computed here (the whole trace's read says it). */
export const GetStep = new RequestType<{ traceId: string; spanId: string }, SpanDto | null, void>('agentTrace/getStep');
