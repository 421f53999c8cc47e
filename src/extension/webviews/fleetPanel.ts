// The fleet view: the runs of one batch (agentTrace/fleet), the batches to pick from
// (agentTrace/listBatches) and one batch against another (agentTrace/compareBatches), all
// computed by the server. One panel; it opens on the newest batch, or on the last 24 hours when no
// run carries a grouping attribute, and re-fetches (debounced) while runs arrive.
import * as vscode from 'vscode';
import type { BatchRefDto, BatchSummaryDto } from '../../protocol/fleet';
import { CompareBatches, GetFleet, ListBatches } from '../../protocol/lsp';
import { assertNever, type FleetHostMessage, type FleetSelection, type FleetWebviewMessage } from '../../protocol/webviewMessages';
import type { Ctx } from '../context';
import { defaultBatch } from '../fleetDefaults';
import { formatCount } from '../../core/format';
import { plainRowText } from '../format';
import { Commands, WebviewTypes } from '../ids';
import { ComparePanel } from './comparePanel';
import { WebviewHost } from './webviewHost';

const TRACES_DEBOUNCE_MS = 1000;
const BATCH_LIMIT = 500;
const DAY_MS = 86_400_000;
const ROLLING_SLACK_MS = 60_000;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A batch reference from the page, checked (the page is not trusted to send well-formed data). */
function sanitizeRef(ref: unknown): BatchRefDto | null {
  if (!ref || typeof ref !== 'object') return null;
  const r = ref as Record<string, unknown>;
  if (r.kind === 'attribute' && typeof r.key === 'string' && typeof r.value === 'string' && r.key) return { kind: 'attribute', key: r.key, value: r.value };
  if (r.kind === 'timeRange' && Number.isFinite(r.fromMs) && Number.isFinite(r.toMs) && (r.toMs as number) > (r.fromMs as number)) return { kind: 'timeRange', fromMs: r.fromMs as number, toMs: r.toMs as number };
  return null;
}

const sanitizeAttribute = (a: unknown): string | null => (typeof a === 'string' && a.trim() ? a.trim().slice(0, 256) : null);

export class FleetPanel extends WebviewHost<FleetHostMessage, FleetWebviewMessage> {
  private static current: FleetPanel | undefined;

  private batchKey: string | null = null;
  private selection: FleetSelection | null = null;
  private compare: { before: BatchRefDto; after: BatchRefDto } | null = null;
  /** The last answer of each part, re-sent when the page is rebuilt. */
  private last: { batches?: FleetHostMessage; fleet?: FleetHostMessage; compare?: FleetHostMessage } = {};
  private seq = { batches: 0, fleet: 0, compare: 0 };
  private refreshTimer: NodeJS.Timeout | undefined;
  /** A time range chosen as "the last N hours" moves with the clock: its length, else null. */
  private rollingMs: number | null = null;

  /** Opens (or reveals) the fleet view; with `compare`, on the after batch compared with the before one. */
  static async show(ctx: Ctx, compare?: { before: BatchRefDto; after: BatchRefDto }): Promise<FleetPanel> {
    let p = FleetPanel.current;
    if (!p || p.isDisposed) {
      p = new FleetPanel(ctx);
      FleetPanel.current = p;
      if (compare) {
        p.select({ batch: compare.after, groupAttribute: null });
        await Promise.all([p.listBatches(null), p.loadFleet(), p.runCompare(compare.before, compare.after)]);
      } else {
        await p.openDefault();
      }
    } else {
      p.reveal();
      if (compare) {
        p.select({ batch: compare.after, groupAttribute: p.selection?.groupAttribute ?? null });
        await Promise.all([p.loadFleet(), p.runCompare(compare.before, compare.after)]);
      }
    }
    return p;
  }

  /** Opens (or reveals) the fleet view on one batch, e.g. the one "Run Batch…" just ran. */
  static async showBatch(ctx: Ctx, batch: BatchRefDto): Promise<FleetPanel> {
    let p = FleetPanel.current;
    if (!p || p.isDisposed) {
      p = new FleetPanel(ctx);
      FleetPanel.current = p;
    } else {
      p.reveal();
    }
    p.select({ batch, groupAttribute: p.selection?.groupAttribute ?? null });
    await Promise.all([p.listBatches(p.batchKey), p.loadFleet()]);
    return p;
  }

  static disposeCurrent(): void {
    FleetPanel.current?.dispose();
  }

  private constructor(private readonly ctx: Ctx) {
    super(ctx.extension.extensionUri, { viewType: WebviewTypes.fleet, title: 'Fleet', script: 'fleet.js' });
    this.disposables.push(ctx.onDidChangeTraces(() => this.scheduleRefresh()));
  }

  /** The newest batch of several runs (see defaultBatch); without one, the runs of the last 24 hours. */
  private async openDefault(): Promise<void> {
    const batch = defaultBatch(await this.listBatches(null));
    const now = Date.now();
    this.select({ batch: batch ?? { kind: 'timeRange', fromMs: now - DAY_MS, toMs: now }, groupAttribute: null });
    await this.loadFleet();
  }

  private send(part: keyof FleetPanel['last'], m: FleetHostMessage): void {
    this.last[part] = m;
    this.dropQueued(m.type);
    this.dropQueued('busy'); // a queued "busy" would outlive the answer it announced
    this.post(m);
  }

  private async listBatches(key: string | null): Promise<BatchSummaryDto[]> {
    const seq = ++this.seq.batches;
    this.batchKey = key;
    this.post({ type: 'busy', part: 'batches', message: 'Listing batches…' });
    try {
      const batches = await this.ctx.request(ListBatches, { ...(key ? { key } : {}), limit: BATCH_LIMIT });
      if (seq === this.seq.batches && !this.isDisposed) this.send('batches', { type: 'batches', key, batches });
      return batches;
    } catch (err) {
      if (seq === this.seq.batches && !this.isDisposed) {
        this.send('batches', { type: 'batches', key, batches: [] });
        this.send('fleet', { type: 'fleetFailed', selection: this.selection, message: `Could not list the batches: ${message(err)}` });
      }
      return [];
    }
  }

  /** Sets the batch shown; a time range ending about now is kept ending now as runs arrive. */
  private select(selection: FleetSelection): void {
    const b = selection.batch;
    const same = this.selection !== null && JSON.stringify(this.selection.batch) === JSON.stringify(b);
    if (!same) this.rollingMs = b.kind === 'timeRange' && Math.abs(Date.now() - b.toMs) < ROLLING_SLACK_MS ? b.toMs - b.fromMs : null;
    this.selection = selection;
  }

  private async loadFleet(): Promise<void> {
    if (this.selection && this.rollingMs !== null) {
      const now = Date.now();
      this.selection = { ...this.selection, batch: { kind: 'timeRange', fromMs: now - this.rollingMs, toMs: now } };
    }
    const selection = this.selection;
    if (!selection) return;
    const seq = ++this.seq.fleet;
    this.post({ type: 'busy', part: 'fleet', message: 'Computing the batch…' });
    try {
      const fleet = await this.ctx.request(GetFleet, { batch: selection.batch, groupAttribute: selection.groupAttribute });
      if (seq !== this.seq.fleet || this.isDisposed) return;
      this.panel.title = `Fleet: ${plainRowText(fleet.batch.label, 40)} (${formatCount(fleet.batch.runs)})`;
      this.send('fleet', { type: 'fleet', selection, fleet });
    } catch (err) {
      if (seq === this.seq.fleet && !this.isDisposed) this.send('fleet', { type: 'fleetFailed', selection, message: `The batch could not be computed: ${message(err)}` });
    }
  }

  private async runCompare(before: BatchRefDto, after: BatchRefDto): Promise<void> {
    this.compare = { before, after };
    const seq = ++this.seq.compare;
    this.post({ type: 'busy', part: 'compare', message: 'Comparing the batches…' });
    try {
      const result = await this.ctx.request(CompareBatches, { before, after, groupAttribute: this.selection?.groupAttribute ?? null });
      if (seq === this.seq.compare && !this.isDisposed) this.send('compare', { type: 'batchCompare', before, after, result });
    } catch (err) {
      if (seq === this.seq.compare && !this.isDisposed) this.send('compare', { type: 'batchCompareFailed', message: `The batches could not be compared: ${message(err)}` });
    }
  }

  /** New runs change the counts: fetch again once they stop arriving for a moment. */
  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      void this.listBatches(this.batchKey);
      void this.loadFleet();
      if (this.compare) void this.runCompare(this.compare.before, this.compare.after);
    }, TRACES_DEBOUNCE_MS);
  }

  protected onReady(): void {
    this.dropQueued('busy');
    for (const m of [this.last.batches, this.last.fleet, this.last.compare]) {
      if (!m) continue;
      this.dropQueued(m.type);
      void this.panel.webview.postMessage(m);
    }
  }

  protected async onMessage(m: FleetWebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        return;
      case 'listBatches':
        await this.listBatches(sanitizeAttribute(m.key));
        return;
      case 'selectBatch': {
        const batch = sanitizeRef(m.selection?.batch);
        if (!batch) return;
        this.select({ batch, groupAttribute: sanitizeAttribute(m.selection.groupAttribute) });
        // A compare of two other batches is not refreshed for this one (the page drops it too).
        const key = JSON.stringify(batch);
        if (this.compare && key !== JSON.stringify(this.compare.before) && key !== JSON.stringify(this.compare.after)) {
          this.compare = null;
          this.seq.compare++;
          delete this.last.compare;
        }
        await this.loadFleet();
        return;
      }
      case 'compareBatches': {
        const before = sanitizeRef(m.before);
        const after = sanitizeRef(m.after);
        if (!before || !after) return;
        if (this.selection) this.selection = { ...this.selection, groupAttribute: sanitizeAttribute(m.groupAttribute) };
        await this.runCompare(before, after);
        return;
      }
      case 'clearCompare':
        this.compare = null;
        this.seq.compare++;
        delete this.last.compare;
        return;
      case 'openTrace':
        if (typeof m.traceId === 'string') await vscode.commands.executeCommand(Commands.openTrace, m.traceId);
        return;
      case 'compareRuns':
        if (typeof m.beforeTraceId === 'string' && typeof m.afterTraceId === 'string') await ComparePanel.show(this.ctx, m.beforeTraceId, m.afterTraceId);
        return;
      default:
        assertNever(m);
    }
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    if (FleetPanel.current === this) FleetPanel.current = undefined;
    super.dispose();
  }
}

/** "Compare Batches…": the before batch, then the after batch, from the stored batches. */
async function pickBatchPair(ctx: Ctx): Promise<{ before: BatchRefDto; after: BatchRefDto } | undefined> {
  const batches = (await ctx.request(ListBatches, { limit: BATCH_LIMIT })).filter((b) => b.runs > 0).sort((a, b) => b.lastStartMs - a.lastStartMs);
  if (batches.length < 2) {
    void vscode.window.showInformationMessage(
      `Agent Trace: ${batches.length ? 'only one batch is' : 'no batch is'} stored. Tag each set of runs with a grouping attribute (e.g. OTEL_RESOURCE_ATTRIBUTES=agent_trace.batch=before), then compare them.`,
    );
    return undefined;
  }
  const item = (b: BatchSummaryDto) => ({ label: plainRowText(b.label), description: `${formatCount(b.runs)} runs · ${new Date(b.firstStartMs).toLocaleString()}`, batch: b });
  const before = await vscode.window.showQuickPick(batches.map(item), { title: 'Compare batches (1/2): the batch before the change', matchOnDescription: true });
  if (!before) return undefined;
  const after = await vscode.window.showQuickPick(
    batches.filter((b) => b !== before.batch).map(item),
    { title: `Compare batches (2/2): the batch after the change (before: ${plainRowText(before.batch.label, 60)})`, matchOnDescription: true },
  );
  if (!after) return undefined;
  return { before: before.batch.ref, after: after.batch.ref };
}

export function registerFleetView(ctx: Ctx): void {
  const run = (fn: () => Promise<unknown>) => () => fn().catch((err: unknown) => void vscode.window.showErrorMessage(`Agent Trace: ${message(err)}`));
  ctx.push(
    { dispose: () => FleetPanel.disposeCurrent() },
    vscode.commands.registerCommand(Commands.openFleetView, (batch?: unknown) => {
      const ref = sanitizeRef(batch); // a batch from "Run Batch…"; none from the palette or the title bar
      return run(() => (ref ? FleetPanel.showBatch(ctx, ref) : FleetPanel.show(ctx)))();
    }),
    vscode.commands.registerCommand(
      Commands.compareBatches,
      run(async () => {
        const pair = await pickBatchPair(ctx);
        if (pair) await FleetPanel.show(ctx, pair);
      }),
    ),
  );
}
