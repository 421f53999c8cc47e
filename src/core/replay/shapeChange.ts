// Why a request of the new run is not the recorded one, in words a user reads in the run output:
// a different API, model, tool set, stream form or parameters ("the requests changed shape"), or
// a different conversation.
import { jsonEqual } from './json';
import { VOLATILE_FIELDS } from './requestHash';
import { apiName, type NeutralMessage, type RequestView } from './requestShape';

export interface RequestDifference {
  /** True when the API, model, tools, stream form or parameters differ, not only the conversation. */
  shapeChanged: boolean;
  /** Plain sentences, most important first. */
  messages: string[];
}

const EXCERPT_CHARS = 60;
const MAX_NAMES = 8;

const excerpt = (text: string | null): string => {
  if (text === null) return '(no text)';
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat);
};

const names = (xs: string[]): string => (xs.length > MAX_NAMES ? `${xs.slice(0, MAX_NAMES).join(', ')} and ${xs.length - MAX_NAMES} more` : xs.join(', '));

const withoutFrom = (m: NeutralMessage): NeutralMessage => {
  const { from: _from, ...rest } = m;
  return rest;
};

function toolDifference(call: string, recorded: RequestView, got: RequestView): string | null {
  const before = recorded.tools.map((t) => t.name);
  const after = got.tools.map((t) => t.name);
  const added = after.filter((n) => !before.includes(n));
  const removed = before.filter((n) => !after.includes(n));
  if (added.length || removed.length) {
    const parts = [added.length ? `added ${names(added)}` : '', removed.length ? `removed ${names(removed)}` : ''].filter(Boolean);
    return `${call} offers other tools than the recording: ${parts.join('; ')}.`;
  }
  const changed = got.tools.filter((t) => {
    const r = recorded.tools.find((x) => x.name === t.name);
    return !r || !jsonEqual({ ...t, from: 0 }, { ...r, from: 0 });
  });
  if (changed.length) return `${call} defines these tools differently from the recording: ${names(changed.map((t) => t.name))}.`;
  if (!jsonEqual(before, after)) return `${call} offers the same tools in another order.`;
  return null;
}

function parameterDifference(call: string, recorded: RequestView, got: RequestView): string | null {
  const keys = new Set([...Object.keys(recorded.parameters), ...Object.keys(got.parameters)]);
  const differing = [...keys].filter((k) => !VOLATILE_FIELDS.includes(k) && !jsonEqual(recorded.parameters[k], got.parameters[k]));
  return differing.length ? `${call} sets ${names(differing)} differently from the recording.` : null;
}

function conversationDifference(call: string, recorded: RequestView, got: RequestView): string | null {
  const a = recorded.messages.map(withoutFrom);
  const b = got.messages.map(withoutFrom);
  let i = 0;
  while (i < a.length && i < b.length && jsonEqual(a[i], b[i])) i++;
  if (i === a.length && i === b.length) return null;
  const count = a.length === b.length ? '' : ` It has ${b.length} messages where the recording had ${a.length}.`;
  if (i === a.length) return `${call} continues the recorded conversation with more messages.${count}`;
  if (i === b.length) return `${call} stops before the end of the recorded conversation.${count}`;
  return `${call} differs from the recording at message ${i + 1} (${b[i].role}): ${excerpt(b[i].content)} where the recording had ${excerpt(a[i].content)}.${count}`;
}

/**
 * What differs between a recorded request and one of the new run. `call` names the new request
 * in the sentences ("Call 3").
 */
export function describeDifference(call: string, recorded: RequestView, got: RequestView): RequestDifference {
  const shape: string[] = [];
  if (recorded.api !== got.api) shape.push(`${call} went to the ${apiName(got.api)} API; the recording went to ${apiName(recorded.api)}.`);
  if (recorded.model !== got.model) shape.push(`${call} asks for model ${got.model ?? '(none)'}; the recording used ${recorded.model ?? '(none)'}.`);
  const tools = toolDifference(call, recorded, got);
  if (tools) shape.push(tools);
  if (recorded.stream !== got.stream) shape.push(`${call} asks for ${got.stream ? 'a streamed' : 'a non-streamed'} answer; the recorded answer was ${recorded.stream ? 'streamed' : 'not streamed'}.`);
  const params = parameterDifference(call, recorded, got);
  if (params) shape.push(params);
  const conversation = conversationDifference(call, recorded, got);
  return { shapeChanged: shape.length > 0, messages: conversation ? [...shape, conversation] : shape };
}
