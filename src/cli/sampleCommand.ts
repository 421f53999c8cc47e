// `agent-trace sample`: what a Collector tail_sampling policy (and/or a head ratio) would keep of
// the stored traces, and which failures it would silently drop. For CI: exit 1 with
// --fail-on-lost errors|failed_checks|loops when the policy loses such a trace, 2 on a bad config or flag.
import {
  parseCollectorConfig,
  samplingVerdict,
  simulate,
  suggestPolicy,
  type ConfigProblem,
  type HeadSdk,
  type SamplingTrace,
  type SamplingVerdict,
  type SuggestedPolicy,
  type TraceDecision,
} from '../core/sampling';
import { jsonForTerminal, terminalSafe } from './output';

export class SampleUsageError extends Error {}

export interface SampleCommandOptions {
  traces: readonly SamplingTrace[];
  /** The configuration's text and path, or null for head sampling only. */
  config: { text: string; path: string } | null;
  head: string | undefined;
  headSdk: string | undefined;
  failOnLost: string[];
  suggestBudget: string | undefined;
  /** A tool called this many times in one run counts as a loop (default 3). */
  loopThreshold?: string;
  json: boolean;
  out: (s: string) => void;
}

export interface SampleReport {
  config: string | null;
  processor: string | null;
  head: { ratio: number; sdk: HeadSdk } | null;
  warnings: ConfigProblem[];
  traces: number;
  kept: number;
  verdict: SamplingVerdict;
  decisions: TraceDecision[];
  suggestion: (SuggestedPolicy & { budgetPercent: number }) | null;
}

const LOST_GROUPS = ['errors', 'failed_checks', 'loops'];

/** "1h", "30m", "2d", "45s" → milliseconds. */
export function parseSince(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new SampleUsageError(`--since takes a duration like 30m, 1h or 2d, not "${text}".`);
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

function parseHead(head: string | undefined, sdk: string | undefined): SampleReport['head'] {
  if (sdk !== undefined && sdk !== 'js' && sdk !== 'python') throw new SampleUsageError(`--head-sdk is js or python, not "${sdk}".`);
  if (head === undefined) return null;
  const ratio = Number(head);
  if (head.trim() === '' || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new SampleUsageError(`--head is a ratio between 0 and 1 (0.01 = 1%), not "${head}".`);
  return { ratio, sdk: (sdk ?? 'js') as HeadSdk };
}

const at = (path: string, p: ConfigProblem) => `${path}:${p.line}: ${p.message}`;

export function buildSampleReport(opts: SampleCommandOptions): SampleReport {
  const head = parseHead(opts.head, opts.headSdk);
  const badLost = opts.failOnLost.filter((g) => !LOST_GROUPS.includes(g));
  if (badLost.length) throw new SampleUsageError(`--fail-on-lost accepts ${LOST_GROUPS.join(', ')}; got ${badLost.join(', ')}.`);
  if (!opts.config && !head) throw new SampleUsageError('agent-trace sample needs --config collector.yaml, --head RATIO, or both.');
  let processor: string | null = null;
  let policies = null;
  let sampleOnFirstMatch = false;
  const warnings: ConfigProblem[] = [];
  if (opts.config) {
    const parsed = parseCollectorConfig(opts.config.text);
    if (parsed.errors.length) throw new SampleUsageError(parsed.errors.map((e) => at(opts.config!.path, e)).join('\n'));
    const [first, ...others] = parsed.processors;
    processor = first.id;
    policies = first.policies;
    sampleOnFirstMatch = first.sampleOnFirstMatch;
    warnings.push(...parsed.warnings);
    if (others.length) warnings.push({ line: others[0].line, message: `simulating ${first.id} only; ${others.map((o) => o.id).join(', ')} also found` });
  }
  const decisions = simulate(opts.traces, { policies, head, sampleOnFirstMatch });
  const loopThreshold = opts.loopThreshold === undefined ? 3 : Number(opts.loopThreshold);
  if (!Number.isInteger(loopThreshold) || loopThreshold < 2) throw new SampleUsageError(`--loop takes a whole number of calls, 2 or more, not "${opts.loopThreshold}".`);
  const verdict = samplingVerdict(opts.traces, decisions, { loopThreshold });
  let suggestion: SampleReport['suggestion'] = null;
  if (opts.suggestBudget !== undefined) {
    const budgetPercent = Number(opts.suggestBudget);
    if (!Number.isFinite(budgetPercent) || budgetPercent <= 0 || budgetPercent > 100) throw new SampleUsageError(`--suggest takes a budget in percent of traces (0-100], not "${opts.suggestBudget}".`);
    suggestion = { budgetPercent, ...suggestPolicy(opts.traces, budgetPercent) };
  }
  return { config: opts.config?.path ?? null, processor, head, warnings, traces: opts.traces.length, kept: verdict.kept, verdict, decisions, suggestion };
}

export function renderSampleReport(r: SampleReport): string {
  const lines: string[] = [];
  const source = [r.processor && `${terminalSafe(r.config ?? '')} (${terminalSafe(r.processor)})`, r.head && `head ratio ${r.head.ratio} (${r.head.sdk} SDK)`].filter(Boolean).join(' + ');
  lines.push(`Sampling ${r.traces} stored trace(s) with ${source}.`);
  for (const w of r.warnings) lines.push(`warning: ${terminalSafe(r.config ?? '')}:${w.line}: ${terminalSafe(w.message)}`);
  lines.push(r.verdict.sentence);
  lines.push('');
  for (const g of r.verdict.groups) lines.push(`  ${g.label.padEnd(52)} kept ${g.kept} of ${g.total}`);
  lines.push('');
  for (const d of r.decisions) {
    const notes = [d.approximate ? 'approximate' : '', ...d.policies.filter((p) => p.decision === 'not_simulated').map((p) => `${p.name}: not simulated`)].filter(Boolean);
    lines.push(`${d.kept ? 'KEPT   ' : 'DROPPED'} ${d.traceId}  by ${terminalSafe(d.decidedBy)}${notes.length ? `  (${terminalSafe(notes.join('; '))})` : ''}`);
  }
  if (r.suggestion) {
    lines.push('');
    lines.push(`Suggested policy (budget ${r.suggestion.budgetPercent}% of traces${r.suggestion.overBudget ? '; errors alone exceed it, every error is still kept' : ''}):`);
    lines.push(r.suggestion.yaml);
  }
  return lines.join('\n');
}

export function runSample(opts: SampleCommandOptions): number {
  const report = buildSampleReport(opts);
  opts.out(opts.json ? jsonForTerminal(report, 2) : renderSampleReport(report));
  const lost = report.verdict.groups.filter((g) => opts.failOnLost.includes(g.group) && g.lostTraceIds.length > 0);
  for (const g of lost) process.stderr.write(`agent-trace: the policy drops ${g.lostTraceIds.length} of ${g.total} ${g.label}.\n`);
  return lost.length ? 1 : 0;
}
