// Opens a recorded source location. Workspace files open directly; a recorded path from a
// container or another machine is mapped (agentTrace.source.pathMappings) or matched by its
// trailing segments against workspace files; anything outside the workspace needs a modal yes.
import * as vscode from 'vscode';
import { pathMappings, workspaceFolderPaths } from '../settings';
import { Settings, ConfigSection } from '../ids';
import { bestSuffixMatch, normalizePath, pathSuffixes, recordedPathCandidates } from '../../core/sourcePaths';

export const EXCLUDE_GLOB = '**/{node_modules,.git,dist,out,build,.venv,venv,__pycache__,.tox,target,.next}/**';

const caseInsensitive = process.platform === 'win32' || process.platform === 'darwin';

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    const st = await vscode.workspace.fs.stat(uri);
    return (st.type & vscode.FileType.File) !== 0;
  } catch {
    return false;
  }
}

function hasGlobChars(s: string): boolean {
  return /[*?[\]{}!]/.test(s);
}

export type LocatedFile = { uri: vscode.Uri; inWorkspace: boolean };

/**
 * Where a recorded file is on this machine, or null. The candidates are normalized (`..`
 * resolved, file URIs decoded) before the workspace check (recordedPathCandidates), so
 * `/ws/../etc/passwd` counts as outside the workspace and opens only after asking.
 */
export async function locateRecordedFile(recorded: string): Promise<LocatedFile | null> {
  const folders = workspaceFolderPaths();
  const candidates = recordedPathCandidates(recorded, folders, pathMappings(), caseInsensitive);
  const plain = normalizePath(recorded);
  if (!candidates || plain === null) return null;
  for (const c of candidates) {
    if (c.inWorkspace && (await exists(vscode.Uri.file(c.path)))) return { uri: vscode.Uri.file(c.path), inWorkspace: true };
  }
  // Recorded elsewhere (container, CI, a colleague's machine): match trailing segments.
  for (const suffix of pathSuffixes(plain)) {
    if (hasGlobChars(suffix)) continue;
    const found = await vscode.workspace.findFiles(`**/${suffix}`, EXCLUDE_GLOB, 50);
    if (!found.length) continue;
    const best = bestSuffixMatch(plain, found.map((u) => u.fsPath), caseInsensitive);
    if (best) return { uri: vscode.Uri.file(best.path), inWorkspace: true };
    break;
  }
  for (const c of candidates) {
    if (!c.inWorkspace && (await exists(vscode.Uri.file(c.path)))) return { uri: vscode.Uri.file(c.path), inWorkspace: false };
  }
  return null;
}

/**
 * Where a source opens. `beside`: next to the panel that asked (ViewColumn.Beside), keeping
 * focus there, so step → code → next step needs no tab switch and the trace stays visible.
 */
export interface RevealOptions {
  beside?: boolean;
}

/** Opens `uri` at a 1-based line/column. */
export async function revealLocation(uri: vscode.Uri, line: number | null, column: number | null, opts: RevealOptions = {}): Promise<vscode.TextEditor> {
  const pos = new vscode.Position(Math.max(0, (line ?? 1) - 1), Math.max(0, (column ?? 1) - 1));
  const editor = await vscode.window.showTextDocument(uri, {
    selection: new vscode.Range(pos, pos),
    preview: true,
    ...(opts.beside ? { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true } : {}),
  });
  editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}

/**
 * Opens a recorded source location. Returns false (after telling the user why) when the file
 * is not found or the user declined to open a file outside the workspace.
 */
export async function openRecordedSource(file: string, line: number | null, column: number | null, opts: RevealOptions = {}): Promise<boolean> {
  const located = await locateRecordedFile(file);
  if (!located) {
    const pick = await vscode.window.showWarningMessage(
      `Agent Trace: the recorded source file was not found in this workspace: ${file}`,
      { detail: 'If the agent ran in a container or on another machine, map its path prefix in the setting agentTrace.source.pathMappings.' },
      'Open Setting',
    );
    if (pick) await vscode.commands.executeCommand('workbench.action.openSettings', `${ConfigSection}.${Settings.sourcePathMappings}`);
    return false;
  }
  if (!located.inWorkspace) {
    const ok = await vscode.window.showWarningMessage(
      'Open file outside the workspace?',
      { modal: true, detail: `The span recorded a source file outside the open workspace:\n${located.uri.fsPath}` },
      'Open',
    );
    if (ok !== 'Open') return false;
  }
  await revealLocation(located.uri, line, column, opts);
  return true;
}
