// The CLI names runs as the Traces view does: a generic "agent run" by its agent and first
// question (cut with an ellipsis when long), in `list`, the `show` header, `search` and the
// `diff` header, with the trace id still there; `--json` keeps `name` as recorded and adds
// `title`. A title is span content: escape sequences in it reach the terminal as visible text.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeOtlpJson } from '../../src/core/otlp';
import type { RawSpan } from '../../src/core/model';
import type { TraceDetailDto, TraceSummaryDto } from '../../src/protocol/dto';
import { ensureBuilt, runCli, tempDir } from '../support/serverProcess';
import { rawSpan } from './storeFixtures';

const UMBRELLA = 'a1'.repeat(16);
const SUNSCREEN = 'b2'.repeat(16);
const HOSTILE_RUN = 'c3'.repeat(16);
const LONG_QUESTION = 'Do I need an umbrella in Paris today, and what about tomorrow morning when I walk to the station?';
const HOSTILE = '\x1b]52;c;cm0gLXJmIH4=\x07\u202eevil';
/** What a terminal may act on; LF is fine between lines of our own output. */
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function run(traceId: string, question: string, startMs: number): RawSpan[] {
  const id = (n: number) => `${traceId.slice(0, 14)}0${n}`;
  return [
    rawSpan({ traceId, spanId: id(1), name: 'agent run', startMs, endMs: startMs + 100 }),
    rawSpan({
      traceId, spanId: id(2), parentSpanId: id(1), name: 'invoke_agent weather-assistant', startMs: startMs + 1, endMs: startMs + 90,
      attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'weather-assistant' },
    }),
    rawSpan({
      traceId, spanId: id(3), parentSpanId: id(2), name: 'chat gpt-4o-mini', startMs: startMs + 2, endMs: startMs + 50,
      attributes: {
        'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: question }] }]),
      },
    }),
  ];
}

describe('CLI: runs named by their titles', function () {
  this.timeout(60_000);
  let dir: string;
  let db: string;
  const cli = (...args: string[]) => {
    const r = runCli([...args, '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(ACTIVE.exec(r.stdout), null, JSON.stringify(r.stdout));
    return r.stdout;
  };

  before(() => {
    ensureBuilt();
    dir = tempDir();
    db = path.join(dir, 'traces.db');
    const file = path.join(dir, 'in.json');
    const spans = [...run(UMBRELLA, LONG_QUESTION, 0), ...run(SUNSCREEN, 'Sunscreen in Lisbon?', 1000), ...run(HOSTILE_RUN, `Hi ${HOSTILE}`, 2000)];
    fs.writeFileSync(file, JSON.stringify(encodeOtlpJson(spans)));
    assert.equal(runCli(['import', file, '--db', db]).code, 0);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('list: a TITLE column tells the runs apart, cut with an ellipsis, next to the trace id', () => {
    const lines = cli('list').split('\n');
    assert.match(lines[0], /^TRACE\s+START \(UTC\)\s+TITLE\s+SERVICE/);
    const row = (id: string) => lines.find((l) => l.startsWith(id)) ?? assert.fail(`no row for ${id}:\n${lines.join('\n')}`);
    assert.match(row(SUNSCREEN), /\s{2}weather-assistant: Sunscreen in Lisbon\?\s{2}/);
    const umbrella = row(UMBRELLA);
    assert.ok(umbrella.includes('weather-assistant: Do I need an umbrella in Paris'), umbrella);
    assert.ok(!umbrella.includes('station'), 'the long question is cut');
    assert.match(umbrella, /…\s{2}test-agent/, 'and the cut is marked');
    assert.ok(!lines.some((l) => /\bagent run\b/.test(l)), 'no row is the generic "agent run"');
  });

  it('list --json: name as recorded, plus the title', () => {
    const rows = cli('list', '--json').trim().split('\n').map((l) => JSON.parse(l) as TraceSummaryDto);
    const sun = rows.find((t) => t.traceId === SUNSCREEN)!;
    assert.equal(sun.name, 'agent run');
    assert.equal(sun.title, 'weather-assistant: Sunscreen in Lisbon?');
    assert.equal(rows.find((t) => t.traceId === HOSTILE_RUN)!.title, `weather-assistant: Hi ${HOSTILE}`, 'the exact title, escaped only in the JSON text');
  });

  it('show: the header names the run by its title and id; --json carries the title', () => {
    const header = cli('show', SUNSCREEN).split('\n')[0];
    assert.match(header, new RegExp(`^weather-assistant: Sunscreen in Lisbon\\?  ${SUNSCREEN}  `));
    assert.equal((JSON.parse(cli('show', SUNSCREEN, '--json')) as TraceDetailDto).title, 'weather-assistant: Sunscreen in Lisbon?');
  });

  it('search: hits name their run by its title', () => {
    assert.match(cli('search', 'Lisbon'), new RegExp(`${SUNSCREEN} \\w+  weather-assistant: Sunscreen in Lisbon\\? › chat gpt-4o-mini`));
  });

  it('diff: the A and B lines name both runs by title; --json adds title beside name', () => {
    const lines = cli('diff', UMBRELLA, SUNSCREEN).split('\n');
    assert.match(lines[0], new RegExp(`^A  ${UMBRELLA}  weather-assistant: Do I need an umbrella in Paris`));
    assert.match(lines[1], new RegExp(`^B  ${SUNSCREEN}  weather-assistant: Sunscreen in Lisbon\\?  `));
    const json = JSON.parse(cli('diff', UMBRELLA, SUNSCREEN, '--json')) as { b: { name: string; title: string } };
    assert.deepEqual([json.b.name, json.b.title], ['agent run', 'weather-assistant: Sunscreen in Lisbon?']);
  });

  it('a title carrying escape sequences is shown escaped in list, show, search and diff', () => {
    const escaped = 'Hi \\x1b]52;c;cm0gLXJmIH4=\\x07\\u202eevil';
    for (const out of [cli('list'), cli('show', HOSTILE_RUN), cli('search', 'evil'), cli('diff', HOSTILE_RUN, SUNSCREEN)]) {
      assert.ok(out.includes(`weather-assistant: ${escaped}`), out);
    }
  });
});
