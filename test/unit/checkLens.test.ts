// The code lens on an agent's source line for failing checks: the worst check, in how many of
// the last runs, and how many others failed too.
import { strict as assert } from 'node:assert';
import { checkDiagnosticMessages, checkLensTitle } from '../../src/server/checkLens';

describe('check code lens titles', () => {
  const c = (check: string, failed: number, errors = 0, evaluated = 10) => ({ check, failed, errors, evaluated });
  it('says nothing when every check passed', () => {
    assert.equal(checkLensTitle({ runs: 10, checks: [c('a', 0)] }), null);
    assert.equal(checkLensTitle({ runs: 0, checks: [] }), null);
  });
  it('names the check that failed most often, then how many others failed', () => {
    assert.equal(checkLensTitle({ runs: 10, checks: [c('weather tool used', 3)] }), 'Agent Trace checks: "weather tool used" failed in 3 of the last 10 runs');
    assert.equal(
      checkLensTitle({ runs: 10, checks: [c('cheap', 1), c('weather tool used', 3), c('no errors', 0), c('no loops', 2)] }),
      'Agent Trace checks: "weather tool used" failed in 3 of the last 10 runs, and 2 more checks failed',
    );
  });
  it('counts checks that could not run apart from failures', () => {
    assert.equal(checkLensTitle({ runs: 1, checks: [c('cost', 0, 1, 1)] }), 'Agent Trace checks: "cost" could not run in the last run');
    assert.equal(checkLensTitle({ runs: 4, checks: [c('cost', 2, 1, 4)] }), 'Agent Trace checks: "cost" failed in 2 of the last 4 runs (and could not run in 1)');
  });
  it('gives one diagnostic per failing check', () => {
    assert.deepEqual(checkDiagnosticMessages({ runs: 10, checks: [c('cheap', 1), c('fine', 0), c('weather tool used', 3)] }), [
      'Check "weather tool used" failed in 3 of the last 10 runs started here.',
      'Check "cheap" failed in 1 of the last 10 runs started here.',
    ]);
  });
  it('counts failing evaluation results like checks, named as evaluations, checks first on a tie', () => {
    const e = (check: string, failed: number, evaluated = 10) => ({ check, failed, errors: 0, evaluated, kind: 'evaluation' as const });
    assert.equal(checkLensTitle({ runs: 10, checks: [c('no errors', 0), e('relevance', 4)] }), 'Agent Trace checks: evaluation "relevance" failed in 4 of the last 10 runs');
    assert.equal(checkLensTitle({ runs: 10, checks: [e('relevance', 0)] }), null, 'evaluations that all passed say nothing');
    assert.equal(
      checkLensTitle({ runs: 10, checks: [e('relevance', 2), c('relevance', 2), e('tone', 1)] }),
      'Agent Trace checks: "relevance" failed in 2 of the last 10 runs, and 2 more checks failed',
    );
    assert.deepEqual(checkDiagnosticMessages({ runs: 3, checks: [c('weather tool used', 1, 0, 3), e('relevance', 2, 3), e('tone', 1, 1)] }), [
      'Evaluation "relevance" failed in 2 of the last 3 runs started here.',
      'Check "weather tool used" failed in 1 of the last 3 runs started here.',
      'Evaluation "tone" failed in the last run started here.',
    ]);
  });
  it('shows an evaluation name (the agent\'s data) on one short line without icon syntax', () => {
    const title = checkLensTitle({ runs: 1, checks: [{ check: 'rel\nevance $(alert) ' + 'x'.repeat(100), failed: 1, errors: 0, evaluated: 1, kind: 'evaluation' }] }) ?? '';
    assert.ok(!title.includes('\n') && !title.includes('$(alert)'), title);
    assert.ok(title.length < 140, `cut short: ${title.length}`);
  });
});
