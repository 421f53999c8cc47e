// The detailed differences of one aligned pair: message text word by word (jsdiff), tool
// arguments and results as a structural JSON diff, and the plain values (model, parameters,
// usage, cost, status, error). Unchanged fields are listed by name only, so views fold them.
import { diffArrays, diffWords } from 'diff';
import type { ChatMessage, Usage } from '../model';
import { changedFields, COMPARE_FIELDS, messageText, type CompareField } from './fields';
import type { CompareStep, StepParams } from './steps';

export interface TextPart {
  op: 'equal' | 'insert' | 'delete';
  text: string;
}

export interface MessageDiff {
  role: string;
  status: 'same' | 'changed' | 'added' | 'removed';
  /** Word-level diff of the message text (content and requested tool calls). */
  parts: TextPart[];
}

export interface JsonChange {
  /** JSON path, e.g. `$.city` or `$.items[2]`. */
  path: string;
  op: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

/** Tool arguments or result: a structural diff when both sides are JSON, else a word diff. */
export type ValueDiff = { format: 'json'; changes: JsonChange[] } | { format: 'text'; parts: TextPart[] };

export interface PairDiff {
  /** Only the fields that differ are present; `unchanged` names the others. */
  changed: CompareField[];
  unchanged: CompareField[];
  name?: { before: string; after: string };
  model?: { before: string | null; after: string | null };
  agent?: { before: string | null; after: string | null };
  parameters?: { before: StepParams; after: StepParams };
  input?: MessageDiff[];
  output?: MessageDiff[];
  tool?: { before: string | null; after: string | null };
  arguments?: ValueDiff;
  result?: ValueDiff;
  status?: { before: string; after: string };
  error?: { before: string | null; after: string | null };
  usage?: { before: Usage; after: Usage };
  cost?: { before: number | null; after: number | null };
  /** Always present: two runs never take the same time, so it never counts as a change. */
  durationMs: { before: number; after: number };
}

/** Untrusted texts are long sometimes: word diffs beyond this edit length or time show as replaced whole. */
const MAX_WORD_EDITS = 5_000;
const MAX_WORD_DIFF_MS = 200;
const MAX_JSON_CHANGES = 500;
const MAX_JSON_CHARS = 200_000;
/** Deeper than this, a differing subtree is reported as one change (bounds recursion on hostile nesting). */
const MAX_JSON_DEPTH = 32;
/** Values nested deeper than this are not diffed or shown (see jsonDiff). */
const MAX_JSON_NESTING = 256;
const TOO_DEEP = `(nested more than ${MAX_JSON_NESTING} levels deep: not shown)`;
const MAX_ARRAY_EDITS = 1_000;
const MAX_ARRAY_DIFF_MS = 100;

/** Word-level diff by jsdiff; gives up (whole text replaced) when the texts are too different to be worth it. */
export function wordDiff(before: string, after: string): TextPart[] {
  if (before === after) return before ? [{ op: 'equal', text: before }] : [];
  const changes = diffWords(before, after, { maxEditLength: MAX_WORD_EDITS, timeout: MAX_WORD_DIFF_MS });
  if (!changes) return [...(before ? [{ op: 'delete' as const, text: before }] : []), ...(after ? [{ op: 'insert' as const, text: after }] : [])];
  return changes.map((c) => ({ op: c.added ? 'insert' : c.removed ? 'delete' : 'equal', text: c.value }));
}

function parseJson(text: string | null): { ok: true; value: unknown } | { ok: false } {
  if (text === null || text.length > MAX_JSON_CHARS) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Iterative, so a hostile depth cannot overflow the stack while measuring it. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d >= limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return false;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const textOf = (x: unknown): string => JSON.stringify(x) ?? 'undefined';
const same = (x: unknown, y: unknown): boolean => textOf(x) === textOf(y);
const keyPath = (path: string, key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);

/**
 * Structural diff of two JSON values: objects by key, arrays aligned by jsdiff's diffArrays
 * (deep equality) so an inserted element does not mark every later one as changed.
 */
export function jsonDiff(before: unknown, after: unknown, path = '$', out: JsonChange[] = [], depth = 0): JsonChange[] {
  if (depth === 0 && (nestedDeeperThan(before, MAX_JSON_NESTING) || nestedDeeperThan(after, MAX_JSON_NESTING))) {
    // JSON.parse accepts any nesting but JSON.stringify (our comparisons, the LSP's own
    // serialization) overflows the stack on a few thousand levels: such values are not shown.
    out.push({ path, op: 'changed', before: TOO_DEEP, after: TOO_DEEP });
    return out;
  }
  if (out.length >= MAX_JSON_CHANGES || same(before, after)) return out;
  if (depth >= MAX_JSON_DEPTH) {
    out.push({ path, op: 'changed', before, after });
    return out;
  }
  if (isObject(before) && isObject(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const p = keyPath(path, key);
      if (!(key in after)) out.push({ path: p, op: 'removed', before: before[key] });
      else if (!(key in before)) out.push({ path: p, op: 'added', after: after[key] });
      else jsonDiff(before[key], after[key], p, out, depth + 1);
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) return arrayDiff(before, after, path, out, depth);
  out.push({ path, op: 'changed', before, after });
  return out;
}

function arrayDiff(before: unknown[], after: unknown[], path: string, out: JsonChange[], depth: number): JsonChange[] {
  let i = 0;
  let j = 0;
  let removed: number[] = [];
  // Elements compared by their JSON text, computed once; a hopeless alignment reports the array as changed.
  const changes = diffArrays(before.map(textOf), after.map(textOf), { maxEditLength: MAX_ARRAY_EDITS, timeout: MAX_ARRAY_DIFF_MS });
  if (!changes) {
    out.push({ path, op: 'changed', before, after });
    return out;
  }
  for (const c of changes) {
    const count = c.count ?? c.value.length;
    if (c.removed) {
      removed = Array.from({ length: count }, (_, k) => i + k);
      i += count;
    } else if (c.added) {
      // A removal followed by an addition at the same place is a change of those elements.
      for (let k = 0; k < count; k++, j++) {
        const r = removed.shift();
        if (r !== undefined) jsonDiff(before[r], after[j], `${path}[${j}]`, out, depth + 1);
        else out.push({ path: `${path}[${j}]`, op: 'added', after: after[j] });
      }
    } else {
      i += count;
      j += count;
    }
    if (!c.removed) {
      for (const r of removed) out.push({ path: `${path}[${r}]`, op: 'removed', before: before[r] });
      removed = [];
    }
  }
  for (const r of removed) out.push({ path: `${path}[${r}]`, op: 'removed', before: before[r] });
  return out;
}

export function valueDiff(before: string | null, after: string | null): ValueDiff {
  const a = parseJson(before);
  const b = parseJson(after);
  if (a.ok && b.ok && (typeof a.value === 'object' || typeof b.value === 'object')) return { format: 'json', changes: jsonDiff(a.value, b.value) };
  return { format: 'text', parts: wordDiff(before ?? '', after ?? '') };
}

interface MessageItem {
  role: string;
  text: string;
}

/** Messages aligned by jsdiff (equal role and text anchor), then a word diff for each replaced message of the same role. */
export function messagesDiff(before: readonly ChatMessage[], after: readonly ChatMessage[]): MessageDiff[] {
  const item = (m: ChatMessage): MessageItem => ({ role: m.role, text: messageText(m) });
  const out: MessageDiff[] = [];
  let removed: MessageItem[] = [];
  const flushRemoved = () => {
    for (const old of removed) out.push({ role: old.role, status: 'removed', parts: [{ op: 'delete', text: old.text }] });
    removed = [];
  };
  const changes = diffArrays(before.map(item), after.map(item), {
    comparator: (x, y) => x.role === y.role && x.text === y.text,
    maxEditLength: MAX_ARRAY_EDITS,
    timeout: MAX_ARRAY_DIFF_MS,
  }) ?? [
    // Too different to align: every message of A replaced by B's, paired by role below.
    { value: before.map(item), removed: true, added: false, count: before.length },
    { value: after.map(item), removed: false, added: true, count: after.length },
  ];
  for (const c of changes) {
    if (c.removed) {
      removed.push(...c.value);
      continue;
    }
    for (const m of c.value) {
      if (!c.added) {
        out.push({ role: m.role, status: 'same', parts: [{ op: 'equal', text: m.text }] });
        continue;
      }
      const r = removed.findIndex((x) => x.role === m.role);
      if (r < 0) {
        out.push({ role: m.role, status: 'added', parts: [{ op: 'insert', text: m.text }] });
        continue;
      }
      const [old] = removed.splice(r, 1);
      out.push({ role: m.role, status: 'changed', parts: wordDiff(old.text, m.text) });
    }
    flushRemoved();
  }
  flushRemoved();
  return out;
}

const byDirection = (messages: readonly ChatMessage[], direction: 'input' | 'output') => messages.filter((m) => m.direction === direction);

/** Every difference of one aligned pair, with the unchanged fields named so views can fold them. */
export function diffPair(a: CompareStep, b: CompareStep): PairDiff {
  const changed = changedFields(a, b);
  const has = new Set(changed);
  const diff: PairDiff = {
    changed,
    unchanged: COMPARE_FIELDS.filter((f) => !has.has(f)),
    durationMs: { before: a.durationMs, after: b.durationMs },
  };
  if (has.has('name')) diff.name = { before: a.name, after: b.name };
  if (has.has('model')) diff.model = { before: a.model, after: b.model };
  if (has.has('agent')) diff.agent = { before: a.agentName, after: b.agentName };
  if (has.has('parameters')) diff.parameters = { before: a.params, after: b.params };
  if (has.has('input')) diff.input = messagesDiff(byDirection(a.messages, 'input'), byDirection(b.messages, 'input'));
  if (has.has('output')) diff.output = messagesDiff(byDirection(a.messages, 'output'), byDirection(b.messages, 'output'));
  if (has.has('tool')) diff.tool = { before: a.tool?.name ?? null, after: b.tool?.name ?? null };
  if (has.has('arguments')) diff.arguments = valueDiff(a.tool?.arguments ?? null, b.tool?.arguments ?? null);
  if (has.has('result')) diff.result = valueDiff(a.tool?.result ?? null, b.tool?.result ?? null);
  if (has.has('status')) diff.status = { before: a.status, after: b.status };
  if (has.has('error')) diff.error = { before: a.error?.message ?? null, after: b.error?.message ?? null };
  if (has.has('usage')) diff.usage = { before: a.usage, after: b.usage };
  if (has.has('cost')) diff.cost = { before: a.costUsd, after: b.costUsd };
  return diff;
}
