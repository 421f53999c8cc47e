// Pure matching logic behind "open source" and "resolve source" (no `vscode` import: unit-tested).
import type { SpanDto } from '../../protocol/dto';

import { type Confidence } from '../../core/sourcePaths';

export type { Confidence };

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
