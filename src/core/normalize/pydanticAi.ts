// pydantic-ai's own instrumentation (scope `pydantic-ai`). Its data format has a version,
// chosen with `InstrumentationSettings(version=N)`, unrelated to the package version. What each
// version sends, read from pydantic/pydantic-ai (`models/instrumented.py`, `_instrumentation.py`,
// `_tool_manager.py`, the agent run span; the commits are in docs/python.md and in each fixture
// of test/fixtures/conventions/python/):
//
// | version | agent run span                           | model request span `chat {model}`                              | tool span                                   |
// |---------|------------------------------------------|----------------------------------------------------------------|---------------------------------------------|
// | 1       | `agent run`; agent_name, model_name,     | `events`: JSON list of GenAI event bodies merged with their    | `running tool`; gen_ai.tool.name,           |
// |         | all_messages_events (JSON), final_result | attributes (event.name, gen_ai.message.index), the answer as   | gen_ai.tool.call.id, tool_arguments,        |
// |         |                                          | gen_ai.choice; or log records with event_mode='logs'           | tool_response                               |
// | 2       | `agent run`; pydantic_ai.all_messages,   | gen_ai.input.messages / gen_ai.output.messages (OTel parts),   | as 1                                        |
// |         | gen_ai.system_instructions               | gen_ai.system_instructions                                     |                                             |
// | 3       | `invoke_agent {name}`; gen_ai.agent.name | as 2                                                           | `execute_tool {name}`;                      |
// |         |                                          |                                                                | gen_ai.tool.call.arguments / .result        |
// | 4       | as 3                                     | as 3; media as uri / blob parts instead of image-url / binary  | as 3                                        |
// | 5       | as 3                                     | as 4, plus the run baggage (gen_ai.agent.name, .call.id)       | as 3                                        |
//
// Every version writes gen_ai.usage.*, gen_ai.request.model, gen_ai.response.model and
// gen_ai.system on the request span (newer package releases also gen_ai.provider.name,
// operation.cost and gen_ai.tool.definitions, whatever the version); otelGenAi reads those and the version 2+ message
// attributes. This reader adds what is pydantic-ai's own: version 1's `events` JSON, the
// pre-3 tool attributes and span names, and the agent run span. Tool returns inside version 2+
// messages are `tool_call_response` parts (messages.ts turns them into tool results).
import type { AttrValue, ChatMessage, RawSpan } from '../model';
import { isObj, json, str, text } from './attrs';
import { message, messageListOf, messagesOf, systemInstructionsOf } from './messages';
import type { ConventionReader, Extraction } from './types';

type Obj = { [key: string]: AttrValue };

const PYDANTIC_KEYS = ['tool_arguments', 'tool_response', 'all_messages_events', 'pydantic_ai.all_messages', 'model_request_parameters'];

const s = (v: AttrValue | undefined): string | null => (typeof v === 'string' ? v : null);

// Version 1 writes one object per GenAI event: the event body merged with its attributes
// (`event.name`, `gen_ai.message.index`, `gen_ai.system`). The oldest releases left out
// `event.name`, so the role (and a `message` wrapper for the choice) says which event it is.
function eventItemMessages(item: Obj): ChatMessage[] {
  const name = s(item['event.name']) ?? '';
  if (name === 'gen_ai.choice' || (name === '' && isObj(item.message) && item.role === undefined)) {
    const msg = isObj(item.message) ? item.message : item;
    return messagesOf({ role: 'assistant', ...msg }, 'output', 'assistant');
  }
  const role = name.startsWith('gen_ai.') ? name.split('.')[1] : s(item.role) ?? 'user';
  if (role === 'tool') {
    const content = item.content ?? null;
    return [message('tool', 'input', typeof content === 'string' ? content : text(content), { toolCallId: s(item.id), name: s(item.name) })];
  }
  return messagesOf({ ...item, role: s(item.role) ?? role }, 'input', role);
}

/** Version 1's `events` / `all_messages_events` JSON list. */
export function pydanticEventsMessages(v: AttrValue | undefined): ChatMessage[] {
  const parsed = json(v);
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(isObj).flatMap(eventItemMessages);
}

const isToolSpan = (span: RawSpan) =>
  span.name === 'running tool' || span.name === 'running output function' || span.name.startsWith('execute_tool ') ||
  span.attributes['tool_arguments'] !== undefined || span.attributes['tool_response'] !== undefined;

const isAgentSpan = (span: RawSpan) =>
  span.name === 'agent run' || span.name.startsWith('invoke_agent') || span.attributes['agent_name'] !== undefined ||
  span.attributes['all_messages_events'] !== undefined || span.attributes['pydantic_ai.all_messages'] !== undefined;

function agentMessages(a: RawSpan['attributes']): ChatMessage[] {
  if (a['all_messages_events'] !== undefined) return pydanticEventsMessages(a['all_messages_events']);
  return [...systemInstructionsOf(a['gen_ai.system_instructions']), ...messageListOf(a['pydantic_ai.all_messages'], 'input')];
}

export const pydanticAi: ConventionReader = {
  convention: 'pydantic-ai',
  detect: (span) => span.scope.name === 'pydantic-ai' || PYDANTIC_KEYS.some((k) => span.attributes[k] !== undefined),
  extract(span) {
    const a = span.attributes;
    const x: Extraction = { convention: 'pydantic-ai' };
    if (isToolSpan(span)) {
      x.kind = 'tool';
      x.operation = 'execute_tool';
      const name = str(a, 'gen_ai.tool.name', 'tool_name') ?? span.name.replace(/^execute_tool /, '');
      x.tool = {
        name,
        callId: str(a, 'gen_ai.tool.call.id'),
        arguments: text(a['tool_arguments'] ?? a['gen_ai.tool.call.arguments'] ?? null),
        result: text(a['tool_response'] ?? a['gen_ai.tool.call.result'] ?? null),
      };
      return x;
    }
    if (isAgentSpan(span)) {
      x.kind = 'agent';
      x.operation = 'invoke_agent';
      const agent = str(a, 'agent_name', 'gen_ai.agent.name');
      if (agent) x.agentName = agent;
      const model = str(a, 'model_name');
      if (model) x.requestModel = model;
      const msgs = agentMessages(a);
      const final = a['final_result'];
      if (final !== undefined && final !== null && !msgs.some((m) => m.direction === 'output')) {
        msgs.push(message('assistant', 'output', typeof final === 'string' ? final : text(final)));
      }
      if (msgs.length) x.messages = msgs;
      return x;
    }
    // Model request span: version 1 keeps the conversation in `events`.
    if (typeof a['events'] === 'string') {
      const msgs = pydanticEventsMessages(a['events']);
      if (msgs.length) x.messages = msgs;
      if (str(a, 'gen_ai.operation.name') === null) x.kind = 'llm';
    }
    return x;
  },
};
