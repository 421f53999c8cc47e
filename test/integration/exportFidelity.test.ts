// Export gives back what was received: a double stays a double (even 1.0), an int64 beyond 2^53
// stays an exact int64, bytes stay bytes, at every depth and in the resource, events and links.
// A request is written with the protobufjs reflection encoder of the OTLP schema, received by our
// readers (protobuf and OTLP/JSON), stored in a real SQLite file, read back and exported as
// OTLP/JSON; the export is then read by protobufjs reflection again and compared value by value
// with the original, so our own reader is not the judge of our own encoder. Also: the warnings
// of spans cut by the decoder limits survive the store and show in the trace detail.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canonicalize } from '../../src/core/canonicalize';
import { OTLP_TYPES, decodeTracesJson, decodeTracesProto, encodeOtlpJson, otlpType } from '../../src/core/otlp';
import { traceToDetailDto } from '../../src/server/toDto';
import { exportTraceOtlpJson } from '../../src/server/transfer';
import { TraceStore } from '../../src/store/traceStore';

const T = '5b8efff798038103d269b633813fc60c';
const S = 'eee19b7ec3c1b174';
const P = 'eee19b7ec3c1b173';
const BYTES = Buffer.from([0, 1, 2, 250, 255, 128, 64]);

const kv = (key: string, value: Record<string, unknown>) => ({ key, value });
const values = () => [
  kv('double.one', { double_value: 1 }),
  kv('double.big', { double_value: 2 ** 60 }),
  kv('double.frac', { double_value: 0.25 }),
  kv('int.small', { int_value: '42' }),
  kv('int.max', { int_value: '9223372036854775807' }),
  kv('int.min', { int_value: '-9223372036854775808' }),
  kv('int.past53', { int_value: '9007199254740993' }),
  kv('bytes', { bytes_value: BYTES }),
  kv('string.digits', { string_value: '9223372036854775807' }),
  kv('nested', { kvlist_value: { values: [kv('d', { double_value: 3 }), kv('list', { array_value: { values: [{ bytes_value: BYTES }, { int_value: '18014398509481985' }, { double_value: -2 }] } })] } }),
];

function originalRequest(): Record<string, unknown> {
  return {
    resource_spans: [{
      resource: { attributes: [kv('service.name', { string_value: 'fidelity' }), kv('res.double', { double_value: 2 }), kv('res.bytes', { bytes_value: BYTES })] },
      scope_spans: [{ scope: { name: 'sc', version: '1' }, spans: [{
        trace_id: Buffer.from(T, 'hex'), span_id: Buffer.from(S, 'hex'), name: 'all types', kind: 1,
        start_time_unix_nano: '1700000000000000000', end_time_unix_nano: '1700000000500000000',
        attributes: values(),
        events: [{ name: 'ev', time_unix_nano: '1700000000100000000', attributes: values() }],
        links: [{ trace_id: Buffer.from(T, 'hex'), span_id: Buffer.from(P, 'hex'), attributes: values() }],
        status: { code: 1, message: '' },
      }] }],
    }],
  };
}

const requestType = () => otlpType(OTLP_TYPES.traceRequest);
/** protobufjs' plain view of a request: int64 as decimal strings, bytes as base64. */
const view = (bytes: Uint8Array) => requestType().toObject(requestType().decode(bytes), { longs: String, bytes: String, enums: Number }) as {
  resource_spans: { resource: { attributes: unknown[] }; scope_spans: { spans: { attributes: unknown[]; events: { attributes: unknown[] }[]; links: { attributes: unknown[] }[] }[] }[] }[];
};

/** The exported OTLP/JSON (camelCase, hex ids) as protobufjs input (snake_case, id bytes, base64 bytes as Buffers). */
function otlpJsonToProtoObject(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => otlpJsonToProtoObject(x));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), otlpJsonToProtoObject(x, k)]));
  }
  if (typeof v === 'string' && /^(traceId|spanId|parentSpanId)$/.test(key)) return Buffer.from(v, 'hex');
  if (typeof v === 'string' && key === 'bytesValue') return Buffer.from(v, 'base64');
  return v;
}

describe('export gives back the value types it received (protobufjs reflection as the judge)', () => {
  let dir: string;
  let store: TraceStore;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-trace-fidelity-'));
    store = TraceStore.open(path.join(dir, 'traces.db'), { canonicalize: (s) => canonicalize(s) });
  });
  after(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const t = requestType();
  const originalBytes = t.encode(t.fromObject(originalRequest())).finish();
  const receivedAs: [string, () => ReturnType<typeof decodeTracesProto>][] = [
    ['protobuf', () => decodeTracesProto(originalBytes)],
    // The same request as OTLP/JSON: doubles as JSON numbers (1, not 1.0), int64 as strings, bytes as base64.
    ['OTLP/JSON', () => decodeTracesJson(JSON.stringify(encodeOtlpJsonOfProto(originalBytes)))],
  ];

  for (const [encoding, receive] of receivedAs) {
    it(`keeps doubles, exact int64s and bytes from ${encoding} through the store to the export`, () => {
      const decoded = receive();
      assert.equal(decoded.count, 0, decoded.reasons.join());
      store.clear();
      store.writeBatch({ spans: decoded.spans, logs: [] });
      // Through the export the CLI and the extension use, not only the encoder.
      const exported = exportTraceOtlpJson(store, T, { redacted: false, policyText: null })!;
      const roundTripped = t.encode(t.fromObject(otlpJsonToProtoObject(JSON.parse(JSON.stringify(exported))) as Record<string, unknown>)).finish();
      const want = view(originalBytes).resource_spans[0]!;
      const got = view(roundTripped).resource_spans[0]!;
      assert.deepEqual(got.resource.attributes, want.resource.attributes);
      const [ws, gs] = [want.scope_spans[0]!.spans[0]!, got.scope_spans[0]!.spans[0]!];
      assert.deepEqual(gs.attributes, ws.attributes);
      assert.deepEqual(gs.events[0]!.attributes, ws.events[0]!.attributes);
      assert.deepEqual(gs.links[0]!.attributes, ws.links[0]!.attributes);
    });
  }

  it('writes the export with the OTLP/JSON types a reader needs', () => {
    const exported = encodeOtlpJson(decodeTracesProto(originalBytes).spans) as { resourceSpans: { scopeSpans: { spans: { attributes: { key: string; value: Record<string, unknown> }[] }[] }[] }[] };
    const attrs = Object.fromEntries(exported.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes.map((a) => [a.key, a.value]));
    assert.deepEqual(attrs['double.one'], { doubleValue: 1 });
    assert.deepEqual(attrs['int.max'], { intValue: '9223372036854775807' });
    assert.deepEqual(attrs['int.small'], { intValue: '42' });
    assert.deepEqual(attrs['bytes'], { bytesValue: BYTES.toString('base64') });
    assert.deepEqual(attrs['string.digits'], { stringValue: '9223372036854775807' });
  });
});

/** OTLP/JSON of a protobuf request, written here by hand from protobufjs' view (not by our encoder). */
function encodeOtlpJsonOfProto(bytes: Uint8Array): unknown {
  const camel = (k: string) => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  const conv = (v: unknown, key = ''): unknown => {
    if (Array.isArray(v)) return v.map((x) => conv(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), conv(x, k)]));
    if (typeof v === 'string' && /^(trace_id|span_id|parent_span_id)$/.test(key)) return Buffer.from(v, 'base64').toString('hex');
    return v;
  };
  return conv(view(bytes));
}

describe('limit warnings reach the trace view (stored, then in the trace detail DTO that show --json prints)', () => {
  it('lists a span cut by the limits in the trace warnings and on its span', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-trace-warnings-'));
    const store = TraceStore.open(path.join(dir, 'traces.db'), { canonicalize: (s) => canonicalize(s) });
    try {
      const json = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [
        { traceId: T, spanId: S, name: 'wide', attributes: Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: { stringValue: 'v' } })) },
        { traceId: T, spanId: P, name: 'narrow' },
      ] }] }] });
      const decoded = decodeTracesJson(json, { maxAttributes: 3, maxValueLength: 100, maxEvents: 10, maxLinks: 10, maxValueDepth: 8 });
      store.writeBatch({ spans: decoded.spans, logs: [] });
      const found = store.getTrace(T)!;
      const detail = traceToDetailDto(found.summary, found.spans);
      assert.deepEqual(detail.warnings.filter((w) => w.includes('cut')), [
        `span "wide" (${S}) was cut: 2 attribute(s) or list entries dropped (limit 3, setting agentTrace.limits.maxAttributes)`,
      ]);
      assert.deepEqual(detail.spans.find((s) => s.name === 'wide')!.warnings, ['2 attribute(s) or list entries dropped (limit 3, setting agentTrace.limits.maxAttributes)']);
      assert.equal(detail.spans.find((s) => s.name === 'narrow')!.warnings, undefined);
    } finally {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
