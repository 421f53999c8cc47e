// Validators that regexes can't express: checksums, entropy and documentation placeholders.

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  if (!s) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

const PLACEHOLDER_WORDS = /your|example|sample|placeholder|dummy|redacted|changeme|change_me|insert|replace|fake|foobar|xxxx|\*\*\*|\.\.\.|…|<|>|\$\{|\{\{|%[A-Z_]+%|here/i;

/** Documentation placeholders such as `sk-...your-key`, `YOUR_API_KEY`, `xxxx`, `<token>`. */
export function isPlaceholder(value: string): boolean {
  if (PLACEHOLDER_WORDS.test(value)) return true;
  // One character repeated makes up most of the value (e.g. sk-aaaaaaaa…, 0000000).
  const counts = new Map<string, number>();
  let max = 0;
  for (const ch of value) {
    const c = (counts.get(ch) ?? 0) + 1;
    counts.set(ch, c);
    if (c > max) max = c;
  }
  if (value.length >= 8 && max / value.length > 0.5) return true;
  // Runs like abcdefgh / 12345678 (sequential keyboard filler).
  if (/(?:0123456|1234567|2345678|3456789|abcdefg|bcdefgh|ABCDEFG)/.test(value)) return true;
  return false;
}

export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Card networks' prefixes and lengths (Visa, Mastercard, Amex, Discover, JCB, Diners). */
export function cardNetwork(digits: string): string | null {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p4 = Number(digits.slice(0, 4));
  if (digits[0] === '4' && (n === 13 || n === 16 || n === 19)) return 'visa';
  if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && n === 16) return 'mastercard';
  if ((p2 === 34 || p2 === 37) && n === 15) return 'amex';
  if ((digits.startsWith('6011') || p2 === 65) && (n === 16 || n === 19)) return 'discover';
  if (p4 >= 3528 && p4 <= 3589 && n >= 16 && n <= 19) return 'jcb';
  if ((p2 === 36 || p2 === 38 || (p4 >= 3000 && p4 <= 3059)) && n === 14) return 'diners';
  return null;
}

/** Card numbers printed in payment providers' docs as test cards: never real. */
const TEST_CARDS = new Set([
  '4242424242424242', '4111111111111111', '4000056655665556', '5555555555554444',
  '5105105105105100', '378282246310005', '371449635398431', '6011111111111117',
  '4012888888881881', '3530111333300000', '30569309025904', '2223003122003222',
]);
export const isTestCard = (digits: string): boolean => TEST_CARDS.has(digits);

/** IBAN lengths per country (ISO 13616 registry, the commonly seen ones). */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CR: 22, CY: 28,
  CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23,
  GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20,
  LB: 28, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31, MU: 30,
  NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SE: 24, SI: 19,
  SK: 24, SM: 27, TN: 24, TR: 26, UA: 29, VG: 24, XK: 20,
};

export function ibanValid(raw: string): boolean {
  const iban = raw.replace(/ /g, '').toUpperCase();
  const len = IBAN_LENGTHS[iban.slice(0, 2)];
  if (!len || iban.length !== len) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const code = ch.charCodeAt(0);
    const v = code >= 65 ? String(code - 55) : ch;
    for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

/** US SSN: area 001-899 except 666, group 01-99, serial 0001-9999; advertised samples excluded. */
export function ssnValid(s: string): boolean {
  const d = s.replace(/[- ]/g, '');
  if (d.length !== 9) return false;
  const area = Number(d.slice(0, 3));
  const group = Number(d.slice(3, 5));
  const serial = Number(d.slice(5));
  if (area === 0 || area === 666 || area >= 900) return false;
  if (group === 0 || serial === 0) return false;
  if (d === '078051120' || d === '219099999' || d === '123456789') return false;
  return true;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Base64 or base64url → UTF-8 text, or null when it is not valid Base64 or not UTF-8. Uses the
 *  atob/TextDecoder globals (Node and browsers) so the core needs no node: module. */
export function decodeBase64(s: string): string | null {
  let b = s.replace(/-/g, '+').replace(/_/g, '/');
  while (b.length % 4) b += '=';
  try {
    const bin = atob(b);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return UTF8.decode(bytes);
  } catch {
    return null;
  }
}

/** A JWT whose header decodes to JSON carrying "alg". */
export function jwtValid(token: string): boolean {
  const head = token.split('.')[0];
  try {
    const json = decodeBase64(head) ?? '';
    const obj: unknown = JSON.parse(json);
    return typeof obj === 'object' && obj !== null && 'alg' in obj;
  } catch {
    return false;
  }
}

const IPV4_PART = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function ipv4Valid(ip: string): boolean {
  const parts = ip.split('.');
  return parts.length === 4 && parts.every((p) => IPV4_PART.test(p));
}

/** Addresses that identify nobody: unspecified, loopback, broadcast, RFC 5737 documentation ranges. */
export function ipv4Boring(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '255.255.255.255' || ip.startsWith('127.') ||
    ip.startsWith('192.0.2.') || ip.startsWith('198.51.100.') || ip.startsWith('203.0.113.');
}

/** IPv6 parse (RFC 4291 text forms incl. '::' and an embedded IPv4 tail). */
export function ipv6Valid(s: string): boolean {
  if (s.length < 3 || s.length > 45) return false;
  let body = s;
  let groupsNeeded = 8;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) > 0) {
    if (!ipv4Valid(s.slice(lastColon + 1))) return false;
    body = s.slice(0, lastColon + 1) + '0';
    groupsNeeded = 7;
  }
  const dbl = body.indexOf('::');
  if (dbl !== body.lastIndexOf('::')) return false;
  const hex = /^[0-9a-fA-F]{1,4}$/;
  if (dbl >= 0) {
    const left = body.slice(0, dbl);
    const right = body.slice(dbl + 2);
    const l = left ? left.split(':') : [];
    const r = right ? right.split(':') : [];
    if (!l.every((g) => hex.test(g)) || !r.every((g) => hex.test(g))) return false;
    return l.length + r.length < groupsNeeded;
  }
  const g = body.split(':');
  return g.length === groupsNeeded && g.every((x) => hex.test(x));
}

export function ipv6Boring(s: string): boolean {
  const l = s.toLowerCase();
  return l === '::' || l === '::1' || l.startsWith('2001:db8:') || l.startsWith('2001:0db8:');
}

/** Phone-number placeholders: US 555-0100..0199 (reserved for fiction), all-same digits. */
export function phonePlaceholder(digits: string): boolean {
  if (/(\d)\1{6,}/.test(digits)) return true;
  const us = digits.length === 11 && digits[0] === '1' ? digits.slice(1) : digits;
  return us.length === 10 && us.slice(3, 6) === '555' && us.slice(6, 8) === '01';
}
