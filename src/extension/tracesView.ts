// The Traces tree: newest first, refreshed by the server's tracesChanged notifications
// (debounced), filterable through a quick input. No refresh button: it is always current.
import * as vscode from 'vscode';
import type { TraceFilterDto, TraceSummaryDto } from '../protocol/dto';
import { ListTraces } from '../protocol/lsp';
import type { Ctx } from './context';
import { checksFailed, displayName, traceDescription, traceTooltipRows, truncate } from './format';
import { Commands, ContextKeys, TreeItemContext, Views } from './ids';
import { badgeTooltip, compareNewestFirst, filterSummary, newFailedRuns } from './tracesViewModel';

const LIST_LIMIT = 500;
const REFRESH_DEBOUNCE_MS = 150;
/** Relative times ("3 min ago") are re-rendered this often, from the cached list. */
const CLOCK_MS = 60_000;
const LAST_SEEN_KEY = 'agentTrace.traces.lastSeenMs';

export class TracesView implements vscode.TreeDataProvider<TraceSummaryDto>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TraceSummaryDto | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<TraceSummaryDto>;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly clock: NodeJS.Timeout;
  /** The next getChildren re-renders the cached list (labels only) instead of asking the server. */
  private relabelOnly = false;
  filter: TraceFilterDto = {};
  /** The last listed traces (for the filter's service and model choices). */
  last: TraceSummaryDto[] = [];

  constructor(private readonly ctx: Ctx) {
    this.view = vscode.window.createTreeView(Views.traces, { treeDataProvider: this, showCollapseAll: false, canSelectMany: true });
    this.disposables.push(
      this.view,
      this.changed,
      ctx.onDidChangeTraces(() => this.scheduleRefresh()),
      this.view.onDidChangeVisibility((e) => {
        if (e.visible) this.markSeen();
      }),
      ctx.onDidChangeServer(() => {
        if (!ctx.running) this.view.message = ctx.state === 'starting' ? undefined : 'The trace server is not running.';
        else if (this.view.message === 'The trace server is not running.') this.scheduleRefresh();
      }),
    );
    this.clock = setInterval(() => {
      if (!this.view.visible || !this.last.length) return;
      this.relabelOnly = true;
      this.changed.fire(undefined);
    }, CLOCK_MS);
  }

  private get lastSeenMs(): number {
    return this.ctx.extension.globalState.get<number>(LAST_SEEN_KEY) ?? 0;
  }

  /** The user looks at the list now: failures so far are no longer news. */
  private markSeen(): void {
    void this.ctx.extension.globalState.update(LAST_SEEN_KEY, Date.now());
    this.updateBadge();
  }

  private updateBadge(): void {
    const n = this.view.visible ? 0 : newFailedRuns(this.last, this.lastSeenMs);
    this.view.badge = n ? { value: n, tooltip: badgeTooltip(n) } : undefined;
  }

  private async refreshHiddenBadge(): Promise<void> {
    if (!this.ctx.running) return;
    try {
      const failed = await this.ctx.request(ListTraces, { errorsOnly: true, updatedAfterMs: this.lastSeenMs, limit: LIST_LIMIT });
      if (this.view.visible) return;
      const n = newFailedRuns(failed, this.lastSeenMs);
      this.view.badge = n ? { value: n, tooltip: badgeTooltip(n) } : undefined;
    } catch (err) {
      this.ctx.log.warn(`badge: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  scheduleRefresh(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.changed.fire(undefined);
      // A hidden view is not asked for its children, but its badge is what tells of new failures.
      if (!this.view.visible) void this.refreshHiddenBadge();
    }, REFRESH_DEBOUNCE_MS);
  }

  setFilter(f: TraceFilterDto): void {
    this.filter = f;
    const summary = filterSummary(f);
    this.view.description = summary ? `filter: ${summary}` : undefined;
    void vscode.commands.executeCommand('setContext', ContextKeys.filterActive, summary !== '');
    this.changed.fire(undefined);
  }

  async getChildren(element?: TraceSummaryDto): Promise<TraceSummaryDto[]> {
    if (element) return [];
    if (!this.ctx.running) return [];
    if (this.relabelOnly) {
      this.relabelOnly = false;
      return this.last;
    }
    try {
      const list = await this.ctx.request(ListTraces, { ...this.filter, limit: LIST_LIMIT });
      list.sort(compareNewestFirst);
      this.last = list;
      this.view.message = list.length >= LIST_LIMIT ? `Showing the newest ${LIST_LIMIT} traces.` : undefined;
      if (this.view.visible) void this.ctx.extension.globalState.update(LAST_SEEN_KEY, Date.now());
      this.updateBadge();
      return list;
    } catch (err) {
      this.view.message = `Could not list traces: ${err instanceof Error ? err.message : String(err)}`;
      return [];
    }
  }

  getTreeItem(t: TraceSummaryDto): vscode.TreeItem {
    const item = new vscode.TreeItem(truncate(displayName(t), 120), vscode.TreeItemCollapsibleState.None);
    item.id = t.traceId;
    const now = Date.now();
    item.description = traceDescription(t, now);
    item.iconPath = t.errorCount
      ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'))
      : checksFailed(t)
        ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
        : new vscode.ThemeIcon('pulse');
    item.contextValue = TreeItemContext.trace;
    item.accessibilityInformation = { label: `${displayName(t)}, ${item.description}${t.errorCount ? `, ${t.errorCount} errors` : ''}` };
    // A click previews (one reusable panel), a double-click pins: as the file explorer does.
    item.command = { command: Commands.openTrace, title: 'Open Trace', arguments: [t, undefined, { preview: true }] };
    return item;
  }

  /** Tooltip built from escaped text only: span content is untrusted. */
  resolveTreeItem(item: vscode.TreeItem, t: TraceSummaryDto): vscode.TreeItem {
    item.tooltip = tooltipFor(t);
    return item;
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearInterval(this.clock);
    for (const d of this.disposables) d.dispose();
  }

  /** Filter quick input: pick a field, then a value; "Clear filter" resets. */
  async editFilter(): Promise<void> {
    type Item = vscode.QuickPickItem & { key: 'text' | 'service' | 'model' | 'errorsOnly' | 'failedChecksOnly' | 'clear' };
    const f = this.filter;
    const items: Item[] = [
      { key: 'text', label: '$(search) Text…', description: f.text ?? 'name, messages, attributes' },
      { key: 'service', label: '$(server-process) Service…', description: f.service ?? 'any' },
      { key: 'model', label: '$(hubot) Model…', description: f.model ?? 'any' },
      { key: 'errorsOnly', label: f.errorsOnly ? '$(pass-filled) Errors only' : '$(circle-large-outline) Errors only', description: f.errorsOnly ? 'on' : 'off' },
      {
        key: 'failedChecksOnly',
        label: f.failedChecksOnly ? '$(pass-filled) Failed checks only' : '$(circle-large-outline) Failed checks only',
        description: f.failedChecksOnly ? 'on' : 'off (checks from .agent-trace/checks.json or .yaml)',
      },
      { key: 'clear', label: '$(clear-all) Clear filter' },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: 'Filter traces' });
    if (!pick) return;
    switch (pick.key) {
      case 'clear':
        return this.setFilter({});
      case 'errorsOnly':
        return this.setFilter({ ...f, errorsOnly: !f.errorsOnly || undefined });
      case 'failedChecksOnly':
        return this.setFilter({ ...f, failedChecksOnly: !f.failedChecksOnly || undefined });
      case 'text': {
        const text = await vscode.window.showInputBox({ title: 'Traces containing text', value: f.text ?? '', prompt: 'Empty to remove' });
        if (text === undefined) return;
        return this.setFilter({ ...f, text: text.trim() || undefined });
      }
      case 'service':
      case 'model': {
        const known = new Set<string>();
        for (const t of this.last) for (const v of pick.key === 'service' ? t.services : t.models) known.add(v);
        const choices: vscode.QuickPickItem[] = [{ label: '(any)' }, ...[...known].sort().map((label) => ({ label }))];
        const v = await vscode.window.showQuickPick(choices, { title: pick.key === 'service' ? 'Service' : 'Model' });
        if (!v) return;
        return this.setFilter({ ...f, [pick.key]: v.label === '(any)' ? undefined : v.label });
      }
    }
  }
}

export function tooltipFor(t: TraceSummaryDto): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.isTrusted = false;
  md.supportHtml = false;
  md.supportThemeIcons = false;
  traceTooltipRows(t, Date.now()).forEach(([label, value], i) => {
    if (i) md.appendMarkdown('  \n');
    md.appendText(`${label}: ${value}`);
  });
  return md;
}
