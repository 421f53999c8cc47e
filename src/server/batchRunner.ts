// Runs the user's agent over an inputs file as one batch (issue 11): once per input line,
// cycling through the lines until N runs, at most C at a time, each with the OTLP environment of
// the running trace server, its runs tagged `agent_trace.batch=<tag>` through
// OTEL_RESOURCE_ATTRIBUTES, and its input in AGENT_TRACE_INPUT. Used by `agent-trace batch run`;
// reusable by the extension (agentTrace.run.command).
import { spawn } from 'node:child_process';

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
  if (!TAG_PATTERN.test(opts.tag)) throw new BatchInputError(`The batch tag must be 1 to 128 letters, digits or . _ : @ + -, not "${opts.tag}".`);
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
  const child = Array.isArray(opts.command)
    ? spawn(opts.command[0], opts.command.slice(1), { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], signal: opts.signal })
    : spawn(opts.command.shell, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], shell: true, signal: opts.signal });
  let stdout = '';
  let stderr = '';
  const keepTail = (text: string, chunk: Buffer) => (text + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
  child.stdout?.on('data', (c: Buffer) => (stdout = keepTail(stdout, c)));
  child.stderr?.on('data', (c: Buffer) => (stderr = keepTail(stderr, c)));
  return new Promise((resolve) => {
    let error: string | null = null;
    child.once('error', (err) => (error = err.message));
    child.once('close', (code, signal) => resolve({ index, inputIndex, exitCode: code, signal, error, stdoutTail: stdout, stderrTail: stderr }));
  });
}
