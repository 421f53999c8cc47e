// Store benchmark: TraceStore.writeBatch throughput on realistic GenAI spans (~1.5 KB of
// attributes each, 8 spans per trace, exports of 512 spans, a durable file in WAL mode), and
// getTrace latency on one 10,000-span trace. Medians over several runs.
// Wall time and CPU time are both reported: on a shared machine, CPU time is the steadier
// measure of what one core can do.
//   write: spans/s through writeBatch, with the real canonicalize, and with canonicalize
//          taken out (pre-computed) to show the store's own share
//          (and the search index, which is written behind ingest, in spans per CPU-second)
//   read:  ms to getTrace a 10,000-span trace, and to build its TraceDetailDto; ms to read its tree
//          from columns only (getTraceTree, what the panel needs first) and one step's details (getSpan)
// Usage: npx tsx bench/store.ts [--spans 100000] [--runs 5]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { canonicalize } from '../src/core/canonicalize';
import type { CanonicalSpan, RawSpan } from '../src/core/model';
import { traceToDetailDto } from '../src/server/toDto';
import { TraceStore } from '../src/store/traceStore';

const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '5' },
    batch: { type: 'string', default: '512' },
  },
});
const SPANS = Number(values.spans);
const RUNS = Number(values.runs);
const BATCH = Number(values.batch);
const SPANS_PER_TRACE = 8;
const BASE = 1_764_000_000_000_000_000n;

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** Ids look like real ones (random hex), but are the same on every run: a hash of the seed. */
function randomHex(seed: number, length: number): string {
  let out = '';
  let x = (seed * 2654435761) >>> 0 || 1;
  while (out.length < length) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out += x.toString(16).padStart(8, '0');
  }
  return out.slice(0, length);
}

/** The shape OTel GenAI instrumentations emit: agent root, chat calls and tool calls. */
function genaiSpan(traceIdx: number, spanIdx: number, runSalt: number): RawSpan {
  const traceId = randomHex(traceIdx * 7919 + runSalt * 104729, 32);
  const isTool = spanIdx % 3 === 2;
  const start = BASE + BigInt(traceIdx) * 10_000_000_000n + BigInt(spanIdx) * 1_000_000n;
  const input = JSON.stringify([
    { role: 'system', parts: [{ type: 'text', content: 'You are a careful assistant that plans, calls tools and answers concisely. '.repeat(3) }] },
    { role: 'user', parts: [{ type: 'text', content: `Question ${traceIdx}: what is the weather in Paris and should I take an umbrella to the meeting at 3pm? `.repeat(3) }] },
  ]);
  const output = JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'It is 18°C with light rain expected after 2pm; take an umbrella. '.repeat(2) }], finish_reason: 'stop' }]);
  const common = { 'code.file.path': '/work/agent/planner.py', 'code.line.number': 40 + (spanIdx % 5), 'code.function.name': 'plan' };
  const attributes =
    spanIdx === 0
      ? { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner', 'gen_ai.conversation.id': `conv-${traceIdx}`, ...common }
      : isTool
        ? {
            'gen_ai.operation.name': 'execute_tool',
            'gen_ai.tool.name': 'get_weather',
            'gen_ai.tool.call.id': `call_${traceIdx}_${spanIdx}`,
            'gen_ai.tool.call.arguments': JSON.stringify({ city: 'Paris', unit: 'celsius', when: '2026-11-27T15:00:00Z' }),
            'gen_ai.tool.call.result': JSON.stringify({ temperature: 18, conditions: 'light rain', precipitation_mm: 2.5, wind_kmh: 14 }).repeat(6),
            ...common,
          }
        : {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.response.model': 'gpt-4o-2024-08-06',
            'gen_ai.response.id': `chatcmpl-${traceIdx}-${spanIdx}`,
            'gen_ai.usage.input_tokens': 412,
            'gen_ai.usage.output_tokens': 57,
            'gen_ai.request.temperature': 0.2,
            'gen_ai.response.finish_reasons': ['stop'],
            'gen_ai.input.messages': input,
            'gen_ai.output.messages': output,
            ...common,
          };
  return {
    traceId,
    spanId: randomHex(traceIdx * 16 + spanIdx + 1 + runSalt * 7, 16),
    parentSpanId: spanIdx === 0 ? null : randomHex(traceIdx * 16 + 1 + runSalt * 7, 16),
    name: spanIdx === 0 ? 'invoke_agent planner' : isTool ? 'execute_tool get_weather' : 'chat gpt-4o',
    kind: spanIdx === 0 ? 'internal' : 'client',
    startUnixNanos: start.toString(),
    endUnixNanos: (start + 800_000_000n).toString(),
    status: { code: 'unset', message: '' },
    attributes,
    events: [],
    links: [],
    resource: { 'service.name': 'weather-agent', 'telemetry.sdk.language': 'python', 'process.pid': 4242 },
    scope: { name: 'opentelemetry.instrumentation.openai', version: '0.40.0' },
  };
}

function makeBatches(total: number, salt: number): RawSpan[][] {
  const spans: RawSpan[] = [];
  for (let i = 0; i < total; i++) spans.push(genaiSpan(Math.floor(i / SPANS_PER_TRACE), i % SPANS_PER_TRACE, salt));
  const batches: RawSpan[][] = [];
  for (let i = 0; i < spans.length; i += BATCH) batches.push(spans.slice(i, i + BATCH));
  return batches;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = mkdtempSync(join(tmpdir(), 'agent-trace-bench-'));

function writeRun(
  run: number,
  precomputed: boolean,
): { spansPerSec: number; spansPerCpuSec: number; mb: number; indexPerCpuSec: number; prepareUs: number; writeUs: number } {
  const path = join(dir, `write-${run}-${precomputed ? 'pre' : 'real'}.db`);
  const batches = makeBatches(SPANS, run);
  let canon: (s: RawSpan) => CanonicalSpan = (s) => canonicalize(s);
  if (precomputed) {
    const done = new Map<RawSpan, CanonicalSpan>();
    for (const b of batches) for (const s of b) done.set(s, canonicalize(s));
    canon = (s) => done.get(s) ?? canonicalize(s);
  }
  const store = TraceStore.open(path, { canonicalize: canon });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  // The two halves the trace server runs on two threads: prepareSpans (main thread) and writePrepared (store worker).
  let prepareMicros = 0;
  for (const spans of batches) {
    const p0 = process.cpuUsage();
    const prepared = store.prepareSpans(spans);
    const p1 = process.cpuUsage(p0);
    prepareMicros += p1.user + p1.system;
    store.writePrepared({ spans: prepared, logs: [] });
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  const counts = store.counts();
  if (counts.spans !== SPANS) throw new Error(`stored ${counts.spans} of ${SPANS}`);
  // The search index is written behind ingest (the server does it when ingest is idle): its rate.
  const i0 = process.cpuUsage();
  let indexed = 0;
  for (let n = -1; n !== 0; indexed += n = store.indexPending(500));
  const icpu = process.cpuUsage(i0);
  if (indexed !== SPANS) throw new Error(`indexed ${indexed} of ${SPANS}`);
  store.close();
  return {
    spansPerSec: SPANS / secs, spansPerCpuSec: SPANS / cpuSecs, mb: statSync(path).size / 1048576,
    indexPerCpuSec: SPANS / ((icpu.user + icpu.system) / 1e6),
    prepareUs: prepareMicros / SPANS, writeUs: (cpu.user + cpu.system - prepareMicros) / SPANS,
  };
}

function readBench(): { getTraceMs: number; getTraceCpuMs: number; detailMs: number; loadedSpans: number; treeMs: number; treeCpuMs: number; stepMs: number } {
  const path = join(dir, 'read.db');
  const store = TraceStore.open(path, { canonicalize: (s) => canonicalize(s) });
  // One trace of 10,000 spans: an agent root with 9,999 model and tool calls under it.
  const spans = Array.from({ length: 10_000 }, (_, i) => {
    const s = genaiSpan(1, (i % 7) + 1, 999);
    return { ...s, spanId: hex(i + 1, 16), parentSpanId: i === 0 ? null : hex(1, 16) };
  });
  for (let i = 0; i < spans.length; i += BATCH) store.writeBatch({ spans: spans.slice(i, i + BATCH), logs: [] });
  const traceId = spans[0].traceId;
  const get: number[] = [];
  const getCpu: number[] = [];
  const detail: number[] = [];
  const tree: number[] = [];
  const treeCpu: number[] = [];
  const step: number[] = [];
  let loaded = 0;
  for (let i = 0; i < 11; i++) {
    // What the panel reads first (the tree, from columns), then one step's details on selection.
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const t = store.getTraceTree(traceId)!;
    tree.push(performance.now() - t0);
    const c1 = process.cpuUsage(c0);
    treeCpu.push((c1.user + c1.system) / 1000);
    if (t.steps.length !== spans.length) throw new Error(`tree has ${t.steps.length} of ${spans.length} steps`);
    const s0 = performance.now();
    if (!store.getSpan(traceId, t.steps[(i * 997) % t.steps.length].spanId)) throw new Error('step not found');
    step.push(performance.now() - s0);
  }
  for (let i = 0; i < 11; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const t = store.getTrace(traceId)!;
    const c1 = process.cpuUsage(c0);
    const t1 = performance.now();
    getCpu.push((c1.user + c1.system) / 1000);
    traceToDetailDto(t.summary, t.spans);
    const t2 = performance.now();
    get.push(t1 - t0);
    detail.push(t2 - t1);
    loaded = t.spans.length;
  }
  store.close();
  return {
    getTraceMs: median(get), getTraceCpuMs: median(getCpu), detailMs: median(detail), loadedSpans: loaded,
    treeMs: median(tree), treeCpuMs: median(treeCpu), stepMs: median(step),
  };
}

try {
  console.log(`node ${process.version}, ${SPANS} spans/run, batches of ${BATCH}, ${SPANS_PER_TRACE} spans/trace, ${RUNS} runs`);
  for (const precomputed of [false, true]) {
    const rates: number[] = [];
    const cpuRates: number[] = [];
    const indexRates: number[] = [];
    const prepareUs: number[] = [];
    const writeUs: number[] = [];
    let mb = 0;
    for (let r = 0; r < RUNS; r++) {
      const res = writeRun(r, precomputed);
      rates.push(res.spansPerSec);
      cpuRates.push(res.spansPerCpuSec);
      indexRates.push(res.indexPerCpuSec);
      prepareUs.push(res.prepareUs);
      writeUs.push(res.writeUs);
      mb = res.mb;
    }
    const label = precomputed ? 'writeBatch, store only (canonicalize precomputed)' : 'writeBatch with real canonicalize';
    console.log(
      `${label}: median ${Math.round(median(rates))} spans/s wall (runs: ${rates.map((x) => Math.round(x)).join(', ')}), ` +
        `${Math.round(median(cpuRates))} spans per CPU-second; then search indexing ${Math.round(median(indexRates))} spans per CPU-second; ` +
        `file ${mb.toFixed(1)} MB; CPU per span: prepareSpans ${median(prepareUs).toFixed(1)} µs (main thread), writePrepared ${median(writeUs).toFixed(1)} µs (store worker)`,
    );
  }
  const r = readBench();
  console.log(
    `getTrace(${r.loadedSpans} spans): median ${r.getTraceMs.toFixed(1)} ms wall, ${r.getTraceCpuMs.toFixed(1)} ms CPU; ` +
      `traceToDetailDto: median ${r.detailMs.toFixed(1)} ms`,
  );
  console.log(
    `getTraceTree(${r.loadedSpans} spans, columns only): median ${r.treeMs.toFixed(1)} ms wall, ${r.treeCpuMs.toFixed(1)} ms CPU; ` +
      `getSpan (one step's details): median ${r.stepMs.toFixed(2)} ms`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
