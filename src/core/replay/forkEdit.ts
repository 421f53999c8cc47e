// "Re-run from this step…": the edit the user asked for, as a JSON document they change in the
// editor, and that document read back as the ForkEdit the replay plan applies. A request edit
// uses the Edit and re-send document (schemas/model-request.schema.json) of the recorded call;
// only the part the user chose to edit is taken from it, so an unrelated slip elsewhere in the
// document does not change the fork. A response edit is a small document of its own.
import { isObject, jsonEqual, parseJsonText, type JsonObject } from './json';
import type { ForkEdit } from './replayPlan';
import { requestFromDocument, draftFromRequest } from './resendRequest';
import { parseRequest, type RequestView } from './requestShape';
import type { ReplacementToolCall } from './synthesizeResponse';

export const FORK_EDIT_KINDS = ['system', 'messages', 'model', 'response'] as const;
export type ForkEditKind = (typeof FORK_EDIT_KINDS)[number];

export const FORK_EDIT_LABELS: Record<ForkEditKind, string> = {
  system: 'System prompt',
  messages: 'Messages',
  model: 'Model and parameters',
  response: 'Replacement response',
};

/** The response edit's document: what the model should have answered. */
export interface ResponseEditDocument {
  text: string | null;
  toolCalls?: ReplacementToolCall[];
  /** Serve the calls after this one from the recording too, instead of asking the model. */
  keepLaterReplayed?: boolean;
}

/** The document to edit for `kind`, from the recorded request (and the recorded response's text, for a response edit). */
export function forkEditDocument(kind: ForkEditKind, recorded: RequestView, responseText: string | null): object {
  if (kind === 'response') return { text: responseText ?? '', toolCalls: [], keepLaterReplayed: false } satisfies ResponseEditDocument;
  return draftFromRequest(recorded).document;
}

export type ForkEditResult = { ok: true; edit: ForkEdit } | { ok: false; error: string };

function responseEdit(text: string): ForkEditResult {
  const parsed = parseJsonText(text);
  if (!parsed.ok) return { ok: false, error: `The replacement response is not JSON: ${parsed.error}` };
  const doc = parsed.value;
  if (!isObject(doc)) return { ok: false, error: 'The replacement response must be a JSON object with "text".' };
  if (doc.text !== null && typeof doc.text !== 'string') return { ok: false, error: '"text" must be a string or null.' };
  const calls = doc.toolCalls ?? [];
  if (!Array.isArray(calls)) return { ok: false, error: '"toolCalls" must be a list.' };
  const toolCalls: ReplacementToolCall[] = [];
  for (const c of calls) {
    if (!isObject(c) || typeof c.name !== 'string' || typeof c.arguments !== 'string') return { ok: false, error: 'Each tool call needs "name" and "arguments" (JSON text).' };
    toolCalls.push({ name: c.name, arguments: c.arguments, ...(typeof c.id === 'string' ? { id: c.id } : {}) });
  }
  if (doc.text === null && toolCalls.length === 0) return { ok: false, error: 'The replacement response needs "text" or at least one tool call.' };
  return { ok: true, edit: { kind: 'response', response: { text: doc.text as string | null, toolCalls }, keepLaterReplayed: doc.keepLaterReplayed === true } };
}

/** The ForkEdit an edited document stands for; `recorded` is the fork call's recorded request. */
export function forkEditFromDocument(kind: ForkEditKind, text: string, recorded: RequestView): ForkEditResult {
  if (kind === 'response') return responseEdit(text);
  const request = requestFromDocument(text, recorded);
  if (!request.ok) return request;
  if (request.api !== recorded.api) return { ok: false, error: 'A fork keeps the recorded call\'s "api" (the agent\'s SDK talks to that one); use Edit and re-send to try another provider.' };
  const read = parseRequest(request.api, request.body);
  if (!read.ok) return read;
  const edited = read.view;
  switch (kind) {
    case 'system':
      return { ok: true, edit: { kind: 'request', system: edited.system } };
    case 'messages':
      return { ok: true, edit: { kind: 'request', messages: edited.messages } };
    case 'model': {
      const parameters: JsonObject = {};
      for (const [k, v] of Object.entries(edited.parameters)) if (!jsonEqual(recorded.parameters[k], v)) parameters[k] = v;
      const removeParameters = Object.keys(recorded.parameters).filter((k) => !(k in edited.parameters));
      return { ok: true, edit: { kind: 'request', model: edited.model ?? undefined, parameters, removeParameters } };
    }
  }
}
