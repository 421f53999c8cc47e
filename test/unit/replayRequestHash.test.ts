// The request hash a replay matches recorded calls by: blind to the system prompt, per-run fields,
// key order and formatting; sensitive to everything the model is asked.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson } from '../../src/core/replay/json';
import { VOLATILE_FIELDS, hashedPart, requestHash } from '../../src/core/replay/requestHash';
import { parseRequest, type ModelApi } from '../../src/core/replay/requestShape';

function hashOf(api: ModelApi, body: unknown, indent?: number): string {
  const r = parseRequest(api, JSON.stringify(body, null, indent));
  if (!r.ok) throw new Error(r.error);
  return requestHash(r.view);
}

/** The same JSON value with every object's keys in another order. */
function shuffleKeys(v: unknown, seed: number): unknown {
  if (Array.isArray(v)) return v.map((x, i) => shuffleKeys(x, seed + i));
  if (v && typeof v === 'object') {
    const entries = Object.entries(v);
    const rotated = entries.length ? [...entries.slice(seed % entries.length), ...entries.slice(0, seed % entries.length)].reverse() : entries;
    return Object.fromEntries(rotated.map(([k, x]) => [k, shuffleKeys(x, seed + 1)]));
  }
  return v;
}

const BASE = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'system', content: 'Today is 2026-12-02.' }, { role: 'user', content: 'Weather in Paris?' }],
  tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
  temperature: 0,
};

describe('replay: request hash', () => {
  it('is the SHA-256 of the canonical JSON of the hashed part (the project\'s pure SHA-256)', () => {
    const r = parseRequest('openai.chat', JSON.stringify(BASE));
    assert.ok(r.ok);
    const expected = createHash('sha256').update(canonicalJson(hashedPart(r.view))).digest('hex');
    assert.equal(requestHash(r.view), expected);
    assert.deepEqual(hashedPart(r.view).body.messages, [{ role: 'user', content: 'Weather in Paris?' }]);
  });

  it('ignores the system prompt of each API', () => {
    assert.equal(hashOf('openai.chat', BASE), hashOf('openai.chat', { ...BASE, messages: [{ role: 'developer', content: 'Another prompt' }, BASE.messages[1]] }));
    assert.equal(hashOf('openai.chat', BASE), hashOf('openai.chat', { ...BASE, messages: [BASE.messages[1]] }));
    const responses = { model: 'gpt-4.1', input: 'hi', instructions: 'A' };
    assert.equal(hashOf('openai.responses', responses), hashOf('openai.responses', { ...responses, instructions: 'B' }));
    const anthropic = { model: 'claude-sonnet-4-5', max_tokens: 10, system: 'A', messages: [{ role: 'user', content: 'hi' }] };
    assert.equal(hashOf('anthropic.messages', anthropic), hashOf('anthropic.messages', { ...anthropic, system: [{ type: 'text', text: 'B' }] }));
  });

  it('changes with the model, a message, a tool, a parameter or the API', () => {
    const h = hashOf('openai.chat', BASE);
    assert.notEqual(h, hashOf('openai.chat', { ...BASE, model: 'gpt-4o' }));
    assert.notEqual(h, hashOf('openai.chat', { ...BASE, messages: [BASE.messages[0], { role: 'user', content: 'Weather in Lyon?' }] }));
    assert.notEqual(h, hashOf('openai.chat', { ...BASE, tools: [] }));
    assert.notEqual(h, hashOf('openai.chat', { ...BASE, temperature: 1 }));
    assert.notEqual(hashOf('openai.responses', { model: 'm', input: [{ role: 'user', content: 'x' }] }), hashOf('anthropic.messages', { model: 'm', messages: [{ role: 'user', content: 'x' }] }));
  });

  it('does not collide for a body field named like the wrapper', () => {
    assert.notEqual(hashOf('openai.chat', { ...BASE, api: 'anthropic.messages' }), hashOf('openai.chat', BASE));
  });

  describe('properties', () => {
    const volatile = fc.dictionary(fc.constantFrom(...VOLATILE_FIELDS), fc.jsonValue({ maxDepth: 2 }), { maxKeys: VOLATILE_FIELDS.length });
    const body = fc.record({
      model: fc.string(),
      messages: fc.array(fc.record({ role: fc.constantFrom('user', 'assistant', 'tool'), content: fc.string(), extra: fc.jsonValue({ maxDepth: 2 }) }), { minLength: 1, maxLength: 5 }),
      temperature: fc.double({ noNaN: true, noDefaultInfinity: true }),
    });

    it('ignores volatile fields, key order and JSON whitespace', () => {
      fc.assert(fc.property(body, volatile, fc.nat(), fc.constantFrom(undefined, 1, 2, '\t'), (b, v, seed, indent) => {
        const plain = JSON.parse(JSON.stringify(b));
        const noisy = shuffleKeys(JSON.parse(JSON.stringify({ ...b, ...v })), seed);
        const r = parseRequest('openai.chat', JSON.stringify(noisy, null, indent));
        assert.ok(r.ok);
        assert.equal(requestHash(r.view), hashOf('openai.chat', plain));
      }), { numRuns: 300 });
    });

    it('tells apart two bodies whose user messages differ', () => {
      fc.assert(fc.property(body, fc.string(), fc.string(), (b, x, y) => {
        fc.pre(x !== y);
        const withText = (t: string) => ({ ...b, messages: [...b.messages, { role: 'user', content: t }] });
        assert.notEqual(hashOf('openai.chat', withText(x)), hashOf('openai.chat', withText(y)));
      }), { numRuns: 200 });
    });
  });
});
