// One place that turns an RE2-compatible source into both the JS RegExp and the collector regex,
// so the preview and the exported collector config can't drift apart.

import type { Detector } from './types';

export interface DetectorSpec extends Omit<Detector, 'pattern' | 're2' | 'group'> {
  /** RE2-compatible source (no lookarounds, no backreferences). */
  src?: string;
  /** Or: prefix, sensitive value, suffix (no capturing groups inside); the value becomes group 1. */
  parts?: [string, string, string];
  /** 'i' for case-insensitive (becomes (?i) in RE2). */
  flags?: '' | 'i';
}

export function define(spec: DetectorSpec): Detector {
  const { src: whole, parts, flags = '', ...rest } = spec;
  const src = parts ? `${parts[0]}(${parts[1]})${parts[2]}` : (whole ?? '');
  const i = flags === 'i' ? '(?i)' : '';
  return {
    ...rest,
    group: parts ? 1 : undefined,
    pattern: new RegExp(src, 'g' + flags),
    re2: i + src,
    re2Parts: parts ? [i + parts[0], parts[1], parts[2]] : undefined,
  };
}

/** Turns an RE2 source from define() back into a JS RegExp (JS lacks the (?i) prefix form). */
export function re2ToJs(re2: string, extraFlags = 'g'): RegExp {
  if (re2.startsWith('(?i)')) return new RegExp(re2.slice(4), extraFlags + 'i');
  return new RegExp(re2, extraFlags);
}
