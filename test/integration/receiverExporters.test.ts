// The official OpenTelemetry JS exporters, as an agent would use them, send to our receivers;
// every span must arrive with ids, parentage, attributes, events and resource intact.
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { startGrpcReceiver, type GrpcReceiver } from '../../src/server/grpcReceiver';
import { startHttpReceiver, type HttpReceiver } from '../../src/server/httpReceiver';
import { MemorySink, makeLogger, makeTracer, type OtlpProtocol } from '../support/otlpClients';

describe('receivers with the official OTLP exporters', () => {
  let sink: MemorySink;
  let http: HttpReceiver;
  let grpc: GrpcReceiver;

  before(async () => {
    sink = new MemorySink();
    http = await startHttpReceiver({ host: '127.0.0.1', port: 0, sink });
    grpc = await startGrpcReceiver({ host: '127.0.0.1', port: 0, sink });
  });
  after(async () => {
    await http.close();
    await grpc.close();
  });
  beforeEach(() => {
    sink.spans = [];
    sink.logs = [];
  });

  const cases: { protocol: OtlpProtocol; compression: 'none' | 'gzip' }[] = [
    { protocol: 'http/json', compression: 'none' },
    { protocol: 'http/json', compression: 'gzip' },
    { protocol: 'http/protobuf', compression: 'none' },
    { protocol: 'http/protobuf', compression: 'gzip' },
    { protocol: 'grpc', compression: 'none' },
    { protocol: 'grpc', compression: 'gzip' },
  ];

  for (const { protocol, compression } of cases) {
    it(`receives an agent trace over ${protocol} (compression ${compression}) intact`, async () => {
      const url = protocol === 'grpc' ? `http://127.0.0.1:${grpc.port}` : `http://127.0.0.1:${http.port}`;
      const client = makeTracer({ protocol, url, compression, resource: { 'deployment.environment': 'test', 'service.name': 'demo-agent' } });
      const { tracer } = client;
      const root = tracer.startSpan('invoke_agent planner', { kind: SpanKind.INTERNAL, attributes: { 'gen_ai.agent.name': 'planner' } });
      const ctx = trace.setSpan(context.active(), root);
      const llm = tracer.startSpan('chat gpt-4o', {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.request.model': 'gpt-4o',
          'gen_ai.usage.input_tokens': 1234,
          'gen_ai.usage.output_tokens': 56,
          temperature: 0.25,
          stream: false,
          'gen_ai.response.finish_reasons': ['stop', 'length'],
          'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'héllo ✓' }] }]),
        },
      }, ctx);
      llm.addEvent('gen_ai.content.prompt', { 'gen_ai.prompt': 'say hi' });
      llm.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
      llm.end();
      const tool = tracer.startSpan('execute_tool search', {
        attributes: { 'gen_ai.tool.name': 'search' },
        links: [{ context: llm.spanContext(), attributes: { why: 'follows' } }],
      }, ctx);
      tool.end();
      root.end();
      await client.flush();
      await client.shutdown();

      assert.deepEqual(client.outcomes.map((o) => o.code), [0], `export failed: ${client.outcomes.map((o) => o.error?.message).join(', ')}`);
      assert.equal(sink.spans.length, 3);
      const r = sink.span('invoke_agent planner');
      const l = sink.span('chat gpt-4o');
      const t = sink.span('execute_tool search');
      assert.equal(r.traceId, root.spanContext().traceId);
      assert.equal(r.spanId, root.spanContext().spanId);
      assert.equal(r.parentSpanId, null);
      assert.equal(l.parentSpanId, r.spanId);
      assert.equal(t.parentSpanId, r.spanId);
      assert.equal(l.traceId, r.traceId);
      assert.equal(l.kind, 'client');
      assert.equal(r.kind, 'internal');
      assert.deepEqual(l.status, { code: 'error', message: 'rate limited' });
      assert.equal(l.attributes['gen_ai.usage.input_tokens'], 1234);
      assert.equal(l.attributes['temperature'], 0.25);
      assert.equal(l.attributes['stream'], false);
      assert.deepEqual(l.attributes['gen_ai.response.finish_reasons'], ['stop', 'length']);
      assert.match(String(l.attributes['gen_ai.input.messages']), /héllo ✓/);
      assert.equal(l.events.length, 1);
      assert.equal(l.events[0]!.name, 'gen_ai.content.prompt');
      assert.deepEqual(l.events[0]!.attributes, { 'gen_ai.prompt': 'say hi' });
      assert.match(l.events[0]!.timeUnixNanos, /^\d{19}$/);
      assert.match(l.startUnixNanos, /^\d{19}$/);
      assert.ok(BigInt(l.endUnixNanos) >= BigInt(l.startUnixNanos));
      assert.deepEqual(t.links, [{ traceId: l.traceId, spanId: l.spanId, attributes: { why: 'follows' } }]);
      assert.equal(r.resource['service.name'], 'demo-agent');
      assert.equal(r.resource['deployment.environment'], 'test');
      assert.deepEqual(r.scope, { name: 'agent-trace-test', version: '1.0.0' });
    });
  }

  for (const protocol of ['http/json', 'http/protobuf'] as const) {
    it(`receives log records over ${protocol}, tied to their span, with event names`, async () => {
      const logs = makeLogger({ protocol, url: `http://127.0.0.1:${http.port}`, compression: 'gzip' });
      const tracer = makeTracer({ protocol, url: `http://127.0.0.1:${http.port}` });
      const span = tracer.tracer.startSpan('chat');
      logs.logger.emit({
        eventName: 'gen_ai.user.message',
        severityNumber: SeverityNumber.INFO,
        severityText: 'INFO',
        body: { content: 'hello', role: 'user' },
        attributes: { 'gen_ai.system': 'openai' },
        context: trace.setSpan(context.active(), span),
      });
      logs.logger.emit({ body: 'plain line', attributes: { 'event.name': 'legacy.event' } });
      span.end();
      await logs.flush();
      await logs.shutdown();
      await tracer.shutdown();
      assert.deepEqual(logs.outcomes.map((o) => o.code), [0]);
      assert.equal(sink.logs.length, 2);
      const [a, b] = sink.logs;
      assert.equal(a!.eventName, 'gen_ai.user.message');
      assert.equal(a!.traceId, span.spanContext().traceId);
      assert.equal(a!.spanId, span.spanContext().spanId);
      assert.deepEqual(a!.body, { content: 'hello', role: 'user' });
      assert.equal(a!.severityNumber, SeverityNumber.INFO);
      assert.equal(a!.severityText, 'INFO');
      assert.equal(a!.attributes['gen_ai.system'], 'openai');
      assert.equal(a!.resource['service.name'], 'otlp-client-test');
      assert.equal(b!.eventName, 'legacy.event');
      assert.equal(b!.traceId, null);
      assert.equal(b!.body, 'plain line');
      assert.notEqual(b!.timeUnixNanos, '0');
    });
  }
});
