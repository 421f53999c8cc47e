// What a source line says about the checks of the runs started there (the agent's entry point:
// a root or agent step recorded at the line): a code lens naming the check that failed most
// often ("check X failed in 3 of the last 10 runs") and one warning diagnostic per failing
// check. Evaluation results the agent sent count like checks, named `evaluation "relevance"`.
// Check names come from the user's own checks file; an evaluation's name comes from the agent's
// data, so it is cut to one short line without `$(icon)` syntax (titles are never markdown).
import { lensText } from './sourceLens';

export interface LineChecks {
  /** Evaluated runs among the last ones started at the line. */
  runs: number;
  /** Per check (or, with kind 'evaluation', per evaluation name): runs failed, could not run, evaluated. */
  checks: { check: string; failed: number; errors: number; evaluated: number; kind?: 'evaluation' }[];
}

/** How many of the latest runs at a line are looked at. */
export const CHECK_LENS_RUNS = 10;

type CheckCount = LineChecks['checks'][number];

/** Failing checks, the most often failing first. */
function failing(line: LineChecks): CheckCount[] {
  return line.checks
    .filter((c) => c.failed + c.errors > 0)
    .sort((a, b) => b.failed + b.errors - (a.failed + a.errors) || Number(a.kind === 'evaluation') - Number(b.kind === 'evaluation') || a.check.localeCompare(b.check));
}

/** The check's name as shown: an evaluation's (sent by the agent) as untrusted text. */
const nameOf = (c: CheckCount): string => (c.kind === 'evaluation' ? lensText(c.check) : c.check);

/** 'failed in 3 of the last 10 runs', 'could not run in the last run'. */
function howItWent(c: CheckCount): string {
  const inRuns = (n: number) => (c.evaluated === 1 ? 'in the last run' : `in ${n} of the last ${c.evaluated} runs`);
  return c.failed > 0 ? `failed ${inRuns(c.failed)}${c.errors ? ` (and could not run in ${c.errors})` : ''}` : `could not run ${inRuns(c.errors)}`;
}

/** '"weather tool used" failed in 3 of the last 10 runs'; 'evaluation "relevance" failed in …'. */
export function describeLineCheck(c: CheckCount): string {
  return `${c.kind === 'evaluation' ? 'evaluation ' : ''}"${nameOf(c)}" ${howItWent(c)}`;
}

/** The lens title, or null when every check passed in those runs (or none ran). */
export function checkLensTitle(line: LineChecks): string | null {
  const all = failing(line);
  if (all.length === 0) return null;
  const more = all.length > 1 ? `, and ${all.length - 1} more ${all.length === 2 ? 'check' : 'checks'} failed` : '';
  return `Agent Trace checks: ${describeLineCheck(all[0])}${more}`;
}

/** One diagnostic message per failing check, most often failing first. */
export function checkDiagnosticMessages(line: LineChecks): string[] {
  return failing(line).map((c) => `${c.kind === 'evaluation' ? 'Evaluation' : 'Check'} "${nameOf(c)}" ${howItWent(c)} started here.`);
}
