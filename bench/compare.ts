// Compare benchmark: two 10,000-span runs of one agent (an agent loop of model calls and tool
// calls, the second run with inserted, removed and changed steps and a switched tool), built
// from OTel GenAI spans through the real canonicalize.
//   align: ms to compare the two loaded traces (assembly, alignment, summary, result DTO)
//          — target < 300 ms — and the same through the store (SQLite read of both traces
//          included), as `agent-trace diff` and the LSP request do it;
//   paint: ms from posting the 10,000-row compare to the first painted frame with rows in the
//          compare webview (Chromium, the test harness) — target < 500 ms.
// Medians over several runs. Usage: npx tsx bench/compare.ts [--spans 10000] [--runs 5]
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { canonicalize } from '../src/core/canonicalize';
import type { RawSpan } from '../src/core/model';
import { summarizeTrace, type assembleTrace } from '../src/core/tree';
import * as esbuild from 'esbuild';
import type * as CompareServiceModule from '../src/server/compareService';
import type { TraceData } from '../src/server/compareService';
import { TraceStore } from '../src/store/traceStore';
import { chromiumLaunchOptions, startHarness } from '../test/webview/server';

const { values } = parseArgs({ options: { spans: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' } } });
const SPANS = Number(values.spans);
const RUNS = Number(values.runs);
const BASE = 1_764_000_000_000_000_000n;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** One run: a root agent span and (SPANS−1)/2 turns of a model call followed by a tool call. */
function agentRun(traceNo: number, variant: 'a' | 'b'): RawSpan[] {
  const traceId = hex(0xabc000 + traceNo, 32);
  let spanNo = 0;
  const spans: RawSpan[] = [];
  const span = (name: string, parent: string | null, startMs: number, durMs: number, attributes: RawSpan['attributes']): string => {
    const spanId = hex(traceNo * 1_000_000 + ++spanNo, 16);
    spans.push({
      traceId,
      spanId,
      parentSpanId: parent,
      name,
      kind: 'internal',
      startUnixNanos: String(BASE + BigInt(Math.round(startMs * 1e6))),
      endUnixNanos: String(BASE + BigInt(Math.round((startMs + durMs) * 1e6))),
      status: { code: 'unset', message: '' },
      attributes,
      events: [],
      links: [],
      resource: { 'service.name': 'bench-agent' },
      scope: { name: 'bench', version: '1' },
    });
    return spanId;
  };
  const turns = Math.floor((SPANS - 1) / 2);
  const root = span('invoke_agent planner', null, 0, turns * 30 + 10, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner' });
  let t = 1;
  for (let i = 0; i < turns; i++) {
    // Run B: every 500th turn is missing its tool call, every 700th has an extra one, every
    // 300th model call got a different prompt, and every 1,000th turn switched tools.
    const prompt = variant === 'b' && i % 300 === 0 ? `Turn ${i}: look again, more carefully` : `Turn ${i}: what next?`;
    span('chat gpt-4o-mini', root, t, 20, {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 100 + i,
      'gen_ai.usage.output_tokens': 20,
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: prompt }] }]),
    });
    t += 20;
    const tool = variant === 'b' && i % 1000 === 0 ? 'search_docs' : 'get_weather';
    if (!(variant === 'b' && i % 500 === 250)) {
      span(`execute_tool ${tool}`, root, t, 8, {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': tool,
        'gen_ai.tool.call.arguments': JSON.stringify({ city: `city ${i % 50}`, day: i }),
        'gen_ai.tool.call.result': JSON.stringify({ temperatureC: i % 30 }),
      });
    }
    if (variant === 'b' && i % 700 === 350) span('execute_tool send_mail', root, t, 2, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'send_mail' });
    t += 10;
  }
  return spans;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function loaded(raw: RawSpan[]): TraceData {
  const spans = raw.map((s) => canonicalize(s));
  return { summary: summarizeTrace(spans), spans };
}

/**
 * The compare code as it ships: bundled by esbuild like dist/server.js (tsx, which runs this
 * file, wraps every function with a name-keeping helper that costs a third of the time here).
 */
async function shippedCompareService(dir: string): Promise<typeof CompareServiceModule & { assembleTrace: typeof assembleTrace }> {
  const outfile = join(dir, 'compareService.cjs');
  await esbuild.build({
    stdin: {
      contents: `export * from './src/server/compareService'; export { assembleTrace } from './src/core/tree';`,
      resolveDir: join(__dirname, '..'),
      loader: 'ts',
    },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['better-sqlite3'],
    logLevel: 'warning',
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(outfile) as typeof CompareServiceModule & { assembleTrace: typeof assembleTrace };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'agent-trace-bench-compare-'));
  try {
    await benchmark(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchmark(dir: string): Promise<void> {
  const { CompareService, compareTraceData, assembleTrace: assemble } = await shippedCompareService(dir);
  const rawA = agentRun(1, 'a');
  const rawB = agentRun(2, 'b');
  const a = loaded(rawA);
  const b = loaded(rawB);

  const align: number[] = [];
  const alignCpu: number[] = [];
  let rows = 0;
  let summary = '';
  for (let run = 0; run < RUNS + 1; run++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = compareTraceData(a, b);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (run > 0) {
      // the first run warms the JIT
      align.push(ms);
      alignCpu.push((cpu.user + cpu.system) / 1000);
    }
    rows = result.rows.length;
    summary = `${result.summary} (${result.counts.changed} changed, ${result.counts.added} added, ${result.counts.removed} removed)`;
  }
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
  console.log(`${rawA.length} + ${rawB.length} spans → ${rows} aligned rows; ${summary}`);
  // The floor: assembling both trees, which any view of the two runs needs before comparing anything.
  const floorCpu: number[] = [];
  for (let run = 0; run < RUNS + 1; run++) {
    const cpu0 = process.cpuUsage();
    assemble(a.spans);
    assemble(b.spans);
    const cpu = process.cpuUsage(cpu0);
    if (run > 0) floorCpu.push((cpu.user + cpu.system) / 1000);
  }
  console.log(
    `floor (assembling both trees): median ${median(floorCpu).toFixed(0)} ms CPU; the compare costs ${(median(alignCpu) / median(floorCpu)).toFixed(1)}× the floor`,
  );
  console.log(
    `align (assemble, align, summarize, DTO): median ${median(align).toFixed(0)} ms wall, ${median(alignCpu).toFixed(0)} ms CPU, of ${RUNS} (target < 300 ms); ` +
      `wall runs ${align.map((x) => x.toFixed(0)).join(', ')} (CPU time is the steadier measure on a shared machine)`,
  );

  {
    const store = TraceStore.open(join(dir, 'traces.db'), { canonicalize: (s) => canonicalize(s) });
    store.writeBatch({ spans: rawA, logs: [] });
    store.writeBatch({ spans: rawB, logs: [] });
    const throughStore: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const service = new CompareService(store); // no cache carried over between runs
      const t0 = performance.now();
      const response = service.compare(rawA[0].traceId, rawB[0].traceId);
      throughStore.push(performance.now() - t0);
      if (!response.ok) throw new Error(response.message);
    }
    store.close();
    console.log(`compare through the store (SQLite read of both + align): median ${median(throughStore).toFixed(0)} ms of ${RUNS}`);
  }

  const resultJson = JSON.stringify(compareTraceData(a, b));
  const harness = await startHarness({ minify: true });
  const browser = await chromium.launch(chromiumLaunchOptions);
  const paint: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(harness.pageUrl('compare'));
      await page.waitForFunction(`window.__posted.some((m) => m.type === 'ready')`);
      await page.evaluate(`window.__benchCompare = JSON.parse(${JSON.stringify(resultJson)}); 0`);
      // A string, not a function: tsx's name helpers do not exist in the page.
      const ms = await page.evaluate<number>(`new Promise((resolve) => {
        const t0 = performance.now();
        window.__hostPost({ type: 'compare', result: window.__benchCompare });
        const poll = () => {
          if (document.querySelector('.row')) requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
          else requestAnimationFrame(poll);
        };
        requestAnimationFrame(poll);
      })`);
      const domRows = await page.evaluate<number>(`document.querySelectorAll('.row').length`);
      paint.push(ms);
      console.log(`paint run ${run + 1}: ${ms.toFixed(0)} ms, ${domRows} rows in the DOM (virtualized)`);
      await page.close();
    }
  } finally {
    await browser.close();
    await harness.close();
  }
  console.log(`compare webview ${rows} rows: first paint median ${median(paint).toFixed(0)} ms of ${RUNS} (target < 500 ms)`);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
