// `agent-trace check`: runs the workspace's checks (.agent-trace/checks.json or .yaml, or
// --checks FILE) on the stored traces, newest first, and prints every result. The same core
// and the same per-trace rule as the trace server, evaluated fresh from the file at hand, so a
// CI job checks the runs it just made against the checks in its own checkout.
// Exit codes: 0 every check passed (or --fail not given), 1 with --fail when a check failed or
// could not be evaluated (error), 2 bad usage or a checks file with problems.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { countOutcomes, parseChecksConfig, type CheckResult, type ChecksCounts } from '../core/checks';
import { CHECKS_FILES } from '../protocol/defaults';
import type { TraceStore } from '../store/traceStore';
import { checkStoredTrace } from '../server/checksService';
import { describeEvaluation, evaluationsOfTrace } from '../server/evaluations';
import type { EvaluationDto } from '../protocol/dto';
import { jsonForTerminal, terminalSafe } from './output';

export const CHECK_USAGE = 'agent-trace check  [--checks FILE] [--since 1h] [--trace ID] [--json] [--fail] [--db FILE]';

const PAGE = 200;

export class CheckUsageError extends Error {}

/** The checks file: the one named, else the first of CHECKS_FILES under `cwd`; null when there is none. */
export function findChecksFile(cwd: string, explicit: string | undefined): { file: string; text: string } | null {
  const candidates = explicit ? [path.resolve(cwd, explicit)] : CHECKS_FILES.map((f) => path.join(cwd, f));
  for (const file of candidates) {
    try {
      return { file, text: fs.readFileSync(file, 'utf8') };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (explicit || code !== 'ENOENT') throw new CheckUsageError(`Cannot read the checks file ${file}: ${code ?? (err as Error).message}`);
    }
  }
  return null;
}

export interface CheckCommandOptions {
  store: TraceStore;
  checks: { file: string; text: string };
  /** Only traces started at or after this time (ms since the epoch). */
  sinceMs?: number;
  traceId?: string;
  json: boolean;
  fail: boolean;
  out: (line: string) => void;
  err: (line: string) => void;
}

interface TraceOutcome {
  traceId: string;
  name: string;
  startTime: string;
  counts: ChecksCounts;
  results: CheckResult[];
  /** Evaluation results the agent sent (judged by this file's thresholds); pass and fail ones are in `counts`. Absent when none. */
  evaluations?: EvaluationDto[];
}

export function runCheck(opts: CheckCommandOptions): number {
  const config = parseChecksConfig(opts.checks.text);
  for (const p of config.problems) opts.err(`${opts.checks.file}:${p.line}: ${terminalSafe(p.message)}`);
  if (config.checks.length === 0 && !config.evaluations) {
    opts.err(`No valid checks in ${opts.checks.file}: nothing checked.`);
    return 2;
  }
  const total: ChecksCounts = { passed: 0, failed: 0, errors: 0 };
  let traces = 0;
  let failing = 0;
  const report = (o: TraceOutcome) => {
    traces++;
    if (o.counts.failed + o.counts.errors > 0) failing++;
    total.passed += o.counts.passed;
    total.failed += o.counts.failed;
    total.errors += o.counts.errors;
    if (opts.json) opts.out(jsonForTerminal(o));
    else opts.out(formatTrace(o));
  };
  for (const traceId of tracesToCheck(opts)) {
    const summary = opts.store.traceSummary(traceId);
    const results = summary ? (config.checks.length ? checkStoredTrace(opts.store, config.checks, traceId) : []) : null;
    if (!summary || !results) {
      if (opts.traceId) {
        opts.err(`No trace with id ${terminalSafe(opts.traceId)}.`);
        return 1;
      }
      continue; // deleted while we read
    }
    const evaluations = evaluationsOfTrace(opts.store, traceId, config.evaluations ?? {});
    if (results.length === 0 && evaluations.length === 0) continue; // no check's scope includes it, and the agent sent no evaluation
    const counts = countOutcomes(results);
    for (const e of evaluations) {
      if (e.outcome === 'pass') counts.passed++;
      else if (e.outcome === 'fail') counts.failed++;
    }
    report({ traceId, name: summary.name, startTime: summary.startTime, counts, results, ...(evaluations.length ? { evaluations } : {}) });
  }
  const summaryLine =
    traces === 0
      ? `No trace to check${opts.sinceMs !== undefined ? ' in that time' : ''} (${config.checks.length} check${config.checks.length === 1 ? '' : 's'} from ${opts.checks.file}).`
      : `${traces} trace${traces === 1 ? '' : 's'} checked, ${failing} with failed checks: ${total.passed} passed, ${total.failed} failed, ${total.errors} error${total.errors === 1 ? '' : 's'}.`;
  (opts.json ? opts.err : opts.out)(summaryLine);
  if (config.problems.length) return 2;
  return opts.fail && total.failed + total.errors > 0 ? 1 : 0;
}

/** Trace ids newest first (all of them, a page at a time), stopping at --since. */
function* tracesToCheck(opts: CheckCommandOptions): Generator<string> {
  if (opts.traceId) {
    yield opts.traceId.trim().toLowerCase();
    return;
  }
  let cursor: { startMs: number; traceId: string } | null = null;
  for (;;) {
    const page = opts.store.traceIdsPage(cursor, PAGE);
    for (const row of page) {
      if (opts.sinceMs !== undefined && row.startMs < opts.sinceMs) return;
      yield row.traceId;
    }
    if (page.length < PAGE) return;
    cursor = page[page.length - 1];
  }
}

const MARK: Record<CheckResult['outcome'], string> = { pass: 'pass ', fail: 'FAIL ', error: 'ERROR' };

function formatTrace(o: TraceOutcome): string {
  const ok = o.counts.failed + o.counts.errors === 0;
  const head = `${ok ? '✓' : '✗'} ${o.traceId}  ${o.startTime.replace('T', ' ').slice(0, 19)}  ${terminalSafe(o.name)}  (${o.counts.passed} passed, ${o.counts.failed} failed${o.counts.errors ? `, ${o.counts.errors} error${o.counts.errors === 1 ? '' : 's'}` : ''})`;
  if (ok) return head;
  const lines = o.results.filter((r) => r.outcome !== 'pass').map((r) => `    ${MARK[r.outcome]} ${terminalSafe(r.check)}: ${terminalSafe(r.message)}`);
  const evals = (o.evaluations ?? []).filter((e) => e.outcome === 'fail').map((e) => `    FAIL  evaluation ${terminalSafe(describeEvaluation(e))}`);
  return [head, ...lines, ...evals].join('\n');
}
