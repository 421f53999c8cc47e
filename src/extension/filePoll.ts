// File watchers miss some changes (a folder created together with the file, remote hosts such as
// code-server). Where a workspace file drives what we show (the checks file, the redaction
// policy), a cheap stat of it every 2 s catches the rest; this is that one mechanism.
import * as vscode from 'vscode';

const POLL_MS = 2_000;

/** Modification time and size of each file ('-' when absent), in one string. */
export async function filesSignature(uris: readonly vscode.Uri[]): Promise<string> {
  const parts = await Promise.all(
    uris.map((uri) =>
      Promise.resolve(vscode.workspace.fs.stat(uri)).then(
        (st) => `${st.mtime}:${st.size}`,
        () => '-',
      ),
    ),
  );
  return parts.join('|');
}

/**
 * Calls `onChange` when the files' signature differs from `actedOn()` (the signature last acted
 * on; null: nothing acted on yet, so nothing to compare).
 */
export function pollFileChanges(uris: () => readonly vscode.Uri[], actedOn: () => string | null, onChange: () => void): vscode.Disposable {
  const timer = setInterval(() => {
    void filesSignature(uris()).then((now) => {
      const last = actedOn();
      if (last !== null && now !== last) onChange();
    });
  }, POLL_MS);
  return { dispose: () => clearInterval(timer) };
}
