// Activation only: everything else lives in the composition root.
import type * as vscode from 'vscode';
import { activateContext } from './activate';
import type { Ctx } from './context';

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  ctx = activateContext(context);
  // bench/activation.ts reads this line from the "Agent Trace" log.
  ctx.log.info(`activated in ${(performance.now() - started).toFixed(1)} ms`);
}

export async function deactivate(): Promise<void> {
  const c = ctx;
  ctx = undefined;
  await c?.dispose();
}
