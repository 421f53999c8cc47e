// Vercel AI SDK. Two span formats exist:
//  - legacy `ai.*` spans (AI SDK ≤ 6, and `LegacyOpenTelemetry` in 7): `ai.generateText`,
//    `ai.generateText.doGenerate`, `ai.streamText(.doStream)`, `ai.generateObject`,
//    `ai.embed(Many)(.doEmbed)`, `ai.toolCall`, with `ai.model.*`, `ai.usage.*`, `ai.prompt*`,
//    `ai.response.*`, `ai.toolCall.*`;
//  - `@ai-sdk/otel`'s `OpenTelemetry` (AI SDK 7): plain OTel GenAI spans (`invoke_agent`,
//    `step N` with operation `agent_step`, `chat`, `execute_tool`) from scope `ai`; otelGenAi
//    reads those, this reader only labels them.
// The outer generateText/streamText/generateObject span is the agent loop (steps, tool calls),
// so it is kind 'agent' with operation 'invoke_agent', as the SDK's own GenAI format names it.
// The do* spans are the model calls (kind 'llm').
import type { Attributes, ChatMessage, RawSpan, StepKind } from '../model';
import { isObj, json, num, str, text } from './attrs';
import { message, messageListOf, toolCallsOf } from './messages';
import type { ConventionReader, Extraction } from './types';

function classify(op: string): { kind: StepKind; operation: string } | null {
  const base = op.split(' ')[0]; // `operation.name` appends the functionId
  if (/^ai\.(generateText|streamText|generateObject|streamObject)$/.test(base)) return { kind: 'agent', operation: 'invoke_agent' };
  if (/^ai\.(generateText|streamText|generateObject|streamObject)\.(doGenerate|doStream)$/.test(base)) return { kind: 'llm', operation: 'chat' };
  if (/^ai\.(embed|embedMany)(\.doEmbed)?$/.test(base)) return { kind: 'embedding', operation: 'embeddings' };
  if (base === 'ai.toolCall') return { kind: 'tool', operation: 'execute_tool' };
  if (/^ai\.rerank(\.doRerank)?$/.test(base)) return { kind: 'retriever', operation: 'rerank' };
  if (base.startsWith('ai.')) return { kind: 'other', operation: base };
  return null;
}

function legacyUsage(a: Attributes): Extraction['usage'] {
  const u: NonNullable<Extraction['usage']> = {};
  const set = (k: keyof typeof u, v: number | null) => { if (v !== null) u[k] = v; };
  set('inputTokens', num(a, 'ai.usage.inputTokens', 'ai.usage.promptTokens', 'ai.usage.tokens'));
  set('outputTokens', num(a, 'ai.usage.outputTokens', 'ai.usage.completionTokens'));
  set('cacheReadTokens', num(a, 'ai.usage.inputTokenDetails.cacheReadTokens', 'ai.usage.cachedInputTokens'));
  set('cacheWriteTokens', num(a, 'ai.usage.inputTokenDetails.cacheWriteTokens'));
  set('reasoningTokens', num(a, 'ai.usage.outputTokenDetails.reasoningTokens', 'ai.usage.reasoningTokens'));
  // Before usage details existed (AI SDK 4/5), Anthropic's cache counts came only in the provider metadata.
  const meta = json(a['ai.response.providerMetadata']);
  const anthropic = isObj(meta) && isObj(meta.anthropic) ? meta.anthropic : null;
  if (anthropic) {
    if (u.cacheWriteTokens === undefined) set('cacheWriteTokens', num(anthropic, 'cacheCreationInputTokens'));
    if (u.cacheReadTokens === undefined) set('cacheReadTokens', num(anthropic, 'cacheReadInputTokens'));
  }
  return u;
}

// `ai.prompt` is {system?, prompt?, messages?}; `ai.prompt.messages` the provider-bound list.
function promptMessages(a: Attributes): ChatMessage[] {
  const list = messageListOf(a['ai.prompt.messages'], 'input');
  if (list.length) return list;
  const p = json(a['ai.prompt']);
  if (typeof p === 'string') return [message('user', 'input', p)];
  if (!isObj(p)) return [];
  const out: ChatMessage[] = [];
  if (typeof p.system === 'string') out.push(message('system', 'input', p.system));
  if (p.messages !== undefined && p.messages !== null) out.push(...messageListOf(p.messages, 'input'));
  if (typeof p.prompt === 'string') out.push(message('user', 'input', p.prompt));
  else if (Array.isArray(p.prompt)) out.push(...messageListOf(p.prompt, 'input'));
  return out;
}

function responseMessages(a: Attributes): ChatMessage[] {
  const t = str(a, 'ai.response.text') ?? text(a['ai.response.object'] ?? null);
  const calls = toolCallsOf(a['ai.response.toolCalls']);
  if (t === null && !calls.length) return [];
  const m = message('assistant', 'output', t && t !== '' ? t : null);
  m.toolCalls.push(...calls);
  return [m];
}

const isModernScope = (span: RawSpan) => span.scope.name === 'ai' && typeof span.attributes['gen_ai.operation.name'] === 'string';

export const vercelAi: ConventionReader = {
  convention: 'vercel-ai',
  detect: (span) => typeof span.attributes['ai.operationId'] === 'string' || span.name.startsWith('ai.') ||
    Object.keys(span.attributes).some((k) => k.startsWith('ai.')) || isModernScope(span),
  extract(span) {
    const a = span.attributes;
    const x: Extraction = { convention: 'vercel-ai' };
    const c = classify(str(a, 'ai.operationId', 'operation.name') ?? span.name);
    if (c) {
      x.kind = c.kind;
      x.operation = c.operation;
    }
    const rm = str(a, 'ai.response.model');
    if (rm) x.responseModel = rm;
    const qm = str(a, 'ai.model.id');
    if (qm) x.requestModel = qm;
    const p = str(a, 'ai.model.provider');
    if (p) x.provider = p;
    x.usage = legacyUsage(a);
    const msgs = [...promptMessages(a), ...responseMessages(a)];
    if (msgs.length) x.messages = msgs;
    if (x.kind === 'tool') {
      x.tool = {
        name: str(a, 'ai.toolCall.name') ?? span.name,
        callId: str(a, 'ai.toolCall.id'),
        arguments: text(a['ai.toolCall.input'] ?? a['ai.toolCall.args'] ?? null),
        result: text(a['ai.toolCall.output'] ?? a['ai.toolCall.result'] ?? null),
      };
    }
    const fn = str(a, 'ai.telemetry.functionId', 'resource.name');
    if (fn && x.kind === 'agent') x.agentName = fn;
    const session = str(a, 'ai.telemetry.metadata.sessionId', 'ai.telemetry.metadata.session_id',
      'ai.telemetry.metadata.conversationId', 'ai.settings.context.sessionId');
    if (session) x.sessionId = session;
    return x;
  },
};
