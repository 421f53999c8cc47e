// The code lens a source line gets when the runs started there (the agent's entry point: a root
// or agent step recorded at the line) have failing checks: "check X failed in 3 of the last 10
// runs". Check names come from the user's own checks file; nothing here quotes span content.

export interface LineChecks {
  /** Evaluated runs among the last ones started at the line. */
  runs: number;
  checks: { check: string; failed: number; errors: number; evaluated: number }[];
}

/** How many of the latest runs at a line the lens looks at. */
export const CHECK_LENS_RUNS = 10;

/** The lens title, or null when every check passed in those runs (or none ran). */
export function checkLensTitle(line: LineChecks): string | null {
  const failing = line.checks.filter((c) => c.failed + c.errors > 0).sort((a, b) => b.failed + b.errors - (a.failed + a.errors) || a.check.localeCompare(b.check));
  if (failing.length === 0) return null;
  const worst = failing[0];
  const inRuns = (n: number) => (worst.evaluated === 1 ? 'in the last run' : `in ${n} of the last ${worst.evaluated} runs`);
  const what =
    worst.failed > 0
      ? `failed ${inRuns(worst.failed)}${worst.errors ? ` (and could not run in ${worst.errors})` : ''}`
      : `could not run ${inRuns(worst.errors)}`;
  const more = failing.length > 1 ? `, and ${failing.length - 1} more ${failing.length === 2 ? 'check' : 'checks'} failed` : '';
  return `Agent Trace checks: "${worst.check}" ${what}${more}`;
}
