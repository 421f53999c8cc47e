// Runs the user's agent over an inputs file as one batch (issue 11): once per input line,
// cycling through the lines until N runs, at most C at a time, each with the OTLP environment of
// the running trace server, its runs tagged `agent_trace.batch=<tag>` through
// OTEL_RESOURCE_ATTRIBUTES, and its input in AGENT_TRACE_INPUT. Used by `agent-trace batch run`
// and by the editor's "Run Batch…" (src/extension/batchCommands.ts, with agentTrace.run.command),
// which runs it in the extension host: the runs are the user's processes, like its terminals.
import { spawn, type ChildProcess } from 'node:child_process';

/** Longest stdout/stderr tail kept per run (the rest is dropped: a chatty agent must not fill memory). */
const OUTPUT_TAIL = 4_096;
const TAG_PATTERN = /^[\w.:@+-]{1,128}$/;

export interface BatchRunOptions {
  /** argv of the command (no shell), or one command line run by the shell (the extension's setting). */
  command: string[] | { shell: string };
  /** The inputs, one JSON value per line (as read from a .jsonl file). */
  inputs: readonly string[];
  /** Runs in all (default: one per input); the inputs are cycled. */
  runs?: number;
  /** Runs at a time (default 4). */
  concurrency?: number;
  /** The batch's name: every span's resource gets agent_trace.batch=<tag>. */
  tag: string;
  /** The running server's OTLP/HTTP base URL, e.g. http://127.0.0.1:4318. */
  otlpEndpoint: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Told when each run starts and ends (progress). */
  onRunStart?: (run: { index: number; inputIndex: number }) => void;
  onRunEnd?: (result: BatchRunResult) => void;
  /** Every chunk a run writes, as it comes (the editor's output channel); the result keeps only a tail. */
  onOutput?: (run: { index: number; stream: 'stdout' | 'stderr'; text: string }) => void;
  /** Abort: no new run starts, and the running ones are ended (their whole process group on POSIX). */
  signal?: AbortSignal;
}

export interface BatchRunResult {
  index: number;
  inputIndex: number;
  exitCode: number | null;
  signal: string | null;
  /** Set when the command could not be started at all. */
  error: string | null;
  stdoutTail: string;
  stderrTail: string;
  /** Ended by the signal (a cancelled batch), not by itself. */
  cancelled?: boolean;
}

export class BatchInputError extends Error {}

/** The lines of an inputs file that hold input (blank lines skipped); each must be JSON, else the error names its line. */
export function parseInputs(text: string): string[] {
  const inputs: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      JSON.parse(line);
    } catch (err) {
      throw new BatchInputError(`line ${i + 1}: not JSON (${(err as Error).message})`);
    }
    inputs.push(line.trim());
  });
  return inputs;
}

/**
 * An inputs file's inputs by its kind: in a `.txt` file each non-blank line is one text input
 * (passed on as a JSON string, so AGENT_TRACE_INPUT is always one JSON value); any other file
 * (`.jsonl`) holds one JSON value per line.
 */
export function parseInputsFile(text: string, fileName: string): string[] {
  if (!/\.txt$/i.test(fileName)) return parseInputs(text);
  return text.split(/\r?\n/).filter((line) => line.trim() !== '').map((line) => JSON.stringify(line.trim()));
}

/** Why a batch tag is refused, or null when it is fine (it names the batch in agent_trace.batch). */
export function batchTagProblem(tag: string): string | null {
  return TAG_PATTERN.test(tag) ? null : `The batch tag must be 1 to 128 letters, digits or . _ : @ + -, not "${tag}".`;
}

/** A readable default name from the start time, e.g. batch-2026-12-02-0741-05 (local time). */
export function defaultBatchTag(at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `batch-${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}-${two(at.getHours())}${two(at.getMinutes())}-${two(at.getSeconds())}`;
}

export interface BatchOutcome {
  total: number;
  /** Runs that ended by themselves (passed or failed). */
  done: number;
  /** Ended by themselves with a non-zero exit, a signal, or could not start. */
  failed: number;
  /** Ended by a cancel. */
  stopped: number;
  /** Never started (a cancel came first). */
  notStarted: number;
}

/** Counts of a batch's results: failing runs are counted, never hidden among the done ones. */
export function batchOutcome(results: readonly BatchRunResult[], total: number): BatchOutcome {
  const stopped = results.filter((r) => r.cancelled).length;
  const done = results.length - stopped;
  const failed = results.filter((r) => !r.cancelled && r.exitCode !== 0).length;
  return { total, done, failed, stopped, notStarted: total - results.length };
}

/** One sentence for a batch's end, e.g. "Batch b1: 3 of 3 runs done, 1 failed (run 2: exit 1)." */
export function describeBatchOutcome(tag: string, results: readonly BatchRunResult[], total: number): string {
  const o = batchOutcome(results, total);
  const parts = [`${o.done} of ${o.total} run${o.total === 1 ? '' : 's'} done`];
  const failing = results.filter((r) => !r.cancelled && r.exitCode !== 0);
  if (o.failed) parts.push(`${o.failed} failed (${failing.slice(0, 3).map((r) => `run ${r.index + 1}: ${runEnding(r)}`).join('; ')}${o.failed > 3 ? '; …' : ''})`);
  else parts.push('none failed');
  if (o.stopped) parts.push(`${o.stopped} stopped`);
  if (o.notStarted) parts.push(`${o.notStarted} not started`);
  return `Batch ${tag}${o.stopped || o.notStarted ? ' cancelled' : ''}: ${parts.join(', ')}.`;
}

/** How one run ended, in words: "exit 0", "exit 3", "killed by SIGTERM", "could not start (…)". */
export function runEnding(r: BatchRunResult): string {
  if (r.error) return `could not start (${r.error})`;
  if (r.signal) return `${r.cancelled ? 'stopped' : 'killed'} by ${r.signal}`;
  return `exit ${r.exitCode}`;
}

/** Why a typed count is refused (runs, concurrency), or null: a whole number from 1 to `max`. */
export function countProblem(text: string, what: string, max: number): string | null {
  const n = Number(text.trim());
  return text.trim() !== '' && Number.isInteger(n) && n >= 1 && n <= max ? null : `The ${what} is a whole number from 1 to ${max}.`;
}

/** Longest partial line held per run before it is written anyway (a run printing without newlines). */
const PARTIAL_LINE_MAX = 8_192;

/**
 * Several runs' output chunks as whole lines, each prefixed "[run N] ", so concurrent runs'
 * output stays readable in one channel; a run's unfinished last line waits for its end (or `end`).
 */
export class PrefixedRunOutput {
  private readonly partial = new Map<number, string>();
  constructor(private readonly writeLine: (line: string) => void) {}

  add(index: number, text: string): void {
    const lines = ((this.partial.get(index) ?? '') + text).split(/\r?\n/);
    let rest = lines.pop() ?? '';
    if (rest.length > PARTIAL_LINE_MAX) {
      lines.push(rest);
      rest = '';
    }
    this.partial.set(index, rest);
    for (const line of lines) this.writeLine(`[run ${index + 1}] ${line}`);
  }

  /** The run ended: its last, unterminated line. */
  end(index: number): void {
    const rest = this.partial.get(index);
    this.partial.delete(index);
    if (rest) this.writeLine(`[run ${index + 1}] ${rest}`);
  }
}

/** The OTLP environment for one run: exporter endpoint and protocol, content capture on, batch tag, input. */
export function runEnvironment(opts: Pick<BatchRunOptions, 'otlpEndpoint' | 'tag' | 'env'>, input: string, index: number, inputIndex: number): NodeJS.ProcessEnv {
  const base = opts.env ?? process.env;
  const resource = [base.OTEL_RESOURCE_ATTRIBUTES, `agent_trace.batch=${encodeURIComponent(opts.tag)}`].filter(Boolean).join(',');
  return {
    ...base,
    // The same switches as the extension's "Copy OTLP environment" (src/extension/otlpEnv.ts).
    OTEL_EXPORTER_OTLP_ENDPOINT: opts.otlpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
    TRACELOOP_TRACE_CONTENT: 'true',
    OPENINFERENCE_HIDE_INPUTS: 'false',
    OPENINFERENCE_HIDE_OUTPUTS: 'false',
    OTEL_RESOURCE_ATTRIBUTES: resource,
    AGENT_TRACE_BATCH: opts.tag,
    AGENT_TRACE_INPUT: input,
    AGENT_TRACE_INPUT_INDEX: String(inputIndex),
    AGENT_TRACE_RUN_INDEX: String(index),
  };
}

/** Runs the batch; resolves with every run's result, in run order, once all have ended. */
export async function runBatch(opts: BatchRunOptions): Promise<BatchRunResult[]> {
  const tagProblem = batchTagProblem(opts.tag);
  if (tagProblem) throw new BatchInputError(tagProblem);
  if (opts.inputs.length === 0) throw new BatchInputError('The inputs file has no input lines.');
  const total = opts.runs ?? opts.inputs.length;
  const concurrency = opts.concurrency ?? 4;
  if (!Number.isInteger(total) || total < 1) throw new BatchInputError(`The number of runs must be a positive integer, not ${total}.`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new BatchInputError(`The concurrency must be a positive integer, not ${concurrency}.`);
  if (Array.isArray(opts.command) && opts.command.length === 0) throw new BatchInputError('No command to run.');
  const results: BatchRunResult[] = new Array(total);
  let next = 0;
  const worker = async () => {
    while (next < total && !opts.signal?.aborted) {
      const index = next++;
      const inputIndex = index % opts.inputs.length;
      opts.onRunStart?.({ index, inputIndex });
      results[index] = await runOnce(opts, index, inputIndex);
      opts.onRunEnd?.(results[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return results.filter(Boolean);
}

function runOnce(opts: BatchRunOptions, index: number, inputIndex: number): Promise<BatchRunResult> {
  const env = runEnvironment(opts, opts.inputs[inputIndex], index, inputIndex);
  // Its own process group on POSIX, so a cancel ends what a shell command started too.
  const detached = process.platform !== 'win32';
  const child = Array.isArray(opts.command)
    ? spawn(opts.command[0], opts.command.slice(1), { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached })
    : spawn(opts.command.shell, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], shell: true, detached });
  let stdout = '';
  let stderr = '';
  let cancelled = false;
  const keepTail = (text: string, chunk: Buffer) => (text + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
  child.stdout?.on('data', (c: Buffer) => {
    stdout = keepTail(stdout, c);
    opts.onOutput?.({ index, stream: 'stdout', text: c.toString('utf8') });
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr = keepTail(stderr, c);
    opts.onOutput?.({ index, stream: 'stderr', text: c.toString('utf8') });
  });
  const stop = () => {
    if (endRun(child, detached)) cancelled = true;
  };
  opts.signal?.addEventListener('abort', stop, { once: true });
  return new Promise((resolve) => {
    let error: string | null = null;
    child.once('error', (err) => (error = err.message));
    child.once('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', stop);
      resolve({ index, inputIndex, exitCode: code, signal, error, stdoutTail: stdout, stderrTail: stderr, cancelled });
    });
  });
}

/** SIGTERM to the run's process group (POSIX) or the run itself; false when it had ended already. */
function endRun(child: ChildProcess, group: boolean): boolean {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return false;
  try {
    if (group) process.kill(-child.pid, 'SIGTERM');
    else child.kill('SIGTERM');
  } catch {
    child.kill('SIGTERM'); // the group is gone already: the child itself, if still there
  }
  return true;
}
