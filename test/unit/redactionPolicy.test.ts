import { strict as assert } from 'node:assert';
import { DEFAULT_POLICY, parsePolicy } from '../../src/core/redaction/policy';
import { hashValue, redactSpan, scanSpans } from '../../src/core/redaction/apply';
import type { RawSpan } from '../../src/core/model';
import { runScan } from '../../src/cli/scanCommand';

const EMAIL = 'ana.silva@contoso-retail.com';
const PW = 'Qv7!rT2m9x';

function span(attributes: RawSpan['attributes']): RawSpan & { service: string } {
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', parentSpanId: null, name: 'chat', kind: 'client',
    startUnixNanos: '1', endUnixNanos: '2', status: { code: 'unset', message: '' }, attributes,
    events: [{ name: 'e', timeUnixNanos: '1', attributes: { note: `mail ${EMAIL}` } }], links: [],
    resource: { 'service.name': 'billing' }, scope: { name: 's', version: '1' }, service: 'billing',
  };
}

const messages = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: `I am ${EMAIL}, password=${PW}` }] }]);

describe('redaction policy', () => {
  it('no file means the default policy, without errors', () => {
    assert.deepEqual(parsePolicy(null), { policy: DEFAULT_POLICY, errors: [] });
  });

  it('reports every problem and falls back to the default', () => {
    const r = parsePolicy(JSON.stringify({ actions: { email: 'shred', bogus: 'mask' }, disable: ['nope'], allow: ['/(/'], extra: 1 }));
    assert.equal(r.policy, DEFAULT_POLICY);
    assert.equal(r.errors.length, 5, r.errors.join('\n'));
    assert.match(parsePolicy('actions: {}').errors[0], /not valid JSON/);
  });

  it('masks by default, inside JSON-encoded messages and events, and leaves the input untouched', () => {
    const s = span({ 'gen_ai.input.messages': messages, 'gen_ai.response.id': 'chatcmpl-1' });
    const before = JSON.stringify(s);
    const out = redactSpan(s);
    assert.equal(JSON.stringify(s), before);
    const m = JSON.parse(String(out.attributes['gen_ai.input.messages']));
    assert.equal(m[0].parts[0].content, 'I am [REDACTED:email], password=[REDACTED:generic-secret]');
    assert.equal(out.events[0].attributes.note, 'mail [REDACTED:email]');
    assert.equal(out.attributes['gen_ai.response.id'], 'chatcmpl-1');
  });

  it('applies actions per type over per category: hash emails, drop secrets', () => {
    const { policy, errors } = parsePolicy(JSON.stringify({ actions: { email: 'hash', secret: 'drop' } }));
    assert.deepEqual(errors, []);
    const s = span({ a: `contact ${EMAIL}`, b: `password=${PW}` });
    const out = redactSpan(s, policy);
    assert.equal(out.attributes.a, `contact ${hashValue(EMAIL)}`);
    assert.match(String(out.attributes.a), /^contact sha256:[0-9a-f]{12}$/);
    assert.ok(!('b' in out.attributes));
    const r = scanSpans([s], policy);
    assert.deepEqual(r.findings.filter((f) => f.location === 'attributes').map((f) => [f.type, f.action, f.replacement]), [
      ['email', 'hash', hashValue(EMAIL)],
      ['generic-secret', 'drop', null],
    ]);
  });

  it('drops keys by glob, keeps keys unscanned, honours allowed values and disabled detectors', () => {
    const { policy } = parsePolicy(JSON.stringify({
      dropKeys: ['gen_ai.*.messages'], keepKeys: ['enduser.id'], allow: ['/@contoso-retail\\.com$/'], disable: ['ip'],
    }));
    const s = span({ 'gen_ai.input.messages': messages, 'enduser.id': 'x@y.io password=abc123XYZ', c: 'from 81.2.69.160 by bob@acme.io' });
    const out = redactSpan(s, policy);
    assert.ok(!('gen_ai.input.messages' in out.attributes));
    assert.equal(out.attributes['enduser.id'], 'x@y.io password=abc123XYZ');
    assert.equal(out.attributes.c, 'from 81.2.69.160 by [REDACTED:email]');
    const r = scanSpans([s], policy);
    // The email in the dropped messages is allowed; the password there is reported as dropped.
    assert.deepEqual(r.findings.map((f) => [f.path, f.type, f.action]), [
      ['gen_ai.input.messages[0].parts[0].content', 'generic-secret', 'drop'],
      ['c', 'email', 'mask'],
    ]);
    assert.deepEqual(r.ships, { kept: 3, masked: 1, dropped: 1 });
  });

  it('keep reports the finding but ships the value, with a masked preview as replacement', () => {
    const { policy } = parsePolicy(JSON.stringify({ actions: { pii: 'keep' } }));
    const s = span({ a: `contact ${EMAIL}` });
    assert.equal(redactSpan(s, policy).attributes.a, `contact ${EMAIL}`);
    const f = scanSpans([s], policy).findings[0];
    assert.equal(f.action, 'keep');
    assert.ok(!JSON.stringify(f).includes(EMAIL));
  });

  it('counts by category, type, attribute and service', () => {
    const r = scanSpans([span({ a: `contact ${EMAIL}`, b: `password=${PW}` })]);
    assert.deepEqual(r.countsByCategory, { pii: 2, secret: 1 });
    assert.deepEqual(r.countsByType, { email: 2, 'generic-secret': 1 });
    assert.deepEqual(r.countsByAttribute, { a: 1, b: 1, note: 1 });
    assert.deepEqual(r.countsByService, { billing: 3 });
  });
});

describe('runScan (CLI scan)', () => {
  const run = (o: Partial<Parameters<typeof runScan>[0]>) => {
    const out: string[] = [];
    const code = runScan({ spans: [span({ b: `password=${PW}` })], policyText: null, failOn: [], json: false, out: (s) => out.push(s), ...o });
    return { code, text: out.join('\n') };
  };

  it('exits 1 when a fail-on category has findings, 0 otherwise, and never prints the value', () => {
    const failing = run({ failOn: ['secret'] });
    assert.equal(failing.code, 1);
    assert.match(failing.text, /generic-secret/);
    assert.ok(!failing.text.includes(PW));
    assert.equal(run({ failOn: ['pii'], spans: [span({ b: `password=${PW}` })].map((s) => ({ ...s, events: [] })) }).code, 0);
  });

  it('findings the policy keeps on purpose do not fail the run', () => {
    assert.equal(run({ failOn: ['secret'], policyText: '{"actions":{"secret":"keep"}}' }).code, 0);
  });

  it('exits 2 on policy errors or an unknown --fail-on category', () => {
    const bad = run({ policyText: '{"actions":{"secret":"explode"}}' });
    assert.equal(bad.code, 2);
    assert.match(bad.text, /policy error/);
    assert.equal(run({ failOn: ['secrets'] }).code, 2);
  });

  it('prints the report as JSON', () => {
    const { text } = run({ json: true });
    const r = JSON.parse(text);
    assert.equal(r.spansScanned, 1);
    assert.equal(r.findings.length, 2);
  });
});
