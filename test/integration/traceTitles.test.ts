// Titles through a real SQLite store and the real canonicalizer: a generic "agent run" is
// listed by agent and first question, the name field stays as recorded, and the cache re-reads
// a trace only when it was written again.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { canonicalize } from '../../src/core/canonicalize';
import { TraceStore } from '../../src/store/traceStore';
import { TraceTitles } from '../../src/server/traceTitles';
import { traceDetail } from '../../src/server/queries';
import { rawSpan, tempDir } from './storeFixtures';

describe('trace titles (real store)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: TraceStore;
  beforeEach(() => {
    tmp = tempDir();
    store = TraceStore.open(join(tmp.dir, 'titles.db'), { canonicalize: (s) => canonicalize(s), log: () => undefined });
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });

  const run = (traceId: string, question: string) => [
    rawSpan({ traceId, spanId: `${traceId.slice(0, 14)}01`, name: 'agent run', startMs: 0, endMs: 100 }),
    rawSpan({
      traceId, spanId: `${traceId.slice(0, 14)}02`, parentSpanId: `${traceId.slice(0, 14)}01`, name: 'invoke_agent weather-assistant', startMs: 1, endMs: 90,
      attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather-assistant' },
    }),
    rawSpan({
      traceId, spanId: `${traceId.slice(0, 14)}03`, parentSpanId: `${traceId.slice(0, 14)}02`, name: 'chat gpt-4o-mini', startMs: 2, endMs: 50,
      attributes: {
        'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.input.messages': JSON.stringify([{ role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] }, { role: 'user', parts: [{ type: 'text', content: question }] }]),
      },
    }),
  ];

  it('lists two runs of the same agent apart, keeps `name`, and the panel gets the same title', () => {
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(32);
    store.writeBatch({ spans: [...run(a, 'Umbrella in Paris?'), ...run(b, 'Sunscreen in Lisbon?')], logs: [] });
    const titles = new TraceTitles(store);
    const listed = titles.withTitles(store.listTraces({}));
    const byId = Object.fromEntries(listed.map((t) => [t.traceId, t]));
    assert.equal(byId[a].name, 'agent run', '`list --json` keeps its name field');
    assert.equal(byId[a].title, 'weather-assistant: Umbrella in Paris?');
    assert.equal(byId[b].title, 'weather-assistant: Sunscreen in Lisbon?');
    assert.equal(traceDetail(store, a)?.title, 'weather-assistant: Umbrella in Paris?');
  });

  it('reads a trace again only when it was written again', () => {
    const a = 'c'.repeat(32);
    store.writeBatch({ spans: run(a, 'First?'), logs: [] });
    let reads = 0;
    const counting = { titleSpans: (id: string) => (reads++, store.titleSpans(id)) };
    const titles = new TraceTitles(counting);
    const [t] = store.listTraces({});
    titles.titleOf(t);
    titles.titleOf(t);
    assert.equal(reads, 1);
    titles.titleOf({ ...t, updatedAtMs: t.updatedAtMs + 1 });
    assert.equal(reads, 2);
    assert.equal(titles.titleOf({ ...t, name: 'chosen name' }), 'chosen name');
    assert.equal(reads, 2, 'a chosen name needs no read');
  });
});
