import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describeRetention } from '../../src/server/traceServer';
import { TraceStore } from '../../src/store/traceStore';
import { logRecord, rawSpan, standInCanonicalize, tempDir } from './storeFixtures';

const REPO = process.cwd();

describe('TraceStore (real SQLite files)', function () {
  let tmp: ReturnType<typeof tempDir>;
  let store: TraceStore | null = null;
  const messages: string[] = [];
  const open = (name = 'traces.db', extra: { now?: () => number } = {}) =>
    (store = TraceStore.open(join(tmp.dir, name), { canonicalize: standInCanonicalize, log: (m) => messages.push(m), ...extra }));

  beforeEach(() => {
    tmp = tempDir();
    messages.length = 0;
  });
  afterEach(() => {
    store?.close();
    store = null;
    tmp.cleanup();
  });

  const llm = (traceId: string, spanId: string, extra: Record<string, unknown> = {}) =>
    rawSpan({
      traceId,
      spanId,
      parentSpanId: 'root',
      name: 'chat gpt-4o',
      startMs: 1,
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10, ...(extra as object) },
    });

  it('stores a batch once: the same spans again replace, never duplicate', () => {
    const s = open();
    const batch = { spans: [rawSpan({ traceId: 't1', spanId: 'root', name: 'agent run' }), llm('t1', 's1', { 'test.prompt': 'tell me about zebras' })], logs: [] };
    assert.deepEqual(s.writeBatch(batch).traceIds, ['t1']);
    s.writeBatch(batch);
    assert.deepEqual(s.counts(), { spans: 2, traces: 1 });
    assert.equal(s.search('zebras', 10).length, 1);
    const [summary] = s.listTraces({});
    assert.equal(summary.spanCount, 2);
    assert.equal(summary.usage.inputTokens, 100);

    // A corrected copy of a span replaces the old one, in the rows and in search.
    s.writeBatch({ spans: [llm('t1', 's1', { 'test.prompt': 'tell me about giraffes' })], logs: [] });
    assert.deepEqual(s.counts(), { spans: 2, traces: 1 });
    assert.equal(s.search('zebras', 10).length, 0);
    assert.equal(s.search('giraffes', 10).length, 1);
  });

  it('keeps raw attributes, resource, events and links whole', () => {
    const s = open();
    const raw = rawSpan({
      traceId: 't1',
      spanId: 'a',
      attributes: { 'deep.value': { list: [1, 'two', { three: true }] }, 'big.int': '9007199254740993' },
      resource: { 'service.name': 'svc', 'host.name': 'box' },
      events: [{ name: 'exception', timeUnixNanos: '1764000000001000000', attributes: { 'exception.message': 'boom' } }],
      links: [{ traceId: 'other', spanId: 'x', attributes: { why: 'retry' } }],
    });
    s.writeBatch({ spans: [raw], logs: [] });
    const got = s.getTrace('t1')!.spans[0];
    assert.deepEqual(got.attributes, raw.attributes);
    assert.deepEqual(got.resource, raw.resource);
    assert.deepEqual(got.events, raw.events);
    assert.deepEqual(got.links, raw.links);
    assert.equal(got.service, 'svc');
  });

  it('gives back every raw field of a span from its compact document, and stores its resource once', () => {
    const s = open();
    const raws = [0, 1, 2].map((i) =>
      rawSpan({
        traceId: 't1', spanId: `s${i}`, parentSpanId: i ? 's0' : null, kind: 'client',
        status: i === 2 ? { code: 'error', message: 'it broke' } : { code: 'unset', message: '' },
        attributes: { 'gen_ai.operation.name': 'chat', n: i },
        warnings: i === 1 ? ['attributes cut'] : undefined, valueTypes: i === 1 ? { '["attributes","n"]': 'double' } : undefined,
      }),
    );
    for (const r of raws) for (const k of ['warnings', 'valueTypes'] as const) if (r[k] === undefined) delete r[k];
    s.writeBatch({ spans: raws, logs: [] });
    const byId = new Map(s.getTrace('t1')!.spans.map((x) => [x.spanId, x]));
    for (const r of raws) {
      const { service: _s, norm: _n, costUsd: _c, costSource: _cs, ...raw } = byId.get(r.spanId)!;
      assert.deepEqual(raw, r);
    }
    store!.close();
    store = null;
    const db = new Database(join(tmp.dir, 'traces.db'), { readonly: true });
    assert.equal(db.prepare('SELECT count(*) FROM span_resources').pluck().get(), 1);
    db.close();
  });

  it('reads spans stored before compact documents (a whole CanonicalSpan in doc) beside new ones', () => {
    const path = join(tmp.dir, 'v4.db');
    const s = open('v4.db');
    const old = llm('t1', 'old', { 'test.prompt': 'an okapi from before' });
    s.writeBatch({ spans: [rawSpan({ traceId: 't1', spanId: 'root' }), old], logs: [] });
    s.close();
    store = null;
    // What a version-4 file holds: the canonical span as the doc, no resource table or column.
    const raw = new Database(path);
    const before = { ...standInCanonicalize(old), norm: { ...standInCanonicalize(old).norm, model: 'as stored before' } };
    raw.prepare('UPDATE spans SET doc = ? WHERE span_id = ?').run(JSON.stringify(before), 'old');
    raw.exec('UPDATE spans SET res_id = NULL WHERE span_id = \'old\'; PRAGMA user_version = 4;');
    raw.close();
    const again = open('v4.db');
    again.writeBatch({ spans: [llm('t1', 'new')], logs: [] });
    const spans = new Map(again.getTrace('t1')!.spans.map((x) => [x.spanId, x]));
    assert.equal(spans.get('old')!.norm.model, 'as stored before', 'an old row is read as it was stored');
    assert.equal(spans.get('new')!.norm.model, 'gpt-4o');
    assert.equal(again.getSpan('t1', 'old')!.attributes['test.prompt'], 'an okapi from before');
    assert.deepEqual(again.search('okapi', 10).map((h) => h.spanId), ['old']);
    // A log attached to an old row rewrites it in the compact form, keeping its content.
    again.writeBatch({ spans: [], logs: [logRecord({ traceId: 't1', spanId: 'old' })] });
    const rewritten = again.getSpan('t1', 'old')!;
    assert.equal(rewritten.attributes['test.prompt'], 'an okapi from before');
    assert.equal(rewritten.events.length, 1);
    assert.equal(rewritten.norm.model, 'gpt-4o');
  });

  it('reads a trace\'s tree from columns with the same names, kinds, times, status, tokens and cost as its full spans', () => {
    const s = open();
    const failed = rawSpan({ traceId: 't1', spanId: 'tool', parentSpanId: 'root', name: 'execute_tool search', startMs: 5, attributes: { 'gen_ai.operation.name': 'execute_tool' } });
    failed.status = { code: 'error', message: 'timed out' };
    s.writeBatch({ spans: [rawSpan({ traceId: 't1', spanId: 'root', name: 'agent run' }), llm('t1', 's1', { 'test.cost_usd': 0.25 }), failed], logs: [] });
    s.writeBatch({ spans: [], logs: [logRecord({ traceId: 't1', spanId: 's1', body: 'a log line' })] });
    const full = s.getTrace('t1')!;
    const tree = s.getTraceTree('t1')!;
    assert.deepEqual(tree.summary, full.summary);
    const bySpan = new Map(tree.steps.map((t) => [t.spanId, t]));
    assert.equal(bySpan.size, 3);
    for (const span of full.spans) {
      const step = bySpan.get(span.spanId)!;
      assert.deepEqual(
        [step.parentSpanId, step.name, step.kind, step.startUnixNanos, step.endUnixNanos, step.statusCode, step.service, step.model, step.usage, step.costUsd, step.costSource],
        [span.parentSpanId || null, span.name, span.norm.kind, span.startUnixNanos, span.endUnixNanos, span.status.code, span.service, span.norm.model, span.norm.usage, span.costUsd, span.costSource],
      );
    }
    assert.equal(bySpan.get('s1')!.usage.inputTokens, 100);
    assert.equal(bySpan.get('s1')!.costUsd, 0.25);
    assert.equal(bySpan.get('tool')!.statusCode, 'error');
    assert.equal(bySpan.get('s1')!.hasLogs, true);
    assert.equal(bySpan.get('root')!.hasLogs, false);
    // A step's details come on selection, one document.
    assert.equal(s.getSpan('t1', 'tool')!.status.message, 'timed out');
    assert.equal(s.getTraceTree('nope'), null);
  });

  it('attaches a log record that arrives before its span', () => {
    const s = open();
    s.writeBatch({ spans: [], logs: [logRecord({ traceId: 't1', spanId: 's1' })] });
    assert.deepEqual(s.counts(), { spans: 0, traces: 0 });
    s.writeBatch({ spans: [rawSpan({ traceId: 't1', spanId: 'root' }), llm('t1', 's1')], logs: [] });
    const span = s.getTrace('t1')!.spans.find((x) => x.spanId === 's1')!;
    assert.equal(span.events.length, 1);
    assert.equal(span.events[0].fromLog?.severityText, 'INFO');
    assert.deepEqual(span.norm.messages.map((m) => m.content), ['hello from a log'], 're-canonicalized with the log');
    // The span sent again keeps its log, once.
    s.writeBatch({ spans: [llm('t1', 's1')], logs: [] });
    assert.equal(s.getTrace('t1')!.spans.find((x) => x.spanId === 's1')!.events.length, 1);
  });

  it('attaches a log record that arrives after its span, once, and marks the trace changed', () => {
    let now = 1_000;
    const s = open('traces.db', { now: () => now });
    s.writeBatch({ spans: [rawSpan({ traceId: 't1', spanId: 'root' }), llm('t1', 's1')], logs: [] });
    now = 2_000;
    const log = logRecord({ traceId: 't1', spanId: 's1', body: { message: { content: 'the answer is 42' } } });
    assert.deepEqual(s.writeBatch({ spans: [], logs: [log] }).traceIds, ['t1']);
    s.writeBatch({ spans: [], logs: [log] });
    const span = s.getTrace('t1')!.spans.find((x) => x.spanId === 's1')!;
    assert.equal(span.events.length, 1);
    assert.deepEqual(span.norm.messages.map((m) => m.content), ['the answer is 42']);
    assert.equal(s.search('answer 42', 5)[0]?.spanId, 's1', 'log bodies are searchable');
    assert.deepEqual(s.changedTracesSince(1_500), ['t1']);
  });

  it('attaches logs and spans of the same export', () => {
    const s = open();
    s.writeBatch({ spans: [llm('t1', 's1')], logs: [logRecord({ traceId: 't1', spanId: 's1' }), logRecord({ traceId: 't1', spanId: 's1', timeUnixNanos: '1764000000009000000' })] });
    assert.equal(s.getTrace('t1')!.spans[0].events.length, 2);
  });

  it('searches span names, attribute values and event attributes, with snippets, safely', () => {
    const s = open();
    s.writeBatch({
      spans: [
        rawSpan({ traceId: 't1', spanId: 'root', name: 'plan holiday' }),
        llm('t1', 'l1', { 'test.prompt': 'Find a quiet hotel near the Matterhorn for three nights in January' }),
        rawSpan({ traceId: 't2', spanId: 'e1', name: 'fetch', events: [{ name: 'exception', timeUnixNanos: '0', attributes: { 'exception.message': 'ConnectionRefused: upstream gateway' } }] }),
      ],
      logs: [],
    });
    const hits = s.search('matterhorn', 10);
    assert.deepEqual(hits.map((h) => [h.traceId, h.spanId, h.traceName]), [['t1', 'l1', 'plan holiday']]);
    assert.match(hits[0].snippet, /Matterhorn/);
    assert.equal(s.search('holiday', 10)[0].spanId, 'root');
    assert.equal(s.search('upstream gate', 10)[0].spanId, 'e1', 'last word matches as a prefix');
    for (const weird of ['"', 'a"b OR', 'NEAR(', '*', '-', 'AND']) assert.doesNotThrow(() => s.search(weird, 10));
    assert.deepEqual(s.search('', 10), []);
    assert.deepEqual(s.listTraces({ text: 'matterhorn' }).map((t) => t.traceId), ['t1']);
    assert.ok(s.deleteTrace('t1'));
    assert.deepEqual(s.search('matterhorn', 10), []);
    assert.equal(s.deleteTrace('t1'), false);
  });

  it('indexes spans for search behind ingest, and search is complete whenever it is asked', () => {
    const s = open();
    s.writeBatch({ spans: [rawSpan({ traceId: 't1', spanId: 'a', name: 'walrus one' }), rawSpan({ traceId: 't1', spanId: 'b', name: 'walrus two' })], logs: [] });
    assert.equal(s.hasUnindexed(), true, 'ingest leaves the index to later');
    // A read-only reader (the CLI) finds spans the writer has not indexed yet, without writing.
    const ro = TraceStore.open(join(tmp.dir, 'traces.db'), { canonicalize: standInCanonicalize, readonly: true });
    try {
      assert.deepEqual(ro.search('walrus', 10).map((h) => h.spanId).sort(), ['a', 'b']);
      assert.deepEqual(ro.listTraces({ text: 'walrus' }).map((t) => t.traceId), ['t1']);
    } finally {
      ro.close();
    }
    assert.equal(s.hasUnindexed(), true);
    assert.equal(s.indexPending(1), 1);
    assert.equal(s.indexPending(10), 1);
    assert.equal(s.indexPending(10), 0);
    assert.equal(s.hasUnindexed(), false);
    // Indexed once: a search after background indexing finds each span once.
    s.writeBatch({ spans: [rawSpan({ traceId: 't2', spanId: 'c', name: 'walrus three' })], logs: [] });
    assert.deepEqual(s.search('walrus', 10).map((h) => h.spanId).sort(), ['a', 'b', 'c']);
    assert.equal(s.hasUnindexed(), false, 'search indexed what was waiting');
    // Replacing an indexed span re-indexes it at once; replacing a waiting one indexes the new text later.
    s.writeBatch({ spans: [rawSpan({ traceId: 't1', spanId: 'a', name: 'narwhal one' }), rawSpan({ traceId: 't3', spanId: 'd', name: 'walrus four' })], logs: [] });
    s.writeBatch({ spans: [rawSpan({ traceId: 't3', spanId: 'd', name: 'narwhal four' })], logs: [] });
    assert.deepEqual(s.search('narwhal', 10).map((h) => h.spanId).sort(), ['a', 'd']);
    assert.deepEqual(s.search('walrus', 10).map((h) => h.spanId).sort(), ['b', 'c']);
  });

  it('ids freed by deleting the newest trace are indexed again when reused', () => {
    const s = open();
    s.writeBatch({ spans: [rawSpan({ traceId: 'old', spanId: 'r', name: 'alpha' }), rawSpan({ traceId: 'new', spanId: 'r', name: 'beta' })], logs: [] });
    s.indexPending(100);
    assert.ok(s.deleteTrace('new'));
    s.writeBatch({ spans: [rawSpan({ traceId: 'newer', spanId: 'r', name: 'gamma' })], logs: [] });
    assert.equal(s.hasUnindexed(), true);
    assert.deepEqual(s.search('gamma', 10).map((h) => h.traceId), ['newer']);
    assert.deepEqual(s.search('beta', 10), []);
    s.clear();
    s.writeBatch({ spans: [rawSpan({ traceId: 'fresh', spanId: 'r', name: 'delta' })], logs: [] });
    assert.deepEqual(s.search('delta', 10).map((h) => h.traceId), ['fresh']);
  });

  it('migrates a version-1 file (indexed at ingest) without indexing its spans twice', () => {
    const path = join(tmp.dir, 'v1.db');
    const s = open('v1.db');
    s.writeBatch({ spans: [rawSpan({ traceId: 't1', spanId: 'r', name: 'okapi' })], logs: [] });
    assert.equal(s.search('okapi', 10).length, 1);
    s.close();
    store = null;
    const raw = new Database(path);
    raw.exec('DROP TABLE search_state; DROP TABLE span_orphans; ALTER TABLE traces DROP COLUMN incr; PRAGMA user_version = 1;');
    raw.close();
    const again = open('v1.db');
    assert.equal(again.hasUnindexed(), false);
    assert.equal(again.search('okapi', 10).length, 1);
    again.writeBatch({ spans: [rawSpan({ traceId: 't2', spanId: 'r', name: 'okapi again' })], logs: [] });
    assert.equal(again.search('okapi', 10).length, 2);
  });

  it('migrates a version-2 file: its traces are rebuilt once on their next write, then extended', () => {
    const path = join(tmp.dir, 'v2.db');
    const s = open('v2.db');
    s.writeBatch({ spans: [llm('t1', 'a'), rawSpan({ traceId: 't1', spanId: 'kid', parentSpanId: 'late-parent' })], logs: [] });
    s.close();
    store = null;
    const raw = new Database(path);
    raw.exec('DROP TABLE span_orphans; ALTER TABLE traces DROP COLUMN incr; PRAGMA user_version = 2;');
    raw.close();
    const again = open('v2.db');
    again.writeBatch({ spans: [rawSpan({ traceId: 't1', spanId: 'root' }), rawSpan({ traceId: 't1', spanId: 'late-parent', parentSpanId: 'root' })], logs: [] });
    again.writeBatch({ spans: [llm('t1', 'b', { 'gen_ai.request.model': 'gpt-4o-mini' })], logs: [] });
    const t = again.getTrace('t1')!;
    assert.deepEqual(
      { n: t.summary.spanCount, o: t.summary.orphanCount, llm: t.summary.llmCalls, in: t.summary.usage.inputTokens, name: t.summary.name },
      { n: 5, o: 0, llm: 2, in: 200, name: 'span root' },
    );
  });

  it('lists traces newest first with filters', () => {
    let now = 10_000;
    const s = open('traces.db', { now: () => now });
    s.writeBatch({ spans: [rawSpan({ traceId: 'old', spanId: 'r', name: 'old run', startMs: 0 }), llm('old', 'l')], logs: [] });
    now = 20_000;
    s.writeBatch({
      spans: [
        rawSpan({ traceId: 'new', spanId: 'r', name: 'new run', startMs: 1000, endMs: 2000, status: { code: 'error', message: 'failed' }, resource: { 'service.name': 'billing' } }),
      ],
      logs: [],
    });
    assert.deepEqual(s.listTraces({}).map((t) => t.traceId), ['new', 'old']);
    assert.deepEqual(s.listTraces({ errorsOnly: true }).map((t) => t.traceId), ['new']);
    assert.deepEqual(s.listTraces({ service: 'billing' }).map((t) => t.traceId), ['new']);
    assert.deepEqual(s.listTraces({ model: 'gpt-4o' }).map((t) => t.traceId), ['old']);
    assert.deepEqual(s.listTraces({ limit: 1 }).map((t) => t.traceId), ['new']);
    assert.deepEqual(s.listTraces({ updatedAfterMs: 15_000 }).map((t) => t.traceId), ['new']);
    assert.deepEqual(s.listTraces({ text: 'old run' }).map((t) => t.traceId), ['old']);
    assert.deepEqual(s.listTraces({ text: '100%_' }), []);
    const old = s.listTraces({ model: 'gpt-4o' })[0];
    assert.equal(old.name, 'old run');
    assert.equal(old.llmCalls, 1);
    assert.deepEqual(old.models, ['gpt-4o']);
    assert.equal(old.costUsd, null);
  });

  it('answers source questions: stats per line, spans at a line, recorded files', () => {
    const s = open();
    const at = (spanId: string, line: number, startMs: number, extra: Record<string, unknown> = {}) =>
      llm('t1', spanId, { 'code.file.path': '/app/agent.py', 'code.line.number': line, 'code.function.name': 'plan', 'test.priced': true, ...extra });
    s.writeBatch({
      spans: [
        { ...at('a', 12, 0, { 'test.prompt': 'first', 'test.completion': 'one' }), startUnixNanos: '1764000000000000000' },
        { ...at('b', 12, 0, { 'test.prompt': 'second', 'test.completion': 'two' }), startUnixNanos: '1764000001000000000', endUnixNanos: '1764000001250000000' },
        at('c', 40, 0),
      ],
      logs: [],
    });
    const stats = s.sourceStats('/app/agent.py');
    assert.deepEqual(stats.map((x) => [x.line, x.runs]), [[12, 2], [40, 1]]);
    const l12 = stats[0];
    assert.equal(l12.lastSpanId, 'b');
    assert.equal(l12.lastDurationMs, 250);
    assert.equal(l12.lastInput, 'second');
    assert.equal(l12.lastOutput, 'two');
    assert.equal(l12.inputTokens, 200);
    assert.equal(l12.costUsd, 220 / 1e6);
    assert.equal(l12.function, 'plan');
    assert.deepEqual(s.spansAtLine('/app/agent.py', 12, 10).map((x) => x.spanId), ['b', 'a']);
    assert.equal(s.spansAtLine('/app/agent.py', 12, 10)[0].startTime, '2025-11-24T16:00:01.000Z');
    assert.deepEqual(s.sourceFiles(), ['/app/agent.py']);
    assert.deepEqual(s.sourceStats('/elsewhere.py'), []);
  });

  it('retention by age deletes traces received before the cutoff, and stale pending logs', async () => {
    const day = 86_400_000;
    let now = 100 * day;
    const s = open('traces.db', { now: () => now });
    s.writeBatch({ spans: [rawSpan({ traceId: 'a', spanId: 'r' })], logs: [logRecord({ traceId: 'x', spanId: 'never' })] });
    now += 5 * day;
    s.writeBatch({ spans: [rawSpan({ traceId: 'b', spanId: 'r' })], logs: [] });
    now += 1 * day;
    const r = await s.applyRetention({ maxDays: 3, maxMegabytes: 0 });
    assert.deepEqual([r.byAge, r.bySize], [{ traces: 1, logs: 1 }, { traces: 0, logs: 0 }]);
    assert.deepEqual(s.listTraces({}).map((t) => t.traceId), ['b']);
    // The stale log is gone: its span arriving now finds nothing to attach.
    s.writeBatch({ spans: [rawSpan({ traceId: 'x', spanId: 'never' })], logs: [] });
    assert.equal(s.getTrace('x')!.spans[0].events.length, 0);
    const none = await s.applyRetention({ maxDays: 0, maxMegabytes: 0 });
    assert.deepEqual([none.byAge, none.bySize, none.slices], [{ traces: 0, logs: 0 }, { traces: 0, logs: 0 }, 0]);
  });

  it('retention by size deletes the oldest traces first until under the limit', async () => {
    const s = open();
    const text = (i: number) => `trace ${i} ` + randomBytes(30_000).toString('base64');
    for (let i = 0; i < 10; i++) {
      s.writeBatch({ spans: [rawSpan({ traceId: `t${i}`, spanId: 'r', startMs: i * 1000, attributes: { payload: text(i) } })], logs: [] });
    }
    // Limit: the empty database's pages plus half of the data.
    const empty = TraceStore.open(join(tmp.dir, 'empty.db'), { canonicalize: standInCanonicalize });
    const baseline = empty.usedBytes();
    empty.close();
    const used = s.usedBytes();
    const limitMb = (baseline + (used - baseline) / 2) / (1024 * 1024);
    const deletedTraces = (await s.applyRetention({ maxDays: 0, maxMegabytes: limitMb })).bySize.traces;
    assert.ok(deletedTraces >= 4 && deletedTraces <= 7, `deleted ${deletedTraces}`);
    const left = s.listTraces({}).map((t) => t.traceId);
    const expected = Array.from({ length: 10 - deletedTraces }, (_, i) => `t${9 - i}`);
    assert.deepEqual(left, expected, 'the newest survive');
    assert.ok(s.usedBytes() <= limitMb * 1024 * 1024);
  });

  it('retention by size deletes log records waiting for a span that never arrives, oldest first, and names that reason', async () => {
    let now = Date.UTC(2025, 0, 1); // the logs arrive long before the traces start
    const s = open('traces.db', { now: () => now });
    const payload = () => randomBytes(30_000).toString('base64');
    for (let i = 0; i < 10; i++) {
      s.writeBatch({ spans: [], logs: [logRecord({ traceId: `lost${i}`, spanId: 'never', body: payload() })] });
      now += 1000;
    }
    for (let i = 0; i < 10; i++) {
      s.writeBatch({ spans: [rawSpan({ traceId: `t${i}`, spanId: 'r', startMs: i * 1000, attributes: { payload: payload() } })], logs: [] });
    }
    const empty = TraceStore.open(join(tmp.dir, 'empty.db'), { canonicalize: standInCanonicalize });
    const baseline = empty.usedBytes();
    empty.close();
    // Room for a little less than the ten traces: every waiting log goes, then the oldest trace or two.
    const limitMb = (baseline + (s.usedBytes() - baseline) * 0.45) / (1024 * 1024);
    const r = await s.applyRetention({ maxDays: 0, maxMegabytes: limitMb });
    assert.equal(r.bySize.logs, 10, 'the waiting logs are the oldest: they go first');
    assert.ok(r.bySize.traces >= 1 && r.bySize.traces <= 3, `deleted ${r.bySize.traces} traces`);
    assert.ok(s.usedBytes() <= limitMb * 1024 * 1024);
    assert.deepEqual(s.listTraces({}).map((t) => t.traceId), Array.from({ length: 10 - r.bySize.traces }, (_, i) => `t${9 - i}`));
    // A span arriving now finds no log to attach.
    s.writeBatch({ spans: [rawSpan({ traceId: 'lost9', spanId: 'never' })], logs: [] });
    assert.equal(s.getTrace('lost9')!.spans[0].events.length, 0);
    const lines = describeRetention(r, { maxDays: 0, maxMegabytes: limitMb });
    assert.equal(lines.length, 1);
    assert.match(lines[0], /trace\(s\) and 10 log record\(s\) waiting for a span that never arrived to keep the database under/);
    assert.doesNotMatch(lines[0], /old trace|older than/);
  });

  it('retention works in bounded slices and lets ingest in between', async () => {
    const day = 86_400_000;
    let now = 100 * day;
    const s = open('traces.db', { now: () => now });
    // One big trace (more spans than a slice) and many small ones, all old.
    s.writeBatch({ spans: Array.from({ length: 2_000 }, (_, i) => rawSpan({ traceId: 'big', spanId: `s${i}`, parentSpanId: i ? 's0' : null })), logs: [] });
    for (let t = 0; t < 40; t++) s.writeBatch({ spans: Array.from({ length: 50 }, (_, i) => rawSpan({ traceId: `old${t}`, spanId: `s${i}` })), logs: [] });
    now += 10 * day;
    const order: string[] = [];
    let slicesAtIngest = -1;
    const done = s.applyRetention({ maxDays: 3, maxMegabytes: 0 }, { onSlice: (n) => order.push(`slice ${n}`) }).then((r) => {
      order.push('retention done');
      return r;
    });
    // An export arriving while retention runs is written before retention finishes.
    await new Promise<void>((resolve) => setImmediate(resolve));
    s.writeBatch({ spans: [rawSpan({ traceId: 'fresh', spanId: 'r' })], logs: [] });
    slicesAtIngest = order.length;
    order.push('ingest');
    const r = await done;
    assert.equal(r.byAge.traces, 41);
    assert.ok(r.slices >= 4000 / 500, `${r.slices} slices`);
    assert.ok(slicesAtIngest >= 1 && order.indexOf('ingest') < order.indexOf('retention done'), order.join(', '));
    assert.ok(order.indexOf('ingest') < order.length - 2, 'retention went on after the export');
    assert.deepEqual(s.listTraces({}).map((t) => t.traceId), ['fresh']);
    assert.deepEqual(s.counts(), { spans: 1, traces: 1 });
  });

  it('clear() empties everything and reports how many traces it removed', () => {
    const s = open();
    s.writeBatch({ spans: [rawSpan({ traceId: 'a', spanId: 'r', name: 'findme' }), rawSpan({ traceId: 'b', spanId: 'r' })], logs: [] });
    assert.equal(s.clear(), 2);
    assert.deepEqual(s.counts(), { spans: 0, traces: 0 });
    assert.deepEqual(s.search('findme', 5), []);
  });

  it('moves a corrupt file aside with a message, keeps its bytes, and starts fresh', () => {
    const path = join(tmp.dir, 'traces.db');
    const garbage = randomBytes(8192);
    writeFileSync(path, garbage);
    writeFileSync(`${path}-wal`, 'stale wal');
    const s = open();
    const moved = readdirSync(tmp.dir).filter((f) => /^traces\.db\.corrupt-[^-].*[^l]$/.test(f) && !f.endsWith('-wal') && !f.endsWith('-shm'));
    assert.equal(moved.length, 1, readdirSync(tmp.dir).join(','));
    assert.deepEqual(readFileSync(join(tmp.dir, moved[0])), garbage);
    assert.equal(readFileSync(join(tmp.dir, `${moved[0]}-wal`), 'utf8'), 'stale wal');
    assert.equal(messages.length, 1);
    assert.ok(messages[0].includes(join(tmp.dir, moved[0])), messages[0]);
    s.writeBatch({ spans: [rawSpan({ traceId: 't', spanId: 'r' })], logs: [] });
    assert.deepEqual(s.counts(), { spans: 1, traces: 1 });
  });

  it('moves aside a SQLite file whose pages are damaged', () => {
    const path = join(tmp.dir, 'traces.db');
    const s = open();
    for (let i = 0; i < 20; i++) s.writeBatch({ spans: [rawSpan({ traceId: `t${i}`, spanId: 'r', attributes: { pad: 'x'.repeat(5000) } })], logs: [] });
    s.close();
    const bytes = readFileSync(path);
    const pageSize = bytes.readUInt16BE(16);
    // Scribble over every page after the first (the header stays valid).
    for (let off = pageSize; off < bytes.length; off += pageSize) randomBytes(64).copy(bytes, off);
    writeFileSync(path, bytes);
    open();
    assert.ok(readdirSync(tmp.dir).some((f) => f.startsWith('traces.db.corrupt-')));
    assert.match(messages.join('\n'), /could not be read/);
    assert.deepEqual(store!.counts(), { spans: 0, traces: 0 });
  });

  it('refuses a file from a newer schema with a message, and leaves it where it is', () => {
    const path = join(tmp.dir, 'traces.db');
    const db = new Database(path);
    db.exec('CREATE TABLE future (x); INSERT INTO future VALUES (1);');
    db.pragma('user_version = 999');
    // A newer window still has the file open and writing (WAL).
    db.pragma('journal_mode = WAL');
    db.exec('INSERT INTO future VALUES (2);');
    const before = readdirSync(tmp.dir).sort();
    assert.throws(() => open(), (err: Error) => {
      assert.equal(err.name, 'NewerDatabaseError');
      assert.match(err.message, /newer version of Agent Trace/);
      assert.ok(err.message.includes(path));
      return true;
    });
    assert.throws(() => TraceStore.open(path, { canonicalize: standInCanonicalize, readonly: true }), /newer version of Agent Trace/);
    assert.deepEqual(readdirSync(tmp.dir).sort(), before, 'nothing moved or created');
    db.exec('INSERT INTO future VALUES (3);');
    assert.equal(db.prepare('SELECT count(*) FROM future').pluck().get(), 3, 'the newer window keeps writing');
    db.close();
  });

  it('salvages the readable spans of a file whose index is damaged, and says how many', () => {
    const path = join(tmp.dir, 'traces.db');
    const s = open();
    for (let t = 0; t < 30; t++) {
      s.writeBatch({ spans: Array.from({ length: 10 }, (_, i) => rawSpan({ traceId: `t${t}`, spanId: `s${i}`, parentSpanId: i ? 's0' : null, attributes: { pad: `word${t} `.repeat(200) } })), logs: [] });
    }
    s.close();
    // Scribble over every page of the spans (trace_id, span_id) index; the table pages stay readable.
    const db = new Database(path, { readonly: true });
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pages = db.prepare("SELECT pageno FROM dbstat WHERE name = 'sqlite_autoindex_spans_1'").pluck().all() as number[];
    db.close();
    assert.ok(pages.length > 0);
    const bytes = readFileSync(path);
    for (const p of pages) randomBytes(pageSize - 100).copy(bytes, (p - 1) * pageSize + 50);
    writeFileSync(path, bytes);
    messages.length = 0;
    const fresh = open();
    assert.ok(readdirSync(tmp.dir).some((f) => f.startsWith('traces.db.corrupt-')), 'the damaged file is kept aside');
    assert.match(messages.join('\n'), /could not be read/);
    assert.match(messages.join('\n'), /Salvaged 300 span\(s\) in 30 trace\(s\)/);
    assert.deepEqual(fresh.counts(), { spans: 300, traces: 30 });
    assert.equal(fresh.getTrace('t7')!.summary.spanCount, 10);
    assert.equal(fresh.search('word7', 50).length, 10);
  });

  it('survives close and reopen with the same data', () => {
    const s = open();
    s.writeBatch({ spans: [rawSpan({ traceId: 't1', spanId: 'root' }), llm('t1', 's1'), llm('t2', 's2')], logs: [logRecord({ traceId: 't9', spanId: 'later' })] });
    const before = { counts: s.counts(), list: s.listTraces({}), trace: s.getTrace('t1') };
    s.close();
    const again = open();
    assert.deepEqual(again.counts(), before.counts);
    assert.deepEqual(again.listTraces({}), before.list);
    assert.deepEqual(again.getTrace('t1'), before.trace);
    again.writeBatch({ spans: [rawSpan({ traceId: 't9', spanId: 'later' })], logs: [] });
    assert.equal(again.getTrace('t9')!.spans[0].events.length, 1, 'pending logs survive a restart');
    assert.equal(messages.length, 0);
  });

  describe('across processes', () => {
    const children: ChildProcessWithoutNullStreams[] = [];
    afterEach(() => {
      for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    });

    /** A node child on the same file, driven by lines on stdin; each reply is one JSON line. */
    function child(script: string, env: Record<string, string>) {
      const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: REPO,
        env: { ...process.env, STORE: resolve(REPO, 'src/store/traceStore.ts'), FIXTURES: resolve(REPO, 'test/integration/storeFixtures.ts'), ...env },
      });
      children.push(p);
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += d));
      const lines = createInterface({ input: p.stdout })[Symbol.asyncIterator]();
      const next = async (): Promise<Record<string, unknown>> => {
        const r = await lines.next();
        if (r.done) throw new Error(`child ended: ${stderr}`);
        return JSON.parse(r.value);
      };
      return { p, next, send: (line: string) => p.stdin.write(`${line}\n`) };
    }

    it('a read-only reader process sees committed batches and a changed data version', async () => {
      const s = open();
      s.writeBatch({ spans: [rawSpan({ traceId: 't1', spanId: 'r' })], logs: [] });
      const reader = child(
        `
        const { TraceStore } = await import(process.env.STORE);
        const { standInCanonicalize } = await import(process.env.FIXTURES);
        const { createInterface } = await import('node:readline');
        const store = TraceStore.open(process.env.DB, { canonicalize: standInCanonicalize, readonly: true });
        const report = () => console.log(JSON.stringify({ counts: store.counts(), version: store.dataVersion(), t2: store.getTrace('t2')?.summary.name ?? null }));
        report();
        for await (const _ of createInterface({ input: process.stdin })) report();
        `,
        { DB: join(tmp.dir, 'traces.db') },
      );
      const first = await reader.next();
      assert.deepEqual(first.counts, { spans: 1, traces: 1 });
      assert.equal(first.t2, null);
      s.writeBatch({ spans: [rawSpan({ traceId: 't2', spanId: 'r', name: 'second run' }), llm('t2', 'l')], logs: [] });
      reader.send('again');
      const second = await reader.next();
      assert.deepEqual(second.counts, { spans: 3, traces: 2 });
      assert.equal(second.t2, 'second run');
      assert.notEqual(second.version, first.version);
      // A reader cannot write.
      const ro = TraceStore.open(join(tmp.dir, 'traces.db'), { canonicalize: standInCanonicalize, readonly: true });
      try {
        assert.throws(() => ro.writeBatch({ spans: [rawSpan({ traceId: 'x', spanId: 'r' })], logs: [] }), /readonly/i);
      } finally {
        ro.close();
      }
    });

    it('dataVersion changes when another process commits, not for our own commits', async () => {
      const s = open();
      const v0 = s.dataVersion();
      s.writeBatch({ spans: [rawSpan({ traceId: 'mine', spanId: 'r' })], logs: [] });
      assert.equal(s.dataVersion(), v0);
      const writer = child(
        `
        const { TraceStore } = await import(process.env.STORE);
        const { standInCanonicalize, rawSpan } = await import(process.env.FIXTURES);
        const store = TraceStore.open(process.env.DB, { canonicalize: standInCanonicalize });
        store.writeBatch({ spans: [rawSpan({ traceId: 'theirs', spanId: 'r' })], logs: [] });
        store.close();
        console.log(JSON.stringify({ done: true }));
        `,
        { DB: join(tmp.dir, 'traces.db') },
      );
      assert.deepEqual(await writer.next(), { done: true });
      assert.notEqual(s.dataVersion(), v0);
      assert.ok(s.changedTracesSince(0).includes('theirs'));
    });

    it('a batch acknowledged before the writer process is killed is still there', async () => {
      const path = join(tmp.dir, 'traces.db');
      const writer = child(
        `
        const { TraceStore } = await import(process.env.STORE);
        const { standInCanonicalize, rawSpan } = await import(process.env.FIXTURES);
        const store = TraceStore.open(process.env.DB, { canonicalize: standInCanonicalize });
        const spans = Array.from({ length: 500 }, (_, i) => rawSpan({ traceId: 't' + (i % 50), spanId: 's' + i }));
        store.writeBatch({ spans, logs: [] });
        console.log(JSON.stringify({ acknowledged: true }));
        setInterval(() => {}, 1000);
        `,
        { DB: path },
      );
      assert.deepEqual(await writer.next(), { acknowledged: true });
      writer.p.kill('SIGKILL');
      await new Promise((r) => writer.p.once('exit', r));
      assert.ok(existsSync(`${path}-wal`), 'the commit sits in the WAL, not yet checkpointed');
      assert.deepEqual(open().counts(), { spans: 500, traces: 50 });
      assert.equal(messages.length, 0);
    });
  });
});
