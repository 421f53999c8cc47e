// The compare panel: two runs side by side, aligned step by step (computed by the server:
// agentTrace/compareTraces, the same implementation as `agent-trace diff`). One panel per pair;
// re-fetched when either trace changes (a run that is still growing), throttled.
import * as vscode from 'vscode';
import type { CompareHostMessage, CompareWebviewMessage } from '../../protocol/compare';
import type { TraceDetailDto } from '../../protocol/dto';
import { ComparePair, CompareTraces, GetTrace } from '../../protocol/lsp';
import { assertNever } from '../../protocol/webviewMessages';
import type { Ctx } from '../context';
import { truncate } from '../format';
import { WebviewTypes } from '../ids';
import { openSpanSource, TracePanel } from './tracePanel';
import { WebviewHost } from './webviewHost';

const REFRESH_INTERVAL_MS = 500;

export class ComparePanel extends WebviewHost<CompareHostMessage, CompareWebviewMessage> {
  private static readonly open = new Map<string, ComparePanel>();

  private last: CompareHostMessage | null = null;
  private traces: { a: TraceDetailDto | null; b: TraceDetailDto | null } = { a: null, b: null };
  private refreshTimer: NodeJS.Timeout | undefined;
  private lastFetch = 0;

  /** Opens (or reveals) the compare of two traces: A is the earlier run, B the later one. */
  static async show(ctx: Ctx, traceIdA: string, traceIdB: string): Promise<ComparePanel> {
    const key = `${traceIdA}:${traceIdB}`;
    let panel = ComparePanel.open.get(key);
    if (!panel || panel.isDisposed) {
      panel = new ComparePanel(ctx, traceIdA, traceIdB);
      ComparePanel.open.set(key, panel);
      await panel.refresh();
    } else {
      panel.reveal();
    }
    return panel;
  }

  static disposeAll(): void {
    for (const p of ComparePanel.open.values()) p.dispose();
    ComparePanel.open.clear();
  }

  private constructor(
    private readonly ctx: Ctx,
    readonly traceIdA: string,
    readonly traceIdB: string,
  ) {
    super(ctx.extension.extensionUri, {
      viewType: WebviewTypes.compare,
      title: `Compare ${traceIdA.slice(0, 6)} ↔ ${traceIdB.slice(0, 6)}`,
      script: 'compare.js',
    });
    this.disposables.push(
      ctx.onDidChangeTraces((e) => {
        if (e.cleared || e.traceIds.includes(traceIdA) || e.traceIds.includes(traceIdB)) this.scheduleRefresh();
      }),
    );
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    const wait = Math.max(0, this.lastFetch + REFRESH_INTERVAL_MS - Date.now());
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, wait);
  }

  private async refresh(): Promise<void> {
    this.lastFetch = Date.now();
    this.traces = { a: null, b: null };
    try {
      const response = await this.ctx.request(CompareTraces, { traceIdA: this.traceIdA, traceIdB: this.traceIdB });
      if (this.isDisposed) return;
      this.last = response.ok ? { type: 'compare', result: response.result } : { type: 'compareFailed', message: response.message };
      if (response.ok) this.panel.title = truncate(`Compare: ${response.result.a.name} ↔ ${response.result.b.name}`, 50);
    } catch (err) {
      this.last = { type: 'compareFailed', message: `The compare failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    this.dropQueued('compare');
    this.dropQueued('compareFailed');
    this.post(this.last);
  }

  protected onReady(): void {
    this.dropQueued('compare');
    this.dropQueued('compareFailed');
    if (this.last) void this.panel.webview.postMessage(this.last satisfies CompareHostMessage);
  }

  private async trace(side: 'a' | 'b'): Promise<TraceDetailDto | null> {
    const cached = this.traces[side];
    if (cached) return cached;
    const t = await this.ctx.request(GetTrace, { traceId: side === 'a' ? this.traceIdA : this.traceIdB });
    this.traces[side] = t;
    return t;
  }

  protected async onMessage(m: CompareWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        return; // handled by the base
      case 'requestPairDiff': {
        const diff = await this.ctx.request(ComparePair, { traceIdA: this.traceIdA, traceIdB: this.traceIdB, spanIdA: m.spanIdA, spanIdB: m.spanIdB });
        this.post({ type: 'pairDiff', spanIdA: m.spanIdA, spanIdB: m.spanIdB, diff });
        return;
      }
      case 'openSource': {
        const span = (await this.trace(m.side))?.spans.find((s) => s.spanId === m.spanId);
        if (span) await openSpanSource(span);
        else void vscode.window.showInformationMessage('Agent Trace: that step is no longer stored.');
        return;
      }
      case 'openTrace':
        await TracePanel.show(this.ctx, m.side === 'a' ? this.traceIdA : this.traceIdB, m.spanId ?? undefined);
        return;
      default:
        assertNever(m);
    }
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    const key = `${this.traceIdA}:${this.traceIdB}`;
    if (ComparePanel.open.get(key) === this) ComparePanel.open.delete(key);
    super.dispose();
  }
}
