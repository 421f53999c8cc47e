// What a detector is: one pattern, an optional validator (checksum, placeholder, entropy) and
// the RE2-compatible form of its pattern for collectors. Pure, no I/O.

import type { DecodedFinding, FindingBasis, FindingCategory } from '../types';

export interface DetectorContext {
  /** The last key on the path to this string (attribute key or JSON object key), or ''. */
  key: string;
  /** True for natural-language text (message content, tool results, input.value/output.value): the language pass runs only there. */
  naturalLanguage?: boolean;
}

/** What a custom scanner (scan) reports; offsets are in the scanned text. */
export interface Hit {
  start: number;
  end: number;
  confidence: number;
  basis: FindingBasis;
  decoded?: DecodedFinding;
}

export interface Detector {
  /** Stable id used in policies (e.g. "openai-api-key"). */
  id: string;
  /** Rule id reported in findings: the secretlint rule id when secretlint has the rule, else agent-trace/<id>. */
  ruleId: string;
  name: string;
  category: FindingCategory;
  type: string;
  /** JS pattern; must be global. */
  pattern: RegExp;
  /** Capture group holding the sensitive value (default 0: the whole match). */
  group?: number;
  /** Cheap test that rules a string out before the regex runs (speed). */
  quick?: (text: string) => boolean;
  /** Extra checks the regex can't express (checksums, placeholders, entropy). */
  validate?: (value: string, text: string, index: number, ctx: DetectorContext) => boolean;
  /** RE2 pattern for the OpenTelemetry Collector; the sensitive part is capture group re2Group (default 0). */
  re2: string;
  /** For detectors whose value is part of the match: RE2 prefix (with flags), value, suffix. */
  re2Parts?: [string, string, string];
  /** True when validate() rejects things the RE2 pattern still matches (collector over-matches). */
  re2OverMatches?: boolean;
  /** Detector that looks at a whole string value under a secret-like key (JSON object keys). */
  keyed?: boolean;
  /** Confidence of a plain pattern match (0..1) and how it is established; validators may refine it via scan(). */
  confidence: number;
  basis: FindingBasis;
  /** For values that are an encoding (Base64 credentials): the decoded value, for the preview. */
  decode?: (value: string) => DecodedFinding | undefined;
  /** A scanner that replaces the regex loop (language model, context scoring). */
  scan?: (text: string, ctx: DetectorContext) => Hit[];
  /** Words that, within 60 characters before (10 after) a match, raise it to confidence 0.95 with basis 'context'. */
  contextWords?: RegExp;
  /** Runs only on natural-language text (see DetectorContext.naturalLanguage). */
  naturalLanguageOnly?: boolean;
  /** Set when no RE2 pattern can express the detector: why (shown in the collector export). re2 is '' then. */
  notInRe2?: string;
}

export interface Match {
  detector: Detector;
  start: number;
  end: number;
  value: string;
  confidence: number;
  basis: FindingBasis;
  decoded?: DecodedFinding;
}
