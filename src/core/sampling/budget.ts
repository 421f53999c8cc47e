// A sampling budget as the user states it (percent of traces, or traces per second) turned into
// the percent the suggested policy fills: traces per second need the observed arrival rate.
import type { SamplingTrace } from './types';

export type SamplingBudget = { unit: 'percent'; value: number } | { unit: 'tracesPerSecond'; value: number };

/**
 * Traces per second over the stored arrival times: (n − 1) arrivals over the time from the first
 * to the last. null with fewer than two traces or all at one instant (no rate to observe).
 */
export function observedArrivalRate(traces: readonly Pick<SamplingTrace, 'arrivalMs'>[]): number | null {
  if (traces.length < 2) return null;
  let first = Infinity;
  let last = -Infinity;
  for (const t of traces) {
    first = Math.min(first, t.arrivalMs);
    last = Math.max(last, t.arrivalMs);
  }
  const seconds = (last - first) / 1000;
  return seconds > 0 ? (traces.length - 1) / seconds : null;
}

/** "10%", "10", "0.5/s", "2 traces/s" → a budget; null when the text is neither. */
export function parseBudget(text: string): SamplingBudget | null {
  const m = /^(\d+(?:\.\d+)?)(%|\/s|traces\/s|tps)?$/i.exec(text.replace(/\s+/g, ''));
  if (!m) return null;
  const value = Number(m[1]);
  return m[2] && m[2] !== '%' ? { unit: 'tracesPerSecond', value } : { unit: 'percent', value };
}

export type BudgetPercent = { ok: true; percent: number; observedPerSecond: number | null } | { ok: false; message: string };

/** The budget as a percent of traces (capped at 100). */
export function budgetAsPercent(budget: SamplingBudget, traces: readonly Pick<SamplingTrace, 'arrivalMs'>[]): BudgetPercent {
  const rate = observedArrivalRate(traces);
  if (!Number.isFinite(budget.value) || budget.value <= 0) return { ok: false, message: 'The budget must be a positive number.' };
  if (budget.unit === 'percent') {
    if (budget.value > 100) return { ok: false, message: `A budget in percent is at most 100, not ${budget.value}.` };
    return { ok: true, percent: budget.value, observedPerSecond: rate };
  }
  if (rate === null) return { ok: false, message: 'A budget in traces per second needs an observed arrival rate: at least two stored traces at different times. Give the budget in percent instead.' };
  return { ok: true, percent: Math.min(100, (budget.value / rate) * 100), observedPerSecond: rate };
}
