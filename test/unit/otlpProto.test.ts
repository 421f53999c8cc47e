// OTLP protobuf reader, checked against the protobufjs reflection decoder of our own schema,
// plus the OTLP/JSON encoder's round trip.
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import {
  OTLP_TYPES, OtlpDecodeError, decodeLogsProto, decodeMetricsProto, decodeTracesJson, decodeTracesProto, encodeOtlpJson, otlpType,
} from '../../src/core/otlp';
import type { RawSpan } from '../../src/core/model';

const T = '5b8efff798038103d269b633813fc60c';
const S = 'eee19b7ec3c1b174';
const P = 'eee19b7ec3c1b173';
const hex = (h: string): Buffer => Buffer.from(h, 'hex');

function encodeTraces(request: Record<string, unknown>): Uint8Array {
  const t = otlpType(OTLP_TYPES.traceRequest);
  const message = t.fromObject(request);
  const err = t.verify(message);
  if (err) throw new Error(err);
  return t.encode(message).finish();
}

function oneSpan(span: Record<string, unknown>): Uint8Array {
  return encodeTraces({ resource_spans: [{ resource: { attributes: [] }, scope_spans: [{ scope: { name: 'sc', version: '1' }, spans: [span] }] }] });
}

function decodeOne(span: Record<string, unknown>): RawSpan {
  const d = decodeTracesProto(oneSpan(span));
  assert.equal(d.count, 0, d.reasons.join('; '));
  assert.equal(d.spans.length, 1);
  return d.spans[0]!;
}

const kv = (key: string, value: Record<string, unknown>) => ({ key, value });

describe('OTLP protobuf trace reader', () => {
  const cases: [string, Record<string, unknown>, (s: RawSpan) => void][] = [
    ['ids as lowercase hex, parent, times beyond 2^53', {
      trace_id: hex(T), span_id: hex(S), parent_span_id: hex(P), name: 'n',
      start_time_unix_nano: '1700000000123456789', end_time_unix_nano: '18446744073709551615',
    }, (s) => {
      assert.equal(s.traceId, T); assert.equal(s.spanId, S); assert.equal(s.parentSpanId, P);
      assert.equal(s.startUnixNanos, '1700000000123456789'); assert.equal(s.endUnixNanos, '18446744073709551615');
    }],
    ['small times', { trace_id: hex(T), span_id: hex(S), start_time_unix_nano: 5 }, (s) => assert.equal(s.startUnixNanos, '5')],
    ['missing times are "0", no parent is null', { trace_id: hex(T), span_id: hex(S) },
      (s) => { assert.equal(s.startUnixNanos, '0'); assert.equal(s.endUnixNanos, '0'); assert.equal(s.parentSpanId, null); }],
    ['all-zero parent is a root', { trace_id: hex(T), span_id: hex(S), parent_span_id: Buffer.alloc(8) }, (s) => assert.equal(s.parentSpanId, null)],
    ['kind and status', { trace_id: hex(T), span_id: hex(S), kind: 5, status: { code: 2, message: 'bad' } },
      (s) => { assert.equal(s.kind, 'consumer'); assert.deepEqual(s.status, { code: 'error', message: 'bad' }); }],
    ['events and links', {
      trace_id: hex(T), span_id: hex(S),
      events: [{ time_unix_nano: '1700000000000000009', name: 'ev', attributes: [kv('x', { int_value: 3 })] }],
      links: [{ trace_id: hex(T), span_id: hex(P), attributes: [kv('y', { string_value: 'z' })], flags: 1 }],
    }, (s) => {
      assert.deepEqual(s.events, [{ name: 'ev', timeUnixNanos: '1700000000000000009', attributes: { x: 3 } }]);
      assert.deepEqual(s.links, [{ traceId: T, spanId: P, attributes: { y: 'z' } }]);
    }],
  ];
  for (const [name, span, check] of cases) it(name, () => check(decodeOne(span)));

  it('reads attributes of every AnyValue type', () => {
    const s = decodeOne({
      trace_id: hex(T), span_id: hex(S),
      attributes: [
        kv('str', { string_value: 'hé ✓' }),
        kv('bool', { bool_value: true }),
        kv('int', { int_value: 1234 }),
        kv('intNeg', { int_value: -5 }),
        kv('intBig', { int_value: '9007199254740993' }),
        kv('intMin', { int_value: '-9223372036854775808' }),
        kv('double', { double_value: 2.5 }),
        kv('arr', { array_value: { values: [{ string_value: 'a' }, { int_value: 2 }, {}] } }),
        kv('kv', { kvlist_value: { values: [kv('inner', { bool_value: false })] } }),
        kv('bytes', { bytes_value: Buffer.from([1, 2, 3]) }),
        kv('empty', {}),
        kv('clé ✓', { string_value: 'unicode key' }),
      ],
    });
    assert.deepEqual(s.attributes, {
      'clé ✓': 'unicode key',
      str: 'hé ✓', bool: true, int: 1234, intNeg: -5, intBig: '9007199254740993', intMin: '-9223372036854775808', double: 2.5,
      arr: ['a', 2, null], kv: { inner: false }, bytes: 'AQID', empty: null,
    });
  });

  it('reads resource and scope', () => {
    const d = decodeTracesProto(encodeTraces({
      resource_spans: [{
        resource: { attributes: [kv('service.name', { string_value: 'svc' })] },
        scope_spans: [
          { scope: { name: 'a', version: '1' }, spans: [{ trace_id: hex(T), span_id: hex(S) }] },
          { scope: { name: 'b' }, spans: [{ trace_id: hex(T), span_id: hex(P) }] },
        ],
      }, { scope_spans: [{ spans: [{ trace_id: hex(T), span_id: hex('0102030405060708') }] }] }],
    }));
    assert.deepEqual(d.spans.map((s) => [s.resource, s.scope]), [
      [{ 'service.name': 'svc' }, { name: 'a', version: '1' }],
      [{ 'service.name': 'svc' }, { name: 'b', version: '' }],
      [{}, { name: '', version: '' }],
    ]);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['all-zero span id', { trace_id: hex(T), span_id: Buffer.alloc(8) }, /span_id is all zero/],
    ['short trace id', { trace_id: hex('0102'), span_id: hex(S) }, /trace_id is wrong length/],
    ['missing span id', { trace_id: hex(T) }, /span_id is empty/],
    ['long parent id', { trace_id: hex(T), span_id: hex(S), parent_span_id: hex(T) }, /parent_span_id has the wrong length/],
  ];
  for (const [name, span, reason] of bad) {
    it(`rejects only the span with a bad id: ${name}`, () => {
      const d = decodeTracesProto(encodeTraces({ resource_spans: [{ scope_spans: [{ spans: [{ trace_id: hex(T), span_id: hex(S), name: 'ok' }, { ...span, name: 'bad' }] }] }] }));
      assert.deepEqual(d.spans.map((s) => s.name), ['ok']);
      assert.equal(d.count, 1);
      assert.match(d.reasons[0]!, reason);
    });
  }

  it('keeps every key distinct across many spans (the key cache never confuses two keys)', () => {
    const spans = Array.from({ length: 300 }, (_, i) => ({
      trace_id: hex(T), span_id: hex((i + 1).toString(16).padStart(16, '0')),
      attributes: [kv(`k${i}`, { int_value: i }), kv(`k${i + 1}`, { int_value: i + 1 }), kv('x'.repeat(200 + (i % 3)), { int_value: i })],
    }));
    const d = decodeTracesProto(encodeTraces({ resource_spans: [{ scope_spans: [{ spans }] }] }));
    d.spans.forEach((s, i) => assert.deepEqual(s.attributes, { [`k${i}`]: i, [`k${i + 1}`]: i + 1, ['x'.repeat(200 + (i % 3))]: i }));
  });

  it('skips fields it does not know (newer protos)', () => {
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 2).fork(); // ResourceSpans
    w.uint32((2 << 3) | 2).fork(); // ScopeSpans
    w.uint32((2 << 3) | 2).fork(); // Span
    w.uint32((1 << 3) | 2).bytes(hex(T));
    w.uint32((2 << 3) | 2).bytes(hex(S));
    w.uint32((99 << 3) | 0).uint64(123); // unknown varint
    w.uint32((98 << 3) | 2).string('future'); // unknown bytes
    w.uint32((5 << 3) | 2).string('named');
    w.ldelim().ldelim().ldelim();
    const d = decodeTracesProto(w.finish());
    assert.equal(d.spans[0]!.name, 'named');
  });

  const garbage: [string, Uint8Array][] = [
    ['truncated', oneSpan({ trace_id: hex(T), span_id: hex(S), name: 'x' }).subarray(0, 20)],
    ['length past the end', Uint8Array.from([0x0a, 0xff, 0xff, 0x01])],
    ['invalid wire type', Uint8Array.from([0x0f])],
    ['text', Buffer.from('{"resourceSpans":[]}')],
  ];
  for (const [name, body] of garbage) {
    it(`refuses an undecodable body: ${name}`, () => assert.throws(() => decodeTracesProto(body), OtlpDecodeError));
  }

  it('agrees with the protobufjs reflection decoder of the same schema', () => {
    const request = {
      resource_spans: [{
        resource: { attributes: [kv('service.name', { string_value: 'svc' }), kv('n', { int_value: 3 })] },
        scope_spans: [{
          scope: { name: 'sc', version: '9' },
          spans: Array.from({ length: 20 }, (_, i) => ({
            trace_id: hex(T), span_id: hex((i + 1).toString(16).padStart(16, '0')), parent_span_id: i ? hex(S) : Buffer.alloc(0),
            name: `span ${i}`, kind: i % 6, start_time_unix_nano: String(1700000000000000000n + BigInt(i)), end_time_unix_nano: String(1700000000000000100n + BigInt(i)),
            attributes: [kv('i', { int_value: i }), kv('s', { string_value: 'x'.repeat(i * 50) }), kv('d', { double_value: i / 3 })],
            status: { code: i % 3, message: i % 3 === 2 ? 'err' : '' },
          })),
        }],
      }],
    };
    const body = encodeTraces(request);
    const t = otlpType(OTLP_TYPES.traceRequest);
    const ref = t.toObject(t.decode(body), { longs: String, bytes: String, defaults: true }) as typeof request & Record<string, never>;
    const ours = decodeTracesProto(body).spans;
    const refSpans = (ref.resource_spans[0]!.scope_spans[0]!.spans as unknown as Record<string, unknown>[]);
    assert.equal(ours.length, refSpans.length);
    ours.forEach((s, i) => {
      const r = refSpans[i]!;
      assert.equal(s.spanId, Buffer.from(r.span_id as string, 'base64').toString('hex'));
      assert.equal(s.startUnixNanos, r.start_time_unix_nano);
      assert.equal(s.endUnixNanos, r.end_time_unix_nano);
      assert.equal(s.name, r.name);
      assert.equal(s.attributes.s, ((r.attributes as { value: { string_value: string } }[])[1]!).value.string_value);
      assert.equal(s.attributes.i, Number(((r.attributes as { value: { int_value: string } }[])[0]!).value.int_value));
    });
  });
});

describe('OTLP protobuf log and metrics readers', () => {
  function encodeLogs(records: Record<string, unknown>[]): Uint8Array {
    const t = otlpType(OTLP_TYPES.logsRequest);
    return t.encode(t.fromObject({ resource_logs: [{ resource: { attributes: [kv('service.name', { string_value: 'svc' })] }, scope_logs: [{ scope: { name: 'sc' }, log_records: records }] }] })).finish();
  }

  it('reads a log record with event_name, body, ids and times', () => {
    const d = decodeLogsProto(encodeLogs([{
      time_unix_nano: '1700000000000000001', severity_number: 17, severity_text: 'ERROR', event_name: 'gen_ai.choice',
      body: { kvlist_value: { values: [kv('finish_reason', { string_value: 'stop' })] } },
      attributes: [kv('gen_ai.system', { string_value: 'openai' })], trace_id: hex(T), span_id: hex(S),
    }]));
    assert.deepEqual(d.logs[0], {
      traceId: T, spanId: S, timeUnixNanos: '1700000000000000001', severityText: 'ERROR', severityNumber: 17, eventName: 'gen_ai.choice',
      body: { finish_reason: 'stop' }, attributes: { 'gen_ai.system': 'openai' }, resource: { 'service.name': 'svc' }, scope: { name: 'sc', version: '' },
    });
  });

  it('falls back to the event.name attribute and the observed time', () => {
    const d = decodeLogsProto(encodeLogs([{ observed_time_unix_nano: 99, attributes: [kv('event.name', { string_value: 'legacy' })], body: { string_value: 'x' } }]));
    assert.equal(d.logs[0]!.eventName, 'legacy');
    assert.equal(d.logs[0]!.timeUnixNanos, '99');
    assert.equal(d.logs[0]!.traceId, null);
  });

  it('rejects only the log record with a malformed span id', () => {
    const d = decodeLogsProto(encodeLogs([{ body: { string_value: 'ok' } }, { span_id: hex('0102'), body: { string_value: 'bad' } }]));
    assert.deepEqual(d.logs.map((l) => l.body), ['ok']);
    assert.equal(d.count, 1);
  });

  it('accepts a metrics request without storing it, and refuses garbage', () => {
    const t = otlpType(OTLP_TYPES.metricsRequest);
    const body = t.encode(t.fromObject({ resource_metrics: [{ resource: { attributes: [] }, scope_metrics: [Buffer.from([0x0a, 0x00])] }] })).finish();
    assert.equal(decodeMetricsProto(body).resourceMetrics, 1);
    assert.throws(() => decodeMetricsProto(Uint8Array.from([0x0a, 0x05, 0x01])), OtlpDecodeError);
  });
});

describe('encodeOtlpJson', () => {
  const spans: RawSpan[] = [
    {
      traceId: T, spanId: S, parentSpanId: null, name: 'root', kind: 'server',
      startUnixNanos: '1700000000000000001', endUnixNanos: '1700000000000000999', status: { code: 'ok', message: '' },
      attributes: { s: 'x', i: 42, big: '9223372036854775807', d: 0.5, b: true, n: null, arr: [1, 'two', [false]], obj: { k: { deep: 1.25 } } },
      events: [{ name: 'ev', timeUnixNanos: '1700000000000000500', attributes: { e: 'v' } }],
      links: [{ traceId: T, spanId: P, attributes: { l: 1 } }],
      resource: { 'service.name': 'a' }, scope: { name: 'sc', version: '1' },
    },
    {
      traceId: T, spanId: P, parentSpanId: S, name: 'child', kind: 'client',
      startUnixNanos: '0', endUnixNanos: '0', status: { code: 'error', message: 'boom' },
      attributes: {}, events: [], links: [], resource: { 'service.name': 'a' }, scope: { name: 'other', version: '' },
    },
    {
      traceId: T, spanId: '0102030405060708', parentSpanId: S, name: 'elsewhere', kind: 'internal',
      startUnixNanos: '5', endUnixNanos: '6', status: { code: 'unset', message: '' },
      attributes: { x: 1 }, events: [], links: [], resource: { 'service.name': 'b' }, scope: { name: 'sc', version: '1' },
    },
  ];

  it('round-trips through the OTLP/JSON reader unchanged', () => {
    const decoded = decodeTracesJson(JSON.stringify(encodeOtlpJson(spans)));
    assert.equal(decoded.count, 0);
    const byId = new Map(decoded.spans.map((s) => [s.spanId, s]));
    for (const s of spans) assert.deepEqual(byId.get(s.spanId), s);
  });

  it('groups spans by resource and scope, with OTLP/JSON field names', () => {
    const out = encodeOtlpJson(spans) as { resourceSpans: { scopeSpans: { scope: { name: string }; spans: Record<string, unknown>[] }[] }[] };
    assert.equal(out.resourceSpans.length, 2);
    assert.deepEqual(out.resourceSpans[0]!.scopeSpans.map((s) => s.scope.name), ['sc', 'other']);
    const root = out.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    assert.equal(root.traceId, T);
    assert.equal(root.startTimeUnixNano, '1700000000000000001');
    assert.equal(root.kind, 2);
    assert.equal(root.parentSpanId, undefined);
  });

  it('produces a request the protobuf schema accepts (so other OTLP tools can import it)', () => {
    // Convert to the proto field names and let protobufjs verify and encode it, then read it back.
    const json = encodeOtlpJson(spans);
    const protoShaped = JSON.parse(JSON.stringify(json), function (this: unknown, key, value) {
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        const o: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
          const snake = k === 'key' ? k : k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
          o[snake] = (snake === 'trace_id' || snake === 'span_id' || snake === 'parent_span_id') && typeof v === 'string' ? Buffer.from(v, 'hex') : v;
        }
        return o;
      }
      return value;
    });
    const decoded = decodeTracesProto(encodeTraces(protoShaped));
    assert.equal(decoded.count, 0);
    const byId = new Map(decoded.spans.map((s) => [s.spanId, s]));
    for (const s of spans) assert.deepEqual(byId.get(s.spanId), s);
  });
});
