// Store-only A/B of two builds' TraceStore (issue 8's ingest, issue 11's chunk marks): the same
// traces written through `TraceStore.writeBatch` into a fresh durable file, each trace in two
// exports (its first `--spans` spans, then, two exports later, as many more), GenAI attributes,
// exports of 64 traces' halves (256 spans with the default 4). Each round runs every build once, interleaved, in
// its own child process; the store's CPU time (process.cpuUsage around the writes only, spans
// canonicalized before) and wall time are reported as medians, with the load average.
//   npx tsx bench/storeAB.ts --base /tmp/base/src [--side NAME=DIR]… [--traces 10000] [--spans 4] [--rounds 5]
// `--base` is another checkout's src/ (with node_modules reachable from it); this checkout's
// src/ is the other side.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RawSpan } from '../src/core/model';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    side: { type: 'string', multiple: true }, // more builds: NAME=DIR (a src/ dir)
    traces: { type: 'string', default: '10000' },
    spans: { type: 'string', default: '4' }, // spans of a trace in each of its two exports
    rounds: { type: 'string', default: '5' },
    child: { type: 'string' }, // internal: the src/ dir to measure
  },
});
const TRACES = Number(values.traces);
const HALF = Number(values.spans);
const BASE_NS = 1_764_000_000_000_000_000n;

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

function span(t: number, k: number): RawSpan {
  const traceId = hex(t * 2654435761 + 1, 32).slice(-32);
  const start = BASE_NS + BigInt(t) * 10_000_000_000n + BigInt(k) * 1_000_000n;
  const attributes: Record<string, unknown> =
    k === 0
      ? { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': t % 2 ? 'planner' : 'support', route: `r${t % 5}` }
      : k % 3 === 2
        ? { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': k % 2 ? 'search' : 'lookup', 'gen_ai.tool.call.arguments': '{"q":"umbrella paris"}'.repeat(8) }
        : {
            'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 900 + t % 50, 'gen_ai.usage.output_tokens': 40,
            'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: `Question ${t}: weather in Paris? `.repeat(12) }] }]),
          };
  return {
    traceId, spanId: hex(t * 8 + k + 1, 16), parentSpanId: k === 0 ? null : hex(t * 8 + 1, 16), name: `step ${k}`, kind: 'internal',
    startUnixNanos: start.toString(), endUnixNanos: (start + 900_000n).toString(), status: { code: 'unset', message: '' },
    attributes, events: [], links: [], resource: { 'service.name': 'shop-agent', 'agent_trace.batch': 'b1' }, scope: { name: 'bench', version: '1' },
  } as RawSpan;
}

/** Traces in groups of 64: each group's first halves in one export, then (two exports later) its second halves. */
function exportsOf(traces: number): RawSpan[][] {
  const groups = Math.ceil(traces / 64);
  const out: RawSpan[][] = [];
  const half = (g: number, from: number) => {
    const spans: RawSpan[] = [];
    for (let t = g * 64; t < Math.min(traces, (g + 1) * 64); t++) for (let k = from; k < from + HALF; k++) spans.push(span(t, k));
    return spans;
  };
  for (let g = 0; g < groups + 2; g++) {
    if (g < groups) out.push(half(g, 0));
    if (g >= 2) out.push(half(g - 2, HALF));
  }
  return out;
}

async function child(src: string): Promise<void> {
  const { TraceStore } = (await import(join(src, 'store/traceStore.ts'))) as typeof import('../src/store/traceStore');
  const { canonicalize } = (await import(join(src, 'core/canonicalize.ts'))) as typeof import('../src/core/canonicalize');
  const batches = exportsOf(TRACES);
  const done = new Map<RawSpan, ReturnType<typeof canonicalize>>();
  for (const b of batches) for (const s of b) done.set(s, canonicalize(s));
  const dir = mkdtempSync(join(tmpdir(), 'storeab-'));
  try {
    const store = TraceStore.open(join(dir, 'traces.db'), { canonicalize: (s) => done.get(s) ?? canonicalize(s) });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const b of batches) store.writeBatch({ spans: b, logs: [] });
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    store.close();
    process.stdout.write(JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function main(): void {
  if (!values.base) throw new Error('--base DIR (another checkout\'s src/) is required');
  const sides = [
    { name: 'base', src: resolve(values.base) },
    { name: 'this', src: resolve(__dirname, '../src') },
    ...(values.side ?? []).map((s) => ({ name: s.slice(0, s.indexOf('=')), src: resolve(s.slice(s.indexOf('=') + 1)) })),
  ];
  const results = new Map<string, { wallMs: number; cpuMs: number }[]>(sides.map((s) => [s.name, []]));
  const loads: number[] = [];
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const side of [...sides.slice(r % sides.length), ...sides.slice(0, r % sides.length)]) {
      const out = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', side.src, '--traces', String(TRACES), '--spans', String(HALF)], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`${side.name}: ${out.stderr}`);
      const m = JSON.parse(out.stdout) as { wallMs: number; cpuMs: number };
      results.get(side.name)?.push(m);
      loads.push(loadavg()[0]);
      console.log(`round ${r + 1} ${side.name}: ${m.cpuMs.toFixed(0)} ms CPU, ${m.wallMs.toFixed(0)} ms wall`);
    }
  }
  for (const [name, ms] of results) {
    console.log(`${name}: median ${median(ms.map((m) => m.cpuMs)).toFixed(0)} ms CPU, ${median(ms.map((m) => m.wallMs)).toFixed(0)} ms wall (${TRACES} traces, two exports of ${HALF} spans each)`);
  }
  console.log(`load average 1 min: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
}

if (values.child) void child(values.child);
else main();
