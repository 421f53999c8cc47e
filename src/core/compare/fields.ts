// Which fields of an aligned pair of steps differ. Cheap equality only (no text diff), so it
// runs for every pair of two large traces; the detailed diff of one pair is pairDiff.ts.
import type { ChatMessage, SpanError, Usage } from '../model';
import type { CompareStep, StepParams } from './steps';

/**
 * The fields a pair can differ in. Duration is not one of them: two runs never take exactly the
 * same time, so it is shown for every pair but never marks a step as changed.
 */
export type CompareField =
  | 'name'
  | 'model'
  | 'agent'
  | 'parameters'
  | 'input'
  | 'output'
  | 'tool'
  | 'arguments'
  | 'result'
  | 'status'
  | 'error'
  | 'usage'
  | 'cost'
  /** The fork step of a fork and its original: what the fork edited there (never computed from the steps, see compareRuns). */
  | 'edit';

export const COMPARE_FIELDS: readonly CompareField[] = [
  'name', 'model', 'agent', 'parameters', 'input', 'output', 'tool', 'arguments', 'result', 'status', 'error', 'usage', 'cost',
];

/** Fields that describe what went into a step (as opposed to what came out of it). */
export const INPUT_FIELDS: ReadonlySet<CompareField> = new Set<CompareField>(['name', 'model', 'agent', 'parameters', 'input', 'tool', 'arguments', 'edit']);

/**
 * A message as compared: role, content and requested tool calls. Call ids are left out on
 * purpose: providers mint new ones every run, so they would mark every step as changed.
 */
export function messageText(m: ChatMessage): string {
  const calls = m.toolCalls.map((c) => `→ ${c.name}(${c.arguments})`);
  return [m.content ?? '', ...calls].filter((s) => s !== '').join('\n');
}

/** Same role, text and requested calls (ids aside) for the messages of one direction; no strings built. */
function sameMessages(a: readonly ChatMessage[], b: readonly ChatMessage[], direction: 'input' | 'output'): boolean {
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < a.length && a[i].direction !== direction) i++;
    while (j < b.length && b[j].direction !== direction) j++;
    if (i === a.length || j === b.length) return i === a.length && j === b.length;
    const x = a[i++];
    const y = b[j++];
    if (x.role !== y.role || (x.content ?? '') !== (y.content ?? '') || x.toolCalls.length !== y.toolCalls.length) return false;
    for (let k = 0; k < x.toolCalls.length; k++) {
      if (x.toolCalls[k].name !== y.toolCalls[k].name || x.toolCalls[k].arguments !== y.toolCalls[k].arguments) return false;
    }
  }
}

const sameUsage = (a: Usage, b: Usage): boolean =>
  a.inputTokens === b.inputTokens &&
  a.outputTokens === b.outputTokens &&
  a.cacheReadTokens === b.cacheReadTokens &&
  a.cacheWriteTokens === b.cacheWriteTokens &&
  a.reasoningTokens === b.reasoningTokens;

function sameParams(a: StepParams, b: StepParams): boolean {
  if (a.temperature !== b.temperature || a.maxTokens !== b.maxTokens) return false;
  const x = a.toolsOffered;
  const y = b.toolsOffered;
  if (x === null || y === null) return x === y;
  return x.length === y.length && x.every((name, k) => name === y[k]);
}

const sameError = (a: SpanError | null, b: SpanError | null): boolean =>
  a === null || b === null ? a === b : a.type === b.type && a.message === b.message && a.stacktrace === b.stacktrace;

/** Costs are floats computed from prices: equal within a part per billion. */
export function sameCost(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

export function changedFields(a: CompareStep, b: CompareStep): CompareField[] {
  const changed: CompareField[] = [];
  const check = (field: CompareField, same: boolean) => {
    if (!same) changed.push(field);
  };
  check('name', a.name === b.name);
  check('model', a.model === b.model);
  check('agent', a.agentName === b.agentName);
  check('parameters', sameParams(a.params, b.params));
  check('input', sameMessages(a.messages, b.messages, 'input'));
  check('output', sameMessages(a.messages, b.messages, 'output'));
  check('tool', (a.tool?.name ?? null) === (b.tool?.name ?? null));
  check('arguments', (a.tool?.arguments ?? null) === (b.tool?.arguments ?? null));
  check('result', (a.tool?.result ?? null) === (b.tool?.result ?? null));
  check('status', a.status === b.status);
  check('error', sameError(a.error, b.error));
  check('usage', sameUsage(a.usage, b.usage));
  check('cost', sameCost(a.costUsd, b.costUsd));
  return changed;
}
