// Pure matching logic behind "open source" and "resolve source" (no `vscode` import: unit-tested).
import type { SpanDto } from '../../protocol/dto';

export type Confidence = 'high' | 'medium' | 'low';

export function normalizePath(p: string): string {
  let s = p.trim();
  if (s.startsWith('file://')) {
    s = decodeURIComponent(s.slice('file://'.length));
    if (/^\/[A-Za-z]:/.test(s)) s = s.slice(1);
  }
  s = s.replace(/\\/g, '/').replace(/\/{2,}/g, '/');
  if (s.length > 1 && s.endsWith('/')) s = s.slice(0, -1);
  return s;
}

function eq(a: string, b: string, caseInsensitive: boolean): boolean {
  return caseInsensitive ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** True when `file` equals `folder` or lies below it (segment-aware: /ws2 is not inside /ws). */
export function isInsideFolder(file: string, folder: string, caseInsensitive = false): boolean {
  const f = normalizePath(file);
  const d = normalizePath(folder);
  if (eq(f, d, caseInsensitive)) return true;
  const prefix = d.endsWith('/') ? d : `${d}/`;
  return eq(f.slice(0, prefix.length), prefix, caseInsensitive);
}

export function isInsideAny(file: string, folders: readonly string[], caseInsensitive = false): boolean {
  return folders.some((d) => isInsideFolder(file, d, caseInsensitive));
}

/**
 * Rewrites the longest matching recorded prefix (e.g. a container's `/app`) to its local
 * counterpart. Returns null when no mapping applies.
 */
export function applyPathMappings(file: string, mappings: Record<string, string>, caseInsensitive = false): string | null {
  const f = normalizePath(file);
  let best: { from: string; to: string } | null = null;
  for (const [fromRaw, toRaw] of Object.entries(mappings)) {
    if (typeof toRaw !== 'string' || !fromRaw.trim()) continue;
    const from = normalizePath(fromRaw);
    if (!isInsideFolder(f, from, caseInsensitive)) continue;
    if (!best || from.length > best.from.length) best = { from, to: normalizePath(toRaw) };
  }
  if (!best) return null;
  const rest = f.slice(best.from.length).replace(/^\//, '');
  return rest ? `${best.to.replace(/\/$/, '')}/${rest}` : best.to;
}

/** Trailing path pieces, longest first: a/b/c.py → [a/b/c.py, b/c.py, c.py]. */
export function pathSuffixes(file: string, maxSegments = 6): string[] {
  const segs = normalizePath(file).split('/').filter((s) => s && s !== '.' && !/^[A-Za-z]:$/.test(s));
  const out: string[] = [];
  for (let n = Math.min(maxSegments, segs.length); n >= 1; n--) out.push(segs.slice(segs.length - n).join('/'));
  return out;
}

/** How many trailing path segments two paths share. */
export function commonSuffixSegments(a: string, b: string, caseInsensitive = false): number {
  const x = normalizePath(a).split('/');
  const y = normalizePath(b).split('/');
  let n = 0;
  while (n < x.length && n < y.length && eq(x[x.length - 1 - n], y[y.length - 1 - n], caseInsensitive)) n++;
  return n;
}

/**
 * Picks the workspace file that best matches a recorded path from another machine by shared
 * trailing segments. Only the file name in common is too weak when several files share it.
 */
export function bestSuffixMatch(
  recorded: string,
  candidates: readonly string[],
  caseInsensitive = false,
): { path: string; segments: number; confidence: Confidence } | null {
  let best: { path: string; segments: number } | null = null;
  let tie = false;
  for (const c of candidates) {
    const n = commonSuffixSegments(recorded, c, caseInsensitive);
    if (n === 0) continue;
    if (!best || n > best.segments) {
      best = { path: c, segments: n };
      tie = false;
    } else if (n === best.segments) tie = true;
  }
  if (!best) return null;
  if (tie && best.segments < 2) return null;
  const confidence: Confidence = tie ? 'low' : best.segments >= 2 ? 'high' : 'medium';
  return { ...best, confidence };
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** get_weather ⇄ getWeather ⇄ GetWeather: tool names often differ in case style from the code. */
export function identifierVariants(name: string): string[] {
  const out = new Set<string>();
  if (!IDENT.test(name)) return [];
  out.add(name);
  if (name.includes('_')) {
    const camel = name.toLowerCase().replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase()).replace(/_+$/, '');
    if (IDENT.test(camel)) {
      out.add(camel);
      out.add(camel[0].toUpperCase() + camel.slice(1));
    }
  } else if (/[a-z][A-Z]/.test(name)) {
    out.add(name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase());
  }
  return [...out];
}

const OPERATION_PREFIX = /^(execute_tool|invoke_agent|create_agent|tool|agent|workflow|task|chain|retriever|embeddings?)[\s:.]+/i;

/**
 * Names worth looking up as code symbols for a span, best first: the recorded function, the
 * tool name, the agent name, then the span name without its operation prefix. LLM span names
 * ("chat gpt-4o") name a model, not code, and are skipped.
 */
export function namesForSpan(span: Pick<SpanDto, 'name' | 'kind' | 'tool' | 'agentName' | 'source'>): string[] {
  const raw: (string | null | undefined)[] = [span.source?.function, span.tool?.name, span.agentName];
  if (span.kind !== 'llm' && span.kind !== 'embedding') raw.push(span.name.replace(OPERATION_PREFIX, ''));
  const out: string[] = [];
  for (const r of raw) {
    if (!r) continue;
    const trimmed = r.trim();
    const last = trimmed.split(/[.:/]/).filter(Boolean).pop() ?? '';
    for (const cand of [trimmed, last]) {
      if (cand.length >= 3 && IDENT.test(cand) && !out.includes(cand)) out.push(cand);
    }
  }
  return out;
}

/** VS Code symbol names can carry parameters or a container prefix: "get_weather(city)", "Agent.run". */
export function symbolNameMatches(symbolName: string, wanted: string): boolean {
  const base = symbolName.replace(/\(.*$/, '').trim();
  if (base === wanted) return true;
  const last = base.split('.').pop();
  return last === wanted;
}

export type MatchStrength = 'definition' | 'reference';

export interface TextMatch {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  strength: MatchStrength;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Definitions (function/def/class/const =, method, tool registration by name) and, when no
 * definition is on a line, references (calls, quoted names) of `name` in one file's text.
 */
export function findNameInText(text: string, name: string): TextMatch[] {
  if (!IDENT.test(name)) return [];
  const n = escapeRegExp(name);
  const definition = [
    new RegExp(`\\b(?:function\\*?|def|class|fn|func|interface|struct)\\s+(${n})\\b`),
    new RegExp(`\\b(?:const|let|var)\\s+(${n})\\s*(?::[^=]+)?=`),
    new RegExp(`^\\s*(?:(?:public|private|protected|static|async|export|override)\\s+)*(${n})\\s*\\([^)]*\\)\\s*(?::[^{]*)?\\{\\s*$`),
    new RegExp(`\\b(${n})\\s*[:=]\\s*(?:async\\s*)?(?:function\\b|\\([^)]*\\)\\s*=>|[A-Za-z_$][\\w$]*\\s*=>)`),
    new RegExp(`\\bname\\s*[:=]\\s*(['"\`])(${n})\\1`),
    new RegExp(`@\\w*tool\\w*\\(\\s*(?:name\\s*=\\s*)?(['"])(${n})\\1`),
  ];
  const reference = [new RegExp(`\\b(${n})\\s*\\(`), new RegExp(`(['"\`])(${n})\\1`)];
  const out: TextMatch[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.includes(name)) continue;
    const hit = (res: RegExp[]) => {
      for (const re of res) {
        const m = re.exec(line);
        if (m) return m.index + m[0].indexOf(name);
      }
      return -1;
    };
    let col = hit(definition);
    if (col >= 0) {
      out.push({ line: i + 1, column: col + 1, strength: 'definition' });
      continue;
    }
    col = hit(reference);
    if (col >= 0) out.push({ line: i + 1, column: col + 1, strength: 'reference' });
  }
  return out;
}

/**
 * A piece of a prompt likely to appear verbatim in the source that wrote it: one line, no
 * quotes or braces (templates and escapes differ between the code and the recorded text),
 * cut at a word boundary. Null when the prompt has nothing distinctive enough.
 */
export function distinctiveSnippet(prompt: string | null | undefined, maxLength = 60): string | null {
  if (!prompt) return null;
  let best: string | null = null;
  for (const rawLine of prompt.split(/\r?\n/)) {
    for (const piece of rawLine.split(/["'`{}\\$<>]/)) {
      const p = piece.trim().replace(/\s+/g, ' ');
      if (p.length < 20) continue;
      if ((p.match(/[A-Za-z]/g)?.length ?? 0) < p.length * 0.6) continue;
      let cut = p;
      if (cut.length > maxLength) {
        cut = cut.slice(0, maxLength);
        const sp = cut.lastIndexOf(' ');
        if (sp >= 20) cut = cut.slice(0, sp);
      }
      if (!best || cut.length > best.length) best = cut;
    }
  }
  return best;
}

/** 1-based position of the first occurrence of `snippet` in `text`, whitespace-insensitive within a line. */
export function findSnippet(text: string, snippet: string): { line: number; column: number } | null {
  const re = new RegExp(snippet.split(' ').map(escapeRegExp).join('[ \\t]+'));
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = re.exec(lines[i]);
    if (m) return { line: i + 1, column: m.index + 1 };
  }
  return null;
}

/** The system prompt, else the first user message: where a snippet search starts. */
export function promptTextForSpan(span: Pick<SpanDto, 'messages'>): string | null {
  const input = span.messages.filter((m) => m.direction === 'input' && m.content);
  return (input.find((m) => m.role === 'system') ?? input.find((m) => m.role === 'user'))?.content ?? null;
}

export type ResolveHow = 'symbol' | 'text';

/** How sure a found location is, from what found it and how many places matched. */
export function confidenceFor(kind: 'symbol' | 'definition' | 'reference' | 'prompt', matches: number): Confidence {
  if (matches <= 0) return 'low';
  switch (kind) {
    case 'symbol':
    case 'definition':
      return matches === 1 ? 'high' : 'medium';
    case 'prompt':
      return matches === 1 ? 'medium' : 'low';
    case 'reference':
      return 'low';
  }
}
