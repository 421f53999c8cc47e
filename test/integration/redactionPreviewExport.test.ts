// The redaction panel's "after" and a redacted export are one code path: for every span of the
// sample agent's trace (real OpenAI client, OpenLLMetry instrumentation, OTLP exporter), the
// server's span preview equals what `agent-trace export --redacted` writes. And a policy that
// cannot be read or understood stops a redacted export with the reason, writing nothing.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeTracesJson } from '../../src/core/otlp';
import { canonicalize } from '../../src/core/canonicalize';
import type { Attributes, RawSpan } from '../../src/core/model';
import { redactionSpanPreview } from '../../src/server/redactionService';
import { exportTraceOtlpJson } from '../../src/server/transfer';
import { TraceStore } from '../../src/store/traceStore';
import { CLI, ROOT, ensureBuilt, runCli, serve, tempDir } from '../support/serverProcess';

const SAMPLE_AGENT = path.join(ROOT, 'sample-agent');

function runSampleAgent(endpoint: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['agent.js'], {
      cwd: SAMPLE_AGENT,
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      const m = /trace id: ([0-9a-f]{32})/.exec(out);
      if (code === 0 && m) resolve(m[1]);
      else reject(new Error(`sample agent exited ${code}: ${err}`));
    });
  });
}

/** The same flat view the preview uses: span attributes, then "resource › k" and "event N (name) › k". */
function flat(span: RawSpan): Record<string, unknown> {
  const out: Record<string, unknown> = { ...span.attributes };
  const put = (label: string, attrs: Attributes) => Object.entries(attrs).forEach(([k, v]) => (out[`${label} › ${k}`] = v));
  put('resource', span.resource);
  span.events.forEach((e, i) => put(`event ${i} (${e.name})`, e.attributes));
  return out;
}

describe('redaction: the preview shows what the export ships', function () {
  this.timeout(120_000);
  let dir: string;
  let db: string;
  let traceId: string;

  before(async () => {
    ensureBuilt();
    dir = tempDir();
    db = path.join(dir, 'traces.db');
    const server = await serve({ db });
    try {
      traceId = await runSampleAgent(`http://127.0.0.1:${server.httpPort}`);
      const deadline = Date.now() + 20_000;
      while (runCli(['show', traceId, '--db', db]).code !== 0) {
        if (Date.now() > deadline) throw new Error('the sample trace never arrived');
      }
    } finally {
      await server.stop();
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const open = () => TraceStore.open(db, { canonicalize: (s) => canonicalize(s), readonly: true, log: () => undefined });

  for (const policy of [null, JSON.stringify({ version: 1, actions: { secret: 'hash', pii: 'drop' } })]) {
    it(`span by span, the preview's "after" equals the redacted export (${policy ? 'hash secrets, drop personal data' : 'default policy'})`, () => {
      const args = ['export', traceId, '--redacted', '--db', db];
      if (policy) {
        fs.writeFileSync(path.join(dir, 'policy.json'), policy);
        args.push('--policy', path.join(dir, 'policy.json'));
      }
      const r = runCli(args);
      assert.equal(r.code, 0, r.stderr);
      const exported = decodeTracesJson(r.stdout).spans;
      const store = open();
      try {
        const stored = store.getTrace(traceId)!.spans;
        assert.equal(exported.length, stored.length);
        let changed = 0;
        for (const span of stored) {
          const preview = redactionSpanPreview(store, { traceId, spanId: span.spanId, policyText: policy })!;
          const shipped = exported.find((s) => s.spanId === span.spanId)!;
          assert.equal(preview.refused, null);
          assert.deepEqual(preview.after, flat(shipped), `span ${span.name}`);
          assert.deepEqual(preview.before, flat(span));
          if (JSON.stringify(preview.after) !== JSON.stringify(preview.before)) changed++;
        }
        assert.ok(changed >= 1, 'the sample leaks a key and an email: some span must change');
        // The same through the server's export function the extension's "Export (redacted)" calls.
        const viaServer = decodeTracesJson(JSON.stringify(exportTraceOtlpJson(store, traceId, { redacted: true, policyText: policy }))).spans;
        assert.deepEqual(viaServer.map(flat), exported.map(flat));
      } finally {
        store.close();
      }
    });
  }

  describe('a policy that cannot drive the export stops it (exit 2, the reason, nothing written)', () => {
    const cases: [string, (file: string) => void, RegExp][] = [
      ['not JSON', (f) => fs.writeFileSync(f, '{ "actions": { secret: mask } '), /not valid JSON/],
      ['an unknown action', (f) => fs.writeFileSync(f, '{ "actions": { "secret": "shred" } }'), /"actions\.secret": must be one of mask, hash, drop, keep/],
      ['an empty file', (f) => fs.writeFileSync(f, '  \n'), /the policy file is empty/],
      ['a directory (unreadable)', (f) => fs.mkdirSync(f), /Cannot read .*: EISDIR/],
    ];
    for (const [name, make, reason] of cases) {
      it(`--policy FILE: ${name}`, () => {
        const policy = path.join(dir, `bad-${name.replace(/\W+/g, '-')}`);
        make(policy);
        const out = path.join(dir, `out-${name.replace(/\W+/g, '-')}.json`);
        const r = runCli(['export', traceId, '--redacted', '--policy', policy, '--out', out, '--db', db]);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, reason);
        assert.equal(r.stdout, '');
        assert.ok(!fs.existsSync(out), 'nothing written');
      });
    }

    it('the workspace policy (.agent-trace/redaction.json in the current folder) is used, and refused when broken', () => {
      const ws = path.join(dir, 'ws');
      fs.mkdirSync(path.join(ws, '.agent-trace'), { recursive: true });
      const run = () => spawnSync(process.execPath, [CLI, 'export', traceId, '--redacted', '--db', db], { cwd: ws, encoding: 'utf8' });
      fs.writeFileSync(path.join(ws, '.agent-trace', 'redaction.json'), '{ "version": 2 }');
      const broken = run();
      assert.equal(broken.status, 2);
      assert.match(broken.stderr, /\.agent-trace\/redaction\.json has errors, nothing exported:\n {2}unsupported version 2/);
      assert.equal(broken.stdout, '');
      fs.writeFileSync(path.join(ws, '.agent-trace', 'redaction.json'), JSON.stringify({ version: 1, dropKeys: ['gen_ai.input.*'] }));
      const ok = run();
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stderr, /redacted with the policy \.agent-trace\/redaction\.json/);
      const promptKeys = (text: string) => decodeTracesJson(text).spans.flatMap((s) => Object.keys(s.attributes)).filter((k) => k.startsWith('gen_ai.input.'));
      assert.ok(promptKeys(runCli(['export', traceId, '--db', db]).stdout).length > 0, 'the sample records prompts');
      assert.deepEqual(promptKeys(ok.stdout), [], 'the workspace policy dropped them');
    });

    it('--policy without --redacted is refused rather than ignored', () => {
      const r = runCli(['export', traceId, '--policy', path.join(dir, 'policy.json'), '--db', db]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--policy applies to redacted exports/);
      assert.equal(r.stdout, '');
    });

    it('the server refuses too (what the extension\'s "Export (redacted)" shows), and the preview says an export would refuse', () => {
      const store = open();
      try {
        assert.throws(() => exportTraceOtlpJson(store, traceId, { redacted: true, policyText: '[]' }), /The redaction policy has errors, nothing exported/);
        assert.throws(() => exportTraceOtlpJson(store, traceId, { redacted: true, policyText: '' }), /the policy file is empty/);
        const spanId = store.getTrace(traceId)!.spans[0].spanId;
        const preview = redactionSpanPreview(store, { traceId, spanId, policyText: '{"bogus": 1}' })!;
        assert.equal(preview.after, null);
        assert.match(preview.refused!, /unknown field "bogus"/);
      } finally {
        store.close();
      }
    });
  });
});
