// A trace's display title. Instrumentations often name every run alike ("agent run",
// "invoke_agent", "AgentExecutor"), so a list of runs reads as one name repeated. Such a run is
// titled by its agent and its first user message instead; a name the user chose is kept.
import type { CanonicalSpan } from './model';

/** Names that say what kind of run it is, not which one. Anchored and short: no backtracking. */
const GENERIC_NAME = /^(?:agent[ _.-]?run|run|agent|invoke[_ ]agent(?: \S{1,200})?|workflow|chain|agentexecutor|runnablesequence|langgraph|root|main|request|trace|unnamed trace)?$/i;

export function isGenericTraceName(name: string): boolean {
  return name.length <= 240 && GENERIC_NAME.test(name.trim());
}

export const TITLE_MESSAGE_CHARS = 60;

/** One line, at most `max` characters (an ellipsis marks the cut). */
export function oneLine(text: string, max: number): string {
  const flat = text.slice(0, max * 4).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}

export interface TitleSources {
  name: string;
  agentName: string | null;
  firstUserMessage: string | null;
}

/** "weather-assistant: Do I need an umbrella in Paris…" for a generic name; the name otherwise. */
export function traceTitle(s: TitleSources, maxMessage = TITLE_MESSAGE_CHARS): string {
  if (!isGenericTraceName(s.name)) return s.name;
  const agent = s.agentName ? oneLine(s.agentName, 40) : '';
  const message = s.firstUserMessage ? oneLine(s.firstUserMessage, maxMessage) : '';
  if (agent && message) return `${agent}: ${message}`;
  if (message) return message;
  if (agent) return `${agent} (${s.name.trim() || 'run'})`;
  return s.name;
}

/** The agent name and first user message of a run, from its spans in start order. */
export function titleSourcesOf(name: string, spansInStartOrder: readonly Pick<CanonicalSpan, 'norm'>[]): TitleSources {
  let agentName: string | null = null;
  let firstUserMessage: string | null = null;
  for (const s of spansInStartOrder) {
    agentName ??= s.norm.agentName;
    if (firstUserMessage === null) {
      const m = s.norm.messages.find((x) => x.direction === 'input' && (x.role === 'user' || x.role === 'human') && x.content);
      if (m?.content) firstUserMessage = m.content;
    }
    if (agentName !== null && firstUserMessage !== null) break;
  }
  return { name, agentName, firstUserMessage };
}
