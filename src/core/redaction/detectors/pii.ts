// Personal-data detectors. Each candidate is validated (checksum, valid ranges, placeholder
// lists) so uuids, hashes, trace ids, timestamps and version strings are not flagged.

import { define } from './define';
import {
  cardNetwork, ibanValid, ipv4Boring, ipv4Valid, ipv6Boring, ipv6Valid, isTestCard, luhn, phonePlaceholder, ssnValid,
} from './checks';
import type { Detector } from './types';

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
    src: '(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,6}(?::[0-9A-Fa-f]{1,4}){1,6}|(?:[0-9A-Fa-f]{1,4}:){1,7}:',
    quick: mayHaveIpv6, validate: ipv6Ok, re2OverMatches: true }),
];
