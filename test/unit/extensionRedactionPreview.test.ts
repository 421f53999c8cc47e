import assert from 'node:assert/strict';
import type { FindingDto } from '../../src/protocol/redaction';
import { applyFindings, splitFindingPath } from '../../src/extension/redactionPreview';

const finding = (over: Partial<FindingDto>): FindingDto => ({
  ruleId: 'r',
  ruleName: 'Rule',
  category: 'secret',
  type: 'api-key',
  traceId: 't',
  spanId: 's',
  spanName: 'span',
  service: 'svc',
  location: 'attributes',
  path: 'k',
  start: 0,
  end: 0,
  maskedPreview: '',
  context: '',
  action: 'mask',
  replacement: '***',
  ...over,
});

describe('extension redaction preview', () => {
  it('splits a finding path into the attribute key (which may contain dots) and JSON steps', () => {
    const keys = ['gen_ai.input.messages', 'gen_ai.input'];
    assert.deepEqual(splitFindingPath('gen_ai.input.messages[0].content', keys), { key: 'gen_ai.input.messages', steps: [0, 'content'] });
    assert.deepEqual(splitFindingPath('gen_ai.input.messages', keys), { key: 'gen_ai.input.messages', steps: [] });
    assert.deepEqual(splitFindingPath('x["a.b"]', ['x']), { key: 'x', steps: ['a.b'] });
    assert.equal(splitFindingPath('unknown.key', keys), null);
  });

  it('replaces the reported range in a plain string attribute, later offsets first', () => {
    const attrs = { 'http.url': 'key=sk-AAAA&other=sk-BBBB', n: 3 };
    const after = applyFindings(attrs, [
      finding({ path: 'http.url', start: 4, end: 11, replacement: 'sk-…AA' }),
      finding({ path: 'http.url', start: 18, end: 25, replacement: 'sk-…BB' }),
    ]);
    assert.deepEqual(after, { 'http.url': 'key=sk-…AA&other=sk-…BB', n: 3 });
    assert.equal(attrs['http.url'], 'key=sk-AAAA&other=sk-BBBB', 'input left unchanged');
  });

  it('edits inside JSON-encoded message attributes and keeps them JSON', () => {
    const messages = JSON.stringify([{ role: 'user', content: 'mail me at bob@example.com' }]);
    const after = applyFindings({ 'gen_ai.input.messages': messages }, [
      finding({ path: 'gen_ai.input.messages[0].content', start: 11, end: 26, replacement: '[email]', category: 'pii', type: 'email' }),
    ]);
    assert.deepEqual(JSON.parse(after['gen_ai.input.messages'] as string), [{ role: 'user', content: 'mail me at [email]' }]);
  });

  it('marks dropped values and ignores keep and out-of-range findings', () => {
    const after = applyFindings({ a: 'secret', b: 'short', c: 'stay' }, [
      finding({ path: 'a', start: 0, end: 6, action: 'drop', replacement: null }),
      finding({ path: 'b', start: 2, end: 99 }),
      finding({ path: 'c', start: 0, end: 4, action: 'keep' }),
    ]);
    assert.deepEqual(after, { a: '[dropped]', b: 'short', c: 'stay' });
  });
});
