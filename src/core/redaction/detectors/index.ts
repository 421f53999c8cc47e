// The detector registry and the text scanner: run every enabled detector over one string,
// validate, score, and resolve overlaps (longest wins, secrets before PII, PII before health and person on ties).

import { around } from './context';
import { CONDITION_RE, DRUG_RE, HEALTH_DETECTORS } from './health';
import { CAPITALIZED_RUN, PERSON_DETECTORS, WHOLE_NAME } from './person';
import { PII_DETECTORS } from './pii';
import { SECRET_DETECTORS, SECRET_KEY } from './secrets';
import type { Detector, DetectorContext, Match } from './types';

export type { Detector, Match, DetectorContext, Hit } from './types';
export { SECRET_KEY } from './secrets';

export const ALL_DETECTORS: readonly Detector[] = [...SECRET_DETECTORS, ...PII_DETECTORS, ...HEALTH_DETECTORS, ...PERSON_DETECTORS];

/** Regexes built at run time (from word lists) that scanners run on span content; regex literals are found in the source by the audit test. */
export const BUILT_PATTERNS: readonly RegExp[] = [CONDITION_RE, DRUG_RE, CAPITALIZED_RUN, WHOLE_NAME, SECRET_KEY];

/** Values found in strings of this many characters or more are not scanned past this point. */
export const MAX_SCAN_CHARS = 1_000_000;

/** Attribute keys whose string values are natural language (messages, prompts, tool results, input/output values). */
const NATURAL_LANGUAGE_ATTR = /message|content|prompt|completion|(?:^|\.)(?:input|output)\.value$|tool\.call\.(?:result|arguments)|(?:^|\.)text$|^note$|\.body$|query|question|answer|summary/i;
/** JSON keys (or attribute keys) that hold identifiers, enums or machine values, never prose. */
const MACHINE_KEY = /(?:^|[_.-])ids?$|[a-z]Ids?$|^(?:type|role|model|url|uri|href|path|file|filename|hash|sha|version|finish_reason|mime_?type|status|encoding|format|lang|language|kind|method|sku)$/i;

/**
 * Whether the language pass (names, diagnoses, medications) runs on a string: only inside
 * natural-language attributes, not under id/enum keys, and only on text with a space in it.
 */
export function isNaturalLanguage(attrKey: string, leafKey: string, text: string): boolean {
  if (!NATURAL_LANGUAGE_ATTR.test(attrKey) || MACHINE_KEY.test(leafKey)) return false;
  return text.includes(' ');
}

const CATEGORY_RANK: Record<string, number> = { secret: 0, pii: 1, health: 2, person: 3 };

export function detectInText(text: string, detectors: readonly Detector[], ctx: DetectorContext = { key: '' }): Match[] {
  if (text.length < 6) return [];
  const scanned = text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text;
  const found: Match[] = [];
  const keyIsSecret = ctx.key !== '' && SECRET_KEY.test(ctx.key);
  for (const d of detectors) {
    if (d.naturalLanguageOnly && !ctx.naturalLanguage) continue;
    if (d.keyed) {
      if (keyIsSecret && (!d.validate || d.validate(scanned, scanned, 0, ctx))) {
        found.push({ detector: d, start: 0, end: scanned.length, value: scanned, confidence: d.confidence, basis: 'context' });
      }
      continue;
    }
    if (d.quick && !d.quick(scanned)) continue;
    if (d.scan) {
      for (const h of d.scan(scanned, ctx)) {
        found.push({ detector: d, start: h.start, end: h.end, value: scanned.slice(h.start, h.end), confidence: h.confidence, basis: h.basis, decoded: h.decoded });
      }
      continue;
    }
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
      const start = d.group ? m.index + groupOffset(m, d.group) : m.index;
      if (d.validate && !d.validate(value, scanned, start, ctx)) continue;
      const end = start + value.length;
      const inContext = d.contextWords !== undefined && d.contextWords.test(around(scanned, start, end, 60, 10));
      found.push({
        detector: d, start, end, value,
        confidence: inContext ? Math.max(d.confidence, 0.95) : d.confidence,
        basis: inContext ? 'context' : d.basis,
        decoded: d.decode?.(value),
      });
    }
  }
  return resolveOverlaps(found);
}

/** Offset of the value group inside the match (define() builds `prefix(value)suffix`, suffixes are short). */
function groupOffset(m: RegExpExecArray, group: number): number {
  const at = m[0].lastIndexOf(m[group]);
  return at < 0 ? 0 : at;
}

function resolveOverlaps(found: Match[]): Match[] {
  if (found.length < 2) return found;
  const byPriority = [...found].sort((a, b) =>
    (b.end - b.start) - (a.end - a.start) ||
    CATEGORY_RANK[a.detector.category] - CATEGORY_RANK[b.detector.category] ||
    a.start - b.start);
  const kept: Match[] = [];
  for (const m of byPriority) {
    if (!kept.some((k) => m.start < k.end && k.start < m.end)) kept.push(m);
  }
  return kept.sort((a, b) => a.start - b.start);
}
