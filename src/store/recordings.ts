// The recording model proxy's calls (issue 10), in the trace database's proxy_recordings table
// (schema.ts). A separate class over the same connection as TraceStore, so the span write path
// stays untouched: recordings are linked to their LLM steps when a trace is read.
import type Database from 'better-sqlite3';
import { preparedOnce } from './statementCache';

type Db = Database.Database;

export interface RecordedBody {
  /** Header names lowercase; credentials already replaced (see core/proxy/providers.ts). */
  headers: Record<string, string>;
  /** What was kept of the body (at most the proxy's cap), decoded when it came compressed. */
  body: Uint8Array;
  /** The whole body's size as it travelled. */
  bytes: number;
  truncated: boolean;
}

export interface NewRecording {
  startedMs: number;
  firstByteMs: number | null;
  endedMs: number;
  provider: string;
  method: string;
  path: string;
  upstream: string;
  model: string | null;
  traceId: string | null;
  parentSpanId: string | null;
  status: number | null;
  error: string | null;
  streamed: boolean;
  request: RecordedBody;
  response: RecordedBody;
  /** What went wrong with this call of a forked run (replay mode): stored with it, shown on the step it links to. */
  problems?: NewReplayProblem[];
}

export interface StoredRecording extends NewRecording {
  id: number;
}

/** A problem of a forked run or a re-sent call (core/replay/problems.ts), as stored. */
export interface NewReplayProblem {
  origin: 'fork' | 'resend';
  /** The fork session, or the resend's own trace id. */
  sessionId: string;
  kind: string;
  /** 0-based request of the new run it is about; null for the run as a whole. */
  call: number | null;
  message: string;
}

export interface StoredReplayProblem extends NewReplayProblem {
  createdMs: number;
}

interface ProblemRow {
  created_ms: number;
  origin: 'fork' | 'resend';
  session_id: string;
  recording_id: number | null;
  span_id: string | null;
  kind: string;
  call_index: number | null;
  message: string;
}

/** Problems kept per recording or per step at most (a runaway loop of failing calls). */
const MAX_PROBLEMS_PER_KEY = 200;

/** A recording without its bodies' bytes beyond what linking reads (the request). */
export interface RecordingHead {
  id: number;
  startedMs: number;
  endedMs: number;
  model: string | null;
  traceId: string | null;
  parentSpanId: string | null;
  requestBody: Uint8Array;
}

interface Row {
  id: number;
  started_ms: number;
  first_byte_ms: number | null;
  ended_ms: number;
  provider: string;
  method: string;
  path: string;
  upstream: string;
  model: string | null;
  trace_id: string | null;
  parent_span_id: string | null;
  status: number | null;
  error: string | null;
  streamed: number;
  request_headers: string;
  request_body: Buffer;
  request_bytes: number;
  request_truncated: number;
  response_headers: string;
  response_body: Buffer;
  response_bytes: number;
  response_truncated: number;
}

/** Recordings read per trace at most (a trace's window in a busy proxy). */
const MAX_PER_TRACE = 2_000;
/** How far back a recording's trace is looked for (the traces_recent index bounds the scan). */
const TRACE_LOOKBACK_MS = 6 * 3_600_000;

export class RecordingStore {
  /** Prepared once per connection, on first use. */
  private readonly stmt: (sql: string) => Database.Statement;

  constructor(private readonly db: Db) {
    this.stmt = preparedOnce(db);
  }

  /** Stores recordings in one transaction; returns their ids. */
  insert(recordings: readonly NewRecording[]): number[] {
    const ins = this.stmt(`INSERT INTO proxy_recordings (started_ms, first_byte_ms, ended_ms, provider, method, path, upstream, model,
      trace_id, parent_span_id, status, error, streamed, request_headers, request_body, request_bytes, request_truncated,
      response_headers, response_body, response_bytes, response_truncated)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const tx = this.db.transaction(() =>
      recordings.map((r) => {
        const id = Number(
          ins.run(
            r.startedMs, r.firstByteMs, r.endedMs, r.provider, r.method, r.path, r.upstream, r.model,
            r.traceId, r.parentSpanId, r.status, r.error, r.streamed ? 1 : 0,
            JSON.stringify(r.request.headers), Buffer.from(r.request.body.buffer, r.request.body.byteOffset, r.request.body.byteLength),
            r.request.bytes, r.request.truncated ? 1 : 0,
            JSON.stringify(r.response.headers), Buffer.from(r.response.body.buffer, r.response.body.byteOffset, r.response.body.byteLength),
            r.response.bytes, r.response.truncated ? 1 : 0,
          ).lastInsertRowid,
        );
        if (r.problems?.length) this.insertProblems(r.problems, r.endedMs, { recordingId: id });
        return id;
      }),
    );
    return tx.immediate();
  }

  private insertProblems(problems: readonly NewReplayProblem[], atMs: number, on: { recordingId: number } | { traceId: string; spanId: string }): void {
    const ins = this.stmt(`INSERT INTO replay_problems (created_ms, origin, session_id, recording_id, trace_id, span_id, kind, call_index, message)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const recordingId = 'recordingId' in on ? on.recordingId : null;
    const step = 'traceId' in on ? on : null;
    for (const p of problems.slice(0, MAX_PROBLEMS_PER_KEY)) {
      ins.run(Math.round(atMs), p.origin, p.sessionId, recordingId, step?.traceId ?? null, step?.spanId ?? null, p.kind, p.call, p.message);
    }
  }

  /** Problems about a step itself (a fork or a resend started from it), in one transaction. */
  addStepProblems(traceId: string, spanId: string, problems: readonly NewReplayProblem[], atMs = Date.now()): void {
    if (problems.length === 0) return;
    this.db.transaction(() => this.insertProblems(problems, atMs, { traceId, spanId })).immediate();
  }

  /** The problems stored with these recordings, per recording id, oldest first. */
  problemsOfRecordings(ids: readonly number[]): Map<number, StoredReplayProblem[]> {
    const out = new Map<number, StoredReplayProblem[]>();
    if (ids.length === 0) return out;
    const rows = this.stmt(
      `SELECT * FROM replay_problems WHERE recording_id IN (SELECT value FROM json_each(?)) ORDER BY recording_id, id`,
    ).all(JSON.stringify(ids)) as ProblemRow[];
    for (const r of rows) {
      const list = out.get(r.recording_id!) ?? [];
      if (list.length < MAX_PROBLEMS_PER_KEY) list.push(problemOf(r));
      out.set(r.recording_id!, list);
    }
    return out;
  }

  /** The problems stored about steps of a trace (forks and resends started from them), per span id, oldest first. */
  problemsOfSteps(traceId: string): Map<string, StoredReplayProblem[]> {
    const out = new Map<string, StoredReplayProblem[]>();
    const rows = this.stmt('SELECT * FROM replay_problems WHERE trace_id = ? ORDER BY id').all(traceId) as ProblemRow[];
    for (const r of rows) {
      const list = out.get(r.span_id!) ?? [];
      if (list.length < MAX_PROBLEMS_PER_KEY) list.push(problemOf(r));
      out.set(r.span_id!, list);
    }
    return out;
  }

  /**
   * The recordings that may belong to a trace: those whose traceparent names it, and those
   * without one that started inside its time window (widened by `slackMs`).
   */
  candidatesFor(traceId: string, fromMs: number, toMs: number, slackMs: number): RecordingHead[] {
    const rows = this.stmt(
      `SELECT id, started_ms, ended_ms, model, trace_id, parent_span_id, request_body FROM proxy_recordings
       WHERE trace_id = ?
       UNION
       SELECT id, started_ms, ended_ms, model, trace_id, parent_span_id, request_body FROM proxy_recordings
       WHERE trace_id IS NULL AND started_ms BETWEEN ? AND ?
       ORDER BY started_ms LIMIT ${MAX_PER_TRACE}`,
    ).all(traceId, fromMs - slackMs, toMs + slackMs) as Pick<Row, 'id' | 'started_ms' | 'ended_ms' | 'model' | 'trace_id' | 'parent_span_id' | 'request_body'>[];
    return rows.map((r) => ({
      id: r.id,
      startedMs: r.started_ms,
      endedMs: r.ended_ms,
      model: r.model,
      traceId: r.trace_id,
      parentSpanId: r.parent_span_id,
      requestBody: r.request_body,
    }));
  }

  get(id: number): StoredRecording | null {
    const r = this.stmt('SELECT * FROM proxy_recordings WHERE id = ?').get(id) as Row | undefined;
    return r ? fromRow(r) : null;
  }

  /** Every recording in call order (oldest first), for the CLI and tests. */
  list(limit = 1_000): StoredRecording[] {
    return (this.stmt('SELECT * FROM proxy_recordings ORDER BY started_ms, id LIMIT ?').all(limit) as Row[]).map(fromRow);
  }

  /** Traces a recording may belong to: its traceparent's, else those running when it was made (to announce a change). */
  tracesAround(r: Pick<NewRecording, 'traceId' | 'startedMs' | 'endedMs'>, slackMs: number): string[] {
    if (r.traceId) return [r.traceId];
    return this.stmt(
      `SELECT trace_id FROM traces WHERE start_ms BETWEEN ? AND ? AND start_ms + duration_ms >= ? ORDER BY start_ms DESC LIMIT 20`,
    )
      .pluck()
      .all(r.startedMs - TRACE_LOOKBACK_MS, r.startedMs + slackMs, r.endedMs - slackMs) as string[];
  }

  /** The highest recording id so far (0 when none): where "recorded since" starts. */
  lastId(): number {
    return (this.stmt('SELECT coalesce(max(id), 0) FROM proxy_recordings').pluck().get() as number) ?? 0;
  }

  /** The traces that recordings written after `afterId` may belong to (another process's proxy wrote them), and the new last id. */
  tracesRecordedAfter(afterId: number, slackMs: number, limit = 200): { traceIds: string[]; lastId: number } {
    const rows = this.stmt(`SELECT id, trace_id, started_ms, ended_ms FROM proxy_recordings WHERE id > ? ORDER BY id LIMIT ${limit}`).all(afterId) as Pick<Row, 'id' | 'trace_id' | 'started_ms' | 'ended_ms'>[];
    const traceIds = new Set<string>();
    for (const r of rows) for (const t of this.tracesAround({ traceId: r.trace_id, startedMs: r.started_ms, endedMs: r.ended_ms }, slackMs)) traceIds.add(t);
    return { traceIds: [...traceIds], lastId: rows.length ? rows[rows.length - 1]!.id : afterId };
  }

  /** Drops recordings older than `beforeMs`, a slice at a time; returns how many went. */
  deleteOlderThan(beforeMs: number, sliceRows = 500): number {
    // Problems about a step age out with the recordings (those about a recording go with it, by trigger).
    this.stmt('DELETE FROM replay_problems WHERE created_ms < ?').run(beforeMs);
    let total = 0;
    for (;;) {
      const n = this.stmt(`DELETE FROM proxy_recordings WHERE id IN (SELECT id FROM proxy_recordings WHERE started_ms < ? LIMIT ${sliceRows})`).run(beforeMs).changes;
      total += n;
      if (n < sliceRows) return total;
    }
  }

  /**
   * Keeps the newest recordings within `budget` bytes (bodies and headers as stored) and deletes
   * the older ones; returns how many went. Run before the traces' size retention, so large
   * recordings never make it delete traces to make room for them.
   */
  trimToBytes(budget: number, sliceRows = 500): number {
    let total = 0;
    let cutoff: number | null = null;
    const rows = this.stmt(
      'SELECT started_ms AS at, length(request_body) + length(response_body) + length(request_headers) + length(response_headers) AS n FROM proxy_recordings ORDER BY started_ms DESC, id DESC',
    ).iterate() as IterableIterator<{ at: number; n: number }>;
    for (const r of rows) {
      total += r.n;
      if (total > budget) {
        cutoff = r.at;
        break;
      }
    }
    if (cutoff === null) return 0;
    let deleted = 0;
    for (;;) {
      const n = this.stmt(`DELETE FROM proxy_recordings WHERE id IN (SELECT id FROM proxy_recordings WHERE started_ms <= ? LIMIT ${sliceRows})`).run(cutoff).changes;
      deleted += n;
      if (n < sliceRows) return deleted;
    }
  }

  clear(): number {
    this.stmt('DELETE FROM replay_problems').run();
    return this.stmt('DELETE FROM proxy_recordings').run().changes;
  }

  count(): number {
    return this.stmt('SELECT count(*) FROM proxy_recordings').pluck().get() as number;
  }
}

function problemOf(r: ProblemRow): StoredReplayProblem {
  return { origin: r.origin, sessionId: r.session_id, kind: r.kind, call: r.call_index, message: r.message, createdMs: r.created_ms };
}

function fromRow(r: Row): StoredRecording {
  return {
    id: r.id,
    startedMs: r.started_ms,
    firstByteMs: r.first_byte_ms,
    endedMs: r.ended_ms,
    provider: r.provider,
    method: r.method,
    path: r.path,
    upstream: r.upstream,
    model: r.model,
    traceId: r.trace_id,
    parentSpanId: r.parent_span_id,
    status: r.status,
    error: r.error,
    streamed: r.streamed === 1,
    request: { headers: JSON.parse(r.request_headers) as Record<string, string>, body: r.request_body, bytes: r.request_bytes, truncated: r.request_truncated === 1 },
    response: { headers: JSON.parse(r.response_headers) as Record<string, string>, body: r.response_body, bytes: r.response_bytes, truncated: r.response_truncated === 1 },
  };
}
