// The operations a coding agent gets over the trace store (MCP tools and VS Code language-model
// tools): each answer is JSON text that fits the token budget, redacted under the workspace
// policy unless the user turned redaction off, and says so.
import { clipStrings, fitPage, parseCursor, splitText, type CountTokens } from '../../core/agentAccess/page';
import { summarizeTree, type TreeStepInput } from '../../core/agentAccess/summarizeTree';
import type { CanonicalSpan } from '../../core/model';
import { scanSpans, type RedactionPolicy } from '../../core/redaction';
import type { SpanDto } from '../../protocol/dto';
import { searchTextOf, snippetOf } from '../../store/searchText';
import type { TraceStore } from '../../store/traceStore';
import { traceDetail } from '../queries';
import { evaluationsOfTrace } from '../evaluations';
import { compareTraceData } from '../compareService';
import type { CompareResultDto, CompareRowDto } from '../../protocol/compare';
import { spansForScan } from '../redactionService';
import { spanToDto } from '../toDto';
import { Redactor } from './redactor';

/** A failure the caller can act on (unknown id, bad cursor, store or policy problem): the message is the answer. */
export class AgentAccessError extends Error {}

export interface AgentAccessDeps {
  /** Opens (or returns) the store; throws with a readable reason when it cannot. */
  store: () => TraceStore;
  /** The redaction policy to apply, null when redaction is off; throws when the policy is invalid. */
  policy: () => { policy: RedactionPolicy; source: string } | null;
  tokenBudget: number;
  countTokens: CountTokens;
}

export interface ToolAnswer {
  text: string;
  isError: boolean;
}

export const LIMITS = {
  listTraces: 500,
  search: 200,
  /** Budget bounds a user may set: below this nothing useful fits; above it no model reads it. */
  minBudget: 1_000,
  maxBudget: 200_000,
} as const;

/** Room kept for the envelope fields added after measuring (the token count itself). */
const ENVELOPE_RESERVE = 32;
/** Rough tokens per tree row, to decide how many rows a summarized tree keeps. */
const TOKENS_PER_ROW = 90;

export interface ListTracesInput {
  text?: string;
  service?: string;
  model?: string;
  errorsOnly?: boolean;
  limit?: number;
  cursor?: string;
}

/** Differing steps beyond this many are also summarized by kind and name (see compareRuns). */
const COMPARE_GROUPS_FROM = 20;
const COMPARE_GROUPS_SHOWN = 15;

export class AgentAccess {
  private currentTool = '';
  /** The last compare, reused while its two traces and the policy stay the same: paging through a large one must not redo it per page. */
  private lastCompare: { key: string; result: CompareResultDto; maskedValues: number } | null = null;

  constructor(private readonly deps: AgentAccessDeps) {}

  /** Runs one operation; every failure becomes an error answer with its reason, never a throw. */
  run(tool: string, op: (r: Redactor, budget: number) => Record<string, unknown>): ToolAnswer {
    this.currentTool = tool;
    try {
      const chosen = this.deps.policy();
      const redactor = new Redactor(chosen?.policy ?? null, chosen?.source ?? '');
      const budget = this.deps.tokenBudget - ENVELOPE_RESERVE;
      const payload = op(redactor, budget);
      const body = { tool, redaction: redactor.note(), ...payload };
      const text = JSON.stringify(body);
      return { text: JSON.stringify({ ...body, tokens: this.deps.countTokens(text), tokenBudget: this.deps.tokenBudget }), isError: false };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { text: `${tool}: ${message}`, isError: true };
    }
  }

  private store(): TraceStore {
    try {
      return this.deps.store();
    } catch (err) {
      throw new AgentAccessError(`The trace store cannot be opened: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private spansOf(traceId: string): CanonicalSpan[] {
    const found = this.store().getTrace(normalizeId(traceId));
    if (!found) throw unknownTrace(traceId);
    return found.spans;
  }

  /** Pages `items` under the budget; `wrap` builds the response around one page. */
  private page<T>(
    items: readonly T[],
    cursor: string | undefined,
    budget: number,
    wrap: (page: readonly T[], nextCursor: string | null, clipped: boolean) => Record<string, unknown>,
    redaction: Redactor,
  ): Record<string, unknown> {
    const start = toAccessError(() => parseCursor(cursor, items.length));
    // Rendering includes the redaction note so the measured text is the one returned.
    const cursorOf = (next: number | null): string | null => (next === null ? null : String(next));
    const render = (page: readonly T[], next: number | null, clipped: boolean): string =>
      JSON.stringify({ tool: this.currentTool, redaction: redaction.note(), ...wrap(page, cursorOf(next), clipped) });
    const fitted = fitPage({ items, start, budget, countTokens: this.deps.countTokens, render, clip: (item, n) => clipStrings(item, n) });
    return wrap(fitted.items, cursorOf(fitted.next), fitted.clipped);
  }

  listTraces(input: ListTracesInput): ToolAnswer {
    return this.run('list_traces', (r, budget) => {
      checkLimit(input.limit, LIMITS.listTraces, 'limit');
      const traces = this.store().listTraces({
        text: input.text,
        service: input.service,
        model: input.model,
        errorsOnly: !!input.errorsOnly,
        limit: input.limit ?? 50,
      });
      const rows = traces.map((t) => ({
        traceId: t.traceId,
        name: r.text('trace.name', t.name),
        services: t.services,
        startTime: t.startTime,
        durationMs: round(t.durationMs),
        steps: t.spanCount,
        errors: t.errorCount,
        llmCalls: t.llmCalls,
        toolCalls: t.toolCalls,
        models: t.models,
        inputTokens: t.usage.inputTokens,
        outputTokens: t.usage.outputTokens,
        costUsd: t.costUsd,
      }));
      return this.page(rows, input.cursor, budget, (page, nextCursor) => ({
        total: rows.length,
        traces: page,
        nextCursor,
        ...(rows.length === 0 ? { note: 'No traces match. Traces appear here once an agent exports OpenTelemetry spans to Agent Trace.' } : {}),
      }), r);
    });
  }

  getTrace(input: { traceId: string; rootStepId?: string; cursor?: string }): ToolAnswer {
    return this.run('get_trace', (r, budget) => {
      const detail = traceDetail(this.store(), normalizeId(input.traceId));
      if (!detail) throw unknownTrace(input.traceId);
      let spans = detail.spans;
      if (input.rootStepId) {
        spans = subtree(spans, input.rootStepId.toLowerCase());
        if (spans.length === 0) throw new AgentAccessError(`Trace ${detail.traceId} has no step ${input.rootStepId}. Call get_trace without rootStepId to see its steps.`);
      }
      const maxSteps = Math.max(10, Math.floor((budget - 800) / TOKENS_PER_ROW));
      const summary = summarizeTree(spans.map(treeInput), maxSteps);
      const rows = summary.steps.map((k) => {
        const s = spans[k.index];
        return {
          ...stepRow(s, r),
          depth: k.depth,
          ...(summary.foldedSteps ? { kept: k.reason } : {}),
          ...(k.folded ? { folded: { ...k.folded, costUsd: round6(k.folded.costUsd) } } : {}),
        };
      });
      const header = {
        traceId: detail.traceId,
        name: r.text('trace.name', detail.name),
        services: detail.services,
        startTime: detail.startTime,
        durationMs: round(detail.durationMs),
        steps: detail.spanCount,
        errors: detail.errorCount,
        llmCalls: detail.llmCalls,
        toolCalls: detail.toolCalls,
        models: detail.models,
        usage: detail.usage,
        costUsd: detail.costUsd,
        warnings: detail.warnings.slice(0, 5).map((w) => r.text('warning', w)),
        tree: {
          ...(input.rootStepId ? { rootStepId: input.rootStepId } : {}),
          totalSteps: summary.totalSteps,
          shownSteps: summary.steps.length,
          foldedSteps: summary.foldedSteps,
          ...(summary.foldedRoots ? { foldedUnderNoShownStep: { ...summary.foldedRoots, costUsd: round6(summary.foldedRoots.costUsd) } } : {}),
          ...(summary.foldedSteps
            ? {
                note:
                  `Summarized: ${summary.foldedSteps} of ${summary.totalSteps} steps are folded into the "folded" counts of their nearest shown ancestor. ` +
                  'Kept: roots, the path to every error, and the most expensive steps by cost, tokens and duration. ' +
                  'Call get_trace with rootStepId set to a step with folded children to see that part of the tree.',
              }
            : {}),
        },
      };
      return this.page(rows, input.cursor, budget, (page, nextCursor, clipped) => ({ ...header, stepsShown: page, nextCursor, ...(clipped ? { clipped: true } : {}) }), r);
    });
  }

  getStep(input: { traceId: string; stepId: string; includeAttributes?: boolean; cursor?: string }): ToolAnswer {
    return this.run('get_step', (r, budget) => {
      const span = this.findSpan(input.traceId, input.stepId);
      const dto = spanToDto(r.span(span), false);
      const partChars = Math.max(500, budget * 2);
      const parts: Array<Record<string, unknown>> = [];
      const pushText = (base: Record<string, unknown>, text: string | null) => {
        const chunks = splitText(text ?? '', partChars);
        chunks.forEach((t, i) => parts.push({ ...base, ...(chunks.length > 1 ? { part: i + 1, parts: chunks.length } : {}), text: t }));
      };
      dto.messages.forEach((m, i) =>
        pushText({ section: 'message', index: i, role: m.role, direction: m.direction, ...(m.name ? { name: m.name } : {}), ...(m.toolCallId ? { toolCallId: m.toolCallId } : {}), ...(m.toolCalls.length ? { toolCalls: m.toolCalls } : {}) }, m.content),
      );
      if (dto.tool?.arguments) pushText({ section: 'tool.arguments', tool: dto.tool.name }, dto.tool.arguments);
      if (dto.tool?.result) pushText({ section: 'tool.result', tool: dto.tool.name }, dto.tool.result);
      if (dto.error) pushText({ section: 'error', type: dto.error.type, message: dto.error.message }, dto.error.stacktrace);
      for (const e of dto.events) parts.push({ section: 'event', name: e.name, time: e.time, attributes: e.attributes });
      if (input.includeAttributes) for (const [key, value] of Object.entries(dto.attributes)) parts.push({ section: 'attribute', key, value });
      const header = {
        traceId: dto.traceId,
        stepId: dto.spanId,
        parentStepId: dto.parentSpanId,
        name: dto.name,
        kind: dto.kind,
        service: dto.service,
        status: dto.status,
        statusMessage: dto.statusMessage,
        startTime: dto.startTime,
        durationMs: round(dto.durationMs),
        model: dto.model,
        provider: dto.provider,
        usage: dto.usage,
        costUsd: dto.costUsd,
        tool: dto.tool ? { name: dto.tool.name, callId: dto.tool.callId } : null,
        source: dto.source ? { ...dto.source, file: r.text('source.file', dto.source.file) } : null,
        ...(dto.duplicateOf ? { duplicateOf: dto.duplicateOf } : {}),
        totalParts: parts.length,
      };
      return this.page(parts, input.cursor, budget, (page, nextCursor, clipped) => ({ ...header, content: page, nextCursor, ...(clipped ? { clipped: true } : {}) }), r);
    });
  }

  search(input: { text: string; limit?: number; cursor?: string }): ToolAnswer {
    return this.run('search', (r, budget) => {
      checkLimit(input.limit, LIMITS.search, 'limit');
      const store = this.store();
      const hits = store.search(input.text, input.limit ?? 20);
      const spansByTrace = new Map<string, Map<string, CanonicalSpan>>();
      const spanOf = (traceId: string, spanId: string): CanonicalSpan | undefined => {
        let spans = spansByTrace.get(traceId);
        if (!spans) {
          spans = new Map((store.getTrace(traceId)?.spans ?? []).map((s) => [s.spanId, s]));
          spansByTrace.set(traceId, spans);
        }
        return spans.get(spanId);
      };
      const rows = hits.map((h) => {
        const span = spanOf(h.traceId, h.spanId);
        // The snippet is cut from the redacted step, so a match inside a secret shows the mask, not the secret.
        const redacted = span ? r.span(span) : null;
        return {
          traceId: h.traceId,
          stepId: h.spanId,
          stepName: redacted ? redacted.name : r.text('span.name', h.spanName),
          traceName: r.text('trace.name', h.traceName),
          snippet: redacted ? snippetOf(searchTextOf(redacted), input.text) : r.text('snippet', h.snippet),
        };
      });
      return this.page(rows, input.cursor, budget, (page, nextCursor) => ({ total: rows.length, hits: page, nextCursor }), r);
    });
  }

  /**
   * Stored check results (issue 11): one trace's, or the recent traces whose checks did not all
   * pass. Messages quote span content, so they go through the redactor like every other text.
   */
  checkResults(input: { traceId?: string; cursor?: string }): ToolAnswer {
    return this.run('check_results', (r, budget) => {
      const store = this.store();
      const rowsOf = (traceId: string) =>
        store.checkResultsOf(traceId).map((c) => ({ check: c.check, kind: c.kind, outcome: c.outcome, message: r.text('check.message', c.message), stepId: c.spanId }));
      // Evaluation results the agent sent: labels and explanations are span content, redacted like it.
      const evaluationsOf = (traceId: string) =>
        evaluationsOfTrace(store, traceId).map((e) => ({
          evaluation: r.text('evaluation.name', e.name),
          outcome: e.outcome,
          scoreValue: e.scoreValue,
          scoreLabel: e.scoreLabel === null ? null : r.text('evaluation.label', e.scoreLabel),
          explanation: e.explanation === null ? null : r.text('evaluation.explanation', e.explanation),
          stepId: e.spanId,
        }));
      if (input.traceId) {
        const id = normalizeId(input.traceId);
        const summary = store.traceSummary(id);
        if (!summary) throw unknownTrace(input.traceId);
        const results = rowsOf(id);
        const evaluations = evaluationsOf(id);
        return {
          traceId: id,
          counts: summary.checks ?? null,
          results,
          ...(evaluations.length ? { evaluations } : {}),
          ...(results.length === 0 && evaluations.length === 0 ? { note: NO_CHECK_RESULTS } : {}),
        };
      }
      const failing = store.listTraces({ failedChecksOnly: true, limit: LIMITS.listTraces });
      const rows = failing.map((t) => ({
        traceId: t.traceId,
        name: r.text('trace.name', t.name),
        startTime: t.startTime,
        counts: t.checks ?? null,
        notPassed: rowsOf(t.traceId).filter((c) => c.outcome !== 'pass'),
        failedEvaluations: evaluationsOf(t.traceId).filter((e) => e.outcome === 'fail'),
      }));
      return this.page(rows, input.cursor, budget, (page, nextCursor) => ({
        tracesWithFailedChecks: rows.length,
        traces: page,
        nextCursor,
        ...(rows.length === 0 ? { note: `No trace has a failed check. ${NO_CHECK_RESULTS}` } : {}),
      }), r);
    });
  }

  redactionFindings(input: { traceId?: string; cursor?: string }): ToolAnswer {
    return this.run('redaction_findings', (r, budget) => {
      const chosen = this.deps.policy();
      const store = this.store();
      if (input.traceId) this.spansOf(input.traceId);
      const spans = spansForScan(store, input.traceId ? normalizeId(input.traceId) : null);
      // Findings are always masked (maskedPreview), whether or not responses are redacted.
      const report = scanSpans(spans, chosen?.policy ?? undefined, { policySource: chosen?.source ?? 'default' });
      const rows = report.findings.map((f) => ({
        category: f.category,
        type: f.type,
        rule: f.ruleName,
        traceId: f.traceId,
        stepId: f.spanId,
        stepName: r.text('span.name', f.spanName),
        service: f.service,
        where: f.location === 'attributes' ? f.path : `${f.location}:${f.path}`,
        maskedValue: f.maskedPreview,
        context: f.context,
        action: f.action,
      }));
      const header = {
        stepsScanned: report.spansScanned,
        findings: rows.length,
        countsByCategory: report.countsByCategory,
        countsByType: report.countsByType,
        whatShips: report.ships,
        policy: report.policySource,
      };
      return this.page(rows, input.cursor, budget, (page, nextCursor) => ({ ...header, findingsShown: page, nextCursor }), r);
    });
  }

  sourceOfStep(input: { traceId: string; stepId: string }): ToolAnswer {
    return this.run('source_of_step', (r) => {
      const span = this.findSpan(input.traceId, input.stepId);
      const source = span.norm.source;
      return {
        traceId: span.traceId,
        stepId: span.spanId,
        name: r.text('span.name', span.name),
        source: source ? { ...source, file: r.text('source.file', source.file) } : null,
        ...(source
          ? {}
          : { note: 'No source location was recorded for this step. The agent records one with the code.* attributes or the Agent Trace source-location span processor.' }),
      };
    });
  }

  /**
   * Two runs aligned step by step (the compare panel's and `agent-trace diff`'s implementation),
   * computed over the redacted spans so no diff shows a masked value. Unchanged steps are
   * counted, not listed; changed, added and removed steps are paged under the budget.
   */
  compareRuns(input: { traceIdA: string; traceIdB: string; cursor?: string }): ToolAnswer {
    return this.run('compare_runs', (r, budget) => {
      const result = this.comparedRuns(normalizeId(input.traceIdA), normalizeId(input.traceIdB), r);
      const differing = result.rows.filter((row) => row.status !== 'same');
      const head = {
        a: { ...result.a, name: r.text('trace.name', result.a.name) },
        b: { ...result.b, name: r.text('trace.name', result.b.name) },
        summary: result.summary,
        firstDivergence: result.firstDivergence,
        totals: result.totals,
        counts: result.counts,
        notices: result.notices,
        ...(differing.length > COMPARE_GROUPS_FROM ? { differingByStep: differingGroups(differing) } : {}),
      };
      return this.page(differing, input.cursor, budget, (rows, nextCursor, clipped) => ({
        ...head,
        differingSteps: rows,
        ...(clipped ? { clipped: true } : {}),
        nextCursor,
      }), r);
    });
  }

  /** The compare of two stored runs over their redacted spans; the same pair, unchanged, under the same policy, is not compared again. */
  private comparedRuns(idA: string, idB: string, r: Redactor): CompareResultDto {
    const store = this.store();
    const summaryA = store.traceSummary(idA);
    const summaryB = store.traceSummary(idB);
    if (!summaryA) throw unknownTrace(idA);
    if (!summaryB) throw unknownTrace(idB);
    const key = JSON.stringify([idA, summaryA.updatedAtMs, summaryA.spanCount, idB, summaryB.updatedAtMs, summaryB.spanCount, r.note().policy, r.policyKey]);
    if (this.lastCompare?.key === key) {
      r.maskedValues += this.lastCompare.maskedValues;
      return this.lastCompare.result;
    }
    const before = r.maskedValues;
    const load = (id: string) => {
      const found = store.getTrace(id);
      if (!found) throw unknownTrace(id);
      return { summary: found.summary, spans: found.spans.map((s) => r.span(s)) };
    };
    const result = compareTraceData(load(idA), load(idB), true);
    this.lastCompare = { key, result, maskedValues: r.maskedValues - before };
    return result;
  }

  private findSpan(traceId: string, stepId: string): CanonicalSpan {
    const span = this.store().getSpan(normalizeId(traceId), stepId.trim().toLowerCase());
    if (span) return span;
    this.spansOf(traceId); // names an unknown trace as such
    throw new AgentAccessError(`Trace ${normalizeId(traceId)} has no step ${stepId}. Call get_trace to see its step ids.`);
  }
}

const NO_CHECK_RESULTS =
  'Checks are declared in .agent-trace/checks.json (or .yaml) of the workspace and run on each trace once it has been quiet for a moment; ' +
  'a trace without results has no checks file, no check whose scope includes it, or is still being written.';

function normalizeId(id: string): string {
  return id.trim().toLowerCase();
}

function unknownTrace(traceId: string): AgentAccessError {
  return new AgentAccessError(`No trace with id ${traceId.slice(0, 64)}. Call list_traces to see the trace ids.`);
}

function checkLimit(limit: number | undefined, max: number, name: string): void {
  if (limit === undefined) return;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new AgentAccessError(`${name} must be an integer from 1 to ${max}, not ${limit}.`);
}

function toAccessError<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new AgentAccessError((err as Error).message);
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
const round6 = (usd: number): number => Math.round(usd * 1e6) / 1e6;

function treeInput(s: SpanDto): TreeStepInput {
  return {
    id: s.spanId,
    parentId: s.parentSpanId,
    isError: s.status === 'error',
    durationMs: s.durationMs,
    tokens: (s.usage.inputTokens ?? 0) + (s.usage.outputTokens ?? 0),
    costUsd: s.costUsd,
  };
}

/** One step of the tree as a model reads it: kind, name, duration, tokens, cost, status, source. */
function stepRow(s: SpanDto, r: Redactor): Record<string, unknown> {
  return {
    stepId: s.spanId,
    parentStepId: s.parentSpanId,
    kind: s.kind,
    name: r.text('span.name', s.name),
    durationMs: round(s.durationMs),
    inputTokens: s.usage.inputTokens,
    outputTokens: s.usage.outputTokens,
    costUsd: s.costUsd,
    status: s.status,
    ...(s.status === 'error' ? { error: r.text('status.message', (s.error?.message ?? s.statusMessage).slice(0, 300)) } : {}),
    ...(s.model ? { model: s.model } : {}),
    ...(s.tool ? { tool: s.tool.name } : {}),
    source: s.source ? `${r.text('source.file', s.source.file)}${s.source.line !== null ? `:${s.source.line}` : ''}` : null,
    ...(s.duplicateOf ? { duplicateOf: s.duplicateOf } : {}),
  };
}

/** The step and its descendants (spans are in depth-first tree order). */
function subtree(spans: SpanDto[], rootId: string): SpanDto[] {
  const inside = new Set<string>([rootId]);
  const out: SpanDto[] = [];
  for (const s of spans) {
    if (s.spanId === rootId || (s.parentSpanId !== null && inside.has(s.parentSpanId))) {
      inside.add(s.spanId);
      out.push(s);
    }
  }
  return out.map((s) => (s.spanId === rootId ? { ...s, parentSpanId: null } : s));
}

/**
 * Differing steps counted by what differs (status, kind, name), largest groups first: a model sees
 * the shape of a large difference ("9,994 steps only in run B: 4,997 × chat gpt-4o-mini …") on
 * the first page instead of paging through every row.
 */
function differingGroups(rows: readonly CompareRowDto[]): { groups: Array<{ status: string; kind: string; name: string; steps: number; firstStep: number }>; otherSteps: number } {
  const groups = new Map<string, { status: string; kind: string; name: string; steps: number; firstStep: number }>();
  for (const row of rows) {
    const side = row.b ?? row.a;
    if (!side) continue;
    const key = `${row.status}\u0000${side.kind}\u0000${side.name}`;
    const g = groups.get(key);
    if (g) g.steps++;
    else groups.set(key, { status: row.status, kind: side.kind, name: side.name, steps: 1, firstStep: row.step });
  }
  const sorted = [...groups.values()].sort((x, y) => y.steps - x.steps || x.firstStep - y.firstStep);
  const shown = sorted.slice(0, COMPARE_GROUPS_SHOWN);
  return { groups: shown, otherSteps: sorted.slice(COMPARE_GROUPS_SHOWN).reduce((n, g) => n + g.steps, 0) };
}
