// What a fork changed at its fork step, read from the exact calls the recording proxy made (the
// compare of a fork with its original, issue 10). The agent's own spans record what the AGENT
// asked, not the edited request the proxy forwarded, so an edited system prompt whose answer
// happens to match would show no divergence at all; the recorded requests do show it.
//
// Each request body is read into its provider-neutral view (requestShape.ts) and written as one
// text per section (model, system prompt, messages, tools, parameters); sections that differ get
// a line-level diff (jsdiff's diffLines), bounded like the compare's word diffs.
import { diffLines } from 'diff';
import { canonicalJson, parseJsonText } from './json';
import { apiForPath, parseRequest, type NeutralMessage, type NeutralTool, type RequestView } from './requestShape';

export type RequestSection = 'model' | 'system' | 'messages' | 'tools' | 'parameters' | 'body';

export const REQUEST_SECTION_LABELS: Record<RequestSection, string> = {
  model: 'model',
  system: 'system prompt',
  messages: 'messages',
  tools: 'tools',
  parameters: 'parameters',
  body: 'request body',
};

export interface LinePart {
  op: 'equal' | 'insert' | 'delete';
  text: string;
}

export interface SectionDiff {
  section: RequestSection;
  /** Line-level diff, original → fork. */
  parts: LinePart[];
}

export interface RequestBodyDiff {
  /** Only the sections that differ, in the order above. */
  changed: SectionDiff[];
  unchanged: RequestSection[];
}

/** One side's recorded call at the fork step. */
export interface RecordedStepCall {
  /** The request path (which API the body speaks). */
  path: string;
  requestBody: string;
  requestTruncated: boolean;
  /** The text of the recorded response, when it could be read. */
  responseText: string | null;
  /** The proxy answered this call itself with a replacement response (a response edit). */
  synthesized: boolean;
}

export interface ForkStepDiff {
  /** What the fork edited: the request sent upstream, or the response (a replacement). */
  edit: 'request' | 'response';
  /** The exact requests, original → fork; null when either side has no recording. */
  request: RequestBodyDiff | null;
  /** For a response edit: the recorded answer → the replacement. */
  response: LinePart[] | null;
  /** What is missing or partial, in words ("no exact request recorded for the original step"). */
  notes: string[];
  /** A few words for the summary sentence: "system prompt changed". */
  what: string;
}

/** Beyond these sizes, edit lengths or times a section shows as replaced whole (request bodies are untrusted). */
const MAX_SECTION_CHARS = 1_000_000;
const MAX_LINE_EDITS = 5_000;
const MAX_LINE_DIFF_MS = 200;

/** Line-level diff by jsdiff; a section too large or too different shows as replaced whole. */
export function lineDiff(before: string, after: string): LinePart[] {
  if (before === after) return before ? [{ op: 'equal', text: before }] : [];
  const whole = (): LinePart[] => [
    ...(before ? [{ op: 'delete' as const, text: before }] : []),
    ...(after ? [{ op: 'insert' as const, text: after }] : []),
  ];
  if (before.length > MAX_SECTION_CHARS || after.length > MAX_SECTION_CHARS) return whole();
  const changes = diffLines(before, after, { ignoreNewlineAtEof: true, maxEditLength: MAX_LINE_EDITS, timeout: MAX_LINE_DIFF_MS });
  if (!changes) return whole();
  return changes.map((c) => ({ op: c.added ? 'insert' : c.removed ? 'delete' : 'equal', text: c.value }));
}

const pretty = (v: unknown): string => JSON.stringify(JSON.parse(canonicalJson(v)), null, 2);

function messageText(m: NeutralMessage): string {
  const head = `[${m.role}${m.name ? ` ${m.name}` : ''}${m.toolCallId ? ` → ${m.toolCallId}` : ''}]`;
  const calls = (m.toolCalls ?? []).map((c) => `call ${c.name}(${c.arguments})`);
  return [head, ...(m.content !== null ? [m.content] : []), ...calls].join('\n');
}

const toolText = (t: NeutralTool): string => [`${t.name}${t.description ? `: ${t.description}` : ''}`, ...(t.parameters !== null ? [pretty(t.parameters)] : [])].join('\n');

/** One text per section of a readable request; what a user compares line by line. */
function sectionsOf(view: RequestView): Record<Exclude<RequestSection, 'body'>, string> {
  return {
    model: view.model ?? '',
    system: view.system ?? '',
    messages: view.messages.map(messageText).join('\n\n'),
    tools: view.tools.map(toolText).join('\n\n'),
    // One `key: value` line per parameter (sorted), so a changed parameter is one changed line.
    parameters: Object.entries({ ...view.parameters, stream: view.stream })
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
      .map(([k, v]) => `${k}: ${canonicalJson(v)}`)
      .join('\n'),
  };
}

function readableView(call: RecordedStepCall): RequestView | null {
  const api = apiForPath(call.path);
  if (!api || call.requestTruncated) return null;
  const read = parseRequest(api, call.requestBody);
  return read.ok ? read.view : null;
}

/** The body as text to diff when it cannot be read into sections: pretty JSON when it is JSON. */
function bodyText(body: string): string {
  const parsed = parseJsonText(body); // refuses hostile nesting before pretty() recurses
  return parsed.ok ? pretty(parsed.value) : body;
}

/** The differences between two exact request bodies, by section (the whole body when either cannot be read). */
export function diffRequestBodies(original: RecordedStepCall, fork: RecordedStepCall): RequestBodyDiff {
  const a = readableView(original);
  const b = readableView(fork);
  if (!a || !b || a.api !== b.api) {
    const [x, y] = [bodyText(original.requestBody), bodyText(fork.requestBody)];
    return x === y ? { changed: [], unchanged: ['body'] } : { changed: [{ section: 'body', parts: lineDiff(x, y) }], unchanged: [] };
  }
  const sa = sectionsOf(a);
  const sb = sectionsOf(b);
  const out: RequestBodyDiff = { changed: [], unchanged: [] };
  for (const section of ['model', 'system', 'messages', 'tools', 'parameters'] as const) {
    if (sa[section] === sb[section]) out.unchanged.push(section);
    else out.changed.push({ section, parts: lineDiff(sa[section], sb[section]) });
  }
  return out;
}

const sectionWords = (d: RequestBodyDiff): string => d.changed.map((c) => REQUEST_SECTION_LABELS[c.section]).join(', ');

/**
 * What the fork changed at its step. `original` and `fork` are the recorded calls linked to the
 * two steps, or null when the proxy recorded none (it was off for the original run, say).
 */
export function forkStepDiff(original: RecordedStepCall | null, fork: RecordedStepCall | null): ForkStepDiff {
  const notes: string[] = [];
  if (!original) notes.push('No exact request recorded for the original step: the recording proxy was off for that run, or the call could not be linked.');
  if (!fork) notes.push('No exact request recorded for the forked step: the call could not be linked to its recording.');
  for (const [side, call] of [['original', original], ['forked', fork]] as const) {
    if (call?.requestTruncated) notes.push(`The ${side} step's recorded request was cut at the proxy's size limit: compared as recorded.`);
  }
  if (fork?.synthesized) {
    const response = original ? lineDiff(original.responseText ?? '', fork.responseText ?? '') : null;
    if (original && (original.responseText === null || fork.responseText === null)) notes.push('A recorded response has no readable text.');
    const request = original ? diffRequestBodies(original, fork) : null;
    return { edit: 'response', request, response, notes, what: 'the response was replaced' };
  }
  if (!original || !fork) return { edit: 'request', request: null, response: null, notes, what: original ? 'no exact request recorded for the forked step' : 'no exact request recorded for the original step' };
  const request = diffRequestBodies(original, fork);
  const what = request.changed.length ? `${sectionWords(request)} changed` : 'the exact requests are the same';
  return { edit: 'request', request, response: null, notes, what };
}
