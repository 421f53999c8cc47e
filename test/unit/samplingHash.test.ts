// The probabilistic policy and the head samplers must agree with production bit for bit: the
// Collector's FNV-1a 64 over hash_salt + trace id bytes with its threshold, and the JS and
// Python SDKs' TraceIdRatioBased. Checked against an independent FNV-1a written here from the
// published FNV spec (16-bit limbs, no BigInt) and against values computed separately in Python.
import { strict as assert } from 'node:assert';
import { collectorProbabilisticSampled, collectorThreshold, collectorTraceHash, fnv1a64, headSampled } from '../../src/core/sampling';

/** FNV-1a 64 from the spec (offset basis 14695981039346656037, prime 1099511628211 = 2^40 + 0x1b3), on four 16-bit limbs. */
function referenceFnv1a64(bytes: Uint8Array): string {
  let h = [0xcbf2, 0x9ce4, 0x8422, 0x2325]; // most significant limb first
  for (const b of bytes) {
    h[3] ^= b;
    // h × 0x1b3 + (h << 40), modulo 2^64, limb by limb
    const times = [0, 0, 0, 0];
    let carry = 0;
    for (let i = 3; i >= 0; i--) {
      const v = h[i] * 0x1b3 + carry;
      times[i] = v & 0xffff;
      carry = Math.floor(v / 0x10000);
    }
    // h << 40 = (h << 32) << 8: limbs move two places up, then 8 bits more
    const by32 = [h[2], h[3], 0, 0];
    const by40 = by32.map((limb, i) => ((limb << 8) | (i < 3 ? by32[i + 1] >>> 8 : 0)) & 0xffff);
    const sum = [0, 0, 0, 0];
    carry = 0;
    for (let i = 3; i >= 0; i--) {
      const v = times[i] + by40[i] + carry;
      sum[i] = v & 0xffff;
      carry = v >>> 16;
    }
    h = sum;
  }
  return h.map((l) => l.toString(16).padStart(4, '0')).join('');
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const hex = (n: bigint) => n.toString(16).padStart(16, '0');

describe('sampling: the Collector probabilistic hash', () => {
  it('matches the published FNV-1a 64 test vectors', () => {
    assert.equal(hex(fnv1a64(utf8(''))), 'cbf29ce484222325');
    assert.equal(hex(fnv1a64(utf8('a'))), 'af63dc4c8601ec8c');
    assert.equal(hex(fnv1a64(utf8('foobar'))), '85944171f73967e8');
    assert.equal(referenceFnv1a64(utf8('foobar')), '85944171f73967e8', 'the reference itself is right');
  });

  it('agrees with an independent FNV-1a on salt + trace id bytes for many ids', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    for (let n = 0; n < 300; n++) {
      const id = Array.from({ length: 16 }, () => rand().toString(16).padStart(2, '0')).join('');
      const bytes = new Uint8Array([...utf8('default-hash-seed'), ...id.match(/../g)!.map((b) => parseInt(b, 16))]);
      assert.equal(hex(collectorTraceHash('', id)), referenceFnv1a64(bytes), id);
    }
  });

  it('uses the default salt "default-hash-seed" and a given hash_salt (values computed in Python)', () => {
    assert.equal(collectorTraceHash('', '0af7651916cd43dd8448eb211c80319c'), 3728843964641534796n);
    assert.equal(collectorTraceHash('default-hash-seed', '4bf92f3577b34da6a3ce929d0e0e4736'), 11908981664384643253n);
    assert.equal(collectorTraceHash('my-salt', '0af7651916cd43dd8448eb211c80319c'), 8041337945062478299n);
    assert.equal(collectorTraceHash('my-salt', '00000000000000000000000000000001'), 7959616958859997177n);
  });

  it('computes the threshold as big.Float(MaxUint64) × ratio at 64-bit precision, truncated', () => {
    // Expected values from exact rational arithmetic (Python fractions) with the same rounding.
    assert.equal(collectorThreshold(100), 18446744073709551615n);
    assert.equal(collectorThreshold(50), 9223372036854775807n);
    assert.equal(collectorThreshold(10), 1844674407370955263n);
    assert.equal(collectorThreshold(1), 184467440737095519n);
    assert.equal(collectorThreshold(0.1), 18446744073709551n);
    assert.equal(collectorThreshold(33.3), 6142765776545279999n);
    assert.equal(collectorThreshold(0), 0n);
    assert.equal(collectorThreshold(250), 18446744073709551615n, 'saturates');
  });

  it('samples when the hash is at or under the threshold', () => {
    const id = '4bf92f3577b34da6a3ce929d0e0e4736'; // hash 11908981664384643253 ≈ 64.56% of 2^64
    assert.equal(collectorProbabilisticSampled(id, 64), false);
    assert.equal(collectorProbabilisticSampled(id, 65), true);
    assert.equal(collectorProbabilisticSampled(id, 100), true);
    assert.equal(collectorProbabilisticSampled(id, 0), false);
  });
});

describe('sampling: head TraceIdRatioBased (JS and Python SDKs differ)', () => {
  it('JS XORs the four 32-bit words against floor(ratio × 0xffffffff)', () => {
    assert.equal(headSampled('00000000000000000000000000000001', 0.01, 'js'), true);
    // words XOR to 0xfffffffe: far above a 1% bound
    assert.equal(headSampled('ffffffff000000000000000000000001', 0.01, 'js'), false);
    // floor(0.01 × 0xffffffff) = 42949672: 42949671 passes, 42949672 does not
    assert.equal(headSampled('00000000000000000000000000000000'.slice(0, 24) + (42949671).toString(16).padStart(8, '0'), 0.01, 'js'), true);
    assert.equal(headSampled('00000000000000000000000000000000'.slice(0, 24) + (42949672).toString(16).padStart(8, '0'), 0.01, 'js'), false);
    assert.equal(headSampled('00000000000000000000000000000000', 1, 'js'), false, 'an invalid id is never sampled');
  });

  it('Python compares the low 64 bits against round(rate × 2^64)', () => {
    assert.equal(headSampled('ffffffff000000000000000000000001', 0.01, 'python'), true, 'the high word does not count');
    const bound = 184467440737095520n; // round(0.01 * 2**64) in Python
    const low = (n: bigint) => 'ffffffffffffffff' + n.toString(16).padStart(16, '0');
    assert.equal(headSampled(low(bound - 1n), 0.01, 'python'), true);
    assert.equal(headSampled(low(bound), 0.01, 'python'), false);
    assert.equal(headSampled(low(0n), 0, 'python'), false);
  });
});
