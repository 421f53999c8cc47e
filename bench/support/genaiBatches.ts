// The benchmark load, built once up front with the official OpenTelemetry SDK and its protobuf
// serializer (what a real agent's exporter puts on the wire): GenAI agent traces, each a root
// `invoke_agent` span with chat and tool children carrying ~1 KB of gen_ai.* attributes.
import { context, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace';

export interface Load {
  /** One OTLP ExportTraceServiceRequest (protobuf) per element. */
  exports: Uint8Array[];
  spans: number;
  traces: number;
  spansPerTrace: number;
  protobufBytes: number;
}

/** Keeps ended spans in order, so the caller can cut them into exports of its own size. */
class Collect implements SpanProcessor {
  spans: ReadableSpan[] = [];
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function chatAttributes(t: number, i: number): Attributes {
  const input = JSON.stringify([
    { role: 'system', parts: [{ type: 'text', content: 'You are a careful assistant that plans, calls tools and answers concisely. '.repeat(3) }] },
    { role: 'user', parts: [{ type: 'text', content: `Question ${t}.${i}: what is the weather in Paris and should I take an umbrella to the 3pm meeting? `.repeat(2) }] },
  ]);
  const output = JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: `Step ${i}: it is 18°C with light rain after 2pm; take an umbrella.` }], finish_reason: 'stop' }]);
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.response.model': 'gpt-4o-2024-08-06',
    'gen_ai.response.id': `chatcmpl-${t}-${i}`,
    'gen_ai.usage.input_tokens': 812 + (i % 50),
    'gen_ai.usage.output_tokens': 64 + (i % 7),
    'gen_ai.input.messages': input,
    'gen_ai.output.messages': output,
    'code.file.path': '/home/dev/agent/agent.py',
    'code.line.number': 17,
  };
}

function toolAttributes(t: number, i: number): Attributes {
  return {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': 'get_weather',
    'gen_ai.tool.call.id': `call_${t}_${i}`,
    'gen_ai.tool.call.arguments': JSON.stringify({ city: 'Paris', units: 'metric', when: `today 15:${String(i % 60).padStart(2, '0')}` }),
    'gen_ai.tool.call.result': JSON.stringify({ temperature: 18, rain_mm: 2.5, summary: 'light rain after 2pm, clearing by evening; wind 12 km/h from the west. '.repeat(9) }),
    'code.file.path': '/home/dev/agent/tools.py',
    'code.line.number': 42,
  };
}

/** Records one agent run of `size` spans with the SDK (explicit parent contexts, real clocks and ids). */
function recordTrace(tracer: ReturnType<TracerProvider['getTracer']>, t: number, size: number): void {
  const startMs = Date.now() - 60_000;
  const root = tracer.startSpan('invoke_agent planner', { kind: SpanKind.INTERNAL, startTime: startMs, attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner' } });
  const parent = trace.setSpan(context.active(), root);
  for (let i = 1; i < size; i++) {
    const tool = i % 3 === 0;
    const start = startMs + i * 5;
    const span = tool
      ? tracer.startSpan('execute_tool get_weather', { kind: SpanKind.INTERNAL, startTime: start, attributes: toolAttributes(t, i) }, parent)
      : tracer.startSpan('chat gpt-4o', { kind: SpanKind.CLIENT, startTime: start, attributes: chatAttributes(t, i) }, parent);
    span.end(start + 4);
  }
  root.end(startMs + size * 5);
}

/**
 * Builds `spans` spans (rounded up to whole exports) as exports of `exportSize`. Traces are
 * `spansPerTrace` long; whole traces are recorded, then the ended spans are cut into exports in
 * the order they ended, as a BatchSpanProcessor would.
 */
export function buildLoad(spans: number, exportSize: number, spansPerTrace: number): Load {
  const collect = new Collect();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench-agent', 'telemetry.sdk.language': 'nodejs' }),
    spanProcessors: [collect],
  });
  const tracer = provider.getTracer('bench.genai', '1.0.0');
  const total = Math.ceil(spans / exportSize) * exportSize;
  const traces = Math.ceil(total / spansPerTrace);
  const exports: Uint8Array[] = [];
  let protobufBytes = 0;
  let sent = 0;
  for (let t = 0; t < traces; t++) {
    recordTrace(tracer, t, Math.min(spansPerTrace, total - t * spansPerTrace));
    while (collect.spans.length >= exportSize || (t === traces - 1 && collect.spans.length > 0)) {
      const batch = collect.spans.splice(0, exportSize);
      const body = ProtobufTraceSerializer.serializeRequest(batch);
      if (!body) throw new Error('the OTel serializer returned nothing');
      exports.push(body);
      protobufBytes += body.length;
      sent += batch.length;
    }
  }
  return { exports, spans: sent, traces, spansPerTrace, protobufBytes };
}
