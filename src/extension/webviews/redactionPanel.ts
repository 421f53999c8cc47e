// Redaction preview: scans one trace or every stored trace with the workspace policy, shows
// the report, and re-scans live as the policy file is edited or saved. Findings are also
// published as diagnostics at the source lines of the spans that carried them (rule and
// attribute path only, never the value).
import * as vscode from 'vscode';
import type { SpanDto, TraceDetailDto } from '../../protocol/dto';
import { GetTrace, RedactionSpanPreview, RenderCollectorConfig, RenderNodeProcessor, ScanRedaction } from '../../protocol/lsp';
import type { FindingDto, RedactionReportDto } from '../../protocol/redaction';
import { policyFileTemplate } from '../../core/redaction/defaults';
import { assertNever, type RedactionHostMessage, type RedactionWebviewMessage } from '../../protocol/webviewMessages';
import { ContextKeys, DiagnosticCollectionName, Settings, WebviewTypes } from '../ids';
import { redactionPolicyUri } from '../settings';
import { locateRecordedFile } from '../source/openSource';
import { openSpanSource, TracePanel } from './tracePanel';
import { Ctx } from '../context';
import { WebviewHost } from './webviewHost';
import { filesSignature, pollFileChanges } from '../filePoll';

const RESCAN_DEBOUNCE_MS = 400;
const MAX_TRACES_FOR_DIAGNOSTICS = 100;

/** A new policy file: the built-in defaults written out with their documentation (core/redaction/policy.ts). */
export const POLICY_TEMPLATE = policyFileTemplate();

/**
 * The policy file's text (unsaved edits included), or null when there is no file: the default
 * policy applies. A file that exists but cannot be read throws: a redacted export must not fall
 * back to the default policy without saying so.
 */
export async function readPolicy(uri: vscode.Uri | null): Promise<string | null> {
  if (!uri) return null;
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc) return doc.getText();
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(await vscode.workspace.fs.readFile(uri));
  } catch (err) {
    if (isFileNotFound(err)) return null;
    throw new Error(`cannot read the redaction policy ${uri.fsPath}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function isFileNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (err instanceof vscode.FileSystemError && code === 'FileNotFound') || code === 'ENOENT' || code === 'FileNotFound';
}

async function policyExists(uri: vscode.Uri | null): Promise<boolean> {
  if (!uri) return false;
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString());
  }
}

export class RedactionPanel extends WebviewHost<RedactionHostMessage, RedactionWebviewMessage> {
  private static current: RedactionPanel | undefined;

  private scope: { traceId: string | null; label: string };
  private report: RedactionReportDto | null = null;
  private policyUri: vscode.Uri | null = null;
  private policyWatch: vscode.Disposable[] = [];
  /** The policy file's mtime and size when the last scan read it ('missing' when absent). */
  private scannedPolicySignature: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private scanSeq = 0;
  /** The policy text of the last scan: the span preview uses the same one. */
  private scannedPolicyText: string | null = null;
  private readonly traceCache = new Map<string, TraceDetailDto | null>();
  /** The policy file as shown in the panel (workspace-relative), null when none exists and the defaults apply. */
  private policyLabel: string | null = null;

  static async show(ctx: Ctx, diagnostics: RedactionDiagnostics, traceId: string | null, label: string): Promise<void> {
    ctx.markDone(ContextKeys.redactionPreviewed);
    let p = RedactionPanel.current;
    if (!p || p.isDisposed) {
      p = new RedactionPanel(ctx, diagnostics, { traceId, label });
      RedactionPanel.current = p;
    } else {
      p.scope = { traceId, label };
      p.reveal();
    }
    await p.scan();
  }

  private constructor(
    private readonly ctx: Ctx,
    private readonly diagnostics: RedactionDiagnostics,
    scope: { traceId: string | null; label: string },
  ) {
    super(ctx.extension.extensionUri, { viewType: WebviewTypes.redaction, title: 'Redaction preview', script: 'redaction.js', styles: ['redaction.css'] });
    this.scope = scope;
    this.watchPolicy();
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (Ctx.affects(e, Settings.redactionPolicyPath)) {
          this.watchPolicy();
          this.scheduleScan();
        }
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.policyUri && e.document.uri.toString() === this.policyUri.toString()) this.scheduleScan();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (this.policyUri && d.uri.toString() === this.policyUri.toString()) this.scheduleScan();
      }),
      ctx.onDidChangeTraces((e) => {
        this.traceCache.clear();
        if (e.cleared || this.scope.traceId === null || e.traceIds.includes(this.scope.traceId)) this.scheduleScan();
      }),
    );
  }

  private watchPolicy(): void {
    for (const d of this.policyWatch.splice(0)) d.dispose();
    this.policyUri = redactionPolicyUri();
    if (!this.policyUri) return;
    // Watch from the workspace folder when the policy lives in one: a watcher rooted in a folder
    // that does not exist yet (.agent-trace/) never sees the file created later.
    const folder = vscode.workspace.getWorkspaceFolder(this.policyUri);
    const pattern = folder
      ? new vscode.RelativePattern(folder, vscode.workspace.asRelativePath(this.policyUri, false))
      : new vscode.RelativePattern(vscode.Uri.joinPath(this.policyUri, '..'), this.policyUri.path.split('/').pop() ?? '');
    const w = vscode.workspace.createFileSystemWatcher(pattern);
    this.policyWatch.push(w, w.onDidChange(() => this.scheduleScan()), w.onDidCreate(() => this.scheduleScan()), w.onDidDelete(() => this.scheduleScan()));
    const uri = this.policyUri;
    this.policyWatch.push(pollFileChanges(() => [uri], () => this.scannedPolicySignature, () => this.scheduleScan()));
  }

  private scheduleScan(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.scan(), RESCAN_DEBOUNCE_MS);
  }

  async scan(): Promise<void> {
    const seq = ++this.scanSeq;
    const scope = this.scope;
    this.panel.title = `Redaction preview: ${scope.label}`;
    this.post({ type: 'busy', message: scope.traceId ? 'Scanning the trace…' : 'Scanning every stored trace…' });
    this.scannedPolicySignature = this.policyUri ? await filesSignature([this.policyUri]) : null;
    let policyText: string | null;
    try {
      policyText = await readPolicy(this.policyUri);
    } catch (err) {
      // Say so instead of previewing the default policy as if it were the workspace's.
      const message = `Agent Trace: ${(err as Error).message}`;
      this.post({ type: 'busy', message });
      void vscode.window.showErrorMessage(message);
      return;
    }
    this.scannedPolicyText = policyText;
    const report = await vscode.window.withProgress(
      {
        location: scope.traceId ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification,
        title: scope.traceId ? 'Agent Trace: scanning trace for secrets and personal data' : 'Agent Trace: scanning all traces for secrets and personal data',
      },
      () => this.ctx.request(ScanRedaction, { traceId: scope.traceId, policyText }),
    );
    if (seq !== this.scanSeq || this.isDisposed) return;
    this.report = report;
    this.dropQueued('report');
    this.dropQueued('busy');
    this.policyLabel = policyText !== null && this.policyUri ? vscode.workspace.asRelativePath(this.policyUri, false) : null;
    this.post({ type: 'report', report, scope, policyPath: this.policyLabel });
    void this.diagnostics.update(report, (id) => this.getTrace(id));
  }

  private async getTrace(traceId: string): Promise<TraceDetailDto | null> {
    if (!this.traceCache.has(traceId)) this.traceCache.set(traceId, await this.ctx.request(GetTrace, { traceId }));
    return this.traceCache.get(traceId) ?? null;
  }

  private async spanOf(traceId: string, spanId: string): Promise<SpanDto | undefined> {
    return (await this.getTrace(traceId))?.spans.find((s) => s.spanId === spanId);
  }

  protected onReady(): void {
    this.dropQueued('report');
    if (this.report) {
      void this.panel.webview.postMessage({
        type: 'report',
        report: this.report,
        scope: this.scope,
        policyPath: this.policyLabel,
      } satisfies RedactionHostMessage);
    }
  }

  protected async onMessage(m: RedactionWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        return;
      case 'showSpan':
        await TracePanel.show(this.ctx, m.traceId, m.spanId);
        return;
      case 'openSpanSource': {
        const span = await this.spanOf(m.traceId, m.spanId);
        if (span) await openSpanSource(span);
        return;
      }
      case 'requestSpanPreview': {
        // The server redacts the span with the export's own code: the "after" is what an export ships.
        const preview = await this.ctx.request(RedactionSpanPreview, { traceId: m.traceId, spanId: m.spanId, policyText: this.scannedPolicyText });
        if (!preview || this.isDisposed) return;
        this.post({
          type: 'spanPreview',
          spanId: preview.spanId,
          before: preview.before,
          after: preview.after ?? {},
          refused: preview.refused,
          highlights: preview.highlights,
        });
        return;
      }
      case 'openPolicy':
        await this.openPolicy();
        return;
      case 'exportCollectorConfig':
        await this.export(RenderCollectorConfig, 'OpenTelemetry Collector config');
        return;
      case 'exportNodeProcessor':
        await this.export(RenderNodeProcessor, 'Node span processor');
        return;
      default:
        assertNever(m);
    }
  }

  private async openPolicy(): Promise<void> {
    // Beside the panel, so an edit and its effect on the findings are seen together. A created
    // file is picked up at once rather than at the watcher's or the poll's pace.
    if (await openOrCreatePolicy(vscode.ViewColumn.Beside)) this.scheduleScan();
  }

  private async export(type: typeof RenderCollectorConfig, what: string): Promise<void> {
    const policyText = await readPolicy(this.policyUri);
    const rendered = await this.ctx.request(type, { policyText });
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: `Save ${what}`,
      defaultUri: folder ? vscode.Uri.joinPath(folder, rendered.fileName) : undefined,
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(rendered.text));
    await vscode.window.showTextDocument(target, { preview: false });
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.policyWatch.splice(0)) d.dispose();
    this.diagnostics.clear();
    if (RedactionPanel.current === this) RedactionPanel.current = undefined;
    super.dispose();
  }
}

/** Opens the workspace policy file, creating it with the defaults written out when missing. True when it created the file. */
export async function openOrCreatePolicy(viewColumn?: vscode.ViewColumn): Promise<boolean> {
  const uri = redactionPolicyUri();
  if (!uri) {
    void vscode.window.showWarningMessage('Agent Trace: open a folder to keep a redaction policy with the code.');
    return false;
  }
  const created = !(await policyExists(uri));
  if (created) {
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(uri, '..'));
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(POLICY_TEMPLATE));
  }
  await vscode.window.showTextDocument(uri, { preview: false, viewColumn });
  return created;
}

/** Findings as diagnostics at the source lines (inside the workspace) of the spans that carried them. */
export class RedactionDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(DiagnosticCollectionName);
  private seq = 0;

  clear(): void {
    this.seq++;
    this.collection.clear();
  }

  async update(report: RedactionReportDto, getTrace: (traceId: string) => Promise<TraceDetailDto | null>): Promise<void> {
    const seq = ++this.seq;
    const byTrace = new Map<string, FindingDto[]>();
    for (const f of report.findings) {
      const list = byTrace.get(f.traceId) ?? [];
      list.push(f);
      byTrace.set(f.traceId, list);
    }
    const located = new Map<string, vscode.Uri | null>();
    const perFile = new Map<string, { uri: vscode.Uri; diags: Map<string, vscode.Diagnostic> }>();
    let traces = 0;
    for (const [traceId, findings] of byTrace) {
      if (++traces > MAX_TRACES_FOR_DIAGNOSTICS) break;
      let trace: TraceDetailDto | null;
      try {
        trace = await getTrace(traceId);
      } catch {
        continue;
      }
      if (!trace || seq !== this.seq) continue;
      const spans = new Map(trace.spans.map((s) => [s.spanId, s]));
      for (const f of findings) {
        const src = spans.get(f.spanId)?.source;
        if (!src?.file || !src.line) continue;
        if (!located.has(src.file)) {
          const l = await locateRecordedFile(src.file);
          located.set(src.file, l?.inWorkspace ? l.uri : null);
        }
        const uri = located.get(src.file);
        if (!uri) continue;
        const entry = perFile.get(uri.toString()) ?? { uri, diags: new Map() };
        perFile.set(uri.toString(), entry);
        const key = `${src.line}|${f.ruleId}|${f.location}|${f.path}`;
        if (entry.diags.has(key)) continue;
        const line = Math.max(0, src.line - 1);
        const d = new vscode.Diagnostic(
          new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER),
          `${f.ruleName} (${f.category}: ${f.type}) in ${f.location} "${f.path}" of span "${f.spanName}"; an export under the policy would ${f.action} it.`,
          f.category === 'secret' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information,
        );
        d.source = 'Agent Trace redaction';
        d.code = f.ruleId;
        entry.diags.set(key, d);
      }
    }
    if (seq !== this.seq) return;
    this.collection.clear();
    for (const { uri, diags } of perFile.values()) this.collection.set(uri, [...diags.values()]);
  }

  dispose(): void {
    this.collection.dispose();
  }
}
