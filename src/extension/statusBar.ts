// Status bar: listening or not (with the server's own words for why), endpoint, span count,
// writer/follower. Click opens a quick pick of the actions that matter when it is not working.
import * as vscode from 'vscode';
import type { Ctx } from './context';
import { statusBarText } from './format';
import { Commands } from './ids';

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly sub: vscode.Disposable;

  constructor(private readonly ctx: Ctx) {
    this.item = vscode.window.createStatusBarItem('agentTrace.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Agent Trace';
    this.item.command = Commands.showStatusMenu;
    this.sub = ctx.onDidChangeServer(() => this.update());
    this.update();
    this.item.show();
  }

  private update(): void {
    const t = statusBarText(this.ctx.state, this.ctx.status);
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
    this.sub.dispose();
    this.item.dispose();
  }
}

export async function showStatusMenu(ctx: Ctx): Promise<void> {
  type Item = vscode.QuickPickItem & { command: string };
  const problem = ctx.status && !ctx.status.listening ? ctx.status.problem : null;
  const items: Item[] = [
    { label: '$(clippy) Copy OTLP environment', description: 'for the shell that runs your agent', command: Commands.copyOtlpEnvironment },
    { label: '$(terminal) Put OTLP environment into new terminals', command: Commands.enableTerminalInjection },
    ctx.running
      ? { label: '$(debug-restart) Restart server', command: Commands.restartServer }
      : { label: '$(play) Start server', command: Commands.restartServer },
    { label: '$(output) Show server log', command: Commands.showServerLog },
  ];
  if (ctx.running) items.push({ label: '$(debug-stop) Stop server', command: Commands.stopServer });
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Agent Trace',
    placeHolder: problem ? `Not listening: ${problem}` : undefined,
  });
  if (pick) await vscode.commands.executeCommand(pick.command);
}
