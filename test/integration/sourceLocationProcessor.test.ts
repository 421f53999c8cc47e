// The source-location processor with the real OpenTelemetry SDK: spans started from known
// lines of a fixture file carry that file and line as code.* attributes.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type { Tracer } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { sourceLocationProcessor, type SourceLocationOptions } from '../../src/sdk/sourceLocationProcessor';
import * as fixture from './sourceLocationProcessor.fixture';

const FIXTURE = path.resolve(__dirname, 'sourceLocationProcessor.fixture.ts');

function markerLine(marker: string): number {
  const lines = fs.readFileSync(FIXTURE, 'utf8').split('\n');
  const index = lines.findIndex((l) => l.includes(`// @line:${marker}`));
  assert.ok(index >= 0, `marker ${marker} not found`);
  return index + 1;
}

function setup(options?: SourceLocationOptions): { tracer: Tracer; spans: () => ReadableSpan[]; provider: TracerProvider } {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    spanProcessors: [sourceLocationProcessor(options), new SimpleSpanProcessor({ exporter })],
  });
  return { tracer: provider.getTracer('test'), spans: () => exporter.getFinishedSpans(), provider };
}

function only(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  assert.equal(found.length, 1, `one span named ${name}`);
  return found[0];
}

describe('sourceLocationProcessor (real SDK)', () => {
  it('stamps the file, line, column and function of the line that started the span', () => {
    const { tracer, spans } = setup();
    fixture.startPlain(tracer);
    const attrs = only(spans(), 'fixture.plain').attributes;
    assert.equal(attrs['code.file.path'], FIXTURE);
    assert.equal(attrs['code.line.number'], markerLine('plain'));
    assert.equal(typeof attrs['code.column.number'], 'number');
    assert.equal(attrs['code.function.name'], 'startPlain');
  });

  it('finds the caller of startActiveSpan after an await', async () => {
    const { tracer, spans } = setup();
    await fixture.startAfterAwait(tracer);
    const attrs = only(spans(), 'fixture.async').attributes;
    assert.equal(attrs['code.file.path'], FIXTURE);
    assert.equal(attrs['code.line.number'], markerLine('async'));
  });

  it('skips library frames (a deep wrapper under node_modules) and reports the user line that called it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slp-'));
    try {
      const libDir = path.join(dir, 'node_modules', 'fake-instrumentation');
      fs.mkdirSync(libDir, { recursive: true });
      fs.writeFileSync(
        path.join(libDir, 'index.js'),
        // 20 library frames: deeper than the processor's first, cheap capture.
        'function inner(t, n, d) { if (d > 0) return inner(t, n, d - 1); t.startSpan(n).end(); }\n' +
          'exports.run = function run(t, n) { inner(t, n, 20); };\n',
      );
      const lib = createRequire(path.join(dir, 'x.js'))('fake-instrumentation');
      const { tracer, spans } = setup();
      fixture.startThroughLibrary(lib, tracer);
      const attrs = only(spans(), 'fixture.library').attributes;
      assert.equal(attrs['code.file.path'], FIXTURE);
      assert.equal(attrs['code.line.number'], markerLine('library'));
      assert.equal(attrs['code.function.name'], 'startThroughLibrary');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a location the instrumentation recorded itself', () => {
    const { tracer, spans } = setup();
    fixture.startWithOwnLocation(tracer);
    const attrs = only(spans(), 'fixture.own').attributes;
    assert.equal(attrs['code.file.path'], '/recorded/by/sdk.py');
    assert.equal(attrs['code.line.number'], 7);
    assert.equal(attrs['code.function.name'], undefined);
  });

  it('records paths relative to `root` when given', () => {
    const root = path.resolve(__dirname, '..', '..');
    const { tracer, spans } = setup({ root });
    fixture.startPlain(tracer);
    assert.equal(only(spans(), 'fixture.plain').attributes['code.file.path'], 'test/integration/sourceLocationProcessor.fixture.ts');
  });

  it('honours exclude: an excluded helper file yields its caller instead', () => {
    const { tracer, spans } = setup({ exclude: /sourceLocationProcessor\.fixture\.ts$/ });
    fixture.startPlain(tracer); // @line:test-caller
    const attrs = only(spans(), 'fixture.plain').attributes;
    assert.equal(attrs['code.file.path'], __filename);
    const lines = fs.readFileSync(__filename, 'utf8').split('\n');
    assert.equal(attrs['code.line.number'], lines.findIndex((l) => l.includes('// @line:test-caller')) + 1);
  });

  it('reads the stack text when a library installed its own Error.prepareStackTrace (source-map-support style)', () => {
    const nodeDefault = Error.prepareStackTrace;
    assert.ok(nodeDefault);
    let calls = 0;
    Error.prepareStackTrace = function prepareStackTrace(error, sites) {
      calls++;
      return nodeDefault(error, sites);
    };
    try {
      const { tracer, spans } = setup();
      fixture.startPlain(tracer);
      const attrs = only(spans(), 'fixture.plain').attributes;
      assert.ok(calls > 0, 'the installed formatter was used');
      assert.equal(attrs['code.file.path'], FIXTURE);
      assert.equal(attrs['code.line.number'], markerLine('plain'));
      assert.equal(attrs['code.function.name'], 'startPlain');
    } finally {
      Error.prepareStackTrace = nodeDefault;
    }
  });

  it('honours include: no eligible frame means no attributes rather than a wrong one', () => {
    const { tracer, spans } = setup({ include: (f) => f.includes(`${path.sep}no-such-dir${path.sep}`) });
    fixture.startPlain(tracer);
    const attrs = only(spans(), 'fixture.plain').attributes;
    assert.equal(attrs['code.file.path'], undefined);
    assert.equal(attrs['code.line.number'], undefined);
  });
});
