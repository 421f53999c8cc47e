// The tool set, one list for the MCP server and the VS Code language-model tools: name, a
// description that tells a model when to reach for it, the input schema, and the operation.
import { z } from 'zod';
import { AgentAccess, LIMITS, type ToolAnswer } from './agentAccess';

const traceId = z.string().min(1).max(64).describe('Trace id (32 hex characters), from list_traces or search.');
const stepId = z.string().min(1).max(64).describe('Step (span) id (16 hex characters), from get_trace or search.');
const cursor = z.string().max(12).optional().describe('nextCursor from a previous result of this tool, to fetch the next part.');

export interface AgentTool {
  name: string;
  title: string;
  description: string;
  input: z.ZodObject;
  call(access: AgentAccess, args: Record<string, unknown>): ToolAnswer;
}

const SIZED = 'Results fit a token budget; when more remain, pass nextCursor back as cursor. Text is redacted under the workspace policy unless the user turned that off; the "redaction" field says so.';

export const AGENT_TOOLS: readonly AgentTool[] = [
  {
    name: 'list_traces',
    title: 'List agent traces',
    description: `List recorded LLM-agent traces (newest first) with duration, step, error, token and cost totals. Use it first to find the trace of the run being debugged; filter by text, service, model or errors only. ${SIZED}`,
    input: z.object({
      text: z.string().max(500).optional().describe('Only traces whose name, id or step text contains this.'),
      service: z.string().max(200).optional().describe('Only traces from this service.name.'),
      model: z.string().max(200).optional().describe('Only traces that called this model (canonical name, e.g. gpt-4o-mini).'),
      errorsOnly: z.boolean().optional().describe('Only traces with at least one failed step.'),
      limit: z.number().int().min(1).max(LIMITS.listTraces).optional().describe(`How many traces to consider (default 50, at most ${LIMITS.listTraces}).`),
      cursor,
    }),
    call: (a, args) => a.listTraces(args as Parameters<AgentAccess['listTraces']>[0]),
  },
  {
    name: 'get_trace',
    title: 'Get a trace as a step tree',
    description: `Summary and step tree of one trace: each step has kind (llm, tool, agent…), name, duration, tokens, cost, status and source file:line. Use it to see what an agent run did and where it failed or spent time. Large traces come back summarized (error path and most expensive steps kept, the rest counted as folded); pass rootStepId to expand one part. ${SIZED}`,
    input: z.object({ traceId, rootStepId: stepId.optional().describe('Show only this step and its descendants.'), cursor }),
    call: (a, args) => a.getTrace(args as Parameters<AgentAccess['getTrace']>[0]),
  },
  {
    name: 'get_step',
    title: 'Get one step in full',
    description: `One step of a trace in full: the prompt and completion messages, tool call arguments and result, error and stack trace, events. Use it after get_trace to read what the model was asked and answered, or why a tool failed. ${SIZED}`,
    input: z.object({ traceId, stepId, includeAttributes: z.boolean().optional().describe('Also list the raw OpenTelemetry attributes.'), cursor }),
    call: (a, args) => a.getStep(args as Parameters<AgentAccess['getStep']>[0]),
  },
  {
    name: 'search',
    title: 'Search trace content',
    description: `Full-text search over every recorded step (names, prompts, completions, tool arguments and results, errors, logs), best match first. Use it to find the run or step that mentions an error message, a tool or an input. ${SIZED}`,
    input: z.object({
      text: z.string().min(1).max(500).describe('Words to search for.'),
      limit: z.number().int().min(1).max(LIMITS.search).optional().describe(`Most hits (default 20, at most ${LIMITS.search}).`),
      cursor,
    }),
    call: (a, args) => a.search(args as Parameters<AgentAccess['search']>[0]),
  },
  {
    name: 'check_results',
    title: 'Results of trace checks',
    description: `Results of the checks (assertions such as "the weather tool was called", "cost under $0.01", "no secrets") declared in the workspace's .agent-trace/checks.json and run on every finished trace: pass, fail, or error (could not be evaluated) with a short message and the step it is about, plus the evaluation results the agent sent itself (gen_ai.evaluation.result: name, score, label, explanation, pass/fail/info). Without traceId: the recent traces whose checks did not all pass. ${SIZED}`,
    input: z.object({ traceId: traceId.optional().describe('Results of this trace only (default: the traces with failed checks).'), cursor }),
    call: (a, args) => a.checkResults(args as Parameters<AgentAccess['checkResults']>[0]),
  },
  {
    name: 'redaction_findings',
    title: 'Secrets and personal data found in traces',
    description: `Secrets (API keys, tokens) and personal data (emails, phone numbers…) found in recorded traces under the workspace redaction policy, with where they are and what the policy does with them. Values are always masked. Use it to check whether an agent leaks secrets into prompts or tool calls. ${SIZED}`,
    input: z.object({ traceId: traceId.optional().describe('Scan only this trace (default: the newest traces).'), cursor }),
    call: (a, args) => a.redactionFindings(args as Parameters<AgentAccess['redactionFindings']>[0]),
  },
  {
    name: 'source_of_step',
    title: 'Source location of a step',
    description: 'The source file and line (and function) in the agent\'s code that produced a step, when it was recorded. Use it to jump from a failing or slow step to the code to change.',
    input: z.object({ traceId, stepId }),
    call: (a, args) => a.sourceOfStep(args as Parameters<AgentAccess['sourceOfStep']>[0]),
  },
  {
    name: 'compare_runs',
    title: 'Compare two runs step by step',
    description: `Align two runs of an agent step by step and say where they diverge ("run B diverges at step 4: the model called search_docs instead of get_weather"), with totals and their deltas (duration, model and tool calls, tokens, cost, errors) and, for each changed, added or removed step, what changed: word diffs of messages, structural diffs of tool arguments and results, model, parameters, usage, status, error. Use it after a prompt, tool or model change to see what got different or worse; pass the earlier run as traceIdA. ${SIZED}`,
    input: z.object({
      traceIdA: traceId.describe('The earlier (baseline) run.'),
      traceIdB: traceId.describe('The run to compare with it.'),
      cursor,
    }),
    call: (a, args) => a.compareRuns(args as Parameters<AgentAccess['compareRuns']>[0]),
  },
];
