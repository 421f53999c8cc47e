// Display formatting shared by the webviews. Pure and DOM-free so it is unit-tested in Node.
// Missing values show as "unknown" (or a dash in dense columns), never as 0 or $0.

export const UNKNOWN = 'unknown';

/** 0.42 ms → "420 µs", 12.3 → "12 ms", 1530 → "1.53 s", 125000 → "2m 05s", 3.9e6 → "1h 05m". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return UNKNOWN;
  if (ms === 0) return '0 ms';
  if (ms < 1) return `${Math.max(1, Math.round(ms * 1000))} µs`;
  if (ms < 1000) return `${ms < 10 ? trim(ms.toFixed(1)) : Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${trim(s.toFixed(s < 10 ? 2 : 1))} s`;
  const totalSeconds = Math.round(s);
  if (totalSeconds < 3600) {
    const m = Math.floor(totalSeconds / 60);
    return `${m}m ${pad2(totalSeconds % 60)}s`;
  }
  const totalMinutes = Math.round(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)}h ${pad2(totalMinutes % 60)}m`;
}

/** 950 → "950", 12345 → "12.3k", 2_500_000 → "2.5M"; null → "unknown". */
export function formatTokens(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return UNKNOWN;
  const abs = Math.abs(n);
  if (abs < 1000) return String(Math.round(n));
  if (abs < 1_000_000) return `${trim((n / 1000).toFixed(abs < 10_000 ? 2 : 1))}k`;
  return `${trim((n / 1_000_000).toFixed(abs < 10_000_000 ? 2 : 1))}M`;
}

/** Exact count with thousands separators, for detail tables: 12345 → "12,345". */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return UNKNOWN;
  return Math.round(n).toLocaleString('en-US');
}

/** USD: null → "unknown", 0 → "$0.00", tiny amounts keep significant digits: 0.000123 → "$0.000123". */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return UNKNOWN;
  if (usd === 0) return '$0.00';
  const abs = Math.abs(usd);
  const sign = usd < 0 ? '-' : '';
  if (abs >= 1) return `${sign}$${abs.toFixed(2)}`;
  if (abs >= 0.01) return `${sign}$${abs.toFixed(4).replace(/0{1,2}$/, '')}`;
  return `${sign}$${trim(abs.toPrecision(3))}`;
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n) || n < 0) return UNKNOWN;
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${trim((n / 1024).toFixed(1))} KB`;
  return `${trim((n / 1024 / 1024).toFixed(1))} MB`;
}

/**
 * Pretty-prints a value for display as plain text. Strings holding JSON objects or arrays are
 * parsed and re-indented (tool arguments and many attributes arrive JSON-encoded); any other
 * string is returned unchanged.
 */
export function prettyValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return '';
  if (typeof value === 'string') {
    const t = value.trim();
    if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'))) {
      try {
        return JSON.stringify(JSON.parse(t), null, 2);
      } catch {
        return value;
      }
    }
    return value;
  }
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value, null, 2);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** Shortens one-line previews; counts UTF-16 units, which is good enough for a preview. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Splits text into plain and matching segments (case-insensitive) so a view can mark matches as text. */
export function highlightSegments(text: string, query: string): { text: string; match: boolean }[] {
  const q = query.trim().toLowerCase();
  if (!q) return [{ text, match: false }];
  const lower = text.toLowerCase();
  const out: { text: string; match: boolean }[] = [];
  let from = 0;
  for (;;) {
    const at = lower.indexOf(q, from);
    if (at < 0) break;
    if (at > from) out.push({ text: text.slice(from, at), match: false });
    out.push({ text: text.slice(at, at + q.length), match: true });
    from = at + q.length;
  }
  if (from < text.length || out.length === 0) out.push({ text: text.slice(from), match: false });
  return out;
}

function trim(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
