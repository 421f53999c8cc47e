import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { jsonForTerminal, terminalSafe } from '../../src/cli/output';

/** What a terminal may act on: C0 (but LF), DEL, C1, bidi controls, line/paragraph separators. */
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('CLI terminal output', () => {
  it('shows escape sequences as visible text instead of passing them to the terminal', () => {
    assert.equal(terminalSafe('a\x1b]52;c;SGk=\x07b'), 'a\\x1b]52;c;SGk=\\x07b', 'OSC 52 clipboard write');
    assert.equal(terminalSafe('\x1b]0;title\x1b\\'), '\\x1b]0;title\\x1b\\');
    assert.equal(terminalSafe('x\ry'), 'x\\ry', 'a bare CR would overwrite the line');
    assert.equal(terminalSafe('\u009b31m'), '\\x9b31m', 'C1 CSI');
    assert.equal(terminalSafe('abc\u202egnp.exe'), 'abc\\u202egnp.exe', 'right-to-left override');
    assert.equal(terminalSafe('two\nlines\tand tab'), 'two\\nlines\\tand tab');
    assert.equal(terminalSafe('two\nlines\tand tab', { keepLines: true }), 'two\nlines\tand tab');
    assert.equal(terminalSafe('plain ünïcødé 日本 🙂'), 'plain ünïcødé 日本 🙂');
  });

  it('never lets an active character through, for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        assert.ok(!ACTIVE.test(terminalSafe(s)) && !terminalSafe(s).includes('\n'));
        assert.ok(!ACTIVE.test(terminalSafe(s, { keepLines: true }).replace(/\t/g, '')));
      }),
    );
  });

  it('JSON output escapes what JSON.stringify leaves raw, and still parses to the same value', () => {
    const value = { name: 'a\x1b[2J\u009b\u202e\u2028\x7f', n: 1, nested: ['\u2066x\u2069'] };
    const text = jsonForTerminal(value, 2);
    assert.ok(!ACTIVE.test(text.replace(/\n/g, '')), text);
    assert.deepEqual(JSON.parse(text), value);
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (v, s) => {
        const doc = { v, s, [s]: s };
        const out = jsonForTerminal(doc);
        assert.ok(!ACTIVE.test(out));
        assert.deepEqual(JSON.parse(out), JSON.parse(JSON.stringify(doc)));
      }),
    );
  });
});
