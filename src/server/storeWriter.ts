// The main thread's side of the store worker (storeWorker.ts): posts prepared exports to it and
// resolves each with the traces it touched once the worker has committed it, or rejects with the
// storage error (its SQLite code kept, so a locked or full database is still answered 503 /
// UNAVAILABLE). Exports are written in the order they were posted.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RawLogRecord } from '../core/model';
import type { PriceOverride } from '../core/cost';
import type { EvaluationThresholds } from '../core/evaluations';
import type { PreparedSpan } from '../store/traceStore';

export interface StoreWorkerData {
  dbPath: string;
  priceOverrides: Record<string, PriceOverride>;
  /** Search indexing under sustained ingest: the backlog kept, and the chunk sizes (see traceServer.ts). */
  indexBacklogMax: number;
  indexChunkMin: number;
  indexChunkMax: number;
}

export type StoreWorkerRequest =
  | { id: number; spans: PreparedSpan[]; logs: RawLogRecord[]; index?: undefined; close?: undefined; thresholds?: undefined }
  /** Index up to `index` waiting spans for search (idle indexing, in the worker so it never contends with ingest for the lock). */
  | { id: number; index: number; spans?: undefined; logs?: undefined; close?: undefined; thresholds?: undefined }
  /** The checks file's evaluation thresholds, for the results of the exports posted after it (no reply). */
  | { thresholds: EvaluationThresholds; id?: undefined; index?: undefined; spans?: undefined; logs?: undefined; close?: undefined }
  | { close: true; id?: undefined; index?: undefined; spans?: undefined; logs?: undefined; thresholds?: undefined };

export interface StoreWorkerReply {
  id?: number;
  traceIds?: string[];
  /** Spans indexed, for an index request. */
  indexed?: number;
  /** A search-index chunk the worker wrote on its own (under sustained ingest). */
  indexedChunk?: number;
  error?: { message: string; code?: string };
  log?: string;
}

/** A storage error from the worker, with the code the receivers' retry decision reads. */
export class StoreWriteError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'StoreWriteError';
  }
}

/** The worker's script: the bundle's dist/storeWorker.js, or the TypeScript source under tsx (tests). */
function workerScript(): { file: string; execArgv: string[] } | null {
  const bundled = join(__dirname, 'storeWorker.js');
  if (existsSync(bundled)) return { file: bundled, execArgv: [] };
  const source = join(__dirname, 'storeWorker.ts');
  if (existsSync(source)) return { file: source, execArgv: ['--import', 'tsx'] };
  return null;
}

export class StoreWriter {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: StoreWorkerReply) => void; reject: (e: Error) => void }>();
  private failed: Error | null = null;
  private idleWaiters: (() => void)[] = [];
  /** Called for each search-index chunk the worker writes on its own. */
  onIndexedChunk: (spans: number) => void = () => {};

  private constructor(
    private readonly worker: Worker,
    log: (msg: string) => void,
  ) {
    worker.on('message', (m: StoreWorkerReply) => {
      if (m.log !== undefined) log(m.log);
      if (m.indexedChunk !== undefined) this.onIndexedChunk(m.indexedChunk);
      if (m.id === undefined) return;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error) w.reject(new StoreWriteError(m.error.message, m.error.code));
      else w.resolve(m);
      this.wakeIdle();
    });
    const fail = (err: Error) => {
      this.failed ??= err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
      this.wakeIdle();
    };
    worker.on('error', (err) => {
      log(`The store worker stopped: ${err.message}`);
      fail(err);
    });
    worker.on('exit', (code) => fail(new Error(`the store worker exited (code ${code})`)));
  }

  /** Null when no worker script is at hand (the caller then writes on its own thread). */
  static start(data: StoreWorkerData, log: (msg: string) => void): StoreWriter | null {
    const script = workerScript();
    if (!script) return null;
    const worker = new Worker(script.file, { workerData: data, execArgv: script.execArgv });
    return new StoreWriter(worker, log);
  }

  /** False once the worker has stopped (the caller then writes on its own thread). */
  get usable(): boolean {
    return this.failed === null;
  }

  async write(batch: { spans: PreparedSpan[]; logs: RawLogRecord[] }): Promise<{ traceIds: string[] }> {
    const r = await this.ask((id) => ({ id, spans: batch.spans, logs: batch.logs }));
    return { traceIds: r.traceIds ?? [] };
  }

  /** Judges the evaluation results of later exports by these thresholds (messages are handled in order). */
  setThresholds(thresholds: EvaluationThresholds): void {
    if (!this.failed) this.worker.postMessage({ thresholds } satisfies StoreWorkerRequest);
  }

  /** Indexes up to `rows` waiting spans for search; resolves with how many it indexed. */
  async index(rows: number): Promise<number> {
    return (await this.ask((id) => ({ id, index: rows }))).indexed ?? 0;
  }

  /**
   * Resolves once nothing posted is waiting: what a long chore on the main thread's connection
   * (retention) awaits between its slices, so queued exports take the lock first.
   */
  idle(): Promise<void> {
    if (this.waiting.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdle(): void {
    if (this.waiting.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private ask(request: (id: number) => StoreWorkerRequest): Promise<StoreWorkerReply> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage(request(id));
    });
  }

  /** Lets the writes already posted finish, then closes the worker's connection. */
  async close(): Promise<void> {
    if (this.failed) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ close: true } satisfies StoreWorkerRequest);
    await exited;
  }
}
