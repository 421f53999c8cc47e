// The one place costs, durations, token counts and sizes become text: the Traces view, the trace
// panel, code lenses, hovers and the CLI all print through here, so one trace shows one figure
// everywhere. Pure and import-free: the webview bundles include it too (see eslint.config.mjs).
// A missing value is "unknown", never 0 or $0; a tiny value keeps its significant digits.
// Hand-written because Intl.NumberFormat's compact and significant-digit modes round small
// costs to zero or switch to exponent notation, and no small library formats durations this way.

export const UNKNOWN = 'unknown';

type Maybe = number | null | undefined;

const known = (n: Maybe): n is number => typeof n === 'number' && Number.isFinite(n);

/** Strips trailing zeros of a fixed-point number, keeping at least `minDecimals` decimals. */
function trimZeros(fixed: string, minDecimals = 0): string {
  const dot = fixed.indexOf('.');
  if (dot < 0) return fixed;
  let end = fixed.length;
  while (end > dot + 1 + minDecimals && fixed[end - 1] === '0') end--;
  if (end === dot + 1) end = dot;
  return fixed.slice(0, end);
}

/** Integer part with thousands separators: "1234567.5" → "1,234,567.5". */
function groupThousands(fixed: string): string {
  const [int, frac] = fixed.split('.');
  // A loop rather than the usual lookahead regex, which is quadratic in the digit count.
  const sign = int.startsWith('-') ? '-' : '';
  const digits = sign ? int.slice(1) : int;
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 3) groups.unshift(digits.slice(Math.max(0, end - 3), end));
  const grouped = sign + groups.join(',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/**
 * USD. From a dollar up: cents ("$12.35", "$1,204.50"). Below: three significant digits, so a
 * sub-cent call is never "$0.0000": 0.000036 → "$0.000036", 0.000166 → "$0.000166",
 * 0.0123 → "$0.0123", 0.5 → "$0.50". Zero is "$0.00".
 */
export function formatCost(usd: Maybe): string {
  if (!known(usd)) return UNKNOWN;
  if (usd === 0) return '$0.00';
  const sign = usd < 0 ? '-' : '';
  const abs = Math.abs(usd);
  if (abs >= 0.995) return `${sign}$${groupThousands(abs.toFixed(2))}`;
  // Decimals for three significant digits (0.0123 → 4, 0.000036 → 7), capped where toFixed stops.
  const decimals = Math.min(100, Math.max(2, 2 - Math.floor(Math.log10(abs))));
  return `${sign}$${trimZeros(abs.toFixed(decimals), 2)}`;
}

/**
 * Milliseconds (as spans carry them) from microseconds to hours: 0.28 → "280 µs", 4.5 → "4.5 ms",
 * 250 → "250 ms", 1234 → "1.2 s", 123000 → "2 min 3 s", 3.9e6 → "1 h 5 min". A span of 280 µs is
 * never "0 ms".
 */
export function formatDuration(ms: Maybe): string {
  if (!known(ms) || ms < 0) return UNKNOWN;
  if (ms === 0) return '0 ms';
  const us = Math.round(ms * 1000);
  if (us < 1) return '<1 µs';
  if (us < 1000) return `${us} µs`;
  if (ms < 9.95) return `${trimZeros(ms.toFixed(1))} ms`;
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${trimZeros((tenths / 10).toFixed(1))} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return joinUnits(Math.floor(seconds / 60), 'min', seconds % 60, 's');
  const minutes = Math.round(ms / 60_000);
  return joinUnits(Math.floor(minutes / 60), 'h', minutes % 60, 'min');
}

function joinUnits(big: number, bigUnit: string, small: number, smallUnit: string): string {
  return small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`;
}

/** Compact count for dense columns, three significant digits: 950 → "950", 1540 → "1.54k", 12345 → "12.3k", 2.5e6 → "2.5M". */
export function formatTokens(n: Maybe): string {
  if (!known(n)) return UNKNOWN;
  const sign = n < 0 ? '-' : '';
  const abs = Math.abs(Math.round(n));
  if (abs < 1000) return `${sign}${abs}`;
  for (const [size, unit] of [
    [1e3, 'k'],
    [1e6, 'M'],
    [1e9, 'B'],
  ] as const) {
    const scaled = abs / size;
    const text = trimZeros(scaled.toFixed(scaled < 10 ? 2 : scaled < 100 ? 1 : 0));
    // 999,950 rounds to "1000k": say "1M" instead.
    if (Number(text) < 1000 || unit === 'B') return `${sign}${text}${unit}`;
  }
  return `${sign}${abs}`;
}

/** Exact count with thousands separators, for detail tables and code lenses: 12345 → "12,345". */
export function formatCount(n: Maybe): string {
  if (!known(n)) return UNKNOWN;
  return groupThousands(String(Math.round(n)));
}

/** "1 call", "2 calls": a count with its noun, plural when it is not one. */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(n)} ${n === 1 ? singular : plural}`;
}

/** Sizes in binary units: 512 → "512 B", 1536 → "1.5 KB", 3.2e6 → "3.1 MB". */
export function formatBytes(n: Maybe): string {
  if (!known(n) || n < 0) return UNKNOWN;
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${trimZeros((n / 1024).toFixed(1))} KB`;
  if (n < 1024 ** 3) return `${trimZeros((n / 1024 / 1024).toFixed(1))} MB`;
  return `${trimZeros((n / 1024 ** 3).toFixed(1))} GB`;
}

/**
 * A fraction in [0, 1] as a percent, for rates (error rate, check pass rate): 0.98 → "98%",
 * 0.125 → "12.5%", 0.0004 → "0.04%", 1 → "100%". Two significant digits below 10%, so a rare
 * failure is never "0%"; a true zero is "0%".
 */
export function formatPercent(fraction: Maybe): string {
  if (!known(fraction)) return UNKNOWN;
  const pct = fraction * 100;
  const abs = Math.abs(pct);
  if (abs === 0) return '0%';
  if (abs >= 9.95) {
    const text = trimZeros(pct.toFixed(1));
    // 99.97% is not a clean sheet: never round a rate below 100% up to it.
    return text === '100' && pct < 100 ? '>99.9%' : `${text}%`;
  }
  const decimals = Math.min(20, Math.max(1, 1 - Math.floor(Math.log10(abs))));
  return `${trimZeros(pct.toFixed(decimals))}%`;
}

/** A test's p-value as papers print it: "p < 0.001", "p = 0.032", "p = 0.41"; unknown when none. */
export function formatPValue(p: Maybe): string {
  if (!known(p) || p < 0) return UNKNOWN;
  if (p < 0.001) return 'p < 0.001';
  return `p = ${Number(Math.min(1, p).toPrecision(2))}`;
}
