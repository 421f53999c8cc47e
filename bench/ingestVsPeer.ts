// Side-by-side ingest benchmark (issue 8): the same pre-built OTLP/HTTP protobuf exports sent,
// in interleaved rounds, to
//   ours             `agent-trace serve` (dist/cli.js), durable SQLite, fresh --db per round
//   tracelet-memory  tracelet (npm @jnmetacode/tracelet), in memory — the peer users would pick
//   tracelet-persist tracelet --persist FILE (JSONL)
//   floor            bench/ingestFloor.ts: decode + one SQLite row per span (see that file)
// Only ratios taken in the same run mean anything; absolute figures move with the machine.
// Every round checks that every span arrived; a round that lost spans is reported as failed.
// Usage: node --import tsx bench/ingestVsPeer.ts [--spans 88000] [--rounds 3] [--only ours,floor]
//        [--out bench/results] [--baseline DIR (another build's dist/, run as `baseline` in the same rounds)]   |   --rss-million (server RSS while ingesting 1,000,000 spans)
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { SERVER_NODE_FLAGS } from '../src/protocol/lsp';
import { buildLoad, type Load } from './support/genaiBatches';
import { sendAll } from './support/otlpSend';
import { cpuSeconds, peakRssMb } from './support/proc';
import { freePort, startNode, type Running } from './support/processes';

const { values } = parseArgs({
  options: {
    spans: { type: 'string', default: '88000' },
    rounds: { type: 'string', default: '3' },
    'export-size': { type: 'string', default: '512' },
    senders: { type: 'string', default: '4' },
    only: { type: 'string' },
    out: { type: 'string', default: 'bench/results' },
    'rss-million': { type: 'boolean', default: false },
    /** A/B: also run the `serve` of another build (a dist/ directory, e.g. a copy of the last commit's) in the same rounds. */
    baseline: { type: 'string' },
  },
});

/** tracelet keeps its newest 500 traces; stay below that so its API can confirm every span. */
const TRACELET_MAX_TRACES = 500;
const TRACELET_CLI = 'node_modules/@jnmetacode/tracelet/src/cli.js';

interface Started {
  running: Running;
  port: number;
  /** Spans the receiver holds; called after the sends (tracelet: while it runs; stored ones: after stop). */
  count(): Promise<number>;
  /** Bytes on disk after a checkpoint, for durable receivers. */
  storedBytes?(): number;
}

interface Receiver {
  name: string;
  describe: string;
  /** Counts before stopping (in-memory state is gone after). */
  countWhileRunning: boolean;
  start(dir: string): Promise<Started>;
}

/** db + wal size after folding the WAL into the db, as a user's disk would show it at rest. */
function checkpointedSize(dbPath: string): number {
  const db = new Database(dbPath);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  const size = (p: string) => (fs.existsSync(p) ? fs.statSync(p).size : 0);
  return size(dbPath) + size(`${dbPath}-wal`);
}

const ours = serveOf('dist', 'ours', 'agent-trace serve (durable SQLite)');

function serveOf(distDir: string, name: string, describe: string): Receiver {
  const cli = path.join(distDir, 'cli.js');
  return {
    name,
    describe,
    countWhileRunning: false,
    async start(dir) {
      const db = path.join(dir, 'ours.db');
      const { running, match } = await startNode([...SERVER_NODE_FLAGS, cli, 'serve', '--db', db, '--http-port', '0', '--grpc-port', '0'], /OTLP\/HTTP\s+http:\/\/[\d.]+:(\d+)/);
      return {
        running,
        port: Number(match),
        async count() {
          // The public way to ask: `agent-trace list --json`, one summary per line.
          const r = spawnSync(process.execPath, [cli, 'list', '--json', '--limit', '10000', '--db', db], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
          if (r.status !== 0) throw new Error(`agent-trace list failed: ${r.stderr}`);
          return r.stdout
            .split('\n')
            .filter((l) => l.trim())
            .reduce((n, l) => n + (JSON.parse(l) as { spanCount: number }).spanCount, 0);
        },
        storedBytes: () => checkpointedSize(db),
      };
    },
  };
}

function tracelet(persist: boolean): Receiver {
  return {
    name: persist ? 'tracelet-persist' : 'tracelet-memory',
    describe: persist ? 'tracelet --persist (JSONL)' : 'tracelet, in memory',
    countWhileRunning: true,
    async start(dir) {
      const port = await freePort();
      const uiPort = await freePort();
      const file = path.join(dir, 'tracelet.jsonl');
      const args = [TRACELET_CLI, '--port', String(port), '--ui-port', String(uiPort), '--no-open', ...(persist ? ['--persist', file] : [])];
      const { running } = await startNode(args, /Web UI/);
      return {
        running,
        port,
        async count() {
          const res = await fetch(`http://127.0.0.1:${uiPort}/api/traces`);
          const traces = (await res.json()) as { spanCount: number }[];
          return traces.reduce((n, t) => n + t.spanCount, 0);
        },
        storedBytes: persist ? () => fs.statSync(file).size : undefined,
      };
    },
  };
}

const floor: Receiver = {
  name: 'floor',
  describe: 'floor: protobufjs decode + 1 SQLite row/span, WAL',
  countWhileRunning: false,
  async start(dir) {
    const db = path.join(dir, 'floor.db');
    const { running, match } = await startNode(['--import', 'tsx', 'bench/ingestFloor.ts', '--db', db], /floor listening on (\d+)/);
    return {
      running,
      port: Number(match),
      async count() {
        const d = new Database(db, { readonly: true });
        try {
          return (d.prepare('SELECT COUNT(*) AS n FROM spans').get() as { n: number }).n;
        } finally {
          d.close();
        }
      },
      storedBytes: () => checkpointedSize(db),
    };
  },
};

interface RoundResult {
  receiver: string;
  round: number;
  ok: boolean;
  failure?: string;
  spansPerSecond: number;
  seconds: number;
  serverCpuSeconds: number;
  peakRssMb: number;
  received: number;
  retried: number;
  storedBytesPerSpan?: number;
}

async function runOne(receiver: Receiver, load: Load, round: number, senders: number): Promise<RoundResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-peer-${receiver.name}-`));
  const started = await receiver.start(dir);
  const pid = started.running.pid;
  try {
    const cpu0 = cpuSeconds(pid);
    const sent = await sendAll(started.port, load.exports, senders);
    const serverCpuSeconds = cpuSeconds(pid) - cpu0;
    const peak = peakRssMb(pid);
    let received = receiver.countWhileRunning ? await started.count() : -1;
    await started.running.stop();
    if (!receiver.countWhileRunning) received = await started.count();
    const stored = started.storedBytes?.();
    const failure = sent.error ?? (received !== load.spans ? `received ${received} of ${load.spans} spans` : undefined);
    return {
      receiver: receiver.name,
      round,
      ok: !failure,
      failure,
      spansPerSecond: load.spans / sent.seconds,
      seconds: sent.seconds,
      serverCpuSeconds,
      peakRssMb: peak,
      received,
      retried: sent.retried,
      storedBytesPerSpan: stored === undefined ? undefined : stored / load.spans,
    };
  } finally {
    await started.running.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—');

interface Summary {
  receiver: string;
  describe: string;
  okRounds: number;
  failedRounds: number;
  spansPerSecond: number;
  serverCpuSeconds: number;
  spansPerCpuSecond: number;
  peakRssMb: number;
  storedBytesPerSpan?: number;
}

function summarize(receiver: Receiver, results: RoundResult[], spans: number): Summary {
  const ok = results.filter((r) => r.receiver === receiver.name && r.ok);
  const stored = ok.map((r) => r.storedBytesPerSpan).filter((b): b is number => b !== undefined);
  const cpu = median(ok.map((r) => r.serverCpuSeconds));
  return {
    receiver: receiver.name,
    describe: receiver.describe,
    okRounds: ok.length,
    failedRounds: results.filter((r) => r.receiver === receiver.name && !r.ok).length,
    spansPerSecond: median(ok.map((r) => r.spansPerSecond)),
    serverCpuSeconds: cpu,
    spansPerCpuSecond: spans / cpu,
    peakRssMb: median(ok.map((r) => r.peakRssMb)),
    storedBytesPerSpan: stored.length ? median(stored) : undefined,
  };
}

function ratioLine(label: string, value: number, target: string, met: boolean): string {
  return `ratio ${label}: ${Number.isFinite(value) ? value.toFixed(2) : '—'}× (target ${target}: ${Number.isFinite(value) ? (met ? 'met' : 'NOT met') : 'not measured'})`;
}

function machine(): string {
  return `${os.cpus()[0]?.model ?? 'unknown cpu'} × ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${os.loadavg()[0].toFixed(1)}`;
}

async function main() {
  if (values['rss-million']) {
    // The memory check lives in bench/ingest.ts (it streams fresh trace ids without holding the load in memory).
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/ingest.ts', '--runs', '0', '--memory', '1000000'], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
  if (!fs.existsSync('dist/cli.js')) throw new Error('Run `npm run build` first.');
  const spans = Number(values.spans);
  const rounds = Number(values.rounds);
  const exportSize = Number(values['export-size']);
  const senders = Number(values.senders);
  const all = [ours, tracelet(false), tracelet(true), floor];
  if (values.baseline) all.push(serveOf(values.baseline, 'baseline', `agent-trace serve of ${values.baseline}`));
  const only = values.only?.split(',');
  const receivers = only ? all.filter((r) => only.includes(r.name)) : all;

  const spansPerTrace = Math.max(256, Math.ceil(spans / (TRACELET_MAX_TRACES * 0.8)));
  const t0 = performance.now();
  const load = buildLoad(spans, exportSize, spansPerTrace);
  const protobufBytesPerSpan = load.protobufBytes / load.spans;
  console.log(`machine: ${machine()}`);
  console.log(
    `load: ${fmt(load.spans)} GenAI spans (${fmt(protobufBytesPerSpan)} B/span OTLP protobuf, official OTel SDK + ProtobufTraceSerializer), ` +
      `${load.exports.length} exports of ${exportSize}, ${load.traces} traces of ${spansPerTrace}, ${senders} keep-alive senders; built in ${fmt((performance.now() - t0) / 1000, 1)} s`,
  );

  const results: RoundResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Rotate the order each round so no receiver always runs first (or last) on a drifting machine.
    const order = receivers.map((_, i) => receivers[(i + round - 1) % receivers.length]);
    for (const receiver of order) {
      let r: RoundResult;
      try {
        r = await runOne(receiver, load, round, senders);
      } catch (err) {
        r = { receiver: receiver.name, round, ok: false, failure: (err as Error).message, spansPerSecond: NaN, seconds: NaN, serverCpuSeconds: NaN, peakRssMb: NaN, received: -1, retried: 0 };
      }
      results.push(r);
      console.log(
        `round ${round} ${receiver.name.padEnd(16)} ${r.ok ? `${fmt(r.spansPerSecond).padStart(8)} spans/s` : `FAILED: ${r.failure}`}` +
          `  cpu ${fmt(r.serverCpuSeconds, 2)} s  peak RSS ${fmt(r.peakRssMb)} MB  received ${fmt(r.received)}/${fmt(load.spans)}` +
          (r.storedBytesPerSpan !== undefined ? `  stored ${fmt(r.storedBytesPerSpan)} B/span` : '') +
          (r.retried ? `  503 retries ${r.retried}` : ''),
      );
    }
  }

  const summaries = receivers.map((r) => summarize(r, results, load.spans));
  const by = (name: string) => summaries.find((s) => s.receiver === name);
  console.log(`\nmedians of ${rounds} interleaved round(s), ${fmt(load.spans)} spans each:`);
  console.log(`| receiver | spans/s | server CPU s | spans per CPU-s | peak RSS MB | stored B/span | rounds ok |`);
  console.log(`|---|---|---|---|---|---|---|`);
  for (const s of summaries) {
    console.log(
      `| ${s.describe} | ${fmt(s.spansPerSecond)} | ${fmt(s.serverCpuSeconds, 2)} | ${fmt(s.spansPerCpuSecond)} | ${fmt(s.peakRssMb)} | ${s.storedBytesPerSpan === undefined ? '—' : fmt(s.storedBytesPerSpan)} | ${s.okRounds}/${s.okRounds + s.failedRounds} |`,
    );
  }
  const o = by('ours');
  const vsTracelet = (o?.spansPerSecond ?? NaN) / (by('tracelet-memory')?.spansPerSecond ?? NaN);
  const vsFloor = (o?.spansPerSecond ?? NaN) / (by('floor')?.spansPerSecond ?? NaN);
  const bytesRatio = (o?.storedBytesPerSpan ?? NaN) / protobufBytesPerSpan;
  const floorBytesRatio = (by('floor')?.storedBytesPerSpan ?? NaN) / protobufBytesPerSpan;
  console.log(ratioLine('ours / tracelet in-memory (spans/s)', vsTracelet, '≥ 1.5×', vsTracelet >= 1.5));
  console.log(ratioLine('ours / floor (spans/s)', vsFloor, '≥ 1.0×', vsFloor >= 1.0));
  console.log(ratioLine('ours stored bytes / OTLP protobuf bytes', bytesRatio, '≤ 1.5×', bytesRatio <= 1.5));
  console.log(`(floor stored bytes / OTLP protobuf bytes: ${Number.isFinite(floorBytesRatio) ? floorBytesRatio.toFixed(2) : '—'}×)`);
  // Per server CPU-second is the steadier view on a shared machine (wall time includes waiting for a core).
  const perCpu = (name: string) => (o?.spansPerCpuSecond ?? NaN) / (by(name)?.spansPerCpuSecond ?? NaN);
  console.log(`(per server CPU-second: ours / tracelet in-memory ${perCpu('tracelet-memory').toFixed(2)}×, ours / floor ${perCpu('floor').toFixed(2)}×)`);
  if (by('baseline')) {
    const b = by('baseline')!;
    console.log(`(A/B: ours / ${values.baseline} ${((o?.spansPerSecond ?? NaN) / b.spansPerSecond).toFixed(2)}× spans/s, ${perCpu('baseline').toFixed(2)}× per server CPU-second)`);
  }

  fs.mkdirSync(values.out!, { recursive: true });
  const file = path.join(values.out!, `peer-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const report = {
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
    load: { spans: load.spans, exports: load.exports.length, exportSize, spansPerTrace, traces: load.traces, protobufBytesPerSpan, senders },
    rounds: results,
    medians: summaries,
    ratios: { oursOverTraceletMemory: vsTracelet, oursOverFloor: vsFloor, storedOverProtobufBytes: bytesRatio },
    targets: { oursOverTraceletMemory: 1.5, oursOverFloor: 1.0, storedOverProtobufBytes: 1.5 },
  };
  fs.writeFileSync(file, JSON.stringify(report, null, 2));
  console.log(`results: ${file}`);
  const failed = results.filter((r) => !r.ok).length;
  if (failed) {
    console.error(`${failed} round(s) failed (spans missing or a receiver error): their speed is not counted`);
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
