// The recording proxy's pure parts: routing and upstream URLs, which headers travel and which are
// kept, traceparent, the bounded body copy, and linking a recorded call to its LLM step.
import assert from 'node:assert/strict';
import { BoundedCapture } from '../../src/core/proxy/capture';
import { linkRecordings, requestModel, sameModel, type LinkRecording, type LinkSpan } from '../../src/core/proxy/link';
import { checkUpstream, DEFAULT_UPSTREAMS, forwardedHeaders, recordedHeaders, routeRequest, SECRET_MARK, upstreamUrl } from '../../src/core/proxy/providers';
import { parseTraceparent } from '../../src/core/proxy/traceparent';
import { buildOtlpEnvironment } from '../../src/extension/otlpEnv';
import { DEFAULT_PROXY_UPSTREAMS } from '../../src/protocol/defaults';

describe('recording proxy: routing and headers', () => {
  it('tells the provider from the path, or from an explicit prefix', () => {
    assert.deepEqual(routeRequest('/v1/messages'), { provider: 'anthropic', path: '/v1/messages' });
    assert.deepEqual(routeRequest('/v1/messages/count_tokens'), { provider: 'anthropic', path: '/v1/messages/count_tokens' });
    assert.deepEqual(routeRequest('/v1/chat/completions'), { provider: 'openai', path: '/v1/chat/completions' });
    assert.deepEqual(routeRequest('/v1/responses'), { provider: 'openai', path: '/v1/responses' });
    assert.deepEqual(routeRequest('/v1/messagesx'), { provider: 'openai', path: '/v1/messagesx' });
    assert.deepEqual(routeRequest('/anthropic/v1/messages?beta=true'), { provider: 'anthropic', path: '/v1/messages?beta=true' });
    assert.deepEqual(routeRequest('/openai/v1/messages'), { provider: 'openai', path: '/v1/messages' });
  });

  it('joins the upstream base and the path, without doubling /v1 and keeping a gateway prefix and the query', () => {
    assert.equal(upstreamUrl('https://api.openai.com', '/v1/chat/completions').href, 'https://api.openai.com/v1/chat/completions');
    assert.equal(upstreamUrl('http://127.0.0.1:11434/v1', '/v1/chat/completions').href, 'http://127.0.0.1:11434/v1/chat/completions');
    assert.equal(upstreamUrl('http://127.0.0.1:11434/v1/', '/v1/models').href, 'http://127.0.0.1:11434/v1/models');
    assert.equal(upstreamUrl('https://gw.example/openai/', '/v1/responses?x=1').href, 'https://gw.example/openai/v1/responses?x=1');
  });

  it('accepts only http(s) upstreams, saying which setting is wrong', () => {
    assert.equal(checkUpstream('https://api.anthropic.com', 'x'), null);
    assert.match(checkUpstream('ftp://x', 'agentTrace.proxy.upstreams.openai')!, /agentTrace\.proxy\.upstreams\.openai "ftp:\/\/x" must be an http/);
    assert.match(checkUpstream('not a url', '--upstream-openai')!, /--upstream-openai "not a url" is not a URL/);
  });

  it('passes every header on, keys included, except connection-level ones', () => {
    const out = forwardedHeaders({ authorization: 'Bearer k', 'x-api-key': 'k2', host: 'h', connection: 'keep-alive, x-drop', 'x-drop': '1', 'transfer-encoding': 'chunked', 'content-type': 'application/json', 'anthropic-version': '2023-06-01' });
    assert.deepEqual(out, { authorization: 'Bearer k', 'x-api-key': 'k2', 'content-type': 'application/json', 'anthropic-version': '2023-06-01' });
  });

  it('records headers with every credential replaced', () => {
    const out = recordedHeaders({ Authorization: 'Bearer sk-1', 'x-api-key': 'sk-ant', 'api-key': 'azure', 'x-goog-api-key': 'g', cookie: 'c', 'x-custom-token': 't', 'x-ratelimit-remaining-tokens': '99', 'content-type': 'application/json', accept: ['a', 'b'] });
    assert.deepEqual(out, {
      authorization: SECRET_MARK, 'x-api-key': SECRET_MARK, 'api-key': SECRET_MARK, 'x-goog-api-key': SECRET_MARK, cookie: SECRET_MARK, 'x-custom-token': SECRET_MARK,
      'x-ratelimit-remaining-tokens': '99', 'content-type': 'application/json', accept: 'a, b',
    });
  });

  it('has the same default upstreams as the settings', () => {
    assert.deepEqual(DEFAULT_UPSTREAMS, DEFAULT_PROXY_UPSTREAMS);
  });

  it('adds the SDK base URLs to the agent environment only while the proxy runs', () => {
    const names = (proxyPort?: number | null) => buildOtlpEnvironment({ host: '127.0.0.1', httpPort: 4318, grpcPort: 4317, proxyPort }).map((v) => `${v.name}=${v.value}`);
    assert.ok(!names(null).some((v) => v.startsWith('OPENAI_BASE_URL')));
    assert.ok(!names(undefined).some((v) => v.startsWith('ANTHROPIC_BASE_URL')));
    assert.ok(names(4319).includes('OPENAI_BASE_URL=http://127.0.0.1:4319/v1'));
    assert.ok(names(4319).includes('ANTHROPIC_BASE_URL=http://127.0.0.1:4319'));
  });
});

describe('recording proxy: traceparent and body capture', () => {
  it('reads the trace and parent ids of a valid traceparent only', () => {
    const t = 'a'.repeat(32);
    const s = 'b'.repeat(16);
    assert.deepEqual(parseTraceparent(`00-${t}-${s}-01`), { traceId: t, spanId: s });
    assert.deepEqual(parseTraceparent(`00-${t.toUpperCase()}-${s}-00`), { traceId: t, spanId: s });
    assert.deepEqual(parseTraceparent(`01-${t}-${s}-01-future`), { traceId: t, spanId: s });
    for (const bad of [undefined, '', `00-${t}-${s}-01-extra`, `ff-${t}-${s}-01`, `00-${'0'.repeat(32)}-${s}-01`, `00-${t}-${'0'.repeat(16)}-01`, `00-${t}-${s}`, 'x'.repeat(600)]) {
      assert.equal(parseTraceparent(bad), null, String(bad));
    }
  });

  it('keeps at most the cap, counts every byte, and says when it cut', () => {
    const c = new BoundedCapture(5);
    c.add(new Uint8Array([1, 2, 3]));
    c.add(new Uint8Array([4, 5, 6, 7]));
    c.add(new Uint8Array([8]));
    assert.deepEqual([...c.bytes()], [1, 2, 3, 4, 5]);
    assert.equal(c.total, 8);
    assert.equal(c.truncated, true);
    const whole = new BoundedCapture(10);
    whole.add(new Uint8Array([1, 2]));
    assert.deepEqual([...whole.bytes()], [1, 2]);
    assert.equal(whole.truncated, false);
  });
});

describe('recording proxy: linking a recorded call to its LLM step', () => {
  const TRACE = 't'.repeat(32);
  const span = (over: Partial<LinkSpan> & { spanId: string }): LinkSpan => ({
    parentSpanId: 'agent', kind: 'llm', startMs: 1_000, endMs: 2_000, models: ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18'], inputTexts: [], ...over,
  });
  const rec = (over: Partial<LinkRecording> & { id: number }): LinkRecording => ({
    traceId: null, parentSpanId: null, startMs: 1_010, endMs: 1_990, model: 'gpt-4o-mini',
    requestText: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather in Paris?' }] }), ...over,
  });
  const agent: LinkSpan = { spanId: 'agent', parentSpanId: null, kind: 'agent', startMs: 900, endMs: 5_000, models: [], inputTexts: [] };

  it('links exactly by traceparent, to the step itself or to the model step above an HTTP span', () => {
    const http: LinkSpan = { spanId: 'http', parentSpanId: 'llm2', kind: 'other', startMs: 3_010, endMs: 3_900, models: [], inputTexts: [] };
    const spans = [agent, span({ spanId: 'llm1' }), span({ spanId: 'llm2', startMs: 3_000, endMs: 4_000 }), http];
    const links = linkRecordings(TRACE, spans, [rec({ id: 1, traceId: TRACE, parentSpanId: 'llm1' }), rec({ id: 2, traceId: TRACE, parentSpanId: 'http', startMs: 3_020, endMs: 3_800 })]);
    assert.deepEqual(links.map((l) => [l.recordingId, l.spanId, l.confidence, l.reason]), [[1, 'llm1', 'exact', 'traceparent header'], [2, 'llm2', 'exact', 'traceparent header']]);
  });

  it("ignores another trace's call, and leaves a call whose span has not arrived unlinked (linked on a later read)", () => {
    const spans = [agent, span({ spanId: 'llm1' })];
    assert.deepEqual(linkRecordings(TRACE, spans, [rec({ id: 1, traceId: 'o'.repeat(32), parentSpanId: 'x' })]), []);
    assert.deepEqual(linkRecordings(TRACE, spans, [rec({ id: 1, traceId: TRACE, parentSpanId: 'not-yet' })]), []);
  });

  it('matches by time window, model and messages with high confidence, each call to one step', () => {
    const spans = [
      agent,
      span({ spanId: 'a', startMs: 1_000, endMs: 2_000, inputTexts: ['Weather in Paris?'] }),
      span({ spanId: 'b', startMs: 2_100, endMs: 3_000, inputTexts: ['Weather in Paris?', 'sunny'] }),
    ];
    const second = rec({ id: 2, startMs: 2_110, endMs: 2_990, requestText: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather in Paris?' }, { role: 'tool', content: 'sunny' }] }) });
    const links = linkRecordings(TRACE, spans, [rec({ id: 1 }), second]);
    assert.deepEqual(links.map((l) => [l.recordingId, l.spanId, l.confidence]).sort(), [[1, 'a', 'high'], [2, 'b', 'high']]);
    assert.equal(links[0]!.reason, 'time window, model and messages');
  });

  it('keeps high confidence for quick consecutive calls whose conversation grows (each step has its own call)', () => {
    const first = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Q' }] });
    const second = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Q' }, { role: 'tool', content: 'R' }] });
    const spans = [agent, span({ spanId: 'a', startMs: 1_000, endMs: 1_100, inputTexts: ['Q'] }), span({ spanId: 'b', startMs: 1_120, endMs: 1_200, inputTexts: ['Q', 'R'] })];
    const links = linkRecordings(TRACE, spans, [rec({ id: 2, startMs: 1_125, endMs: 1_195, requestText: second }), rec({ id: 1, startMs: 1_005, endMs: 1_095, requestText: first })]);
    assert.deepEqual(links.map((l) => [l.recordingId, l.spanId, l.confidence, l.reason]).sort(), [
      [1, 'a', 'high', 'time window, model and messages'],
      [2, 'b', 'high', 'time window, model and messages'],
    ]);
  });

  it('says how sure it is when less is known', () => {
    // No content captured: time and model only.
    let [l] = linkRecordings(TRACE, [agent, span({ spanId: 'a' })], [rec({ id: 1 })]);
    assert.deepEqual([l!.confidence, l!.reason], ['medium', 'time window and model']);
    // Nothing but time.
    [l] = linkRecordings(TRACE, [agent, span({ spanId: 'a', models: [] })], [rec({ id: 1, model: null })]);
    assert.equal(l!.confidence, 'low');
    // Two steps fit and only the model tells: the closest wins, with less confidence.
    const links = linkRecordings(TRACE, [agent, span({ spanId: 'near', startMs: 1_005, endMs: 1_995 }), span({ spanId: 'far', startMs: 500, endMs: 2_200 })], [rec({ id: 1 })]);
    assert.deepEqual(links.map((x) => [x.spanId, x.confidence]), [['near', 'low']]);
    assert.match(links[0]!.reason, /closest of 2 steps/);
    // Captured messages that are not in the request: linked only as a low-confidence guess.
    [l] = linkRecordings(TRACE, [agent, span({ spanId: 'a', inputTexts: ['something else'] })], [rec({ id: 1 })]);
    assert.equal(l!.confidence, 'low');
    assert.match(l!.reason, /messages were not found/);
  });

  it('does not link across models or outside the window, nor to a duplicate record of the same call', () => {
    assert.deepEqual(linkRecordings(TRACE, [agent, span({ spanId: 'a', models: ['claude-sonnet-4-5'] })], [rec({ id: 1 })]), []);
    assert.deepEqual(linkRecordings(TRACE, [agent, span({ spanId: 'a', startMs: 5_000, endMs: 6_000 })], [rec({ id: 1 })]), []);
    const links = linkRecordings(TRACE, [agent, span({ spanId: 'dup', duplicate: true }), span({ spanId: 'counted' })], [rec({ id: 1 })]);
    assert.deepEqual(links.map((x) => x.spanId), ['counted']);
  });

  it('with a traceparent naming a non-model step, matches among the model steps under it only', () => {
    const other: LinkSpan = { spanId: 'other-agent', parentSpanId: null, kind: 'agent', startMs: 900, endMs: 5_000, models: [], inputTexts: [] };
    const spans = [agent, other, span({ spanId: 'mine' }), span({ spanId: 'theirs', parentSpanId: 'other-agent', startMs: 1_005, endMs: 1_995 })];
    const links = linkRecordings(TRACE, spans, [rec({ id: 1, traceId: TRACE, parentSpanId: 'agent' })]);
    assert.deepEqual(links.map((x) => x.spanId), ['mine']);
  });

  it('compares model names as providers spell them', () => {
    assert.ok(sameModel('gpt-4o-mini-2024-07-18', 'gpt-4o-mini'));
    assert.ok(sameModel('openai/gpt-4o', 'gpt-4o'));
    assert.ok(sameModel('claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'));
    assert.ok(!sameModel('gpt-4o', 'gpt-4o-mini'));
    assert.ok(!sameModel('gpt-4o', 'gpt-4'));
    assert.equal(requestModel('{"model":"m","x":1}'), 'm');
    assert.equal(requestModel('not json'), null);
  });
});
