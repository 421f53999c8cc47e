// Decoder limits (attributes, value length, events, links, nesting) and per-span rejection, the
// same in the protobuf and OTLP/JSON readers: what goes over a limit is cut with a warning on the
// span, an unreadable span is rejected alone, and its neighbours are kept.
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import {
  DEFAULT_OTLP_LIMITS, OTLP_TYPES, decodeTracesJson, decodeTracesProto, otlpType, resolveLimits, type OtlpLimits,
} from '../../src/core/otlp';
import { keyCacheStats } from '../../src/core/otlp/decodeProto';
import type { DecodedTraces } from '../../src/core/otlp/types';

const T = '5b8efff798038103d269b633813fc60c';
const ids = (i: number) => ({ traceId: T, spanId: (i + 1).toString(16).padStart(16, '0') });

/** A request in OTLP/JSON form (camelCase, hex ids), encodable both ways. */
type JsonSpan = Record<string, unknown>;
function jsonRequest(spans: JsonSpan[], resourceAttrs: unknown[] = []): Record<string, unknown> {
  return { resourceSpans: [{ resource: { attributes: resourceAttrs }, scopeSpans: [{ scope: { name: 'sc' }, spans }] }] };
}

/** The same request as protobuf, through the protobufjs reflection encoder of the OTLP schema (snake_case fields). */
function protoOf(req: Record<string, unknown>): Uint8Array {
  const conv = (v: unknown, key = ''): unknown => {
    if (Array.isArray(v)) return v.map((x) => conv(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), conv(x, k)]));
    if (typeof v === 'string' && /^(traceId|spanId|parentSpanId)$/.test(key)) return Buffer.from(v, 'hex');
    return v;
  };
  const t = otlpType(OTLP_TYPES.traceRequest);
  // protobufjs refuses to encode deeper than its recursion limit; the tests need 65 levels of AnyValue.
  const util = protobuf.util as unknown as { recursionLimit: number };
  const limit = util.recursionLimit;
  util.recursionLimit = 1000;
  try {
    return t.encode(t.fromObject(conv(req) as Record<string, unknown>)).finish();
  } finally {
    util.recursionLimit = limit;
  }
}

const decoders: [string, (req: Record<string, unknown>, l?: OtlpLimits) => DecodedTraces][] = [
  ['protobuf', (req, l) => decodeTracesProto(protoOf(req), l)],
  ['OTLP/JSON', (req, l) => decodeTracesJson(JSON.stringify(req), l)],
];

const kv = (key: string, value: unknown) => ({ key, value });
const str = (s: string) => ({ stringValue: s });
const small: OtlpLimits = { maxAttributes: 3, maxValueLength: 20, maxEvents: 2, maxLinks: 1, maxValueDepth: 4 };

for (const [encoding, decode] of decoders) {
  describe(`OTLP limits and per-span rejection (${encoding})`, () => {
    it('cuts attributes, values, list entries, events and links over the limits, with warnings on the span', () => {
      const span = {
        ...ids(0), name: 'big',
        attributes: [kv('a', str('x'.repeat(50))), kv('b', { intValue: 1 }), kv('c', { arrayValue: { values: [1, 2, 3, 4, 5].map((i) => ({ intValue: i })) } }), kv('d', str('dropped'))],
        events: [0, 1, 2].map((i) => ({ name: `e${i}`, timeUnixNano: '1', attributes: [kv('k1', str('v')), kv('k2', str('v')), kv('k3', str('v')), kv('k4', str('v'))] })),
        links: [ids(5), ids(6)].map((l) => ({ ...l, attributes: [] })),
      };
      const d = decode(jsonRequest([span]), small);
      assert.equal(d.count, 0, d.reasons.join());
      const s = d.spans[0]!;
      assert.deepEqual(s.attributes, { a: 'x'.repeat(20), b: 1, c: [1, 2, 3] });
      assert.deepEqual(s.events.map((e) => [e.name, Object.keys(e.attributes)]), [['e0', ['k1', 'k2', 'k3']], ['e1', ['k1', 'k2', 'k3']]]);
      assert.equal(s.links.length, 1);
      // 1 span attribute + 2 array entries + 1 attribute on each of the two kept events = 5.
      assert.deepEqual(s.warnings, [
        '5 attribute(s) or list entries dropped (limit 3, setting agentTrace.limits.maxAttributes)',
        '1 value(s) cut to 20 characters (setting agentTrace.limits.maxValueLength)',
        '1 event(s) dropped (limit 2, setting agentTrace.limits.maxEvents)',
        '1 link(s) dropped (limit 1, setting agentTrace.limits.maxLinks)',
      ]);
    });

    it('warns every span of a resource that lost attributes, and only those', () => {
      const d = decode(jsonRequest([{ ...ids(0), name: 'a' }, { ...ids(1), name: 'b' }], [1, 2, 3, 4, 5].map((i) => kv(`r${i}`, { intValue: i }))), small);
      assert.deepEqual(d.spans.map((s) => Object.keys(s.resource).length), [3, 3]);
      for (const s of d.spans) assert.deepEqual(s.warnings, ['2 resource attribute(s) or list entries dropped (limit 3, setting agentTrace.limits.maxAttributes)']);
    });

    it('leaves spans within the limits without warnings', () => {
      const d = decode(jsonRequest([{ ...ids(0), name: 'a', attributes: [kv('k', str('v'))] }]));
      assert.equal(d.spans[0]!.warnings, undefined);
    });

    it('keeps a million attribute keys from reaching the store: only the first maxAttributes are built', () => {
      const attributes = Array.from({ length: 200_000 }, (_, i) => kv(`key.${i}`, { intValue: i }));
      const d = decode(jsonRequest([{ ...ids(0), name: 'wide', attributes }, { ...ids(1), name: 'neighbour' }]));
      assert.equal(Object.keys(d.spans[0]!.attributes).length, DEFAULT_OTLP_LIMITS.maxAttributes);
      assert.match(d.spans[0]!.warnings![0]!, /^195904 attribute/);
      assert.equal(d.spans[1]!.name, 'neighbour');
    });

    it('rejects only a span whose value is nested 65 deep, and says why', () => {
      let deep: unknown = str('x');
      for (let i = 0; i < 65; i++) deep = { arrayValue: { values: [deep] } };
      const d = decode(jsonRequest([{ ...ids(0), name: 'before' }, { ...ids(1), name: 'deep', attributes: [kv('d', deep)] }, { ...ids(2), name: 'after' }]));
      assert.deepEqual(d.spans.map((s) => s.name), ['before', 'after']);
      assert.equal(d.count, 1);
      assert.match(d.reasons[0]!, /span "deep": an attribute value is nested more than 64 deep/);
    });

    it('accepts nesting up to the limit', () => {
      let v: unknown = str('x');
      for (let i = 0; i < 64; i++) v = { arrayValue: { values: [v] } };
      assert.equal(decode(jsonRequest([{ ...ids(0), attributes: [kv('d', v)] }])).count, 0);
    });
  });
}

describe('resolveLimits (settings → limits)', () => {
  it('fills gaps with the defaults and clamps nonsense', () => {
    assert.deepEqual(resolveLimits(undefined), DEFAULT_OTLP_LIMITS);
    assert.deepEqual(resolveLimits({ maxAttributes: 10.7, maxValueLength: -1, maxEvents: 'x', maxValueDepth: 10_000 }),
      { ...DEFAULT_OTLP_LIMITS, maxAttributes: 10, maxValueLength: 16, maxValueDepth: 256 });
  });
});

describe('protobuf attribute key cache', () => {
  it('stays bounded under a flood of distinct keys and keeps decoding them right', () => {
    for (let round = 0; round < 5; round++) {
      const attributes = Array.from({ length: 3000 }, (_, i) => kv(`flood.${round}.${i}`, { intValue: i }));
      const d = decodeTracesProto(protoOf(jsonRequest([{ ...ids(0), attributes }])));
      assert.equal(d.spans[0]!.attributes[`flood.${round}.2999`], 2999);
    }
    const st = keyCacheStats();
    assert.ok(st.size <= 4096, `cache holds ${st.size} keys`);
    assert.ok(st.longestBucket <= 4, `a bucket holds ${st.longestBucket} keys`);
  });

  it('keeps lookups short when many keys share a hash', () => {
    // "Aa" and "BB" have the same 31-based hash, so every mix of them collides.
    const keys = Array.from({ length: 1024 }, (_, i) => Array.from({ length: 10 }, (_, b) => ((i >> b) & 1 ? 'Aa' : 'BB')).join(''));
    const d = decodeTracesProto(protoOf(jsonRequest([{ ...ids(0), attributes: keys.map((k, i) => kv(k, { intValue: i })) }])));
    assert.equal(Object.keys(d.spans[0]!.attributes).length, 1024);
    assert.equal(d.spans[0]!.attributes[keys[1023]!], 1023);
    assert.ok(keyCacheStats().longestBucket <= 4);
  });
});
