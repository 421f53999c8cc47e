// Finds code for spans that recorded no location: workspace symbols for the function, tool or
// agent name, then a text search for definitions, then a distinctive piece of the prompt.
import * as vscode from 'vscode';
import type { SpanDto } from '../../protocol/dto';
import { workspaceFolderPaths } from '../settings';
import { EXCLUDE_GLOB } from './openSource';
import {
  confidenceFor,
  distinctiveSnippet,
  findNameInText,
  findSnippet,
  identifierVariants,
  namesForSpan,
  promptTextForSpan,
  symbolNameMatches,
  type Confidence,
  type ResolveHow,
} from './sourceMatch';
import { isInsideAny } from '../../core/sourcePaths';

export interface ResolvedSource {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  how: ResolveHow;
  confidence: Confidence;
}

const CODE_GLOB = '**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs,py,go,rs,java,kt,cs,rb,php,swift,scala}';
const PROMPT_GLOB = '**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs,py,go,rs,java,kt,cs,rb,php,swift,scala,md,txt,yaml,yml,json,toml,prompt,j2,jinja,jinja2,hbs,mustache}';
const MAX_FILES = 3000;
const MAX_FILE_BYTES = 1_000_000;

const SYMBOL_KINDS = new Set([
  vscode.SymbolKind.Function,
  vscode.SymbolKind.Method,
  vscode.SymbolKind.Class,
  vscode.SymbolKind.Constructor,
  vscode.SymbolKind.Variable,
  vscode.SymbolKind.Constant,
  vscode.SymbolKind.Property,
  vscode.SymbolKind.Field,
  vscode.SymbolKind.Object,
]);

async function bySymbol(names: string[], folders: string[]): Promise<ResolvedSource | null> {
  for (const name of names) {
    for (const variant of identifierVariants(name)) {
      let symbols: vscode.SymbolInformation[] | undefined;
      try {
        symbols = await vscode.commands.executeCommand<vscode.SymbolInformation[]>('vscode.executeWorkspaceSymbolProvider', variant);
      } catch {
        symbols = undefined;
      }
      const hits = (symbols ?? []).filter(
        (s) => SYMBOL_KINDS.has(s.kind) && symbolNameMatches(s.name, variant) && s.location.uri.scheme === 'file' && isInsideAny(s.location.uri.fsPath, folders),
      );
      if (!hits.length) continue;
      // Functions and methods first: a tool is usually implemented by one.
      hits.sort((a, b) => rank(a.kind) - rank(b.kind));
      const h = hits[0];
      return {
        file: h.location.uri.fsPath,
        line: h.location.range.start.line + 1,
        column: h.location.range.start.character + 1,
        how: 'symbol',
        confidence: confidenceFor('symbol', hits.length),
      };
    }
  }
  return null;
}

function rank(k: vscode.SymbolKind): number {
  return k === vscode.SymbolKind.Function || k === vscode.SymbolKind.Method ? 0 : k === vscode.SymbolKind.Class ? 1 : 2;
}

async function readText(uri: vscode.Uri): Promise<string | null> {
  try {
    const st = await vscode.workspace.fs.stat(uri);
    if (st.size > MAX_FILE_BYTES) return null;
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return null;
  }
}

async function byText(names: string[], token: vscode.CancellationToken): Promise<ResolvedSource | null> {
  if (!names.length) return null;
  const wanted = names.flatMap((n) => identifierVariants(n));
  const files = await vscode.workspace.findFiles(CODE_GLOB, EXCLUDE_GLOB, MAX_FILES, token);
  const defs = new Map<string, { file: string; line: number; column: number }[]>();
  const refs = new Map<string, { file: string; line: number; column: number }[]>();
  for (const uri of files) {
    if (token.isCancellationRequested) return null;
    const text = await readText(uri);
    if (!text) continue;
    for (const name of wanted) {
      if (!text.includes(name)) continue;
      for (const m of findNameInText(text, name)) {
        const target = m.strength === 'definition' ? defs : refs;
        const list = target.get(name) ?? [];
        list.push({ file: uri.fsPath, line: m.line, column: m.column });
        target.set(name, list);
      }
    }
  }
  for (const name of wanted) {
    const d = defs.get(name);
    if (d?.length) return { ...d[0], how: 'text', confidence: confidenceFor('definition', d.length) };
  }
  for (const name of wanted) {
    const r = refs.get(name);
    if (r?.length) return { ...r[0], how: 'text', confidence: confidenceFor('reference', r.length) };
  }
  return null;
}

async function byPrompt(span: SpanDto, token: vscode.CancellationToken): Promise<ResolvedSource | null> {
  const snippet = distinctiveSnippet(promptTextForSpan(span));
  if (!snippet) return null;
  const files = await vscode.workspace.findFiles(PROMPT_GLOB, EXCLUDE_GLOB, MAX_FILES, token);
  const hits: { file: string; line: number; column: number }[] = [];
  for (const uri of files) {
    if (token.isCancellationRequested) return null;
    const text = await readText(uri);
    if (!text) continue;
    const at = findSnippet(text, snippet);
    if (at) hits.push({ file: uri.fsPath, ...at });
  }
  if (!hits.length) return null;
  return { ...hits[0], how: 'text', confidence: confidenceFor('prompt', hits.length) };
}

/** Looks for the code behind a span that carries no source location. */
export async function resolveSpanSource(span: SpanDto): Promise<ResolvedSource | null> {
  const folders = workspaceFolderPaths();
  if (!folders.length) return null;
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `Agent Trace: looking for the code of "${span.name.slice(0, 60)}"`, cancellable: false },
    async () => {
      const cts = new vscode.CancellationTokenSource();
      try {
        const names = namesForSpan(span);
        return (await bySymbol(names, folders)) ?? (await byText(names, cts.token)) ?? (await byPrompt(span, cts.token));
      } finally {
        cts.dispose();
      }
    },
  );
}
