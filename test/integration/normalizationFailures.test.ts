// A span that breaks a convention reader, sent through the official exporter to the real server:
// stored with what could be read, a warning on the trace in `show --json`, a line in the server log.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TraceDetailDto, TraceSummaryDto } from '../../src/protocol/dto';
import { makeTracer } from '../support/otlpClients';
import { cliJson, cliJsonLines, ensureBuilt, serve, tempDir, type ServeHandle } from '../support/serverProcess';
import { DEEP_ARGUMENTS_MESSAGES } from '../support/hostileSpans';

describe('normalization failures reach the trace warnings and the server log', function () {
  this.timeout(60_000);
  let dir: string;
  let server: ServeHandle;

  before(async () => {
    ensureBuilt();
    dir = tempDir();
    server = await serve({ db: path.join(dir, 'traces.db') });
  });
  after(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the span, warns on the trace, and logs the failure', async () => {
    const db = path.join(dir, 'traces.db');
    const client = makeTracer({ protocol: 'http/json', url: `http://127.0.0.1:${server.httpPort}`, resource: { 'service.name': 'broken-agent' } });
    const span = client.tracer.startSpan('chat gpt-4o', {
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.input.messages': DEEP_ARGUMENTS_MESSAGES },
    });
    span.end();
    await client.flush();
    await client.shutdown();
    assert.deepEqual(client.outcomes.map((o) => o.code), [0], 'the export is accepted');

    const [summary] = cliJsonLines<TraceSummaryDto>(['list', '--service', 'broken-agent', '--db', db]);
    assert.ok(summary, 'the trace is stored');
    const detail = cliJson<TraceDetailDto>(['show', summary.traceId, '--db', db]);
    assert.equal(detail.spans.length, 1);
    const warning = detail.warnings.find((w) => w.includes('normalization failure'));
    assert.ok(warning, `warnings: ${JSON.stringify(detail.warnings)}`);
    assert.match(warning, /"chat gpt-4o".*otel-genai: RangeError/);
    // The export was acknowledged after the write, so the log line is already out.
    assert.match(server.stderr() + server.stdout(), /Normalization failed for span "chat gpt-4o" \([0-9a-f]{32}\/[0-9a-f]{16}\).*otel-genai: RangeError/);
  });
});
