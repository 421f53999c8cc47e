// Activation only: everything else lives in the composition root.
import type * as vscode from 'vscode';
import { activateContext } from './activate';
import type { Ctx } from './context';

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): void {
  ctx = activateContext(context);
}

export async function deactivate(): Promise<void> {
  const c = ctx;
  ctx = undefined;
  await c?.dispose();
}
