// The sampling lab: a Collector tail_sampling policy (a YAML file edited in a normal editor)
// previewed on the stored traces, live as the user types (unsaved text, debounced). Policy
// problems go to the Problems panel at their lines and to the page; the last good preview stays
// visible, marked stale. Also: a suggested policy within a budget, and trace health.
import * as vscode from 'vscode';
import { parseBudget } from '../../core/sampling/budget';
import type { SamplingPreviewParams, SamplingProblemDto, SamplingScopeDto } from '../../protocol/dto';
import { PreviewSampling, SuggestSampling, TraceHealth } from '../../protocol/lsp';
import { assertNever, type SamplingLabHostMessage, type SamplingLabState, type SamplingLabWebviewMessage } from '../../protocol/webviewMessages';
import type { Ctx } from '../context';
import { Commands, SamplingDiagnosticCollectionName, WebviewTypes } from '../ids';
import { WebviewHost } from './webviewHost';

/** Where a workspace keeps its sampling policy unless the user picks another file. */
export const DEFAULT_SAMPLING_POLICY = '.agent-trace/sampling.yaml';
const EDIT_DEBOUNCE_MS = 250;
const TRACES_DEBOUNCE_MS = 800;

export const SAMPLING_POLICY_TEMPLATE = `# Agent Trace sampling lab: an OpenTelemetry Collector tail_sampling processor.
# Edit it: the Sampling Lab panel previews it on your stored traces as you type.
processors:
  tail_sampling:
    decision_wait: 30s
    policies:
      - name: keep-errors
        type: status_code
        status_code:
          status_codes: [ERROR]
      - name: baseline
        type: probabilistic
        probabilistic:
          sampling_percentage: 10
`;

const isPolicyDocument = (d: vscode.TextDocument): boolean => /\.ya?ml$/i.test(d.uri.path) && d.getText().includes('tail_sampling');

/** The policy to preview: the active YAML editor with a tail_sampling processor, another open one, or the workspace default (created when missing). */
async function initialPolicy(): Promise<vscode.Uri | null> {
  const active = vscode.window.activeTextEditor?.document;
  if (active && isPolicyDocument(active)) return active.uri;
  const open = vscode.window.visibleTextEditors.map((e) => e.document).find(isPolicyDocument);
  if (open) return open.uri;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) return null;
  const uri = vscode.Uri.joinPath(folder, DEFAULT_SAMPLING_POLICY);
  try {
    await vscode.workspace.fs.stat(uri);
  } catch {
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(uri, '..'));
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(SAMPLING_POLICY_TEMPLATE));
  }
  return uri;
}

async function policyText(uri: vscode.Uri): Promise<string> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc) return doc.getText();
  return new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
}

export class SamplingLabPanel extends WebviewHost<SamplingLabHostMessage, SamplingLabWebviewMessage> {
  private static current: SamplingLabPanel | undefined;

  private policyUri: vscode.Uri | null = null;
  private policyWatch: vscode.Disposable[] = [];
  private state: SamplingLabState = { policy: null, scope: { range: 'all', batch: null }, head: null, preview: null, stale: false, errors: [], health: null, suggestion: null, busy: 'Loading the stored traces…' };
  private previewTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private previewSeq = 0;
  private healthSeq = 0;

  static async show(ctx: Ctx, diagnostics: vscode.DiagnosticCollection): Promise<SamplingLabPanel> {
    let p = SamplingLabPanel.current;
    if (!p || p.isDisposed) {
      const uri = await initialPolicy();
      if (uri) await vscode.window.showTextDocument(uri, { preview: false, viewColumn: vscode.ViewColumn.One });
      p = new SamplingLabPanel(ctx, diagnostics);
      SamplingLabPanel.current = p;
      p.setPolicy(uri);
      void p.refreshHealth();
    } else {
      p.reveal();
    }
    return p;
  }

  static disposeCurrent(): void {
    SamplingLabPanel.current?.dispose();
  }

  private constructor(
    private readonly ctx: Ctx,
    private readonly diagnostics: vscode.DiagnosticCollection,
  ) {
    super(ctx.extension.extensionUri, { viewType: WebviewTypes.samplingLab, title: 'Sampling Lab', script: 'sampling.js', column: vscode.ViewColumn.Beside, preserveFocus: true });
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.isPolicy(e.document.uri) && e.contentChanges.length) this.schedulePreview(EDIT_DEBOUNCE_MS);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (this.isPolicy(d.uri)) this.schedulePreview(EDIT_DEBOUNCE_MS); // back to the text on disk
      }),
      ctx.onDidChangeTraces(() => {
        this.schedulePreview(TRACES_DEBOUNCE_MS);
        this.scheduleHealth();
      }),
    );
  }

  private isPolicy(uri: vscode.Uri): boolean {
    return this.policyUri !== null && uri.toString() === this.policyUri.toString();
  }

  private setPolicy(uri: vscode.Uri | null): void {
    for (const d of this.policyWatch.splice(0)) d.dispose();
    this.diagnostics.clear();
    this.policyUri = uri;
    this.state = { ...this.state, policy: uri ? { path: uri.scheme === 'file' ? uri.fsPath : uri.toString(), label: vscode.workspace.asRelativePath(uri, false) } : null, preview: null, stale: false, errors: [] };
    if (uri?.scheme === 'file') {
      // Changes on disk while the file is not open in an editor (open documents report their own edits).
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(uri, '..'), uri.path.split('/').pop() ?? ''));
      const onDisk = () => {
        if (!vscode.workspace.textDocuments.some((d) => this.isPolicy(d.uri))) this.schedulePreview(EDIT_DEBOUNCE_MS);
      };
      this.policyWatch.push(w, w.onDidChange(onDisk), w.onDidCreate(onDisk), w.onDidDelete(onDisk));
    }
    void this.runPreview();
  }

  private schedulePreview(ms: number): void {
    clearTimeout(this.previewTimer);
    this.previewTimer = setTimeout(() => void this.runPreview(), ms);
  }

  private scheduleHealth(): void {
    clearTimeout(this.healthTimer);
    this.healthTimer = setTimeout(() => void this.refreshHealth(), TRACES_DEBOUNCE_MS);
  }

  private publish(patch: Partial<SamplingLabState>): void {
    this.state = { ...this.state, ...patch };
    this.dropQueued('state');
    this.post({ type: 'state', state: this.state });
  }

  private async runPreview(): Promise<void> {
    const seq = ++this.previewSeq;
    let text: string | null = null;
    const readErrors: SamplingProblemDto[] = [];
    if (this.policyUri) {
      try {
        text = await policyText(this.policyUri);
      } catch (err) {
        readErrors.push({ line: 0, message: `cannot read ${this.state.policy?.label}: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
    const params: SamplingPreviewParams = { ...this.state.scope, policyText: text, head: this.state.head };
    const response = readErrors.length ? { ok: false as const, errors: readErrors } : await this.ctx.request(PreviewSampling, params).catch((err: unknown) => ({ ok: false as const, errors: [{ line: 0, message: `the preview failed: ${err instanceof Error ? err.message : String(err)}` }] }));
    if (seq !== this.previewSeq || this.isDisposed) return;
    if (response.ok) {
      this.publish({ preview: response.preview, stale: false, errors: [], busy: null });
      const warnings = response.preview.warnings;
      const partly = response.preview.policies
        .filter((p) => p.status !== 'simulated' && !warnings.some((w) => w.line === p.line))
        .map((p) => ({ line: p.line, message: `policy "${p.name}" (${p.type}) is ${p.status === 'approximate' ? 'approximate' : 'not simulated'}: ${p.note ?? ''}` }));
      this.showDiagnostics([], [...warnings, ...partly]);
    } else {
      this.publish({ stale: this.state.preview !== null, errors: response.errors, busy: null });
      this.showDiagnostics(response.errors, []);
    }
  }

  private showDiagnostics(errors: SamplingProblemDto[], warnings: SamplingProblemDto[]): void {
    if (!this.policyUri) return;
    const diag = (p: SamplingProblemDto, severity: vscode.DiagnosticSeverity) => {
      const line = Math.max(0, p.line - 1);
      const d = new vscode.Diagnostic(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER), p.message, severity);
      d.source = 'Agent Trace sampling';
      return d;
    };
    this.diagnostics.set(this.policyUri, [...errors.map((e) => diag(e, vscode.DiagnosticSeverity.Error)), ...warnings.map((w) => diag(w, vscode.DiagnosticSeverity.Warning))]);
  }

  private async refreshHealth(): Promise<void> {
    const seq = ++this.healthSeq;
    const health = await this.ctx.request(TraceHealth, { ...this.state.scope, maxExamples: 5 }).catch(() => null);
    if (seq !== this.healthSeq || this.isDisposed) return;
    this.publish({ health });
  }

  protected onReady(): void {
    this.dropQueued('state');
    void this.panel.webview.postMessage({ type: 'state', state: this.state } satisfies SamplingLabHostMessage);
  }

  protected async onMessage(m: SamplingLabWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        return;
      case 'setScope':
        this.state = { ...this.state, scope: sanitizeScope(m.scope), suggestion: null };
        await Promise.all([this.runPreview(), this.refreshHealth()]);
        return;
      case 'setHead':
        this.state = { ...this.state, head: m.head && m.head.ratio >= 0 && m.head.ratio <= 1 ? { ratio: m.head.ratio, sdk: m.head.sdk === 'python' ? 'python' : 'js' } : null };
        await this.runPreview();
        return;
      case 'openTrace':
        await vscode.commands.executeCommand(Commands.openTrace, m.traceId, m.spanId ?? undefined);
        return;
      case 'openPolicy':
        if (this.policyUri) {
          const line = Math.max(0, (m.line ?? 1) - 1);
          await vscode.window.showTextDocument(this.policyUri, { preview: false, viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(line, 0, line, 0) });
        }
        return;
      case 'choosePolicy':
        await this.choosePolicy();
        return;
      case 'suggest':
        await this.suggest();
        return;
      case 'openSuggestion':
        if (this.state.suggestion?.result.ok) await openSuggestion(this.state.suggestion.result.yaml);
        return;
      default:
        assertNever(m);
    }
  }

  private async choosePolicy(): Promise<void> {
    const open = vscode.workspace.textDocuments.filter(isPolicyDocument).map((d) => d.uri);
    const found = await vscode.workspace.findFiles('**/*.{yaml,yml}', '**/node_modules/**', 200);
    const withTailSampling: vscode.Uri[] = [];
    for (const uri of found) {
      if (open.some((o) => o.toString() === uri.toString())) continue;
      try {
        if ((await policyText(uri)).includes('tail_sampling')) withTailSampling.push(uri);
      } catch {
        // unreadable: not offered
      }
    }
    type Item = vscode.QuickPickItem & { uri?: vscode.Uri };
    const items: Item[] = [...open, ...withTailSampling].map((uri) => ({ label: vscode.workspace.asRelativePath(uri, false), uri }));
    items.push({ label: 'Browse…', description: 'any Collector YAML file' });
    const pick = await vscode.window.showQuickPick(items, { title: 'Collector configuration with a tail_sampling processor' });
    if (!pick) return;
    let uri = pick.uri;
    if (!uri) {
      const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Collector YAML': ['yaml', 'yml'] }, title: 'Collector configuration' });
      uri = chosen?.[0];
    }
    if (!uri) return;
    await vscode.window.showTextDocument(uri, { preview: false, viewColumn: vscode.ViewColumn.One });
    this.setPolicy(uri);
  }

  private async suggest(): Promise<void> {
    const text = await vscode.window.showInputBox({
      title: 'Suggest a sampling policy',
      prompt: 'Budget: a percent of traces (10%) or traces per second (0.5/s). Every error trace is kept; a probabilistic baseline fills the rest.',
      value: '10%',
      validateInput: (v) => (parseBudget(v) ? null : 'Write a percent like 10% or a rate like 0.5/s.'),
    });
    const budget = text === undefined ? null : parseBudget(text);
    if (!budget) return;
    const result = await this.ctx.request(SuggestSampling, { ...this.state.scope, budget, head: this.state.head });
    if (this.isDisposed) return;
    this.publish({ suggestion: { budget: text!.trim(), result } });
    if (result.ok) await openSuggestion(result.yaml);
    else void vscode.window.showWarningMessage(`Agent Trace: ${result.message}`);
  }

  dispose(): void {
    clearTimeout(this.previewTimer);
    clearTimeout(this.healthTimer);
    for (const d of this.policyWatch.splice(0)) d.dispose();
    this.diagnostics.clear();
    if (SamplingLabPanel.current === this) SamplingLabPanel.current = undefined;
    super.dispose();
  }
}

function sanitizeScope(scope: SamplingScopeDto): SamplingScopeDto {
  const range = scope.range === 'hour' || scope.range === 'day' ? scope.range : 'all';
  const batch = scope.batch && typeof scope.batch.key === 'string' && typeof scope.batch.value === 'string' ? { key: scope.batch.key, value: scope.batch.value } : null;
  return { range, batch };
}

/** The suggested Collector YAML in a new untitled editor (the user saves it where the Collector reads it). */
async function openSuggestion(yaml: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: yaml });
  await vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.One });
}

export function registerSamplingLab(ctx: Ctx): void {
  const diagnostics = vscode.languages.createDiagnosticCollection(SamplingDiagnosticCollectionName);
  ctx.push(
    diagnostics,
    { dispose: () => SamplingLabPanel.disposeCurrent() },
    vscode.commands.registerCommand(Commands.openSamplingLab, () =>
      SamplingLabPanel.show(ctx, diagnostics).catch((err: unknown) => void vscode.window.showErrorMessage(`Agent Trace: ${err instanceof Error ? err.message : String(err)}`)),
    ),
  );
}
