// Evaluation results the agent sends: each shape read into one record (OTel GenAI span events
// and log records, OpenInference evaluator spans), pass/fail/info by labels and thresholds, the
// checks file's `evaluations` thresholds with their lines, and the trace panel's lines.
import { strict as assert } from 'node:assert';
import { parseChecksConfig } from '../../src/core/checks';
import { classifyEvaluation, evaluationFromLog, evaluationsFromSpan } from '../../src/core/evaluations';
import type { Attributes, RawEvent, RawLogRecord, RawSpan } from '../../src/core/model';
import { evaluationLines } from '../../webview/trace/detailModel';

const TRACE = 'ab'.repeat(16);
const SPAN = 'cd'.repeat(8);

function span(o: { attributes?: Attributes; events?: RawEvent[]; parent?: string | null; name?: string } = {}): RawSpan {
  return {
    traceId: TRACE, spanId: SPAN, parentSpanId: o.parent ?? null, name: o.name ?? 'chat gpt-4o', kind: 'client',
    startUnixNanos: '1000', endUnixNanos: '2000', status: { code: 'unset', message: '' },
    attributes: o.attributes ?? {}, events: o.events ?? [], links: [], resource: {}, scope: { name: 't', version: '1' },
  };
}

function log(o: Partial<RawLogRecord>): RawLogRecord {
  return {
    traceId: TRACE, spanId: SPAN, timeUnixNanos: '3000', severityText: '', severityNumber: 0, eventName: 'gen_ai.evaluation.result',
    body: null, attributes: {}, resource: {}, scope: { name: 't', version: '1' }, ...o,
  };
}

describe('evaluation results: reading each shape', () => {
  it('reads gen_ai.evaluation.result span events, about the span carrying them', () => {
    const s = span({
      events: [
        { name: 'gen_ai.evaluation.result', timeUnixNanos: '1500', attributes: {
          'gen_ai.evaluation.name': 'relevance', 'gen_ai.evaluation.score.value': 0.42, 'gen_ai.evaluation.score.label': 'not_relevant',
          'gen_ai.evaluation.explanation': 'talks about Lyon', 'gen_ai.response.id': 'chatcmpl-1' } },
        { name: 'gen_ai.content.prompt', timeUnixNanos: '1200', attributes: { 'gen_ai.evaluation.name': 'ignored' } },
        { name: 'gen_ai.evaluation.result', timeUnixNanos: '1600', attributes: { 'gen_ai.evaluation.name': 'goal', 'gen_ai.evaluation.score.value': '0.9' } },
      ],
    });
    const got = evaluationsFromSpan(s);
    assert.equal(got.length, 2);
    assert.deepEqual(
      { ...got[0], key: undefined },
      { traceId: TRACE, spanId: SPAN, responseId: 'chatcmpl-1', name: 'relevance', scoreValue: 0.42, scoreLabel: 'not_relevant',
        explanation: 'talks about Lyon', timeUnixNanos: '1500', source: 'span-event', key: undefined },
    );
    assert.equal(got[1].scoreValue, 0.9, 'a score sent as text is read as a number');
    assert.equal(got[1].scoreLabel, null);
    // A retried export gives the same keys (stored once); another event gives another key.
    assert.deepEqual(evaluationsFromSpan(s).map((e) => e.key), got.map((e) => e.key));
    assert.notEqual(got[0].key, got[1].key);
  });

  it('skips an event without a name, or with neither score nor label, and log records attached to the span', () => {
    const s = span({
      events: [
        { name: 'gen_ai.evaluation.result', timeUnixNanos: '1', attributes: { 'gen_ai.evaluation.score.value': 1 } },
        { name: 'gen_ai.evaluation.result', timeUnixNanos: '2', attributes: { 'gen_ai.evaluation.name': 'x', 'gen_ai.evaluation.explanation': 'no verdict' } },
        { name: 'gen_ai.evaluation.result', timeUnixNanos: '3', attributes: { 'gen_ai.evaluation.name': 'x', 'gen_ai.evaluation.score.label': 'pass' }, fromLog: { severityText: '', body: null } },
      ],
    });
    assert.deepEqual(evaluationsFromSpan(s), []);
  });

  it('reads log records by event_name or the event.name attribute, attributes first and a map body filling in', () => {
    const byEventName = evaluationFromLog(log({ attributes: { 'gen_ai.evaluation.name': 'correctness', 'gen_ai.evaluation.score.label': 'incorrect' } }));
    assert.equal(byEventName?.name, 'correctness');
    assert.equal(byEventName?.spanId, SPAN);
    assert.equal(byEventName?.source, 'log-record');
    const byAttribute = evaluationFromLog(log({ eventName: '', attributes: { 'event.name': 'gen_ai.evaluation.result', 'gen_ai.evaluation.name': 'a', 'gen_ai.evaluation.score.value': 1 } }));
    assert.equal(byAttribute?.scoreValue, 1);
    const body = evaluationFromLog(log({
      spanId: null, body: { 'gen_ai.evaluation.name': 'tone', 'gen_ai.evaluation.score.value': 0.2, 'gen_ai.response.id': 'resp_9' },
      attributes: { 'gen_ai.evaluation.score.value': 0.3 },
    }));
    assert.deepEqual([body?.name, body?.scoreValue, body?.responseId, body?.spanId], ['tone', 0.3, 'resp_9', null]);
    assert.equal(evaluationFromLog(log({ eventName: 'gen_ai.client.inference.operation.details', attributes: { 'gen_ai.evaluation.name': 'a', 'gen_ai.evaluation.score.value': 1 } })), null);
  });

  it('reads an OpenInference EVALUATOR span: output.value JSON, about its parent step', () => {
    const s = span({
      name: 'Evaluator: hallucination', parent: 'ef'.repeat(8),
      attributes: { 'openinference.span.kind': 'EVALUATOR', 'output.value': JSON.stringify({ label: 'hallucinated', score: 0, explanation: 'invents a forecast' }) },
    });
    const [e] = evaluationsFromSpan(s);
    assert.deepEqual([e.name, e.spanId, e.scoreLabel, e.scoreValue, e.explanation, e.source], ['Evaluator: hallucination', 'ef'.repeat(8), 'hallucinated', 0, 'invents a forecast', 'openinference']);
    const named = evaluationsFromSpan(span({ attributes: { 'openinference.span.kind': 'EVALUATOR', 'metadata.evaluator_name': 'qa', 'output.value': '{"score": 0.8}' } }));
    assert.deepEqual([named[0].name, named[0].spanId], ['qa', SPAN], 'a root evaluator span is about itself');
    assert.deepEqual(evaluationsFromSpan(span({ attributes: { 'openinference.span.kind': 'EVALUATOR', 'output.value': 'looks fine' } })), []);
    assert.deepEqual(evaluationsFromSpan(span({ attributes: { 'openinference.span.kind': 'LLM', 'output.value': '{"label": "fail"}' } })), []);
  });

  it('cuts long untrusted text', () => {
    const [e] = evaluationsFromSpan(span({
      events: [{ name: 'gen_ai.evaluation.result', timeUnixNanos: '1', attributes: { 'gen_ai.evaluation.name': 'n'.repeat(10_000), 'gen_ai.evaluation.score.label': 'pass', 'gen_ai.evaluation.explanation': 'e'.repeat(1_000_000) } }],
    }));
    assert.ok(e.name.length <= 201 && e.explanation!.length <= 4001);
  });
});

describe('evaluation results: pass, fail or informational', () => {
  const e = (name: string, scoreValue: number | null, scoreLabel: string | null) => ({ name, scoreValue, scoreLabel });
  it('fails on a failing label whatever the score, passes on a passing one, else is informational', () => {
    for (const label of ['fail', 'FAILED', 'Incorrect', 'false', 'no', 'not relevant', 'not-relevant', 'hallucinated']) assert.equal(classifyEvaluation(e('x', 1, label)), 'fail', label);
    for (const label of ['pass', 'Correct', 'yes', 'relevant']) assert.equal(classifyEvaluation(e('x', null, label)), 'pass', label);
    assert.equal(classifyEvaluation(e('x', 0.1, 'medium')), 'info');
    assert.equal(classifyEvaluation(e('x', 0.1, null)), 'info', 'a score without a threshold says nothing');
  });
  it('judges the score by the threshold declared for the name', () => {
    const t = { relevance: { minScore: 0.7 }, toxicity: { maxScore: 0.2 } };
    assert.equal(classifyEvaluation(e('relevance', 0.69, null), t), 'fail');
    assert.equal(classifyEvaluation(e('relevance', 0.7, null), t), 'pass');
    assert.equal(classifyEvaluation(e('toxicity', 0.5, null), t), 'fail');
    assert.equal(classifyEvaluation(e('toxicity', 0.1, 'fail'), t), 'fail', 'a failing label fails within the threshold too');
    assert.equal(classifyEvaluation(e('other', 0.1, null), t), 'info');
    assert.equal(classifyEvaluation(e('toString', 0.1, null), t), 'info', 'names are looked up as own keys only');
  });
});

describe('checks file: evaluation thresholds', () => {
  it('reads them beside the checks, and reports a bad entry at its line', () => {
    const config = parseChecksConfig(['checks:', '  - { name: no errors, kind: no_errors }', 'evaluations:', '  relevance: { minScore: 0.7 }', '  toxicity:', '    maxScore: high', '  tone: {}'].join('\n'));
    assert.deepEqual(config.evaluations, { relevance: { minScore: 0.7 } });
    assert.equal(config.checks.length, 1);
    assert.deepEqual(config.problems.map((p) => [p.line, p.message.split(':')[0]]), [[6, 'evaluation "toxicity"'], [7, 'evaluation "tone"']]);
  });
  it('accepts a file with thresholds only', () => {
    const config = parseChecksConfig('{"evaluations": {"faithfulness": {"minScore": 3, "maxScore": 5}}}');
    assert.deepEqual(config, { checks: [], problems: [], evaluations: { faithfulness: { minScore: 3, maxScore: 5 } } });
  });
});

describe('trace panel: a step evaluation lines', () => {
  it('lists failed results first, with score and label as one text', () => {
    const base = { explanation: null, source: 'span-event', spanId: SPAN, responseId: null, time: '' };
    const lines = evaluationLines([
      { ...base, name: 'goal', scoreValue: 0.9, scoreLabel: null, outcome: 'info' },
      { ...base, name: 'relevance', scoreValue: 0.42, scoreLabel: 'not_relevant', outcome: 'fail', explanation: '<b>Lyon</b>' },
    ]);
    assert.deepEqual(lines.map((l) => [l.mark, l.name, l.score, l.explanation]), [['✗', 'relevance', '0.42 · not_relevant', '<b>Lyon</b>'], ['•', 'goal', '0.9', '']]);
    assert.deepEqual(evaluationLines(undefined), []);
  });
});
