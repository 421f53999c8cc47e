// The numbers behind sampling decisions, reproduced bit for bit so a preview agrees with
// production: the Collector's probabilistic policy (FNV-1a 64 over salt + trace id bytes,
// threshold = MaxUint64 × ratio) and the SDKs' TraceIdRatioBased head samplers.
// Written by hand because they must match other projects' exact arithmetic, which no
// library here exposes. BigInt keeps the 64-bit arithmetic exact.

const MASK64 = (1n << 64n) - 1n;
const FNV64_OFFSET = 14695981039346656037n;
const FNV64_PRIME = 1099511628211n;

/** The Collector's salt when `hash_salt` is empty (tailsamplingprocessor probabilistic.go, defaultHashSalt). */
export const DEFAULT_HASH_SALT = 'default-hash-seed';

export function fnv1a64(bytes: Uint8Array): bigint {
  let hash = FNV64_OFFSET;
  for (const b of bytes) hash = ((hash ^ BigInt(b)) * FNV64_PRIME) & MASK64;
  return hash;
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The salt (UTF-8) then the 16 trace id bytes, hashed together as the Collector's hashTraceID does. */
export function collectorTraceHash(salt: string, traceIdHex: string): bigint {
  const saltBytes = new TextEncoder().encode(salt || DEFAULT_HASH_SALT);
  const id = hexToBytes(traceIdHex.padStart(32, '0'));
  const all = new Uint8Array(saltBytes.length + id.length);
  all.set(saltBytes);
  all.set(id, saltBytes.length);
  return fnv1a64(all);
}

/** A finite positive float64 as mantissa × 2^exponent, exactly. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  return biased === 0
    ? { mantissa: fraction, exponent: -1074 }
    : { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

const bitLength = (n: bigint): number => n.toString(2).length;

/**
 * The Collector's calculateThreshold: big.Float(MaxUint64) (64-bit precision) times the ratio,
 * rounded to 64 significant bits (nearest even, the big.Float default), then truncated to a
 * uint64 (saturating). Percentages over 100 saturate at MaxUint64, 0 or less give 0.
 */
export function collectorThreshold(samplingPercentage: number): bigint {
  const ratio = samplingPercentage / 100;
  if (!(ratio > 0)) return 0n;
  if (!Number.isFinite(ratio)) return MASK64;
  const { mantissa, exponent } = decompose(ratio);
  let n = MASK64 * mantissa;
  let exp = exponent;
  const extra = bitLength(n) - 64;
  if (extra > 0) {
    const unit = 1n << BigInt(extra);
    let q = n >> BigInt(extra);
    const rem = n & (unit - 1n);
    const half = unit >> 1n;
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    n = q;
    exp += extra;
  }
  const value = exp >= 0 ? n << BigInt(exp) : n >> BigInt(-exp);
  return value > MASK64 ? MASK64 : value;
}

/** The probabilistic policy's decision: sampled when hash ≤ threshold (probabilistic.go Evaluate). */
export function collectorProbabilisticSampled(traceIdHex: string, samplingPercentage: number, salt = ''): boolean {
  return collectorTraceHash(salt, traceIdHex) <= collectorThreshold(samplingPercentage);
}

export type HeadSdk = 'js' | 'python';

function clampRatio(ratio: number): number {
  if (typeof ratio !== 'number' || Number.isNaN(ratio)) return 0;
  return ratio >= 1 ? 1 : ratio <= 0 ? 0 : ratio;
}

/**
 * OTel JS TraceIdRatioBasedSampler: XOR of the trace id's four 32-bit words, sampled when
 * below floor(ratio × 0xffffffff). Note ratio 1 still drops the id whose words XOR to 0xffffffff.
 */
function jsHeadSampled(traceIdHex: string, ratio: number): boolean {
  const upperBound = Math.floor(clampRatio(ratio) * 0xffffffff);
  let accumulation = 0;
  for (let i = 0; i < traceIdHex.length / 8; i++) {
    accumulation = (accumulation ^ parseInt(traceIdHex.slice(i * 8, i * 8 + 8), 16)) >>> 0;
  }
  return accumulation < upperBound;
}

/** Python's round() on a float: half to even. Only matters for bounds small enough to have a fraction. */
function roundHalfEven(x: number): bigint {
  const floor = Math.floor(x);
  const diff = x - floor;
  const base = BigInt(floor);
  if (diff > 0.5) return base + 1n;
  if (diff < 0.5) return base;
  return base % 2n === 0n ? base : base + 1n;
}

/**
 * OTel Python TraceIdRatioBased: the low 64 bits of the id against round(rate × 2^64).
 * Python refuses a rate outside [0, 1]; we clamp instead so a preview still runs.
 */
function pythonHeadSampled(traceIdHex: string, ratio: number): boolean {
  const rate = clampRatio(ratio);
  const bound = roundHalfEven(rate * 2 ** 64);
  const low64 = BigInt('0x' + (traceIdHex.padStart(32, '0').slice(16) || '0'));
  return low64 < bound;
}

export function headSampled(traceIdHex: string, ratio: number, sdk: HeadSdk): boolean {
  const id = traceIdHex.toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(id)) return false;
  if (sdk === 'python') return pythonHeadSampled(id, ratio);
  return !/^0+$/.test(id) && jsHeadSampled(id, ratio); // JS checks isValidTraceId first

}
