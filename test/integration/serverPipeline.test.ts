// The whole path a user relies on: official OpenTelemetry exporters → `agent-trace serve`
// (its own process, a real SQLite file) → `agent-trace show/list --json`.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import type { TraceDetailDto, TraceSummaryDto } from '../../src/protocol/dto';
import { canonicalize } from '../../src/core/canonicalize';
import { TraceStore } from '../../src/store/traceStore';
import { makeLogger, makeTracer, type OtlpProtocol } from '../support/otlpClients';
import { cliJson, cliJsonLines, ensureBuilt, ROOT, runCli, serve, tempDir, type ServeHandle } from '../support/serverProcess';
import { waitUntil } from '../support/waitUntil';

describe('server pipeline: official exporters → agent-trace serve → show --json', function () {
  this.timeout(180_000); // a guard: each test spawns the CLI several times, about 10 s each at load 20
  let dir: string;
  let db: string;
  let server: ServeHandle;

  before(async () => {
    ensureBuilt();
    dir = tempDir();
    db = path.join(dir, 'traces.db');
    server = await serve({ db });
  });
  after(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** An agent turn as OTel GenAI instrumentations record it: agent → chat → tool. */
  async function sendAgentTurn(protocol: OtlpProtocol): Promise<string> {
    const url = protocol === 'grpc' ? `http://127.0.0.1:${server.grpcPort}` : `http://127.0.0.1:${server.httpPort}`;
    const client = makeTracer({ protocol, url, resource: { 'service.name': `agent-${protocol}` } });
    const root = client.tracer.startSpan('invoke_agent planner', {
      attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner', 'gen_ai.conversation.id': 'conv-1' },
    });
    const ctx = trace.setSpan(context.active(), root);
    const chat = client.tracer.startSpan(
      'chat gpt-4o',
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.response.model': 'gpt-4o-2024-08-06',
          'gen_ai.usage.input_tokens': 1200,
          'gen_ai.usage.output_tokens': 80,
          'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] }]),
          'gen_ai.output.messages': JSON.stringify([
            { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }], finish_reason: 'tool_call' },
          ]),
          'code.file.path': '/app/agent.py',
          'code.line.number': 42,
        },
      },
      ctx,
    );
    chat.end();
    const tool = client.tracer.startSpan(
      'execute_tool get_weather',
      {
        attributes: {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': 'get_weather',
          'gen_ai.tool.call.id': 'call_1',
          'gen_ai.tool.call.arguments': '{"city":"Paris"}',
          'gen_ai.tool.call.result': '{"temp_c":18}',
        },
      },
      ctx,
    );
    tool.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timeout' });
    tool.end();
    root.end();
    await client.flush();
    await client.shutdown();
    assert.deepEqual(client.outcomes.map((o) => o.code), [0], `export over ${protocol} failed: ${client.outcomes.map((o) => o.error?.message)}`);
    return root.spanContext().traceId;
  }

  for (const protocol of ['http/json', 'http/protobuf', 'grpc'] as const) {
    it(`stores and normalizes an agent turn sent over ${protocol}`, async () => {
      const traceId = await sendAgentTurn(protocol);
      const detail = cliJson<TraceDetailDto>(['show', traceId, '--db', db]);
      assert.equal(detail.traceId, traceId);
      assert.equal(detail.name, 'invoke_agent planner');
      assert.deepEqual(detail.services, [`agent-${protocol}`]);
      assert.equal(detail.spanCount, 3);
      assert.equal(detail.errorCount, 1);
      assert.equal(detail.llmCalls, 1);
      assert.equal(detail.toolCalls, 1);
      assert.equal(detail.usage.inputTokens, 1200);
      assert.equal(detail.usage.outputTokens, 80);
      assert.ok(detail.costUsd !== null && detail.costUsd > 0, 'gpt-4o has a known price');

      const [agent, chat, tool] = detail.spans;
      assert.equal(agent.kind, 'agent');
      assert.equal(agent.agentName, 'planner');
      assert.equal(agent.sessionId, 'conv-1');
      assert.equal(chat.kind, 'llm');
      assert.equal(chat.parentSpanId, agent.spanId);
      assert.equal(chat.model, 'gpt-4o', 'the dated snapshot resolves to the model');
      assert.equal(chat.modelRaw, 'gpt-4o-2024-08-06');
      assert.equal(chat.provider, 'openai');
      assert.deepEqual(chat.source, { file: '/app/agent.py', line: 42, column: null, function: null, how: 'attribute' });
      assert.equal(chat.messages[0].role, 'user');
      assert.equal(chat.messages[0].content, 'Weather in Paris?');
      const call = chat.messages.find((m) => m.direction === 'output')!.toolCalls[0];
      assert.equal(call.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris' });
      assert.equal(tool.kind, 'tool');
      assert.deepEqual(tool.tool, { name: 'get_weather', callId: 'call_1', arguments: '{"city":"Paris"}', result: '{"temp_c":18}' });
      assert.equal(tool.status, 'error');
      assert.equal(tool.statusMessage, 'upstream timeout');
      assert.equal(tool.attributes['gen_ai.tool.call.result'], '{"temp_c":18}', 'raw attributes are kept');
      assert.equal(tool.resourceAttributes['service.name'], `agent-${protocol}`);
      assert.equal(tool.orphaned, false);
      assert.match(tool.startTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

      const listed = cliJsonLines<TraceSummaryDto>(['list', '--db', db]).find((t) => t.traceId === traceId);
      assert.ok(listed, 'list shows the trace');
      for (const key of ['traceId', 'name', 'services', 'startTime', 'durationMs', 'spanCount', 'errorCount', 'usage', 'costUsd'] as const) {
        assert.ok(key in listed!, `list --json has ${key}`);
      }
      assert.deepEqual(Object.keys(listed!.usage).sort(), ['cacheReadTokens', 'cacheWriteTokens', 'inputTokens', 'outputTokens', 'reasoningTokens']);
    });
  }

  it('attaches prompt and completion log records to their span, whichever arrives first', async () => {
    const url = `http://127.0.0.1:${server.httpPort}`;
    const logs = makeLogger({ protocol: 'http/protobuf', url });
    const client = makeTracer({ protocol: 'http/protobuf', url });
    const span = client.tracer.startSpan('chat claude', {
      attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.system': 'anthropic', 'gen_ai.request.model': 'claude-3-5-sonnet-20241022' },
    });
    logs.logger.emit({
      eventName: 'gen_ai.user.message',
      severityNumber: SeverityNumber.INFO,
      body: { content: 'Summarize the memo' },
      attributes: { 'gen_ai.system': 'anthropic' },
      context: trace.setSpan(context.active(), span),
    });
    span.end();
    // Logs first, span later: the store keeps the record until its span arrives.
    await logs.flush();
    await client.flush();
    logs.logger.emit({
      eventName: 'gen_ai.choice',
      severityNumber: SeverityNumber.INFO,
      body: { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'The memo says…' } },
      context: trace.setSpan(context.active(), span),
    });
    await logs.flush();
    await logs.shutdown();
    await client.shutdown();
    const detail = cliJson<TraceDetailDto>(['show', span.spanContext().traceId, '--db', db]);
    const messages = detail.spans[0].messages;
    assert.deepEqual(
      messages.map((m) => [m.role, m.direction, m.content]),
      [
        ['user', 'input', 'Summarize the memo'],
        ['assistant', 'output', 'The memo says…'],
      ],
    );
  });

  it('finds spans by message text with search', async () => {
    const hits = cliJson<{ traceId: string; spanName: string }[]>(['search', 'Summarize memo', '--db', db]);
    assert.ok(hits.some((h) => h.spanName === 'chat claude'), JSON.stringify(hits));
  });

  it('exports a trace as OTLP/JSON that imports into another database unchanged', async () => {
    const [first] = cliJsonLines<TraceSummaryDto>(['list', '--db', db]);
    const file = path.join(dir, 'export.json');
    assert.equal(runCli(['export', first.traceId, '--out', file, '--db', db]).code, 0);
    const exported = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.ok(Array.isArray(exported.resourceSpans), 'OTLP/JSON ExportTraceServiceRequest');
    const other = path.join(dir, 'other.db');
    const imported = runCli(['import', file, '--db', other]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, new RegExp(`Imported ${first.spanCount} span\\(s\\) in 1 trace`));
    const a = cliJson<TraceDetailDto>(['show', first.traceId, '--db', db]);
    const b = cliJson<TraceDetailDto>(['show', first.traceId, '--db', other]);
    assert.deepEqual(
      b.spans.map((s) => [s.spanId, s.parentSpanId, s.name, s.kind, s.attributes, s.events.length]),
      a.spans.map((s) => [s.spanId, s.parentSpanId, s.name, s.kind, s.attributes, s.events.length]),
    );
  });
});

describe('CLI: clear errors and exit codes', function () {
  this.timeout(180_000); // a guard, as above
  let dir: string;
  before(() => {
    ensureBuilt();
    dir = tempDir();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('rejects an unknown command with usage and exit 2', () => {
    const r = runCli(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown command "frobnicate"/);
    assert.match(r.stderr, /agent-trace serve/);
  });

  it('rejects unknown flags and bad ports', () => {
    assert.equal(runCli(['list', '--bogus']).code, 2);
    const r = runCli(['serve', '--http-port', 'abc', '--db', path.join(dir, 'x.db')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--http-port must be a port number/);
  });

  it('says so when a trace id is unknown', () => {
    const db = path.join(dir, 'empty.db');
    assert.equal(runCli(['import', writeJson(dir, 'empty.json', { resourceSpans: [] }), '--db', db]).code, 0);
    const r = runCli(['show', '0123456789abcdef0123456789abcdef', '--db', db]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No trace with id 0123456789abcdef0123456789abcdef/);
  });

  it('refuses unreadable and undecodable import files without touching the database', () => {
    const db = path.join(dir, 'imports.db');
    const missing = runCli(['import', path.join(dir, 'nope.json'), '--db', db]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Cannot read .*nope\.json: ENOENT/);
    const garbage = path.join(dir, 'garbage.json');
    fs.writeFileSync(garbage, '{"resourceSpans": [ {"scopeSpans": [ {"spans": [ {"traceId": "zz"');
    const bad = runCli(['import', garbage, '--db', db]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not an OTLP\/JSON trace export/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace for an expected failure');
  });

  it('explains that it needs Node 22 instead of crashing on an older Node', () => {
    const preload = path.join(dir, 'node20.cjs');
    fs.writeFileSync(preload, "Object.defineProperty(process.versions, 'node', { value: '20.20.2' });\n");
    // The version gate lives in the bin entry that `npx agent-trace` runs.
    const bin = spawnSync(process.execPath, ['--require', preload, path.join(ROOT, 'bin/agent-trace.js'), 'list'], { encoding: 'utf8' });
    assert.equal(bin.status, 1, 'a clean exit, not a segmentation fault (139)');
    assert.match(bin.stderr, /needs Node\.js 22 or newer \(this is v20\.20\.2\)/);
  });

  it('moves a corrupt database aside with a message and keeps its bytes', () => {
    const db = path.join(dir, 'corrupt.db');
    const garbage = Buffer.from('this is not a sqlite database '.repeat(200));
    fs.writeFileSync(db, garbage);
    const r = runCli(['import', writeJson(dir, 'one.json', { resourceSpans: [] }), '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const moved = fs.readdirSync(dir).filter((f) => f.startsWith('corrupt.db.corrupt-'));
    assert.equal(moved.length, 1, `moved aside: ${fs.readdirSync(dir)}`);
    assert.deepEqual(fs.readFileSync(path.join(dir, moved[0])), garbage);
    assert.match(r.stderr, /corrupt\.db\.corrupt-/);
  });

  it('names the setting to change when another program holds the OTLP port', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = runCli(['serve', '--http-port', String(port), '--grpc-port', '0', '--db', path.join(dir, 'ports.db')]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`${port}`));
      assert.match(r.stderr, /agentTrace\.otlp\.httpPort|--http-port/);
    } finally {
      blocker.close();
    }
  });

  it('tells that the port belongs to another Agent Trace server', async () => {
    const first = await serve({ db: path.join(dir, 'a.db') });
    try {
      const r = runCli(['serve', '--http-port', String(first.httpPort), '--grpc-port', '0', '--db', path.join(dir, 'b.db')]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`another Agent Trace server \\(pid ${first.child.pid}\\b`));
    } finally {
      await first.stop();
    }
  });
});

describe('durability: acknowledged spans survive a killed server', function () {
  this.timeout(120_000);

  it('keeps every span whose export got a 200 when the server is SIGKILLed mid-ingest', async () => {
    ensureBuilt();
    const dir = tempDir();
    const db = path.join(dir, 'kill.db');
    const server = await serve({ db });
    const { encodeOtlpJson } = await import('../../src/core/otlp');
    const acknowledged: string[] = [];
    let batch = 0;
    let stop = false;
    const agent = new http.Agent({ keepAlive: true });
    const sendOne = async () => {
      const n = batch++;
      const spans = Array.from({ length: 50 }, (_, i) => rawSpan(n, i));
      const body = JSON.stringify(encodeOtlpJson(spans));
      const status = await postJson(server.httpPort, body, agent).catch(() => 0);
      if (status === 200) acknowledged.push(...spans.map((s) => `${s.traceId}/${s.spanId}`));
      else stop = true;
    };
    const workers = Array.from({ length: 3 }, async () => {
      while (!stop) await sendOne();
    });
    await waitUntil('2,000 acknowledged spans (or a refused export)', () => acknowledged.length >= 2_000 || stop, 60_000);
    assert.ok(!stop, 'an export was refused before the kill');
    await server.kill();
    await Promise.all(workers);
    agent.destroy();

    const restarted = await serve({ db });
    await restarted.stop();
    // Read the file the restarted server recovered, in this process: one CLI run per trace cost
    // two minutes on a loaded machine (a process start each), which is no part of what is tested.
    const stored = new Set<string>();
    const store = TraceStore.open(db, { readonly: true, canonicalize: (s) => canonicalize(s) });
    try {
      for (const t of store.listTraces({ limit: 10_000 })) {
        for (const s of store.getTrace(t.traceId)?.spans ?? []) stored.add(`${s.traceId}/${s.spanId}`);
      }
    } finally {
      store.close();
    }
    const missing = acknowledged.filter((k) => !stored.has(k));
    assert.equal(missing.length, 0, `${missing.length} of ${acknowledged.length} acknowledged spans are missing`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

function rawSpan(batch: number, i: number) {
  const traceId = (0xd00d0000 + batch).toString(16).padStart(32, '0');
  const spanId = (i + 1).toString(16).padStart(16, '0');
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    traceId,
    spanId,
    parentSpanId: i === 0 ? null : '0000000000000001',
    name: i === 0 ? 'invoke_agent' : 'chat gpt-4o-mini',
    kind: 'internal' as const,
    startUnixNanos: String(now),
    endUnixNanos: String(now + 1_000_000n),
    status: { code: 'unset' as const, message: '' },
    attributes: { 'gen_ai.operation.name': i === 0 ? 'invoke_agent' : 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 10 },
    events: [],
    links: [],
    resource: { 'service.name': 'kill-test' },
    scope: { name: 'test', version: '1' },
  };
}

function postJson(port: number, body: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function writeJson(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}
