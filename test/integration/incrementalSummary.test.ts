// Trace summaries are extended with each export's new spans instead of re-reading the trace.
// Differential property: over random trees (roots, orphans, late parents, cycles, usage and cost
// on any level, overlapping LLM calls) cut into random exports in random order, the stored
// summary equals summarizeParts over all the spans, the definition a rebuild uses.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { join } from 'node:path';
import type { RawSpan } from '../../src/core/model';
import { summarizeParts, summaryPartOf } from '../../src/core/tree';
import { TraceStore } from '../../src/store/traceStore';
import { logRecord, rawSpan, standInCanonicalize, tempDir } from './storeFixtures';

interface SpanSpec {
  parent: number; // -1 root, -2 empty-string root, -3 a parent that never arrives, else an index (may loop)
  start: number; // -1: no start time
  length: number;
  kind: 0 | 1 | 2 | 3; // chat, tool, agent, other
  model: number;
  input: number | null;
  output: number | null;
  cost: number | null;
  error: boolean;
  service: number;
}

/** Usage and cost on about one span in four, as in real traces (model calls, a few wrappers). */
const rarely = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: a, weight: 1 });

const spanSpec = fc.record<SpanSpec>({
  parent: fc.integer({ min: -3, max: 24 }),
  start: fc.integer({ min: -1, max: 1_000 }),
  length: fc.integer({ min: 0, max: 30 }),
  kind: fc.constantFrom(0, 1, 2, 3),
  model: fc.integer({ min: 0, max: 2 }),
  input: rarely(fc.integer({ min: 0, max: 5000 })),
  output: rarely(fc.integer({ min: 0, max: 500 })),
  cost: rarely(fc.integer({ min: 0, max: 90_000 }).map((n) => n / 1e6)),
  error: fc.boolean(),
  service: fc.integer({ min: 0, max: 2 }),
});

function toRaw(specs: SpanSpec[], traceId: string): RawSpan[] {
  return specs.map((x, i) => {
    const parentSpanId = x.parent === -1 ? null : x.parent === -2 ? '' : x.parent === -3 ? `missing${i % 3}` : `s${x.parent % specs.length}`;
    const chat = x.kind === 0;
    const span = rawSpan({
      traceId,
      spanId: `s${i}`,
      parentSpanId: parentSpanId === `s${i}` ? null : parentSpanId,
      name: `step ${i}`,
      startMs: x.start < 0 ? 0 : x.start,
      endMs: (x.start < 0 ? 0 : x.start) + x.length,
      status: { code: x.error ? 'error' : 'unset', message: '' },
      resource: { 'service.name': `svc${x.service}` },
      attributes: {
        'gen_ai.operation.name': ['chat', 'execute_tool', 'invoke_agent', 'other'][x.kind],
        ...(chat ? { 'gen_ai.request.model': ['gpt-4o', 'claude-3', 'mini'][x.model] } : {}),
        ...(x.input !== null ? { 'gen_ai.usage.input_tokens': x.input } : {}),
        ...(x.output !== null ? { 'gen_ai.usage.output_tokens': x.output } : {}),
        ...(x.cost !== null ? { 'test.cost_usd': x.cost } : {}),
      },
    });
    return x.start < 0 ? { ...span, startUnixNanos: '0' } : span;
  });
}

describe('Incremental trace summaries (real SQLite file)', function () {
  this.timeout(300_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('equal a rebuild from all spans, over random trees cut into random exports', () => {
    const store = TraceStore.open(join(tmp.dir, 'traces.db'), { canonicalize: standInCanonicalize });
    let run = 0;
    try {
      fc.assert(
        fc.property(
          fc.array(spanSpec, { minLength: 1, maxLength: 25 }),
          fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 25, maxLength: 25 }),
          fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 25 }),
          fc.array(fc.nat(), { maxLength: 4 }),
          fc.option(fc.record({ at: fc.nat(), input: fc.integer({ min: 0, max: 99 }) })),
          (specs, order, cuts, resend, changed) => {
            const traceId = `trace${run++}`;
            const spans = toRaw(specs, traceId);
            const shuffled = spans.map((s, i) => ({ s, k: order[i] })).sort((a, b) => a.k - b.k).map((x) => x.s);
            let at = 0;
            for (const cut of cuts) {
              if (at >= shuffled.length) break;
              store.writeBatch({ spans: shuffled.slice(at, at + cut), logs: [] });
              at += cut;
            }
            if (at < shuffled.length) store.writeBatch({ spans: shuffled.slice(at), logs: [] });
            // Some spans sent again unchanged (a retried export), and a log record attached late.
            if (resend.length > 0) {
              store.writeBatch({
                spans: resend.map((i) => spans[i % spans.length]),
                logs: [logRecord({ traceId, spanId: spans[resend[0] % spans.length].spanId })],
              });
            }
            // One span sent again with new usage: the summary must follow.
            if (changed) {
              const i = changed.at % spans.length;
              spans[i] = { ...spans[i], attributes: { ...spans[i].attributes, 'gen_ai.usage.input_tokens': changed.input } };
              store.writeBatch({ spans: [spans[i]], logs: [] });
            }
            const stored = store.getTrace(traceId)!;
            const parts = spans.map((s) => summaryPartOf(standInCanonicalize(s))).sort((a, b) => (a.spanId < b.spanId ? -1 : 1));
            const expected = { ...summarizeParts(parts), updatedAtMs: 0 };
            assert.deepEqual({ ...stored.summary, updatedAtMs: 0 }, expected);
          },
        ),
        { numRuns: 400 },
      );
      // The property is about the extended path: a good share of later exports must have taken it
      // (random trees overlap and loop far more than real ones; about half rebuild here).
      const { extended, rebuilt } = store.summaryWrites;
      assert.ok(extended * 3 > rebuilt && extended > 100, `extended ${extended}, rebuilt ${rebuilt}`);
    } finally {
      store.close();
    }
  });

  it('an export to a large trace reads only its own spans: the summary is extended, never rebuilt', () => {
    const store = TraceStore.open(join(tmp.dir, 'traces.db'), { canonicalize: standInCanonicalize });
    try {
      // A live agent: children end (and are exported) before their parents; the root comes last.
      for (let step = 0; step < 50; step++) {
        const calls = Array.from({ length: 40 }, (_, i) =>
          rawSpan({
            traceId: 'live',
            spanId: `c${step}-${i}`,
            parentSpanId: `step${step}`,
            startMs: step * 1000 + i * 10,
            endMs: step * 1000 + i * 10 + 5,
            attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 10, 'test.priced': true },
          }),
        );
        const parent = rawSpan({ traceId: 'live', spanId: `step${step}`, parentSpanId: 'root', startMs: step * 1000, endMs: step * 1000 + 900, attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
        store.writeBatch({ spans: calls, logs: [] });
        store.writeBatch({ spans: [parent], logs: [] });
      }
      store.writeBatch({ spans: [rawSpan({ traceId: 'live', spanId: 'root', startMs: 0, endMs: 50_000 })], logs: [] });
      assert.deepEqual(store.summaryWrites, { created: 1, extended: 100, rebuilt: 0 });
      const s = store.getTrace('live')!.summary;
      assert.deepEqual(
        { spans: s.spanCount, llm: s.llmCalls, input: s.usage.inputTokens, cost: s.costUsd, orphans: s.orphanCount, name: s.name },
        { spans: 2051, llm: 2000, input: 20_000, cost: 0.02, orphans: 0, name: 'span root' },
      );
      // A span sent again (replaced) is the one case that rebuilds, and agrees.
      store.writeBatch({ spans: [rawSpan({ traceId: 'live', spanId: 'root', startMs: 0, endMs: 60_000 })], logs: [] });
      assert.equal(store.summaryWrites.rebuilt, 1);
      assert.equal(store.getTrace('live')!.summary.durationMs, 60_000);
      // Sent again unchanged, or a log record attached late: the summary fields are the same, so no rebuild.
      store.writeBatch({ spans: [rawSpan({ traceId: 'live', spanId: 'root', startMs: 0, endMs: 60_000 })], logs: [logRecord({ traceId: 'live', spanId: 'c3-3' })] });
      assert.equal(store.summaryWrites.rebuilt, 1);
      assert.equal(store.getTrace('live')!.spans.find((x) => x.spanId === 'c3-3')!.events.length, 1);
    } finally {
      store.close();
    }
  });
});
