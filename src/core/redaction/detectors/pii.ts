// Personal-data detectors. Each candidate is validated (checksum, valid ranges, placeholder
// lists) so uuids, hashes, trace ids, timestamps and version strings are not flagged.

import { define, defineScanner } from './define';
import {
  cardNetwork, ibanValid, ipv4Boring, ipv4Valid, ipv6Boring, ipv6Valid, isTestCard, luhn, phonePlaceholder, ssnValid,
} from './checks';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { around } from './context';
import type { Detector, DetectorContext, Hit } from './types';

const AT = 'agent-trace/';

const EXAMPLE_DOMAIN = /(?:^|\.)(?:example\.(?:com|org|net|edu)|example|test|invalid|localhost|local)$/i;
const NON_PERSON_LOCAL = /^(?:git|noreply|no-reply|donotreply|do-not-reply|mailer-daemon|postmaster)$/i;

function emailValid(v: string): boolean {
  const at = v.lastIndexOf('@');
  const local = v.slice(0, at);
  const domain = v.slice(at + 1);
  if (EXAMPLE_DOMAIN.test(domain) || NON_PERSON_LOCAL.test(local)) return false;
  // Package specs and decorators (pkg@1.2.3, @scope/x) have no dotted alpha TLD; the regex ensures that.
  return !/^(?:user|you|your[._-]?(?:name|email)|name|someone|email)$/i.test(local);
}

const prevChar = (text: string, i: number): string => (i > 0 ? text[i - 1] : '');

/** Digits glued to other digits, dots or dashes are ids, versions or dates, not standalone numbers. */
function standalone(text: string, start: number, end: number): boolean {
  const before = prevChar(text, start);
  const after = text[end] ?? '';
  const after2 = text[end + 1] ?? '';
  if (/[A-Za-z0-9_/]/.test(before) || /[A-Za-z0-9_]/.test(after)) return false;
  if ((before === '.' || before === '-') && /\d/.test(prevChar(text, start - 1))) return false;
  if ((after === '.' || after === '-' || after === ':') && /\d/.test(after2)) return false;
  return true;
}

function phoneValid(v: string, text: string, index: number): boolean {
  const digits = v.replace(/\D/g, '');
  if (!standalone(text, index, index + v.length)) return false;
  if (phonePlaceholder(digits)) return false;
  if (v.startsWith('+')) return digits.length >= 8 && digits.length <= 15;
  // US national format needs separators (bare 10-digit runs are usually ids or timestamps).
  if (!/[ .()-]/.test(v)) return false;
  return digits.length === 10 || (digits.length === 11 && digits[0] === '1');
}

function cardValid(v: string, text: string, index: number): boolean {
  if (!standalone(text, index, index + v.length)) return false;
  const digits = v.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  // Separators, if any, are one kind, in groups of 4 (or Amex 4-6-5).
  const seps = v.replace(/\d/g, '');
  if (seps && !(/^ +$/.test(seps) || /^-+$/.test(seps))) return false;
  if (seps && !/^\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{1,7}$|^\d{4}[ -]\d{6}[ -]\d{4,5}$/.test(v)) return false;
  return luhn(digits) && cardNetwork(digits) !== null && !isTestCard(digits);
}

function ipv4Ok(v: string, text: string, index: number): boolean {
  if (!ipv4Valid(v) || ipv4Boring(v)) return false;
  const before = prevChar(text, index);
  const after = text[index + v.length] ?? '';
  if (/[0-9.]/.test(before) || (after === '.' && /\d/.test(text[index + v.length + 1] ?? ''))) return false;
  // Version strings: v1.2.3.4, "version 10.0.19041.1"
  if (/[vV]$/.test(before) || /(?:version|ver\.?|release|build|v)[\s:=" ]*$/i.test(text.slice(Math.max(0, index - 12), index))) return false;
  return true;
}

const isHexCode = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** Two colons at most 5 apart with only hex digits between: cheap gate before the IPv6 regex. */
function mayHaveIpv6(t: string): boolean {
  let i = t.indexOf(':');
  while (i !== -1) {
    const n = t.indexOf(':', i + 1);
    if (n === -1) return false;
    if (n - i <= 5 && (n === i + 1 || (i > 0 && isHexCode(t.charCodeAt(i - 1))))) {
      let hex = true;
      for (let k = i + 1; k < n && hex; k++) hex = isHexCode(t.charCodeAt(k));
      if (hex) return true;
    }
    i = n;
  }
  return false;
}

function ipv6Ok(v: string, text: string, index: number): boolean {
  if (!ipv6Valid(v) || ipv6Boring(v)) return false;
  // At least 3 groups written out: "ab::1" style fragments are too ambiguous in prose.
  if ((v.match(/[0-9a-fA-F]+/g) ?? []).length < 3) return false;
  const before = prevChar(text, index);
  const after = text[index + v.length] ?? '';
  return !/[0-9A-Za-z_:.]/.test(before) && !/[0-9A-Za-z_:]/.test(after);
}

/** UK National Insurance number prefixes never issued (HMRC NIM39110). */
const NI_BAD_PREFIX = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);
const NI_CONTEXT = /\b(?:NI|NINO|national insurance)\b/i;

function niValid(v: string, text: string, index: number): boolean {
  if (NI_BAD_PREFIX.has(v.slice(0, 2).toUpperCase())) return false;
  const spaces = (v.match(/ /g) ?? []).length;
  return (spaces === 0 || spaces === 4) && standalone(text, index, index + v.length);
}

/**
 * National-format phone numbers ("(415) 867-5309", "07911 123456", "06 12 34 56 78"): a cheap
 * regex finds digit groups, libphonenumber-js (Google's numbering-plan metadata, maintained) says
 * whether they are a valid number in one of the likely countries. Writing those plans by hand
 * would be wrong within a year.
 */
const PHONE_CANDIDATE = /\(?[0-9][0-9 ().-]{6,17}[0-9]/g;
const TRUNK_COUNTRIES: readonly CountryCode[] = ['GB', 'FR', 'DE', 'NL', 'IE', 'AU', 'BE', 'CH', 'AT'];
const NANP: readonly CountryCode[] = ['US', 'CA'];
const PHONE_CONTEXT = /\b(?:call|phone|tel|mobile|cell|text|reach|ring|contact|number|rappeler|appelez|t[ée]l[ée]phone|erreichen|anrufen|telefon|handy)\b/i;

function nationalPhoneHits(text: string): Hit[] {
  const hits: Hit[] = [];
  PHONE_CANDIDATE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PHONE_CANDIDATE.exec(text)) !== null) {
    const raw = m[0];
    const start = m.index;
    const end = start + raw.length;
    if (!standalone(text, start, end) || prevChar(text, start) === '-' || prevChar(text, start) === '+') continue;
    const digits = raw.replace(/\D/g, '');
    if (digits.length < 9 || digits.length > 12 || phonePlaceholder(digits)) continue;
    // One separator kind outside the US "(415) 867-5309" form; decimals and mixed runs are numbers, not phones.
    const seps = raw.replace(/^\([0-9]+\)/, '').replace(/[0-9]/g, '');
    if (!seps || new Set(seps).size > 1 || /[()]/.test(seps) || /  /.test(raw)) continue;
    if (raw.startsWith('(') !== /^\([0-9]{2,5}\)/.test(raw)) continue;
    // National forms: a trunk 0 (GB, FR, DE, NL, IE, AU, …) or the US 3-3-4 grouping; every group 2+ digits; not SSN-shaped.
    if (/(?:^|[ .-])[0-9](?=[ .-]|$)/.test(raw) || /^[0-9]{3}-[0-9]{2}-[0-9]{4}$/.test(raw)) continue;
    const trunk = raw.replace('(', '').startsWith('0');
    if (!trunk && !/^(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[ .-])[2-9][0-9]{2}[ .-][0-9]{4}$/.test(raw)) continue;
    const country = (trunk ? TRUNK_COUNTRIES : NANP).find((c) => parsePhoneNumberFromString(raw, c)?.isValid());
    if (!country) continue;
    const ctx = PHONE_CONTEXT.test(around(text, start, end, 40, 10));
    hits.push({ start, end, confidence: ctx ? 0.95 : 0.85, basis: ctx ? 'context' : 'checksum' });
  }
  return hits;
}

export const PII_DETECTORS: Detector[] = [
  define({ id: 'email', ruleId: AT + 'email', name: 'Email address', category: 'pii', type: 'email',
    src: '[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63})*\\.[A-Za-z]{2,24}\\b',
    quick: (t) => t.includes('@'), validate: (v) => emailValid(v), re2OverMatches: true }),
  define({ id: 'phone', ruleId: AT + 'phone', name: 'Phone number', category: 'pii', type: 'phone',
    src: '\\+[1-9][0-9]{0,2}[ .-]?(?:\\([0-9]{1,4}\\)[ .-]?)?[0-9]{1,4}(?:[ .-]?[0-9]{2,5}){1,4}\\b|\\([2-9][0-9]{2}\\)[ .-]?[2-9][0-9]{2}[ .-][0-9]{4}\\b|\\b(?:1[ .-])?[2-9][0-9]{2}[ .-][2-9][0-9]{2}[ .-][0-9]{4}\\b',
    validate: phoneValid, re2OverMatches: true }),
  define({ id: 'credit-card', ruleId: AT + 'credit-card', name: 'Payment card number', category: 'pii', type: 'credit-card',
    src: '\\b[0-9](?:[ -]?[0-9]){12,18}\\b', validate: cardValid, re2OverMatches: true }),
  define({ id: 'iban', ruleId: AT + 'iban', name: 'IBAN', category: 'pii', type: 'iban',
    src: '\\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\\b',
    validate: (v) => ibanValid(v), re2OverMatches: true }),
  define({ id: 'ssn', ruleId: AT + 'ssn', name: 'US Social Security number', category: 'pii', type: 'ssn',
    src: '\\b[0-9]{3}-[0-9]{2}-[0-9]{4}\\b',
    validate: (v, text, index) => ssnValid(v) && standalone(text, index, index + v.length), re2OverMatches: true }),
  define({ id: 'ipv4', ruleId: AT + 'ipv4', name: 'IPv4 address', category: 'pii', type: 'ip',
    src: '\\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\b',
    quick: (t) => t.includes('.'), validate: ipv4Ok, re2OverMatches: true }),
  define({ id: 'ipv6', ruleId: AT + 'ipv6', name: 'IPv6 address', category: 'pii', type: 'ip',
    // \\b: try only where a hex run starts, not inside one (superlinear on long hex runs, found by the recheck audit).
    src: '\\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|\\b(?:[0-9A-Fa-f]{1,4}:){1,6}(?::[0-9A-Fa-f]{1,4}){1,6}|\\b(?:[0-9A-Fa-f]{1,4}:){1,7}:',
    quick: mayHaveIpv6, validate: ipv6Ok, re2OverMatches: true }),
  define({ id: 'uk-ni', ruleId: AT + 'uk-ni', name: 'UK National Insurance number', category: 'pii', type: 'national-id',
    src: '\\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]\\b', validate: niValid, re2OverMatches: true,
    basis: 'pattern', confidence: 0.8, contextWords: NI_CONTEXT }),
  defineScanner({ id: 'phone-national', ruleId: AT + 'phone', name: 'Phone number (national format)', category: 'pii', type: 'phone',
    confidence: 0.85, basis: 'checksum', quick: (t) => /[0-9]{2}[ .-][0-9]{2}/.test(t),
    scan: (text: string, _ctx: DetectorContext) => nationalPhoneHits(text),
    notInRe2: 'national numbering plans (libphonenumber-js metadata) are not a regex; only the +CC and US forms of "phone" reach the collector' }),
];

