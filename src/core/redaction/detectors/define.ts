// One place that turns an RE2-compatible source into both the JS RegExp and the collector regex,
// so the preview and the exported collector config can't drift apart.

import type { Detector } from './types';

export interface DetectorSpec extends Omit<Detector, 'pattern' | 're2'> {
  /** RE2-compatible source (no lookarounds, no backreferences). */
  src: string;
  /** 'i' for case-insensitive (becomes (?i) in RE2). */
  flags?: '' | 'i';
}

export function define(spec: DetectorSpec): Detector {
  const { src, flags = '', ...rest } = spec;
  return {
    ...rest,
    pattern: new RegExp(src, 'g' + flags),
    re2: (flags === 'i' ? '(?i)' : '') + src,
  };
}

/** Turns an RE2 source from define() back into a JS RegExp (JS lacks the (?i) prefix form). */
export function re2ToJs(re2: string, extraFlags = 'g'): RegExp {
  if (re2.startsWith('(?i)')) return new RegExp(re2.slice(4), extraFlags + 'i');
  return new RegExp(re2, extraFlags);
}
