// One panel per trace (revealed when already open). Re-fetches its trace when the server says
// it changed, at most a few times a second, and answers every TraceWebviewMessage.
import * as vscode from 'vscode';
import type { SpanDto, TraceDetailDto } from '../../protocol/dto';
import { GetTrace } from '../../protocol/lsp';
import { assertNever, type TraceHostMessage, type TraceWebviewMessage } from '../../protocol/webviewMessages';
import type { Ctx } from '../context';
import { truncate } from '../format';
import { Commands, WebviewTypes } from '../ids';
import { openRecordedSource, revealLocation } from '../source/openSource';
import { resolveSpanSource } from '../source/resolveSource';
import { WebviewHost } from './webviewHost';

const REFRESH_INTERVAL_MS = 250;
/** A trace written to within this window is shown as live (spans still arriving). */
const LIVE_WINDOW_MS = 5000;

export class TracePanel extends WebviewHost<TraceHostMessage, TraceWebviewMessage> {
  private static readonly open = new Map<string, TracePanel>();

  private trace: TraceDetailDto | null = null;
  private pendingSelect: string | null = null;
  private selectedSpanId: string | null = null;
  private lastFetch = 0;
  private refreshTimer: NodeJS.Timeout | undefined;
  private fetching = false;
  private refetchAfter = false;
  private gone = false;

  /** Opens (or reveals) the panel of a trace, optionally selecting a span. */
  static async show(ctx: Ctx, traceId: string, spanId?: string): Promise<TracePanel> {
    let panel = TracePanel.open.get(traceId);
    if (!panel || panel.isDisposed) {
      panel = new TracePanel(ctx, traceId);
      TracePanel.open.set(traceId, panel);
      await panel.refresh();
    } else {
      panel.reveal();
    }
    if (spanId) panel.selectSpan(spanId);
    return panel;
  }

  private static lastActive: TracePanel | undefined;

  /** The trace panel the user looked at last (for commands run from the palette). */
  static active(): TracePanel | undefined {
    const p = TracePanel.lastActive;
    return p && !p.isDisposed ? p : undefined;
  }

  static disposeAll(): void {
    for (const p of TracePanel.open.values()) p.dispose();
    TracePanel.open.clear();
  }

  private constructor(
    private readonly ctx: Ctx,
    readonly traceId: string,
  ) {
    super(ctx.extension.extensionUri, {
      viewType: WebviewTypes.trace,
      title: `Trace ${traceId.slice(0, 8)}`,
      script: 'trace.js',
      styles: ['trace.css'],
    });
    TracePanel.lastActive = this;
    this.disposables.push(
      this.panel.onDidChangeViewState((e) => {
        if (e.webviewPanel.active) TracePanel.lastActive = this;
      }),
      ctx.onDidChangeTraces((e) => {
        if (e.cleared || e.traceIds.includes(traceId)) this.scheduleRefresh();
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
      const trace = await this.ctx.request(GetTrace, { traceId: this.traceId });
      if (this.isDisposed) return;
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
      this.panel.title = truncate(trace.name || `Trace ${this.traceId.slice(0, 8)}`, 40);
      this.dropQueued('trace');
      this.post({ type: 'trace', trace, live: this.isLive(trace) });
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
      void this.panel.webview.postMessage({ type: 'trace', trace: this.trace, live: this.isLive(this.trace) } satisfies TraceHostMessage);
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
        const span = this.span(m.spanId);
        if (span) await openSpanSource(span);
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
        await vscode.env.clipboard.writeText(m.text);
        vscode.window.setStatusBarMessage('Agent Trace: copied', 2000);
        return;
      case 'previewRedaction':
        await vscode.commands.executeCommand(Commands.previewRedaction, m.traceId);
        return;
      case 'compareWithPrevious':
        await vscode.commands.executeCommand(Commands.compareWithPrevious, m.traceId);
        return;
      default:
        assertNever(m);
    }
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    if (TracePanel.open.get(this.traceId) === this) TracePanel.open.delete(this.traceId);
    super.dispose();
  }
}

/** The span's recorded location, or the code found for it by symbol/text search. */
export async function openSpanSource(span: SpanDto): Promise<boolean> {
  if (span.source?.file) return openRecordedSource(span.source.file, span.source.line, span.source.column);
  const found = await resolveSpanSource(span);
  if (!found) {
    void vscode.window.showInformationMessage(`Agent Trace: no source location was recorded for "${truncate(span.name, 80)}" and no matching code was found in the workspace.`);
    return false;
  }
  await revealLocation(vscode.Uri.file(found.file), found.line, found.column);
  if (found.confidence !== 'high') {
    vscode.window.setStatusBarMessage(`Agent Trace: best guess (${found.how} match, ${found.confidence} confidence)`, 5000);
  }
  return true;
}
