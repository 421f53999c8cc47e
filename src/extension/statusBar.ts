// Status bar: listening or not (with the server's own words for why) and how the newest run
// went. Click opens a quick pick headed by the live endpoint, with the actions that matter.
import * as vscode from 'vscode';
import { ListTraces } from '../protocol/lsp';
import type { Ctx } from './context';
import { endpointOf, lastTraceInfo, statusBarText, type LastTraceInfo } from './format';
import { Commands, ConfigSection, Settings, Views } from './ids';

const LAST_TRACE_DEBOUNCE_MS = 300;
/** Relative times ("2 min ago") are re-rendered this often. */
const CLOCK_MS = 60_000;

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subs: vscode.Disposable[];
  private last: LastTraceInfo | null = null;
  private fetchTimer: NodeJS.Timeout | undefined;
  private readonly clock: NodeJS.Timeout;

  constructor(private readonly ctx: Ctx) {
    this.item = vscode.window.createStatusBarItem('agentTrace.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Agent Trace';
    this.item.command = Commands.showStatusMenu;
    this.subs = [
      ctx.onDidChangeServer(() => {
        this.update();
        if (ctx.running && !this.last) this.scheduleLastTrace();
      }),
      ctx.onDidChangeTraces(() => this.scheduleLastTrace()),
    ];
    this.clock = setInterval(() => this.update(), CLOCK_MS);
    this.update();
    this.item.show();
  }

  private scheduleLastTrace(): void {
    clearTimeout(this.fetchTimer);
    this.fetchTimer = setTimeout(() => {
      if (!this.ctx.running) return;
      this.ctx.request(ListTraces, { limit: 1 }).then(
        ([t]) => {
          this.last = lastTraceInfo(t);
          this.update();
        },
        () => undefined,
      );
    }, LAST_TRACE_DEBOUNCE_MS);
  }

  private update(): void {
    const t = statusBarText(this.ctx.state, this.ctx.status, this.last);
    this.item.text = t.text;
    const md = new vscode.MarkdownString();
    md.isTrusted = false;
    md.supportHtml = false;
    t.tooltip.forEach((line, i) => {
      if (i) md.appendMarkdown('  \n');
      md.appendText(line);
    });
    this.item.tooltip = md;
    this.item.backgroundColor = t.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }

  dispose(): void {
    clearTimeout(this.fetchTimer);
    clearInterval(this.clock);
    for (const s of this.subs) s.dispose();
    this.item.dispose();
  }
}

export function terminalInjectionOn(): boolean {
  return vscode.workspace.getConfiguration(ConfigSection).get<boolean>(Settings.terminalInjectOtlpEnvironment) === true;
}

export async function showStatusMenu(ctx: Ctx): Promise<void> {
  type Item = vscode.QuickPickItem & { command: string };
  const status = ctx.status;
  const problem = status && !status.listening ? status.problem : null;
  const items: Item[] = [
    { label: '$(list-tree) Open Traces view', command: `${Views.traces}.focus` },
    { label: '$(go-to-file) Open latest trace', command: Commands.openLatestTrace },
    { label: '$(clippy) Copy OTLP environment', description: 'for the shell that runs your agent', command: Commands.copyOtlpEnvironment },
  ];
  if (!terminalInjectionOn()) items.push({ label: '$(terminal) Put OTLP environment into new terminals', command: Commands.enableTerminalInjection });
  if (!vscode.workspace.getConfiguration(ConfigSection).get<boolean>(Settings.proxyEnabled)) {
    items.push({ label: '$(record) Enable recording proxy', description: 'keep exact model requests and responses', command: Commands.enableRecordingProxy });
  }
  items.push(
    ctx.running
      ? { label: '$(debug-restart) Restart server', command: Commands.restartServer }
      : { label: '$(play) Start server', command: Commands.restartServer },
    { label: '$(output) Show server log', command: Commands.showServerLog },
  );
  if (ctx.running) items.push({ label: '$(debug-stop) Stop server', command: Commands.stopServer });
  // The walkthrough names no port: this title is where the live endpoint is shown.
  const title = status?.listening ? `Agent Trace: listening on ${endpointOf(status)}` : 'Agent Trace';
  const pick = await vscode.window.showQuickPick(items, {
    title,
    placeHolder: problem ? `Not listening: ${problem}` : status && !status.listening ? 'Follower: another window receives spans' : undefined,
  });
  if (pick) await vscode.commands.executeCommand(pick.command);
}
