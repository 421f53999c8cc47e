// One place that turns an RE2-compatible source into both the JS RegExp and the collector regex,
// so the preview and the exported collector config can't drift apart.

import type { Detector } from './types';

export interface DetectorSpec extends Omit<Detector, 'pattern' | 're2' | 'group' | 'confidence' | 'basis'> {
  /** Defaults: 0.9 and 'pattern' (prefix-specific secret formats and validated numbers are rarely wrong). */
  confidence?: number;
  basis?: Detector['basis'];
  /** RE2-compatible source (no lookarounds, no backreferences). */
  src?: string;
  /** Or: prefix, sensitive value, suffix (no capturing groups inside); the value becomes group 1. */
  parts?: [string, string, string];
  /** 'i' for case-insensitive (becomes (?i) in RE2). */
  flags?: '' | 'i';
  /**
   * A lookbehind put in front of the JavaScript pattern only. JavaScript backtracks, so an
   * unbounded run that may start anywhere inside a longer run of the same characters is
   * quadratic there; starting only where such a run starts keeps it linear. RE2 (the Collector)
   * runs in linear time anyway and has no lookbehind, so its form stays without it.
   */
  jsLookbehind?: string;
}

export function define(spec: DetectorSpec): Detector {
  const { src: whole, parts, flags = '', confidence = 0.9, basis = 'pattern', jsLookbehind = '', ...rest } = spec;
  const src = parts ? `${parts[0]}(${parts[1]})${parts[2]}` : (whole ?? '');
  const i = flags === 'i' ? '(?i)' : '';
  return {
    ...rest,
    confidence,
    basis,
    group: parts ? 1 : undefined,
    pattern: new RegExp(jsLookbehind + src, 'g' + flags),
    re2: i + src,
    re2Parts: parts ? [i + parts[0], parts[1], parts[2]] : undefined,
  };
}

/** Turns an RE2 source from define() back into a JS RegExp (JS lacks the (?i) prefix form). */
export function re2ToJs(re2: string, extraFlags = 'g'): RegExp {
  if (re2.startsWith('(?i)')) return new RegExp(re2.slice(4), extraFlags + 'i');
  return new RegExp(re2, extraFlags);
}

/** A detector that no RE2 pattern can express (language model, context scoring): scan() does the work. */
export function defineScanner(spec: Omit<Detector, 'pattern' | 're2' | 'group' | 'scan' | 'notInRe2'> & {
  scan: NonNullable<Detector['scan']>;
  notInRe2: string;
}): Detector {
  return { ...spec, pattern: /(?!)/g, re2: '' };
}
