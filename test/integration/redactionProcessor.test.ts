import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Attributes as OtelAttributes } from '@opentelemetry/api';
import { parsePolicy } from '../../src/core/redaction/policy';
import { redactSpan } from '../../src/core/redaction/apply';
import { loadCorpus } from '../fixtures/redaction/corpus';
import type * as Sdk from '../../src/sdk/redactionProcessor';

const POLICY = JSON.stringify({ actions: { email: 'hash', ip: 'drop' }, dropKeys: ['llm.input_messages.*.message.role'] });

describe('RedactingSpanProcessor in the real OpenTelemetry SDK (bundled single file)', function () {
  this.timeout(60_000);
  let dir: string;
  let sdk: typeof Sdk;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'redaction-sdk-'));
    const outfile = join(dir, 'redactionProcessor.js');
    await esbuild.build({
      entryPoints: [join(__dirname, '../../src/sdk/redactionProcessor.ts')],
      outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node18', logLevel: 'silent',
    });
    const code = readFileSync(outfile, 'utf8');
    const requires = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    // Users copy one file: it may only need Node built-ins at run time.
    assert.deepEqual(requires.filter((r) => !r.startsWith('node:') && r !== 'crypto'), []);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    sdk = require(outfile) as typeof Sdk;
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exports exactly what redactSpan previewed, for every corpus span (attributes, events, resource)', async () => {
    const { policy, errors } = parsePolicy(POLICY);
    assert.deepEqual(errors, []);
    const corpus = loadCorpus();
    const byResource = new Map<string, typeof corpus>();
    for (const c of corpus) {
      const k = JSON.stringify(c.span.resource);
      byResource.set(k, [...(byResource.get(k) ?? []), c]);
    }
    let checked = 0;
    let exportedText = '';
    for (const [resourceJson, items] of byResource) {
      const exporter = new InMemorySpanExporter();
      const provider = new TracerProvider({
        resource: resourceFromAttributes(JSON.parse(resourceJson) as OtelAttributes),
        spanProcessors: [new sdk.RedactingSpanProcessor(new SimpleSpanProcessor({ exporter }), { policy: POLICY })],
      });
      const tracer = provider.getTracer('corpus');
      for (const c of items) {
        const s = tracer.startSpan(c.span.name, { attributes: c.span.attributes as OtelAttributes });
        for (const e of c.span.events) s.addEvent(e.name, e.attributes as OtelAttributes);
        s.end();
      }
      await provider.forceFlush();
      const exported = exporter.getFinishedSpans();
      assert.equal(exported.length, items.length);
      exported.forEach((got, i) => {
        const want = redactSpan(items[i].span, policy);
        assert.deepEqual({ ...got.attributes }, want.attributes, items[i].id);
        exportedText += JSON.stringify(got.attributes) + JSON.stringify(got.events.map((e) => e.attributes));
        assert.deepEqual(got.events.map((e) => ({ ...e.attributes })), want.events.map((e) => e.attributes), items[i].id);
        assert.deepEqual({ ...got.resource.attributes }, want.resource, items[i].id);
        for (const l of items[i].labels) assert.ok(!JSON.stringify(got.attributes).includes(l.value.slice(0, 24)), `${items[i].id} leaks`);
        checked++;
      });
      await provider.shutdown();
    }
    assert.equal(checked, corpus.length);
    // The bundle carries the language pass too (compromise, libphonenumber-js): every category is applied.
    for (const type of ['name', 'address', 'date-of-birth', 'diagnosis', 'medication', 'medical-record-number', 'national-id', 'phone', 'basic-auth']) {
      assert.ok(exportedText.includes(`[REDACTED:${type}]`), `the processor did not redact any ${type}`);
    }
  });

  it('refuses to start with a broken policy instead of exporting raw data', () => {
    const inner = new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() });
    assert.throws(() => new sdk.RedactingSpanProcessor(inner, { policy: '{"actions":{"secret":"nope"}}' }), /redaction policy/);
  });
});
