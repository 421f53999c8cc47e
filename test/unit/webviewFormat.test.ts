import { strict as assert } from 'node:assert';
import { highlightSegments, prettyValue, truncate } from '../../webview/shared/format';

describe('webview format', () => {
  // Figures (cost, duration, tokens, counts, sizes) are tested in format.test.ts, the one module they come from.

  it('pretty-prints JSON-encoded strings and objects, leaves other text alone', () => {
    assert.equal(prettyValue('{"city":"Paris","n":[1,2]}'), '{\n  "city": "Paris",\n  "n": [\n    1,\n    2\n  ]\n}');
    assert.equal(prettyValue({ a: 1 }), '{\n  "a": 1\n}');
    assert.equal(prettyValue('{not json}'), '{not json}');
    assert.equal(prettyValue('<img src=x>'), '<img src=x>');
    assert.equal(prettyValue(42), '42');
    assert.equal(prettyValue(null), 'null');
  });

  it('truncates with an ellipsis', () => {
    assert.equal(truncate('abcdef', 4), 'abc…');
    assert.equal(truncate('abc', 4), 'abc');
  });

  it('splits text into highlight segments case-insensitively', () => {
    assert.deepEqual(highlightSegments('Get Weather get', 'get'), [
      { text: 'Get', match: true },
      { text: ' Weather ', match: false },
      { text: 'get', match: true },
    ]);
    assert.deepEqual(highlightSegments('abc', ''), [{ text: 'abc', match: false }]);
    assert.deepEqual(highlightSegments('abc', 'zz'), [{ text: 'abc', match: false }]);
  });
});
