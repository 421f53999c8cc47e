// Every CLI command through a real pipe, with outputs far larger than a pipe's 64 KiB buffer:
// nothing may be cut, and a reader that leaves early (`| head -1`) ends the command quietly.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeOtlpJson } from '../../src/core/otlp';
import type { RawSpan } from '../../src/core/model';
import type { TraceDetailDto, TraceSummaryDto } from '../../src/protocol/dto';
import type { RedactionReportDto } from '../../src/protocol/redaction';
import { CLI, ensureBuilt, runCli, tempDir } from '../support/serverProcess';

const PIPE_BUFFER = 64 * 1024;
const BIG_TRACE = 'ab'.repeat(16);
const BIG_SPANS = 400;
const SMALL_TRACES = 900;

function span(traceId: string, index: number, attributes: RawSpan['attributes'], name: string): RawSpan {
  const start = 1764230400000000000n + BigInt(index) * 1_000_000n;
  return {
    traceId,
    spanId: (index + 1).toString(16).padStart(16, '0'),
    parentSpanId: index && traceId === BIG_TRACE ? '0000000000000001' : null,
    name,
    kind: 'internal',
    startUnixNanos: String(start),
    endUnixNanos: String(start + 500_000n),
    status: { code: 'unset', message: '' },
    attributes,
    events: [],
    links: [],
    resource: { 'service.name': 'pipe-test' },
    scope: { name: 't', version: '1' },
  };
}

/** A trace of 400 spans with 2 KB attributes (three email addresses each, for scan) plus 700 one-span traces. */
function writeFixture(file: string): void {
  const spans: RawSpan[] = [];
  for (let i = 0; i < BIG_SPANS; i++) {
    const emails = [0, 1, 2].map((k) => `person${i}x${k}@northwind-logistics.com`).join(' and ');
    spans.push(span(BIG_TRACE, i, { note: `needle ${emails} ` + 'lorem ipsum '.repeat(160) }, `step ${i} ${'of the planning agent '.repeat(14)}`));
  }
  for (let t = 0; t < SMALL_TRACES; t++) {
    const id = (t + 1).toString(16).padStart(32, '0');
    spans.push(span(id, BIG_SPANS + t, { note: `needle number ${t}` }, `small trace ${t} ${'with a long descriptive name '.repeat(5)}`));
  }
  fs.writeFileSync(file, JSON.stringify(encodeOtlpJson(spans)));
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs `agent-trace <args> <shell tail>` in sh, so stdout is a real pipe (or a file) as in a user's shell. */
function sh(args: string[], tail: string): { code: number; stdout: string; stderr: string } {
  const cmd = `${quote(process.execPath)} ${quote(CLI)} ${args.map(quote).join(' ')} ${tail}`;
  const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('CLI output through pipes', function () {
  this.timeout(120_000);
  let dir: string;
  let db: string;

  before(() => {
    ensureBuilt();
    dir = tempDir();
    db = path.join(dir, 'traces.db');
    const file = path.join(dir, 'in.json');
    writeFixture(file);
    const r = runCli(['import', file, '--db', db]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The whole output, written to a file (synchronous writes: the reference). */
  function toFile(args: string[]): string {
    const out = path.join(dir, 'full.out');
    const r = sh(args, `> ${quote(out)}`);
    assert.equal(r.code, 0, r.stderr);
    return fs.readFileSync(out, 'utf8');
  }

  const commands: { name: string; args: () => string[]; check?: (text: string) => void }[] = [
    {
      name: 'list --json',
      args: () => ['list', '--json', '--limit', '5000', '--db', db],
      check: (text) => {
        const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as TraceSummaryDto);
        assert.equal(lines.length, SMALL_TRACES + 1);
      },
    },
    { name: 'list (table)', args: () => ['list', '--limit', '5000', '--db', db], check: (text) => assert.equal(text.trimEnd().split('\n').length, SMALL_TRACES + 2) },
    {
      name: 'show --json',
      args: () => ['show', BIG_TRACE, '--json', '--db', db],
      check: (text) => assert.equal((JSON.parse(text) as TraceDetailDto).spans.length, BIG_SPANS),
    },
    { name: 'show (tree)', args: () => ['show', BIG_TRACE, '--db', db], check: (text) => assert.match(text, new RegExp(`step ${BIG_SPANS - 1} `)) },
    {
      name: 'search --json',
      args: () => ['search', 'needle', '--json', '--limit', '5000', '--db', db],
      check: (text) => assert.equal((JSON.parse(text) as unknown[]).length, BIG_SPANS + SMALL_TRACES),
    },
    { name: 'search (text)', args: () => ['search', 'needle', '--limit', '5000', '--db', db] },
    {
      name: 'export',
      args: () => ['export', BIG_TRACE, '--db', db],
      check: (text) => {
        const doc = JSON.parse(text) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
        const n = doc.resourceSpans.flatMap((r) => r.scopeSpans).reduce((a, s) => a + s.spans.length, 0);
        assert.equal(n, BIG_SPANS);
      },
    },
    {
      name: 'export --redacted',
      args: () => ['export', BIG_TRACE, '--redacted', '--db', db],
      check: (text) => assert.ok(!text.includes('@northwind-logistics.com') && JSON.parse(text)),
    },
    {
      name: 'scan --json',
      args: () => ['scan', '--json', '--db', db],
      check: (text) => assert.equal((JSON.parse(text) as RedactionReportDto).findings.length, BIG_SPANS * 3),
    },
    { name: 'scan (table)', args: () => ['scan', '--db', db], check: (text) => assert.match(text, /What ships: /) },
  ];

  for (const c of commands) {
    it(`${c.name}: the whole output reaches a pipe (| wc -c), and it parses`, () => {
      const full = toFile(c.args());
      const bytes = Buffer.byteLength(full);
      assert.ok(bytes > 1.5 * PIPE_BUFFER, `the output (${bytes} bytes) must be larger than a pipe buffer for this test to mean anything`);
      const counted = sh(c.args(), '| wc -c');
      assert.equal(counted.code, 0, counted.stderr);
      assert.equal(Number(counted.stdout.trim()), bytes, `${c.name} | wc -c`);
      const piped = sh(c.args(), '| cat');
      assert.equal(piped.stdout, full);
      c.check?.(piped.stdout);
    });

    it(`${c.name}: a reader that leaves early (| head -1) ends it quietly, exit 0 and nothing on stderr`, () => {
      const errFile = path.join(dir, 'stderr.txt');
      const r = sh(c.args(), `2> ${quote(errFile)} | head -1 > /dev/null; echo "exit=\${PIPESTATUS[0]}"`);
      assert.equal(r.stdout.trim(), 'exit=0');
      // A redacted export names its policy on stderr; nothing else may be there (no EPIPE stack).
      assert.equal(fs.readFileSync(errFile, 'utf8').replace(/^agent-trace: redacted with the default policy\.\n/, ''), '');
    });
  }

  it('import and --help print their whole (short) output through a pipe', () => {
    const file = path.join(dir, 'one.json');
    fs.writeFileSync(file, JSON.stringify(encodeOtlpJson([span('cd'.repeat(16), 0, {}, 'one')])));
    const imported = sh(['import', file, '--db', db], '| cat');
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /^Imported 1 span\(s\) in 1 trace\(s\) into .*\n$/);
    const help = sh(['--help'], '| cat');
    assert.match(help.stdout, /agent-trace lsp {4}--stdio\n\nThe default database is .*\n$/);
  });
});
