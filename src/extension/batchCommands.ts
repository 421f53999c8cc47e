// "Agent Trace: Run Batch…" (issue 11): the run command (agentTrace.run.command) once per line of
// an inputs file, N runs at a concurrency C, tagged agent_trace.batch=<tag>, with the OTLP
// environment of this window's server. A shell: it asks, shows progress and output, and offers the
// fleet view at the end; src/server/batchRunner.ts runs the batch. It runs here, in the extension
// host, not in the trace server: the runs are the user's processes (like the terminals and the
// forked runs), and a server restart mid-batch must not kill them.
import * as vscode from 'vscode';
import type { BatchRefDto } from '../protocol/fleet';
import {
  BatchInputError,
  batchOutcome,
  batchTagProblem,
  countProblem,
  defaultBatchTag,
  describeBatchOutcome,
  parseInputsFile,
  PrefixedRunOutput,
  runBatch,
  runEnding,
  type BatchRunResult,
} from '../server/batchRunner';
import type { Ctx } from './context';
import { REMEMBERED_RUN_COMMAND } from './forkCommands';
import { hostForUrl } from './format';
import { BatchOutputChannelName, Commands, ConfigSection, Settings } from './ids';
import { buildOtlpEnvironment } from './otlpEnv';

const MAX_RUNS = 100_000;
const MAX_CONCURRENCY = 64;
const DEFAULT_CONCURRENCY = 2;
const INPUT_FILES = '**/*.{jsonl,txt}';
const NOT_INPUT_FILES = '{**/node_modules/**,**/.git/**}';
const FILE_LIST_LIMIT = 500;

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

interface BatchPlan {
  command: string;
  file: vscode.Uri;
  inputs: string[];
  runs: number;
  concurrency: number;
  tag: string;
}

export function registerBatchCommands(ctx: Ctx): void {
  let channel: vscode.OutputChannel | undefined;
  const output = () => {
    if (!channel) {
      channel = vscode.window.createOutputChannel(BatchOutputChannelName);
      ctx.push(channel);
    }
    return channel;
  };
  ctx.push(
    vscode.commands.registerCommand(Commands.runBatch, (file?: unknown) =>
      runBatchCommand(ctx, output, file instanceof vscode.Uri ? file : undefined).catch(
        (err: unknown) => void vscode.window.showErrorMessage(`Agent Trace: ${errorText(err)}`),
      ),
    ),
  );
}

async function runBatchCommand(ctx: Ctx, output: () => vscode.OutputChannel, given: vscode.Uri | undefined): Promise<void> {
  const status = ctx.status;
  if (!status) {
    void vscode.window.showErrorMessage('Agent Trace: the trace server is not running, so a batch\'s runs would have nowhere to send their spans. Start it with "Agent Trace: Restart Server".');
    return;
  }
  const command = await runCommand(ctx);
  if (!command) return;
  const plan = await askPlan(command, given);
  if (!plan) return;

  const endpoint = `http://${hostForUrl(status.host)}:${status.httpPort}`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const v of buildOtlpEnvironment(status)) env[v.name] = v.value;
  const cwd = (vscode.workspace.getWorkspaceFolder(plan.file) ?? vscode.workspace.workspaceFolders?.[0])?.uri.fsPath;
  const channel = output();
  const lines = new PrefixedRunOutput((line) => channel.appendLine(line));
  channel.show(true);
  channel.appendLine(`Batch ${plan.tag}: ${plan.runs} run(s) of \`${plan.command}\` over ${vscode.workspace.asRelativePath(plan.file)} (${plan.inputs.length} input(s)), ${plan.concurrency} at a time, spans to ${endpoint}`);

  const results = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Agent Trace: batch ${plan.tag}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => {
        channel.appendLine('Cancelled: no new runs start; the running ones are stopped.');
        abort.abort();
      });
      const ended: BatchRunResult[] = [];
      progress.report({ message: `0 / ${plan.runs} runs done` });
      try {
        return await runBatch({
          command: { shell: plan.command },
          inputs: plan.inputs,
          runs: plan.runs,
          concurrency: plan.concurrency,
          tag: plan.tag,
          otlpEndpoint: endpoint,
          env,
          cwd,
          signal: abort.signal,
          onRunStart: (r) => channel.appendLine(`[run ${r.index + 1}] started (input line ${r.inputIndex + 1})`),
          onOutput: (o) => lines.add(o.index, o.text),
          onRunEnd: (r) => {
            lines.end(r.index);
            channel.appendLine(`[run ${r.index + 1}] ${runEnding(r)}`);
            ended.push(r);
            const o = batchOutcome(ended, plan.runs);
            progress.report({ increment: 100 / plan.runs, message: `${o.done} / ${plan.runs} runs done${o.failed ? `, ${o.failed} failed` : ''}` });
          },
        });
      } finally {
        cancel.dispose();
      }
    },
  );
  const summary = describeBatchOutcome(plan.tag, results, plan.runs);
  channel.appendLine(summary);
  const openFleet = 'Open Fleet View';
  const showOutput = 'Show Output';
  const outcome = batchOutcome(results, plan.runs);
  const notify = outcome.failed > 0 ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  // A batch cancelled before any run ended has nothing to show in the fleet view.
  const pick = await notify(`Agent Trace: ${summary}`, ...(outcome.done > 0 ? [openFleet, showOutput] : [showOutput]));
  const batch: BatchRefDto = { kind: 'attribute', key: 'agent_trace.batch', value: plan.tag };
  if (pick === openFleet) await vscode.commands.executeCommand(Commands.openFleetView, batch);
  else if (pick === showOutput) channel.show();
}

/** agentTrace.run.command, else the command typed once for this workspace (also by "Re-run from this step"); else offers to set it. */
async function runCommand(ctx: Ctx): Promise<string | undefined> {
  const fromSetting = vscode.workspace.getConfiguration(ConfigSection).get<string>(Settings.runCommand)?.trim();
  if (fromSetting) return fromSetting;
  const remembered = ctx.extension.workspaceState.get<string>(REMEMBERED_RUN_COMMAND)?.trim();
  if (remembered) return remembered;
  const set = 'Set Run Command';
  const settings = 'Open Settings';
  const pick = await vscode.window.showWarningMessage(
    'Agent Trace: a batch runs your agent once per input: set agentTrace.run.command to the command that runs it (e.g. node agent.js). Each run gets its input in AGENT_TRACE_INPUT.',
    set,
    settings,
  );
  if (pick === settings) {
    await vscode.commands.executeCommand('workbench.action.openSettings', `${ConfigSection}.${Settings.runCommand}`);
    return undefined;
  }
  if (pick !== set) return undefined;
  const typed = (
    await vscode.window.showInputBox({
      title: 'Run Batch: the command that runs your agent once',
      prompt: 'Run by the shell from the workspace folder. Saved as agentTrace.run.command in this workspace\'s settings.',
      placeHolder: 'e.g. node agent.js or python agent.py',
      ignoreFocusOut: true,
    })
  )?.trim();
  if (!typed) return undefined;
  const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration(ConfigSection).update(Settings.runCommand, typed, target);
  return typed;
}

/** The inputs file, N, C and the tag, asked in turn; undefined when the user leaves. */
async function askPlan(command: string, given: vscode.Uri | undefined): Promise<BatchPlan | undefined> {
  const file = given ?? (await pickInputsFile());
  if (!file) return undefined;
  let inputs: string[];
  try {
    inputs = parseInputsFile(new TextDecoder().decode(await vscode.workspace.fs.readFile(file)), file.path);
  } catch (err) {
    const why = err instanceof BatchInputError ? err.message : errorText(err);
    void vscode.window.showErrorMessage(`Agent Trace: ${vscode.workspace.asRelativePath(file)}: ${why}`);
    return undefined;
  }
  if (inputs.length === 0) {
    void vscode.window.showErrorMessage(`Agent Trace: ${vscode.workspace.asRelativePath(file)} has no input lines (one input per line).`);
    return undefined;
  }
  const runs = await askCount('Run Batch (2/4): how many runs?', `${inputs.length} input(s); the runs cycle through them.`, String(inputs.length), 'number of runs', MAX_RUNS);
  if (runs === undefined) return undefined;
  const concurrency = await askCount('Run Batch (3/4): how many runs at a time?', 'Runs started at once.', String(Math.min(DEFAULT_CONCURRENCY, runs)), 'concurrency', MAX_CONCURRENCY);
  if (concurrency === undefined) return undefined;
  const tag = (
    await vscode.window.showInputBox({
      title: 'Run Batch (4/4): the batch tag',
      prompt: 'Every run is tagged agent_trace.batch=<tag>: the fleet view and "Compare Batches…" find the batch by it.',
      value: defaultBatchTag(new Date()),
      validateInput: (v) => batchTagProblem(v.trim()),
      ignoreFocusOut: true,
    })
  )?.trim();
  if (!tag) return undefined;
  return { command, file, inputs, runs, concurrency, tag };
}

async function askCount(title: string, prompt: string, value: string, what: string, max: number): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({ title, prompt, value, validateInput: (v) => countProblem(v, what, max), ignoreFocusOut: true });
  return text === undefined ? undefined : Number(text.trim());
}

/** A .jsonl or .txt file of the workspace (the active editor's first), or one chosen in the file dialog. */
async function pickInputsFile(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  const files = await vscode.workspace.findFiles(INPUT_FILES, NOT_INPUT_FILES, FILE_LIST_LIMIT);
  const rank = (u: vscode.Uri) => (u.toString() === active?.toString() ? 0 : u.path.endsWith('.jsonl') ? 1 : 2);
  files.sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
  type Item = vscode.QuickPickItem & { uri?: vscode.Uri };
  const items: Item[] = files.map((uri) => ({
    label: vscode.workspace.asRelativePath(uri),
    description: uri.path.endsWith('.txt') ? 'one text input per line' : 'one JSON input per line',
    uri,
  }));
  items.push({ label: 'Browse…', description: 'choose another file' });
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Run Batch (1/4): the inputs file',
    placeHolder: files.length ? 'A .jsonl (one JSON value per line) or .txt (one text per line) file' : 'No .jsonl or .txt file in the workspace: browse for one',
    matchOnDescription: true,
  });
  if (!pick) return undefined;
  if (pick.uri) return pick.uri;
  const chosen = await vscode.window.showOpenDialog({
    title: 'Run Batch: the inputs file',
    canSelectMany: false,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    filters: { 'Inputs (one per line)': ['jsonl', 'txt'], 'All files': ['*'] },
  });
  return chosen?.[0];
}
