// Test helpers for the store: raw spans and log records, and a small stand-in canonicalizer
// (the real one lives in src/core/canonicalize.ts; the store takes whichever it is given).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CanonicalSpan, RawLogRecord, RawSpan, StepKind } from '../../src/core/model';
import { emptyUsage } from '../../src/core/model';

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Fills `norm` from a handful of gen_ai.* and code.* attributes; cost = $1 per million tokens when `test.priced` is true. */
export function standInCanonicalize(raw: RawSpan): CanonicalSpan {
  const a = raw.attributes;
  const op = str(a['gen_ai.operation.name']);
  const kind: StepKind = op === 'chat' ? 'llm' : op === 'execute_tool' ? 'tool' : op === 'invoke_agent' ? 'agent' : 'other';
  const usage = emptyUsage();
  usage.inputTokens = num(a['gen_ai.usage.input_tokens']);
  usage.outputTokens = num(a['gen_ai.usage.output_tokens']);
  const file = str(a['code.file.path']);
  const reported = num(a['test.cost_usd']);
  const priced = a['test.priced'] === true && usage.inputTokens !== null;
  const costUsd = reported ?? (priced ? ((usage.inputTokens ?? 0) + (usage.outputTokens ?? 0)) / 1e6 : null);
  const prompt = str(a['test.prompt']);
  const completion = str(a['test.completion']);
  // Log records attached as events carry the output in their body (the newer GenAI conventions).
  const logged = raw.events
    .map((e) => e.fromLog?.body)
    .map((b) => (b && typeof b === 'object' && !Array.isArray(b) ? (b.message as { content?: unknown } | undefined)?.content : undefined))
    .filter((c): c is string => typeof c === 'string');
  return {
    ...raw,
    service: str(raw.resource['service.name']) ?? 'unknown_service',
    norm: {
      kind,
      convention: op ? 'otel-genai' : 'none',
      operation: op,
      model: str(a['gen_ai.request.model']),
      modelRaw: str(a['gen_ai.request.model']),
      provider: str(a['gen_ai.system']),
      usage,
      reportedCostUsd: reported,
      messages: [
        ...(prompt ? [{ role: 'user', direction: 'input' as const, content: prompt, toolCalls: [], toolCallId: null, name: null }] : []),
        ...[...(completion ? [completion] : []), ...logged].map((content) => ({
          role: 'assistant', direction: 'output' as const, content, toolCalls: [], toolCallId: null, name: null,
        })),
      ],
      tool: null,
      agentName: null,
      sessionId: null,
      error: raw.status.code === 'error' ? { type: null, message: raw.status.message, stacktrace: null } : null,
      source: file ? { file, line: num(a['code.line.number']), column: null, function: str(a['code.function.name']), how: 'attribute' } : null,
    },
    costUsd,
    costSource: reported !== null ? 'reported' : costUsd !== null ? 'computed' : null,
  };
}

const BASE_NS = 1_764_000_000_000_000_000n;

/** A raw span; times are ms offsets from a fixed base. */
export function rawSpan(p: Partial<RawSpan> & { traceId: string; spanId: string; startMs?: number; endMs?: number }): RawSpan {
  const { startMs = 0, endMs = 10, ...rest } = p;
  return {
    parentSpanId: null,
    name: `span ${p.spanId}`,
    kind: 'internal',
    startUnixNanos: (BASE_NS + BigInt(startMs) * 1_000_000n).toString(),
    endUnixNanos: (BASE_NS + BigInt(endMs) * 1_000_000n).toString(),
    status: { code: 'unset', message: '' },
    attributes: {},
    events: [],
    links: [],
    resource: { 'service.name': 'test-agent' },
    scope: { name: 'test', version: '1' },
    ...rest,
  };
}

export function logRecord(p: Partial<RawLogRecord> & { traceId: string; spanId: string }): RawLogRecord {
  return {
    timeUnixNanos: (BASE_NS + 5_000_000n).toString(),
    severityText: 'INFO',
    severityNumber: 9,
    eventName: 'gen_ai.choice',
    body: { message: { role: 'assistant', content: 'hello from a log' } },
    attributes: {},
    resource: { 'service.name': 'test-agent' },
    scope: { name: 'test', version: '1' },
    ...p,
  };
}

/** A temp folder removed after the test. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'agent-trace-store-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
