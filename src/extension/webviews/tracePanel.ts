// One panel per trace (revealed when already open). Re-fetches its trace when the server says
// it changed, at most a few times a second, and answers every TraceWebviewMessage.
// Like VS Code's preview editors: a click in the Traces view opens the trace in the one preview
// panel, replacing the trace shown there; a double-click, an action in the panel, or an open
// from anywhere else (code lens, command) pins it.
import * as vscode from 'vscode';
import type { CheckResultDto, SpanDto, TraceDetailDto } from '../../protocol/dto';
import { GetCheckResults, GetTrace } from '../../protocol/lsp';
import { assertNever, type TraceHostMessage, type TraceWebviewMessage } from '../../protocol/webviewMessages';
import type { Ctx } from '../context';
import { truncate } from '../format';
import { Commands, ContextKeys, WebviewTypes } from '../ids';
import { workspaceFolderPaths } from '../settings';
import { openRecordedSource, revealLocation, type RevealOptions } from '../source/openSource';
import { resolveSpanSource } from '../source/resolveSource';
import { isRepeatOpen } from '../tracesViewModel';
import { WebviewHost } from './webviewHost';

const REFRESH_INTERVAL_MS = 250;
/** A trace written to within this window is shown as live (spans still arriving). */
const LIVE_WINDOW_MS = 5000;

export interface ShowOptions {
  /** Open in the reusable preview panel (a single click in the Traces view). */
  preview?: boolean;
}

export class TracePanel extends WebviewHost<TraceHostMessage, TraceWebviewMessage> {
  private static readonly open = new Map<string, TracePanel>();

  private trace: TraceDetailDto | null = null;
  private checks: CheckResultDto[] = [];
  private pendingSelect: string | null = null;
  private selectedSpanId: string | null = null;
  private lastFetch = 0;
  private refreshTimer: NodeJS.Timeout | undefined;
  private fetching = false;
  private refetchAfter = false;
  private gone = false;

  private static previewPanel: TracePanel | undefined;
  private static lastPreviewOpen: { traceId: string; atMs: number } | null = null;

  /** Opens (or reveals) the panel of a trace, optionally selecting a span. */
  static async show(ctx: Ctx, traceId: string, spanId?: string, opts: ShowOptions = {}): Promise<TracePanel> {
    ctx.markDone(ContextKeys.traceOpened);
    const now = Date.now();
    // A double-click in the tree runs the command twice on the same row: that pins, as in the explorer.
    const pin = !opts.preview || isRepeatOpen(TracePanel.lastPreviewOpen, traceId, now);
    TracePanel.lastPreviewOpen = opts.preview ? { traceId, atMs: now } : null;
    // A single click previews and leaves the focus in the Traces view (as the explorer does), so
    // arrow keys, Ctrl+click and context menus keep working there; a double-click moves it here.
    const keepFocus = opts.preview === true && !pin;
    let panel = TracePanel.open.get(traceId);
    if (panel && !panel.isDisposed) {
      panel.reveal(keepFocus);
    } else {
      const reusable = TracePanel.previewPanel;
      if (opts.preview && reusable && !reusable.isDisposed) {
        panel = reusable;
        panel.retarget(traceId);
        panel.reveal(keepFocus);
      } else {
        panel = new TracePanel(ctx, traceId, keepFocus);
        if (opts.preview) TracePanel.previewPanel = panel;
      }
      TracePanel.open.set(traceId, panel);
      await panel.refresh();
    }
    if (pin) panel.pin();
    if (spanId) panel.selectSpan(spanId);
    return panel;
  }

  private static lastActive: TracePanel | undefined;

  /** The trace panel the user looked at last (for commands run from the palette). */
  static active(): TracePanel | undefined {
    const p = TracePanel.lastActive;
    return p && !p.isDisposed ? p : undefined;
  }

  /** The step selected in the panel (for commands run from the palette about "this step"). */
  get selectedStep(): string | null {
    return this.selectedSpanId;
  }

  static disposeAll(): void {
    for (const p of TracePanel.open.values()) p.dispose();
    TracePanel.open.clear();
  }

  get traceId(): string {
    return this.shownTraceId;
  }

  /** Whether this panel is the preview one (replaced by the next click in the Traces view). */
  get isPreview(): boolean {
    return TracePanel.previewPanel === this;
  }

  /** Keeps this panel: the next click in the Traces view opens another one. */
  pin(): void {
    if (TracePanel.previewPanel === this) TracePanel.previewPanel = undefined;
  }

  /** The preview panel shows another trace: forget everything about the previous one. */
  private retarget(traceId: string): void {
    if (TracePanel.open.get(this.shownTraceId) === this) TracePanel.open.delete(this.shownTraceId);
    this.shownTraceId = traceId;
    this.trace = null;
    this.pendingSelect = null;
    this.selectedSpanId = null;
    this.gone = false;
    this.panel.title = `Trace ${traceId.slice(0, 8)}`;
  }

  private constructor(
    private readonly ctx: Ctx,
    private shownTraceId: string,
    preserveFocus: boolean,
  ) {
    super(ctx.extension.extensionUri, {
      viewType: WebviewTypes.trace,
      title: `Trace ${shownTraceId.slice(0, 8)}`,
      script: 'trace.js',
      styles: ['trace.css'],
      preserveFocus,
    });
    TracePanel.lastActive = this;
    this.disposables.push(
      this.panel.onDidChangeViewState((e) => {
        if (e.webviewPanel.active) TracePanel.lastActive = this;
      }),
      ctx.onDidChangeTraces((e) => {
        if (e.cleared || e.traceIds.includes(this.traceId)) this.scheduleRefresh();
      }),
    );
  }

  selectSpan(spanId: string): void {
    this.selectedSpanId = spanId;
    if (this.trace) this.post({ type: 'selectSpan', spanId });
    else this.pendingSelect = spanId;
  }

  /** Throttled: at most one fetch per interval, the last change always fetched. */
  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    const wait = Math.max(0, this.lastFetch + REFRESH_INTERVAL_MS - Date.now());
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, wait);
  }

  private async refresh(): Promise<void> {
    if (this.fetching) {
      this.refetchAfter = true;
      return;
    }
    this.fetching = true;
    this.lastFetch = Date.now();
    try {
      const asked = this.traceId;
      const [trace, checks] = await Promise.all([
        this.ctx.request(GetTrace, { traceId: asked }),
        // Older servers do not know the request; a panel without checks is still a panel.
        this.ctx.request(GetCheckResults, { traceId: asked }).catch(() => [] as CheckResultDto[]),
      ]);
      if (this.isDisposed) return;
      if (asked !== this.traceId) {
        // Retargeted while fetching: this answer is for the trace shown before.
        this.refetchAfter = true;
        return;
      }
      if (!trace) {
        if (this.trace || !this.gone) {
          this.gone = true;
          this.trace = null;
          this.dropQueued('trace');
          this.post({ type: 'traceGone', traceId: this.traceId });
        }
        return;
      }
      this.gone = false;
      this.trace = trace;
      this.checks = checks;
      this.panel.title = truncate(trace.title || trace.name || `Trace ${this.traceId.slice(0, 8)}`, 40);
      this.dropQueued('trace');
      this.post({ type: 'trace', trace, live: this.isLive(trace), workspaceRoots: workspaceFolderPaths(), checks });
      if (this.pendingSelect) {
        this.post({ type: 'selectSpan', spanId: this.pendingSelect });
        this.pendingSelect = null;
      }
    } catch (err) {
      this.ctx.log.warn(`trace ${this.traceId}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.fetching = false;
      if (this.refetchAfter) {
        this.refetchAfter = false;
        this.scheduleRefresh();
      }
    }
  }

  private isLive(t: TraceDetailDto): boolean {
    return Date.now() - t.updatedAtMs < LIVE_WINDOW_MS;
  }

  protected onReady(): void {
    // The page may have been rebuilt (hidden and shown again): send the current trace afresh.
    this.dropQueued('trace');
    this.dropQueued('selectSpan');
    if (this.trace) {
      void this.panel.webview.postMessage({ type: 'trace', trace: this.trace, live: this.isLive(this.trace), workspaceRoots: workspaceFolderPaths(), checks: this.checks } satisfies TraceHostMessage);
      if (this.selectedSpanId) void this.panel.webview.postMessage({ type: 'selectSpan', spanId: this.selectedSpanId } satisfies TraceHostMessage);
    } else if (this.gone) {
      this.dropQueued('traceGone');
      void this.panel.webview.postMessage({ type: 'traceGone', traceId: this.traceId } satisfies TraceHostMessage);
    }
  }

  private span(spanId: string): SpanDto | undefined {
    return this.trace?.spans.find((s) => s.spanId === spanId);
  }

  protected async onMessage(m: TraceWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        return; // handled by the base
      case 'openSource': {
        this.pin();
        const span = this.span(m.spanId);
        if (span && (await openSpanSource(span, { beside: true }))) this.ctx.markDone(ContextKeys.sourceOpened);
        return;
      }
      case 'openStackFrame': {
        this.pin();
        const frame = this.span(m.spanId)?.error?.stackLines?.[m.index];
        if (frame?.file && (await openRecordedSource(frame.file, frame.line, frame.column, { beside: true }))) this.ctx.markDone(ContextKeys.sourceOpened);
        return;
      }
      case 'resolveSource': {
        const span = this.span(m.spanId);
        if (!span) return;
        const found = await resolveSpanSource(span);
        this.post({
          type: 'sourceResolved',
          spanId: m.spanId,
          source: found ? { file: found.file, line: found.line, how: found.how, confidence: found.confidence } : null,
        });
        return;
      }
      case 'spanSelected':
        this.selectedSpanId = m.spanId;
        return;
      case 'copyText':
        this.pin();
        await vscode.env.clipboard.writeText(m.text);
        vscode.window.setStatusBarMessage('Agent Trace: copied', 2000);
        return;
      case 'previewRedaction':
        this.pin();
        await vscode.commands.executeCommand(Commands.previewRedaction, m.traceId);
        return;
      case 'compareWithPrevious':
        await vscode.commands.executeCommand(Commands.compareWithPrevious, m.traceId);
        return;
      case 'rerunFromStep':
      case 'editAndResend':
        this.pin();
        await vscode.commands.executeCommand(m.type === 'rerunFromStep' ? Commands.rerunFromStep : Commands.editAndResend, this.traceId, m.spanId);
        return;
      default:
        assertNever(m);
    }
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    if (TracePanel.open.get(this.traceId) === this) TracePanel.open.delete(this.traceId);
    if (TracePanel.previewPanel === this) TracePanel.previewPanel = undefined;
    super.dispose();
  }
}

/** The span's recorded location, or the code found for it by symbol/text search. */
export async function openSpanSource(span: SpanDto, opts: RevealOptions = {}): Promise<boolean> {
  if (span.source?.file) return openRecordedSource(span.source.file, span.source.line, span.source.column, opts);
  const found = await resolveSpanSource(span);
  if (!found) {
    void vscode.window.showInformationMessage(`Agent Trace: no source location was recorded for "${truncate(span.name, 80)}" and no matching code was found in the workspace.`);
    return false;
  }
  await revealLocation(vscode.Uri.file(found.file), found.line, found.column, opts);
  if (found.confidence !== 'high') {
    vscode.window.setStatusBarMessage(`Agent Trace: best guess (${found.how} match, ${found.confidence} confidence)`, 5000);
  }
  return true;
}
