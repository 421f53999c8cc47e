// The compare panel's view model: F7 / Shift+F7 navigation, the shared waterfall scale, texts.
import * as assert from 'node:assert/strict';
import type { CompareResultDto, CompareRowDto, CompareStepDto } from '../../src/protocol/compare';
import { barOf, changeOrdinal, formatMetricDelta, nextChange, stepLabel, timeScaleMs } from '../../webview/compare/compareModel';

const step = (over: Partial<CompareStepDto> = {}): CompareStepDto => ({
  spanId: 's', name: 'chat gpt-4o', kind: 'llm', operation: 'chat', tool: null, model: 'gpt-4o', offsetMs: 0, durationMs: 10, status: 'unset', ...over,
});
const row = (status: CompareRowDto['status'], i: number): CompareRowDto => ({
  step: i + 1, depth: 0, status, a: status === 'added' ? null : step(), b: status === 'removed' ? null : step(), changed: [],
});

describe('compare panel model', () => {
  const rows = ['same', 'changed', 'same', 'added', 'same', 'removed'].map((s, i) => row(s as CompareRowDto['status'], i));

  it('F7 goes to the next change and wraps around; Shift+F7 goes back', () => {
    assert.equal(nextChange(rows, -1, 1), 1);
    assert.equal(nextChange(rows, 1, 1), 3);
    assert.equal(nextChange(rows, 5, 1), 1);
    assert.equal(nextChange(rows, 3, -1), 1);
    assert.equal(nextChange(rows, 1, -1), 5);
    assert.equal(nextChange(rows, -1, -1), 5);
    assert.equal(nextChange([row('same', 0)], 0, 1), -1);
    assert.equal(changeOrdinal(rows, 3), 2);
    assert.equal(changeOrdinal(rows, 2), 0);
  });

  it('draws both waterfalls on one time scale: the longer run fills the width', () => {
    const result = {
      a: { durationMs: 100 }, b: { durationMs: 200 },
      rows: [{ ...row('same', 0), a: step({ offsetMs: 50, durationMs: 50 }), b: step({ offsetMs: 100, durationMs: 100 }) }],
    } as unknown as CompareResultDto;
    const scale = timeScaleMs(result);
    assert.equal(scale, 200);
    assert.deepEqual(barOf(result.rows[0].a!, scale), { leftPct: 25, widthPct: 25 });
    assert.deepEqual(barOf(result.rows[0].b!, scale), { leftPct: 50, widthPct: 50 });
  });

  it('labels tool calls by tool name and signs deltas', () => {
    assert.equal(stepLabel(step({ kind: 'tool', tool: 'get_weather', name: 'execute_tool get_weather' })), 'get_weather');
    assert.equal(formatMetricDelta('durationMs', -1500), '−1.5 s');
    assert.equal(formatMetricDelta('llmCalls', 1), '+1');
    assert.equal(formatMetricDelta('costUsd', null), '');
    assert.equal(formatMetricDelta('errors', 0), '±0');
  });
});
