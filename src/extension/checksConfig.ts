// Sends the workspace's checks file (.agent-trace/checks.json, .yaml or .yml in the first
// workspace folder) to the trace server whenever the server starts or the file is saved,
// created or deleted. The server evaluates the checks and reports the file's problems as
// diagnostics on it (the Problems panel), so this side only reads and forwards text.
import * as vscode from 'vscode';
import { CHECKS_FILES } from '../protocol/defaults';
import { SetChecksConfig } from '../protocol/lsp';
import type { Ctx } from './context';
import { filesSignature, pollFileChanges } from './filePoll';

const DEBOUNCE_MS = 300;

export class ChecksConfigSync implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sentForRun = false;
  /** What the candidate files looked like when last sent (null: nothing sent yet in this run). */
  private sentSignature: string | null = null;

  constructor(private readonly ctx: Ctx) {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder) {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '.agent-trace/checks.{json,yaml,yml}'));
      const changed = () => this.schedule();
      this.disposables.push(watcher, watcher.onDidChange(changed), watcher.onDidCreate(changed), watcher.onDidDelete(changed));
      this.disposables.push(pollFileChanges(candidateUris, () => this.sentSignature, () => this.schedule(0)));
    }
    this.disposables.push(
      ctx.onDidChangeServer(() => {
        // Once per server run: a restarted server starts without checks.
        if (ctx.state !== 'running') {
          this.sentForRun = false;
          this.sentSignature = null;
        } else if (!this.sentForRun) {
          this.sentForRun = true;
          this.schedule(0);
        }
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.schedule()),
    );
  }

  private schedule(delayMs = DEBOUNCE_MS): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.send(), delayMs);
  }

  private async send(): Promise<void> {
    if (!this.ctx.running) return;
    const signature = await filesSignature(candidateUris());
    const file = await findChecksFile();
    try {
      const status = await this.ctx.request(SetChecksConfig, { uri: file?.uri.toString() ?? null, text: file?.text ?? null });
      this.sentSignature = signature;
      if (file) this.ctx.log.info(`checks: ${status.checks} from ${file.uri.fsPath}${status.problems.length ? `, ${status.problems.length} problem(s) (see the Problems panel)` : ''}`);
    } catch (err) {
      this.ctx.log.warn(`checks: could not send ${file?.uri.fsPath ?? 'the checks file'}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The candidate checks files of the first workspace folder, in the order they are looked for. */
function candidateUris(): vscode.Uri[] {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? CHECKS_FILES.map((rel) => vscode.Uri.joinPath(folder.uri, rel)) : [];
}

async function findChecksFile(): Promise<{ uri: vscode.Uri; text: string } | null> {
  for (const uri of candidateUris()) {
    try {
      return { uri, text: new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri)) };
    } catch {
      // not there (or unreadable): try the next name
    }
  }
  return null;
}
