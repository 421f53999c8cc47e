// Every tail_sampling policy type on hand-made traces, the Collector's final-decision rules,
// head + tail together, and bad configurations (with their line).
import { strict as assert } from 'node:assert';
import type { Attributes, StatusCode } from '../../src/core/model';
import {
  parseCollectorConfig,
  simulate,
  collectorProbabilisticSampled,
  type SamplingSpan,
  type SamplingTrace,
  type TraceDecision,
} from '../../src/core/sampling';

const MS = 1_000_000n;
const T0 = 1_764_230_400_000n * MS;

function span(over: Partial<SamplingSpan> & { startMs?: number; endMs?: number } = {}): SamplingSpan {
  const { startMs = 0, endMs = 10, ...rest } = over;
  return {
    name: 'step',
    kind: 'internal',
    startUnixNanos: String(T0 + BigInt(startMs) * MS),
    endUnixNanos: String(T0 + BigInt(endMs) * MS),
    status: 'unset',
    attributes: {},
    resource: { 'service.name': 'agent' },
    events: [],
    ...rest,
  };
}

let counter = 0;
function trace(spans: SamplingSpan[], over: Partial<SamplingTrace> = {}): SamplingTrace {
  counter++;
  return {
    traceId: over.traceId ?? counter.toString(16).padStart(32, 'a'),
    spans,
    arrivalMs: 1_764_230_400_000,
    durationMs: 10,
    costUsd: null,
    errorCount: spans.filter((s) => s.status === 'error').length,
    tools: [],
    bytes: 1000,
    ...over,
  };
}

/** Runs one processor's policies (YAML list under `policies:`) on the traces. */
function run(policiesYaml: string, traces: SamplingTrace[], head: { ratio: number; sdk: 'js' | 'python' } | null = null): TraceDecision[] {
  const text = `processors:\n  tail_sampling:\n    policies:\n${policiesYaml.replace(/^/gm, '      ')}\n`;
  const parsed = parseCollectorConfig(text);
  assert.deepEqual(parsed.errors, [], 'config parses');
  return simulate(traces, { policies: parsed.processors[0].policies, head });
}
const kept = (d: TraceDecision[]) => d.map((x) => x.kept);

const withAttr = (attributes: Attributes) => trace([span({ attributes })]);
const withStatus = (status: StatusCode) => trace([span({ status })]);

describe('sampling policies (Collector semantics)', () => {
  it('always_sample keeps everything', () => {
    const d = run('- { name: all, type: always_sample }', [trace([span()]), trace([span()])]);
    assert.deepEqual(kept(d), [true, true]);
    assert.equal(d[0].decidedBy, 'all');
  });

  it('latency: earliest start to latest end against threshold_ms, and the upper bound', () => {
    const slow = trace([span({ startMs: 0, endMs: 100 }), span({ startMs: 400, endMs: 600 })]); // 600 ms overall
    const fast = trace([span({ startMs: 0, endMs: 50 })]);
    assert.deepEqual(kept(run('- { name: slow, type: latency, latency: { threshold_ms: 500 } }', [slow, fast])), [true, false]);
    assert.deepEqual(kept(run('- { name: band, type: latency, latency: { threshold_ms: 20, upper_threshold_ms: 200 } }', [slow, fast])), [true, true],
      'the Collector tests the running duration after each span: the 600 ms trace passes at its first span (100 ms)');
    assert.deepEqual(kept(run('- { name: band, type: latency, latency: { threshold_ms: 50, upper_threshold_ms: 200 } }', [fast])), [false], 'the lower bound is exclusive');
  });

  it('status_code matches any span with a listed code', () => {
    const d = run('- { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }', [withStatus('error'), withStatus('ok'), withStatus('unset')]);
    assert.deepEqual(kept(d), [true, false, false]);
  });

  it('numeric_attribute: span or resource value in [min, max]; non-integers read as 0; invert_match', () => {
    const traces = [withAttr({ tokens: 5000 }), withAttr({ tokens: 10 }), withAttr({ tokens: '9000' }), withAttr({})];
    assert.deepEqual(kept(run('- { name: big, type: numeric_attribute, numeric_attribute: { key: tokens, min_value: 1000, max_value: 100000 } }', traces)), [true, false, true, false]);
    assert.deepEqual(
      kept(run('- { name: notbig, type: numeric_attribute, numeric_attribute: { key: tokens, min_value: 1000, max_value: 100000, invert_match: true } }', traces)),
      [false, true, false, true],
      'inverted: kept unless some span matches',
    );
    assert.deepEqual(kept(run('- { name: r, type: numeric_attribute, numeric_attribute: { key: n, min_value: 1, max_value: 3 } }', [withAttr({ n: 2.5 }), withAttr({ n: 2 })])), [false, true]);
  });

  it('string_attribute: exact values, unanchored regex, invert_match, resource attributes', () => {
    const traces = [withAttr({ 'gen_ai.request.model': 'gpt-4o' }), withAttr({ 'gen_ai.request.model': 'gpt-4o-mini' }), withAttr({ 'gen_ai.request.model': 'claude' })];
    assert.deepEqual(kept(run('- { name: s, type: string_attribute, string_attribute: { key: gen_ai.request.model, values: [gpt-4o] } }', traces)), [true, false, false]);
    assert.deepEqual(
      kept(run('- { name: s, type: string_attribute, string_attribute: { key: gen_ai.request.model, values: ["4o"], enabled_regex_matching: true } }', traces)),
      [true, true, false],
      'Go regexp.MatchString is unanchored',
    );
    const nested = run('- { name: s, type: string_attribute, string_attribute: { key: gen_ai.request.model, values: ["(a+)+$"], enabled_regex_matching: true } }', [withAttr({ 'gen_ai.request.model': 'a'.repeat(40) + '!' })]);
    assert.equal(nested[0].policies[0].decision, 'not_simulated', 'a backtracking pattern never runs on span content');
    assert.match(nested[0].policies[0].note!, /backtrack/);
    const inverted = run('- { name: s, type: string_attribute, string_attribute: { key: gen_ai.request.model, values: [claude], invert_match: true } }', traces);
    assert.deepEqual(kept(inverted), [true, true, false]);
    assert.equal(inverted[2].policies[0].decision, 'invert_not_sampled');
    const resource = trace([span({ resource: { 'service.name': 'billing' } })]);
    assert.deepEqual(kept(run('- { name: s, type: string_attribute, string_attribute: { key: service.name, values: [billing] } }', [resource])), [true]);
    assert.deepEqual(kept(run('- { name: s, type: string_attribute, string_attribute: { key: n, values: ["5"] } }', [withAttr({ n: 5 })])), [false], 'Str() of an int is empty');
  });

  it('boolean_attribute and its invert_match', () => {
    const traces = [withAttr({ 'check.failed': true }), withAttr({ 'check.failed': false }), withAttr({})];
    assert.deepEqual(kept(run('- { name: b, type: boolean_attribute, boolean_attribute: { key: check.failed, value: true } }', traces)), [true, false, false]);
    assert.deepEqual(kept(run('- { name: b, type: boolean_attribute, boolean_attribute: { key: check.failed, value: true, invert_match: true } }', traces)), [false, true, true]);
  });

  it('probabilistic keeps exactly the ids the Collector hash keeps, with hash_salt', () => {
    const traces = Array.from({ length: 200 }, (_, i) => trace([span()], { traceId: (i * 2654435761).toString(16).padStart(32, '0') }));
    const d = run('- { name: p, type: probabilistic, probabilistic: { sampling_percentage: 20, hash_salt: s1 } }', traces);
    assert.deepEqual(kept(d), traces.map((t) => collectorProbabilisticSampled(t.traceId, 20, 's1')));
    const n = kept(d).filter(Boolean).length;
    assert.ok(n > 15 && n < 70, `about 20% kept (${n})`);
  });

  it('span_count: min_spans and max_spans (0 = no maximum)', () => {
    const one = trace([span()]);
    const three = trace([span(), span(), span()]);
    assert.deepEqual(kept(run('- { name: c, type: span_count, span_count: { min_spans: 2 } }', [one, three])), [false, true]);
    assert.deepEqual(kept(run('- { name: c, type: span_count, span_count: { min_spans: 1, max_spans: 2 } }', [one, three])), [true, false]);
  });

  it('trace_state: a key with one of the values', () => {
    const traces = [trace([span({ traceState: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE' })]), trace([span({ traceState: 'rojo=1' })]), trace([span()])];
    assert.deepEqual(kept(run('- { name: ts, type: trace_state, trace_state: { key: congo, values: [t61rcWkgMzE] } }', traces)), [true, false, false]);
  });

  it('and: every sub-policy must sample', () => {
    const yaml = `- name: slow-errors
  type: and
  and:
    and_sub_policy:
      - { name: e, type: status_code, status_code: { status_codes: [ERROR] } }
      - { name: l, type: latency, latency: { threshold_ms: 100 } }`;
    const slowError = trace([span({ status: 'error', endMs: 500 })]);
    const fastError = trace([span({ status: 'error', endMs: 5 })]);
    assert.deepEqual(kept(run(yaml, [slowError, fastError])), [true, false]);
  });

  it('drop: when all sub-policies match, the trace is dropped even if another policy samples it', () => {
    const yaml = `- { name: all, type: always_sample }
- name: no-health
  type: drop
  drop:
    drop_sub_policy:
      - { name: h, type: string_attribute, string_attribute: { key: http.route, values: [/health] } }`;
    const d = run(yaml, [withAttr({ 'http.route': '/health' }), withAttr({ 'http.route': '/chat' })]);
    assert.deepEqual(kept(d), [false, true]);
    assert.equal(d[0].decidedBy, 'no-health');
  });

  it('invert_not_sampled wins over a sample; invert_sampled keeps only when nothing said not_sampled', () => {
    const invert = '- { name: not-claude, type: string_attribute, string_attribute: { key: m, values: [claude], invert_match: true } }';
    const claude = withAttr({ m: 'claude' });
    assert.deepEqual(kept(run(`- { name: all, type: always_sample }\n${invert}`, [claude])), [false]);
    const other = withAttr({ m: 'gpt' });
    assert.deepEqual(kept(run(`${invert}\n- { name: errs, type: status_code, status_code: { status_codes: [ERROR] } }`, [other])), [false], 'a not_sampled blocks invert_sampled');
    assert.deepEqual(kept(run(invert, [other])), [true]);
  });

  it('ottl_condition: the documented subset on spans and span events', () => {
    const yaml = `- name: o
  type: ottl_condition
  ottl_condition:
    span:
      - 'attributes["gen_ai.usage.input_tokens"] > 1000 and name == "chat"'
      - 'status.code == STATUS_CODE_ERROR or resource.attributes["tier"] == "gold"'
    spanevent:
      - 'name == "exception"'`;
    const traces = [
      trace([span({ name: 'chat', attributes: { 'gen_ai.usage.input_tokens': 5000 } })]),
      trace([span({ name: 'embed', attributes: { 'gen_ai.usage.input_tokens': 5000 } })]),
      trace([span({ status: 'error' })]),
      trace([span({ resource: { tier: 'gold' } })]),
      trace([span({ events: [{ name: 'exception', attributes: {} }] })]),
      trace([span({ name: 'chat', attributes: { 'gen_ai.usage.input_tokens': 10 } })]),
    ];
    assert.deepEqual(kept(run(yaml, traces)), [true, false, true, true, true, false]);
  });

  it('ottl_condition outside the subset is listed as not simulated, never as keep', () => {
    const d = run(`- { name: o, type: ottl_condition, ottl_condition: { span: ['IsMatch(name, "x")'] } }`, [trace([span({ name: 'x' })])]);
    assert.equal(d[0].kept, false);
    assert.equal(d[0].policies[0].decision, 'not_simulated');
    assert.match(d[0].policies[0].note!, /IsMatch.*outside the supported OTTL subset/);
  });

  it('rate_limiting over arrival seconds, marked approximate', () => {
    const at = (ms: number) => trace([span(), span()], { arrivalMs: ms });
    const traces = [at(0), at(100), at(200), at(1500)];
    const d = run('- { name: r, type: rate_limiting, rate_limiting: { spans_per_second: 5 } }', traces);
    assert.deepEqual(kept(d), [true, true, false, true]);
    assert.deepEqual(kept(run('- { name: r, type: rate_limiting, rate_limiting: { spans_per_second: 4 } }', traces)), [true, false, false, true], 'reaching the limit exactly is already too many (strict <)');
    assert.ok(d.every((x) => x.approximate));
  });

  it('bytes_limiting: a token bucket of burst_capacity refilled per second, approximate', () => {
    const at = (ms: number) => trace([span()], { arrivalMs: ms, bytes: 600 });
    const d = run('- { name: b, type: bytes_limiting, bytes_limiting: { bytes_per_second: 500, burst_capacity: 1000 } }', [at(0), at(10), at(1500)]);
    assert.deepEqual(kept(d), [true, false, true]);
    assert.ok(d[0].approximate);
  });

  it('composite: the first sampling sub-policy decides within its share of spans per second, approximate', () => {
    const yaml = `- name: c
  type: composite
  composite:
    max_total_spans_per_second: 4
    policy_order: [errors, rest]
    composite_sub_policy:
      - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
      - { name: rest, type: always_sample }
    rate_allocation:
      - { policy: errors, percent: 50 }
      - { policy: rest, percent: 50 }`;
    const at = (ms: number, status: StatusCode) => trace([span({ status }), span()], { arrivalMs: ms });
    const d = run(yaml, [at(0, 'error'), at(1, 'error'), at(2, 'ok'), at(3, 'ok')]);
    assert.deepEqual(kept(d), [true, false, true, false], 'the second error finds the errors share spent and does not fall through to "rest"');
    const unlisted = run(yaml.replace(/\n.*\{ policy: rest, percent: 50 \}/, ''), [at(0, 'ok')]);
    assert.equal(unlisted[0].kept, false, 'a sub-policy without an allocation has no budget');
    const equal = run(yaml.replace('{ policy: rest, percent: 50 }', '{ policy: rest, percent: 0 }'), [at(0, 'ok')]);
    assert.equal(equal[0].kept, true, 'percent 0 means an equal share (4 / 2 sub-policies)');
    assert.ok(d[0].approximate);
  });

  it('sample_on_first_match stops at the first sampling policy, so later rate budgets are not spent', () => {
    const text = (flag: boolean) =>
      `processors:\n  tail_sampling:\n    sample_on_first_match: ${flag}\n    policies:\n      - { name: all, type: always_sample }\n      - { name: r, type: rate_limiting, rate_limiting: { spans_per_second: 1 } }\n`;
    const traces = [trace([span(), span()])];
    for (const flag of [false, true]) {
      const p = parseCollectorConfig(text(flag)).processors[0];
      assert.equal(p.sampleOnFirstMatch, flag);
      const [d] = simulate(traces, { policies: p.policies, head: null, sampleOnFirstMatch: p.sampleOnFirstMatch });
      assert.equal(d.kept, true);
      assert.deepEqual(d.policies.map((x) => x.name), flag ? ['all'] : ['all', 'r']);
      assert.equal(d.approximate, !flag, 'only a consulted rate limit makes the decision approximate');
    }
  });

  it('head sampling runs first: a trace the SDK dropped never reaches the Collector', () => {
    const dropped = trace([span({ status: 'error' })], { traceId: 'ffffffff000000000000000000000001' });
    const d = run('- { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }', [dropped], { ratio: 0.01, sdk: 'js' });
    assert.equal(d[0].kept, false);
    assert.equal(d[0].decidedBy, 'head');
    assert.equal(run('- { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }', [dropped], { ratio: 0.01, sdk: 'python' })[0].kept, true);
  });
});

describe('sampling: bad configurations', () => {
  it('invalid YAML gets a message at its line', () => {
    const r = parseCollectorConfig('processors:\n  tail_sampling:\n    policies:\n      - name: a\n        type: [unclosed\n');
    assert.equal(r.errors.length > 0, true);
    assert.match(r.errors[0].message, /invalid YAML/);
    assert.ok(r.errors[0].line >= 5, `line ${r.errors[0].line}`);
  });

  it('a configuration without a tail_sampling processor says so', () => {
    const r = parseCollectorConfig('receivers:\n  otlp: {}\nprocessors:\n  batch: {}\n');
    assert.equal(r.processors.length, 0);
    assert.match(r.errors[0].message, /no tail_sampling processor/);
    assert.equal(r.errors[0].line, 4);
  });

  it('finds tail_sampling/<name> processors and reports an empty policy list at its line', () => {
    const r = parseCollectorConfig('processors:\n  batch: {}\n  tail_sampling/agents:\n    policies:\n      - { name: a, type: always_sample }\n  tail_sampling/empty:\n    decision_wait: 10s\n');
    assert.deepEqual(r.processors.map((p) => p.id), ['tail_sampling/agents']);
    assert.deepEqual(r.errors, [{ line: 6, message: 'processor "tail_sampling/empty" has no policies: add a "policies:" list' }]);
  });

  it('an unknown policy type is listed as not simulated, at its line, and never keeps a trace', () => {
    const text = 'processors:\n  tail_sampling:\n    policies:\n      - { name: a, type: status_code, status_code: { status_codes: [OK] } }\n      - name: mystery\n        type: rare_spans\n';
    const r = parseCollectorConfig(text);
    assert.deepEqual(r.errors, []);
    assert.equal(r.warnings[0].line, 5);
    assert.match(r.warnings[0].message, /"rare_spans", which is not simulated/);
    const [d] = simulate([trace([span()])], { policies: r.processors[0].policies, head: null });
    assert.equal(d.kept, false);
    assert.equal(d.policies[1].decision, 'not_simulated');
    assert.equal(d.decidedBy, 'no simulated policy sampled');
  });
});
