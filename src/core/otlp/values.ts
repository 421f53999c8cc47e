// Small pieces both OTLP readers share: safe attribute maps, enum names, byte/hex helpers.
import type { AttrValue, Attributes, OtelSpanKind, StatusCode } from '../model';

/** Nesting limit for AnyValue arrays/kvlists: a hostile payload must not exhaust the stack. */
export const MAX_VALUE_DEPTH = 64;

/** Sets an attribute; `__proto__` becomes an ordinary own property instead of a prototype swap. */
export function setAttr(attrs: Attributes, key: string, value: AttrValue): void {
  if (key === '__proto__') {
    Object.defineProperty(attrs, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    attrs[key] = value;
  }
}

export const SPAN_KINDS: readonly OtelSpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
export const STATUS_CODES: readonly StatusCode[] = ['unset', 'ok', 'error'];

export function spanKindOf(n: number): OtelSpanKind {
  return SPAN_KINDS[n] ?? 'unspecified';
}

export function statusCodeOf(n: number): StatusCode {
  return STATUS_CODES[n] ?? 'unset';
}

const HEX = /^[0-9a-fA-F]*$/;

/** Why an id is unusable, or null when it is fine. `hex` is lowercase. */
export function idProblem(hex: string, bytes: number): string | null {
  if (hex.length !== bytes * 2) return hex.length === 0 ? 'empty' : `wrong length (${hex.length / 2} bytes, want ${bytes})`;
  if (isAllZeroHex(hex)) return 'all zero';
  return null;
}

export function isAllZeroHex(hex: string): boolean {
  for (let i = 0; i < hex.length; i++) if (hex.charCodeAt(i) !== 48) return false;
  return true;
}

/** Lowercase hex of an OTLP/JSON id, or null when it has non-hex characters. */
export function normalizeHexId(s: string): string | null {
  if (!HEX.test(s) || s.length % 2 !== 0) return null;
  return s.toLowerCase();
}

/** A parent id that is empty or all zero means "root". */
export function parentOrNull(hex: string): string | null {
  return hex.length === 0 || isAllZeroHex(hex) ? null : hex;
}

/** An unsigned 64-bit integer from two 32-bit halves, as a decimal string. */
export function u64ToString(lo: number, hi: number): string {
  if (hi < 0x200000) return String(hi * 4294967296 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** An int64 as the model wants it: a number when it is safe, else a decimal string. */
export function int64FromString(s: string): number | string {
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : s;
}
