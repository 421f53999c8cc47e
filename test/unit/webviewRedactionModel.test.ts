import { strict as assert } from 'node:assert';
import { contextSegments, diffSpan, filterFindings, flatten, replacementText, sortedCounts } from '../../webview/redaction/redactionModel';
import { costExplanation, filterEntries, roleClass } from '../../webview/trace/detailModel';
import { generateReport } from '../webview/fixtures';

describe('webview redaction model', () => {
  it('sorts counts descending, ties by key, with bar shares of the largest', () => {
    assert.deepEqual(sortedCounts({ email: 2, 'api-key': 4, jwt: 2, none: 0 }), [
      { key: 'api-key', count: 4, pct: 100 },
      { key: 'email', count: 2, pct: 50 },
      { key: 'jwt', count: 2, pct: 50 },
    ]);
    assert.deepEqual(sortedCounts({}), []);
  });

  it('filters findings by rule, type, span, path, case-insensitively', () => {
    const findings = generateReport(6).findings;
    assert.equal(filterFindings(findings, '').length, 6);
    assert.equal(filterFindings(findings, 'openai').length, 3);
    assert.equal(filterFindings(findings, 'EMAIL').length, 3);
    assert.equal(filterFindings(findings, '#2').length, 1);
    assert.equal(filterFindings(findings, 'input.messages').length, 6);
    assert.equal(filterFindings(findings, 'nothing-like-this').length, 0);
  });

  const ctxCases: [string, string, { text: string; hit: boolean }[]][] = [
    ['use sk-p…9xQ2 now', 'sk-p…9xQ2', [{ text: 'use ', hit: false }, { text: 'sk-p…9xQ2', hit: true }, { text: ' now', hit: false }]],
    ['sk-p…9xQ2', 'sk-p…9xQ2', [{ text: 'sk-p…9xQ2', hit: true }]],
    ['no preview inside', 'sk-p…9xQ2', [{ text: 'no preview inside', hit: false }]],
    ['<img src=x>', '', [{ text: '<img src=x>', hit: false }]],
  ];
  for (const [context, masked, expected] of ctxCases) {
    it(`context segments: ${JSON.stringify(context)}`, () => assert.deepEqual(contextSegments(context, masked), expected));
  }

  it('describes what replaces a finding', () => {
    assert.equal(replacementText({ action: 'mask', replacement: '[REDACTED]' }), '[REDACTED]');
    assert.equal(replacementText({ action: 'drop', replacement: null }), 'dropped');
    assert.equal(replacementText({ action: 'hash', replacement: null }), 'dropped');
    assert.equal(replacementText({ action: 'keep', replacement: 'x' }), 'kept unchanged');
  });

  it('flattens nested objects into dotted keys, keeps arrays whole', () => {
    assert.deepEqual(flatten({ a: { b: 1, c: { d: 'x' } }, e: [1, 2] }), { 'a.b': 1, 'a.c.d': 'x', e: [1, 2] });
  });

  it('diffs a span before and after, changed and dropped rows first', () => {
    const rows = diffSpan(
      { 'http.method': 'POST', 'user.email': 'jo@example.com', prompt: 'key sk-abc' },
      { 'http.method': 'POST', prompt: 'key [REDACTED]', 'redaction.applied': true },
    );
    assert.deepEqual(
      rows.map((r) => [r.key, r.status]),
      [
        ['prompt', 'changed'],
        ['redaction.applied', 'added'],
        ['user.email', 'dropped'],
        ['http.method', 'same'],
      ],
    );
    assert.equal(rows[2].after, null);
    assert.equal(rows[0].before, 'key sk-abc');
  });
});

describe('webview detail model', () => {
  const usage = { inputTokens: 10, outputTokens: 5, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null };
  const none = { inputTokens: null, outputTokens: null, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null };
  const cases: [string, Parameters<typeof costExplanation>[0], string][] = [
    ['reported', { costUsd: 0.01, costSource: 'reported', model: 'gpt-4o', usage }, 'reported by the instrumentation'],
    ['computed', { costUsd: 0.01, costSource: 'computed', model: 'gpt-4o', usage }, 'computed from token usage and model prices'],
    ['no price', { costUsd: null, costSource: null, model: 'my-local-model', usage }, 'unknown: no price known for my-local-model'],
    ['no usage', { costUsd: null, costSource: null, model: 'gpt-4o', usage: none }, 'unknown: no token usage reported'],
    ['no model', { costUsd: null, costSource: null, model: null, usage }, 'unknown: no model recorded'],
  ];
  for (const [name, span, expected] of cases) it(`cost explanation: ${name}`, () => assert.equal(costExplanation(span), expected));

  it('filters attribute rows by key or pretty value, sorted by key', () => {
    const entries: [string, unknown][] = [
      ['z.key', 'hello'],
      ['a.key', { nested: 'World' }],
      ['m.key', 3],
    ];
    assert.deepEqual(filterEntries(entries, '').map(([k]) => k), ['a.key', 'm.key', 'z.key']);
    assert.deepEqual(filterEntries(entries, 'world').map(([k]) => k), ['a.key']);
    assert.deepEqual(filterEntries(entries, 'Z.K').map(([k]) => k), ['z.key']);
  });

  it('maps chat roles to bubble styles', () => {
    assert.deepEqual(['system', 'User', 'assistant', 'tool', 'critic'].map(roleClass), ['role-system', 'role-user', 'role-assistant', 'role-tool', 'role-other']);
  });
});
