// Model-judged checks (issue 11), opt-in: when the user enables agentTrace.checks.judge, each
// finished run's `judge` checks are put to the user's own OpenAI-compatible endpoint (and no
// other), one request at a time, with a timeout and a bounded request and answer. The key is
// read from the environment variable the user names, at call time, and never stored. Anything
// but a clear verdict (a timeout, an HTTP error, an unreadable answer) is "error", never "pass".
// Disabled (the default), nothing here ever makes a request.
import { checksInScope, judgeMessages, readJudgeVerdict, runForJudge, type CheckResult, type CheckSpec } from '../core/checks';
import type { JudgeSettings } from '../protocol/lsp';
import type { TraceStore } from '../store/traceStore';

type JudgeCheck = Extract<CheckSpec, { kind: 'judge' }>;

/** One judge request may take this long; then it is an error. */
export const JUDGE_TIMEOUT_MS = 30_000;
/** A judge answer larger than this is not read (an error). */
const MAX_RESPONSE_BYTES = 1_000_000;
/** Runs waiting for the judge at most; older ones are dropped first (they are re-judged when written again). */
const MAX_QUEUE = 1_000;
/** A run with more steps than this is not sent (an error), like the other checks' limit. */
const MAX_JUDGED_SPANS = 20_000;

export interface JudgeServiceOptions {
  settings: JudgeSettings | null;
  store: TraceStore;
  log: (message: string) => void;
  onResults?: (traceIds: string[]) => void;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export class JudgeService {
  private queue: { traceId: string; checks: JudgeCheck[] }[] = [];
  private running = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  /** Requests sent so far (tests and the log read it). */
  requests = 0;

  constructor(private readonly options: JudgeServiceOptions) {}

  /** On only when the user enabled it; a missing endpoint or model is then reported per check as an error. */
  get enabled(): boolean {
    return this.options.settings?.enabled === true;
  }

  /** The judge checks of these runs are answered in the background (nothing happens when disabled). */
  enqueue(traceId: string, checks: readonly CheckSpec[]): void {
    if (!this.enabled || this.closed) return;
    const judged = checks.filter((c): c is JudgeCheck => c.kind === 'judge');
    if (judged.length === 0) return;
    this.queue = this.queue.filter((q) => q.traceId !== traceId);
    this.queue.push({ traceId, checks: judged });
    if (this.queue.length > MAX_QUEUE) this.queue.splice(0, this.queue.length - MAX_QUEUE);
    void this.pump();
  }

  whenIdle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.queue = [];
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let job = this.queue.shift(); job && !this.closed; job = this.queue.shift()) {
        try {
          const results = await this.judgeTrace(job.traceId, job.checks);
          if (results.length && !this.closed) {
            this.options.store.putCheckResults(job.traceId, results);
            this.options.onResults?.([job.traceId]);
          }
        } catch (err) {
          this.options.log(`Judge: could not store the results of ${job.traceId} (${(err as Error).message}).`);
        }
      }
    } finally {
      this.running = false;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async judgeTrace(traceId: string, checks: JudgeCheck[]): Promise<CheckResult[]> {
    const summary = this.options.store.traceSummary(traceId);
    if (!summary) return [];
    if (summary.spanCount > MAX_JUDGED_SPANS) {
      return checks.map((c) => ({ check: c.name, kind: 'judge', outcome: 'error', spanId: null, message: `not judged: the trace has ${summary.spanCount} steps, more than ${MAX_JUDGED_SPANS}` }));
    }
    const trace = this.options.store.getTrace(traceId);
    if (!trace) return [];
    const run = runForJudge(trace);
    const results: CheckResult[] = [];
    for (const check of checksInScope(checks, trace)) results.push(await this.ask(check, run));
    return results;
  }

  private async ask(check: JudgeCheck, run: ReturnType<typeof runForJudge>): Promise<CheckResult> {
    const spanId = run.answer?.spanId ?? null;
    const error = (message: string): CheckResult => ({ check: check.name, kind: 'judge', outcome: 'error', message, spanId });
    const s = this.options.settings!;
    let endpoint: URL;
    try {
      endpoint = new URL(`${s.baseUrl.replace(/\/+$/, '')}/chat/completions`);
    } catch {
      return error('not judged: set agentTrace.checks.judge.baseUrl to your OpenAI-compatible endpoint (http or https)');
    }
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') return error('not judged: agentTrace.checks.judge.baseUrl must be an http or https URL');
    if (!s.model) return error('not judged: set agentTrace.checks.judge.model');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const key = s.apiKeyEnv ? (this.options.env ?? process.env)[s.apiKeyEnv] : undefined;
    if (s.apiKeyEnv && !key) return error(`not judged: the environment variable ${s.apiKeyEnv} (agentTrace.checks.judge.apiKeyEnv) is not set`);
    if (key) headers.authorization = `Bearer ${key}`;
    this.requests++;
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: s.model, temperature: 0, messages: judgeMessages(check, run) }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? JUDGE_TIMEOUT_MS),
        redirect: 'error',
      });
      const length = Number(res.headers.get('content-length') ?? '0');
      if (length > MAX_RESPONSE_BYTES) return error(`the judge's answer is larger than ${MAX_RESPONSE_BYTES} bytes`);
      const text = await res.text();
      if (!res.ok) return error(`the judge endpoint answered HTTP ${res.status}`);
      if (text.length > MAX_RESPONSE_BYTES) return error(`the judge's answer is larger than ${MAX_RESPONSE_BYTES} bytes`);
      const body = JSON.parse(text) as { choices?: { message?: { content?: unknown } }[] };
      return readJudgeVerdict(check, body.choices?.[0]?.message?.content, spanId);
    } catch (err) {
      const e = err as Error;
      return error(e.name === 'TimeoutError' ? `the judge did not answer within ${(this.options.timeoutMs ?? JUDGE_TIMEOUT_MS) / 1000} s` : `the judge could not be asked: ${e.message}`);
    }
  }
}
