// What a model call was asked and how it ended, beyond its messages: request parameters, the tools
// offered to the model, finish reasons and time to first token. Each instrumentation records
// these under its own keys (OTel GenAI, OpenInference, OpenLLMetry, the Vercel AI SDK); this
// reads whichever is present. Pure; attribute values are untrusted, so parsing is bounded.
import type { AttrValue, Attributes } from './model';

export interface ToolOffered {
  name: string;
  description: string | null;
  /** The parameters' JSON schema as recorded (a JSON string), or null. */
  parameters: string | null;
}

export interface ModelCallDetail {
  temperature: number | null;
  maxTokens: number | null;
  topP: number | null;
  /** Tools offered to the model, in the recorded order; null when none were recorded. */
  toolsOffered: ToolOffered[] | null;
  /** Why generation stopped ("stop", "tool_calls", "length"…), one per choice. */
  finishReasons: string[];
  /** Streaming: from the request to the first chunk, milliseconds. */
  timeToFirstTokenMs: number | null;
}

/** Attribute values are untrusted: parsed JSON strings are bounded in size, lists in length. */
const MAX_PARSED_JSON_CHARS = 200_000;
const MAX_TOOLS_OFFERED = 200;
const MAX_CHOICES = 64;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function parseJsonAttr(v: AttrValue | undefined): unknown {
  if (typeof v !== 'string') return v ?? null;
  if (v.length > MAX_PARSED_JSON_CHARS) return null;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return null;
  }
}

const asRecord = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

const schemaText = (v: unknown): string | null => (v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v));

/** A tool definition in any of the shapes the conventions record (OpenAI function, plain, JSON schema). */
function toolDefinition(def: unknown): ToolOffered {
  const d = asRecord(typeof def === 'string' ? parseJsonAttr(def) : def) ?? {};
  const fn = asRecord(d.function) ?? asRecord(d.json_schema) ?? d;
  return {
    name: str(fn.name) ?? str(d.name) ?? '?',
    description: str(fn.description) ?? str(d.description),
    parameters: schemaText(fn.parameters ?? fn.inputSchema ?? fn.input_schema ?? fn.schema ?? d.parameters),
  };
}

function toolsOffered(attrs: Attributes): ToolOffered[] | null {
  // OTel GenAI and the Vercel AI SDK: one attribute holding the definitions.
  for (const key of ['gen_ai.tool.definitions', 'gen_ai.request.tools', 'ai.prompt.tools']) {
    const defs = parseJsonAttr(attrs[key]);
    if (Array.isArray(defs) && defs.length) return defs.slice(0, MAX_TOOLS_OFFERED).map(toolDefinition);
  }
  // OpenLLMetry (llm.request.functions.N.*) and OpenInference (llm.tools.N.tool.json_schema), indexed.
  const tools: ToolOffered[] = [];
  for (let i = 0; i < MAX_TOOLS_OFFERED; i++) {
    const name = str(attrs[`llm.request.functions.${i}.name`]);
    const schema = attrs[`llm.tools.${i}.tool.json_schema`];
    if (name) {
      const description = str(attrs[`llm.request.functions.${i}.description`]);
      tools.push({ name, description, parameters: schemaText(attrs[`llm.request.functions.${i}.parameters`]) });
    } else if (schema !== undefined) tools.push(toolDefinition(schema));
    else break;
  }
  return tools.length ? tools : null;
}

function finishReasons(attrs: Attributes): string[] {
  const listed = attrs['gen_ai.response.finish_reasons'];
  if (Array.isArray(listed)) return listed.slice(0, MAX_CHOICES).filter((r): r is string => typeof r === 'string');
  const single = str(listed) ?? str(attrs['ai.response.finishReason']) ?? str(attrs['llm.response.finish_reason']);
  if (single) return [single];
  const out: string[] = [];
  // OpenLLMetry: gen_ai.completion.N.finish_reason, one per choice.
  for (let i = 0; i < MAX_CHOICES; i++) {
    const r = str(attrs[`gen_ai.completion.${i}.finish_reason`]);
    if (!r) break;
    out.push(r);
  }
  if (out.length) return out;
  // OTel GenAI with content on attributes: gen_ai.output.messages = [{role, parts, finish_reason}].
  const messages = parseJsonAttr(attrs['gen_ai.output.messages']);
  if (Array.isArray(messages)) for (const m of messages.slice(0, MAX_CHOICES)) {
    const r = str(asRecord(m)?.finish_reason);
    if (r) out.push(r);
  }
  return out;
}

function timeToFirstTokenMs(attrs: Attributes): number | null {
  const seconds = num(attrs['gen_ai.response.time_to_first_chunk']) ?? num(attrs['gen_ai.response.time_to_first_token']);
  if (seconds !== null) return seconds * 1000;
  return num(attrs['ai.response.msToFirstChunk']) ?? num(attrs['ai.stream.msToFirstChunk']);
}

/** Temperature, max tokens, top-p, tools offered, finish reasons and time to first token. */
export function modelCallDetail(attrs: Attributes): ModelCallDetail {
  const invocation = asRecord(parseJsonAttr(attrs['llm.invocation_parameters'])) ?? {};
  const first = (...values: unknown[]) => {
    for (const v of values) if (num(v) !== null) return v as number;
    return null;
  };
  return {
    temperature: first(attrs['gen_ai.request.temperature'], attrs['llm.request.temperature'], invocation.temperature, attrs['ai.settings.temperature']),
    maxTokens: first(
      attrs['gen_ai.request.max_tokens'],
      attrs['llm.request.max_tokens'],
      invocation.max_tokens,
      invocation.max_completion_tokens,
      attrs['ai.settings.maxOutputTokens'],
      attrs['ai.settings.maxTokens'],
    ),
    topP: first(attrs['gen_ai.request.top_p'], attrs['llm.request.top_p'], invocation.top_p, attrs['ai.settings.topP']),
    toolsOffered: toolsOffered(attrs),
    finishReasons: finishReasons(attrs),
    timeToFirstTokenMs: timeToFirstTokenMs(attrs),
  };
}
