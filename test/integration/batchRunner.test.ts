// The batch runner (agent-trace batch run, and the extension later): N runs of a real child
// process over an inputs file, cycling the inputs, never more than C at a time, each with the
// OTLP environment, the batch tag in OTEL_RESOURCE_ATTRIBUTES and its input.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchInputError, batchOutcome, parseInputs, runBatch } from '../../src/server/batchRunner';
import { waitUntil } from '../support/waitUntil';

describe('batch runner', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-trace-batch-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  // Each run writes what it was given to <dir>/<run index>.json.
  const recorder = () => [
    process.execPath,
    '-e',
    `const e = process.env; require('fs').writeFileSync(require('path').join(${JSON.stringify(dir)}, e.AGENT_TRACE_RUN_INDEX + '.json'), JSON.stringify({
      input: e.AGENT_TRACE_INPUT, inputIndex: e.AGENT_TRACE_INPUT_INDEX, endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
      protocol: e.OTEL_EXPORTER_OTLP_PROTOCOL, resource: e.OTEL_RESOURCE_ATTRIBUTES })); if (JSON.parse(e.AGENT_TRACE_INPUT).fail) process.exit(3);`,
  ];

  it('runs every input, cycling to N runs, at most C at a time, each with its environment', async () => {
    const inputs = parseInputs('{"route":"refunds"}\n\n{"route":"orders"}\n{"route":"billing","fail":true}\n');
    let active = 0;
    let most = 0;
    const results = await runBatch({
      command: recorder(), inputs, runs: 7, concurrency: 2, tag: 'nightly-42', otlpEndpoint: 'http://127.0.0.1:4999',
      env: { ...process.env, OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=dev' },
      onRunStart: () => (most = Math.max(most, ++active)),
      onRunEnd: () => active--,
    });
    assert.equal(results.length, 7);
    assert.ok(most <= 2, `at most 2 at a time, saw ${most}`);
    assert.deepEqual(results.map((r) => r.exitCode), [0, 0, 3, 0, 0, 3, 0], 'the third input fails each time it comes round');
    const seen = JSON.parse(fs.readFileSync(path.join(dir, '4.json'), 'utf8'));
    assert.deepEqual(seen, {
      input: '{"route":"orders"}', inputIndex: '1', endpoint: 'http://127.0.0.1:4999', protocol: 'http/protobuf',
      resource: 'deployment.environment=dev,agent_trace.batch=nightly-42',
    });
  });

  it('refuses bad inputs, tags and counts before starting anything, and reports a command that cannot start', async () => {
    assert.throws(() => parseInputs('{"ok":1}\nnot json\n'), /line 2: not JSON/);
    const base = { command: recorder(), inputs: ['{}'], otlpEndpoint: 'http://127.0.0.1:4999' };
    await assert.rejects(runBatch({ ...base, tag: 'has space' }), BatchInputError);
    await assert.rejects(runBatch({ ...base, tag: 'ok', runs: 0 }), /positive integer/);
    await assert.rejects(runBatch({ ...base, tag: 'ok', inputs: [] }), /no input lines/);
    assert.deepEqual(fs.readdirSync(dir), [], 'nothing ran');
    const [r] = await runBatch({ ...base, tag: 'ok', command: [path.join(dir, 'no-such-program')] });
    assert.match(r.error ?? '', /ENOENT/);
  });

  it('a cancel starts no new run and ends the running ones with what their shell command started', async function () {
    if (process.platform === 'win32') this.skip(); // process groups: POSIX only
    // Each run is a shell command whose agent (a grandchild) writes its pid and waits forever;
    // the `; echo` keeps the shell from handing its process over to the agent (exec).
    const agent = `${JSON.stringify(process.execPath)} -e "require('fs').writeFileSync(require('path').join(process.env.DIR, process.env.AGENT_TRACE_RUN_INDEX + '.pid'), String(process.pid)); setInterval(() => {}, 1000)"`;
    const abort = new AbortController();
    const output: string[] = [];
    const batch = runBatch({
      command: { shell: `${agent}; echo after` }, inputs: ['"a"', '"b"', '"c"'], runs: 5, concurrency: 2, tag: 'to-cancel',
      otlpEndpoint: 'http://127.0.0.1:4999', env: { ...process.env, DIR: dir }, signal: abort.signal,
      onOutput: (o) => output.push(o.text),
    });
    const pidFiles = () => fs.readdirSync(dir).filter((f) => f.endsWith('.pid'));
    await waitUntil('two runs to start their agents', () => pidFiles().length === 2, 60_000);
    const pids = pidFiles().map((f) => Number(fs.readFileSync(path.join(dir, f), 'utf8')));
    abort.abort();
    const results = await batch;
    assert.deepEqual(batchOutcome(results, 5), { total: 5, done: 0, failed: 0, stopped: 2, notStarted: 3 });
    assert.ok(results.every((r) => r.cancelled && r.signal === 'SIGTERM'), JSON.stringify(results));
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await waitUntil('the agents started by the shells to be gone', () => !pids.some(alive), 20_000);
    assert.deepEqual(pidFiles().sort(), ['0.pid', '1.pid'], 'no run started after the cancel');
    assert.deepEqual(output, [], 'the shells were stopped before their echo');
  });
});
