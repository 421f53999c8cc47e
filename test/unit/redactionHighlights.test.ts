// The redaction panel's highlights and grouping: the server marks each finding's exact characters
// (before: the stored text, after: what the export ships instead), the panel's model turns the
// marks into segments of the value it shows, and findings of one value are one row with a count.
import { strict as assert } from 'node:assert';
import type { RawSpan } from '../../src/core/model';
import { DEFAULT_POLICY, parsePolicy, policyFileTemplate } from '../../src/core/redaction/policy';
import { scanSpans } from '../../src/core/redaction/apply';
import { spanPreviewOf } from '../../src/server/redactionService';
import type { FindingDto } from '../../src/protocol/redaction';
import {
  attributeOf,
  diffSpan,
  groupFindings,
  markedSegments,
  ordinalInSpan,
  pathInAttribute,
  rowsOfInterest,
  segmentRanges,
} from '../../webview/redaction/redactionModel';

const KEY = 'sk-proj-2NQxiIZEdiZYYHTRIo8l32rWX7kSgWyephKtEWkMkRmWNZb';
const EMAIL = 'ada.lovelace@weather-co.io';

function span(spanId: string, attributes: RawSpan['attributes'], events: RawSpan['events'] = []): RawSpan & { service: string } {
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId, parentSpanId: null, name: `chat ${spanId.slice(-1)}`, kind: 'client',
    startUnixNanos: '1', endUnixNanos: '2', status: { code: 'unset', message: '' }, attributes, events, links: [],
    resource: { 'service.name': 'weather' }, scope: { name: 's', version: '1' }, service: 'weather',
  };
}

const question = `My key is ${KEY} if the wiki asks, and email me at ${EMAIL}.`;
const messages = JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: question }] }]);

describe('redaction highlights: the exact characters of each finding', () => {
  const s = span('00f067aa0ba902b1', { 'gen_ai.input.messages': messages, 'user_id': 'u_42', note: `from ${EMAIL}` }, [
    { name: 'log', timeUnixNanos: '1', attributes: { body: `reply to ${EMAIL}` } },
  ]);
  const preview = spanPreviewOf(s, null);
  const rows = diffSpan(preview.before, preview.after!, preview.highlights);
  const row = (key: string) => rows.find((r) => r.key === key)!;
  const ranges = (text: string | null, segs: Parameters<typeof segmentRanges>[0] | undefined) =>
    segmentRanges(segs ?? []).map((r) => ({ finding: r.finding, text: text!.slice(r.start, r.end) }));

  it('marks the key and the email in Before, and exactly their replacements in After', () => {
    const m = row('gen_ai.input.messages');
    assert.equal(m.status, 'changed');
    assert.deepEqual(ranges(m.before, m.beforeSegments), [
      { finding: 0, text: KEY },
      { finding: 1, text: EMAIL },
    ]);
    assert.deepEqual(ranges(m.after, m.afterSegments), [
      { finding: 0, text: '[REDACTED:api-key]' },
      { finding: 1, text: '[REDACTED:email]' },
    ]);
    // The segments are the shown value cut up, nothing added or lost.
    assert.equal(m.beforeSegments!.map((x) => x.text).join(''), m.before);
    assert.equal(m.afterSegments!.map((x) => x.text).join(''), m.after);
  });

  it('numbers the marks in the order the report lists the span\'s findings (span, resource, events)', () => {
    const report = scanSpans([s]);
    const shown = rows.flatMap((r) => [...ranges(r.before, r.beforeSegments)]);
    const byOrdinal = new Map(shown.map((x) => [x.finding, x.text]));
    report.findings.forEach((f, i) => {
      const ordinal = ordinalInSpan(report.findings as FindingDto[], i);
      assert.equal(ordinal, i);
      const text = byOrdinal.get(ordinal)!;
      assert.equal(text.length, f.end - f.start, `${f.path}: ${text}`);
      assert.equal(f.maskedPreview, `${text.slice(0, 4)}…${text.slice(-2)}`);
    });
    assert.equal(byOrdinal.size, report.findings.length);
    assert.deepEqual(ranges(row('event 0 (log) › body').before, row('event 0 (log) › body').beforeSegments), [{ finding: 3, text: EMAIL }]);
  });

  it('a value without findings has no highlight; unchanged rows drop out of "only changes and findings"', () => {
    assert.equal(row('user_id').beforeSegments, undefined);
    assert.equal(row('user_id').status, 'same');
    assert.ok(!rowsOfInterest(rows).some((r) => r.key === 'user_id'));
    assert.ok(rowsOfInterest(rows).some((r) => r.key === 'note'));
  });

  it('a kept value is marked on both sides, unchanged', () => {
    const kept = spanPreviewOf(s, JSON.stringify({ version: 1, actions: { pii: 'keep' } }));
    const r = diffSpan(kept.before, kept.after!, kept.highlights).find((x) => x.key === 'note')!;
    assert.equal(r.status, 'same');
    assert.deepEqual(ranges(r.after, r.afterSegments), [{ finding: 2, text: EMAIL }]);
    assert.ok(rowsOfInterest([r]).length === 1, 'a row holding a finding stays in the changed view');
  });

  it('content that already holds the mark characters is shown without highlight, never a wrong one', () => {
    const sneaky = span('00f067aa0ba902b2', { note: `\uE0007\uE001fake\uE002 ${EMAIL}` });
    const p = spanPreviewOf(sneaky, null);
    const r = diffSpan(p.before, p.after!, p.highlights).find((x) => x.key === 'note')!;
    assert.equal(r.before, `\uE0007\uE001fake\uE002 ${EMAIL}`);
    assert.equal(r.beforeSegments, undefined);
    assert.equal(r.afterSegments, undefined);
  });

  const marks = { open: '<', sep: ':', close: '>' };
  const cases: [string, string, string, ReturnType<typeof markedSegments>][] = [
    ['one mark', 'a <0:bc> d', 'a bc d', [{ text: 'a ', finding: null }, { text: 'bc', finding: 0 }, { text: ' d', finding: null }]],
    ['two adjacent', '<0:x><12:y>', 'xy', [{ text: 'x', finding: 0 }, { text: 'y', finding: 12 }]],
    ['no marks', 'plain', 'plain', [{ text: 'plain', finding: null }]],
    ['unclosed', 'a <0:bc', 'a bc', null],
    ['not a number', 'a <x:bc>', 'a bc', null],
    ['shown text differs', 'a <0:bc>', 'a bd', null],
  ];
  for (const [name, marked, shown, expected] of cases) {
    it(`marked segments: ${name}`, () => assert.deepEqual(markedSegments(marked, shown, marks), expected));
  }
  it('segment ranges are offsets into the shown text', () => {
    assert.deepEqual(segmentRanges(markedSegments('a <0:bc> d<1:e>', 'a bc de', marks)!), [
      { finding: 0, start: 2, end: 4 },
      { finding: 1, start: 6, end: 7 },
    ]);
  });
});

describe('redaction grouping: one row per value, with a count', () => {
  const spans = [
    span('00f067aa0ba902b1', { 'gen_ai.input.messages': messages }),
    span('00f067aa0ba902b2', { 'gen_ai.input.messages': messages, 'gen_ai.output.text': `Sure, ${EMAIL}` }),
    span('00f067aa0ba902b3', { 'user.email': 'grace.hopper@navy-labs.net' }),
  ];
  const report = scanSpans(spans);
  const findings = report.findings as FindingDto[];
  const groups = groupFindings(findings, findings.map((_, i) => i));

  it('the server numbers each distinct value once, without sending it', () => {
    assert.deepEqual(
      findings.map((f) => [f.type, f.group]),
      [['api-key', 0], ['email', 1], ['api-key', 0], ['email', 1], ['email', 1], ['email', 2]],
    );
    assert.ok(!JSON.stringify(report).includes(KEY) && !JSON.stringify(report).includes(EMAIL));
  });

  it('groups by value: counts, spans and attribute names', () => {
    assert.deepEqual(
      groups.map((g) => ({ type: g.first.type, n: g.members.length, spans: g.spans, attributes: g.attributes })),
      [
        { type: 'api-key', n: 2, spans: 2, attributes: ['gen_ai.input.messages'] },
        { type: 'email', n: 3, spans: 2, attributes: ['gen_ai.input.messages', 'gen_ai.output.text'] },
        { type: 'email', n: 1, spans: 1, attributes: ['user.email'] },
      ],
    );
    assert.deepEqual(groups[1].members, [1, 3, 4]);
  });

  it('groups only the findings the filter shows', () => {
    const g = groupFindings(findings, [3, 4, 5]);
    assert.deepEqual(g.map((x) => x.members), [[3, 4], [5]]);
  });

  it('a report without group numbers keeps one row per finding', () => {
    const old = findings.map(({ group: _g, ...f }) => f) as unknown as FindingDto[];
    assert.equal(groupFindings(old, old.map((_, i) => i)).length, findings.length);
  });

  it('names the attribute (keys with dots and underscores kept whole) and the path inside it', () => {
    const f = findings[0];
    assert.equal(f.attribute, 'gen_ai.input.messages');
    assert.equal(attributeOf(f), 'gen_ai.input.messages');
    assert.equal(pathInAttribute(f), '[0].parts[0].content');
    assert.equal(attributeOf({ attribute: 'body', path: 'body', location: 'events[0].attributes' }), 'events[0] › body');
  });
});

describe('redaction policy file template', () => {
  it('is the default policy written out, documented in "$comment", and parses back to it', () => {
    const text = policyFileTemplate();
    const raw = JSON.parse(text) as Record<string, unknown>;
    assert.ok(Array.isArray(raw.$comment) && (raw.$comment as string[]).some((c) => c.startsWith('dropKeys:')));
    const { policy, errors } = parsePolicy(text);
    assert.deepEqual(errors, []);
    assert.deepEqual(policy, { ...DEFAULT_POLICY });
  });

  it('"$comment" must be text', () => {
    assert.deepEqual(parsePolicy(JSON.stringify({ version: 1, $comment: 'notes' })).errors, []);
    assert.match(parsePolicy(JSON.stringify({ version: 1, $comment: 3 })).errors[0], /"\$comment" must be a string or a list of strings/);
  });
});
