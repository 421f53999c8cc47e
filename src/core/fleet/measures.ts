// What each fleet measure is for one run, how it is binned, and how it reads in a sentence.
import { formatCost, formatCount, formatDuration } from '../format';
import type { BinScale } from './stats';
import type { FleetMeasure, FleetRun } from './types';

/**
 * One run's value of a measure; null when the run has none (unknown cost or tokens, no check
 * evaluated). The rates are per run 0 or 1 (the run had an error span; every check of the run
 * passed), so their mean over runs is the batch's rate.
 */
export function measureOf(run: FleetRun, measure: FleetMeasure): number | null {
  switch (measure) {
    case 'durationMs':
      return run.durationMs;
    case 'totalTokens':
      return run.totalTokens;
    case 'costUsd':
      return run.costUsd;
    case 'llmCalls':
      return run.llmCalls;
    case 'toolCalls':
      return run.toolCalls;
    case 'errorRate':
      return run.errorCount > 0 ? 1 : 0;
    case 'checkPassRate':
      return checksPassed(run);
  }
}

/** 1 when every check evaluated on the run passed, 0 when one failed or could not be evaluated, null when none ran. */
export function checksPassed(run: FleetRun): number | null {
  if (!run.checks || run.checks.size === 0) return null;
  for (const outcome of run.checks.values()) if (outcome !== 'pass') return 0;
  return 1;
}

export const binScaleOf = (measure: FleetMeasure): BinScale =>
  measure === 'errorRate' || measure === 'checkPassRate' ? 'rate' : measure === 'llmCalls' || measure === 'toolCalls' ? 'integer' : 'auto';

/** The numeric measures (compared by rank, not as proportions). */
export const NUMERIC_MEASURES = ['durationMs', 'totalTokens', 'costUsd', 'llmCalls', 'toolCalls'] as const;
export type NumericMeasure = (typeof NUMERIC_MEASURES)[number];

const LABELS: Record<FleetMeasure, string> = {
  durationMs: 'latency',
  totalTokens: 'tokens',
  costUsd: 'cost',
  llmCalls: 'LLM calls',
  toolCalls: 'tool calls',
  errorRate: 'error rate',
  checkPassRate: 'check pass rate',
};

export const measureLabel = (measure: FleetMeasure): string => LABELS[measure];

/** A value of the measure as text, through the one formatting module. */
export function formatMeasure(measure: FleetMeasure, value: number): string {
  switch (measure) {
    case 'durationMs':
      return formatDuration(value);
    case 'costUsd':
      return formatCost(value);
    case 'errorRate':
    case 'checkPassRate':
      return formatPercent(value);
    default:
      return formatCount(value);
  }
}

/** A fraction as a percentage: whole numbers, one decimal when rounding would hide it ("0.4%", "99.5%"). */
export function formatPercent(fraction: number): string {
  const pct = fraction * 100;
  const whole = Math.round(pct);
  if (Math.abs(pct - whole) < 0.05 || (pct >= 1 && pct <= 99)) return `${whole}%`;
  return `${pct.toFixed(1)}%`;
}
