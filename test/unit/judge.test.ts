// Model-judged checks, the pure parts: the judge check in the checks file (with its line when
// wrong), the request carries the run within its size bound and asks for JSON, and only a clear
// verdict passes or fails: anything else is an error, never a pass.
import { strict as assert } from 'node:assert';
import { evaluateChecks, judgeMessages, parseChecksConfig, readJudgeVerdict, type CheckSpec } from '../../src/core/checks';
import { summarizeTrace } from '../../src/core/tree';

type JudgeCheck = Extract<CheckSpec, { kind: 'judge' }>;
const check: JudgeCheck = { name: 'cites policy', kind: 'judge', line: 1, scope: null, question: 'Does the answer cite the refund policy?', passWhen: 'it names the policy by title' };

describe('judge check: config', () => {
  it('reads question and passWhen, and reports a missing question at its line', () => {
    const c = parseChecksConfig(['checks:', '  - { name: cites policy, kind: judge, question: "Does it cite the policy?", passWhen: names it }', '  - name: broken', '    kind: judge'].join('\n'));
    assert.deepEqual(c.checks.map((x) => x.kind === 'judge' && [x.question, x.passWhen]), [['Does it cite the policy?', 'names it']]);
    assert.deepEqual(c.problems.map((p) => [p.line, p.message]), [[3, 'check "broken": "question" must be a non-empty string']]);
  });
  it('is never answered by the pure evaluator (the judge service answers it, when enabled)', () => {
    assert.deepEqual(evaluateChecks([check], { summary: summarizeTrace([]), spans: [] }), []);
  });
});

describe('judge check: request and verdict', () => {
  it('sends the question, the criteria and the run, within the size bound', () => {
    const run = { question: 'q'.repeat(50_000), toolCalls: Array.from({ length: 100 }, (_, i) => ({ name: `tool${i}`, arguments: 'a'.repeat(1_000) })), answer: { text: 'x'.repeat(50_000), spanId: 's1' } };
    const [system, user] = judgeMessages(check, run, 12_000);
    assert.match(system.content, /\{"verdict": "pass" \| "fail"/);
    assert.match(user.content, /^Check: Does the answer cite the refund policy\?\nIt passes when: it names the policy by title/);
    assert.ok(user.content.length < 12_000 + 1_000, `bounded: ${user.content.length}`);
    assert.match(user.content, /Final answer: x+… \[cut\]/);
    const empty = judgeMessages(check, { question: null, toolCalls: [], answer: null })[1].content;
    assert.match(empty, /User message: \(no user message recorded\)\nTool calls: none\nFinal answer: \(no final answer recorded\)/);
  });

  it('passes or fails on a clear verdict, with its reason', () => {
    assert.deepEqual(readJudgeVerdict(check, '{"verdict": "pass", "reason": "Quotes section 4."}', 's1'), { check: 'cites policy', kind: 'judge', spanId: 's1', outcome: 'pass', message: 'judged pass: Quotes section 4.' });
    assert.equal(readJudgeVerdict(check, '```json\n{"verdict":"FAIL","reason":"no policy"}\n```', null).outcome, 'fail');
  });

  it('is an error, never a pass, on anything else', () => {
    for (const content of ['', null, 'The weather in Paris is sunny.', '{"verdict": "maybe"}', '{"verdict": pass}', 42]) {
      assert.equal(readJudgeVerdict(check, content, null).outcome, 'error', String(content));
    }
  });
});
