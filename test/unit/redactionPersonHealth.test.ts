import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { hashValue, redactAttributes, redactSpan, scanSpans } from '../../src/core/redaction/apply';
import { ALL_DETECTORS, detectInText } from '../../src/core/redaction/detectors';
import { DEFAULT_POLICY, parsePolicy } from '../../src/core/redaction/policy';
import { sha256Hex } from '../../src/core/redaction/sha256';
import type { RawSpan } from '../../src/core/model';

const messages = (text: string): string => JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: text }] }]);
const find = (attrs: Record<string, string>, policy = DEFAULT_POLICY) => redactAttributes(attrs, policy).findings.map((f) => ({
  type: f.match.detector.type, category: f.match.detector.category, value: f.match.value, confidence: f.match.confidence, basis: f.match.basis,
}));

function span(attributes: RawSpan['attributes']): RawSpan & { service: string } {
  return {
    traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), parentSpanId: null, name: 'chat', kind: 'client', startUnixNanos: '1', endUnixNanos: '2',
    status: { code: 'unset', message: '' }, attributes, events: [], links: [], resource: {}, scope: { name: 't', version: '1' }, service: 'svc',
  };
}

describe('redaction: person and health categories', () => {
  it('finds a customer name in a message, with the language model as basis and a cue raising confidence', () => {
    const f = find({ 'gen_ai.input.messages': messages('Please refund the order for Maria Gonzalez, she was charged twice.') });
    assert.deepEqual(f.map((x) => [x.category, x.type, x.value]), [['person', 'name', 'Maria Gonzalez']]);
    assert.equal(f[0].basis, 'context');
    assert.ok(f[0].confidence >= 0.85);
  });

  it('runs the language pass only on natural-language text: not on ids, JSON keys or machine attributes', () => {
    assert.deepEqual(find({ 'user.id': 'Maria Gonzalez' }), []);
    assert.deepEqual(find({ 'gen_ai.tool.call.result': JSON.stringify({ id: 'Maria Gonzalez', model: 'Maria Gonzalez' }) }), []);
    assert.deepEqual(find({ 'gen_ai.tool.call.result': JSON.stringify({ 'Maria Gonzalez': 1 }) }), []);
    assert.equal(find({ 'input.value': 'Ship it to Maria Gonzalez today.' }).length, 1);
    const d = ALL_DETECTORS.find((x) => x.id === 'person-name')!;
    assert.deepEqual(detectInText('Ship it to Maria Gonzalez today.', [d], { key: '', naturalLanguage: false }), []);
  });

  it('keeps public figures, placeholders and products out', () => {
    for (const text of ['As Ada Lovelace wrote, the engine weaves patterns.', '"Simplicity is prerequisite for reliability." — Edsger Dijkstra',
      'Fill the form for John Doe as an example.', 'Compare Microsoft Teams and Google Sheets.']) {
      assert.deepEqual(find({ 'gen_ai.input.messages': messages(text) }), [], text);
    }
  });

  it('health: an MRN with context, a diagnosis and a dosed medication near clinical words; none without them', () => {
    const f = find({ 'input.value': 'Patient MRN 00938172, diagnosed with type 2 diabetes, on metformin 500 mg.' });
    assert.deepEqual(f.map((x) => [x.category, x.type]), [['health', 'medical-record-number'], ['health', 'diagnosis'], ['health', 'medication']]);
    assert.ok(f.every((x) => x.basis === 'context'));
    // "diabetes" with no clinical word scores 0.5: below the default minimum for health (0.6).
    assert.deepEqual(find({ 'input.value': 'The diabetes article is trending on our blog today.' }), []);
    const low = parsePolicy(JSON.stringify({ minConfidence: { health: 0.4 } })).policy;
    assert.deepEqual(find({ 'input.value': 'The diabetes article is trending on our blog today.' }, low).map((x) => [x.type, x.confidence, x.basis]), [['diagnosis', 0.5, 'pattern']]);
  });

  it('dates of birth need a context word; version and release dates are left alone', () => {
    assert.deepEqual(find({ 'input.value': 'DOB: 04/17/1958, released 2024-03-12' }).map((x) => [x.type, x.value]), [['date-of-birth', '04/17/1958']]);
  });

  it('policy: person and health have their own actions, and a minimum confidence per category', () => {
    const { policy, errors } = parsePolicy(JSON.stringify({ actions: { person: 'hash', health: 'drop' }, minConfidence: { person: 0.95 } }));
    assert.deepEqual(errors, []);
    const out = redactAttributes({ a: 'Patient MRN 00938172', 'input.value': 'Please refund Maria Gonzalez today.' }, policy);
    assert.equal(out.attributes.a, undefined, 'health → drop');
    assert.equal(out.attributes['input.value'], 'Please refund Maria Gonzalez today.', 'the name (0.9) is under person\'s minimum 0.95');
    const hashed = redactAttributes({ 'input.value': 'Please refund Maria Gonzalez today.' }, parsePolicy(JSON.stringify({ actions: { person: 'hash' } })).policy);
    assert.equal(hashed.attributes['input.value'], `Please refund ${hashValue('Maria Gonzalez')} today.`);
    assert.match(parsePolicy(JSON.stringify({ minConfidence: { person: 2 } })).errors[0], /minConfidence\.person.*0 to 1/);
    assert.match(parsePolicy(JSON.stringify({ minConfidence: { people: 0.5 } })).errors[0], /unknown detector, rule, type or category "people"/);
  });

  it('the pure SHA-256 equals node:crypto, so "hash" matches the collector\'s SHA256()', () => {
    for (const s of ['', 'abc', 'x'.repeat(55), 'x'.repeat(64), 'Maria Gonzalez', 'héllo ✓ 🎉', 'y'.repeat(1000)]) {
      assert.equal(sha256Hex(s), createHash('sha256').update(s, 'utf8').digest('hex'));
    }
  });
});

describe('redaction: decoded values', () => {
  it('decodes Authorization: Basic credentials and shows them masked with the encoding path', () => {
    const b64 = Buffer.from('deploy:Xk9!pQ27vLm').toString('base64');
    const r = scanSpans([span({ 'gen_ai.tool.call.arguments': JSON.stringify({ headers: { Authorization: `Basic ${b64}` } }) })]);
    assert.equal(r.findings.length, 1);
    const f = r.findings[0];
    assert.equal(f.type, 'basic-auth');
    assert.equal(f.basis, 'checksum');
    assert.deepEqual(f.decoded, { encodings: ['base64 (Basic)'], maskedValue: 'deploy:********' });
    assert.ok(!JSON.stringify(r).includes('Xk9!pQ27vLm') && !JSON.stringify(r).includes(b64));
    // Placeholders and non-credentials are not findings.
    for (const text of ['Authorization: Basic <credentials>', `Basic ${Buffer.from('justauser').toString('base64')}`, 'Basic authentication is enabled']) {
      assert.deepEqual(scanSpans([span({ note: text })]).findings, [], text);
    }
  });

  it('finds values inside JSON encoded twice, with the path through both encodings', () => {
    const inner = JSON.stringify({ username: 'ops', password: 'Zq8#vT41mWp' });
    const r = scanSpans([span({ 'gen_ai.tool.call.result': JSON.stringify({ status: 200, body: inner }) })]);
    assert.equal(r.findings.length, 1);
    const f = r.findings[0];
    assert.equal(f.path, 'gen_ai.tool.call.result.body.password');
    assert.deepEqual(f.decoded?.encodings, ['json', 'json']);
    assert.equal(f.decoded?.maskedValue, f.maskedPreview);
    assert.ok(!f.decoded?.maskedValue.includes('Zq8#vT41mWp'));
    const out = JSON.stringify(redactSpan(span({ 'gen_ai.tool.call.result': JSON.stringify({ status: 200, body: inner }) })));
    assert.ok(!out.includes('Zq8#vT41mWp'));
  });
});
