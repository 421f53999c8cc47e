// The side-by-side ingest bench (bench/ingestVsPeer.ts) in a tiny mode: every receiver — our
// server, tracelet in memory and with --persist, and the SQLite floor — must get every span,
// and the report must carry the ratios and the JSON result. Speed is never asserted here: the
// bench reports it, tests only prove the measurement is sound.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureBuilt, ROOT, tempDir } from '../support/serverProcess';

const SPANS = 2048;
const RECEIVERS = ['ours', 'tracelet-memory', 'tracelet-persist', 'floor'];

interface Report {
  load: { spans: number; protobufBytesPerSpan: number };
  rounds: { receiver: string; ok: boolean; received: number; storedBytesPerSpan?: number; peakRssMb: number; serverCpuSeconds: number }[];
  ratios: Record<string, number>;
}

describe('side-by-side ingest bench (tiny run)', function () {
  this.timeout(180_000);
  let stdout = '';
  let report: Report;
  let out = '';

  before(function () {
    ensureBuilt();
    out = tempDir('bench-peer-');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/ingestVsPeer.ts', '--spans', String(SPANS), '--rounds', '1', '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    stdout = r.stdout;
    assert.equal(r.status, 0, `bench exited ${r.status}: ${r.stderr}\n${r.stdout}`);
    const files = fs.readdirSync(out).filter((f) => /^peer-.*\.json$/.test(f));
    assert.equal(files.length, 1, `one result file in ${out}`);
    report = JSON.parse(fs.readFileSync(path.join(out, files[0]), 'utf8')) as Report;
  });

  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it('delivers every span to every receiver, built with the OTel serializer', function () {
    assert.equal(report.load.spans, SPANS);
    assert.ok(report.load.protobufBytesPerSpan > 500, `~1 KB spans, got ${report.load.protobufBytesPerSpan} B`);
    assert.deepEqual(report.rounds.map((r) => r.receiver).sort(), [...RECEIVERS].sort());
    for (const round of report.rounds) {
      assert.ok(round.ok, `${round.receiver} round failed`);
      assert.equal(round.received, SPANS, `${round.receiver} received ${round.received}`);
      assert.ok(round.peakRssMb > 0 && round.serverCpuSeconds > 0, `${round.receiver} has process stats`);
    }
    for (const durable of ['ours', 'floor']) {
      const round = report.rounds.find((r) => r.receiver === durable)!;
      assert.ok((round.storedBytesPerSpan ?? 0) > 0, `${durable} reports stored bytes per span`);
    }
  });

  it('prints the ratios with their targets, the table and the machine', function () {
    assert.match(stdout, /^machine: .+ × \d+ cores, .*Node v\d+/m);
    assert.match(stdout, /^ratio ours \/ tracelet in-memory \(spans\/s\): \d+\.\d\d× \(target ≥ 1\.5×: (met|NOT met)\)$/m);
    assert.match(stdout, /^ratio ours \/ floor \(spans\/s\): \d+\.\d\d× \(target ≥ 1\.0×: (met|NOT met)\)$/m);
    assert.match(stdout, /^ratio ours stored bytes \/ OTLP protobuf bytes: \d+\.\d\d× \(target ≤ 1\.5×: (met|NOT met)\)$/m);
    for (const label of ['agent-trace serve', 'tracelet, in memory', 'tracelet --persist', 'floor:']) assert.match(stdout, new RegExp(`^\\| ${label}.*\\| 1/1 \\|$`, 'm'));
    assert.ok(Number.isFinite(report.ratios.oursOverTraceletMemory) && Number.isFinite(report.ratios.oursOverFloor));
  });
});
