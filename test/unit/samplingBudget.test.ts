// A suggestion's budget: percent as given, traces per second against the observed arrival rate.
import assert from 'node:assert/strict';
import { budgetAsPercent, observedArrivalRate, parseBudget } from '../../src/core/sampling';

const arrivals = (ms: number[]) => ms.map((arrivalMs) => ({ arrivalMs }));

describe('sampling budget', () => {
  it('reads percent and traces per second from what a user types', () => {
    assert.deepEqual(parseBudget('10%'), { unit: 'percent', value: 10 });
    assert.deepEqual(parseBudget(' 2.5 '), { unit: 'percent', value: 2.5 });
    assert.deepEqual(parseBudget('0.5/s'), { unit: 'tracesPerSecond', value: 0.5 });
    assert.deepEqual(parseBudget('3 traces/s'), { unit: 'tracesPerSecond', value: 3 });
    assert.equal(parseBudget('lots'), null);
    assert.equal(parseBudget('-1%'), null);
  });

  it('observes the arrival rate as (n − 1) arrivals over first-to-last', () => {
    assert.equal(observedArrivalRate(arrivals([0, 1000, 2000, 3000, 4000])), 1);
    assert.equal(observedArrivalRate(arrivals([0, 500])), 2);
    assert.equal(observedArrivalRate(arrivals([7])), null);
    assert.equal(observedArrivalRate(arrivals([5, 5, 5])), null);
  });

  it('turns traces per second into the percent of the observed rate, capped at 100', () => {
    const ten = arrivals(Array.from({ length: 11 }, (_, i) => i * 100)); // 10 traces/s
    assert.deepEqual(budgetAsPercent({ unit: 'tracesPerSecond', value: 1 }, ten), { ok: true, percent: 10, observedPerSecond: 10 });
    assert.deepEqual(budgetAsPercent({ unit: 'tracesPerSecond', value: 50 }, ten), { ok: true, percent: 100, observedPerSecond: 10 });
    assert.deepEqual(budgetAsPercent({ unit: 'percent', value: 5 }, ten), { ok: true, percent: 5, observedPerSecond: 10 });
  });

  it('says why a budget cannot be used', () => {
    const r = budgetAsPercent({ unit: 'tracesPerSecond', value: 1 }, arrivals([1]));
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.message : '', /observed arrival rate/);
    assert.equal(budgetAsPercent({ unit: 'percent', value: 150 }, arrivals([])).ok, false);
    assert.equal(budgetAsPercent({ unit: 'percent', value: 0 }, arrivals([])).ok, false);
  });
});
