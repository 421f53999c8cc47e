// Wires the features into the composition root. Activation stays light: the server starts in
// the background (not awaited), so the editor is not held up while it binds its ports.
import type * as vscode from 'vscode';
import { registerAgentAccess } from './agentAccess';
import { ChecksConfigSync } from './checksConfig';
import { registerCommands } from './commands';
import { Ctx } from './context';
import { StatusBar } from './statusBar';
import { registerTerminalEnvironment } from './terminalEnv';
import { TracesView } from './tracesView';
import { RedactionDiagnostics } from './webviews/redactionPanel';
import { TracePanel } from './webviews/tracePanel';
import { registerSamplingLab } from './webviews/samplingLabPanel';
import { registerFleetView } from './webviews/fleetPanel';
import { registerBatchCommands } from './batchCommands';

export function activateContext(extension: vscode.ExtensionContext): Ctx {
  const ctx = new Ctx(extension);
  const view = new TracesView(ctx);
  const diagnostics = new RedactionDiagnostics();
  ctx.push(new StatusBar(ctx), view, diagnostics, new ChecksConfigSync(ctx), { dispose: () => TracePanel.disposeAll() });
  registerCommands(ctx, view, diagnostics);
  registerTerminalEnvironment(ctx);
  registerAgentAccess(ctx);
  registerSamplingLab(ctx);
  registerFleetView(ctx);
  registerBatchCommands(ctx);
  void ctx.start();
  return ctx;
}
