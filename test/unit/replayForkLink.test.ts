// Fork linking through OTEL_RESOURCE_ATTRIBUTES: the fragment we write is read back by the real
// OpenTelemetry JS resource detector, merged with the user's own value, and read back from a
// stored trace's resource.
import { strict as assert } from 'node:assert';
import { resourceAttributesEnvDetector } from '@opentelemetry/resources';
import fc from 'fast-check';
import {
  encodeResourceValue, forkLinkOf, forkResourceFragment, forkSpanLink, parseResourceAttributesEnv, withForkResourceAttributes,
} from '../../src/core/replay/forkLink';

const LINK = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };

/** What the OpenTelemetry JS SDK's own detector reads from the variable. */
function sdkReads(value: string): Record<string, unknown> {
  const before = process.env.OTEL_RESOURCE_ATTRIBUTES;
  process.env.OTEL_RESOURCE_ATTRIBUTES = value;
  try {
    return { ...(resourceAttributesEnvDetector.detect().attributes ?? {}) };
  } finally {
    if (before === undefined) delete process.env.OTEL_RESOURCE_ATTRIBUTES;
    else process.env.OTEL_RESOURCE_ATTRIBUTES = before;
  }
}

describe('replay: fork link', () => {
  it('writes agent_trace.fork.of and agent_trace.fork.step, as the SDK reads them', () => {
    const fragment = forkResourceFragment(LINK);
    assert.equal(fragment, 'agent_trace.fork.of=0af7651916cd43dd8448eb211c80319c,agent_trace.fork.step=b7ad6b7169203331');
    assert.deepEqual(sdkReads(fragment), { 'agent_trace.fork.of': LINK.traceId, 'agent_trace.fork.step': LINK.spanId });
  });

  it('keeps the user\'s own attributes, replaces an earlier fork pair, and drops (and names) an entry that would void the variable', () => {
    const existing = 'service.version=1.2,deployment.environment=dev%2Ctest,agent_trace.fork.of=ffffffffffffffffffffffffffffffff,broken,x=%E0%A4%A';
    const { value, dropped } = withForkResourceAttributes(existing, LINK);
    assert.deepEqual(dropped, ['broken', 'x=%E0%A4%A']);
    assert.deepEqual(sdkReads(value), {
      'service.version': '1.2', 'deployment.environment': 'dev,test', 'agent_trace.fork.of': LINK.traceId, 'agent_trace.fork.step': LINK.spanId,
    });
    assert.deepEqual(sdkReads(existing), {}, 'the SDK would have discarded the whole value');
    assert.equal(withForkResourceAttributes(undefined, LINK).value, forkResourceFragment(LINK));
  });

  it('refuses ids that are not hex trace and span ids', () => {
    assert.throws(() => forkResourceFragment({ traceId: 'x,y=z', spanId: LINK.spanId }), /Not a trace id/);
    assert.throws(() => forkResourceFragment({ traceId: LINK.traceId, spanId: '123' }), /Not a span id/);
  });

  it('reads the link back from a trace\'s resource attributes, and nothing from a run that is not a fork', () => {
    assert.deepEqual(forkLinkOf({ 'service.name': 'a', 'agent_trace.fork.of': LINK.traceId.toUpperCase(), 'agent_trace.fork.step': LINK.spanId }), LINK);
    assert.equal(forkLinkOf({ 'service.name': 'a' }), null);
    assert.equal(forkLinkOf({ 'agent_trace.fork.of': 'nope', 'agent_trace.fork.step': LINK.spanId }), null);
    assert.deepEqual(forkSpanLink(LINK), { ...LINK, attributes: { 'agent_trace.link.kind': 'fork' } });
  });

  it('encodes "=" in a value, which the SDK would read as the end of the key and void the variable for', () => {
    for (const v of ['=', 'a=b', '=\u0338', 'route=refunds']) {
      const encoded = encodeResourceValue(v);
      assert.ok(!encoded.includes('='), encoded);
      assert.equal(sdkReads(`k=${encoded},other=1`).k, v);
    }
  });

  it('property: any value survives encoding, through our reader and the SDK\'s', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (v) => {
      const encoded = encodeResourceValue(v);
      assert.match(encoded, /^[!#-+\--:<-[\]-~]*$/, 'only baggage-octets');
      assert.deepEqual(parseResourceAttributesEnv(`k=${encoded},other=1`), [['k', v], ['other', '1']]);
      if (v.length <= 255) assert.equal(sdkReads(`k=${encoded}`).k, v);
    }), { numRuns: 300 });
  });
});
