// Decode-only throughput of the OTLP readers on realistic GenAI spans (1–2 KB of attributes).
// Run: npx tsx bench/decode.ts   (prints spans/s for our protobuf reader, protobufjs reflection
// decode of the same schema for comparison, and the OTLP/JSON reader).
import { OTLP_TYPES, decodeTracesJson, decodeTracesProto, encodeOtlpJson, otlpType } from '../src/core/otlp';

const BATCH = 512;
const kv = (key: string, value: Record<string, unknown>) => ({ key, value });
const hex = (n: number, bytes: number) => Buffer.from(n.toString(16).padStart(bytes * 2, '0').slice(-bytes * 2), 'hex');

function genSpan(i: number) {
  const prompt = JSON.stringify([
    { role: 'system', parts: [{ type: 'text', content: 'You are a careful coding agent. '.repeat(6) }] },
    { role: 'user', parts: [{ type: 'text', content: `Fix the failing test number ${i} in src/foo.ts and explain. `.repeat(5) }] },
  ]);
  const completion = JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', name: 'read_file', arguments: { path: `src/file${i}.ts` } }], finish_reason: 'tool_calls' }]);
  return {
    trace_id: hex(0xabc000 + (i >> 4), 16), span_id: hex(i + 1, 8), parent_span_id: i % 16 ? hex((i & ~15) + 1, 8) : Buffer.alloc(0),
    name: 'chat gpt-4o', kind: 3,
    start_time_unix_nano: String(1732700000000000000n + BigInt(i) * 1000n), end_time_unix_nano: String(1732700000500000000n + BigInt(i) * 1000n),
    attributes: [
      kv('gen_ai.operation.name', { string_value: 'chat' }),
      kv('gen_ai.system', { string_value: 'openai' }),
      kv('gen_ai.request.model', { string_value: 'gpt-4o' }),
      kv('gen_ai.response.model', { string_value: 'gpt-4o-2024-08-06' }),
      kv('gen_ai.response.id', { string_value: `chatcmpl-${i}abcdefghijklmnop` }),
      kv('gen_ai.usage.input_tokens', { int_value: 1200 + i }),
      kv('gen_ai.usage.output_tokens', { int_value: 85 }),
      kv('gen_ai.request.temperature', { double_value: 0.2 }),
      kv('gen_ai.response.finish_reasons', { array_value: { values: [{ string_value: 'tool_calls' }] } }),
      kv('gen_ai.input.messages', { string_value: prompt }),
      kv('gen_ai.output.messages', { string_value: completion }),
      kv('code.filepath', { string_value: '/home/dev/agent/src/loop.ts' }),
      kv('code.lineno', { int_value: 120 }),
    ],
    events: i % 8 === 0 ? [{ time_unix_nano: String(1732700000100000000n), name: 'gen_ai.choice', attributes: [kv('index', { int_value: 0 })] }] : [],
    status: { code: 0 },
  };
}

const t = otlpType(OTLP_TYPES.traceRequest);
const request = {
  resource_spans: [{
    resource: { attributes: [kv('service.name', { string_value: 'coding-agent' }), kv('telemetry.sdk.language', { string_value: 'nodejs' })] },
    scope_spans: [{ scope: { name: '@opentelemetry/instrumentation-openai', version: '0.5.0' }, spans: Array.from({ length: BATCH }, (_, i) => genSpan(i)) }],
  }],
};
const body = t.encode(t.fromObject(request)).finish();
const decodedOnce = decodeTracesProto(body).spans;
const json = Buffer.from(JSON.stringify(encodeOtlpJson(decodedOnce)));
const attrBytes = decodedOnce.reduce((n, s) => n + JSON.stringify(s.attributes).length, 0) / BATCH;

// CPU time of this process, not wall time: the machine is shared, so wall clocks are noisy.
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function measure(name: string, bytes: number, fn: () => unknown): void {
  for (let i = 0; i < 30; i++) fn(); // warm up
  let iterations = 0;
  const start = cpuMs();
  let elapsed = 0;
  while (elapsed < 2000) {
    fn();
    iterations++;
    elapsed = cpuMs() - start;
  }
  const spansPerSec = (iterations * BATCH) / (elapsed / 1000);
  const mbPerSec = (iterations * bytes) / (elapsed / 1000) / 1e6;
  console.log(`${name.padEnd(44)} ${Math.round(spansPerSec).toLocaleString('en-US').padStart(10)} spans/s  ${mbPerSec.toFixed(0).padStart(5)} MB/s (per CPU-second)`);
}

console.log(`batch: ${BATCH} spans, protobuf ${(body.length / 1024).toFixed(0)} KiB (${Math.round(body.length / BATCH)} B/span), ` +
  `JSON ${(json.length / 1024).toFixed(0)} KiB, ~${Math.round(attrBytes)} B of attributes per span; node ${process.version}`);
measure('decodeTracesProto (ours, ingest path)', body.length, () => decodeTracesProto(body));
measure('protobufjs reflection decode only', body.length, () => t.decode(body));
measure('protobufjs decode + toObject(longs: String)', body.length, () => t.toObject(t.decode(body), { longs: String, bytes: String }));
measure('decodeTracesJson (ours)', json.length, () => decodeTracesJson(json));
