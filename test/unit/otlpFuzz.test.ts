// Property tests of the OTLP decoders (fast-check): on any input they return or throw a clean
// OtlpDecodeError, and never anything else; and a differential test against the protobufjs
// reflection decoder of the OTLP schema (src/core/otlp/schema.ts mirrors opentelemetry-proto) on
// random requests and on real batches serialized by the official @opentelemetry/otlp-transformer,
// mutated byte by byte.
import assert from 'node:assert/strict';
import { ProtobufTraceSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import fc from 'fast-check';
import { valuePathKey, type AttrValue, type Attributes, type RawSpan, type ValueTypeHint } from '../../src/core/model';
import {
  OTLP_TYPES, OtlpDecodeError, decodeLogsJson, decodeLogsProto, decodeMetricsJson, decodeMetricsProto, decodeTracesJson, decodeTracesProto, otlpType,
} from '../../src/core/otlp';
import { idProblem, int64FromString, setAttr, spanKindOf, statusCodeOf } from '../../src/core/otlp/values';

const RUNS = 300;

/** Runs `fn`; anything thrown must be an OtlpDecodeError. */
function clean(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof OtlpDecodeError)) throw new Error(`threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
  }
}

/** Real spans from the OTel SDK: attributes of every type, events, links, status, nesting. */
function realSpans(): ReadableSpan[] {
  // Collected synchronously as they end (SimpleSpanProcessor exports asynchronously).
  const ended: ReadableSpan[] = [];
  const collect = { onStart: () => undefined, onEnd: (s: ReadableSpan) => void ended.push(s), forceFlush: async () => undefined, shutdown: async () => undefined };
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'fuzz', 'host.cores': 2 }),
    spanProcessors: [collect],
  });
  const tracer = provider.getTracer('fuzz-scope', '1.2.3');
  tracer.startActiveSpan('agent', (root) => {
    for (let i = 0; i < 3; i++) {
      const s = tracer.startSpan(`chat ${i}`, { attributes: {
        'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 1200 + i, 'gen_ai.request.temperature': 0.25 * i,
        'gen_ai.response.finish_reasons': ['stop', 'length'], 'flag': i % 2 === 0, 'ints': [1, 2, 3], 'big': 2 ** 60,
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', content: `question ${i} ✓ ünïcödé` }]),
      }, links: [{ context: root.spanContext(), attributes: { why: 'parent' } }] });
      s.addEvent('gen_ai.choice', { index: i, text: 'answer' });
      s.setStatus({ code: i === 2 ? 2 : 1, message: i === 2 ? 'boom' : '' });
      s.end();
    }
    root.end();
  });
  return ended;
}

const realProto = (): Uint8Array => ProtobufTraceSerializer.serializeRequest(realSpans())!;
const realJson = (): Uint8Array => JsonTraceSerializer.serializeRequest(realSpans())!;

/** Byte-level mutations of a real batch: flips, overwrites, truncations, insertions, deletions. */
function mutated(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  const at = fc.nat({ max: base.length - 1 });
  return fc.array(fc.oneof(
    fc.record({ op: fc.constant('set' as const), i: at, b: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('flip' as const), i: at, b: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ op: fc.constant('cut' as const), i: at, b: fc.constant(0) }),
    fc.record({ op: fc.constant('insert' as const), i: at, b: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('delete' as const), i: at, b: fc.constant(0) }),
  ), { minLength: 1, maxLength: 4 }).map((ops) => {
    let bytes = Buffer.from(base);
    for (const { op, i, b } of ops) {
      const j = Math.min(i, bytes.length - 1);
      if (j < 0) break;
      if (op === 'set') bytes[j] = b;
      else if (op === 'flip') bytes[j] = bytes[j]! ^ (1 << b);
      else if (op === 'cut') bytes = bytes.subarray(0, j);
      else if (op === 'insert') bytes = Buffer.concat([bytes.subarray(0, j), Buffer.from([b]), bytes.subarray(j)]);
      else bytes = Buffer.concat([bytes.subarray(0, j), bytes.subarray(j + 1)]);
    }
    return new Uint8Array(bytes);
  });
}

describe('OTLP decoders never fail uncleanly (fast-check)', function () {
  this.timeout(120_000);

  it('protobuf: random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (b) => {
      clean(() => decodeTracesProto(b));
      clean(() => decodeLogsProto(b));
      clean(() => decodeMetricsProto(b));
    }), { numRuns: RUNS * 3 });
  });

  it('protobuf: mutated real batches from the official serializer', () => {
    fc.assert(fc.property(mutated(realProto()), (b) => clean(() => decodeTracesProto(b))), { numRuns: RUNS * 3 });
  });

  it('OTLP/JSON: arbitrary JSON documents and strings', () => {
    fc.assert(fc.property(fc.oneof(fc.json(), fc.string()), (text) => {
      clean(() => decodeTracesJson(text));
      clean(() => decodeLogsJson(text));
      clean(() => decodeMetricsJson(text));
    }), { numRuns: RUNS * 3 });
  });

  it('OTLP/JSON: real batches with random values grafted into random places', () => {
    const base = JSON.parse(Buffer.from(realJson()).toString('utf8')) as unknown;
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, p: (string | number)[]): void => {
      paths.push(p);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
    };
    walk(base, []);
    fc.assert(fc.property(fc.constantFrom(...paths.filter((p) => p.length > 0)), fc.jsonValue(), (p, graft) => {
      const doc = structuredClone(base) as Record<string | number, unknown>;
      let at = doc;
      for (const k of p.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
      at[p[p.length - 1]!] = graft;
      clean(() => decodeTracesJson(JSON.stringify(doc)));
    }), { numRuns: RUNS * 3 });
  });
});

// ---------------------------------------------------------------------------------------------
// Differential: what protobufjs reflection decodes, turned into RawSpans by the OTLP rules,
// must equal what our hand-driven reader produces.

type PbValue = { string_value?: string; bool_value?: boolean; int_value?: string; double_value?: number; array_value?: { values?: PbValue[] }; kvlist_value?: { values?: PbKv[] }; bytes_value?: Buffer };
type PbKv = { key?: string; value?: PbValue };

/** Builds the value and records the OTLP types its plain form hides (RawSpan.valueTypes). */
type Hints = Record<string, ValueTypeHint>;
function pbValue(v: PbValue | undefined, place: (string | number)[], hints: Hints): AttrValue {
  if (!v) return null;
  if (v.string_value !== undefined) return v.string_value;
  if (v.bool_value !== undefined) return v.bool_value;
  if (v.int_value !== undefined) {
    const n = int64FromString(v.int_value);
    if (typeof n === 'string') hints[valuePathKey(place)] = 'int';
    return n;
  }
  if (v.double_value !== undefined) {
    if (Number.isInteger(v.double_value)) hints[valuePathKey(place)] = 'double';
    return v.double_value;
  }
  if (v.array_value !== undefined) return (v.array_value.values ?? []).map((x, i) => pbValue(x, [...place, i], hints));
  if (v.kvlist_value !== undefined) return pbAttrs(v.kvlist_value.values, place, hints);
  if (v.bytes_value !== undefined) {
    hints[valuePathKey(place)] = 'bytes';
    return Buffer.from(v.bytes_value).toString('base64');
  }
  return null;
}

function pbAttrs(list: PbKv[] | undefined, place: (string | number)[], hints: Hints): Attributes {
  const out: Attributes = {};
  for (const kv of list ?? []) setAttr(out, kv.key ?? '', pbValue(kv.value, [...place, kv.key ?? ''], hints));
  return out;
}

const hexOf = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex');

/** The spans protobufjs' decode of `body` means, by the rules our reader implements. */
function expectedSpans(body: Uint8Array): { spans: RawSpan[]; rejected: number } {
  const t = otlpType(OTLP_TYPES.traceRequest);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const req = t.toObject(t.decode(body), { longs: String, enums: Number, bytes: Buffer, defaults: false, oneofs: false }) as any;
  const spans: RawSpan[] = [];
  let rejected = 0;
  for (const rs of req.resource_spans ?? []) {
    const resourceHints: Hints = {};
    const resource = pbAttrs(rs.resource?.attributes, ['resource'], resourceHints);
    for (const ss of rs.scope_spans ?? []) {
      const scope = { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '' };
      for (const s of ss.spans ?? []) {
        const traceId = hexOf(s.trace_id);
        const spanId = hexOf(s.span_id);
        const parent = hexOf(s.parent_span_id);
        if (idProblem(traceId, 16) !== null || idProblem(spanId, 8) !== null || (parent.length !== 0 && parent.length !== 16)) {
          rejected++;
          continue;
        }
        const hints: Hints = { ...resourceHints };
        const span: RawSpan = {
          traceId, spanId, parentSpanId: parent === '' || /^0+$/.test(parent) ? null : parent,
          name: s.name ?? '', kind: spanKindOf(s.kind ?? 0),
          startUnixNanos: String(s.start_time_unix_nano ?? '0'), endUnixNanos: String(s.end_time_unix_nano ?? '0'),
          status: { code: statusCodeOf(s.status?.code ?? 0), message: s.status?.message ?? '' },
          attributes: pbAttrs(s.attributes, ['attributes'], hints),
          events: (s.events ?? []).map((e: { name?: string; time_unix_nano?: string; attributes?: PbKv[] }, i: number) => ({
            name: e.name ?? '', timeUnixNanos: String(e.time_unix_nano ?? '0'), attributes: pbAttrs(e.attributes, ['events', i, 'attributes'], hints),
          })),
          links: (s.links ?? []).map((l: { trace_id?: Uint8Array; span_id?: Uint8Array; attributes?: PbKv[] }, i: number) => ({
            traceId: hexOf(l.trace_id), spanId: hexOf(l.span_id), attributes: pbAttrs(l.attributes, ['links', i, 'attributes'], hints),
          })),
          resource, scope,
        };
        if (Object.keys(hints).length > 0) span.valueTypes = hints;
        spans.push(span);
      }
    }
  }
  return { spans, rejected };
}

/** True when protobufjs reads `body` as a well-formed request written canonically (re-encoding gives the same bytes). */
function canonical(body: Uint8Array): boolean {
  const t = otlpType(OTLP_TYPES.traceRequest);
  try {
    const m = t.decode(body);
    return Buffer.from(t.encode(m).finish()).equals(Buffer.from(body));
  } catch {
    return false;
  }
}

/** Plain JSON comparison (-0 and 0, NaN as NaN) of the parts both readers produce. */
const plain = (spans: RawSpan[]) => JSON.parse(JSON.stringify(spans, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))) as unknown;

function agree(body: Uint8Array): void {
  const ours = decodeTracesProto(body);
  const theirs = expectedSpans(body);
  assert.equal(ours.count, theirs.rejected, ours.reasons.join('; '));
  assert.deepEqual(plain(ours.spans), plain(theirs.spans));
}

// Random well-formed requests, built as protobufjs objects.
const anyValue: fc.Arbitrary<PbValue> = fc.letrec<{ v: PbValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ string_value: fc.string({ unit: 'grapheme', maxLength: 20 }) }),
    fc.record({ bool_value: fc.boolean() }),
    fc.record({ int_value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String) }),
    fc.record({ double_value: fc.double() }),
    fc.record({ bytes_value: fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)) }),
    fc.record({ array_value: fc.record({ values: fc.array(tie('v'), { maxLength: 3 }) }) }),
    fc.record({ kvlist_value: fc.record({ values: fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: tie('v') }), { maxLength: 3 }) }) }),
  ),
})).v;
const kvs = fc.array(fc.record({ key: fc.string({ maxLength: 12 }), value: anyValue }), { maxLength: 5 });
const id = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b));
const nanos = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
const span = fc.record({
  trace_id: fc.oneof(id(16), id(15), fc.constant(Buffer.alloc(16))),
  span_id: fc.oneof(id(8), id(8), fc.constant(Buffer.alloc(0))),
  parent_span_id: fc.oneof(fc.constant(Buffer.alloc(0)), id(8), id(3)),
  name: fc.string({ maxLength: 10 }),
  kind: fc.integer({ min: 0, max: 5 }),
  start_time_unix_nano: nanos,
  end_time_unix_nano: nanos,
  attributes: kvs,
  events: fc.array(fc.record({ name: fc.string({ maxLength: 6 }), time_unix_nano: nanos, attributes: kvs }), { maxLength: 2 }),
  links: fc.array(fc.record({ trace_id: id(16), span_id: id(8), attributes: kvs }), { maxLength: 2 }),
  status: fc.record({ code: fc.integer({ min: 0, max: 2 }), message: fc.string({ maxLength: 6 }) }),
});
const request = fc.record({
  resource_spans: fc.array(fc.record({
    resource: fc.record({ attributes: kvs }),
    scope_spans: fc.array(fc.record({ scope: fc.record({ name: fc.string({ maxLength: 6 }), version: fc.string({ maxLength: 4 }) }), spans: fc.array(span, { maxLength: 3 }) }), { maxLength: 2 }),
  }), { maxLength: 2 }),
});

describe('protobuf reader agrees with protobufjs reflection decoding (differential)', function () {
  this.timeout(120_000);

  it('on random well-formed requests', () => {
    const t = otlpType(OTLP_TYPES.traceRequest);
    fc.assert(fc.property(request, (req) => agree(t.encode(t.fromObject(req)).finish())), { numRuns: RUNS });
  });

  it('on a real batch from the official otlp-transformer serializer', () => {
    const body = realProto();
    agree(body);
    assert.equal(decodeTracesProto(body).spans.length, 4);
  });

  it('on mutated real batches that protobufjs still reads as canonical requests', () => {
    // protobufjs' re-encoding of the real batch: byte mutations of it that protobufjs re-encodes
    // to the same bytes are well-formed requests on which both readers must agree.
    const t = otlpType(OTLP_TYPES.traceRequest);
    const base = t.encode(t.decode(realProto())).finish();
    assert.ok(canonical(base));
    let compared = 0;
    fc.assert(fc.property(mutated(base), (b) => {
      if (!canonical(b)) return;
      compared++;
      agree(b);
    }), { numRuns: RUNS * 3 });
    assert.ok(compared > 30, `only ${compared} mutated batches were comparable`);
    if (process.env.FUZZ_VERBOSE) console.log(`compared ${compared} mutated batches`);
  });
});
