// Recording proxy overhead (issue 10): the same Chat Completions call sent straight to a mock
// upstream and through `agent-trace proxy` (which records every call into a real SQLite file),
// interleaved in one run so both see the same machine load. Non-streaming and streaming (SSE).
// The mock and the proxy each run in their own process, as in use (the proxy is the trace
// server's or the CLI's process); the client is this process, with a keep-alive agent as the
// SDKs use. Overhead = median(proxied) − median(direct); target < 2 ms at the median. The floor
// (bench/support/floorProxy.ts: a bare node:http pipe, no checks, no recording) runs in the same
// rounds: on a loaded 2-core machine most of any proxy's cost is the extra process hop, so the
// CPU each proxy process spent per call (from /proc, load-independent) is printed too.
// Usage: npx tsx bench/proxy.ts [--calls 400]
import http from 'node:http';
import * as os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBuilt, CLI } from '../test/support/serverProcess';
import { cpuSeconds } from './support/proc';
import { startNode } from './support/processes';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '400' } } });
const CALLS = Number(values.calls);
const TARGET_MS = 2;

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(base: string, body: string): Promise<number> {
  const url = new URL(`${base}/chat/completions`);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench-not-real', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => (res.statusCode === 200 && bytes > 0 ? resolve(performance.now() - t0) : reject(new Error(`status ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  ensureBuilt();
  const dir = mkdtempSync(join(os.tmpdir(), 'agent-trace-proxy-bench-'));
  const mock = await startNode(['--import', 'tsx', 'bench/support/mockUpstream.ts'], /mock upstream (http:\S+)/);
  const upstream = mock.match;
  const proxy = await startNode([CLI, 'proxy', '--db', join(dir, 'traces.db'), '--port', '0', '--upstream-openai', upstream], /listening on (http:\S+)/);
  const floor = await startNode(['--import', 'tsx', 'bench/support/floorProxy.ts', upstream.replace(/\/v1$/, '')], /listening on (http:\S+)/);
  const proxied = `${proxy.match}/v1`;
  const floored = `${floor.match}/v1`;
  const messages = [
    { role: 'system', content: 'You are a helpful weather assistant. Use tools when useful.' },
    { role: 'user', content: 'Do I need an umbrella in Paris today? '.repeat(20) },
  ];
  const bodies = {
    'non-streaming': JSON.stringify({ model: 'gpt-4o-mini', messages }),
    streaming: JSON.stringify({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages }),
  };
  console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'} × ${os.cpus().length}, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)}; ${CALLS} calls each way per mode, interleaved`);
  let worst = 0;
  try {
    for (const [mode, body] of Object.entries(bodies)) {
      for (let i = 0; i < 50; i++) {
        await call(upstream, body); // warm-up: connections, JIT
        await call(proxied, body);
        await call(floored, body);
      }
      const times: Record<'direct' | 'proxy' | 'floor', number[]> = { direct: [], proxy: [], floor: [] };
      const targets = { direct: upstream, proxy: proxied, floor: floored } as const;
      const order = ['direct', 'proxy', 'floor'] as const;
      const cpuBefore = { proxy: cpuSeconds(proxy.running.pid), floor: cpuSeconds(floor.running.pid) };
      for (let i = 0; i < CALLS; i++) {
        // Rotate which goes first, so none always follows another's work.
        for (let k = 0; k < order.length; k++) {
          const which = order[(i + k) % order.length]!;
          times[which].push(await call(targets[which], body));
        }
      }
      const cpuPerCall = (which: 'proxy' | 'floor') => ((cpuSeconds(which === 'proxy' ? proxy.running.pid : floor.running.pid) - cpuBefore[which]) / CALLS) * 1e6;
      const cpu = { proxy: cpuPerCall('proxy'), floor: cpuPerCall('floor') };
      const d = median(times.direct);
      const p = median(times.proxy);
      const f = median(times.floor);
      worst = Math.max(worst, p - d);
      console.log(
        `${mode.padEnd(14)} median direct ${d.toFixed(3)} ms · through agent-trace proxy ${p.toFixed(3)} ms · through the floor proxy ${f.toFixed(3)} ms\n` +
          `${''.padEnd(14)} overhead ${(p - d).toFixed(3)} ms (${(p / d).toFixed(2)}× direct; the floor's ${(f - d).toFixed(3)} ms, ours ${(p / f).toFixed(2)}× the floor), ` +
          `target < ${TARGET_MS} ms — ${p - d < TARGET_MS ? 'met' : 'NOT met'}\n` +
          `${''.padEnd(14)} CPU per call in the proxy process: ours ${cpu.proxy.toFixed(0)} µs (recording included), the floor's ${cpu.floor.toFixed(0)} µs (${(cpu.proxy / cpu.floor).toFixed(2)}×)`,
      );
    }
  } finally {
    agent.destroy();
    await proxy.running.stop();
    await floor.running.stop();
    await mock.running.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  process.exitCode = worst < TARGET_MS ? 0 : 1;
}

void main();
