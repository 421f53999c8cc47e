// Ingest benchmark: the real server (dist/cli.js serve, its own process) receiving OTLP/HTTP
// protobuf exports of realistic GenAI spans into a durable SQLite file.
//   throughput: spans acknowledged per second (target >= 30,000 on one core), and spans per
//               CPU-second of the server process (what one core does, whatever else runs)
//   memory:     server RSS while ingesting N spans (target < 300 MB and flat)
// Usage: node --import tsx bench/ingest.ts [--spans 200000] [--runs 3] [--memory 1000000]
// (--runs 0 --memory N: only the memory check; bench/ingestVsPeer.ts --rss-million runs that)
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { otlpType, TYPE } from '../src/core/otlp';
import { SERVER_NODE_FLAGS } from '../src/protocol/lsp';
import { cpuSeconds, peakRssMb, rssMb } from './support/proc';

const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: '200000' },
    runs: { type: 'string', default: '3' },
    memory: { type: 'string', default: '0' },
    batch: { type: 'string', default: '512' },
    inflight: { type: 'string', default: '4' },
  },
});
const BATCH = Number(values.batch);
const SPANS_PER_TRACE = 8;
const INFLIGHT = Number(values.inflight);

const attr = (key: string, value: string | number) =>
  typeof value === 'number' ? { key, value: { int_value: value } } : { key, value: { string_value: value } };

/** ~1.5 KB of attributes per span, the shape OTel GenAI instrumentations emit for a chat call. */
function genaiSpan(traceIdx: number, spanIdx: number, now: bigint) {
  const traceId = Buffer.alloc(16);
  traceId.writeUInt32BE(0xa9e17ace, 0);
  traceId.writeUInt32BE(traceIdx, 12);
  const spanId = Buffer.alloc(8);
  spanId.writeUInt32BE(traceIdx, 0);
  spanId.writeUInt32BE(spanIdx + 1, 4);
  const parent = Buffer.alloc(8);
  if (spanIdx > 0) {
    parent.writeUInt32BE(traceIdx, 0);
    parent.writeUInt32BE(1, 4);
  }
  const isTool = spanIdx % 3 === 2;
  const input = JSON.stringify([
    { role: 'system', parts: [{ type: 'text', content: 'You are a careful assistant that plans, calls tools and answers concisely. '.repeat(3) }] },
    { role: 'user', parts: [{ type: 'text', content: `Question ${traceIdx}: what is the weather in Paris and should I take an umbrella to the meeting at 3pm? `.repeat(3) }] },
  ]);
  const output = JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'It is 18°C with light rain expected after 2pm; take an umbrella. '.repeat(2) }], finish_reason: 'stop' }]);
  const start = now + BigInt(spanIdx) * 1_000_000n;
  return {
    trace_id: traceId,
    span_id: spanId,
    parent_span_id: spanIdx > 0 ? parent : Buffer.alloc(0),
    name: spanIdx === 0 ? 'invoke_agent planner' : isTool ? 'execute_tool get_weather' : 'chat gpt-4o',
    kind: spanIdx === 0 ? 1 : 3,
    start_time_unix_nano: start.toString(),
    end_time_unix_nano: (start + 800_000_000n).toString(),
    attributes: isTool
      ? [
          attr('gen_ai.operation.name', 'execute_tool'),
          attr('gen_ai.tool.name', 'get_weather'),
          attr('gen_ai.tool.call.id', `call_${traceIdx}_${spanIdx}`),
          attr('gen_ai.tool.call.arguments', JSON.stringify({ city: 'Paris', units: 'metric', when: 'today 15:00' })),
          attr('gen_ai.tool.call.result', JSON.stringify({ temperature: 18, rain_mm: 2.5, summary: 'light rain after 2pm '.repeat(20) })),
          attr('code.file.path', '/home/dev/agent/tools.py'),
          attr('code.line.number', 42),
        ]
      : [
          attr('gen_ai.operation.name', spanIdx === 0 ? 'invoke_agent' : 'chat'),
          attr('gen_ai.provider.name', 'openai'),
          attr('gen_ai.request.model', 'gpt-4o'),
          attr('gen_ai.response.model', 'gpt-4o-2024-08-06'),
          attr('gen_ai.usage.input_tokens', 812),
          attr('gen_ai.usage.output_tokens', 64),
          attr('gen_ai.input.messages', input),
          attr('gen_ai.output.messages', output),
          attr('code.file.path', '/home/dev/agent/agent.py'),
          attr('code.line.number', 17),
        ],
    status: { code: 0 },
  };
}

/** Encodes one export of BATCH spans; batch `n` gets its own trace ids (patched in below). */
function encodeBatch(n: number): Buffer {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = [];
  for (let i = 0; i < BATCH; i++) spans.push(genaiSpan(n * (BATCH / SPANS_PER_TRACE) + Math.floor(i / SPANS_PER_TRACE), i % SPANS_PER_TRACE, now));
  const request = {
    resource_spans: [
      {
        resource: { attributes: [attr('service.name', 'bench-agent'), attr('telemetry.sdk.language', 'python')] },
        scope_spans: [{ scope: { name: 'opentelemetry.instrumentation.openai', version: '0.40.0' }, spans }],
      },
    ],
  };
  const type = otlpType(TYPE.traceRequest);
  return Buffer.from(type.encode(type.fromObject(request)).finish());
}

function startServer(dbPath: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, 'dist/cli.js', 'serve', '--db', dbPath, '--http-port', '0', '--grpc-port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /http:\/\/[\d.]+:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.stderr!.on('data', (d) => process.stderr.write(d));
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: INFLIGHT });
function post(port: number, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function run(totalSpans: number, sampleMemory: boolean) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-trace-bench-'));
  const { child, port } = await startServer(path.join(dir, 'bench.db'));
  const batches = Math.ceil(totalSpans / BATCH);
  // Pre-encode a ring of distinct batches so the client's encoding cost stays out of the measurement.
  const ring = Array.from({ length: Math.min(batches, 64) }, (_, i) => encodeBatch(i));
  const bytesPerSpan = ring[0].length / BATCH;
  const samples: number[] = [];
  const sampler = sampleMemory ? setInterval(() => samples.push(rssMb(child.pid!)), 1000) : null;
  let next = 0;
  let retried = 0;
  const started = performance.now();
  const cpu0 = cpuSeconds(child.pid!);
  const worker = async () => {
    while (next < batches) {
      const n = next++;
      let body = ring[n % ring.length];
      if (n >= ring.length) body = patchTraceIds(body, n);
      for (;;) {
        const status = await post(port, body);
        if (status === 200) break;
        if (status === 503 || status === 429) {
          retried++;
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        throw new Error(`export failed with HTTP ${status}`);
      }
    }
  };
  await Promise.all(Array.from({ length: INFLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = cpuSeconds(child.pid!) - cpu0;
  if (sampler) clearInterval(sampler);
  const peakMb = peakRssMb(child.pid!);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
  return { spansPerSecond: (batches * BATCH) / seconds, spansPerCpuSecond: (batches * BATCH) / serverCpu, seconds, bytesPerSpan, retried, samples, peakMb };
}

/** Gives a re-sent batch fresh trace ids by rewriting the marker-prefixed 16-byte ids in place. */
function patchTraceIds(template: Buffer, n: number): Buffer {
  const body = Buffer.from(template);
  const marker = Buffer.from([0xa9, 0xe1, 0x7a, 0xce]);
  for (let at = body.indexOf(marker); at !== -1; at = body.indexOf(marker, at + 16)) body.writeUInt32BE(n, at + 4);
  return body;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function reportThroughput(results: Awaited<ReturnType<typeof run>>[]) {
  const tput = results.map((r) => r.spansPerSecond);
  const cpuTput = results.map((r) => r.spansPerCpuSecond);
  console.log(
    `ingest OTLP/HTTP protobuf → SQLite: median ${Math.round(median(tput)).toLocaleString('en-US')} spans/s ` +
      `(runs: ${tput.map((t) => Math.round(t)).join(', ')}); server process: median ${Math.round(median(cpuTput)).toLocaleString('en-US')} spans per CPU-second ` +
      `(runs: ${cpuTput.map((t) => Math.round(t)).join(', ')}; the steadier measure on a shared machine); ${values.spans} spans/run, ${BATCH}/export, ${Math.round(results[0].bytesPerSpan)} B/span on the wire, 503 retries: ${results.map((r) => r.retried).join(',')})`,
  );
}

async function main() {
  if (!fs.existsSync('dist/cli.js')) throw new Error('Run `npm run build` first.');
  const runs = Number(values.runs);
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await run(Number(values.spans), false));
  if (runs > 0) reportThroughput(results);
  const memorySpans = Number(values.memory);
  if (memorySpans > 0) {
    const m = await run(memorySpans, true);
    const s = m.samples;
    const q = Math.max(1, Math.floor(s.length / 4));
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `server RSS while ingesting ${memorySpans.toLocaleString('en-US')} spans: max ${Math.round(Math.max(...s))} MB sampled, peak ${Math.round(m.peakMb)} MB (VmHWM), ` +
        `first quarter avg ${Math.round(avg(s.slice(0, q)))} MB, last quarter avg ${Math.round(avg(s.slice(-q)))} MB ` +
        `(${s.length} samples, ${Math.round(m.spansPerSecond).toLocaleString('en-US')} spans/s)`,
    );
    // The shape over time says more than the max: one average per tenth of the run.
    const tenth = Math.max(1, Math.floor(s.length / 10));
    const tenths = Array.from({ length: Math.ceil(s.length / tenth) }, (_, i) => Math.round(avg(s.slice(i * tenth, (i + 1) * tenth))));
    console.log(`server RSS by tenth of the run (MB): ${tenths.join(' ')}`);
  }
  agent.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
