// The JSON Schema VS Code validates .agent-trace/checks.json with (contributes.jsonValidation)
// names the same kinds and fields the reader accepts, and ships in the .vsix.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECK_KINDS, parseChecksConfig } from '../../src/core/checks';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'checks.schema.json'), 'utf8'));

describe('checks: JSON Schema', () => {
  it('is contributed for .agent-trace/checks.json and packaged', () => {
    assert.deepEqual(pkg.contributes.jsonValidation, [{ fileMatch: ['**/.agent-trace/checks.json'], url: './schemas/checks.schema.json' }]);
    assert.match(readFileSync(join(ROOT, '.vscodeignore'), 'utf8'), /^!schemas\/\*\*$/m);
  });

  it('lists exactly the kinds the reader knows, and every kind-specific field it reads', () => {
    assert.deepEqual(schema.definitions.check.properties.kind.enum, [...CHECK_KINDS]);
    const fieldsByKind = new Map<string, string[]>();
    for (const rule of schema.definitions.check.allOf) {
      const kinds: string[] = rule.if.properties.kind.const ? [rule.if.properties.kind.const] : rule.if.properties.kind.enum;
      for (const k of kinds) fieldsByKind.set(k, Object.keys(rule.then.properties ?? {}));
    }
    // A check using every field the schema allows for its kind is valid for the reader too.
    const sample: Record<string, unknown> = {
      tool: 'get_weather', arguments: [{ path: 'city', equals: 'Paris' }], min: 1, max: 2, matches: 'x', notMatches: 'y', contains: 'a',
      notContains: 'b', ignoreCase: true, categories: ['secret'], first: 'a', then: { tool: 'b' }, sameArguments: true,
      question: 'Does the answer cite the refund policy?', passWhen: 'it names the policy',
    };
    for (const kind of CHECK_KINDS) {
      const fields = Object.fromEntries((fieldsByKind.get(kind) ?? []).map((f) => [f, sample[f]]));
      const config = parseChecksConfig(JSON.stringify({ checks: [{ name: kind, kind, ...fields }] }));
      assert.deepEqual(config.problems, [], kind);
    }
  });
});

describe('checks: JSON Schema, evaluation thresholds', () => {
  it('allows the fields the reader takes for `evaluations`', () => {
    const fields = Object.keys(schema.properties.evaluations.additionalProperties.properties);
    assert.deepEqual(fields, ['minScore', 'maxScore']);
    const config = parseChecksConfig(JSON.stringify({ evaluations: { relevance: Object.fromEntries(fields.map((f, i) => [f, i])) } }));
    assert.deepEqual(config.problems, []);
    assert.deepEqual(config.evaluations, { relevance: { minScore: 0, maxScore: 1 } });
  });
});
