// The trace server's composition root: one SQLite store, the OTLP receivers over one ingest sink,
// writer/follower election on the OTLP ports, change notifications, retention. Used by the LSP
// process (src/server/main.ts) and by `agent-trace serve`.
import { canonicalize } from '../core/canonicalize';
import type { PriceOverride } from '../core/cost';
import type { CanonicalSpan, RawLogRecord, RawSpan } from '../core/model';
import { resolveLimits, type OtlpLimits } from '../core/otlp';
import type { SearchHitDto, ServerStatusDto, TraceFilterDto, TraceSummaryDto } from '../protocol/dto';
import { startGrpcReceiver } from './grpcReceiver';
import { startHttpReceiver } from './httpReceiver';
import type { IngestSink } from './ingest';
import { describePortConflict } from './portProbe';
import { ChecksService } from './checksService';
import type { JudgeSettings } from '../protocol/lsp';
import { TraceStore, type RetentionReport } from '../store/traceStore';
import { StoreWriteError, StoreWriter } from './storeWriter';
import type { ProxyUpstreams } from '../core/proxy/providers';
import { startModelProxy } from './proxy/modelProxy';
import { recordingSink } from './proxy/recordingSink';
import { ReplaySessions } from './proxy/replaySession';
import { CLOCK_SLACK_MS } from '../core/proxy/link';

export interface TraceServerOptions {
  host: string;
  httpPort: number;
  grpcPort: number;
  dbPath: string;
  priceOverrides?: Record<string, PriceOverride>;
  retention?: { maxDays: number; maxMegabytes: number };
  /** Decoder limits for both receivers, as settings give them: missing or invalid entries take the defaults. */
  limits?: Partial<Record<keyof OtlpLimits, unknown>>;
  /** Extra Host header names the HTTP receiver accepts. */
  allowedHosts?: string[];
  log: (message: string) => void;
  /** Called (coalesced) after writes by this process or another one sharing the database. */
  onTracesChanged?: (change: { traceIds: string[]; cleared?: boolean }) => void;
  onStatusChanged?: (status: ServerStatusDto) => void;
  /** How often a follower retries the ports, and everyone polls the database for others' writes. */
  takeoverIntervalMs?: number;
  pollIntervalMs?: number;
  /** Search indexing (tests tune it): how long ingest must be quiet before idle indexing, and the backlog kept under sustained ingest. */
  indexIdleMs?: number;
  indexBacklogMax?: number;
  /** Checks (issue 11): how long a trace must go without new spans before it is checked (tests shorten it). */
  checksQuietMs?: number;
  /** Write exports on the store worker thread (default true; false writes on the main thread). */
  storeWorker?: boolean;
  /** The recording model proxy (issue 10), started by the writer when given (agentTrace.proxy.enabled). */
  proxy?: { port: number; upstreams: ProxyUpstreams; maxRecordBytes?: number };
  /** Model-judged checks (agentTrace.checks.judge.*); absent or disabled: never a request. */
  judge?: JudgeSettings;
}

/** Spans whose normalization failures are logged one by one before the log only counts them. */
const LOGGED_FAILURES = 20;

interface Listener {
  port: number;
  close(): Promise<void>;
}

const NOTIFY_DELAY_MS = 150;
const RETENTION_INTERVAL_MS = 10 * 60_000;
/** Event-loop lag above which the receivers answer 503 with Retry-After instead of queueing more work. */
const BUSY_LAG_MS = 1_000;
/** The search index is written behind ingest: once no export has arrived for this long... */
const INDEX_IDLE_MS = 30;
/** ...in transactions of this many spans, yielding to the event loop (and new exports) in between. */
const INDEX_CHUNK = 500;
/**
 * Under sustained ingest the quiet moment may never come: once more than INDEX_BACKLOG_MAX spans
 * wait, every export is followed (on the next turn of the event loop, not inside the export) by
 * a chunk of at least as many spans as it brought, up to INDEX_BUSY_CHUNK_MAX. Bursts below the
 * bound cost ingest nothing; past it, ingest pays for its own indexing, and a search never has
 * more than about INDEX_BACKLOG_MAX spans to catch up.
 */
const INDEX_BACKLOG_MAX = 20_000;
const INDEX_BUSY_CHUNK_MAX = 2_000;

export class TraceServer {
  readonly store: TraceStore;
  private http: Listener | null = null;
  private grpc: Listener | null = null;
  private proxy: Listener | null = null;
  private proxySink: { flush(): void } | null = null;
  /** Fork sessions the proxy serves under /replay/<id>/ (issue 10, "Re-run from this step"). */
  readonly replaySessions = new ReplaySessions();
  /** Recordings seen so far: those another process's proxy (`agent-trace proxy`) adds refresh the traces they belong to. */
  private lastRecordingId = 0;
  private problem: string | null = null;
  private timers: NodeJS.Timeout[] = [];
  private pendingTraceIds = new Set<string>();
  private pendingCleared = false;
  private notifyTimer: NodeJS.Timeout | null = null;
  private lastDataVersion: number;
  private lastChangeScanMs = Date.now();
  private lagMs = 0;
  private closed = false;
  private lastWriteAt = 0;
  private indexTimer: NodeJS.Timeout | null = null;
  private retentionRun: Promise<void> | null = null;
  private spansSinceIndex = 0;
  private busyIndexQueued = false;
  private catchUp: Promise<void> | null = null;
  /** The store worker writing exports while this thread prepares the next (writer role only). */
  private writer: StoreWriter | null = null;
  private readonly overrides: Record<string, PriceOverride>;
  /** Search-index transactions run so far (each followed by a turn of the event loop). */
  indexChunks = 0;
  /** The workspace's checks, run on finished traces (see checksService.ts). */
  readonly checks: ChecksService;

  private constructor(private readonly options: TraceServerOptions) {
    const overrides = (this.overrides = options.priceOverrides ?? {});
    this.store = TraceStore.open(options.dbPath, {
      canonicalize: (span) => this.logFailures(canonicalize(span, overrides)),
      log: options.log,
    });
    this.lastDataVersion = this.store.dataVersion();
    this.lastRecordingId = this.safeRecordings((r) => r.lastId(), 0);
    this.checks = new ChecksService({
      store: this.store,
      log: options.log,
      isWriter: () => this.role === 'writer',
      quietMs: options.checksQuietMs,
      judge: options.judge ?? null,
      onResults: (traceIds) => this.queueChange(traceIds, traceIds.length === 0),
      onThresholds: (thresholds) => this.writer?.setThresholds(thresholds),
    });
  }

  private normalizationFailures = 0;

  /** One log line per span that could not be fully read; after the first few, one line per thousand. */
  private logFailures(span: CanonicalSpan): CanonicalSpan {
    const failures = span.norm.failures;
    if (!failures?.length) return span;
    const n = ++this.normalizationFailures;
    if (n <= LOGGED_FAILURES) {
      this.options.log(`Normalization failed for span "${span.name}" (${span.traceId}/${span.spanId}), kept with what could be read: ${failures.join('; ')}`);
    } else if (n % 1000 === 0) {
      this.options.log(`Normalization failures: ${n} spans so far (details on the trace, in its warnings).`);
    }
    return span;
  }

  static async start(options: TraceServerOptions): Promise<TraceServer> {
    const server = new TraceServer(options);
    await server.tryBecomeWriter();
    server.startBackgroundWork();
    return server;
  }

  /** True while exports are written on the store worker thread (the writer, unless it is off or stopped). */
  get writesOnWorker(): boolean {
    return this.writer?.usable ?? false;
  }

  get role(): 'writer' | 'follower' {
    return this.http ? 'writer' : 'follower';
  }

  status(): ServerStatusDto {
    const counts = this.store.counts();
    return {
      role: this.role,
      host: this.options.host,
      httpPort: this.http?.port ?? this.options.httpPort,
      grpcPort: this.grpc?.port ?? this.options.grpcPort,
      listening: this.http !== null,
      problem: this.problem,
      dbPath: this.options.dbPath,
      spanCount: counts.spans,
      traceCount: counts.traces,
      proxyPort: this.proxy?.port ?? null,
    };
  }

  /**
   * The sink both receivers write through: one transaction per export. With the store worker,
   * this thread canonicalizes the export (prepareSpans) and the worker commits it; the reply
   * waits for the commit. Without it (not started, or stopped), this thread does both.
   */
  private readonly sink: IngestSink = {
    write: (batch) => {
      const writer = this.writer;
      if (writer?.usable) {
        const prepared = this.store.prepareSpans(batch.spans);
        return writer.write({ spans: prepared, logs: batch.logs }).then(
          ({ traceIds }) => this.afterWrite(traceIds, batch.spans.length, false),
          (err: unknown) => {
            if (err instanceof StoreWriteError) throw err; // a storage error: answered as such
            // The worker stopped (it may or may not have committed this export): write it here.
            // Writing an export again replaces its spans, so it is stored once either way.
            this.writeHere(batch);
          },
        );
      }
      this.writeHere(batch);
    },
    busy: () => this.lagMs > BUSY_LAG_MS,
    writeMetrics: (points) => this.store.metrics.write(points),
  };

  private writeHere(batch: { spans: RawSpan[]; logs: RawLogRecord[] }): void {
    const { traceIds } = this.store.writeBatch(batch);
    this.afterWrite(traceIds, batch.spans.length, true);
  }

  /** After a committed export: search indexing (the worker keeps its own backlog in check), checks, change notifications. */
  private afterWrite(traceIds: string[], spans: number, onThisThread: boolean): void {
    this.lastWriteAt = performance.now();
    this.spansSinceIndex += spans;
    this.scheduleIndexing(this.options.indexIdleMs ?? INDEX_IDLE_MS);
    if (onThisThread) this.indexWhileBusy();
    this.checks.noteWritten(traceIds);
    this.queueChange(traceIds);
  }

  private startStoreWorker(): void {
    if (this.writer || this.options.storeWorker === false) return;
    try {
      this.writer = StoreWriter.start(
        {
          dbPath: this.options.dbPath, priceOverrides: this.overrides, indexBacklogMax: this.options.indexBacklogMax ?? INDEX_BACKLOG_MAX,
          indexChunkMin: INDEX_CHUNK, indexChunkMax: INDEX_BUSY_CHUNK_MAX,
        },
        this.options.log,
      );
      if (this.writer) {
        this.writer.onIndexedChunk = () => this.indexChunks++;
        this.writer.setThresholds(this.checks.evaluationThresholds);
      }
    } catch (err) {
      this.options.log(`Writing on the main thread: the store worker could not start (${(err as Error).message}).`);
    }
  }

  /** Notify that traces changed because of a user action in this process (delete, clear, import). */
  noteLocalChange(traceIds: string[], cleared = false): void {
    this.lastDataVersion = this.store.dataVersion();
    this.queueChange(traceIds, cleared);
  }

  private queueChange(traceIds: string[], cleared = false): void {
    for (const id of traceIds) this.pendingTraceIds.add(id);
    this.pendingCleared ||= cleared;
    if (this.notifyTimer || this.closed) return;
    this.notifyTimer = setTimeout(() => {
      this.notifyTimer = null;
      const change = { traceIds: [...this.pendingTraceIds], cleared: this.pendingCleared || undefined };
      this.pendingTraceIds.clear();
      this.pendingCleared = false;
      this.options.onTracesChanged?.(change);
      this.options.onStatusChanged?.(this.status());
    }, NOTIFY_DELAY_MS);
  }

  private async tryBecomeWriter(): Promise<void> {
    const { host, httpPort, grpcPort, log, allowedHosts } = this.options;
    const limits = resolveLimits(this.options.limits);
    const before = this.problem;
    try {
      this.http = await startHttpReceiver({ host, port: httpPort, sink: this.sink, limits, allowedHosts });
    } catch (err) {
      this.problem = await this.describeBindFailure(err, host, httpPort, 'http');
      if (this.problem !== before) log(this.problem);
      return;
    }
    this.startStoreWorker();
    try {
      this.grpc = await startGrpcReceiver({ host, port: grpcPort, sink: this.sink, limits });
      this.problem = null;
    } catch (err) {
      this.problem = await this.describeBindFailure(err, host, grpcPort, 'grpc');
      log(this.problem);
    }
    this.scheduleIndexing(0); // spans a previous writer stored but had not indexed yet
    await this.startProxy();
    log(`Writer: OTLP/HTTP on http://${host}:${this.http.port}` + (this.grpc ? `, OTLP/gRPC on ${host}:${this.grpc.port}` : ''));
    this.options.onStatusChanged?.(this.status());
  }

  /** A read of the proxy's recordings that must not break the caller (a read-only file from before the proxy's migration has no table). */
  private safeRecordings<T>(read: (r: TraceStore['recordings']) => T, fallback: T): T {
    try {
      return read(this.store.recordings);
    } catch {
      return fallback;
    }
  }

  /** The writer runs the recording proxy when it is enabled; a taken port is reported, the rest keeps working. */
  private async startProxy(): Promise<void> {
    const p = this.options.proxy;
    if (!p || this.proxy || this.closed) return;
    const { host, log, allowedHosts } = this.options;
    const sink = (this.proxySink = recordingSink(this.store, log, (traceIds) => this.queueChange(traceIds)));
    try {
      this.proxy = await startModelProxy({ host, port: p.port, upstreams: p.upstreams, allowedHosts, maxRecordBytes: p.maxRecordBytes, onRecording: sink.record, log, replay: this.replaySessions });
      log(`Recording model proxy on http://${host}:${this.proxy.port} (OpenAI → ${p.upstreams.openai}, Anthropic → ${p.upstreams.anthropic})`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      log(`The recording model proxy cannot listen on ${host}:${p.port} (${code}). Change agentTrace.proxy.port (--port).`);
    }
  }

  private async describeBindFailure(err: unknown, host: string, port: number, which: 'http' | 'grpc'): Promise<string> {
    const code = (err as NodeJS.ErrnoException)?.code;
    const message = (err as Error)?.message ?? String(err);
    if (code === 'EADDRINUSE' || /EADDRINUSE|address already in use|No address added/i.test(message)) {
      return describePortConflict(host, port, which);
    }
    const setting = which === 'http' ? 'agentTrace.otlp.httpPort (--http-port)' : 'agentTrace.otlp.grpcPort (--grpc-port)';
    return `Cannot listen on ${host}:${port} (${code ?? message}). Change ${setting} or agentTrace.otlp.host (--host).`;
  }

  private startBackgroundWork(): void {
    const poll = this.options.pollIntervalMs ?? 300;
    const takeover = this.options.takeoverIntervalMs ?? 2_000;
    // Followers (and the writer, for CLI imports or deletes from other windows) see others' commits.
    this.timers.push(setInterval(() => this.pollDatabase(), poll));
    this.timers.push(
      setInterval(() => {
        if (!this.http && !this.closed) void this.tryBecomeWriter();
      }, takeover),
    );
    let last = performance.now();
    this.timers.push(
      setInterval(() => {
        const now = performance.now();
        this.lagMs = Math.max(0, now - last - 200);
        last = now;
      }, 200),
    );
    if (this.options.retention) {
      this.runRetention();
      this.timers.push(setInterval(() => this.runRetention(), RETENTION_INTERVAL_MS));
    }
    for (const t of this.timers) t.unref();
  }

  private scheduleIndexing(delayMs: number): void {
    if (this.indexTimer || this.closed) return;
    this.indexTimer = setTimeout(() => this.indexSome(), delayMs);
    this.indexTimer.unref();
  }

  /** Indexes waiting spans for search while no export is arriving. */
  private indexSome(): void {
    this.indexTimer = null;
    if (this.closed) return;
    const idleMs = this.options.indexIdleMs ?? INDEX_IDLE_MS;
    const quietFor = performance.now() - this.lastWriteAt;
    if (quietFor < idleMs) {
      this.scheduleIndexing(idleMs - quietFor);
      return;
    }
    const writer = this.writer;
    if (writer?.usable) {
      // On the worker, so it never contends with the exports it writes for the lock.
      writer.index(INDEX_CHUNK).then(
        (n) => {
          if (n > 0) this.indexChunks++;
          if (n === INDEX_CHUNK) this.scheduleIndexing(0);
        },
        (err: unknown) => {
          if (this.closed) return;
          this.options.log(`Search indexing postponed: ${(err as Error).message}`);
          this.scheduleIndexing(1_000);
        },
      );
      return;
    }
    if (this.indexChunk(INDEX_CHUNK) === INDEX_CHUNK) this.scheduleIndexing(0);
  }

  /** See INDEX_BACKLOG_MAX: keeps the search index from falling far behind a busy ingest. */
  private indexWhileBusy(): void {
    if (this.busyIndexQueued || this.closed) return;
    const backlogMax = this.options.indexBacklogMax ?? INDEX_BACKLOG_MAX;
    if (this.store.unindexedCount() <= backlogMax) return;
    const rows = Math.min(INDEX_BUSY_CHUNK_MAX, Math.max(INDEX_CHUNK, this.spansSinceIndex));
    this.busyIndexQueued = true;
    setImmediate(() => {
      this.busyIndexQueued = false;
      if (!this.closed) this.indexChunk(rows);
    });
  }

  /** One search-index transaction; returns the spans it indexed (0 when it could not run). */
  private indexChunk(rows: number): number {
    this.spansSinceIndex = 0;
    try {
      const n = this.store.indexPending(rows);
      if (n > 0) this.indexChunks++;
      return n;
    } catch (err) {
      // Busy (another process writing) or similar: try again later; nothing is lost meanwhile.
      this.options.log(`Search indexing postponed: ${(err as Error).message}`);
      this.scheduleIndexing(1_000);
      return 0;
    }
  }

  /**
   * Brings the search index up to date in chunks, with a turn of the event loop between them,
   * so exports and other requests are answered meanwhile; concurrent callers share one run.
   * The store's search() then indexes only what arrived during the last turn (one export at
   * most), so its results are complete without one long block.
   */
  catchUpSearchIndex(): Promise<void> {
    if (!this.catchUp) {
      const run = async (): Promise<void> => {
        while (!this.closed && this.store.hasUnindexed()) {
          const writer = this.writer;
          if (writer?.usable) {
            // On the worker: exports posted meanwhile are written between the chunks.
            const n = await writer.index(INDEX_CHUNK).catch(() => 0);
            if (n === 0) break;
            this.indexChunks++;
            continue;
          }
          if (this.indexChunk(INDEX_CHUNK) === 0) break;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      };
      // .finally runs after this assignment even when there was nothing to do.
      this.catchUp = run().finally(() => {
        this.catchUp = null;
      });
    }
    return this.catchUp;
  }

  /** Full-text search, complete, without blocking the server for the whole backlog. */
  async searchSpans(text: string, limit: number): Promise<SearchHitDto[]> {
    await this.catchUpSearchIndex();
    return this.store.search(text, limit);
  }

  /** listTraces, catching the search index up first (in chunks) when the filter searches text. */
  async listTraces(filter: TraceFilterDto): Promise<TraceSummaryDto[]> {
    if (filter.text?.trim()) await this.catchUpSearchIndex();
    return this.store.listTraces(filter);
  }

  private pollDatabase(): void {
    if (this.closed) return;
    const version = this.store.dataVersion();
    if (version === this.lastDataVersion) return;
    this.lastDataVersion = version;
    const since = this.lastChangeScanMs - 1_000;
    this.lastChangeScanMs = Date.now();
    const changed = this.store.changedTracesSince(since);
    if (this.role === 'writer') this.checks.noteWritten(changed); // written by another process (an import)
    const recorded = this.safeRecordings((r) => r.tracesRecordedAfter(this.lastRecordingId, CLOCK_SLACK_MS), { traceIds: [], lastId: this.lastRecordingId });
    this.lastRecordingId = recorded.lastId;
    this.queueChange([...changed, ...recorded.traceIds], true);
  }

  /** Trims the store in slices (see TraceStore.applyRetention); one run at a time. */
  private runRetention(): void {
    if (this.role !== 'writer' || !this.options.retention || this.retentionRun || this.closed) return;
    const limits = this.options.retention;
    this.trimRecordings(limits);
    this.retentionRun = this.store
      .applyRetention(limits, { stop: () => this.closed, between: () => this.writer?.idle() ?? Promise.resolve() })
      .then((r) => {
        for (const line of describeRetention(r, limits)) this.options.log(line);
        if (r.byAge.traces + r.bySize.traces > 0) this.queueChange([], true);
      })
      .catch((err: unknown) => {
        if (!this.closed) this.options.log(`Retention failed: ${(err as Error).message}`);
      })
      .finally(() => {
        this.retentionRun = null;
      });
  }

  /** The proxy's recordings age out with the traces and get at most half the size budget (oldest out first, before any trace). */
  private trimRecordings(limits: { maxDays: number; maxMegabytes: number }): void {
    try {
      if (limits.maxDays > 0 && Number.isFinite(limits.maxDays)) this.store.recordings.deleteOlderThan(Date.now() - limits.maxDays * 86_400_000);
      if (limits.maxMegabytes > 0 && Number.isFinite(limits.maxMegabytes)) this.store.recordings.trimToBytes((limits.maxMegabytes * 1024 * 1024) / 2);
    } catch (err) {
      this.options.log(`Retention of recorded model calls postponed: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.checks.close();
    for (const t of this.timers) clearInterval(t);
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    if (this.indexTimer) clearTimeout(this.indexTimer);
    await Promise.all([this.http?.close(), this.grpc?.close(), this.proxy?.close(), this.retentionRun, this.catchUp]);
    this.http = this.grpc = this.proxy = null;
    this.proxySink?.flush(); // calls that ended while the proxy closed
    await this.writer?.close();
    this.writer = null;
    this.store.close();
  }
}

/** The server log's account of a retention run: what went, and by which rule. */
export function describeRetention(r: RetentionReport, limits: { maxDays: number; maxMegabytes: number }): string[] {
  const lines: string[] = [];
  const what = (traces: number, logs: number, logsWhat: string) =>
    [traces > 0 ? `${traces} trace(s)` : '', logs > 0 ? `${logs} ${logsWhat}` : ''].filter(Boolean).join(' and ');
  if (r.byAge.traces + r.byAge.logs > 0) {
    lines.push(`Retention removed ${what(r.byAge.traces, r.byAge.logs, 'log record(s) that waited for their span')} older than ${limits.maxDays} day(s) (agentTrace.retention.maxDays).`);
  }
  if (r.bySize.traces + r.bySize.logs > 0) {
    lines.push(
      `Retention removed the oldest ${what(r.bySize.traces, r.bySize.logs, 'log record(s) waiting for a span that never arrived')} to keep the database under ${limits.maxMegabytes} MB (agentTrace.retention.maxMegabytes).`,
    );
  }
  return lines;
}
