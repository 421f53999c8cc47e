// Which fields of an aligned pair of steps differ. Cheap equality only (no text diff), so it
// runs for every pair of two large traces; the detailed diff of one pair is pairDiff.ts.
import type { ChatMessage, Usage } from '../model';
import type { CompareStep } from './steps';

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
  | 'cost';

export const COMPARE_FIELDS: readonly CompareField[] = [
  'name', 'model', 'agent', 'parameters', 'input', 'output', 'tool', 'arguments', 'result', 'status', 'error', 'usage', 'cost',
];

/** Fields that describe what went into a step (as opposed to what came out of it). */
export const INPUT_FIELDS: ReadonlySet<CompareField> = new Set<CompareField>(['name', 'model', 'agent', 'parameters', 'input', 'tool', 'arguments']);

/**
 * A message as compared: role, content and requested tool calls. Call ids are left out on
 * purpose: providers mint new ones every run, so they would mark every step as changed.
 */
export function messageText(m: ChatMessage): string {
  const calls = m.toolCalls.map((c) => `→ ${c.name}(${c.arguments})`);
  return [m.content ?? '', ...calls].filter((s) => s !== '').join('\n');
}

const messagesKey = (messages: readonly ChatMessage[], direction: 'input' | 'output'): string =>
  JSON.stringify(messages.filter((m) => m.direction === direction).map((m) => [m.role, messageText(m)]));

const usageKey = (u: Usage): string => JSON.stringify([u.inputTokens, u.outputTokens, u.cacheReadTokens, u.cacheWriteTokens, u.reasoningTokens]);

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
  check('parameters', JSON.stringify(a.params) === JSON.stringify(b.params));
  check('input', messagesKey(a.messages, 'input') === messagesKey(b.messages, 'input'));
  check('output', messagesKey(a.messages, 'output') === messagesKey(b.messages, 'output'));
  check('tool', (a.tool?.name ?? null) === (b.tool?.name ?? null));
  check('arguments', (a.tool?.arguments ?? null) === (b.tool?.arguments ?? null));
  check('result', (a.tool?.result ?? null) === (b.tool?.result ?? null));
  check('status', a.status === b.status);
  check('error', JSON.stringify(a.error) === JSON.stringify(b.error));
  check('usage', usageKey(a.usage) === usageKey(b.usage));
  check('cost', sameCost(a.costUsd, b.costUsd));
  return changed;
}
