// `agent-trace scan` as a CI gate and `agent-trace export --redacted` for sharing a trace, on a
// real database: exit codes, no secret in any output, stored traces untouched.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeOtlpJson } from '../../src/core/otlp';
import type { RawSpan } from '../../src/core/model';
import type { RedactionReportDto } from '../../src/protocol/redaction';
import type { TraceDetailDto } from '../../src/protocol/dto';
import { ensureBuilt, runCli, tempDir } from '../support/serverProcess';

// Built from parts at run time so no secret-shaped literal sits in the repository.
const OPENAI_KEY = ['sk', 'proj', 'Q7v2Lm9XkR4tB8nW3pZ6yH1cJ5fD0sGa'].join('-') + 'T3BlbkFJ' + 'u8Ye2Wq4Rt6Io9Pa1Sd3Fg5Hj7Kl';
const EMAIL = ['dana.whitfield', 'northwind-logistics.com'].join('@');

function span(traceId: string, attributes: RawSpan['attributes']): RawSpan {
  return {
    traceId,
    spanId: traceId.slice(0, 16),
    parentSpanId: null,
    name: 'chat gpt-4o',
    kind: 'client',
    startUnixNanos: '1764230400000000000',
    endUnixNanos: '1764230401000000000',
    status: { code: 'unset', message: '' },
    attributes,
    events: [],
    links: [],
    resource: { 'service.name': 'support-bot' },
    scope: { name: 't', version: '1' },
  };
}

describe('CLI: scan and redacted export', function () {
  this.timeout(60_000);
  let dir: string;
  let db: string;
  const leaky = 'aa'.repeat(16);
  const clean = 'bb'.repeat(16);

  before(() => {
    ensureBuilt();
    dir = tempDir();
    db = path.join(dir, 'traces.db');
    const messages = JSON.stringify([
      { role: 'user', parts: [{ type: 'text', content: `My key is ${OPENAI_KEY}, email me at ${EMAIL} when done.` }] },
    ]);
    const file = path.join(dir, 'in.json');
    fs.writeFileSync(
      file,
      JSON.stringify(
        encodeOtlpJson([
          span(leaky, { 'gen_ai.operation.name': 'chat', 'gen_ai.input.messages': messages }),
          span(clean, { 'gen_ai.operation.name': 'chat', 'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"Weather in Paris?"}]}]' }),
        ]),
      ),
    );
    const r = runCli(['import', file, '--db', db]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fails a CI gate on a secret (exit 1) and reports where it is, masked', () => {
    const r = runCli(['scan', '--fail-on', 'secret', '--json', '--db', db]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(!r.stdout.includes(OPENAI_KEY), 'the report never contains the full secret');
    assert.ok(!r.stdout.includes(EMAIL), 'nor the full email');
    const report = JSON.parse(r.stdout) as RedactionReportDto;
    const secret = report.findings.find((f) => f.category === 'secret')!;
    assert.equal(secret.traceId, leaky);
    assert.equal(secret.path, 'gen_ai.input.messages[0].parts[0].content');
    assert.equal(secret.service, 'support-bot');
    assert.ok(report.findings.some((f) => f.category === 'pii' && f.type === 'email'));
  });

  it('passes the gate on a clean trace (exit 0) and refuses an unknown trace or a bad flag (exit 2)', () => {
    assert.equal(runCli(['scan', '--trace', clean, '--fail-on', 'secret', '--fail-on', 'pii', '--db', db]).code, 0);
    assert.equal(runCli(['scan', '--trace', 'cc'.repeat(16), '--db', db]).code, 2);
    assert.equal(runCli(['scan', '--fail-on', 'passwords', '--db', db]).code, 2);
  });

  it('refuses a broken policy file with exit 2 and the reason', () => {
    const policy = path.join(dir, 'bad-policy.json');
    fs.writeFileSync(policy, '{ "actions": { "secret": "shred" } }');
    const r = runCli(['scan', '--policy', policy, '--fail-on', 'secret', '--db', db]);
    assert.equal(r.code, 2);
    assert.match(r.stdout + r.stderr, /policy error: "actions\.secret": must be one of mask, hash, drop, keep/);
  });

  it('exports a shareable trace that contains none of the detected values, and leaves the store as it was', () => {
    const out = path.join(dir, 'shared.json');
    const r = runCli(['export', leaky, '--redacted', '--out', out, '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const text = fs.readFileSync(out, 'utf8');
    assert.ok(!text.includes(OPENAI_KEY) && !text.includes(OPENAI_KEY.slice(8, 30)), 'no part of the key ships');
    assert.ok(!text.includes(EMAIL), 'the email does not ship');
    assert.match(text, /email me at/, 'the rest of the message ships');
    const stored = JSON.parse(runCli(['show', leaky, '--json', '--db', db]).stdout) as TraceDetailDto;
    assert.ok(String(stored.spans[0].attributes['gen_ai.input.messages']).includes(OPENAI_KEY), 'the preview never changes stored traces');
  });
});
