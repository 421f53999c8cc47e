// The detector registry and the text scanner: run every enabled detector over one string,
// validate, and resolve overlaps (longest wins, secrets before PII on ties).

import { PII_DETECTORS } from './pii';
import { SECRET_DETECTORS, SECRET_KEY } from './secrets';
import type { Detector, DetectorContext, Match } from './types';

export type { Detector, Match, DetectorContext } from './types';
export { SECRET_KEY } from './secrets';

export const ALL_DETECTORS: readonly Detector[] = [...SECRET_DETECTORS, ...PII_DETECTORS];

/** Values found in strings of this many characters or more are not scanned past this point. */
export const MAX_SCAN_CHARS = 1_000_000;

export function detectInText(text: string, detectors: readonly Detector[], ctx: DetectorContext = { key: '' }): Match[] {
  if (text.length < 6) return [];
  const scanned = text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text;
  const found: Match[] = [];
  const keyIsSecret = ctx.key !== '' && SECRET_KEY.test(ctx.key);
  for (const d of detectors) {
    if (d.keyed) {
      if (keyIsSecret && (!d.validate || d.validate(scanned, scanned, 0, ctx))) {
        found.push({ detector: d, start: 0, end: scanned.length, value: scanned });
      }
      continue;
    }
    if (d.quick && !d.quick(scanned)) continue;
    const re = d.pattern;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(scanned)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      const value = d.group ? m[d.group] : m[0];
      if (!value) continue;
      const start = d.group ? m.index + m[0].lastIndexOf(value) : m.index;
      if (d.validate && !d.validate(value, scanned, start, ctx)) continue;
      found.push({ detector: d, start, end: start + value.length, value });
    }
  }
  return resolveOverlaps(found);
}

function resolveOverlaps(found: Match[]): Match[] {
  if (found.length < 2) return found;
  const byPriority = [...found].sort((a, b) =>
    (b.end - b.start) - (a.end - a.start) ||
    (a.detector.category === b.detector.category ? 0 : a.detector.category === 'secret' ? -1 : 1) ||
    a.start - b.start);
  const kept: Match[] = [];
  for (const m of byPriority) {
    if (!kept.some((k) => m.start < k.end && k.start < m.end)) kept.push(m);
  }
  return kept.sort((a, b) => a.start - b.start);
}
