// Deterministic traces for the webview tests, harness and benchmark: an agent root, then rounds
// of model call + tool calls, until `spanCount` spans exist. `hostile` puts markup, markdown
// links and command: URIs into the content the panel renders.
import type { MessageDto, SpanDto, TraceDetailDto } from '../../src/protocol/dto';
import type { FindingDto, RedactionReportDto } from '../../src/protocol/redaction';

export const HOSTILE_TEXT =
  '<img src=x onerror="window.__pwned=1;alert(1)"> <script>window.__pwned=2</script> ' +
  '[click me](command:workbench.action.terminal.new) <b>bold?</b> javascript:alert(3)';

export interface FixtureOptions {
  spanCount: number;
  traceId?: string;
  hostile?: boolean;
  /** Trace start, ms since epoch. */
  startMs?: number;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0').slice(-width);

export function fixtureSpan(partial: Partial<SpanDto> & Pick<SpanDto, 'spanId' | 'name' | 'kind'>): SpanDto {
  return {
    traceId: 'a'.repeat(32),
    parentSpanId: null,
    spanKind: 'internal',
    service: 'demo-agent',
    status: 'unset',
    statusMessage: '',
    startTime: new Date(1_760_000_000_000).toISOString(),
    startUnixNanos: String(1_760_000_000_000n * 1_000_000n),
    durationMs: 1,
    convention: 'otel-genai',
    operation: null,
    model: null,
    modelRaw: null,
    provider: null,
    usage: { inputTokens: null, outputTokens: null, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null },
    costUsd: null,
    costSource: null,
    messages: [],
    tool: null,
    agentName: null,
    sessionId: null,
    error: null,
    source: null,
    orphaned: false,
    attributes: {},
    resourceAttributes: { 'service.name': 'demo-agent' },
    events: [],
    links: [],
    scope: { name: 'fixture', version: '1.0.0' },
    ...partial,
  };
}

function at(startMs: number, offsetMs: number): Pick<SpanDto, 'startTime' | 'startUnixNanos'> {
  const nanos = BigInt(Math.round((startMs + offsetMs) * 1000)) * 1000n;
  return { startTime: new Date(startMs + offsetMs).toISOString(), startUnixNanos: nanos.toString() };
}

function msg(role: string, direction: 'input' | 'output', content: string | null, extra: Partial<MessageDto> = {}): MessageDto {
  return { role, direction, content, toolCalls: [], toolCallId: null, name: null, ...extra };
}

export function generateTrace(opts: FixtureOptions): TraceDetailDto {
  const traceId = opts.traceId ?? 'a'.repeat(32);
  const startMs = opts.startMs ?? 1_760_000_000_000;
  const spans: SpanDto[] = [];
  let seq = 0;
  const nextId = () => hex(++seq, 16);
  const rootId = nextId();
  const root = fixtureSpan({
    traceId,
    spanId: rootId,
    name: 'invoke_agent travel-planner',
    kind: 'agent',
    agentName: 'travel-planner',
    ...at(startMs, 0),
    source: { file: 'src/agent.ts', line: 42, column: 3, function: 'runAgent', how: 'attribute' },
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'travel-planner' },
  });
  spans.push(root);
  let t = 1;
  let round = 0;
  const tools = ['get_weather', 'search_flights', 'book_hotel'];
  while (spans.length < opts.spanCount) {
    round++;
    const hostile = opts.hostile && round === 1;
    const userText = hostile ? HOSTILE_TEXT : `Plan day ${round} of a trip to Paris.`;
    const toolName = tools[round % tools.length];
    const args = JSON.stringify({ city: 'Paris', day: round, units: 'metric' });
    const callId = `call_${round}`;
    const llmDur = 800 + (round % 7) * 50;
    spans.push(
      fixtureSpan({
        traceId,
        spanId: nextId(),
        parentSpanId: rootId,
        name: `chat gpt-4o-mini #${round}`,
        kind: 'llm',
        spanKind: 'client',
        ...at(startMs, t),
        durationMs: llmDur,
        operation: 'chat',
        model: 'gpt-4o-mini',
        modelRaw: 'gpt-4o-mini-2024-07-18',
        provider: 'openai',
        usage: { inputTokens: 1200 + round, outputTokens: 85, cacheReadTokens: 1024, cacheWriteTokens: null, reasoningTokens: null },
        costUsd: round % 5 === 0 ? null : 0.000231,
        costSource: round % 5 === 0 ? null : 'computed',
        messages: [
          msg('system', 'input', 'You are a travel planner.'),
          msg('user', 'input', userText),
          msg('assistant', 'output', null, { toolCalls: [{ id: callId, name: toolName, arguments: args }] }),
        ],
        attributes: {
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.usage.input_tokens': 1200 + round,
          'gen_ai.input.messages': JSON.stringify([{ role: 'user', content: userText }]),
        },
        events: hostile ? [{ name: 'note', time: new Date(startMs + t).toISOString(), timeUnixNanos: at(startMs, t).startUnixNanos, attributes: { text: HOSTILE_TEXT } }] : [],
      }),
    );
    t += llmDur + 2;
    if (spans.length >= opts.spanCount) break;
    const failed = round % 9 === 4;
    const toolDur = 120 + (round % 4) * 30;
    spans.push(
      fixtureSpan({
        traceId,
        spanId: nextId(),
        parentSpanId: rootId,
        name: `execute_tool ${toolName}`,
        kind: 'tool',
        ...at(startMs, t),
        durationMs: toolDur,
        operation: 'execute_tool',
        status: failed ? 'error' : 'ok',
        statusMessage: failed ? 'upstream timeout' : '',
        tool: { name: toolName, callId, arguments: args, result: hostile ? HOSTILE_TEXT : JSON.stringify({ ok: true, temperatureC: 18 + (round % 5) }) },
        error: failed ? { type: 'TimeoutError', message: 'upstream timeout after 30s', stacktrace: 'TimeoutError: upstream timeout after 30s\n    at getWeather (src/tools/weather.ts:17:11)\n    at runTool (src/agent.ts:88:5)' } : null,
        source: round % 3 === 0 ? null : { file: `src/tools/${toolName}.ts`, line: 10 + (round % 20), column: null, function: toolName, how: 'stackframe' },
        attributes: { 'gen_ai.tool.name': toolName, 'gen_ai.tool.call.arguments': args },
      }),
    );
    t += toolDur + 2;
  }
  const last = spans[spans.length - 1];
  const totalMs = t;
  root.durationMs = totalMs;
  void last;
  const llm = spans.filter((s) => s.kind === 'llm');
  return {
    traceId,
    name: root.name,
    services: ['demo-agent'],
    startTime: root.startTime,
    startUnixNanos: root.startUnixNanos,
    durationMs: totalMs,
    spanCount: spans.length,
    errorCount: spans.filter((s) => s.status === 'error').length,
    llmCalls: llm.length,
    toolCalls: spans.filter((s) => s.kind === 'tool').length,
    models: ['gpt-4o-mini'],
    usage: {
      inputTokens: llm.reduce((a, s) => a + (s.usage.inputTokens ?? 0), 0),
      outputTokens: llm.reduce((a, s) => a + (s.usage.outputTokens ?? 0), 0),
      cacheReadTokens: llm.reduce((a, s) => a + (s.usage.cacheReadTokens ?? 0), 0),
      cacheWriteTokens: null,
      reasoningTokens: null,
    },
    costUsd: llm.reduce((a, s) => a + (s.costUsd ?? 0), 0),
    orphanCount: 0,
    updatedAtMs: startMs + totalMs,
    spans,
    warnings: [],
  };
}

export function generateReport(findingCount: number, traceId = 'a'.repeat(32)): RedactionReportDto {
  const findings: FindingDto[] = [];
  for (let i = 0; i < findingCount; i++) {
    const secret = i % 2 === 0;
    findings.push({
      ruleId: secret ? 'openai-api-key' : 'email',
      ruleName: secret ? 'OpenAI API key' : 'Email address',
      category: secret ? 'secret' : 'pii',
      type: secret ? 'api-key' : 'email',
      traceId,
      spanId: hex(2 + i, 16),
      spanName: `chat gpt-4o-mini #${i + 1}`,
      service: 'demo-agent',
      location: 'attributes',
      attribute: 'gen_ai.input.messages',
      path: 'gen_ai.input.messages[0].content',
      start: 10,
      end: 30,
      maskedPreview: secret ? 'sk-p…9xQ2' : 'j…@example.com',
      context: secret ? `use key sk-p…9xQ2 for <b>the</b> call #${i}` : `mail j…@example.com about trip ${i}`,
      action: secret ? 'mask' : 'hash',
      replacement: secret ? '[REDACTED:api-key]' : 'sha256:3f2a…',
      group: i,
    });
  }
  const count = (f: (x: FindingDto) => string) =>
    findings.reduce<Record<string, number>>((acc, x) => ((acc[f(x)] = (acc[f(x)] ?? 0) + 1), acc), {});
  return {
    policySource: 'default policy',
    policyErrors: [],
    spansScanned: Math.max(1, findingCount * 2),
    bytesScanned: 123_456,
    findings,
    countsByCategory: count((x) => x.category),
    countsByType: count((x) => x.type),
    countsByAttribute: count((x) => x.path.split(/[.[]/)[0] === 'gen_ai' ? 'gen_ai.input.messages' : x.path),
    countsByService: count((x) => x.service),
    ships: { kept: 420, masked: findingCount, dropped: 1 },
  };
}
