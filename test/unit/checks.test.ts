// Checks: every kind against hand-made traces (OTel GenAI spans through the real normalizers),
// scope, config problems with their lines, and "a check that throws is an error, never a pass".
import { strict as assert } from 'node:assert';
import { canonicalize } from '../../src/core/canonicalize';
import { countOutcomes, evaluateChecks, parseChecksConfig, type CheckResult, type CheckSpec } from '../../src/core/checks';
import type { Attributes, CanonicalSpan, RawSpan } from '../../src/core/model';
import { summarizeTrace } from '../../src/core/tree';

const TRACE = 'a'.repeat(32);
let nextId = 1;
const T0 = 1_790_000_000_000_000_000n;

function span(name: string, attrs: Attributes, o: { parent?: string; startMs?: number; durMs?: number; error?: string; service?: string } = {}): CanonicalSpan {
  const spanId = (nextId++).toString(16).padStart(16, '0');
  const start = T0 + BigInt(o.startMs ?? 0) * 1_000_000n;
  const raw: RawSpan = {
    traceId: TRACE, spanId, parentSpanId: o.parent ?? null, name, kind: 'internal',
    startUnixNanos: start.toString(), endUnixNanos: (start + BigInt(o.durMs ?? 10) * 1_000_000n).toString(),
    status: o.error ? { code: 'error', message: o.error } : { code: 'unset', message: '' },
    attributes: attrs, events: [], links: [], resource: { 'service.name': o.service ?? 'weather-agent' }, scope: { name: 'test', version: '1' },
  };
  return canonicalize(raw);
}

const agent = (o: Parameters<typeof span>[2] = {}) => span('invoke_agent weather', { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather' }, { durMs: 1000, ...o });
const chat = (parent: string, startMs: number, answer: string, tokens = { in: 100, out: 20 }) =>
  span('chat gpt-4o-mini', {
    'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.provider.name': 'openai',
    'gen_ai.usage.input_tokens': tokens.in, 'gen_ai.usage.output_tokens': tokens.out,
    'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: answer }] }]),
  }, { parent, startMs });
const tool = (parent: string, startMs: number, name: string, args: object, o: Parameters<typeof span>[2] = {}) =>
  span(`execute_tool ${name}`, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.call.arguments': JSON.stringify(args) }, { parent, startMs, ...o });

function trace(spans: CanonicalSpan[]) {
  return { summary: summarizeTrace(spans), spans };
}

/** A weather run: agent → chat → get_weather(Paris) → chat answering. */
function weatherRun(opts: { city?: string; answer?: string; extra?: (root: string) => CanonicalSpan[] } = {}) {
  const root = agent();
  return trace([
    root,
    chat(root.spanId, 10, ''),
    tool(root.spanId, 100, 'get_weather', { city: opts.city ?? 'Paris', units: 'celsius', days: 3 }),
    chat(root.spanId, 200, opts.answer ?? 'It is 18°C and sunny in Paris.'),
    ...(opts.extra?.(root.spanId) ?? []),
  ]);
}

function run(configText: string, t: ReturnType<typeof trace>): CheckResult[] {
  const config = parseChecksConfig(configText);
  assert.deepEqual(config.problems, [], 'the config has no problems');
  return evaluateChecks(config.checks, t);
}

const one = (check: object, t: ReturnType<typeof trace>): CheckResult => {
  const results = run(JSON.stringify({ checks: [{ name: 'c', ...check }] }), t);
  assert.equal(results.length, 1);
  return results[0];
};

describe('checks: each kind', () => {
  it('tool_called counts calls and says how many against what was expected', () => {
    assert.deepEqual(
      [one({ kind: 'tool_called', tool: 'get_weather' }, weatherRun()).outcome, one({ kind: 'tool_called', tool: 'get_forecast' }, weatherRun()).message],
      ['pass', 'get_forecast was called 0 times; expected ≥ 1'],
    );
    const twice = weatherRun({ extra: (r) => [tool(r, 300, 'get_weather', { city: 'Lyon' })] });
    const r = one({ kind: 'tool_called', tool: 'get_weather', min: 1, max: 1 }, twice);
    assert.equal(r.outcome, 'fail');
    assert.equal(r.message, 'get_weather was called 2 times; expected 1');
  });

  it('argument matchers: equals, contains, matches, nested paths and numbers given as strings', () => {
    const t = weatherRun();
    const cases: [object, 'pass' | 'fail'][] = [
      [{ path: 'city', equals: 'Paris' }, 'pass'],
      [{ path: 'city', equals: 'Lyon' }, 'fail'],
      [{ path: 'days', equals: 3 }, 'pass'],
      [{ path: 'days', equals: '3' }, 'pass'],
      [{ path: 'units', contains: 'cel' }, 'pass'],
      [{ path: 'city', matches: '^par', ignoreCase: true }, 'pass'],
      [{ path: 'city', matches: '^par' }, 'fail'],
      [{ path: 'missing.key', equals: 'x' }, 'fail'],
    ];
    for (const [matcher, expected] of cases) {
      assert.equal(one({ kind: 'tool_called', tool: 'get_weather', arguments: [matcher] }, t).outcome, expected, JSON.stringify(matcher));
    }
    const nested = trace([agent(), tool('0', 1, 'book', { trip: { legs: [{ to: 'Oslo' }] } })]);
    assert.equal(one({ kind: 'tool_called', tool: 'book', arguments: [{ path: 'trip.legs[0].to', equals: 'Oslo' }] }, nested).outcome, 'pass');
    assert.equal(one({ kind: 'tool_called', tool: 'get_weather', arguments: [{ path: 'city', equals: 'Lyon' }] }, t).message, 'get_weather(city = "Lyon") was called 0 times; expected ≥ 1');
  });

  it('tool calls a model asked for count when the run records no tool steps', () => {
    const root = agent();
    const asked = span('chat', {
      'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o',
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'get_weather', arguments: { city: 'Paris' } }] }]),
    }, { parent: root.spanId });
    const r = one({ kind: 'tool_called', tool: 'get_weather', arguments: [{ path: 'city', equals: 'Paris' }] }, trace([root, asked]));
    assert.equal(r.outcome, 'pass');
  });

  it('tool_not_called', () => {
    assert.equal(one({ kind: 'tool_not_called', tool: 'delete_account' }, weatherRun()).outcome, 'pass');
    const r = one({ kind: 'tool_not_called', tool: 'get_weather' }, weatherRun());
    assert.equal(r.outcome, 'fail');
    assert.equal(r.message, 'get_weather was called 1 time; expected never');
    assert.ok(r.spanId, 'points at the offending call');
  });

  it('final_answer: matches, notMatches, contains, notContains; the answer is the last model output', () => {
    const t = weatherRun();
    assert.equal(one({ kind: 'final_answer', matches: '\\d+°C' }, t).outcome, 'pass');
    assert.equal(one({ kind: 'final_answer', contains: 'paris', ignoreCase: true }, t).outcome, 'pass');
    assert.equal(one({ kind: 'final_answer', contains: 'paris' }, t).outcome, 'fail');
    const r = one({ kind: 'final_answer', notContains: 'sunny' }, t);
    assert.equal(r.outcome, 'fail');
    assert.equal(r.message, 'the final answer contains "sunny": "It is 18°C and sunny in Paris."');
    assert.equal(one({ kind: 'final_answer', notMatches: 'sorry|cannot' }, t).message, 'the final answer does not match /sorry|cannot/');
    const none = trace([agent()]);
    assert.equal(one({ kind: 'final_answer', contains: 'x' }, none).outcome, 'fail');
  });

  it('max cost, tokens, latency, model calls and tool calls against the trace summary', () => {
    const t = weatherRun(); // 2 model calls of 100 + 20 tokens, 1 tool call, 1 s
    assert.deepEqual(
      [
        one({ kind: 'max_tokens', max: 240 }, t).outcome, one({ kind: 'max_tokens', max: 239 }, t).message,
        one({ kind: 'max_latency', max: 1000 }, t).outcome, one({ kind: 'max_latency', max: 500 }, t).message,
        one({ kind: 'max_llm_calls', max: 1 }, t).message, one({ kind: 'max_tool_calls', max: 1 }, t).outcome,
        one({ kind: 'max_cost', max: 1 }, t).outcome, one({ kind: 'max_cost', max: 0.00001 }, t).outcome,
      ],
      [
        'pass', 'tokens (input + output) 240; at most 239 allowed',
        'pass', 'duration 1 s; at most 500 ms allowed',
        'model calls 2; at most 1 allowed', 'pass',
        'pass', 'fail',
      ],
    );
  });

  it('an unknown cost or token count is an error, never a pass', () => {
    const t = trace([agent()]);
    assert.equal(one({ kind: 'max_cost', max: 100 }, t).outcome, 'error');
    assert.equal(one({ kind: 'max_tokens', max: 100 }, t).outcome, 'error');
  });

  it('no_errors names the first failed step', () => {
    assert.equal(one({ kind: 'no_errors' }, weatherRun()).outcome, 'pass');
    const t = weatherRun({ extra: (r) => [tool(r, 300, 'get_weather', { city: 'X' }, { error: 'city not found' })] });
    const r = one({ kind: 'no_errors' }, t);
    assert.equal(r.outcome, 'fail');
    assert.equal(r.message, '1 step failed; first "execute_tool get_weather": city not found');
  });

  it('no_sensitive_data uses the redaction detectors', () => {
    assert.equal(one({ kind: 'no_sensitive_data' }, weatherRun()).outcome, 'pass');
    const leak = weatherRun({ extra: (r) => [tool(r, 300, 'send_mail', { to: 'jane.doe@example.org', body: 'key sk-proj-' + 'A1b2C3d4E5f6G7h8J9k0L1m2N3p4Q5r6S7t8U9v0W1x2Y3z4' })] });
    const r = one({ kind: 'no_sensitive_data' }, leak);
    assert.equal(r.outcome, 'fail');
    assert.match(r.message, /finding/);
    assert.equal(one({ kind: 'no_sensitive_data', categories: ['health'] }, leak).outcome, 'pass');
  });

  it('no_sensitive_data scans a bounded amount of text: beyond it, a clean prefix is an error, not a pass', () => {
    const big = 'The forecast is mild and dry. '.repeat(20_000); // 600 kB per step
    const root = agent();
    const steps = [1, 2, 3, 4, 5].map((i) => tool(root.spanId, i, 'read_report', { text: big }));
    const r = one({ kind: 'no_sensitive_data' }, trace([root, ...steps]));
    assert.equal(r.outcome, 'error');
    assert.equal(r.message, 'none found in the first 5 steps of 6; the rest was not scanned (2 MB of text per trace)');
  });

  it('step_order: A before B, and either missing fails', () => {
    const t = weatherRun({ extra: (r) => [tool(r, 150, 'search_docs', { q: 'x' })] });
    assert.equal(one({ kind: 'step_order', first: 'get_weather', then: 'search_docs' }, t).outcome, 'pass');
    const r = one({ kind: 'step_order', first: 'search_docs', then: 'get_weather' }, t);
    assert.equal(r.outcome, 'fail');
    assert.equal(r.message, 'get_weather ran before search_docs');
    assert.equal(one({ kind: 'step_order', first: { kind: 'llm' }, then: 'get_weather' }, t).outcome, 'pass');
    assert.equal(one({ kind: 'step_order', first: 'lookup', then: 'get_weather' }, t).message, 'get_weather ran but lookup never did');
  });

  it('max_repeats finds loops, optionally only with the same arguments', () => {
    const loop = weatherRun({ extra: (r) => [1, 2, 3].map((i) => tool(r, 300 + i, 'get_weather', { city: i === 3 ? 'Lyon' : 'Paris', units: 'celsius', days: 3 })) });
    const r = one({ kind: 'max_repeats', tool: 'get_weather', max: 3 }, loop);
    assert.equal(r.outcome, 'fail');
    assert.equal(r.message, 'get_weather was called 4 times; at most 3 allowed');
    assert.equal(one({ kind: 'max_repeats', max: 3, sameArguments: true }, loop).message, 'get_weather was called 3 times with the same arguments; at most 3 allowed');
  });
});

describe('checks: scope', () => {
  const checks = (scope: object) => JSON.stringify({ checks: [{ name: 'c', kind: 'no_errors', scope }] });
  it('applies a check only to traces with a span of that agent, service or attribute', () => {
    const t = weatherRun({ extra: (r) => [span('route', { 'app.route': 'refunds', 'app.tier': 2 }, { parent: r })] });
    assert.equal(run(checks({ agent: 'weather' }), t).length, 1, 'gen_ai.agent.name');
    assert.equal(run(checks({ agent: 'weather-agent' }), t).length, 1, 'service.name as the agent');
    assert.equal(run(checks({ agent: 'billing' }), t).length, 0);
    assert.equal(run(checks({ service: 'weather-agent' }), t).length, 1);
    assert.equal(run(checks({ service: 'other' }), t).length, 0);
    assert.equal(run(checks({ attributes: { 'app.route': 'refunds', 'app.tier': 2 } }), t).length, 1);
    assert.equal(run(checks({ attributes: { 'app.route': 'orders' } }), t).length, 0);
    assert.equal(run(checks({ attributes: { 'service.name': 'weather-agent' } }), t).length, 1, 'resource attributes too');
  });
});

describe('checks: errors are never passes', () => {
  it('a check that throws on a strange trace is an error with the reason', () => {
    const t = weatherRun();
    const config = parseChecksConfig(JSON.stringify({ checks: [{ name: 'cost', kind: 'max_cost', max: 1 }, { name: 'errs', kind: 'no_errors' }] }));
    // A strange trace: a summary without usage (what a corrupt stored row could give).
    const broken = { ...t, summary: { ...t.summary, usage: undefined as never } };
    const results = evaluateChecks([...config.checks, { ...config.checks[0], name: 'tokens', kind: 'max_tokens' } as CheckSpec], broken);
    assert.deepEqual(results.map((r) => [r.check, r.outcome]), [['cost', 'pass'], ['errs', 'pass'], ['tokens', 'error']]);
    assert.match(results[2].message, /^could not be evaluated on this trace: /);
    assert.deepEqual(countOutcomes(results), { passed: 2, failed: 0, errors: 1 });
  });
});

describe('checks: the config file', () => {
  it('reads YAML and reports each invalid check at its line while the valid ones stay', () => {
    const yaml = [
      'checks:', //                               1
      '  - name: weather tool used', //          2
      '    kind: tool_called', //                3
      '    tool: get_weather', //                4
      '  - name: bad kind', //                   5
      '    kind: tool_caled', //                 6
      '  - name: no tool', //                    7
      '    kind: tool_called', //                8
      '  - name: cheap', //                      9
      '    kind: max_cost', //                   10
      '    max: -1', //                          11
      '  - name: catastrophic', //               12
      '    kind: final_answer', //               13
      '    matches: "(a+)+$"', //                14
      '  - name: weather tool used', //          15
      '    kind: no_errors', //                  16
    ].join('\n');
    const config = parseChecksConfig(yaml);
    assert.deepEqual(config.checks.map((c) => c.name), ['weather tool used']);
    assert.deepEqual(config.problems.map((p) => [p.line, p.check]), [[6, 'bad kind'], [7, 'no tool'], [11, 'cheap'], [14, 'catastrophic'], [15, 'weather tool used']]);
    assert.match(config.problems[0].message, /"kind" must be one of tool_called, /);
    assert.match(config.problems[3].message, /could backtrack without bound/);
    assert.match(config.problems[4].message, /another check has the same name/);
  });

  it('reads JSON with lines, and says what is wrong with a broken file', () => {
    const json = '{\n  "checks": [\n    { "name": "a", "kind": "no_errors" },\n    { "name": "b", "kind": "max_latency" }\n  ]\n}';
    const config = parseChecksConfig(json);
    assert.equal(config.checks.length, 1);
    assert.deepEqual(config.problems.map((p) => p.line), [4]);
    const broken = parseChecksConfig('{\n  "checks": [\n    { "name": "a", \n');
    assert.equal(broken.checks.length, 0);
    assert.ok(broken.problems.length > 0 && broken.problems.every((p) => p.line >= 1 && /invalid JSON\/YAML/.test(p.message)));
    assert.match(parseChecksConfig('[]').problems[0].message, /expected an object with a "checks" list/);
  });

  it('refuses invalid regexes and bad argument paths with the reason', () => {
    const config = parseChecksConfig(JSON.stringify({
      checks: [
        { name: 'r', kind: 'final_answer', matches: '([' },
        { name: 'p', kind: 'tool_called', tool: 't', arguments: [{ path: 'a[x]', equals: 1 }] },
        { name: 'two', kind: 'tool_called', tool: 't', arguments: [{ path: 'a', equals: 1, contains: 'x' }] },
        { name: 'nothing', kind: 'final_answer' },
        { name: 'scope', kind: 'no_errors', scope: { region: 'eu' } },
      ],
    }));
    assert.equal(config.checks.length, 0);
    assert.deepEqual(config.problems.map((p) => p.check), ['r', 'p', 'two', 'nothing', 'scope']);
    assert.match(config.problems[0].message, /invalid regular expression/);
  });
});
