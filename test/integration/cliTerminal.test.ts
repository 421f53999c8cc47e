// Span content is untrusted: a span name, attribute key or value, service or model name that
// carries terminal escape sequences (OSC 52 clipboard writes, title changes, CSI, bare CR, BEL,
// C1 controls, bidi overrides) must reach the terminal as visible text, in every command.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeOtlpJson } from '../../src/core/otlp';
import type { RawSpan } from '../../src/core/model';
import type { TraceDetailDto, TraceSummaryDto } from '../../src/protocol/dto';
import type { RedactionReportDto } from '../../src/protocol/redaction';
import { ensureBuilt, runCli, tempDir } from '../support/serverProcess';

const HOSTILE = 'x\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;pwned\x1b\\\x1b[2J\rfake\x07\u009b31m\u202etxt.exe\u2066\x7f\x00';
/** What a terminal may act on; LF is fine between lines of our own output. */
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const TRACE = 'ef'.repeat(16);

function hostileSpan(): RawSpan {
  return {
    traceId: TRACE,
    spanId: '00000000000000aa',
    parentSpanId: null,
    name: `needle ${HOSTILE}`,
    kind: 'client',
    startUnixNanos: '1764230400000000000',
    endUnixNanos: '1764230401000000000',
    status: { code: 'error', message: HOSTILE },
    attributes: {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': `tool${HOSTILE}`,
      'gen_ai.request.model': `model${HOSTILE}`,
      [`key${HOSTILE}`]: `mail dana.whitfield@northwind-logistics.com ${HOSTILE} needle`,
    },
    events: [],
    links: [],
    resource: { 'service.name': `svc${HOSTILE}` },
    scope: { name: 't', version: '1' },
  };
}

describe('CLI: no terminal escape sequences from span content', function () {
  this.timeout(60_000);
  let dir: string;
  let db: string;

  before(() => {
    ensureBuilt();
    dir = tempDir();
    db = path.join(dir, 'traces.db');
    const file = path.join(dir, 'in.json');
    fs.writeFileSync(file, JSON.stringify(encodeOtlpJson([hostileSpan()])));
    const r = runCli(['import', file, '--db', db]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const human: [string, () => string[]][] = [
    ['list', () => ['list', '--db', db]],
    ['show', () => ['show', TRACE, '--db', db]],
    ['search', () => ['search', 'needle', '--db', db]],
    ['scan', () => ['scan', '--db', db]],
  ];
  for (const [name, args] of human) {
    it(`${name}: shows the escape sequences as visible text`, () => {
      const r = runCli(args());
      assert.equal(r.code, 0, r.stderr);
      const active = ACTIVE.exec(r.stdout);
      assert.equal(active, null, `U+${active?.[0].charCodeAt(0).toString(16).padStart(4, '0')} reached the terminal in: ${JSON.stringify(r.stdout)}`);
      assert.ok(!ACTIVE.test(r.stderr));
      assert.match(r.stdout, /\\x1b\]52;c;|\\x1b\]5|\\x1b/, 'the escape is shown, not silently dropped');
    });
  }

  it('show: the tree names the span, its tool and model, each escaped', () => {
    const out = runCli(['show', TRACE, '--db', db]).stdout;
    assert.ok(out.includes('needle x\\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b]0;pwned\\x1b\\\\x1b[2J\\rfake\\x07\\x9b31m\\u202etxt.exe\\u2066\\x7f\\x00'), out);
    assert.ok(out.includes('toolx\\x1b]52;c;'), 'the tool name');
    assert.ok(/modelx\\x1b\]52;c;/i.test(out), 'the model name');
  });

  const json: [string, () => string[], (text: string) => void][] = [
    ['list --json', () => ['list', '--json', '--db', db], (t) => assert.equal((JSON.parse(t) as TraceSummaryDto).services[0], `svc${HOSTILE}`)],
    ['show --json', () => ['show', TRACE, '--json', '--db', db], (t) => assert.equal((JSON.parse(t) as TraceDetailDto).spans[0].statusMessage, HOSTILE)],
    ['search --json', () => ['search', 'needle', '--json', '--db', db], (t) => assert.equal((JSON.parse(t) as { spanName: string }[])[0].spanName, `needle ${HOSTILE}`)],
    ['scan --json', () => ['scan', '--json', '--db', db], (t) => assert.equal((JSON.parse(t) as RedactionReportDto).findings[0].path, `key${HOSTILE}`)],
    ['export', () => ['export', TRACE, '--db', db], (t) => assert.ok(t.includes('\\u001b]52') && t.includes('\\u009b') && t.includes('\\u202e'))],
  ];
  for (const [name, args, check] of json) {
    it(`${name}: escapes them inside JSON strings and keeps the exact value`, () => {
      const r = runCli(args());
      assert.equal(r.code, 0, r.stderr);
      assert.equal(ACTIVE.exec(r.stdout), null, JSON.stringify(r.stdout.slice(0, 400)));
      check(r.stdout);
    });
  }

  it('an error message quoting hostile input is escaped too', () => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, `\x1b]52;c;cm0=\x07 not json`);
    const r = runCli(['import', file, '--db', path.join(dir, 'other.db')]);
    assert.notEqual(r.code, 0);
    assert.ok(!ACTIVE.test(r.stderr), JSON.stringify(r.stderr));
  });
});
