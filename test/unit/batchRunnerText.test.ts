// What the batch runner's shells (`agent-trace batch run`, the editor's "Run Batch…") show and
// accept: inputs by file kind, the default tag, typed counts, the end-of-batch sentence (failures
// counted, never hidden), and concurrent runs' output as prefixed whole lines.
import { strict as assert } from 'node:assert';
import {
  batchOutcome,
  batchTagProblem,
  countProblem,
  defaultBatchTag,
  describeBatchOutcome,
  parseInputsFile,
  PrefixedRunOutput,
  type BatchRunResult,
} from '../../src/server/batchRunner';

const result = (index: number, exitCode: number | null, extra: Partial<BatchRunResult> = {}): BatchRunResult => ({
  index, inputIndex: index, exitCode, signal: null, error: null, stdoutTail: '', stderrTail: '', ...extra,
});

describe('batch runner: inputs, tags, counts and outcome text', () => {
  it('reads a .txt file as one text input per line (passed on as JSON strings) and a .jsonl file as JSON lines', () => {
    assert.deepEqual(parseInputsFile('Can I return it?\n\n  {"not": "json here"}  \r\nWhere is "my" order?\n', 'inputs/questions.TXT'), [
      '"Can I return it?"', '"{\\"not\\": \\"json here\\"}"', '"Where is \\"my\\" order?"',
    ]);
    assert.deepEqual(parseInputsFile('{"route":"refunds"}\n"plain"\n', 'inputs.jsonl'), ['{"route":"refunds"}', '"plain"']);
    assert.throws(() => parseInputsFile('{"route":"refunds"}\nCan I return it?\n', 'inputs.jsonl'), /line 2: not JSON/);
  });

  it('names a batch by its local start time, a name the tag rules accept', () => {
    const tag = defaultBatchTag(new Date(2026, 11, 2, 7, 41, 5));
    assert.equal(tag, 'batch-2026-12-02-0741-05');
    assert.equal(batchTagProblem(tag), null);
    assert.match(batchTagProblem('my batch') ?? '', /letters, digits/);
    assert.match(batchTagProblem('') ?? '', /letters, digits/);
  });

  it('accepts whole numbers within bounds only', () => {
    assert.equal(countProblem(' 3 ', 'number of runs', 10), null);
    for (const bad of ['', '0', '-1', '2.5', 'two', '11']) assert.match(countProblem(bad, 'number of runs', 10) ?? '', /number of runs is a whole number from 1 to 10/, bad);
  });

  it('counts failing runs apart from the done ones, and a cancel\'s stopped and unstarted runs', () => {
    const clean = [result(0, 0), result(1, 0), result(2, 0)];
    assert.equal(describeBatchOutcome('b1', clean, 3), 'Batch b1: 3 of 3 runs done, none failed.');
    const failing = [result(0, 0), result(1, 1), result(2, null, { error: 'spawn sh ENOENT' })];
    assert.deepEqual(batchOutcome(failing, 3), { total: 3, done: 3, failed: 2, stopped: 0, notStarted: 0 });
    assert.equal(describeBatchOutcome('b2', failing, 3), 'Batch b2: 3 of 3 runs done, 2 failed (run 2: exit 1; run 3: could not start (spawn sh ENOENT)).');
    const cancelled = [result(0, 0), result(1, 2), result(2, null, { signal: 'SIGTERM', cancelled: true })];
    assert.deepEqual(batchOutcome(cancelled, 6), { total: 6, done: 2, failed: 1, stopped: 1, notStarted: 3 });
    assert.equal(describeBatchOutcome('b3', cancelled, 6), 'Batch b3 cancelled: 2 of 6 runs done, 1 failed (run 2: exit 2), 1 stopped, 3 not started.');
    const many = [1, 2, 3, 4].map((i) => result(i, 1));
    assert.match(describeBatchOutcome('b4', many, 4), /4 failed \(run 2: exit 1; run 3: exit 1; run 4: exit 1; …\)/);
  });

  it('writes concurrent runs\' output as whole lines prefixed by the run, a partial line at its end', () => {
    const lines: string[] = [];
    const out = new PrefixedRunOutput((l) => lines.push(l));
    out.add(0, 'hel');
    out.add(1, 'other run\r\nsecond');
    out.add(0, 'lo\nworld\n');
    out.end(1);
    out.end(0);
    out.add(2, 'x'.repeat(9000));
    assert.deepEqual(lines.slice(0, 4), ['[run 2] other run', '[run 1] hello', '[run 1] world', '[run 2] second']);
    assert.equal(lines.length, 5, 'a very long unterminated line is written without waiting for its end');
  });
});
