// Fitting a list of result items into a token budget: as many items as fit from a cursor on,
// and a cursor for the rest. The token counter is passed in, so this stays pure and testable.

export type CountTokens = (text: string) => number;

export interface Page<T> {
  /** The items on this page (the one item clipped when `clipped`). */
  items: T[];
  /** The rendered text that fits the budget. */
  text: string;
  /** How many items the text holds, from the start. */
  count: number;
  /** Index of the first item not included, or null when the list is done. */
  next: number | null;
  tokens: number;
  /** One item alone did not fit and was clipped (its long strings cut). */
  clipped: boolean;
}

export interface PageRequest<T> {
  items: readonly T[];
  start: number;
  budget: number;
  countTokens: CountTokens;
  /** Renders the items and the cursor that would follow them. */
  render: (items: readonly T[], next: number | null, clipped: boolean) => string;
  /** A copy of the item with every string longer than maxChars cut to maxChars. */
  clip: (item: T, maxChars: number) => T;
}

/**
 * Grows the page in doubling steps, then bisects, so a 10,000-item list costs a few renders
 * near the budget, not 10,000. Assumes more items never take fewer tokens.
 */
export function fitPage<T>(req: PageRequest<T>): Page<T> {
  const { items, start, budget, countTokens, render } = req;
  const remaining = items.length - start;
  const attempt = (k: number): { text: string; tokens: number } => {
    const next = start + k < items.length ? start + k : null;
    const text = render(items.slice(start, start + k), next, false);
    return { text, tokens: countTokens(text) };
  };
  if (remaining <= 0) {
    const empty = attempt(0);
    return { ...empty, items: [], count: 0, next: null, clipped: false };
  }
  let good = 0;
  let goodResult: { text: string; tokens: number } | null = null;
  let bad = remaining + 1;
  for (let k = 1; k <= remaining; k = Math.min(remaining, k * 2)) {
    const r = attempt(k);
    if (r.tokens > budget) {
      bad = k;
      break;
    }
    good = k;
    goodResult = r;
    if (k === remaining) break;
  }
  while (bad - good > 1 && good < remaining) {
    const mid = Math.floor((good + bad) / 2);
    const r = attempt(mid);
    if (r.tokens <= budget) {
      good = mid;
      goodResult = r;
    } else bad = mid;
  }
  if (good > 0 && goodResult) {
    const next = start + good < items.length ? start + good : null;
    return { ...goodResult, items: items.slice(start, start + good), count: good, next, clipped: false };
  }
  return clipOne(req);
}

/** The first item alone is over the budget: cut its strings until it fits. */
function clipOne<T>(req: PageRequest<T>): Page<T> {
  const { items, start, budget, countTokens, render, clip } = req;
  const next = start + 1 < items.length ? start + 1 : null;
  for (let maxChars = Math.max(64, budget * 2); ; maxChars = Math.floor(maxChars / 2)) {
    const clipped = clip(items[start], maxChars);
    const text = render([clipped], next, true);
    const tokens = countTokens(text);
    if (tokens <= budget || maxChars <= 16) return { items: [clipped], text, tokens, count: 1, next, clipped: true };
  }
}

/** Cuts a string to maxChars and says how much was cut, so a reader never mistakes it for the whole. */
export function clipString(s: string, maxChars: number): string {
  if (s.length <= maxChars) return s;
  return `${s.slice(0, maxChars)}…[${s.length - maxChars} more characters not shown]`;
}

/** Every string in a JSON-like value clipped to maxChars. */
export function clipStrings<T>(value: T, maxChars: number): T {
  if (typeof value === 'string') return clipString(value, maxChars) as T;
  if (Array.isArray(value)) return value.map((v) => clipStrings(v, maxChars)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = clipStrings(v, maxChars);
    return out as T;
  }
  return value;
}

/** Splits long text into parts of at most partChars, so a huge message can be read page by page. */
export function splitText(s: string, partChars: number): string[] {
  if (s.length <= partChars) return [s];
  const parts: string[] = [];
  for (let i = 0; i < s.length; i += partChars) parts.push(s.slice(i, i + partChars));
  return parts;
}

/** Cursors are item offsets as decimal strings; anything else, or past the end, is refused with the reason. */
export function parseCursor(cursor: string | undefined, total: number): number {
  if (cursor === undefined || cursor === '') return 0;
  if (!/^\d{1,9}$/.test(cursor)) throw new RangeError(`Invalid cursor "${cursor.slice(0, 40)}": pass the nextCursor value of a previous result.`);
  const n = Number(cursor);
  if (n > total) throw new RangeError(`Cursor ${n} is past the end of the result (${total} item${total === 1 ? '' : 's'}).`);
  return n;
}
