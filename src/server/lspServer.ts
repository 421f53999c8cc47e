// The trace server as a language server: the extension talks to it over IPC, other editors over
// stdio (`agent-trace lsp --stdio`). Custom agentTrace/* requests carry the views' data; standard
// code lenses and hovers show runtime data on the lines that produced spans.
import * as fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeLens,
  createConnection,
  Hover,
  MarkupKind,
  ProposedFeatures,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
} from 'vscode-languageserver/node';
import { normalizePath, resolveRecordedPath } from '../core/sourcePaths';
import type { SourceStatsDto } from '../protocol/dto';
import * as lsp from '../protocol/lsp';
import { DEFAULT_GRPC_PORT, DEFAULT_HOST, DEFAULT_HTTP_PORT, DEFAULT_RETENTION } from '../protocol/defaults';
import { defaultDbPath } from './paths';
import { traceDetail } from './queries';
import { exportTraceOtlpJson } from './transfer';
import { renderPolicy, scanForRedaction } from './redactionService';
import { TraceServer } from './traceServer';
import { codeLensTitle, hoverMarkdown, lineActivity, spanAtLineFigures } from './sourceLens';
import type { CanonicalSpan } from '../core/model';

const CODE_LENS_COMMAND = 'agentTrace.showSpansAtLine';

export function runLanguageServer(connection: Connection = createConnection(ProposedFeatures.all)): void {
  let server: TraceServer | null = null;
  let options: lsp.ServerInitOptions;
  /** local file (normalized, forward slashes) → the recorded source paths that resolve to it. */
  let sourceIndex = new Map<string, string[]>();
  /** Set by every change notification; the index is rebuilt on the next lens or hover, not per request. */
  let sourceIndexStale = true;

  const log = (message: string) => connection.console.log(message);

  const rebuildSourceIndex = () => {
    if (!server || !sourceIndexStale) return;
    sourceIndexStale = false;
    const recorded = server.store.sourceFiles();
    const index = new Map<string, string[]>();
    for (const file of recorded) {
      const local = resolveRecordedPath(file, {
        workspaceFolders: options.workspaceFolders,
        mappings: options.pathMappings,
        exists: (p) => fs.existsSync(p),
      });
      if (!local) continue;
      index.set(local, [...(index.get(local) ?? []), file]);
    }
    sourceIndex = index;
  };

  const statsForDocument = (uri: string): SourceStatsDto[] => {
    if (!server || !uri.startsWith('file:')) return [];
    rebuildSourceIndex();
    const local = normalizePath(fileURLToPath(uri));
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
    };
    server = await TraceServer.start({
      ...options,
      log,
      onTracesChanged: (change) => {
        sourceIndexStale = true;
        void connection.sendNotification(lsp.TracesChanged, change);
        void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
      },
      onStatusChanged: (status) => void connection.sendNotification(lsp.StatusChanged, status),
    });
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.None,
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
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

  connection.onRequest(lsp.ListTraces, (filter) => need().store.listTraces(filter ?? {}));
  connection.onRequest(lsp.GetTrace, ({ traceId }) => traceDetail(need().store, traceId));
  connection.onRequest(lsp.SearchSpans, ({ text, limit }) => need().store.search(text, limit ?? 100));
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
    return (sourceIndex.get(normalizePath(file)) ?? [])
      .flatMap((recorded) => s.store.spansAtLine(recorded, line, limit ?? 20))
      .sort((a, b) => b.startTime.localeCompare(a.startTime))
      .map((row) => ({ ...row, ...spanAtLineFigures(traceSpansOnce(row.traceId), row.spanId) }));
  });
  connection.onRequest(lsp.ExportTrace, ({ traceId, redacted, policyText }) =>
    exportTraceOtlpJson(need().store, traceId, { redacted, policyText }),
  );
  connection.onRequest(lsp.ScanRedaction, (params) => scanForRedaction(need().store, params));
  connection.onRequest(lsp.RenderCollectorConfig, ({ policyText }) => renderPolicy(policyText, 'collector'));
  connection.onRequest(lsp.RenderNodeProcessor, ({ policyText }) => renderPolicy(policyText, 'node'));

  /** Code lens and hover figures of one line; trace spans are read once per request. */
  const lineActivities = () => {
    const traceSpans = memoTraceSpans();
    return (stat: SourceStatsDto) => lineActivity(need().store, stat.file, stat, traceSpans);
  };

  connection.onCodeLens((params) => {
    const activity = lineActivities();
    return statsForDocument(params.textDocument.uri).map((stat) => {
      const line = Math.max(0, stat.line - 1);
      const lens: CodeLens = {
        range: { start: { line, character: 0 }, end: { line, character: 0 } },
        command: {
          title: codeLensTitle(activity(stat)),
          command: CODE_LENS_COMMAND,
          arguments: [{ file: fileURLToPath(params.textDocument.uri), line: stat.line }],
        },
      };
      return lens;
    });
  });

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
