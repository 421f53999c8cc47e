// `agent-trace import` through the built CLI: all or nothing per file, rejected spans reported,
// a UTF-8 BOM accepted; and a database from a newer version refused by `serve`, untouched.
import { strict as assert } from 'node:assert';
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeOtlpJson } from '../../src/core/otlp';
import type { RawSpan } from '../../src/core/model';
import { ensureBuilt, runCli, tempDir } from '../support/serverProcess';

function span(traceId: string, spanId: string): RawSpan {
  return {
    traceId,
    spanId,
    parentSpanId: null,
    name: `step ${spanId}`,
    kind: 'internal',
    startUnixNanos: '1764230400000000000',
    endUnixNanos: '1764230401000000000',
    status: { code: 'unset', message: '' },
    attributes: {},
    events: [],
    links: [],
    resource: { 'service.name': 'importer' },
    scope: { name: 't', version: '1' },
  };
}

const traceId = (i: number) => i.toString(16).padStart(32, 'a');
const spanId = (i: number) => i.toString(16).padStart(16, 'b');
const line = (i: number) => JSON.stringify(encodeOtlpJson([span(traceId(i), spanId(i))]));

describe('CLI: import', function () {
  this.timeout(60_000);
  let dir: string;
  let db: string;
  const listed = (): unknown[] => {
    const r = runCli(['list', '--db', db, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean);
  };

  before(() => ensureBuilt());
  beforeEach(() => {
    dir = tempDir();
    db = path.join(dir, 'traces.db');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('imports nothing from a file with an unreadable line, and names the line', () => {
    const file = path.join(dir, 'six.jsonl');
    fs.writeFileSync(file, [1, 2, 3, 4, 5].map(line).join('\n') + '\n{"resourceSpans": [ broken\n');
    const r = runCli(['import', file, '--db', db]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /line 6/);
    assert.match(r.stderr, /nothing was imported/);
    assert.deepEqual(listed(), [], 'lines 1-5 are not imported either');
    // The same file with line 6 repaired imports all six at once.
    fs.writeFileSync(file, [1, 2, 3, 4, 5, 6].map(line).join('\n') + '\n');
    const ok = runCli(['import', file, '--db', db]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Imported 6 span\(s\) in 6 trace\(s\)/);
    assert.equal(listed().length, 6);
  });

  it('says how many spans were rejected and why, and fails when none could be imported', () => {
    const file = path.join(dir, 'bad-ids.json');
    fs.writeFileSync(file, JSON.stringify(encodeOtlpJson([span('0'.repeat(32), spanId(1)), span(traceId(2), '0'.repeat(16))])));
    const r = runCli(['import', file, '--db', db]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /Imported 0 span\(s\)/);
    assert.match(r.stderr, /Rejected 2 span\(s\)/);
    assert.match(r.stderr, /all zero/);

    // One good span beside a rejected one: imported, the rejection still reported, exit 0.
    fs.writeFileSync(file, JSON.stringify(encodeOtlpJson([span('0'.repeat(32), spanId(1)), span(traceId(3), spanId(3))])));
    const partial = runCli(['import', file, '--db', db]);
    assert.equal(partial.code, 0, partial.stderr);
    assert.match(partial.stdout, /Imported 1 span\(s\) in 1 trace\(s\)/);
    assert.match(partial.stderr, /Rejected 1 span\(s\)/);
  });

  it('accepts a file that starts with a UTF-8 byte order mark, whole or one request per line', () => {
    const whole = path.join(dir, 'bom.json');
    fs.writeFileSync(whole, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(line(7))]));
    const r = runCli(['import', whole, '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Imported 1 span\(s\)/);
    const lines = path.join(dir, 'bom.jsonl');
    fs.writeFileSync(lines, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${line(8)}\r\n${line(9)}\r\n`)]));
    const r2 = runCli(['import', lines, '--db', db]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stdout, /Imported 2 span\(s\)/);
    assert.equal(listed().length, 3);
  });

  it('serve refuses a database written by a newer version, exits 1 with the reason, and leaves the file alone', () => {
    const newer = new Database(db);
    newer.exec('CREATE TABLE future (x); INSERT INTO future VALUES (1);');
    newer.pragma('user_version = 999');
    newer.close();
    const before = fs.readFileSync(db);
    const r = runCli(['serve', '--db', db, '--http-port', '0', '--grpc-port', '0']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /written by a newer version of Agent Trace/);
    assert.deepEqual(fs.readdirSync(dir), ['traces.db']);
    assert.deepEqual(fs.readFileSync(db), before);
    const list = runCli(['list', '--db', db]);
    assert.equal(list.code, 1);
    assert.match(list.stderr, /newer version of Agent Trace/);
  });
});
