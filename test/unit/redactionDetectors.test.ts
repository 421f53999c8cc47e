import { strict as assert } from 'node:assert';
import { ALL_DETECTORS, detectInText } from '../../src/core/redaction/detectors';
import { ibanValid, luhn, ssnValid, ipv6Valid, isPlaceholder } from '../../src/core/redaction/detectors/checks';
import { scanSpans, maskedPreview } from '../../src/core/redaction/apply';
import type { RawSpan } from '../../src/core/model';
import { Gen } from '../fixtures/redaction/corpus';

const types = (text: string): string[] => detectInText(text, ALL_DETECTORS).map((m) => m.detector.type);
const gen = new Gen(7);

function span(attributes: RawSpan['attributes'], extra: Partial<RawSpan> = {}): RawSpan {
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', parentSpanId: null, name: 'chat', kind: 'client',
    startUnixNanos: '1', endUnixNanos: '2', status: { code: 'unset', message: '' }, attributes, events: [], links: [],
    resource: { 'service.name': 'svc' }, scope: { name: 's', version: '1' }, ...extra,
  };
}

describe('redaction detectors', () => {
  const positives: Array<[string, string]> = [
    ['openai-proj', 'api-key'], ['openai-legacy', 'api-key'], ['anthropic', 'api-key'], ['google', 'api-key'], ['hf', 'api-key'],
    ['groq', 'api-key'], ['xai', 'api-key'], ['github', 'api-key'], ['github-pat', 'api-key'], ['gitlab', 'api-key'],
    ['slack-bot', 'api-key'], ['slack-webhook', 'webhook'], ['discord-webhook', 'webhook'], ['stripe-live', 'api-key'],
    ['npm', 'api-key'], ['sendgrid', 'api-key'], ['jwt', 'jwt'], ['pem-rsa', 'private-key'], ['pem-openssh', 'private-key'],
    ['aws-akid', 'cloud-key'], ['pg-url', 'connection-string'], ['mongo-url', 'connection-string'], ['openrouter', 'api-key'],
    ['card-visa', 'credit-card'], ['card-amex-spaced', 'credit-card'], ['iban-de', 'iban'], ['iban-fr-spaced', 'iban'], ['ssn', 'ssn'],
  ];
  for (const [g, type] of positives) {
    it(`finds a generated ${g} in prose as ${type}`, () => {
      const v = gen.make(g);
      const ms = detectInText(`note: ${v} (from the ticket)`, ALL_DETECTORS);
      assert.equal(ms.length, 1, `expected one finding for ${g}, got ${ms.map((m) => m.detector.id).join(',')}`);
      assert.equal(ms[0].detector.type, type);
      assert.equal(ms[0].value, v);
    });
  }

  const negatives: string[] = [
    'trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7',
    'uuid 123e4567-e89b-12d3-a456-426614174000',
    'commit 9fceb02d0ae598e95dc970b74767f19372d61af8',
    'OPENAI_API_KEY=sk-...your-key',
    'api_key: "YOUR_API_KEY"',
    'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    'mail admin@example.com or help@example.org',
    'call (212) 555-0187',
    '2024-11-27T10:20:30.123Z and 1732700000123456789',
    'node v20.11.1 on version 10.0.19041.1',
    'test card 4242 4242 4242 4242',
    'order 4421 8830 1192 0045',
    'AKIAIOSFODNN7EXAMPLE',
    'listening on 127.0.0.1:8080 and 0.0.0.0, docs 192.0.2.10',
    'password: ${DB_PASSWORD}',
    'max_tokens: 4096, prompt_tokens: 1234',
    'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
    'ssn sample 078-05-1120 and 000-12-3456',
    'ether 00:1a:2b:3c:4d:5e at 12:30:45',
    '::1 and 2001:db8::1',
  ];
  for (const text of negatives) {
    it(`flags nothing in: ${text.slice(0, 60)}`, () => assert.deepEqual(types(text), []));
  }

  it('validates checksums: Luhn, IBAN mod-97, SSN ranges, IPv6 syntax', () => {
    assert.equal(luhn('4539148803436467'), true);
    assert.equal(luhn('4539148803436468'), false);
    assert.equal(ibanValid('DE89 3704 0044 0532 0130 00'), true);
    assert.equal(ibanValid('DE88 3704 0044 0532 0130 00'), false);
    assert.equal(ssnValid('512-44-8731'), true);
    assert.equal(ssnValid('666-44-8731'), false);
    assert.equal(ssnValid('912-44-8731'), false);
    assert.equal(ipv6Valid('2606:4700:4700::1111'), true);
    assert.equal(ipv6Valid('12:30:45'), false);
    assert.equal(isPlaceholder('sk-...your-key'), true);
  });

  it('a card number with a wrong check digit is not flagged; a valid one is', () => {
    assert.deepEqual(types('card 4539 1488 0343 6467'), ['credit-card']);
    assert.deepEqual(types('card 4539 1488 0343 6468'), []);
  });

  it('prefers the connection string over the email-looking user:pass@host inside it', () => {
    const ms = detectInText('dsn postgres://bob:Xk29_wqPz@db.acme.io:5432/app', ALL_DETECTORS);
    assert.deepEqual(ms.map((m) => m.detector.type), ['connection-string']);
  });

  it('finds a secret under a secret-like JSON key even without key text around it', () => {
    const s = span({ 'gen_ai.tool.call.arguments': JSON.stringify({ user: 'svc', password: 'Qv7!rT2m9x' }) });
    const r = scanSpans([s]);
    assert.equal(r.findings.length, 1);
    assert.equal(r.findings[0].path, 'gen_ai.tool.call.arguments.password');
    assert.equal(r.findings[0].type, 'generic-secret');
  });

  it('reports JSON paths and offsets inside the decoded string', () => {
    const key = gen.make('github');
    const content = `token is ${key} ok`;
    const s = span({
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'hi' }, { type: 'text', content }] }]),
    });
    const [f] = scanSpans([s]).findings;
    assert.equal(f.path, 'gen_ai.input.messages[0].parts[1].content');
    assert.equal(content.slice(f.start, f.end), key);
    assert.equal(f.location, 'attributes');
    assert.ok(!f.maskedPreview.includes(key.slice(4, -2)));
    assert.ok(!f.context.includes(key));
  });

  it('walks resource and event attributes, naming where the value sits', () => {
    const s = span({}, {
      resource: { 'service.name': 'svc', 'deployment.owner': 'ana.silva@contoso-retail.com' },
      events: [{ name: 'log', timeUnixNanos: '1', attributes: { message: 'from 81.2.69.160' } }],
    });
    const r = scanSpans([s]);
    assert.deepEqual(r.findings.map((f) => [f.location, f.path, f.type]), [
      ['resource', 'deployment.owner', 'email'],
      ['events[0].attributes', 'message', 'ip'],
    ]);
  });

  it('masked previews never show a short value and show only 6 characters of a long one', () => {
    assert.equal(maskedPreview('hunter2'), '*******');
    assert.equal(maskedPreview('sk-proj-abcdefghijkl9xQ2'), 'sk-p…Q2');
  });

  it('every detector has an RE2-safe pattern (no lookarounds or backreferences)', () => {
    for (const d of ALL_DETECTORS) {
      assert.ok(!/\(\?<?[=!]|\\[1-9]/.test(d.re2), `${d.id} uses a construct RE2 lacks`);
      assert.ok(d.pattern.global, `${d.id} must be global`);
    }
  });
});
