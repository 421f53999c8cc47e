// Every contributed command, registered against the composition root's features.
import * as vscode from 'vscode';
import type { TraceSummaryDto } from '../protocol/dto';
import { ClearTraces, DeleteTrace, ExportTrace, GetTrace, ListTraces, SpansAtLine } from '../protocol/lsp';
import type { Ctx } from './context';
import { displayName, formatRelativeTime, plainRowText, spanAtLineRow, truncate } from './format';
import { Commands } from './ids';
import { showStatusMenu } from './statusBar';
import { copyOtlpEnvironment, enableRecordingProxy, enableTerminalInjection } from './terminalEnv';
import type { TracesView } from './tracesView';
import { redactionPolicyUri } from './settings';
import { openOrCreatePolicy, readPolicy, RedactionPanel, type RedactionDiagnostics } from './webviews/redactionPanel';
import { TracePanel } from './webviews/tracePanel';
import { registerCompareCommands } from './compareCommands';
import { registerForkCommands } from './forkCommands';

/** Tree items pass the summary; code and other commands pass a trace id. */
type TraceArg = TraceSummaryDto | string | undefined;

function traceIdOf(arg: TraceArg): string | undefined {
  if (typeof arg === 'string') return arg;
  return arg?.traceId;
}

async function pickTrace(ctx: Ctx, title: string): Promise<string | undefined> {
  const list = await ctx.request(ListTraces, { limit: 100 });
  if (!list.length) {
    void vscode.window.showInformationMessage('Agent Trace: no traces recorded yet.');
    return undefined;
  }
  const now = Date.now();
  const pick = await vscode.window.showQuickPick(
    list.map((t) => ({ label: plainRowText(displayName(t), 100), description: `${t.services.join(', ')} · ${formatRelativeTime(Date.parse(t.startTime), now)}`, traceId: t.traceId })),
    { title, matchOnDescription: true },
  );
  return pick?.traceId;
}

async function withErrors(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    void vscode.window.showErrorMessage(`Agent Trace: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function registerCommands(ctx: Ctx, view: TracesView, diagnostics: RedactionDiagnostics): void {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- VS Code passes untyped command arguments; each handler declares its own
  const reg = (id: string, fn: (...args: any[]) => Promise<unknown> | unknown) =>
    ctx.push(vscode.commands.registerCommand(id, (...args: unknown[]) => withErrors(async () => fn(...args))));

  reg(Commands.restartServer, () =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Agent Trace: restarting server' }, () => ctx.restart()),
  );
  reg(Commands.stopServer, () => ctx.stop());
  reg(Commands.showServerLog, () => ctx.log.show(true));
  reg(Commands.showStatusMenu, () => showStatusMenu(ctx));
  reg(Commands.copyOtlpEnvironment, () => copyOtlpEnvironment(ctx));
  reg(Commands.enableTerminalInjection, () => enableTerminalInjection());
  reg(Commands.enableRecordingProxy, () => enableRecordingProxy());
  reg(Commands.filterTraces, () => view.editFilter());
  reg(Commands.clearFilter, () => view.setFilter({}));

  reg(Commands.openTrace, async (arg: TraceArg, spanId?: unknown, opts?: { preview?: unknown }) => {
    const id = traceIdOf(arg) ?? (await pickTrace(ctx, 'Open trace'));
    if (id) await TracePanel.show(ctx, id, typeof spanId === 'string' ? spanId : undefined, { preview: opts?.preview === true });
  });
  reg(Commands.openLatestTrace, async () => {
    const [latest] = await ctx.request(ListTraces, { limit: 1 });
    if (!latest) {
      void vscode.window.showInformationMessage('Agent Trace: no traces yet. Run your agent with the OTLP environment set.', 'Copy OTLP environment').then((p) => {
        if (p) void vscode.commands.executeCommand(Commands.copyOtlpEnvironment);
      });
      return;
    }
    await TracePanel.show(ctx, latest.traceId);
  });
  reg(Commands.deleteTrace, async (arg: TraceArg) => {
    const id = traceIdOf(arg) ?? (await pickTrace(ctx, 'Delete trace'));
    if (!id) return;
    await ctx.request(DeleteTrace, { traceId: id });
    view.scheduleRefresh();
  });
  reg(Commands.copyTraceId, async (arg: TraceArg) => {
    const id = traceIdOf(arg) ?? (await pickTrace(ctx, 'Copy trace id'));
    if (!id) return;
    await vscode.env.clipboard.writeText(id);
    vscode.window.setStatusBarMessage(`Agent Trace: copied trace id ${id}`, 3000);
  });
  reg(Commands.exportTrace, async (arg: TraceArg) => {
    const id = traceIdOf(arg) ?? (await pickTrace(ctx, 'Export trace'));
    if (!id) return;
    const redacted = await vscode.window.showQuickPick(
      [
        { label: 'As recorded', description: 'every attribute, untouched', redacted: false },
        { label: 'Redacted', description: 'with the workspace redaction policy applied (safe to share)', redacted: true },
      ],
      { title: 'Export trace as OTLP/JSON' },
    );
    if (!redacted) return;
    const policyText = redacted.redacted ? await readPolicy(redactionPolicyUri()) : null;
    const otlp = await ctx.request(ExportTrace, { traceId: id, redacted: redacted.redacted, policyText });
    if (!otlp) throw new Error(`trace ${id} is no longer stored`);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `trace-${id.slice(0, 16)}${redacted.redacted ? '-redacted' : ''}.otlp.json`;
    const target = await vscode.window.showSaveDialog({
      title: 'Export trace as OTLP/JSON',
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: { JSON: ['json'] },
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(JSON.stringify(otlp, null, 2) + '\n'));
    vscode.window.setStatusBarMessage(`Agent Trace: exported trace ${id.slice(0, 8)}…`, 4000);
  });
  reg(Commands.clearTraces, async () => {
    const ok = await vscode.window.showWarningMessage(
      'Delete every stored trace?',
      { modal: true, detail: 'This removes all traces from the Agent Trace database, for every VS Code window that shares it.' },
      'Delete All',
    );
    if (ok !== 'Delete All') return;
    const n = await ctx.request0(ClearTraces);
    vscode.window.setStatusBarMessage(`Agent Trace: deleted ${n} traces`, 4000);
    view.scheduleRefresh();
  });

  // Code lens command (from the server): { file, line } of the lens.
  reg(Commands.showSpansAtLine, async (arg?: { file?: unknown; line?: unknown }) => {
    let file = typeof arg?.file === 'string' ? arg.file : undefined;
    let line = typeof arg?.line === 'number' ? arg.line : undefined;
    const editor = vscode.window.activeTextEditor;
    if ((file === undefined || line === undefined) && editor) {
      file = editor.document.uri.fsPath;
      line = editor.selection.active.line + 1;
    }
    if (file === undefined || line === undefined) return;
    const spans = await ctx.request(SpansAtLine, { file, line, limit: 50 });
    if (!spans.length) {
      void vscode.window.showInformationMessage('Agent Trace: no recorded spans at this line.');
      return;
    }
    let chosen = spans[0];
    if (spans.length > 1) {
      const now = Date.now();
      const pick = await vscode.window.showQuickPick(
        spans.map((s) => ({ label: `${s.failed ? '$(error) ' : ''}${plainRowText(s.name, 100)}`, ...spanAtLineRow(s, now), s })),
        { title: `Spans recorded at line ${line}` },
      );
      if (!pick) return;
      chosen = pick.s;
    }
    await TracePanel.show(ctx, chosen.traceId, chosen.spanId);
  });

  reg(Commands.previewRedaction, async (arg: TraceArg) => {
    const id = traceIdOf(arg) ?? TracePanel.active()?.traceId ?? (await pickTrace(ctx, 'Preview redaction for trace'));
    if (!id) return;
    const name = typeof arg === 'object' && arg ? arg.name : (await ctx.request(GetTrace, { traceId: id }))?.name;
    await RedactionPanel.show(ctx, diagnostics, id, truncate(name || id, 60));
  });
  reg(Commands.previewRedactionAll, () => RedactionPanel.show(ctx, diagnostics, null, 'all traces'));
  reg(Commands.openRedactionPolicy, () => openOrCreatePolicy());
  registerCompareCommands(ctx, Commands, () => TracePanel.active()?.traceId);
  registerForkCommands(ctx);
}
