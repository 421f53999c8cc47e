// Fleet benchmark (issue 11): aggregates over 100,000 stored traces answer in < 300 ms.
// 100,000 synthetic runs (an agent span, a model call, 1–3 tool calls; 5 routes, 2 agents,
// 3 models, 4 tools; right-skewed latency and cost; 2 check results each) are written through
// the store (real canonicalize, real SQLite file, ingest's fleet hook), half tagged
// agent_trace.batch=before and half =after. Then, medians of --runs runs:
//   fleet(all):     agentTrace/fleet over a time range holding all 100,000 runs, grouped by route
//   fleet(batch):   agentTrace/fleet of one 50,000-run batch, grouped by route
//   compare:        agentTrace/compareBatches before against after (50,000 runs each), grouped by route
//   fleet(cold):    fleet(all) with no decoded chunk kept: every chunk blob read and decoded
//   fleet(fresh):   fleet(all) right after an export of 1,000 new runs (the newest chunks stale: rebuilt on read)
//   floor:          one plain SQL scan of the traces table reading the same columns (no grouping, no statistics)
// The fleet reads the columnar chunks of schema v11 (src/store/fleetChunks.ts); the first read
// after the 100,000 runs are written builds every chunk once (timed and printed, not in the medians).
// Usage: npx tsx bench/fleet.ts [--traces 100000] [--runs 5]
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { canonicalize } from '../src/core/canonicalize';
import type { RawSpan } from '../src/core/model';
import { FleetService } from '../src/server/fleetService';
import { TraceStore } from '../src/store/traceStore';

const { values } = parseArgs({ options: { traces: { type: 'string', default: '100000' }, runs: { type: 'string', default: '5' } } });
const TRACES = Number(values.traces);
const RUNS = Math.max(5, Number(values.runs));
const TARGET_MS = 300;
const BASE_MS = 1_764_000_000_000;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

const ROUTES = ['refunds', 'orders', 'shipping', 'billing', 'support'];
const AGENTS = ['planner', 'support-bot'];
const MODELS = ['gpt-4o-mini', 'gpt-4o', 'claude-3-5-haiku-20241022'];
const TOOLS = ['get_weather', 'search_docs', 'lookup_order', 'issue_refund'];

/** A deterministic source (xorshift32), so every run of the bench stores the same data. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function run(i: number, rnd: () => number): RawSpan[] {
  const traceId = hex(i + 1, 32);
  const startMs = BASE_MS + i * 50;
  // Log-normal-ish latency: most runs near a second, a long tail to a minute.
  const durationMs = Math.round(400 * Math.exp(rnd() * 2 + (rnd() < 0.01 ? 3 : 0)));
  const resource = { 'service.name': 'bench-agent', 'service.version': '1.0.0', 'agent_trace.batch': i % 2 ? 'after' : 'before' };
  const span = (n: number, parent: string | null, name: string, attributes: RawSpan['attributes'], error = false): RawSpan => ({
    traceId,
    spanId: hex(i * 8 + n, 16),
    parentSpanId: parent,
    name,
    kind: 'internal',
    startUnixNanos: String(BigInt(startMs + n) * 1_000_000n),
    endUnixNanos: String(BigInt(startMs + (n === 1 ? durationMs : n + 5)) * 1_000_000n),
    status: error ? { code: 'error', message: 'tool failed' } : { code: 'unset', message: '' },
    attributes,
    events: [],
    links: [],
    resource,
    scope: { name: 'bench', version: '1' },
  });
  const root = hex(i * 8 + 1, 16);
  const agent = AGENTS[Math.floor(rnd() * AGENTS.length)];
  const spans = [
    span(1, null, `invoke_agent ${agent}`, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': agent, route: ROUTES[Math.floor(rnd() * ROUTES.length)], 'session.id': `s-${i % 1000}` }),
    span(2, root, 'chat', {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': MODELS[Math.floor(rnd() * MODELS.length)],
      'gen_ai.usage.input_tokens': 200 + Math.round(rnd() * rnd() * 5000),
      'gen_ai.usage.output_tokens': 50 + Math.round(rnd() * 400),
    }),
  ];
  const tools = 1 + (i % 3);
  for (let k = 0; k < tools; k++) {
    spans.push(span(3 + k, root, 'execute_tool', { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': TOOLS[Math.floor(rnd() * TOOLS.length)] }, rnd() < 0.02));
  }
  return spans;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Wall and CPU milliseconds of one call (CPU: this process only, the steadier figure on a shared machine). */
function time(what: () => unknown): { wall: number; cpu: number } {
  const c = process.cpuUsage();
  const t = performance.now();
  what();
  const used = process.cpuUsage(c);
  return { wall: performance.now() - t, cpu: (used.user + used.system) / 1000 };
}

const dir = mkdtempSync(join(os.tmpdir(), 'agent-trace-bench-fleet-'));
try {
  const path = join(dir, 'traces.db');
  const writer = TraceStore.open(path, { canonicalize: (s) => canonicalize(s) });
  const rnd = random(42);
  const writeStart = performance.now();
  const writeRuns = (store: TraceStore, from: number, to: number) => {
    for (let i = from; i < to; i += 1000) {
      const spans: RawSpan[] = [];
      const checks: { traceId: string; results: { check: string; kind: string; outcome: 'pass' | 'fail' | 'error'; message: string; spanId: null }[] }[] = [];
      for (let j = i; j < Math.min(to, i + 1000); j++) {
        spans.push(...run(j, rnd));
        checks.push({
          traceId: hex(j + 1, 32),
          results: [
            { check: 'refund policy cited', kind: 'final_answer', outcome: rnd() < 0.9 ? 'pass' : 'fail', message: '', spanId: null },
            { check: 'no errors', kind: 'no_errors', outcome: 'pass', message: '', spanId: null },
          ],
        });
      }
      store.writeBatch({ spans, logs: [] });
      store.saveCheckResults(checks);
    }
  };
  writeRuns(writer, 0, TRACES);
  const writeMs = performance.now() - writeStart;
  writer.close();

  // Read as the server reads: a separate connection to the same file.
  const store = TraceStore.open(path, { canonicalize: (s) => canonicalize(s) });
  const fleet = new FleetService(() => store);
  const all = { kind: 'timeRange', fromMs: 0, toMs: Number.MAX_SAFE_INTEGER } as const;
  const before = { kind: 'attribute', key: 'agent_trace.batch', value: 'before' } as const;
  const after = { kind: 'attribute', key: 'agent_trace.batch', value: 'after' } as const;
  const scan = store['db' as keyof TraceStore] as unknown as import('better-sqlite3').Database;
  const floorSql = scan.prepare('SELECT trace_id, name, start_ms, duration_ms, input_tokens, output_tokens, cost_usd, llm_calls, tool_calls, error_count, services FROM traces').raw();

  const build = time(() => fleet.fleet({ batch: all, groupAttribute: 'route' }));
  const check = fleet.fleet({ batch: all, groupAttribute: 'route' });
  if (check.batch.runs !== TRACES) throw new Error(`fleet saw ${check.batch.runs} runs, expected ${TRACES}`);
  const compared = fleet.compare({ before, after, groupAttribute: 'route' });

  type Sample = { wall: number; cpu: number };
  const samples = { floor: [] as Sample[], fleetAll: [] as Sample[], fleetBatch: [] as Sample[], compare: [] as Sample[], cold: [] as Sample[], fresh: [] as Sample[] };
  let fresh = TRACES;
  for (let r = 0; r < RUNS; r++) {
    samples.floor.push(time(() => floorSql.all()));
    samples.fleetAll.push(time(() => fleet.fleet({ batch: all, groupAttribute: 'route' })));
    samples.fleetBatch.push(time(() => fleet.fleet({ batch: before, groupAttribute: 'route' })));
    samples.compare.push(time(() => fleet.compare({ before, after, groupAttribute: 'route' })));
    store.fleet().forgetChunks();
    samples.cold.push(time(() => fleet.fleet({ batch: all, groupAttribute: 'route' })));
  }
  // Then runs keep arriving: each timed read follows an export of 1,000 new runs (the store grows past 100,000).
  for (let r = 0; r < RUNS; r++) {
    writeRuns(store, fresh, fresh + 1000);
    fresh += 1000;
    samples.fresh.push(time(() => fleet.fleet({ batch: all, groupAttribute: 'route' })));
  }
  store.close();

  const floor = median(samples.floor.map((x) => x.wall));
  const floorCpu = median(samples.floor.map((x) => x.cpu));
  const line = (what: string, xs: Sample[]) => {
    const m = median(xs.map((x) => x.wall));
    const cpu = median(xs.map((x) => x.cpu));
    const verdict = m < TARGET_MS ? 'met' : 'NOT MET';
    console.log(
      `${what.padEnd(44)} median ${m.toFixed(1).padStart(7)} ms wall, ${cpu.toFixed(1).padStart(7)} ms CPU  ` +
        `(${(m / floor).toFixed(1)}× the floor, ${(cpu / floorCpu).toFixed(1)}× in CPU; target < ${TARGET_MS} ms: ${verdict})  runs: ${xs.map((x) => x.wall.toFixed(0)).join(', ')}`,
    );
  };
  console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`stored ${TRACES.toLocaleString('en')} traces (about ${(TRACES * 4).toLocaleString('en')} spans) in ${(writeMs / 1000).toFixed(1)} s; compare found ${compared.findings.length} findings, ${compared.findings.filter((f) => f.regression).length} regressions`);
  console.log(`first fleet read built every chunk: ${build.wall.toFixed(0)} ms wall, ${build.cpu.toFixed(0)} ms CPU (once per store; later writes mark only their chunks)`);
  console.log(`${'floor: SQL scan of traces, same columns'.padEnd(44)} median ${floor.toFixed(1).padStart(7)} ms wall, ${floorCpu.toFixed(1).padStart(7)} ms CPU  runs: ${samples.floor.map((x) => x.wall.toFixed(0)).join(', ')}`);
  line(`fleet, all ${TRACES.toLocaleString('en')} runs, by route`, samples.fleetAll);
  line(`fleet, one batch of ${(TRACES / 2).toLocaleString('en')}, by route`, samples.fleetBatch);
  line(`compare, ${(TRACES / 2).toLocaleString('en')} vs ${(TRACES / 2).toLocaleString('en')}, by route`, samples.compare);
  line(`fleet, all, every chunk read afresh`, samples.cold);
  line(`fleet, all (100,000+), after 1,000 new runs`, samples.fresh);
} finally {
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true }); else console.log(dir);
}
