// OpenInference (Arize Phoenix): `openinference.span.kind`, `llm.*` with flattened indexed
// messages, `input.value`/`output.value`, `tool.*`, `session.id`, `llm.cost.*`.
import type { Attributes, ChatMessage, RawSpan, StepKind } from '../model';
import { indexed, isObj, json, num, str, text } from './attrs';
import { mediaPlaceholder, message, messageListOf, messagesOf } from './messages';
import type { ConventionReader, Extraction } from './types';

const KIND: Record<string, StepKind> = {
  LLM: 'llm',
  CHAIN: 'workflow',
  TOOL: 'tool',
  AGENT: 'agent',
  RETRIEVER: 'retriever',
  RERANKER: 'retriever',
  EMBEDDING: 'embedding',
  GUARDRAIL: 'guardrail',
  EVALUATOR: 'other',
  PROMPT: 'other',
};

/** One flattened `message.contents.N` part as text: images as placeholders, tool-use parts left to the tool calls. */
function contentPartText(c: Attributes, hasToolCalls: boolean): string | null {
  const t = str(c, 'message_content.text');
  if (t !== null) return t;
  const type = str(c, 'message_content.type');
  if (!type) return null;
  if (type === 'tool_use' || type === 'tool_call') return hasToolCalls ? null : '[tool call]';
  return mediaPlaceholder(type, { url: str(c, 'message_content.image.image.url') });
}

// llm.input_messages.N.message.* → ChatMessage
function flatMessages(a: Attributes, prefix: string, direction: ChatMessage['direction']): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const { fields } of indexed(a, prefix)) {
    const role = str(fields, 'message.role') ?? (direction === 'output' ? 'assistant' : 'user');
    const m = message(role, direction, str(fields, 'message.content'), {
      name: str(fields, 'message.name'),
      toolCallId: str(fields, 'message.tool_call_id'),
    });
    for (const { fields: tc } of indexed(fields, 'message.tool_calls')) {
      const name = str(tc, 'tool_call.function.name');
      if (name) m.toolCalls.push({ id: str(tc, 'tool_call.id'), name, arguments: text(tc['tool_call.function.arguments'] ?? null) ?? '' });
    }
    if (m.content === null) {
      const parts = indexed(fields, 'message.contents')
        .map(({ fields: c }) => contentPartText(c, m.toolCalls.length > 0))
        .filter((t): t is string => t !== null);
      if (parts.length) m.content = parts.join('\n');
    }
    const fnName = str(fields, 'message.function_call_name');
    if (fnName) m.toolCalls.push({ id: null, name: fnName, arguments: str(fields, 'message.function_call_arguments_json') ?? '' });
    out.push(m);
  }
  return out;
}

// When the flattened messages are hidden, the request/response bodies often still carry them.
function messagesFromValues(a: Attributes): ChatMessage[] {
  const out: ChatMessage[] = [];
  const input = json(a['input.value']);
  if (isObj(input) && Array.isArray(input.messages)) out.push(...messageListOf(input.messages, 'input'));
  const output = json(a['output.value']);
  if (isObj(output) && Array.isArray(output.choices)) {
    for (const c of output.choices) out.push(...messagesOf(c, 'output'));
  }
  return out;
}

export const openInference: ConventionReader = {
  convention: 'openinference',
  detect: (span: RawSpan) => typeof span.attributes['openinference.span.kind'] === 'string' ||
    Object.keys(span.attributes).some((k) => k.startsWith('llm.input_messages.') || k.startsWith('llm.token_count.')),
  extract(span) {
    const a = span.attributes;
    const x: Extraction = { convention: 'openinference' };
    const sk = str(a, 'openinference.span.kind')?.toUpperCase() ?? null;
    if (sk && KIND[sk]) {
      x.kind = KIND[sk];
      x.operation = sk.toLowerCase();
    } else if (!sk) {
      x.kind = 'llm';
    }
    // llm.model_name is what the response reported when the instrumentation saw it.
    const rm = str(a, 'llm.response.model_name', 'llm.model_name', 'embedding.model_name', 'reranker.model_name');
    if (rm) x.responseModel = rm;
    const qm = str(a, 'llm.request.model_name');
    if (qm) x.requestModel = qm;
    const p = str(a, 'llm.provider', 'llm.system');
    if (p) x.provider = p;

    const u: NonNullable<Extraction['usage']> = {};
    const set = (k: keyof typeof u, v: number | null) => { if (v !== null) u[k] = v; };
    set('inputTokens', num(a, 'llm.token_count.prompt'));
    set('outputTokens', num(a, 'llm.token_count.completion'));
    set('cacheReadTokens', num(a, 'llm.token_count.prompt_details.cache_read'));
    set('cacheWriteTokens', num(a, 'llm.token_count.prompt_details.cache_write'));
    set('reasoningTokens', num(a, 'llm.token_count.completion_details.reasoning'));
    x.usage = u;
    const cost = num(a, 'llm.cost.total');
    if (cost !== null) x.reportedCostUsd = cost;
    else {
      const pc = num(a, 'llm.cost.prompt');
      const cc = num(a, 'llm.cost.completion');
      if (pc !== null || cc !== null) x.reportedCostUsd = (pc ?? 0) + (cc ?? 0);
    }

    let msgs = [...flatMessages(a, 'llm.input_messages', 'input'), ...flatMessages(a, 'llm.output_messages', 'output')];
    if (!msgs.length && x.kind === 'llm') msgs = messagesFromValues(a);
    if (msgs.length) x.messages = msgs;

    if (x.kind === 'tool') {
      const name = str(a, 'tool.name', 'tool_call.function.name') ?? span.name;
      x.tool = {
        name,
        callId: str(a, 'tool_call.id', 'tool.id'),
        arguments: text(a['tool_call.function.arguments'] ?? a['input.value'] ?? null),
        result: text(a['output.value'] ?? null),
      };
    }
    if (x.kind === 'agent') x.agentName = str(a, 'agent.name', 'graph.node.name') ?? span.name;
    else {
      const agent = str(a, 'agent.name');
      if (agent) x.agentName = agent;
    }
    const session = str(a, 'session.id');
    if (session) x.sessionId = session;
    return x;
  },
};

