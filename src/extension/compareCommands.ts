// Where a compare starts: "Compare with…" on a trace, "Compare" on two selected traces (Agent
// Traces view), and "Compare with previous run of this agent" (trace panel). The earlier run is
// always A, the later one B, so "run B diverges at step N" reads forwards in time.
import * as vscode from 'vscode';
import type { TraceSummaryDto } from '../protocol/dto';
import { GetTrace, ListTraces } from '../protocol/lsp';
import type { Ctx } from './context';
import { displayName, formatRelativeTime, truncate } from './format';
import { compareCandidates, earlierFirst, previousRun, type TraceLike } from './compareTargets';
import { ComparePanel } from './webviews/comparePanel';

const PICK_LIMIT = 200;


export async function openCompare(ctx: Ctx, x: TraceLike, y: TraceLike): Promise<void> {
  if (x.traceId === y.traceId) {
    void vscode.window.showInformationMessage('Agent Trace: pick two different traces to compare.');
    return;
  }
  const [a, b] = earlierFirst(x, y);
  await ComparePanel.show(ctx, a.traceId, b.traceId);
}

/** Quick pick of the other traces, runs of the same agent first. */
export async function compareWith(ctx: Ctx, base: TraceLike): Promise<void> {
  const { sameAgent: same, otherAgents: other } = compareCandidates(base, await ctx.request(ListTraces, { limit: PICK_LIMIT }));
  if (!same.length && !other.length) {
    void vscode.window.showInformationMessage('Agent Trace: there is no other trace to compare with.');
    return;
  }
  const now = Date.now();
  const item = (t: TraceSummaryDto) => ({
    label: truncate(displayName(t) || '(unnamed trace)', 100),
    description: `${t.services.join(', ')} · ${formatRelativeTime(Date.parse(t.startTime), now)}`,
    detail: t.traceId,
    trace: t,
  });
  type Item = vscode.QuickPickItem & { trace?: TraceSummaryDto };
  const items: Item[] = [
    ...(same.length ? [{ label: 'Same agent', kind: vscode.QuickPickItemKind.Separator } as Item, ...same.map(item)] : []),
    ...(other.length ? [{ label: 'Other agents', kind: vscode.QuickPickItemKind.Separator } as Item, ...other.map(item)] : []),
  ];
  const pick = await vscode.window.showQuickPick(items, { title: `Compare "${truncate(displayName(base), 60)}" with…`, matchOnDescription: true, matchOnDetail: true });
  if (pick?.trace) await openCompare(ctx, base, pick.trace);
}

/** The newest run of the same agent that started before this one. */
export async function compareWithPrevious(ctx: Ctx, traceId: string): Promise<void> {
  const current = await ctx.request(GetTrace, { traceId });
  if (!current) throw new Error(`trace ${traceId} is no longer stored`);
  const previous = previousRun(current, await ctx.request(ListTraces, { service: current.services[0], limit: PICK_LIMIT }));
  if (!previous) {
    void vscode.window.showInformationMessage(`Agent Trace: no earlier run of "${truncate(displayName(current), 60)}" is stored.`);
    return;
  }
  await ComparePanel.show(ctx, previous.traceId, current.traceId);
}

type TraceArg = TraceSummaryDto | string | undefined;

async function summaryOf(ctx: Ctx, arg: TraceArg, title: string): Promise<TraceLike | undefined> {
  if (arg && typeof arg === 'object') return arg;
  if (typeof arg === 'string') return (await ctx.request(GetTrace, { traceId: arg })) ?? undefined;
  const list = await ctx.request(ListTraces, { limit: PICK_LIMIT });
  const now = Date.now();
  const pick = await vscode.window.showQuickPick(
    list.map((t) => ({ label: truncate(displayName(t) || '(unnamed trace)', 100), description: `${t.services.join(', ')} · ${formatRelativeTime(Date.parse(t.startTime), now)}`, trace: t })),
    { title, matchOnDescription: true },
  );
  return pick?.trace;
}

/** The three compare commands; `activeTraceId` is the trace panel the user looked at last. */
export function registerCompareCommands(ctx: Ctx, ids: { compareWith: string; compareSelected: string; compareWithPrevious: string }, activeTraceId: () => string | undefined): void {
  const reg = (id: string, fn: (...args: never[]) => Promise<void>) =>
    ctx.push(
      vscode.commands.registerCommand(id, (...args: never[]) =>
        fn(...args).catch((err: unknown) => void vscode.window.showErrorMessage(`Agent Trace: ${err instanceof Error ? err.message : String(err)}`)),
      ),
    );
  ctx.push({ dispose: () => ComparePanel.disposeAll() });
  reg(ids.compareWith, async (arg: TraceArg) => {
    const base = await summaryOf(ctx, arg, 'Compare which trace?');
    if (base) await compareWith(ctx, base);
  });
  // A tree view with canSelectMany passes the clicked item and every selected item.
  reg(ids.compareSelected, async (clicked: TraceSummaryDto | undefined, selected: TraceSummaryDto[] | undefined) => {
    const chosen = selected?.length ? selected : clicked ? [clicked] : [];
    if (chosen.length !== 2) {
      void vscode.window.showInformationMessage(`Agent Trace: select exactly two traces to compare (${chosen.length} selected).`);
      return;
    }
    await openCompare(ctx, chosen[0], chosen[1]);
  });
  reg(ids.compareWithPrevious, async (arg: TraceArg) => {
    const id = (typeof arg === 'string' ? arg : arg?.traceId) ?? activeTraceId() ?? (await summaryOf(ctx, undefined, 'Compare which trace with its previous run?'))?.traceId;
    if (id) await compareWithPrevious(ctx, id);
  });
}
