// Runs the workspace's checks (src/core/checks) on finished traces and stores the results.
// A trace counts as finished once no span has arrived for it for a quiet period (OTLP has no
// "trace ended" signal; a span arriving later makes it due again and its results are replaced).
// Ingest only notes which traces were written (a map update, no work per span); evaluation runs
// later in slices bounded in traces and time, one transaction per slice, with a turn of the
// event loop between slices, like search indexing and retention. A changed checks file clears
// the stored results and re-evaluates every stored trace, newest first, the same way.
import type { EvaluationThresholds } from '../core/evaluations';
import { evaluateChecks, parseChecksConfig, type CheckResult, type ChecksConfig, type CheckSpec } from '../core/checks';
import type { JudgeSettings } from '../protocol/lsp';
import type { TraceStore } from '../store/traceStore';
import { JudgeService } from './judgeService';

/** How long a trace must go without new spans before it is checked. */
export const CHECKS_QUIET_MS = 2_000;
/** A slice ends after this many traces or this much time, whichever comes first. */
const SLICE_TRACES = 50;
const SLICE_BUDGET_MS = 20;
/** Traces read per page when every stored trace is re-evaluated. */
const SWEEP_PAGE = 200;
/** A trace with more steps than this is not loaded to be checked: each check says so (error). */
export const MAX_CHECKED_SPANS = 20_000;

export interface ChecksServiceOptions {
  store: TraceStore;
  log: (message: string) => void;
  /** Only the writer evaluates (followers share its database and its results). */
  isWriter: () => boolean;
  quietMs?: number;
  /** Called after each slice with the traces whose results were written. */
  onResults?: (traceIds: string[]) => void;
  /** Model-judged checks (agentTrace.checks.judge.*); absent or disabled: judge checks give no result and nothing is sent. */
  judge?: JudgeSettings | null;
  /** Called with the checks file's evaluation thresholds whenever the file changes (the store worker judges new results by them). */
  onThresholds?: (thresholds: EvaluationThresholds) => void;
}

export class ChecksService {
  private config: ChecksConfig = { checks: [], problems: [] };
  private configText: string | null = null;
  /** Trace id → when it was last written (performance.now()). */
  private readonly due = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private pumping = false;
  private closed = false;
  /** Re-evaluation of every stored trace, newest first: where the next page starts. */
  private sweep: { cursor: { startMs: number; traceId: string } | null; queue: string[] } | null = null;
  /** Ready traces a slice's time budget did not reach: first in the next slice. */
  private backlog: string[] = [];
  /** Traces evaluated so far (tests and the log read it). */
  evaluated = 0;
  /** Resolved whenever the service has nothing left to do (tests wait on it). */
  private idleWaiters: (() => void)[] = [];

  /** Answers the `judge` checks of freshly finished runs, when the user enabled it. */
  readonly judge: JudgeService;
  /** Traces in the current slice that were written (not only re-evaluated by a sweep): only those go to the judge. */
  private readonly fresh = new Set<string>();

  constructor(private readonly options: ChecksServiceOptions) {
    this.judge = new JudgeService({ settings: options.judge ?? null, store: options.store, log: options.log, onResults: options.onResults });
  }

  get evaluationThresholds(): EvaluationThresholds {
    return this.config.evaluations ?? {};
  }

  get checks(): readonly CheckSpec[] {
    return this.config.checks;
  }

  /** The checks file's text (null: none). Unchanged text changes nothing; new text re-evaluates every stored trace. */
  setConfig(text: string | null): ChecksConfig {
    if (text === this.configText) return this.config;
    this.configText = text;
    this.config = text === null ? { checks: [], problems: [] } : parseChecksConfig(text);
    try {
      // Evaluation results the agent sends are judged by the file's thresholds; the writer judges the stored ones again.
      const rejudged = this.options.store.evaluations.setThresholds(this.config.evaluations ?? {}, this.options.isWriter());
      if (rejudged.length) this.options.onResults?.(rejudged);
      this.options.onThresholds?.(this.evaluationThresholds);
    } catch (err) {
      this.options.log(`Checks: could not apply the evaluation thresholds (${(err as Error).message}).`);
    }
    if (!this.options.isWriter()) return this.config;
    try {
      this.options.store.clearCheckResults();
    } catch (err) {
      this.options.log(`Checks: could not clear the old results (${(err as Error).message}); they are replaced as traces are checked again.`);
    }
    this.sweep = this.config.checks.length > 0 ? { cursor: null, queue: [] } : null;
    this.options.onResults?.([]);
    this.schedule(0);
    return this.config;
  }

  /** Ingest's hook: these traces were just written. Cheap: no evaluation happens here. */
  noteWritten(traceIds: readonly string[]): void {
    if (this.closed || this.config.checks.length === 0) return;
    const now = performance.now();
    for (const id of traceIds) {
      this.due.delete(id); // re-inserted last: the map stays in last-write order
      this.due.set(id, now);
    }
    if (!this.timer && !this.pumping) this.schedule(this.quietMs);
  }

  /** Resolves once no trace is waiting to be checked and no re-evaluation is running. */
  async whenIdle(): Promise<void> {
    if (this.hasWork()) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await this.judge.whenIdle();
  }

  close(): void {
    this.closed = true;
    this.judge.close();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private get quietMs(): number {
    return this.options.quietMs ?? CHECKS_QUIET_MS;
  }

  private hasWork(): boolean {
    return !this.closed && this.config.checks.length > 0 && (this.due.size > 0 || this.sweep !== null || this.backlog.length > 0);
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pump();
    }, Math.max(0, delayMs));
    this.timer.unref();
  }

  /** Works through ready traces and the re-evaluation sweep, a slice per turn of the event loop. */
  private async pump(): Promise<void> {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      for (;;) {
        if (this.closed || this.config.checks.length === 0 || !this.options.isWriter()) break;
        const batch = this.takeReady();
        if (batch.length === 0) break;
        this.runSlice(batch);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.pumping = false;
    }
    if (this.closed) return;
    if (this.config.checks.length === 0 || !this.options.isWriter()) {
      this.due.clear();
      this.sweep = null;
      this.backlog = [];
    }
    // Traces still inside their quiet period: come back when the oldest is due.
    const first = this.due.values().next();
    if (!first.done) this.schedule(first.value + this.quietMs - performance.now());
    if (!this.hasWork()) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Up to a slice of traces: those quiet long enough first, then the sweep's. */
  private takeReady(): string[] {
    const out: string[] = this.backlog.splice(0, SLICE_TRACES);
    const now = performance.now();
    for (const [id, at] of this.due) {
      if (out.length >= SLICE_TRACES || now - at < this.quietMs) break; // in last-write order
      this.due.delete(id);
      out.push(id);
      this.fresh.add(id);
    }
    const sweep = this.sweep;
    while (sweep && out.length < SLICE_TRACES) {
      if (sweep.queue.length === 0) {
        const page = this.options.store.traceIdsPage(sweep.cursor, SWEEP_PAGE);
        if (page.length === 0) {
          this.sweep = null;
          break;
        }
        sweep.cursor = page[page.length - 1];
        sweep.queue = page.map((p) => p.traceId);
      }
      const id = sweep.queue.shift()!;
      if (!this.due.has(id) && !out.includes(id)) out.push(id); // a trace still being written is checked when it goes quiet
    }
    return out;
  }

  /** Evaluates traces until the slice's time budget is spent; the rest go back to the front. */
  private runSlice(batch: string[]): void {
    const started = performance.now();
    const written: { traceId: string; results: CheckResult[] }[] = [];
    let i = 0;
    for (; i < batch.length && (i === 0 || performance.now() - started < SLICE_BUDGET_MS); i++) {
      const results = this.evaluate(batch[i]);
      if (results) written.push({ traceId: batch[i], results });
    }
    // Not reached within the budget: next slice (ahead of newer writes, which are not due yet anyway).
    if (i < batch.length) this.backlog.unshift(...batch.slice(i));
    try {
      this.options.store.saveCheckResults(written);
      this.evaluated += written.length;
      if (written.length) this.options.onResults?.(written.map((w) => w.traceId));
      // The judge asks a model (the user's): only about runs that were written, not every stored run a changed file re-checks.
      for (const id of batch.slice(0, i)) if (this.fresh.delete(id)) this.judge.enqueue(id, this.config.checks);
    } catch (err) {
      // Busy or full: evaluate these again a little later; nothing else is lost.
      this.options.log(`Checks: could not store results (${(err as Error).message}); retrying.`);
      const later = performance.now() + 1_000 - this.quietMs;
      for (const w of written) this.due.set(w.traceId, later);
    }
  }

  private evaluate(traceId: string): CheckResult[] | null {
    return checkStoredTrace(this.options.store, this.config.checks, traceId);
  }
}

/**
 * One stored trace's results (null when it is not stored). A trace too large to load is not
 * read: each check says so as an error. Shared by the server and `agent-trace check`.
 */
export function checkStoredTrace(store: TraceStore, checks: readonly CheckSpec[], traceId: string, maxSpans = MAX_CHECKED_SPANS): CheckResult[] | null {
  const listed = store.traceSummary(traceId);
  if (!listed) return null;
  if (listed.spanCount > maxSpans) {
    return checks.map((c) => ({
      check: c.name, kind: c.kind, outcome: 'error' as const, spanId: null,
      message: `not checked: the trace has ${listed.spanCount} steps, more than the ${maxSpans} a check reads`,
    }));
  }
  const found = store.getTrace(traceId);
  return found ? evaluateChecks(checks, found) : null;
}
