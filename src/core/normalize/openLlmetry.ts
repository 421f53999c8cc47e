// OpenLLMetry / Traceloop: `traceloop.span.kind` and `traceloop.entity.*` on workflow, task,
// agent and tool spans; indexed `gen_ai.prompt.N.*` / `gen_ai.completion.N.*` messages and
// `llm.*` extras on LLM spans (newer releases write plain OTel GenAI attributes instead).
import type { AttrValue, Attributes, ChatMessage, RawSpan, StepKind } from '../model';
import { hasPrefix, indexed, isObj, json, num, str, text } from './attrs';
import { message, messagesOf } from './messages';
import type { ConventionReader, Extraction } from './types';

const KIND: Record<string, StepKind> = {
  workflow: 'workflow',
  task: 'workflow', // a unit of work inside a workflow; shown as an orchestration step
  agent: 'agent',
  tool: 'tool',
  session: 'workflow',
};

const REQUEST_TYPE: Record<string, { kind: StepKind; operation: string }> = {
  chat: { kind: 'llm', operation: 'chat' },
  completion: { kind: 'llm', operation: 'text_completion' },
  embedding: { kind: 'embedding', operation: 'embeddings' },
  rerank: { kind: 'retriever', operation: 'rerank' },
};

function indexedMessages(a: Attributes, prefix: string, direction: ChatMessage['direction']): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const { fields } of indexed(a, prefix)) {
    const role = str(fields, 'role') ?? (direction === 'output' ? 'assistant' : 'user');
    // content may be plain text or a JSON array of content parts
    const parsed = messagesOf({ role, content: fields['content'] ?? null }, direction, role);
    const m = parsed[0] ?? message(role, direction, null);
    m.toolCallId = str(fields, 'tool_call_id') ?? m.toolCallId; // a tool_result block carries its own id
    if (m.content === '') m.content = null; // OpenLLMetry writes '' beside tool calls
    for (const { fields: tc } of indexed(fields, 'tool_calls')) {
      const name = str(tc, 'name', 'function.name');
      if (name) m.toolCalls.push({ id: str(tc, 'id'), name, arguments: text(tc['arguments'] ?? tc['function.arguments'] ?? null) ?? '' });
    }
    const fnName = str(fields, 'function_call.name');
    if (fnName) m.toolCalls.push({ id: null, name: fnName, arguments: str(fields, 'function_call.arguments') ?? '' });
    out.push(m, ...parsed.slice(1));
  }
  return out;
}

// traceloop-sdk's decorators (@workflow, @task, @agent, @tool) write the call as
// json.dumps({"args": [...], "kwargs": {...}}) and the return value as json.dumps(result)
// (see docs/python.md). Shown decoded: the keyword arguments alone when there are no
// positional ones, a single positional argument alone when there are no keyword ones (a
// string as its text), and a returned string as its text rather than a JSON string literal.
function entityInput(v: AttrValue | undefined): string | null {
  const parsed = json(v);
  if (isObj(parsed) && isObj(parsed.kwargs) && Array.isArray(parsed.args) && Object.keys(parsed).length === 2) {
    const noKwargs = Object.keys(parsed.kwargs).length === 0;
    if (parsed.args.length === 0) return text(parsed.kwargs);
    if (parsed.args.length === 1 && noKwargs) return text(parsed.args[0]);
    return text(parsed);
  }
  return typeof v === 'string' ? v : text(v ?? null);
}

function entityOutput(v: AttrValue | undefined): string | null {
  const parsed = json(v);
  if (typeof parsed === 'string') return parsed;
  return typeof v === 'string' ? v : text(v ?? null);
}

const isTraceloopScope = (span: RawSpan) => span.scope.name.startsWith('@traceloop/') || span.scope.name.startsWith('traceloop.');

export const openLlmetry: ConventionReader = {
  convention: 'openllmetry',
  detect: (span) => {
    const a = span.attributes;
    return hasPrefix(a, 'traceloop.') || hasPrefix(a, 'gen_ai.prompt.') || hasPrefix(a, 'gen_ai.completion.') ||
      a['llm.request.type'] !== undefined || a['llm.usage.total_tokens'] !== undefined || isTraceloopScope(span);
  },
  extract(span) {
    const a = span.attributes;
    const x: Extraction = { convention: 'openllmetry' };
    const sk = str(a, 'traceloop.span.kind')?.toLowerCase();
    const rt = str(a, 'llm.request.type')?.toLowerCase();
    if (sk && KIND[sk]) {
      x.kind = KIND[sk];
      x.operation = sk;
    } else if (rt && REQUEST_TYPE[rt]) {
      x.kind = REQUEST_TYPE[rt].kind;
      x.operation = REQUEST_TYPE[rt].operation;
    }
    const entity = str(a, 'traceloop.entity.name');
    const input = entityInput(a['traceloop.entity.input']);
    const output = entityOutput(a['traceloop.entity.output']);
    if (x.kind === 'tool') x.tool = { name: entity ?? span.name, callId: null, arguments: input, result: output };
    if (x.kind === 'agent') x.agentName = entity ?? span.name;

    const msgs = [...indexedMessages(a, 'gen_ai.prompt', 'input'), ...indexedMessages(a, 'gen_ai.completion', 'output')];
    if (!msgs.length && x.kind !== 'tool' && (input !== null || output !== null) && sk) {
      if (input !== null) msgs.push(message('user', 'input', input));
      if (output !== null) msgs.push(message('assistant', 'output', output));
    }
    if (msgs.length) x.messages = msgs;

    const u: NonNullable<Extraction['usage']> = {};
    const inT = num(a, 'gen_ai.usage.prompt_tokens', 'gen_ai.usage.input_tokens', 'llm.usage.prompt_tokens');
    const outT = num(a, 'gen_ai.usage.completion_tokens', 'gen_ai.usage.output_tokens', 'llm.usage.completion_tokens');
    const total = num(a, 'llm.usage.total_tokens', 'gen_ai.usage.total_tokens');
    // Older OpenLLMetry releases and exporters built on them put the cache counts under llm.usage.*.
    const cacheRead = num(a, 'llm.usage.cache_read_input_tokens');
    const cacheWrite = num(a, 'llm.usage.cache_creation_input_tokens');
    if (cacheRead !== null) u.cacheReadTokens = cacheRead;
    if (cacheWrite !== null) u.cacheWriteTokens = cacheWrite;
    if (inT !== null) u.inputTokens = inT;
    if (outT !== null) u.outputTokens = outT;
    // Only the total reported: the output share is what remains after a known input.
    if (outT === null && inT !== null && total !== null && total >= inT) u.outputTokens = total - inT;
    x.usage = u;

    const session = str(a, 'traceloop.association.properties.session_id', 'traceloop.association.properties.conversation_id',
      'traceloop.association.properties.thread_id', 'traceloop.association.properties.sessionId');
    if (session) x.sessionId = session;
    return x;
  },
};
