// The trace server as a language server: the extension talks to it over IPC, other editors over
// stdio (`agent-trace lsp --stdio`). Custom agentTrace/* requests carry the views' data; standard
// code lenses and hovers show runtime data on the lines that produced spans.
import * as fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeLens,
  createConnection,
  DiagnosticSeverity,
  Hover,
  MarkupKind,
  ProposedFeatures,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
} from 'vscode-languageserver/node';
import { normalizePath, recordedPathProblem, resolveRecordedPath } from '../core/sourcePaths';
import type { SourceStatsDto } from '../protocol/dto';
import * as lsp from '../protocol/lsp';
import { DEFAULT_GRPC_PORT, DEFAULT_HOST, DEFAULT_HTTP_PORT, DEFAULT_RETENTION } from '../protocol/defaults';
import { defaultDbPath } from './paths';
import { stepDetail, traceDetail, traceTree } from './queries';
import { exportTraceOtlpJson } from './transfer';
import { redactionSpanPreview, renderPolicy, scanForRedaction } from './redactionService';
import { CompareService } from './compareService';
import { SamplingLab } from './samplingLab';
import { FleetService } from './fleetService';
import { TraceServer } from './traceServer';
import { proxyOptions } from './proxy/proxyOptions';
import { TraceTitles } from './traceTitles';
import { forkDocument, forkReport, resend, resendDocument, startFork } from './forkService';
import { codeLensTitle, hoverMarkdown, lineActivity, spanAtLineFigures } from './sourceLens';
import { CHECK_LENS_RUNS, checkDiagnosticMessages, checkLensTitle } from './checkLens';
import type { CanonicalSpan } from '../core/model';

const CODE_LENS_COMMAND = 'agentTrace.showSpansAtLine';

export function runLanguageServer(connection: Connection = createConnection(ProposedFeatures.all)): void {
  let server: TraceServer | null = null;
  let options: lsp.ServerInitOptions;
  /** local file (normalized, forward slashes) → the recorded source paths that resolve to it. */
  let sourceIndex = new Map<string, string[]>();
  /** Set by every change notification; the index is rebuilt on the next lens or hover, not per request. */
  let sourceIndexStale = true;
  /** The sampling lab's loaded traces, dropped on every change. */
  let samplingLab: SamplingLab | null = null;

  const log = (message: string) => connection.console.log(message);

  /** Recorded paths already reported as unusable: each is logged once, not on every rebuild. */
  const reportedBadPaths = new Set<string>();
  const MAX_REPORTED_BAD_PATHS = 1_000;

  const skipPath = (recorded: string, reason: string) => {
    if (reportedBadPaths.has(recorded) || reportedBadPaths.size >= MAX_REPORTED_BAD_PATHS) return;
    reportedBadPaths.add(recorded);
    log(`Source paths: skipped a recorded path (${reason}): ${JSON.stringify(recorded.slice(0, 300))}`);
  };

  /** The local file a recorded path stands for; null (logged once) when the span's text cannot be a path. */
  const localFileFor = (recorded: string): string | null => {
    try {
      const problem = recordedPathProblem(recorded);
      if (problem === null) {
        return resolveRecordedPath(recorded, { workspaceFolders: options.workspaceFolders, mappings: options.pathMappings, exists: (p) => fs.existsSync(p) });
      }
      skipPath(recorded, problem);
    } catch (err) {
      // Never let one span's path take the code lenses down for every file.
      skipPath(recorded, (err as Error).message);
    }
    return null;
  };

  /** Marks the index fresh only once the new one is complete: a failure leaves it stale, to retry. */
  const rebuildSourceIndex = () => {
    if (!server || !sourceIndexStale) return;
    const index = new Map<string, string[]>();
    for (const file of server.store.sourceFiles()) {
      const local = localFileFor(file);
      if (!local) continue;
      index.set(local, [...(index.get(local) ?? []), file]);
    }
    sourceIndex = index;
    sourceIndexStale = false;
  };

  /** A document URI from the client as a normalized local path, or null (not a file URI we can read). */
  const documentPath = (uri: string): string | null => {
    try {
      return normalizePath(fileURLToPath(uri));
    } catch {
      return null;
    }
  };

  const statsForDocument = (uri: string): SourceStatsDto[] => {
    if (!server || !uri.startsWith('file:')) return [];
    rebuildSourceIndex();
    const local = documentPath(uri);
    if (local === null) return [];
    return (sourceIndex.get(local) ?? []).flatMap((recorded) => server!.store.sourceStats(recorded));
  };

  connection.onInitialize(async (params: InitializeParams) => {
    const init = (params.initializationOptions ?? {}) as Partial<lsp.ServerInitOptions>;
    options = {
      host: init.host || DEFAULT_HOST,
      httpPort: init.httpPort ?? DEFAULT_HTTP_PORT,
      grpcPort: init.grpcPort ?? DEFAULT_GRPC_PORT,
      dbPath: init.dbPath || defaultDbPath(),
      workspaceFolders:
        init.workspaceFolders ?? (params.workspaceFolders ?? []).map((f) => fileURLToPath(f.uri)),
      pathMappings: init.pathMappings ?? {},
      retention: init.retention ?? { ...DEFAULT_RETENTION },
      priceOverrides: init.priceOverrides ?? {},
      allowedHosts: Array.isArray(init.allowedHosts) ? init.allowedHosts.filter((h) => typeof h === 'string') : [],
      limits: init.limits ?? {},
      judge: init.judge,
    };
    server = await TraceServer.start({
      ...options,
      proxy: proxyOptions(init.proxy, log),
      log,
      onTracesChanged: (change) => {
        sourceIndexStale = true;
        samplingLab?.invalidate(change);
        void connection.sendNotification(lsp.TracesChanged, change);
        void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
        void connection.sendRequest('workspace/diagnostic/refresh').catch(() => undefined);
      },
      onStatusChanged: (status) => void connection.sendNotification(lsp.StatusChanged, status),
    });
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.None,
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
        // Pulled by the client for open files: failing checks on the agent's source line.
        diagnosticProvider: { interFileDependencies: false, workspaceDiagnostics: false },
      },
      serverInfo: { name: 'agent-trace' },
    };
  });

  connection.onInitialized(() => {
    if (server) void connection.sendNotification(lsp.StatusChanged, server.status());
  });

  const need = (): TraceServer => {
    if (!server) throw new Error('The trace server is not initialized yet.');
    return server;
  };

  /** A trace's spans, read once per request however many lines or rows need them. */
  const memoTraceSpans = () => {
    const spansOf = new Map<string, CanonicalSpan[]>();
    return (traceId: string): CanonicalSpan[] => {
      if (!spansOf.has(traceId)) spansOf.set(traceId, need().store.getTrace(traceId)?.spans ?? []);
      return spansOf.get(traceId)!;
    };
  };

  // One title cache per store (a follower may reopen it).
  const titles = new WeakMap<TraceServer['store'], TraceTitles>();
  const titlesFor = (store: TraceServer['store']): TraceTitles => {
    let t = titles.get(store);
    if (!t) titles.set(store, (t = new TraceTitles(store)));
    return t;
  };
  connection.onRequest(lsp.ListTraces, async (filter) => {
    const server = need();
    return titlesFor(server.store).withTitles(await server.listTraces(filter ?? {}));
  });
  connection.onRequest(lsp.GetTrace, ({ traceId }) => traceDetail(need().store, traceId));
  connection.onRequest(lsp.GetTraceTree, ({ traceId }) => traceTree(need().store, traceId));
  connection.onRequest(lsp.GetStep, ({ traceId, spanId }) => stepDetail(need().store, traceId, spanId));
  connection.onRequest(lsp.SearchSpans, ({ text, limit }) => need().searchSpans(text, limit ?? 100));
  connection.onRequest(lsp.DeleteTrace, ({ traceId }) => {
    const s = need();
    const deleted = s.store.deleteTrace(traceId);
    if (deleted) s.noteLocalChange([traceId], true);
    return deleted;
  });
  connection.onRequest(lsp.ClearTraces, () => {
    const s = need();
    const n = s.store.clear();
    s.noteLocalChange([], true);
    return n;
  });
  connection.onRequest(lsp.GetStatus, () => need().status());
  connection.onRequest(lsp.SourceStats, ({ file }) => statsForDocument(pathToFileURL(file).href));
  connection.onRequest(lsp.SpansAtLine, ({ file, line, limit }) => {
    const s = need();
    const traceSpansOnce = memoTraceSpans();
    rebuildSourceIndex();
    const local = normalizePath(file);
    return (local === null ? [] : (sourceIndex.get(local) ?? []))
      .flatMap((recorded) => s.store.spansAtLine(recorded, line, limit ?? 20))
      .sort((a, b) => b.startTime.localeCompare(a.startTime))
      .map((row) => ({ ...row, ...spanAtLineFigures(traceSpansOnce(row.traceId), row.spanId) }));
  });
  connection.onRequest(lsp.ExportTrace, ({ traceId, redacted, policyText }) =>
    exportTraceOtlpJson(need().store, traceId, { redacted, policyText }),
  );
  connection.onRequest(lsp.ScanRedaction, (params) => scanForRedaction(need().store, params));
  connection.onRequest(lsp.RedactionSpanPreview, (params) => redactionSpanPreview(need().store, params));
  connection.onRequest(lsp.RenderCollectorConfig, ({ policyText }) => renderPolicy(policyText, 'collector'));
  connection.onRequest(lsp.RenderNodeProcessor, ({ policyText }) => renderPolicy(policyText, 'node'));
  let compare: CompareService | null = null;
  const compareService = () => (compare ??= new CompareService(need().store));
  connection.onRequest(lsp.CompareTraces, ({ traceIdA, traceIdB, includeDiffs }) => compareService().compare(traceIdA, traceIdB, { includeDiffs }));
  connection.onRequest(lsp.ComparePair, ({ traceIdA, spanIdA, traceIdB, spanIdB }) => compareService().pair(traceIdA, spanIdA, traceIdB, spanIdB));
  const lab = () => (samplingLab ??= new SamplingLab(() => need().store));
  connection.onRequest(lsp.PreviewSampling, (params) => lab().preview(params));
  connection.onRequest(lsp.SuggestSampling, (params) => lab().suggest(params));
  connection.onRequest(lsp.TraceHealth, (params) => lab().health(params));
  // Fleet view and batch against batch (issue 11).
  const fleet = new FleetService(() => need().store);
  connection.onRequest(lsp.ListBatches, (params) => fleet.listBatches(params ?? {}));
  connection.onRequest(lsp.GetFleet, (params) => fleet.fleet(params));
  connection.onRequest(lsp.CompareBatches, (params) => fleet.compare(params));

  // Checks (issue 11): the file's problems go to the Problems panel as diagnostics on the file.
  let checksUri: string | null = null;
  connection.onRequest(lsp.SetChecksConfig, ({ uri, text }) => {
    const config = need().checks.setConfig(text);
    if (checksUri && checksUri !== uri) void connection.sendDiagnostics({ uri: checksUri, diagnostics: [] });
    checksUri = uri;
    if (uri) {
      void connection.sendDiagnostics({
        uri,
        diagnostics: config.problems.map((p) => ({
          range: { start: { line: p.line - 1, character: 0 }, end: { line: p.line - 1, character: 10_000 } },
          severity: DiagnosticSeverity.Error,
          source: 'Agent Trace checks',
          message: p.message,
        })),
      });
    }
    return { checks: config.checks.length, problems: config.problems };
  });
  // Replay and fork, edit and re-send (issue 10): forkService.ts.
  connection.onRequest(lsp.ForkDocument, ({ traceId, spanId, kind }) => forkDocument(need(), traceId.toLowerCase(), spanId.toLowerCase(), kind));
  connection.onRequest(lsp.StartFork, (params) => startFork(need(), { ...params, traceId: params.traceId.toLowerCase(), spanId: params.spanId.toLowerCase() }));
  connection.onRequest(lsp.ForkReport, ({ sessionId, end }) => forkReport(need(), sessionId, end === true));
  connection.onRequest(lsp.ResendDocument, ({ traceId, spanId }) => resendDocument(need(), traceId.toLowerCase(), spanId.toLowerCase()));
  connection.onRequest(lsp.Resend, (params) => resend(need(), { ...params, traceId: params.traceId.toLowerCase(), spanId: params.spanId.toLowerCase() }));
  connection.onRequest(lsp.GetCheckResults, ({ traceId }) => need().store.checkResultsOf(traceId.toLowerCase()));

  /** Code lens and hover figures of one line; trace spans are read once per request. */
  const lineActivities = () => {
    const traceSpans = memoTraceSpans();
    return (stat: SourceStatsDto) => lineActivity(need().store, stat.file, stat, traceSpans);
  };

  connection.onCodeLens((params) => {
    const activity = lineActivities();
    return statsForDocument(params.textDocument.uri).flatMap((stat) => {
      const line = Math.max(0, stat.line - 1);
      const lensWith = (title: string): CodeLens => ({
        range: { start: { line, character: 0 }, end: { line, character: 0 } },
        command: { title, command: CODE_LENS_COMMAND, arguments: [{ file: fileURLToPath(params.textDocument.uri), line: stat.line }] },
      });
      const checks = checkLensTitle(need().store.checkFailuresAtLine(stat.file, stat.line, CHECK_LENS_RUNS));
      return checks ? [lensWith(codeLensTitle(activity(stat))), lensWith(checks)] : [lensWith(codeLensTitle(activity(stat)))];
    });
  });

  connection.languages.diagnostics.on((params) => ({
    kind: 'full',
    items: statsForDocument(params.textDocument.uri).flatMap((stat) => {
      const line = Math.max(0, stat.line - 1);
      return checkDiagnosticMessages(need().store.checkFailuresAtLine(stat.file, stat.line, CHECK_LENS_RUNS)).map((message) => ({
        range: { start: { line, character: 0 }, end: { line, character: 10_000 } },
        severity: DiagnosticSeverity.Warning,
        source: 'Agent Trace checks',
        message,
      }));
    }),
  }));

  connection.onHover((params): Hover | null => {
    const line = params.position.line + 1;
    const stat = statsForDocument(params.textDocument.uri).find((s) => s.line === line);
    if (!stat) return null;
    return { contents: { kind: MarkupKind.Markdown, value: hoverMarkdown(lineActivities()(stat), stat) } };
  });

  connection.onShutdown(async () => {
    await server?.close();
    server = null;
  });

  connection.listen();
}
