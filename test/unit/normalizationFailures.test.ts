// A span that breaks a convention reader is kept with what could be read, and the failure is
// counted on the span and shown as a trace warning, never swallowed.
import assert from 'node:assert/strict';
import { canonicalize } from '../../src/core/canonicalize';
import type { Attributes, RawSpan } from '../../src/core/model';
import { normalize } from '../../src/core/normalize';
import { summarizeTrace } from '../../src/core/tree';
import { normalizationWarnings, traceToDetailDto } from '../../src/server/toDto';
import { DEEP_ARGUMENTS_MESSAGES } from '../support/hostileSpans';


const raw = (id: string, attributes: Attributes): RawSpan => ({
  traceId: 't', spanId: id, parentSpanId: null, name: `span ${id}`, kind: 'client', startUnixNanos: '1000', endUnixNanos: '2000',
  status: { code: 'unset', message: '' }, attributes, events: [], links: [], resource: {}, scope: { name: 'x', version: '' },
});

const hostile = (id: string) => raw(id, { 'gen_ai.operation.name': 'chat', 'gen_ai.input.messages': DEEP_ARGUMENTS_MESSAGES });

describe('normalization failures are counted and shown', () => {
  it('records which reader failed and why, and keeps what the other readers found', () => {
    const n = normalize(raw('a', { 'gen_ai.input.messages': DEEP_ARGUMENTS_MESSAGES, 'llm.token_count.prompt': 12, 'openinference.span.kind': 'LLM' }));
    assert.deepEqual(n.failures, ['otel-genai: RangeError: Maximum call stack size exceeded']);
    assert.equal(n.kind, 'llm', 'OpenInference still read the span');
    assert.equal(n.usage.inputTokens, 12);
  });

  it('a span that reads cleanly has no failures field (stored spans stay as they were)', () => {
    const n = normalize(raw('b', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' }));
    assert.equal('failures' in n, false);
  });

  it('shows one warning per failing span on the trace, after the assembly warnings', () => {
    const spans = [canonicalize(hostile('a')), canonicalize(raw('b', { 'gen_ai.operation.name': 'chat' }))];
    const d = traceToDetailDto(summarizeTrace(spans), spans);
    const w = d.warnings.filter((x) => x.includes('normalization failure'));
    assert.equal(w.length, 1);
    assert.match(w[0], /^Span "span a" \(a\): 1 normalization failure, shown with what could be read: otel-genai: RangeError/);
  });

  it('caps the warnings of a trace where every span fails, and says how many more', () => {
    const spans = Array.from({ length: 25 }, (_, i) => ({ ...canonicalize(raw(`s${i}`, {})), norm: { ...normalize(raw(`s${i}`, {})), failures: ['x: Error: boom'] } }));
    const w = normalizationWarnings(spans);
    assert.equal(w.length, 21);
    assert.equal(w[20], '…and 5 more spans with normalization failures');
  });
});
