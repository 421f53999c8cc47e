// `agent-trace`: the same trace server and store as the extension, headless.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { canonicalize } from '../core/canonicalize';
import type { TraceDetailDto, TraceSummaryDto } from '../protocol/dto';
import type { JudgeSettings } from '../protocol/lsp';
import { CHECKS_FILES, DEFAULT_GRPC_PORT, DEFAULT_HOST, DEFAULT_HTTP_PORT, DEFAULT_PROXY_PORT, DEFAULT_RETENTION } from '../protocol/defaults';
import { defaultDbPath } from '../server/paths';
import { traceDetail } from '../server/queries';
import { exportTraceOtlpJson, importOtlpJsonFile } from '../server/transfer';
import { TraceServer } from '../server/traceServer';
import { runLanguageServer } from '../server/lspServer';
import { redactionPolicyProblems, spansForScan } from '../server/redactionService';
import { POLICY_FILE } from '../core/redaction';
import { runScan } from './scanCommand';
import { parseSince, runSample, SampleUsageError } from './sampleCommand';
import { loadSamplingTraces } from '../server/samplingService';
import { formatCost, formatCount, formatDuration } from '../core/format';
import { endQuietlyWhenReaderLeaves, exitWhenFlushed, jsonForTerminal, terminalSafe } from './output';
import { DIFF_USAGE, runDiffCommand } from './diffCommand';
import { MCP_USAGE, runMcpCommand } from './mcpCommand';
import { HEALTH_USAGE, runHealth } from './healthCommand';
import { DEFAULT_METRICS_WINDOW_MS, METRICS_USAGE, runMetrics } from './metricsCommand';
import { CHECK_USAGE, CheckUsageError, findChecksFile, runCheck } from './checkCommand';
import { TraceStore } from '../store/traceStore';
import { TraceTitles } from '../server/traceTitles';
import { PROXY_USAGE, ProxyUsageError, runProxy } from './proxyCommand';
import { BATCH_USAGE, FLEET_USAGE, FleetUsageError, runFleetCommand } from './fleetCommand';

export { SERVER_NODE_FLAGS } from '../protocol/lsp';

const USAGE = `agent-trace — local OpenTelemetry trace store for LLM agents

Usage:
  agent-trace serve  [--host ${DEFAULT_HOST}] [--http-port ${DEFAULT_HTTP_PORT}] [--grpc-port ${DEFAULT_GRPC_PORT}] [--checks FILE] [--db FILE]
                     [--judge-url URL --judge-model NAME [--judge-key-env VAR]]
  agent-trace list   [--json] [--limit N] [--service S] [--model M] [--errors] [--text T] [--db FILE]
  agent-trace show   <traceId> [--json] [--db FILE]
  agent-trace search <text> [--json] [--limit N] [--db FILE]
  agent-trace export <traceId> [--out FILE] [--redacted [--policy FILE]] [--db FILE]
  agent-trace import <file> [--db FILE]
  agent-trace scan   [--trace ID] [--policy FILE] [--fail-on secret|pii] [--json] [--db FILE]
  ${DIFF_USAGE}
  ${MCP_USAGE}
  agent-trace sample --config collector.yaml [--head 0.01] [--head-sdk js|python] [--since 1h]
                     [--suggest PERCENT] [--loop N] [--fail-on-lost errors|failed_checks|loops] [--json] [--db FILE]
  ${HEALTH_USAGE}
  ${CHECK_USAGE}
  ${PROXY_USAGE}
  ${METRICS_USAGE}
  ${FLEET_USAGE}
  ${BATCH_USAGE}
  agent-trace lsp    --stdio

The default database is ${defaultDbPath()} (shared with the VS Code extension).`;

export class UsageError extends Error {}

const OPTIONS = {
  db: { type: 'string' },
  json: { type: 'boolean' },
  host: { type: 'string' },
  'http-port': { type: 'string' },
  'grpc-port': { type: 'string' },
  limit: { type: 'string' },
  service: { type: 'string' },
  model: { type: 'string' },
  errors: { type: 'boolean' },
  text: { type: 'string' },
  out: { type: 'string' },
  redacted: { type: 'boolean' },
  policy: { type: 'string' },
  'fail-on': { type: 'string', multiple: true },
  trace: { type: 'string' },
  stdio: { type: 'boolean' },
  'node-ipc': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  config: { type: 'string' },
  head: { type: 'string' },
  'head-sdk': { type: 'string' },
  since: { type: 'string' },
  suggest: { type: 'string' },
  'fail-on-lost': { type: 'string', multiple: true },
  loop: { type: 'string' },
  checks: { type: 'string' },
  fail: { type: 'boolean' },
  port: { type: 'string' },
  'upstream-openai': { type: 'string' },
  'upstream-anthropic': { type: 'string' },
  'judge-url': { type: 'string' },
  'judge-model': { type: 'string' },
  'judge-key-env': { type: 'string' },
} as const;

type Values = ReturnType<typeof parse>['values'];
const parse = (argv: string[]) => parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });

export async function main(argv: string[], out = (s: string) => process.stdout.write(s + '\n')): Promise<number> {
  if (argv[0] === 'mcp') return runMcpCommand(argv.slice(1), (m) => { throw new UsageError(m); });
  if (argv[0] === 'fleet' || argv[0] === 'batch') return fleetCommand(argv[0], argv.slice(1), out);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    out(USAGE);
    return command || values.help ? 0 : 2;
  }
  const dbPath = path.resolve(values.db ?? defaultDbPath());
  switch (command) {
    case 'serve':
      return serve(values, dbPath, out);
    case 'list':
      return withStore(dbPath, true, (store) => list(store, values, out));
    case 'show':
      return withStore(dbPath, true, (store) => show(store, requireArg(rest, 'a trace id'), values, out));
    case 'search':
      return withStore(dbPath, true, (store) => search(store, requireArg(rest, 'the text to search for'), values, out));
    case 'export':
      return withStore(dbPath, true, (store) => {
        const traceId = requireArg(rest, 'a trace id');
        if (values.policy && !values.redacted) throw new UsageError('--policy applies to redacted exports: add --redacted (without it the trace is exported as recorded).');
        const policy = values.redacted ? redactionPolicy(values) : null;
        if (policy) {
          // Checked before anything is written: a policy that cannot be read or understood stops the export.
          const problems = redactionPolicyProblems(policy.text);
          if (problems.length) throw new UsageError(`The redaction policy ${policy.source} has errors, nothing exported:\n  ${problems.join('\n  ')}`);
          process.stderr.write(`agent-trace: redacted with the ${policy.text === null ? 'default policy' : `policy ${policy.source}`}.\n`);
        }
        const json = exportTraceOtlpJson(store, traceId, { redacted: !!values.redacted, policyText: policy?.text ?? null });
        if (json === null) return notFound(traceId);
        const text = jsonForTerminal(json, 2);
        if (values.out) fs.writeFileSync(values.out, text + '\n');
        else out(text);
        return 0;
      });
    case 'import': {
      const file = requireArg(rest, 'an OTLP/JSON file');
      const text = readFileOrFail(file);
      return withStore(dbPath, false, (store) => {
        const { spans, traces, rejected, reasons } = importOtlpJsonFile(store, text, file);
        out(`Imported ${spans} span(s) in ${traces} trace(s) into ${dbPath}`);
        if (rejected > 0) process.stderr.write(`Rejected ${rejected} span(s) of ${file}: ${reasons.join('; ')}\n`);
        return spans === 0 && rejected > 0 ? 1 : 0; // every span refused: a failure a script should see
      });
    }
    case 'scan':
      return withStore(dbPath, true, (store) => {
        const spans = spansForScan(store, values.trace ?? null);
        if (values.trace && spans.length === 0) return notFound(values.trace) + 1; // 1 means findings for a CI gate
        const policy = redactionPolicy(values);
        return runScan({
          spans,
          policyText: policy.text,
          policySource: policy.source,
          failOn: values['fail-on']?.flatMap((v) => v.split(',')) ?? [],
          json: !!values.json,
          out,
        });
      });
    case 'diff':
      return runDiffCommand(rest, !!values.json, out, (run) => withStore(dbPath, true, run));
    case 'sample':
      return withStore(dbPath, true, (store) => {
        try {
          const sinceMs = values.since === undefined ? undefined : Date.now() - parseSince(values.since);
          return runSample({
            traces: loadSamplingTraces(store, { sinceMs }),
            config: values.config ? { text: readFileOrFail(values.config), path: values.config } : null,
            head: values.head,
            headSdk: values['head-sdk'],
            failOnLost: values['fail-on-lost']?.flatMap((v) => v.split(',')) ?? [],
            suggestBudget: values.suggest,
            loopThreshold: values.loop,
            json: !!values.json,
            out,
          });
        } catch (err) {
          if (err instanceof SampleUsageError) throw new UsageError(err.message);
          throw err;
        }
      });
    case 'health':
      return withStore(dbPath, true, (store) => {
        let sinceMs: number | undefined;
        try {
          sinceMs = values.since === undefined ? undefined : Date.now() - parseSince(values.since);
        } catch (err) {
          throw err instanceof SampleUsageError ? new UsageError(err.message) : err;
        }
        const limit = values.limit === undefined ? undefined : Number(values.limit);
        if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0)) throw new UsageError(`--limit must be a positive integer, not "${values.limit}".`);
        return runHealth(store, { sinceMs, limit }, !!values.json, out);
      });
    case 'check':
      return withStore(dbPath, true, (store) => {
        try {
          const checks = findChecksFile(process.cwd(), values.checks);
          if (!checks) throw new UsageError('No checks file: create .agent-trace/checks.json (or .yaml) here, or pass --checks FILE.');
          const sinceMs = values.since === undefined ? undefined : Date.now() - parseSince(values.since);
          return runCheck({
            store, checks, sinceMs, traceId: values.trace, json: !!values.json, fail: !!values.fail, out,
            err: (line) => process.stderr.write(line + '\n'),
          });
        } catch (err) {
          if (err instanceof CheckUsageError || err instanceof SampleUsageError) throw new UsageError(err.message);
          throw err;
        }
      });
    case 'proxy':
      return withStore(dbPath, false, async (store) => {
        try {
          return await runProxy(store, {
            host: values.host ?? DEFAULT_HOST,
            port: parsePort(values.port, DEFAULT_PROXY_PORT, '--port'),
            upstreamOpenai: values['upstream-openai'],
            upstreamAnthropic: values['upstream-anthropic'],
            out,
            err: (line) => process.stderr.write(terminalSafe(line, { keepLines: true }) + '\n'),
            stopped: new Promise<void>((resolve) => {
              process.once('SIGINT', resolve);
              process.once('SIGTERM', resolve);
            }),
          });
        } catch (err) {
          throw err instanceof ProxyUsageError ? new UsageError(err.message) : err;
        }
      });
    case 'metrics':
      return withStore(dbPath, true, (store) => {
        let windowMs = DEFAULT_METRICS_WINDOW_MS;
        try {
          if (values.since !== undefined) windowMs = parseSince(values.since);
        } catch (err) {
          throw err instanceof SampleUsageError ? new UsageError(err.message) : err;
        }
        return runMetrics(store, { sinceMs: Date.now() - windowMs, json: !!values.json, out });
      });
    case 'lsp':
      if (!values.stdio && !values['node-ipc']) throw new UsageError('agent-trace lsp needs --stdio (or --node-ipc).');
      runLanguageServer();
      return new Promise<number>(() => undefined); // runs until the client disconnects
    default:
      throw new UsageError(`Unknown command "${command}".\n\n${USAGE}`);
  }
}

/** `fleet` and `batch` parse their own options (`-n`, `-c`, and a command after `--`). */
async function fleetCommand(command: 'fleet' | 'batch', argv: string[], out: (s: string) => void): Promise<number> {
  try {
    return await runFleetCommand(command, argv, {
      // Read-only checks, but the chunks a read rebuilt are stored (storeDerived): otherwise every call rebuilds them (~1.3 s CPU per 100,000 traces).
      withStore: (db, run) => withStore(path.resolve(db ?? defaultDbPath()), true, run, { storeDerived: true }),
      out,
      err: (line) => process.stderr.write(line + '\n'),
    });
  } catch (err) {
    if (err instanceof FleetUsageError) throw new UsageError(err.message);
    throw err;
  }
}

function requireArg(rest: string[], what: string): string {
  if (!rest[0]) throw new UsageError(`Missing ${what}.\n\n${USAGE}`);
  return rest[0];
}

function readFileOrFail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * The redaction policy: --policy FILE, else the workspace policy (.agent-trace/redaction.json)
 * of the current folder as the extension uses it, else the default (text null). A file that
 * exists but cannot be read is an error (exit 2), never a silent fall back to the default.
 */
function redactionPolicy(values: Values): { text: string | null; source: string } {
  if (values.policy) return { text: readFileOrFail(values.policy), source: values.policy };
  if (fs.existsSync(POLICY_FILE)) return { text: readFileOrFail(POLICY_FILE), source: POLICY_FILE };
  return { text: null, source: 'default' };
}

function parsePort(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag} must be a port number (0-65535), not "${value}".`);
  return n;
}

function notFound(traceId: string): number {
  process.stderr.write(`No trace with id ${traceId}.\n`);
  return 1;
}

async function withStore(
  dbPath: string,
  readonly: boolean,
  run: (store: TraceStore) => number | Promise<number>,
  opts: { storeDerived?: boolean } = {},
): Promise<number> {
  if (readonly && !fs.existsSync(dbPath)) {
    process.stderr.write(`No trace database at ${dbPath} yet: start \`agent-trace serve\` or the VS Code extension, or pass --db.\n`);
    return 1;
  }
  fs.mkdirSync(path.dirname(dbPath), { recursive: true });
  const store = TraceStore.open(dbPath, {
    canonicalize: (s) => canonicalize(s),
    readonly,
    storeDerived: opts.storeDerived,
    log: (m) => process.stderr.write(terminalSafe(m, { keepLines: true }) + '\n'),
  });
  try {
    return await run(store);
  } finally {
    store.close();
  }
}

function list(store: TraceStore, values: Values, out: (s: string) => void): number {
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit <= 0) throw new UsageError(`--limit must be a positive integer, not "${values.limit}".`);
  // Titled as the Traces view titles them (agent and first question for a generic name); `name` stays as recorded.
  const traces = new TraceTitles(store).withTitles(store.listTraces({ text: values.text, service: values.service, model: values.model, errorsOnly: !!values.errors, limit }));
  if (values.json) {
    for (const t of traces) out(jsonForTerminal(t));
    return 0;
  }
  if (traces.length === 0) {
    out('No traces.');
    return 0;
  }
  out(formatTable(traces));
  return 0;
}

function show(store: TraceStore, traceId: string, values: Values, out: (s: string) => void): number {
  const detail = traceDetail(store, traceId);
  if (!detail) return notFound(traceId);
  if (values.json) out(jsonForTerminal(detail, 2));
  else out(formatTree(detail));
  return 0;
}

function search(store: TraceStore, text: string, values: Values, out: (s: string) => void): number {
  const hits = store.search(text, values.limit ? Number(values.limit) : 50);
  if (values.json) out(jsonForTerminal(hits, 2));
  else {
    const titles = new TraceTitles(store);
    // No list time at hand: a per-run cache keyed by trace id alone.
    const titleOf = (h: (typeof hits)[number]) => titles.titleOf({ traceId: h.traceId, name: h.traceName, updatedAtMs: 0 });
    for (const h of hits) out(`${h.traceId} ${h.spanId}  ${terminalSafe(titleOf(h))} › ${terminalSafe(h.spanName)}\n    ${terminalSafe(h.snippet)}`);
  }
  return 0;
}

async function serve(values: Values, dbPath: string, out: (s: string) => void): Promise<number> {
  const host = values.host ?? DEFAULT_HOST;
  const httpPort = parsePort(values['http-port'], DEFAULT_HTTP_PORT, '--http-port');
  const grpcPort = parsePort(values['grpc-port'], DEFAULT_GRPC_PORT, '--grpc-port');
  const judge = judgeSettings(values);
  fs.mkdirSync(path.dirname(dbPath), { recursive: true });
  const server = await TraceServer.start({
    host,
    httpPort,
    grpcPort,
    dbPath,
    ...(judge ? { judge } : {}),
    retention: { ...DEFAULT_RETENTION },
    log: (m) => process.stderr.write(terminalSafe(m, { keepLines: true }) + '\n'),
  });
  const stopWatchingChecks = watchChecks(server, values.checks);
  const status = server.status();
  if (!status.listening) {
    // The server has logged the problem (which port, held by whom, what to change).
    await server.close();
    return 1;
  }
  out(`Agent Trace listening (database ${dbPath})`);
  out(`  OTLP/HTTP  http://${host}:${status.httpPort}   (POST /v1/traces, /v1/logs, /v1/metrics; protobuf or JSON)`);
  out(`  OTLP/gRPC  ${host}:${status.grpcPort}`);
  out(`  export OTEL_EXPORTER_OTLP_ENDPOINT=http://${host}:${status.httpPort}`);
  if (judge) out(terminalSafe(`  Judge checks: model ${judge.model} at ${judge.baseUrl}${judge.apiKeyEnv ? ` (key from $${judge.apiKeyEnv})` : ' (no key)'}`));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  stopWatchingChecks();
  await server.close();
  return 0;
}

/**
 * Model-judged checks for `serve` (the editor's agentTrace.checks.judge.*): on only with
 * --judge-url, given by the user on the command line (never by a checks file, which may come with
 * someone else's repository), and then only to that endpoint; the key is read from the named
 * environment variable at call time.
 */
function judgeSettings(values: Values): JudgeSettings | null {
  const baseUrl = values['judge-url']?.trim();
  const model = values['judge-model']?.trim();
  const apiKeyEnv = values['judge-key-env']?.trim() ?? '';
  if (!baseUrl) {
    if (model || apiKeyEnv) throw new UsageError('--judge-model and --judge-key-env need --judge-url (the OpenAI-compatible endpoint that judges).');
    return null;
  }
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UsageError(`--judge-url is an http(s) URL such as http://127.0.0.1:11434/v1, not "${baseUrl}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--judge-url must be http or https, not ${url.protocol}`);
  if (!model) throw new UsageError('--judge-url needs --judge-model (the model that judges).');
  if (apiKeyEnv && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(apiKeyEnv)) throw new UsageError(`--judge-key-env names an environment variable, not "${apiKeyEnv}".`);
  return { enabled: true, baseUrl, model, apiKeyEnv };
}

/** Widest a column gets; the title gets more room, as it is what tells runs apart. */
const MAX_COLUMN = 40;
const MAX_TITLE_COLUMN = 60;

/** Cut to `width` with an ellipsis, so a cut title reads as cut. */
function fit(cell: string, width: number): string {
  return cell.length > width ? `${cell.slice(0, width - 1)}…` : cell.padEnd(width);
}

/**
 * `serve` runs the checks of the current folder (or --checks FILE) on finished traces, and
 * reads the file again when it changes (polled: it may not exist yet). Problems go to stderr
 * with their lines; the valid checks run.
 */
function watchChecks(server: TraceServer, explicit: string | undefined): () => void {
  const load = () => {
    let found: { file: string; text: string } | null = null;
    try {
      found = findChecksFile(process.cwd(), explicit);
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
    }
    const config = server.checks.setConfig(found?.text ?? null);
    if (!found) return;
    process.stderr.write(`Checks: ${config.checks.length} from ${found.file}\n`);
    for (const p of config.problems) process.stderr.write(`${found.file}:${p.line}: ${terminalSafe(p.message)}\n`);
  };
  load();
  const files = explicit ? [path.resolve(explicit)] : CHECKS_FILES.map((f) => path.resolve(f));
  for (const f of files) fs.watchFile(f, { interval: 1_000, persistent: false }, load);
  return () => {
    for (const f of files) fs.unwatchFile(f, load);
  };
}

function formatTable(traces: TraceSummaryDto[]): string {
  const rows = traces.map((t) => [
    t.traceId,
    t.startTime.replace('T', ' ').slice(0, 19),
    terminalSafe(t.title ?? t.name),
    terminalSafe(t.services.join(',')),
    formatDuration(t.durationMs),
    String(t.spanCount),
    t.errorCount ? `${t.errorCount} err` : '',
    t.usage.inputTokens === null && t.usage.outputTokens === null ? '?' : formatCount((t.usage.inputTokens ?? 0) + (t.usage.outputTokens ?? 0)),
    t.costUsd === null ? '?' : formatCost(t.costUsd),
  ]);
  const header = ['TRACE', 'START (UTC)', 'TITLE', 'SERVICE', 'DURATION', 'SPANS', 'ERRORS', 'TOKENS', 'COST'];
  const all = [header, ...rows];
  const widths = header.map((h, i) => Math.min(h === 'TITLE' ? MAX_TITLE_COLUMN : MAX_COLUMN, Math.max(...all.map((r) => r[i].length))));
  return all.map((r) => r.map((c, i) => fit(c, widths[i])).join('  ').trimEnd()).join('\n');
}

function formatTree(detail: TraceDetailDto): string {
  const depth = new Map<string, number>();
  const lines = [`${terminalSafe(detail.title ?? detail.name)}  ${detail.traceId}  ${formatDuration(detail.durationMs)}  ${detail.spanCount} spans`];
  for (const s of detail.spans) {
    const d = s.parentSpanId && depth.has(s.parentSpanId) ? depth.get(s.parentSpanId)! + 1 : 0;
    depth.set(s.spanId, d);
    const extra = [s.kind, s.model, s.tool?.name, formatDuration(s.durationMs), s.status === 'error' ? 'ERROR' : '', s.orphaned ? 'orphaned' : '']
      .filter(Boolean)
      .join(' ');
    lines.push(`${'  '.repeat(d + 1)}${terminalSafe(s.name)}  [${terminalSafe(extra)}]  ${terminalSafe(s.spanId)}`);
  }
  for (const w of detail.warnings) lines.push(`warning: ${terminalSafe(w)}`);
  return lines.join('\n');
}

/** Runs the CLI with this process's arguments and exits with its code once its output is written. */
export function run(): void {
  endQuietlyWhenReaderLeaves();
  main(process.argv.slice(2)).then(
    (code) => exitWhenFlushed(code),
    (err) => {
      // Expected failures (unreadable input, bad arguments) print their message; AGENT_TRACE_DEBUG adds the stack.
      // Messages may quote input (a JSON parse error shows the offending text): escaped for the terminal.
      const detail = process.env.AGENT_TRACE_DEBUG ? (err as Error).stack : (err as Error).message;
      process.stderr.write(terminalSafe(err instanceof UsageError ? err.message : `agent-trace: ${detail ?? err}`, { keepLines: true }) + '\n');
      exitWhenFlushed(err instanceof UsageError ? 2 : 1);
    },
  );
}

if (require.main === module) run();
