// The one formatting module (src/core/format.ts): every figure the view, the panel, code lenses,
// hovers and the CLI print. Table tests; the last rows of each table are the edges that used to
// print wrong ("$0.0000" for $0.000036, "last 0 ms" for 280 µs).
import { strict as assert } from 'node:assert';
import { countOf, formatBytes, formatCost, formatCount, formatDuration, formatPercent, formatPValue, formatTokens } from '../../src/core/format';
import * as webview from '../../webview/shared/format';
import * as extension from '../../src/extension/format';

type Row = [input: number | null | undefined, expected: string];

function table(name: string, fn: (v: number | null | undefined) => string, rows: Row[]): void {
  describe(name, () => {
    for (const [input, expected] of rows) it(`${String(input)} → ${expected}`, () => assert.equal(fn(input), expected));
  });
}

describe('format: one module for every figure', () => {
  table('formatCost', formatCost, [
    [null, 'unknown'],
    [undefined, 'unknown'],
    [Number.NaN, 'unknown'],
    [0, '$0.00'],
    [1.5, '$1.50'],
    [12.345, '$12.35'],
    [1204.5, '$1,204.50'],
    [0.999, '$1.00'],
    [0.5, '$0.50'],
    [0.123456, '$0.123'],
    [0.0123, '$0.0123'],
    [0.01, '$0.01'],
    [0.0012, '$0.0012'],
    [0.000231, '$0.000231'],
    [0.000166, '$0.000166'],
    [0.0000549, '$0.0000549'],
    [0.000036, '$0.000036'],
    [0.0000360049, '$0.000036'],
    [1.234e-9, '$0.00000000123'],
    [-0.25, '-$0.25'],
  ]);

  table('formatDuration (milliseconds in)', formatDuration, [
    [null, 'unknown'],
    [Number.NaN, 'unknown'],
    [-1, 'unknown'],
    [0, '0 ms'],
    [0.0002, '<1 µs'],
    [0.28, '280 µs'],
    [0.42, '420 µs'],
    [0.9996, '1 ms'],
    [4.25, '4.3 ms'],
    [12.6, '13 ms'],
    [250, '250 ms'],
    [999.6, '1 s'],
    [1234, '1.2 s'],
    [1530, '1.5 s'],
    [4000, '4 s'],
    [12_340, '12.3 s'],
    [59_960, '1 min'],
    [123_000, '2 min 3 s'],
    [125_000, '2 min 5 s'],
    [3_599_600, '1 h'],
    [3_900_000, '1 h 5 min'],
  ]);

  table('formatTokens (compact)', formatTokens, [
    [null, 'unknown'],
    [0, '0'],
    [950, '950'],
    [1000, '1k'],
    [1234, '1.23k'],
    [1540, '1.54k'],
    [12_345, '12.3k'],
    [123_456, '123k'],
    [999_950, '1M'],
    [2_500_000, '2.5M'],
    [3_210_000_000, '3.21B'],
  ]);

  table('formatCount (exact)', formatCount, [
    [null, 'unknown'],
    [0, '0'],
    [999, '999'],
    [12_345, '12,345'],
    [1_234_567, '1,234,567'],
  ]);

  table('formatBytes', formatBytes, [
    [null, 'unknown'],
    [12, '12 B'],
    [1536, '1.5 KB'],
    [123_456, '120.6 KB'],
    [3_355_443, '3.2 MB'],
  ]);

  it('counts with their noun', () => {
    assert.equal(countOf(1, 'call'), '1 call');
    assert.equal(countOf(2, 'call'), '2 calls');
    assert.equal(countOf(1200, 'run'), '1,200 runs');
  });

  it('the webviews and the extension print through the same functions', () => {
    assert.equal(webview.formatCost, formatCost);
    assert.equal(webview.formatDuration, formatDuration);
    assert.equal(webview.formatTokens, formatTokens);
    assert.equal(extension.formatDuration(280 / 1000), formatDuration(0.28));
    assert.equal(extension.formatCost(0.000036), '$0.000036');
    assert.equal(extension.formatTokens(1540), formatTokens(1540));
  });

  it('rates as percents: a rare failure is never 0%, a near-perfect rate never 100%', () => {
    assert.equal(formatPercent(0.98), '98%');
    assert.equal(formatPercent(0.125), '12.5%');
    assert.equal(formatPercent(0.6), '60%');
    assert.equal(formatPercent(1), '100%');
    assert.equal(formatPercent(0), '0%');
    assert.equal(formatPercent(0.0004), '0.04%');
    assert.equal(formatPercent(0.05), '5%');
    assert.equal(formatPercent(0.0123), '1.2%');
    assert.equal(formatPercent(0.9997), '>99.9%');
    assert.equal(formatPercent(-0.38), '-38%');
    assert.equal(formatPercent(null), 'unknown');
  });

  it('p-values as tests report them', () => {
    assert.equal(formatPValue(0.0000031), 'p < 0.001');
    assert.equal(formatPValue(0.032), 'p = 0.032');
    assert.equal(formatPValue(0.41234), 'p = 0.41');
    assert.equal(formatPValue(0.5), 'p = 0.5');
    assert.equal(formatPValue(0.0012), 'p = 0.0012');
    assert.equal(formatPValue(null), 'unknown');
  });
});
