// Checks: assertions declared in .agent-trace/checks.json (or .yaml) and evaluated on every
// finished trace. Pure types; config.ts reads them, evaluate.ts runs them.
import type { EvaluationThresholds } from '../evaluations';
import type { StepKind } from '../model';

export const CHECK_KINDS = [
  'tool_called',
  'tool_not_called',
  'final_answer',
  'max_cost',
  'max_tokens',
  'max_latency',
  'max_llm_calls',
  'max_tool_calls',
  'no_errors',
  'no_sensitive_data',
  'step_order',
  'max_repeats',
  'judge',
] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

/** A text test from the user: a regex (screened, see patterns.ts) or a plain substring. */
export interface TextTest {
  regex: RegExp | null;
  contains: string | null;
  /** For `contains`: compare lower-cased (the substring is stored lower-cased). */
  ignoreCase: boolean;
  /** What the user wrote, for messages. */
  label: string;
}

/** One matcher on a tool call's arguments: the value at `path` (dots and [n]) equals, contains or matches. */
export interface ArgumentMatcher {
  path: string[];
  pathText: string;
  equals?: unknown;
  contains?: string;
  matches?: RegExp;
}

/** Which steps a selector picks (every given field must match). */
export interface StepSelector {
  tool?: string;
  name?: string;
  kind?: StepKind;
  model?: string;
  agent?: string;
}

/**
 * Which traces a check applies to: a trace is in scope when some span matches every given field
 * (agent: gen_ai.agent.name or service.name; attributes: span or resource attribute equality).
 * A trace out of scope gets no result for that check.
 */
export interface CheckScope {
  agent?: string;
  service?: string;
  attributes?: Record<string, string | number | boolean>;
}

interface Base {
  /** Unique within the file; what results are stored and shown under. */
  name: string;
  /** 1-based line of the check in its file. */
  line: number;
  scope: CheckScope | null;
}

export type CheckSpec = Base &
  (
    | { kind: 'tool_called'; tool: string; arguments: ArgumentMatcher[]; min: number; max: number | null }
    | { kind: 'tool_not_called'; tool: string; arguments: ArgumentMatcher[] }
    | { kind: 'final_answer'; tests: { test: TextTest; negate: boolean }[] }
    | { kind: 'max_cost' | 'max_tokens' | 'max_latency' | 'max_llm_calls' | 'max_tool_calls'; max: number }
    | { kind: 'no_errors' }
    | { kind: 'no_sensitive_data'; categories: string[] }
    | { kind: 'step_order'; first: StepSelector; then: StepSelector }
    | { kind: 'max_repeats'; tool: string | null; max: number; sameArguments: boolean }
    /**
     * Model-judged (opt-in): the user's own OpenAI-compatible endpoint answers `question` about
     * the run, pass or fail by `passWhen`. Evaluated only when the user enables the judge
     * (src/server/judgeService.ts); evaluateChecks never answers it.
     */
    | { kind: 'judge'; question: string; passWhen: string | null }
  );

export type CheckOutcome = 'pass' | 'fail' | 'error';

export interface CheckResult {
  check: string;
  kind: CheckKind;
  outcome: CheckOutcome;
  /** A short sentence a person reads ("get_weather was called 0 times; expected ≥ 1"). */
  message: string;
  /** The step the result is about, when there is one (first offending call, the error span…). */
  spanId: string | null;
}

export interface ChecksProblem {
  /** 1-based line in the checks file. */
  line: number;
  message: string;
  /** The check it belongs to (its name when it has one), or null for the file as a whole. */
  check: string | null;
}

export interface ChecksConfig {
  checks: CheckSpec[];
  /** Each invalid check is left out with its problems; the valid ones still run. */
  problems: ChecksProblem[];
  /**
   * Pass/fail thresholds for evaluation results the agent sends (`evaluations` in the file,
   * keyed by gen_ai.evaluation.name); absent when the file declares none.
   */
  evaluations?: EvaluationThresholds;
}

export interface ChecksCounts {
  passed: number;
  failed: number;
  errors: number;
}
