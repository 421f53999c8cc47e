// Reads .agent-trace/checks.json or .agent-trace/checks.yaml with the `yaml` package (JSON is
// YAML 1.2, so one reader keeps line numbers for both). Every problem names its line; a check
// with problems is left out and the others still run.
import { isMap, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import type { StepKind } from '../model';
import { compileUserPattern } from './patterns';
import type { EvaluationThresholds } from '../evaluations';
import {
  CHECK_KINDS, type ArgumentMatcher, type CheckKind, type CheckScope, type CheckSpec, type ChecksConfig, type ChecksProblem,
  type StepSelector, type TextTest,
} from './types';

/** Checks per file at most (each runs on every finished trace). */
export const MAX_CHECKS = 200;
const MAX_ARGUMENT_MATCHERS = 20;
/** A judge check's question and pass criteria, each at most (they go into every judge request). */
const MAX_JUDGE_TEXT = 2_000;
const STEP_KINDS: readonly StepKind[] = ['agent', 'llm', 'tool', 'retriever', 'embedding', 'workflow', 'guardrail', 'other'];
const SENSITIVE_CATEGORIES = ['secret', 'pii', 'person', 'health'];
const MAX_KINDS: Record<string, string> = {
  max_cost: 'USD', max_tokens: 'tokens', max_latency: 'milliseconds', max_llm_calls: 'calls', max_tool_calls: 'calls',
};

type Fields = Record<string, unknown>;

/** Collects one check's problems, each at the line of the field it is about. */
class Problems {
  readonly list: ChecksProblem[] = [];
  constructor(
    private readonly map: YAMLMap,
    private readonly lineOf: (n: Node | null | undefined) => number,
    readonly check: string | null,
    private readonly fallbackLine: number,
  ) {}
  add(field: string | null, message: string): void {
    const node = field === null ? undefined : (this.map.get(field, true) as Node | undefined);
    const line = node ? this.lineOf(node) : this.fallbackLine;
    this.list.push({ line, message: this.check ? `check "${this.check}": ${message}` : message, check: this.check });
  }
}

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

export function parseChecksConfig(text: string): ChecksConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const lineOf = (node: Node | null | undefined): number => (node?.range ? lines.linePos(node.range[0]).line : 1);
  const config: ChecksConfig = { checks: [], problems: [] };
  if (doc.errors.length) {
    for (const e of doc.errors) config.problems.push({ line: lines.linePos(e.pos[0]).line, message: `invalid JSON/YAML: ${e.message.split('\n')[0]}`, check: null });
    return config;
  }
  const root = doc.contents;
  const list = isMap(root) ? root.get('checks', true) : undefined;
  if (isMap(root) && root.has('evaluations')) config.evaluations = readThresholds(root.get('evaluations', true) as Node, lineOf, config.problems);
  if (list === undefined && config.evaluations) return config;
  if (!isSeq(list)) {
    config.problems.push({ line: lineOf(root as Node | null), message: 'expected an object with a "checks" list, e.g. {"checks": [{"name": "weather tool used", "kind": "tool_called", "tool": "get_weather"}]}', check: null });
    return config;
  }
  const seen = new Set<string>();
  list.items.forEach((item, i) => {
    const line = lineOf(item as Node);
    if (i >= MAX_CHECKS) {
      if (i === MAX_CHECKS) config.problems.push({ line, message: `more than ${MAX_CHECKS} checks: the rest are ignored`, check: null });
      return;
    }
    if (!isMap(item)) {
      config.problems.push({ line, message: `check #${i + 1} is not an object with "name" and "kind"`, check: null });
      return;
    }
    const fields = item.toJSON() as Fields;
    const name = nonEmptyString(fields.name) ? fields.name.trim() : null;
    const problems = new Problems(item, lineOf, name, line);
    if (name === null) problems.add('name', `check #${i + 1} needs a "name" (a short phrase, unique in the file)`);
    else if (seen.has(name)) problems.add('name', 'another check has the same name');
    const spec = readCheck(fields, name ?? '', line, problems);
    config.problems.push(...problems.list);
    if (spec && problems.list.length === 0) {
      seen.add(spec.name);
      config.checks.push(spec);
    }
  });
  return config;
}

function readCheck(f: Fields, name: string, line: number, p: Problems): CheckSpec | null {
  if (typeof f.kind !== 'string' || !(CHECK_KINDS as readonly string[]).includes(f.kind)) {
    p.add('kind', `"kind" must be one of ${CHECK_KINDS.join(', ')}`);
    return null;
  }
  const kind = f.kind as CheckKind;
  const base = { name, line, scope: readScope(f.scope, p) };
  switch (kind) {
    case 'tool_called':
    case 'tool_not_called': {
      const tool = requireString(f, 'tool', p);
      const args = readArgumentMatchers(f.arguments, p);
      if (kind === 'tool_not_called') return tool === null ? null : { ...base, kind, tool, arguments: args };
      const min = f.min === undefined ? 1 : count(f, 'min', p);
      const max = f.max === undefined ? null : count(f, 'max', p);
      if (min !== null && max !== null && max < min) p.add('max', '"max" is smaller than "min"');
      return tool === null || min === null ? null : { ...base, kind, tool, arguments: args, min, max };
    }
    case 'final_answer': {
      const tests = readFinalAnswerTests(f, p);
      return tests.length ? { ...base, kind, tests } : null;
    }
    case 'max_cost':
    case 'max_tokens':
    case 'max_latency':
    case 'max_llm_calls':
    case 'max_tool_calls': {
      const max = f.max;
      if (typeof max !== 'number' || !Number.isFinite(max) || max < 0) {
        p.add('max', `"max" must be a number ≥ 0 (${MAX_KINDS[kind]})`);
        return null;
      }
      return { ...base, kind, max };
    }
    case 'no_errors':
      return { ...base, kind };
    case 'no_sensitive_data': {
      const categories = f.categories === undefined ? ['secret', 'pii'] : f.categories;
      if (!Array.isArray(categories) || categories.length === 0 || categories.some((c) => !SENSITIVE_CATEGORIES.includes(c as string))) {
        p.add('categories', `"categories" must be a non-empty list of ${SENSITIVE_CATEGORIES.join(', ')}`);
        return null;
      }
      return { ...base, kind, categories: categories as string[] };
    }
    case 'step_order': {
      const first = readSelector(f, 'first', p);
      const then = readSelector(f, 'then', p);
      return first && then ? { ...base, kind, first, then } : null;
    }
    case 'judge': {
      const question = requireString(f, 'question', p);
      if (question !== null && question.length > MAX_JUDGE_TEXT) p.add('question', `"question" is longer than ${MAX_JUDGE_TEXT} characters`);
      const passWhen = f.passWhen === undefined ? null : requireString(f, 'passWhen', p);
      if (passWhen !== null && passWhen.length > MAX_JUDGE_TEXT) p.add('passWhen', `"passWhen" is longer than ${MAX_JUDGE_TEXT} characters`);
      return question === null ? null : { ...base, kind, question, passWhen };
    }
    case 'max_repeats': {
      const tool = f.tool === undefined ? null : requireString(f, 'tool', p);
      const max = count(f, 'max', p);
      if (f.sameArguments !== undefined && typeof f.sameArguments !== 'boolean') p.add('sameArguments', '"sameArguments" must be true or false');
      return max === null ? null : { ...base, kind, tool, max, sameArguments: f.sameArguments === true };
    }
  }
}

function requireString(f: Fields, key: string, p: Problems): string | null {
  if (!nonEmptyString(f[key])) {
    p.add(key, `"${key}" must be a non-empty string`);
    return null;
  }
  return (f[key] as string).trim();
}

function count(f: Fields, key: string, p: Problems): number | null {
  const v = f[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    p.add(key, `"${key}" must be a whole number ≥ 0`);
    return null;
  }
  return v;
}

function readScope(v: unknown, p: Problems): CheckScope | null {
  if (v === undefined) return null;
  if (!isObject(v)) {
    p.add('scope', '"scope" must be an object with "agent", "service" and/or "attributes"');
    return null;
  }
  const scope: CheckScope = {};
  for (const key of Object.keys(v)) {
    if (!['agent', 'service', 'attributes'].includes(key)) p.add('scope', `"scope" has an unknown field "${key}" (agent, service, attributes)`);
  }
  for (const key of ['agent', 'service'] as const) {
    if (v[key] === undefined) continue;
    if (nonEmptyString(v[key])) scope[key] = v[key];
    else p.add('scope', `"scope.${key}" must be a non-empty string`);
  }
  if (v.attributes !== undefined) {
    const attrs = v.attributes;
    if (!isObject(attrs) || Object.values(attrs).some((a) => !['string', 'number', 'boolean'].includes(typeof a))) {
      p.add('scope', '"scope.attributes" must map attribute keys to strings, numbers or booleans');
    } else {
      scope.attributes = attrs as Record<string, string | number | boolean>;
    }
  }
  if (Object.keys(v).length === 0) p.add('scope', '"scope" names nothing to narrow by');
  return scope;
}

/** "a.b[0].c" → ["a", "b", "0", "c"]. */
function parsePath(text: string): string[] | null {
  const parts: string[] = [];
  for (const segment of text.split('.')) {
    const m = /^([^[\]]*)((?:\[\d{1,6}\])*)$/.exec(segment);
    if (!m) return null;
    if (m[1]) parts.push(m[1]);
    for (const idx of m[2].match(/\d+/g) ?? []) parts.push(idx);
  }
  return parts.length ? parts : null;
}

function readArgumentMatchers(v: unknown, p: Problems): ArgumentMatcher[] {
  if (v === undefined) return [];
  const usage = '"arguments" must be a list of {"path": "city", "equals" | "contains" | "matches": …}';
  if (!Array.isArray(v) || v.length > MAX_ARGUMENT_MATCHERS) {
    p.add('arguments', `${usage} (at most ${MAX_ARGUMENT_MATCHERS})`);
    return [];
  }
  const out: ArgumentMatcher[] = [];
  v.forEach((m: unknown, i) => {
    const at = `"arguments" #${i + 1}`;
    if (!isObject(m) || !nonEmptyString(m.path)) return p.add('arguments', `${at}: ${usage}`);
    const path = parsePath(m.path);
    if (!path) return p.add('arguments', `${at}: "path" must be keys separated by dots, with [n] for list items (e.g. "location.city" or "items[0].id")`);
    const tests = ['equals', 'contains', 'matches'].filter((k) => m[k] !== undefined);
    if (tests.length !== 1) return p.add('arguments', `${at}: give exactly one of "equals", "contains", "matches"`);
    const matcher: ArgumentMatcher = { path, pathText: m.path };
    if (m.equals !== undefined) matcher.equals = m.equals;
    if (m.contains !== undefined) {
      if (typeof m.contains !== 'string') return p.add('arguments', `${at}: "contains" must be a string`);
      matcher.contains = m.contains;
    }
    if (m.matches !== undefined) {
      const re = typeof m.matches === 'string' ? compileUserPattern(m.matches, m.ignoreCase === true) : '"matches" must be a string (a regular expression)';
      if (typeof re === 'string') return p.add('arguments', `${at}: ${re}`);
      matcher.matches = re;
    }
    out.push(matcher);
  });
  return out;
}

function readFinalAnswerTests(f: Fields, p: Problems): { test: TextTest; negate: boolean }[] {
  const tests: { test: TextTest; negate: boolean }[] = [];
  const ignoreCase = f.ignoreCase === true;
  for (const [key, negate, isRegex] of [['matches', false, true], ['notMatches', true, true], ['contains', false, false], ['notContains', true, false]] as const) {
    const v = f[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '') {
      p.add(key, `"${key}" must be a non-empty string`);
      continue;
    }
    if (isRegex) {
      const re = compileUserPattern(v, ignoreCase);
      if (typeof re === 'string') p.add(key, `"${key}": ${re}`);
      else tests.push({ test: { regex: re, contains: null, ignoreCase, label: `/${v}/${ignoreCase ? 'i' : ''}` }, negate });
    } else {
      tests.push({ test: { regex: null, contains: ignoreCase ? v.toLowerCase() : v, ignoreCase, label: JSON.stringify(v) }, negate });
    }
  }
  if (tests.length === 0 && p.list.length === 0) p.add(null, 'a final_answer check needs "matches", "notMatches", "contains" or "notContains"');
  return tests;
}

function readSelector(f: Fields, key: string, p: Problems): StepSelector | null {
  const v = f[key];
  if (typeof v === 'string' && v.trim()) return { tool: v.trim() };
  const usage = `"${key}" must be a tool name or an object with "tool", "name", "kind", "model" and/or "agent"`;
  if (!isObject(v)) {
    p.add(key, usage);
    return null;
  }
  const sel: StepSelector = {};
  for (const [k, val] of Object.entries(v)) {
    if (!['tool', 'name', 'kind', 'model', 'agent'].includes(k) || !nonEmptyString(val)) {
      p.add(key, usage);
      return null;
    }
    if (k === 'kind' && !STEP_KINDS.includes(val as StepKind)) {
      p.add(key, `"${key}.kind" must be one of ${STEP_KINDS.join(', ')}`);
      return null;
    }
    (sel as Record<string, string>)[k] = val;
  }
  if (Object.keys(sel).length === 0) p.add(key, usage);
  return sel;
}

/** Evaluations per file with a threshold at most. */
const MAX_THRESHOLDS = 200;

/**
 * `evaluations: { relevance: { minScore: 0.7 }, toxicity: { maxScore: 0.2 } }`: an evaluation
 * result of that name (gen_ai.evaluation.name) fails outside the bounds and passes within them.
 * A bad entry is reported at its line and left out.
 */
function readThresholds(node: Node | undefined, lineOf: (n: Node | null | undefined) => number, problems: ChecksProblem[]): EvaluationThresholds {
  const out: EvaluationThresholds = {};
  const usage = '"evaluations" maps an evaluation name to {"minScore": n} and/or {"maxScore": n}';
  if (!isMap(node)) {
    problems.push({ line: lineOf(node), message: usage, check: null });
    return out;
  }
  node.items.slice(0, MAX_THRESHOLDS).forEach((pair) => {
    const key = pair.key as Node;
    const name = isScalarText(key);
    const line = lineOf((pair.value as Node | null) ?? key);
    const v = (pair.value as Node | null)?.toJSON() as unknown;
    const bounds = isObject(v) ? v : null;
    const ok =
      name !== null && bounds !== null && Object.keys(bounds).length > 0 &&
      Object.entries(bounds).every(([k, n]) => (k === 'minScore' || k === 'maxScore') && typeof n === 'number' && Number.isFinite(n));
    if (!ok) {
      problems.push({ line, message: `${name === null ? 'an evaluation threshold' : `evaluation "${name}"`}: ${usage}`, check: null });
      return;
    }
    out[name] = { ...(bounds.minScore !== undefined ? { minScore: bounds.minScore as number } : {}), ...(bounds.maxScore !== undefined ? { maxScore: bounds.maxScore as number } : {}) };
  });
  return out;
}

function isScalarText(n: Node | null | undefined): string | null {
  const v = n?.toJSON() as unknown;
  return nonEmptyString(v) ? v.trim() : null;
}
