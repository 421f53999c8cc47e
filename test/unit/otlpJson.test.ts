// OTLP/JSON reader: the spec's encoding rules and the leniencies real exporters rely on.
import assert from 'node:assert/strict';
import { OtlpDecodeError, decodeLogsJson, decodeTracesJson } from '../../src/core/otlp';
import type { RawSpan } from '../../src/core/model';

const T = '5b8efff798038103d269b633813fc60c';
const S = 'eee19b7ec3c1b174';
const P = 'eee19b7ec3c1b173';

/** One span (plus request-level overrides) wrapped in an ExportTraceServiceRequest. */
function req(span: Record<string, unknown>, snake = false): string {
  const rs = snake ? 'resource_spans' : 'resourceSpans';
  const ss = snake ? 'scope_spans' : 'scopeSpans';
  return JSON.stringify({ [rs]: [{ resource: { attributes: [] }, [ss]: [{ scope: { name: 'sc', version: '1' }, spans: [span] }] }] });
}

function one(span: Record<string, unknown>, snake = false): RawSpan {
  const d = decodeTracesJson(req(span, snake));
  assert.equal(d.count, 0, d.reasons.join('; '));
  assert.equal(d.spans.length, 1);
  return d.spans[0]!;
}

describe('OTLP/JSON trace reader', () => {
  const fields: [string, Record<string, unknown>, (s: RawSpan) => void][] = [
    ['camelCase ids, times as strings', { traceId: T, spanId: S, parentSpanId: P, name: 'n', startTimeUnixNano: '1700000000000000001', endTimeUnixNano: '1700000000000000002' },
      (s) => { assert.equal(s.traceId, T); assert.equal(s.spanId, S); assert.equal(s.parentSpanId, P); assert.equal(s.startUnixNanos, '1700000000000000001'); assert.equal(s.endUnixNanos, '1700000000000000002'); }],
    ['snake_case keys', { trace_id: T, span_id: S, parent_span_id: P, name: 'n', start_time_unix_nano: '5', end_time_unix_nano: 6, attributes: [{ key: 'k', value: { string_value: 'v' } }] },
      (s) => { assert.equal(s.parentSpanId, P); assert.equal(s.startUnixNanos, '5'); assert.equal(s.endUnixNanos, '6'); assert.deepEqual(s.attributes, { k: 'v' }); }],
    ['uppercase hex ids come out lowercase', { traceId: T.toUpperCase(), spanId: S.toUpperCase(), name: 'n' },
      (s) => { assert.equal(s.traceId, T); assert.equal(s.spanId, S); }],
    ['empty parent id is a root', { traceId: T, spanId: S, parentSpanId: '' }, (s) => assert.equal(s.parentSpanId, null)],
    ['all-zero parent id is a root', { traceId: T, spanId: S, parentSpanId: '0000000000000000' }, (s) => assert.equal(s.parentSpanId, null)],
    ['missing times are "0"', { traceId: T, spanId: S }, (s) => { assert.equal(s.startUnixNanos, '0'); assert.equal(s.endUnixNanos, '0'); }],
    ['kind and status as enum names', { traceId: T, spanId: S, kind: 'SPAN_KIND_CLIENT', status: { code: 'STATUS_CODE_ERROR', message: 'boom' } },
      (s) => { assert.equal(s.kind, 'client'); assert.deepEqual(s.status, { code: 'error', message: 'boom' }); }],
    ['kind and status as numbers', { traceId: T, spanId: S, kind: 2, status: { code: 1 } },
      (s) => { assert.equal(s.kind, 'server'); assert.equal(s.status.code, 'ok'); }],
    ['unknown kind number is unspecified', { traceId: T, spanId: S, kind: 42 }, (s) => assert.equal(s.kind, 'unspecified')],
    ['events with times and attributes', { traceId: T, spanId: S, events: [{ name: 'exception', time_unix_nano: '7', attributes: [{ key: 'exception.message', value: { stringValue: 'x' } }] }] },
      (s) => assert.deepEqual(s.events, [{ name: 'exception', timeUnixNanos: '7', attributes: { 'exception.message': 'x' } }])],
    ['links', { traceId: T, spanId: S, links: [{ traceId: T.toUpperCase(), spanId: P, attributes: [{ key: 'a', value: { boolValue: true } }] }] },
      (s) => assert.deepEqual(s.links, [{ traceId: T, spanId: P, attributes: { a: true } }])],
  ];
  for (const [name, span, check] of fields) it(name, () => check(one(span)));

  it('reads attributes of every AnyValue type', () => {
    const s = one({
      traceId: T, spanId: S,
      attributes: [
        { key: 'str', value: { stringValue: 'hé' } },
        { key: 'bool', value: { boolValue: false } },
        { key: 'intStr', value: { intValue: '42' } },
        { key: 'intNum', value: { intValue: 7 } },
        { key: 'intNeg', value: { intValue: '-3' } },
        { key: 'intHuge', value: { intValue: '9223372036854775807' } },
        { key: 'double', value: { doubleValue: 0.5 } },
        { key: 'doubleNaN', value: { doubleValue: 'NaN' } },
        { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }, {}] } } },
        { key: 'kv', value: { kvlistValue: { values: [{ key: 'inner', value: { kvlist_value: { values: [{ key: 'deep', value: { bool_value: true } }] } } }] } } },
        { key: 'bytes', value: { bytesValue: 'AQID' } },
        { key: 'empty', value: {} },
        { key: 'missing' },
      ],
    });
    assert.deepEqual({ ...s.attributes, doubleNaN: null }, {
      str: 'hé', bool: false, intStr: 42, intNum: 7, intNeg: -3, intHuge: '9223372036854775807', double: 0.5, doubleNaN: null,
      arr: ['a', 1, null], kv: { inner: { deep: true } }, bytes: 'AQID', empty: null, missing: null,
    });
    assert.ok(Number.isNaN(s.attributes.doubleNaN));
  });

  it('reads resource and scope, shared by the spans under them', () => {
    const d = decodeTracesJson(JSON.stringify({
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'agent' } }] },
        scopeSpans: [{ scope: { name: 'openai', version: '2.0' }, spans: [{ traceId: T, spanId: S }, { traceId: T, spanId: P }] }],
      }],
    }));
    assert.equal(d.spans.length, 2);
    for (const s of d.spans) {
      assert.deepEqual(s.resource, { 'service.name': 'agent' });
      assert.deepEqual(s.scope, { name: 'openai', version: '2.0' });
    }
  });

  it('accepts a whole request in snake_case', () => {
    assert.equal(one({ trace_id: T, span_id: S }, true).spanId, S);
  });

  const badIds: [string, Record<string, unknown>, RegExp][] = [
    ['all-zero span id', { traceId: T, spanId: '0000000000000000' }, /span_id is all zero/],
    ['short span id', { traceId: T, spanId: 'abcd' }, /span_id is wrong length/],
    ['missing span id', { traceId: T }, /span_id is empty/],
    ['all-zero trace id', { traceId: '0'.repeat(32), spanId: S }, /trace_id is all zero/],
    ['non-hex trace id', { traceId: 'zz' + T.slice(2), spanId: S }, /trace_id is not hex/],
    ['base64 trace id (the protobuf JSON mapping, not OTLP/JSON)', { traceId: 'W47/95gDgQPSabYzgT/GDA==', spanId: S }, /trace_id is not hex/],
    ['parent id of the wrong length', { traceId: T, spanId: S, parentSpanId: 'abc123' }, /parent_span_id is invalid/],
  ];
  for (const [name, bad, reason] of badIds) {
    it(`rejects only the span with a bad id: ${name}`, () => {
      const d = decodeTracesJson(JSON.stringify({
        resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: T, spanId: S, name: 'ok' }, { ...bad, name: 'bad' }] }] }],
      }));
      assert.deepEqual(d.spans.map((s) => s.name), ['ok']);
      assert.equal(d.count, 1);
      assert.match(d.reasons[0]!, reason);
    });
  }

  const unreadable: [string, string][] = [
    ['not JSON', '{"resourceSpans":'],
    ['not an object', '[1,2]'],
    ['resourceSpans not an array', '{"resourceSpans": {}}'],
  ];
  for (const [name, body] of unreadable) {
    it(`refuses the whole request when it is unreadable: ${name}`, () => {
      assert.throws(() => decodeTracesJson(body), OtlpDecodeError);
    });
  }

  let deep: unknown = { stringValue: 'x' };
  for (let i = 0; i < 65; i++) deep = { arrayValue: { values: [deep] } };
  const badSpans: [string, unknown, RegExp][] = [
    ['span not an object', 42, /must be an object/],
    ['time not a number', { traceId: T, spanId: S, startTimeUnixNano: 'soon' }, /unsigned 64-bit integer/],
    ['10-million-digit time', { traceId: T, spanId: S, startTimeUnixNano: '9'.repeat(10_000_000) }, /startTimeUnixNano must be an unsigned 64-bit integer/],
    ['time one past uint64', { traceId: T, spanId: S, endTimeUnixNano: '18446744073709551616' }, /endTimeUnixNano must be an unsigned 64-bit integer/],
    ['time as a huge JSON number', { traceId: T, spanId: S, startTimeUnixNano: 1e300 }, /unsigned 64-bit integer/],
    ['time not an integer', { traceId: T, spanId: S, startTimeUnixNano: 1.5 }, /unsigned 64-bit integer/],
    ['negative time', { traceId: T, spanId: S, startTimeUnixNano: '-5' }, /unsigned 64-bit integer/],
    ['event time out of range', { traceId: T, spanId: S, events: [{ name: 'e', timeUnixNano: '1'.repeat(30) }] }, /events\[0\].timeUnixNano/],
    ['unknown kind name', { traceId: T, spanId: S, kind: 'SPAN_KIND_SIDEWAYS' }, /unknown value/],
    ['intValue not an integer', { traceId: T, spanId: S, attributes: [{ key: 'a', value: { intValue: '1.5' } }] }, /64-bit integer/],
    ['intValue beyond int64', { traceId: T, spanId: S, attributes: [{ key: 'a', value: { intValue: '9223372036854775808' } }] }, /64-bit integer/],
    ['AnyValue nested 65 deep', { traceId: T, spanId: S, attributes: [{ key: 'deep', value: deep }] }, /nested more than 64 deep/],
  ];
  for (const [name, bad, reason] of badSpans) {
    it(`rejects only the unreadable span and keeps its neighbours: ${name}`, () => {
      const ok = (n: string) => ({ traceId: T, spanId: n === 'before' ? S : P, name: n, startTimeUnixNano: '18446744073709551615' });
      const d = decodeTracesJson(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [ok('before'), bad, ok('after')] }] }] }));
      assert.deepEqual(d.spans.map((s) => s.name), ['before', 'after']);
      assert.equal(d.spans[0]!.startUnixNanos, '18446744073709551615');
      assert.equal(d.count, 1);
      assert.match(d.reasons[0]!, reason);
    });
  }

  it('keeps int64 extremes exact and strips leading zeros', () => {
    const s = one({ traceId: T, spanId: S, startTimeUnixNano: '000123', attributes: [
      { key: 'min', value: { intValue: '-9223372036854775808' } }, { key: 'max', value: { intValue: 9223372036854775807n.toString() } }, { key: 'z', value: { intValue: '-000' } },
    ] });
    assert.equal(s.startUnixNanos, '123');
    assert.deepEqual(s.attributes, { min: '-9223372036854775808', max: '9223372036854775807', z: 0 });
  });

  it('rejects only the spans of a resource that cannot be read', () => {
    const d = decodeTracesJson(JSON.stringify({ resourceSpans: [
      { resource: { attributes: [{ key: 'deep', value: deep }] }, scopeSpans: [{ spans: [{ traceId: T, spanId: S, name: 'a' }, { traceId: T, spanId: P, name: 'b' }] }] },
      { scopeSpans: [{ spans: [{ traceId: T, spanId: S, name: 'kept' }] }] },
    ] }));
    assert.deepEqual(d.spans.map((s) => s.name), ['kept']);
    assert.equal(d.count, 2);
    assert.match(d.reasons[0]!, /resource: .*nested more than 64 deep/);
  });

  it('keeps an attribute named __proto__ as data, not as a prototype', () => {
    const s = one({ traceId: T, spanId: S, attributes: [{ key: '__proto__', value: { kvlistValue: { values: [{ key: 'polluted', value: { boolValue: true } }] } } }] });
    assert.equal((s.attributes as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.keys(s.attributes), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

});

describe('OTLP/JSON log reader', () => {
  function logs(records: unknown[]) {
    return decodeLogsJson(JSON.stringify({
      resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeLogs: [{ scope: { name: 'sc' }, logRecords: records }] }],
    }));
  }

  it('reads a log record tied to a span, with event_name', () => {
    const d = logs([{ timeUnixNano: '11', severityNumber: 9, severityText: 'INFO', eventName: 'gen_ai.choice', traceId: T, spanId: S, body: { kvlistValue: { values: [{ key: 'index', value: { intValue: 0 } }] } }, attributes: [{ key: 'a', value: { stringValue: 'b' } }] }]);
    assert.deepEqual(d.logs[0], {
      traceId: T, spanId: S, timeUnixNanos: '11', severityText: 'INFO', severityNumber: 9, eventName: 'gen_ai.choice',
      body: { index: 0 }, attributes: { a: 'b' }, resource: { 'service.name': 'svc' }, scope: { name: 'sc', version: '' },
    });
  });

  it('takes the event name from the event.name attribute, snake_case keys, severity by name, observed time', () => {
    const d = logs([{ observed_time_unix_nano: '12', severity_number: 'SEVERITY_NUMBER_WARN', attributes: [{ key: 'event.name', value: { stringValue: 'gen_ai.user.message' } }], body: { string_value: 'hi' } }]);
    const l = d.logs[0]!;
    assert.equal(l.eventName, 'gen_ai.user.message');
    assert.equal(l.severityNumber, 13);
    assert.equal(l.timeUnixNanos, '12');
    assert.equal(l.body, 'hi');
    assert.equal(l.traceId, null);
    assert.equal(l.spanId, null);
  });

  it('rejects only a record whose span id has the wrong length', () => {
    const d = logs([{ body: { stringValue: 'ok' } }, { traceId: T, spanId: 'abcd', body: { stringValue: 'bad' } }]);
    assert.deepEqual(d.logs.map((l) => l.body), ['ok']);
    assert.equal(d.count, 1);
  });
});
