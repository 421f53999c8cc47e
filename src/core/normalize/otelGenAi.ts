// OpenTelemetry GenAI semantic conventions: current attribute names, their deprecated
// predecessors, the message JSON attributes, and the event forms (span events or log
// records attached to the span) that older instrumentations emit.
import type { AttrValue, Attributes, ChatMessage, RawEvent, RawSpan, StepKind } from '../model';
import { hasPrefix, isObj, json, num, str, text } from './attrs';
import { message, messageListOf, messagesOf, systemInstructionsOf, toolCallsOf } from './messages';
import type { ConventionReader, Extraction } from './types';

const OPERATION_KIND: Record<string, StepKind> = {
  chat: 'llm',
  text_completion: 'llm',
  generate_content: 'llm',
  completion: 'llm',
  embeddings: 'embedding',
  embedding: 'embedding',
  execute_tool: 'tool',
  invoke_agent: 'agent',
  create_agent: 'agent',
  invoke_workflow: 'workflow',
  agent_step: 'workflow', // Vercel AI SDK's per-step span
  retrieval: 'retriever',
  rerank: 'retriever',
};

export const operationKind = (op: string | null): StepKind | undefined => (op ? OPERATION_KIND[op.toLowerCase()] : undefined);

const EVENT_NAMES = new Set([
  'gen_ai.system.message', 'gen_ai.user.message', 'gen_ai.assistant.message', 'gen_ai.tool.message',
  'gen_ai.choice', 'gen_ai.client.inference.operation.details', 'gen_ai.content.prompt', 'gen_ai.content.completion',
]);

export function genAiUsage(a: Attributes): Extraction['usage'] {
  const u: NonNullable<Extraction['usage']> = {};
  const input = num(a, 'gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens');
  const output = num(a, 'gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens');
  const cacheRead = num(a, 'gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens',
    'gen_ai.usage.input_tokens.cached', 'gen_ai.usage.cached_tokens', 'gen_ai.usage.prompt_tokens_details.cached_tokens');
  // cache_write.input_tokens: the Anthropic SDK's own tracing (src/internal/tracing.ts, SPAN_ATTRIBUTES).
  const cacheWrite = num(a, 'gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_write.input_tokens',
    'gen_ai.usage.cache_creation_input_tokens', 'gen_ai.usage.input_tokens.cache_write');
  const reasoning = num(a, 'gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens',
    'gen_ai.usage.output_tokens.reasoning', 'gen_ai.usage.completion_tokens_details.reasoning_tokens');
  if (input !== null) u.inputTokens = input;
  if (output !== null) u.outputTokens = output;
  if (cacheRead !== null) u.cacheReadTokens = cacheRead;
  if (cacheWrite !== null) u.cacheWriteTokens = cacheWrite;
  if (reasoning !== null) u.reasoningTokens = reasoning;
  return u;
}

/** Cost an instrumentation reported itself, in USD, under any name we know. */
export function reportedCost(a: Attributes): number | null {
  return num(a, 'gen_ai.usage.cost', 'gen_ai.usage.cost_usd', 'gen_ai.cost', 'llm.cost.total', 'operation.cost');
}

// The body of a GenAI event: the log body, or (for span events) the attributes themselves.
function eventBody(ev: RawEvent): { [key: string]: AttrValue } {
  const b = ev.fromLog ? json(ev.fromLog.body) : undefined;
  if (isObj(b)) return b;
  if (typeof b === 'string') return { content: b };
  const fromAttr = json(ev.attributes['body'] ?? ev.attributes['event.body']);
  if (isObj(fromAttr)) return fromAttr;
  return ev.attributes;
}

function eventMessages(events: RawEvent[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const ev of events) {
    const name = ev.fromLog && !ev.name ? str(ev.attributes, 'event.name') ?? '' : ev.name;
    if (!EVENT_NAMES.has(name)) continue;
    const body = eventBody(ev);
    switch (name) {
      case 'gen_ai.system.message':
      case 'gen_ai.user.message':
      case 'gen_ai.assistant.message': {
        const role = name.split('.')[1];
        out.push(...messagesOf({ ...body, role: typeof body.role === 'string' ? body.role : role }, 'input', role));
        break;
      }
      case 'gen_ai.tool.message': {
        const m = message('tool', 'input', text(body.content ?? null), { toolCallId: str(body, 'id', 'tool_call_id') });
        out.push(m);
        break;
      }
      case 'gen_ai.choice': {
        const msg = isObj(body.message) ? body.message : body;
        const m = messagesOf({ role: 'assistant', ...msg }, 'output', 'assistant');
        if (m.length && m[0].toolCalls.length === 0) m[0].toolCalls.push(...toolCallsOf(body.tool_calls));
        out.push(...m);
        break;
      }
      case 'gen_ai.client.inference.operation.details': {
        const src = { ...body, ...ev.attributes };
        out.push(...systemInstructionsOf(src['gen_ai.system_instructions']));
        out.push(...messageListOf(src['gen_ai.input.messages'], 'input'));
        out.push(...messageListOf(src['gen_ai.output.messages'], 'output'));
        break;
      }
      case 'gen_ai.content.prompt':
        out.push(...messageListOf(ev.attributes['gen_ai.prompt'], 'input'));
        break;
      case 'gen_ai.content.completion':
        out.push(...messageListOf(ev.attributes['gen_ai.completion'], 'output'));
        break;
    }
  }
  return out;
}

function hasGenAiEvents(span: RawSpan): boolean {
  return span.events.some((e) => EVENT_NAMES.has(e.name) || (e.fromLog !== undefined && EVENT_NAMES.has(str(e.attributes, 'event.name') ?? '')));
}

export const otelGenAi: ConventionReader = {
  convention: 'otel-genai',
  detect: (span) => hasPrefix(span.attributes, 'gen_ai.') || hasGenAiEvents(span),
  extract(span) {
    const a = span.attributes;
    const x: Extraction = { convention: 'otel-genai' };
    const op = str(a, 'gen_ai.operation.name');
    if (op) {
      x.operation = op;
      const k = operationKind(op);
      if (k) x.kind = k;
    }
    const rm = str(a, 'gen_ai.response.model');
    if (rm) x.responseModel = rm;
    const qm = str(a, 'gen_ai.request.model');
    if (qm) x.requestModel = qm;
    const p = str(a, 'gen_ai.provider.name', 'gen_ai.system');
    if (p) x.provider = p;
    x.usage = genAiUsage(a);
    const cost = reportedCost(a);
    if (cost !== null) x.reportedCostUsd = cost;

    const msgs: ChatMessage[] = [
      ...systemInstructionsOf(a['gen_ai.system_instructions']),
      ...messageListOf(a['gen_ai.input.messages'], 'input'),
      ...messageListOf(a['gen_ai.output.messages'], 'output'),
    ];
    // Semconv 1.26 era: gen_ai.prompt / gen_ai.completion as JSON arrays on the span.
    if (!msgs.length && typeof a['gen_ai.prompt'] === 'string') msgs.push(...messageListOf(a['gen_ai.prompt'], 'input'));
    if (typeof a['gen_ai.completion'] === 'string' && !msgs.some((m) => m.direction === 'output')) msgs.push(...messageListOf(a['gen_ai.completion'], 'output'));
    if (!msgs.length) msgs.push(...eventMessages(span.events));
    if (msgs.length) x.messages = msgs;

    const toolName = str(a, 'gen_ai.tool.name');
    if (toolName && (x.kind === 'tool' || x.kind === undefined)) {
      x.tool = {
        name: toolName,
        callId: str(a, 'gen_ai.tool.call.id'),
        arguments: text(a['gen_ai.tool.call.arguments'] ?? null),
        result: text(a['gen_ai.tool.call.result'] ?? null),
      };
      if (!x.kind) x.kind = 'tool';
    }
    const agent = str(a, 'gen_ai.agent.name', 'gen_ai.agent.id');
    if (agent) x.agentName = agent;
    const session = str(a, 'gen_ai.conversation.id');
    if (session) x.sessionId = session;
    return x;
  },
};
