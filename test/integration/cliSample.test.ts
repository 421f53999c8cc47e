// `agent-trace sample` on a real database filled through the import command: a recorded batch
// with planted error runs and agent loops, a 1% head ratio (JS SDK) before a tail policy, and
// the lost-failure verdict and exit codes a CI gate relies on.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeOtlpJson } from '../../src/core/otlp';
import type { RawSpan } from '../../src/core/model';
import type { SampleReport } from '../../src/cli/sampleCommand';
import { ensureBuilt, runCli, tempDir } from '../support/serverProcess';

const NOW_NS = BigInt(Date.now()) * 1_000_000n;

function spanOf(traceId: string, n: number, over: Partial<RawSpan>): RawSpan {
  return {
    traceId,
    spanId: (n + 1).toString(16).padStart(16, '0'),
    parentSpanId: n === 0 ? null : '0000000000000001',
    name: 'invoke_agent helper',
    kind: 'internal',
    startUnixNanos: String(NOW_NS - 60_000_000_000n + BigInt(n) * 1_000_000n),
    endUnixNanos: String(NOW_NS - 60_000_000_000n + BigInt(n + 1) * 1_000_000n),
    status: { code: 'ok', message: '' },
    attributes: {},
    events: [],
    links: [],
    resource: { 'service.name': 'helper-agent' },
    scope: { name: 'test', version: '1' },
    ...over,
  };
}

/** One agent run: a root span and one span per tool call. */
function run(traceId: string, tools: string[], failed = false, ageNs = 0n): RawSpan[] {
  const shift = (s: RawSpan): RawSpan => ({ ...s, startUnixNanos: String(BigInt(s.startUnixNanos) - ageNs), endUnixNanos: String(BigInt(s.endUnixNanos) - ageNs) });
  return [
    spanOf(traceId, 0, { attributes: { 'gen_ai.operation.name': 'invoke_agent' }, status: failed ? { code: 'error', message: 'agent gave up' } : { code: 'ok', message: '' } }),
    ...tools.map((tool, i) => spanOf(traceId, i + 1, { name: `execute_tool ${tool}`, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': tool } })),
  ].map(shift);
}

// Ids whose 32-bit words XOR to a large value: the JS SDK's 1% head sampler drops them.
const headDropped = (kind: number, i: number) => `f${kind}000000` + '0'.repeat(16) + (i + 1).toString(16).padStart(8, '0');

describe('CLI: sample (sampling lab)', function () {
  this.timeout(90_000);
  let dir: string;
  let db: string;
  let config: string;
  const luckyError = '00000000000000000000000000000abc'; // words XOR to 0xabc: head-sampled at 1%

  before(() => {
    ensureBuilt();
    dir = tempDir();
    db = path.join(dir, 'traces.db');
    const spans: RawSpan[] = [];
    let seed = 11;
    const hex8 = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >>> 0).toString(16).padStart(8, '0');
    for (let i = 0; i < 120; i++) spans.push(...run(hex8() + hex8() + hex8() + hex8(), ['search', 'answer']));
    for (let i = 0; i < 5; i++) spans.push(...run(headDropped(1, i), ['search'], true));
    spans.push(...run(luckyError, ['search'], true));
    for (let i = 0; i < 3; i++) spans.push(...run(headDropped(2, i), ['search', 'search', 'search', 'search', 'search']));
    spans.push(...run(headDropped(3, 0), ['search'], true, 3n * 3_600_000_000_000n)); // an error three hours old
    const file = path.join(dir, 'batch.json');
    fs.writeFileSync(file, JSON.stringify(encodeOtlpJson(spans)));
    const r = runCli(['import', file, '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    config = path.join(dir, 'collector.yaml');
    fs.writeFileSync(
      config,
      [
        'receivers:',
        '  otlp: {}',
        'processors:',
        '  tail_sampling:',
        '    policies:',
        '      - name: keep-errors',
        '        type: status_code',
        '        status_code: { status_codes: [ERROR] }',
        '      - name: baseline',
        '        type: probabilistic',
        '        probabilistic: { sampling_percentage: 5 }',
        '',
      ].join('\n'),
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a 1% head ratio before the tail policy loses the planted failures: verdict and exit 1', () => {
    const r = runCli(['sample', '--config', config, '--head', '0.01', '--since', '1h', '--fail-on-lost', 'errors', '--json', '--db', db]);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as SampleReport;
    assert.equal(report.traces, 129, 'the three-hour-old run is outside --since 1h');
    assert.match(report.verdict.sentence, /drops 5 of 6 error traces and drops all 3 runs where the agent looped/);
    const lucky = report.decisions.find((d) => d.traceId === luckyError)!;
    assert.equal(lucky.kept, true);
    assert.equal(lucky.decidedBy, 'keep-errors');
    const lost = report.decisions.find((d) => d.traceId === headDropped(1, 0))!;
    assert.deepEqual([lost.kept, lost.decidedBy], [false, 'head']);
    assert.match(r.stderr, /drops 5 of 6 error traces/);
  });

  it('the tail policy alone keeps every error (exit 0) but not the loops (exit 1 on --fail-on-lost loops)', () => {
    const ok = runCli(['sample', '--config', config, '--fail-on-lost', 'errors', '--db', db]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /keeps all 7 error traces/);
    assert.match(ok.stdout, /KEPT {4}00000000000000000000000000000abc {2}by keep-errors/);
    const loops = runCli(['sample', '--config', config, '--fail-on-lost', 'loops', '--db', db]);
    assert.equal(loops.code, 1);
    const longerLoops = runCli(['sample', '--config', config, '--fail-on-lost', 'loops', '--loop', '6', '--db', db]);
    assert.equal(longerLoops.code, 0, 'no run calls a tool 6 times');
    assert.equal(runCli(['sample', '--config', config, '--loop', 'many', '--db', db]).code, 2);
  });

  it('suggests a policy within a budget, exported as Collector YAML that itself keeps every error', () => {
    const r = runCli(['sample', '--head', '0.01', '--suggest', '10', '--json', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as SampleReport;
    assert.match(report.suggestion!.yaml, /recordpolicy/);
    const suggested = path.join(dir, 'suggested.yaml');
    fs.writeFileSync(suggested, report.suggestion!.yaml);
    const again = runCli(['sample', '--config', suggested, '--fail-on-lost', 'errors', '--json', '--db', db]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as SampleReport).verdict.groups[0].kept, 7);
  });

  it('a bad configuration exits 2 with the file and line; an unknown policy type is reported, never kept', () => {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'processors:\n  batch: {}\n');
    const none = runCli(['sample', '--config', bad, '--db', db]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /bad\.yaml:2: no tail_sampling processor/);
    fs.writeFileSync(bad, 'processors:\n  tail_sampling:\n    policies:\n      - name: x\n        type: [oops\n');
    const invalid = runCli(['sample', '--config', bad, '--db', db]);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /bad\.yaml:\d+: invalid YAML/);
    fs.writeFileSync(bad, 'processors:\n  tail_sampling:\n    policies:\n      - name: mystery\n        type: rare_spans\n');
    const unknown = runCli(['sample', '--config', bad, '--json', '--db', db]);
    assert.equal(unknown.code, 0, unknown.stderr);
    const report = JSON.parse(unknown.stdout) as SampleReport;
    assert.equal(report.kept, 0);
    assert.match(report.warnings[0].message, /rare_spans.*not simulated/);
    assert.equal(report.warnings[0].line, 4);
    assert.equal(runCli(['sample', '--config', config, '--head', '2', '--db', db]).code, 2);
  });
});
