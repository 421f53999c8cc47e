// What a policy keeps of the traces that matter, in numbers and in one plain sentence, and a
// suggested policy that keeps every error plus a probabilistic baseline within a budget.
import type { SamplingTrace, TraceDecision } from './types';

export interface GroupVerdict {
  /** errors | failed_checks | loops | costliest | slowest | rare_tool_paths */
  group: string;
  label: string;
  total: number;
  kept: number;
  /** The trace ids of the group that the policy drops. */
  lostTraceIds: string[];
}

export interface SamplingVerdict {
  traces: number;
  kept: number;
  groups: GroupVerdict[];
  sentence: string;
}

export interface VerdictOptions {
  /** A tool called at least this many times in one trace marks a loop (default 3). */
  loopThreshold?: number;
}

/** The top 1% (at least one trace) by a measure, ignoring traces without it. */
function topPercent(traces: readonly SamplingTrace[], measure: (t: SamplingTrace) => number | null): SamplingTrace[] {
  const known = traces.filter((t) => measure(t) !== null);
  const n = Math.max(1, Math.ceil(known.length / 100));
  return known.length ? [...known].sort((a, b) => measure(b)! - measure(a)!).slice(0, n) : [];
}

/** Traces whose tool path (the tool names in order) is shared by at most 1% of tool-using traces (at least: unique). */
function rareToolPaths(traces: readonly SamplingTrace[]): SamplingTrace[] {
  const withTools = traces.filter((t) => t.tools.length);
  const counts = new Map<string, number>();
  const path = (t: SamplingTrace) => t.tools.join(' → ');
  for (const t of withTools) counts.set(path(t), (counts.get(path(t)) ?? 0) + 1);
  const limit = Math.max(1, Math.floor(withTools.length / 100));
  // With a single distinct path nothing is rare.
  return counts.size < 2 ? [] : withTools.filter((t) => counts.get(path(t))! <= limit);
}

export function isLoop(trace: SamplingTrace, threshold: number): boolean {
  const counts = new Map<string, number>();
  for (const tool of trace.tools) {
    const n = (counts.get(tool) ?? 0) + 1;
    if (n >= threshold) return true;
    counts.set(tool, n);
  }
  return false;
}

function describe(g: GroupVerdict, noun: string): string {
  const lost = g.total - g.kept;
  if (lost === 0) return g.total === 1 ? `keeps the only ${noun}` : `keeps all ${g.total} ${noun}`;
  if (g.kept === 0) return g.total === 1 ? `drops the only ${noun}` : `drops all ${g.total} ${noun}`;
  return `drops ${lost} of ${g.total} ${noun}`;
}

const failedACheck = (t: SamplingTrace) => (t.failedChecks ?? 0) > 0;

/** "a", "a and b", "a, b and c". */
function joinParts(parts: string[]): string {
  return parts.length < 3 ? parts.join(' and ') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

export function samplingVerdict(traces: readonly SamplingTrace[], decisions: readonly TraceDecision[], options: VerdictOptions = {}): SamplingVerdict {
  const kept = new Set(decisions.filter((d) => d.kept).map((d) => d.traceId));
  const loopThreshold = options.loopThreshold ?? 3;
  const group = (name: string, label: string, members: readonly SamplingTrace[]): GroupVerdict => ({
    group: name,
    label,
    total: members.length,
    kept: members.filter((t) => kept.has(t.traceId)).length,
    lostTraceIds: members.filter((t) => !kept.has(t.traceId)).map((t) => t.traceId),
  });
  const groups = [
    group('errors', 'error traces', traces.filter((t) => t.errorCount > 0)),
    group('failed_checks', 'runs that failed a check', traces.filter(failedACheck)),
    group('loops', `runs where the agent looped (a tool called ${loopThreshold}+ times)`, traces.filter((t) => isLoop(t, loopThreshold))),
    group('costliest', 'costliest 1%', topPercent(traces, (t) => t.costUsd)),
    group('slowest', 'slowest 1%', topPercent(traces, (t) => t.durationMs)),
    group('rare_tool_paths', 'rare tool paths', rareToolPaths(traces)),
  ];
  const [errors, failedChecks, loops] = groups;
  const parts: string[] = [];
  if (errors.total) parts.push(describe(errors, errors.total === 1 ? 'error trace' : 'error traces'));
  if (failedChecks.total) parts.push(describe(failedChecks, failedChecks.total === 1 ? 'run that failed a check' : 'runs that failed a check'));
  if (loops.total) parts.push(describe(loops, loops.total === 1 ? 'run where the agent looped' : 'runs where the agent looped'));
  const lead = `This policy keeps ${kept.size} of ${traces.length} trace(s)`;
  const sentence = parts.length ? `${lead}; it ${joinParts(parts)}.` : `${lead}; there are no error traces, failed checks or agent loops among them.`;
  return { traces: traces.length, kept: kept.size, groups, sentence };
}

export interface SuggestedPolicy {
  /** Percent of non-error traces the probabilistic baseline keeps. */
  baselinePercent: number;
  /** Errors alone exceed the budget: every error is still kept. */
  overBudget: boolean;
  /**
   * Runs that failed one of the user's checks without an error the Collector could see: the
   * Collector never sees our checks, so only the baseline may keep them (the YAML says how to
   * make them visible to it).
   */
  failedChecksWithoutError: number;
  yaml: string;
}

/**
 * Keep every error trace, and fill the rest of a budget (percent of all traces) with a
 * probabilistic baseline over the others.
 */
export function suggestPolicy(traces: readonly SamplingTrace[], budgetPercent: number): SuggestedPolicy {
  const n = traces.length;
  const errors = traces.filter((t) => t.errorCount > 0).length;
  const failedChecksWithoutError = traces.filter((t) => failedACheck(t) && t.errorCount === 0).length;
  const budgetTraces = (Math.max(0, Math.min(100, budgetPercent)) / 100) * n;
  const rest = n - errors;
  const raw = rest > 0 ? ((budgetTraces - errors) / rest) * 100 : 0;
  const baselinePercent = Math.max(0, Math.min(100, Math.round(raw * 1000) / 1000));
  const yaml = [
    '# Suggested by Agent Trace: keep every error trace, plus a probabilistic baseline of the rest',
    `# within a budget of ${budgetPercent}% of traces.`,
    '# Run the Collector with --feature-gates=processor.tailsamplingprocessor.recordpolicy so every',
    '# kept trace records the policy that kept it (attribute tailsampling.policy).',
    'processors:',
    '  tail_sampling:',
    '    decision_wait: 30s',
    '    policies:',
    '      - name: keep-errors',
    '        type: status_code',
    '        status_code:',
    '          status_codes: [ERROR]',
    '      - name: baseline',
    '        type: probabilistic',
    '        probabilistic:',
    `          sampling_percentage: ${baselinePercent}`,
    ...(failedChecksWithoutError ? checksNote(failedChecksWithoutError) : []),
    '',
  ].join('\n');
  return { baselinePercent, overBudget: errors > budgetTraces, failedChecksWithoutError, yaml };
}

/**
 * Check results live in Agent Trace, not in the exported spans, so no Collector policy can key on
 * them; an agent that records its own verdict as a span event can be kept by an OTTL condition.
 */
function checksNote(n: number): string[] {
  return [
    `      # ${n} stored run(s) failed a check without failing a span: the Collector cannot see`,
    '      # Agent Trace\'s checks, so only the baseline may keep such runs. To keep them all, have the',
    '      # agent record its verdict as a gen_ai.evaluation.result span event and add:',
    '      # - name: keep-failed-evaluations',
    '      #   type: ottl_condition',
    '      #   ottl_condition:',
    '      #     error_mode: ignore',
    '      #     spanevent:',
    '      #       - \'name == "gen_ai.evaluation.result" and attributes["gen_ai.evaluation.score.label"] == "fail"\'',
  ];
}
