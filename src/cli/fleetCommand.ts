// `agent-trace fleet`, `agent-trace batch compare` and `agent-trace batch run` (issue 11): thin
// shells over server/fleetService (the same answers as the fleet panel) and server/batchRunner.
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { formatCost, formatCount, formatDuration } from '../core/format';
import { formatMeasure, formatPercent, measureLabel, type FleetMeasure } from '../core/fleet';
import type { BatchCompareDto, BatchFindingDto, BatchRefDto, FleetDto } from '../protocol/fleet';
import { DEFAULT_HOST, DEFAULT_HTTP_PORT } from '../protocol/defaults';
import { BatchInputError, defaultBatchTag, describeBatchOutcome, parseInputsFile, runBatch, runEnding } from '../server/batchRunner';
import { FleetRequestError, FleetService, parseBatchArgument } from '../server/fleetService';
import { probeAgentTraceHttp } from '../server/portProbe';
import type { TraceStore } from '../store/traceStore';
import { jsonForTerminal, terminalSafe } from './output';
import { parseSince, SampleUsageError } from './sampleCommand';

export const FLEET_USAGE = 'agent-trace fleet  [--batch key=value | --since 1h] [--group-by attr] [--json] [--db FILE]';
export const BATCH_USAGE = `agent-trace batch compare <key=value> <key=value> [--group-by attr] [--alpha 0.01] [--json] [--fail] [--db FILE]
  agent-trace batch run --inputs inputs.jsonl|inputs.txt [-n N] [-c C] [--tag name] [--endpoint URL] -- <command…>`;

/** Without --batch or --since, `fleet` looks at the runs of the last day (a time range is the fallback batch). */
const DEFAULT_SINCE_MS = 86_400_000;

export class FleetUsageError extends Error {}

export interface FleetCommandContext {
  /** Opens the database (--db, else the default) read-only for `run`. */
  withStore: (db: string | undefined, run: (store: TraceStore) => number) => Promise<number>;
  out: (line: string) => void;
  err: (line: string) => void;
}

const OPTIONS = {
  batch: { type: 'string' },
  since: { type: 'string' },
  'group-by': { type: 'string' },
  json: { type: 'boolean' },
  fail: { type: 'boolean' },
  alpha: { type: 'string' },
  inputs: { type: 'string' },
  runs: { type: 'string', short: 'n' },
  concurrency: { type: 'string', short: 'c' },
  tag: { type: 'string' },
  endpoint: { type: 'string' },
  db: { type: 'string' },
} as const;

/** argv after the command name ("fleet" or "batch"). Exit codes: see each command. */
export async function runFleetCommand(command: 'fleet' | 'batch', argv: string[], ctx: FleetCommandContext): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new FleetUsageError(`${(err as Error).message}\n\nUsage: ${command === 'fleet' ? FLEET_USAGE : BATCH_USAGE}`);
  }
  try {
    if (command === 'fleet') return await fleet(parsed.values, ctx);
    const [sub, ...rest] = parsed.positionals;
    if (sub === 'compare') return await compare(rest, parsed.values, ctx);
    if (sub === 'run') return await run(rest, parsed.values, ctx);
    throw new FleetUsageError(`agent-trace batch needs "compare" or "run".\n\nUsage: ${BATCH_USAGE}`);
  } catch (err) {
    if (err instanceof FleetRequestError || err instanceof SampleUsageError || err instanceof BatchInputError) throw new FleetUsageError(err.message);
    throw err;
  }
}

const parse = (argv: string[]) => parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
type Values = ReturnType<typeof parse>['values'];

/** `fleet`: exit 0 (an empty batch is an answer too), 2 bad usage. */
function fleet(values: Values, ctx: FleetCommandContext): Promise<number> {
  if (values.batch && values.since) throw new FleetUsageError('Give --batch or --since, not both.');
  const now = Date.now();
  const batch: BatchRefDto = values.batch
    ? parseBatchArgument(values.batch)
    : { kind: 'timeRange', fromMs: now - (values.since ? parseSince(values.since) : DEFAULT_SINCE_MS), toMs: now };
  return ctx.withStore(values.db, (store) => {
    const dto = new FleetService(() => store).fleet({ batch, groupAttribute: values['group-by'] ?? null });
    if (values.json) ctx.out(jsonForTerminal(dto));
    else for (const line of formatFleet(dto)) ctx.out(line);
    return 0;
  });
}

/** `batch compare`: exit 0, 1 with --fail when a regression was found, 2 bad usage. */
function compare(args: string[], values: Values, ctx: FleetCommandContext): Promise<number> {
  if (args.length !== 2) throw new FleetUsageError(`agent-trace batch compare needs two batches (key=value), got ${args.length}.\n\nUsage: ${BATCH_USAGE}`);
  const alpha = values.alpha === undefined ? undefined : Number(values.alpha);
  if (alpha !== undefined && !(alpha > 0 && alpha < 1)) throw new FleetUsageError(`--alpha is a significance level between 0 and 1, not "${values.alpha}".`);
  const [before, after] = args.map(parseBatchArgument);
  return ctx.withStore(values.db, (store) => {
    const dto = new FleetService(() => store).compare({ before, after, groupAttribute: values['group-by'] ?? null, alpha });
    if (values.json) ctx.out(jsonForTerminal(dto));
    else for (const line of formatCompare(dto)) ctx.out(line);
    return values.fail && dto.findings.some((f) => f.regression) ? 1 : 0;
  });
}

/** `batch run`: exit 0 every run exited 0, 1 some did not (or no server answers), 2 bad usage. */
async function run(command: string[], values: Values, ctx: FleetCommandContext): Promise<number> {
  if (!values.inputs) throw new FleetUsageError(`agent-trace batch run needs --inputs FILE (one JSON input per line in .jsonl, one text input per line in .txt).\n\nUsage: ${BATCH_USAGE}`);
  if (command.length === 0) throw new FleetUsageError(`agent-trace batch run needs the command after "--".\n\nUsage: ${BATCH_USAGE}`);
  let text: string;
  try {
    text = fs.readFileSync(values.inputs, 'utf8');
  } catch (err) {
    throw new FleetUsageError(`Cannot read ${values.inputs}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let inputs: string[];
  try {
    inputs = parseInputsFile(text, values.inputs);
  } catch (err) {
    throw new FleetUsageError(`${values.inputs}: ${(err as Error).message}`);
  }
  const endpoint = (values.endpoint ?? `http://${DEFAULT_HOST}:${DEFAULT_HTTP_PORT}`).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new FleetUsageError(`--endpoint is a URL such as http://127.0.0.1:4318, not "${endpoint}".`);
  }
  const server = await probeAgentTraceHttp(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 80));
  if (!server) {
    ctx.err(`No Agent Trace server answers at ${endpoint}: start \`agent-trace serve\` (or VS Code with the extension), or pass --endpoint.`);
    return 1;
  }
  const tag = values.tag ?? defaultBatchTag(new Date());
  const runs = values.runs === undefined ? inputs.length : positiveInteger(values.runs, '-n');
  const concurrency = values.concurrency === undefined ? 4 : positiveInteger(values.concurrency, '-c');
  ctx.err(`Batch ${tag}: ${runs} run(s) of ${terminalSafe(command.join(' '))}, ${concurrency} at a time, spans to ${endpoint}`);
  // Each run has its own process group (so a cancel ends what it started): Ctrl-C ends them here.
  const abort = new AbortController();
  const interrupt = () => abort.abort();
  process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
  const results = await runBatch({
    command,
    inputs,
    runs,
    concurrency,
    tag,
    otlpEndpoint: endpoint,
    signal: abort.signal,
    onRunEnd: (r) => ctx.err(`  run ${r.index + 1}/${runs} (input line ${r.inputIndex + 1}): ${terminalSafe(runEnding(r))}`),
  }).finally(() => process.off('SIGINT', interrupt).off('SIGTERM', interrupt));
  const failed = results.filter((r) => r.exitCode !== 0);
  ctx.out(terminalSafe(describeBatchOutcome(`agent_trace.batch=${tag}`, results, runs)));
  ctx.out(`  agent-trace fleet --batch agent_trace.batch=${tag}`);
  ctx.out(`  agent-trace batch compare agent_trace.batch=<earlier> agent_trace.batch=${tag} --fail`);
  for (const f of failed.slice(0, 3)) ctx.err(`run ${f.index + 1} stderr (end):\n${terminalSafe(f.stderrTail.trim().slice(-800), { keepLines: true })}`);
  return failed.length ? 1 : 0;
}

function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new FleetUsageError(`${flag} takes a positive integer, not "${text}".`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Human output

const fmt = (measure: FleetMeasure, v: number | null) => (v === null ? '–' : formatMeasure(measure, v));

function formatFleet(dto: FleetDto): string[] {
  const b = dto.batch;
  const span = b.runs ? `, started ${iso(b.firstStartMs)} – ${iso(b.lastStartMs)} UTC` : '';
  const lines = [`Batch ${terminalSafe(b.label)}: ${b.runs} run(s)${span}`];
  if (b.runs === 0) return lines;
  lines.push('', table([
    ['MEASURE', 'RUNS', 'MISSING', 'P50', 'P95', 'P99', 'MAX', 'MEAN'],
    ...dto.distributions.map((d) => {
      const rate = d.measure === 'errorRate' || d.measure === 'checkPassRate';
      return rate
        ? [measureLabel(d.measure), String(d.count), String(d.missing), '', '', '', '', d.mean === null ? '–' : formatPercent(d.mean)]
        : [measureLabel(d.measure), String(d.count), String(d.missing), fmt(d.measure, d.p50), fmt(d.measure, d.p95), fmt(d.measure, d.p99), fmt(d.measure, d.max), fmt(d.measure, d.mean)];
    }),
  ]));
  if (dto.checks.length) {
    lines.push('', 'Checks:');
    for (const c of dto.checks) lines.push(`  ${terminalSafe(c.name)}: ${c.passed} passed, ${c.failed} failed, ${c.errors} could not run`);
  }
  if (dto.groups.length) {
    lines.push('', table([
      ['GROUP', 'RUNS', 'CALLS', 'ERRORS', 'CHECKS PASS', 'COST', 'COST/RUN', 'TOKENS', 'P50', 'P95'],
      ...dto.groups.map((g) => [
        terminalSafe(`${g.key}=${g.value}`),
        String(g.runs),
        String(g.calls),
        formatPercent(g.errorRate),
        g.checkPassRate === null ? '–' : formatPercent(g.checkPassRate),
        g.costUsd === null ? '?' : formatCost(g.costUsd),
        g.costPerRunUsd === null ? '?' : formatCost(g.costPerRunUsd),
        formatCount(g.totalTokens),
        formatDuration(g.p50DurationMs),
        formatDuration(g.p95DurationMs),
      ]),
    ]));
  }
  if (dto.outliers.length) {
    lines.push('', 'Outliers:');
    for (const o of dto.outliers) lines.push(`  ${o.traceId}  ${terminalSafe(o.title)}: ${terminalSafe(o.reason)}`);
  }
  return lines;
}

function formatCompare(dto: BatchCompareDto): string[] {
  const lines = [
    `Before: ${terminalSafe(dto.before.label)} (${dto.before.runs} runs)   After: ${terminalSafe(dto.after.label)} (${dto.after.runs} runs)   alpha ${dto.alpha}`,
  ];
  const regressions = dto.findings.filter((f) => f.regression);
  const improvements = dto.findings.filter((f) => f.improvement);
  const line = (f: BatchFindingDto) => `  ${terminalSafe(f.headline)}${f.typicalPair ? `   (agent-trace diff ${f.typicalPair.beforeTraceId} ${f.typicalPair.afterTraceId})` : ''}`;
  lines.push('', regressions.length ? `Regressions (${regressions.length}):` : 'No regressions.');
  lines.push(...regressions.map(line));
  if (improvements.length) lines.push('', `Improvements (${improvements.length}):`, ...improvements.map(line));
  const rest = dto.findings.length - regressions.length - improvements.length;
  lines.push('', `${rest} other measure(s) and group(s) compared: no significant change worth calling out.`);
  return lines;
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.min(48, Math.max(...rows.map((r) => r[i].length))));
  return rows.map((r) => r.map((c, i) => (c.length > widths[i] ? `${c.slice(0, widths[i] - 1)}…` : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}
