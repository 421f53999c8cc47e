import { strict as assert } from 'node:assert';
import { formatBytes, formatCost, formatCount, formatDuration, formatTokens, highlightSegments, prettyValue, truncate } from '../../webview/shared/format';

describe('webview format', () => {
  const cases: [string, (v: never) => string, unknown, string][] = [
    ['duration null', formatDuration, null, 'unknown'],
    ['duration NaN', formatDuration, Number.NaN, 'unknown'],
    ['duration zero', formatDuration, 0, '0 ms'],
    ['duration µs', formatDuration, 0.42, '420 µs'],
    ['duration small ms', formatDuration, 4.25, '4.3 ms'],
    ['duration ms', formatDuration, 12.6, '13 ms'],
    ['duration s', formatDuration, 1530, '1.53 s'],
    ['duration tens of s', formatDuration, 12_340, '12.3 s'],
    ['duration minutes', formatDuration, 125_000, '2m 05s'],
    ['duration hours', formatDuration, 3_900_000, '1h 05m'],
    ['tokens null', formatTokens, null, 'unknown'],
    ['tokens zero is a real zero', formatTokens, 0, '0'],
    ['tokens small', formatTokens, 950, '950'],
    ['tokens k', formatTokens, 1234, '1.23k'],
    ['tokens tens of k', formatTokens, 12_345, '12.3k'],
    ['tokens M', formatTokens, 2_500_000, '2.5M'],
    ['count', formatCount, 12_345, '12,345'],
    ['count null', formatCount, null, 'unknown'],
    ['cost unknown is never $0', formatCost, null, 'unknown'],
    ['cost zero reported', formatCost, 0, '$0.00'],
    ['cost dollars', formatCost, 1.5, '$1.50'],
    ['cost cents', formatCost, 0.5, '$0.50'],
    ['cost sub-cent keeps digits', formatCost, 0.000231, '$0.000231'],
    ['cost few cents', formatCost, 0.0123, '$0.0123'],
    ['bytes', formatBytes, 123_456, '120.6 KB'],
    ['bytes small', formatBytes, 12, '12 B'],
  ];
  for (const [name, fn, input, expected] of cases) {
    it(name, () => assert.equal(fn(input as never), expected));
  }

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
