// "Re-run from this step…" and "Edit and re-send" on an LLM step (issue 10). The server builds the
// documents and runs the fork session in its recording proxy (src/server/forkService.ts); this
// shell opens the documents, runs the user's agent against the session in a terminal the user
// sees, reports what the replay could not match, and opens the compare on the pair.
import { spawn, type ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';
import { FORK_OF_ATTRIBUTE, FORK_STEP_ATTRIBUTE, withForkResourceAttributes } from '../core/replay/forkLink';
import type { ServerStatusDto } from '../protocol/dto';
import * as lsp from '../protocol/lsp';
import type { Ctx } from './context';
import { hostForUrl } from './format';
import { Commands, ConfigSection, Settings } from './ids';
import { buildOtlpEnvironment } from './otlpEnv';
import { ComparePanel } from './webviews/comparePanel';
import { TracePanel } from './webviews/tracePanel';

/** agentTrace.run.command (declared by the fleet runner's settings; read here by its full key). */
const RUN_COMMAND_SETTING = 'run.command';
/** The run command the user typed once, per workspace. */
export const REMEMBERED_RUN_COMMAND = 'agentTrace.fork.runCommand';
const SECRET_KEY = { openai: 'agentTrace.apiKey.openai', anthropic: 'agentTrace.apiKey.anthropic' } as const;
const ENV_KEY = { openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY' } as const;
const RESPONSE_SCHEME = 'agent-trace-response';
/** How long after the forked run exits its trace may take to arrive (the exporter's last batch). */
const TRACE_ARRIVAL_MS = 60_000;

const EDIT_CHOICES: { edit: lsp.ForkEditKindDto; label: string; detail: string }[] = [
  { edit: 'system', label: 'System prompt', detail: 'Edit the system prompt; it stays edited for the calls after this one.' },
  { edit: 'messages', label: 'Messages', detail: 'Edit the conversation this call sends.' },
  { edit: 'model', label: 'Model and parameters', detail: 'Change the model, temperature, max tokens…' },
  { edit: 'response', label: 'Replacement response', detail: 'Answer this call with your own text or tool calls, without asking the model.' },
];

type Tracked =
  | { mode: 'fork'; traceId: string; spanId: string; kind: lsp.ForkEditKindDto }
  | { mode: 'resend'; traceId: string; spanId: string; recordedResponse: string | null };

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function prettyBody(body: string): string {
  try {
    return `${JSON.stringify(JSON.parse(body), null, 2)}\n`;
  } catch {
    return body; // a stream (SSE) or text: shown as it travelled
  }
}

export function registerForkCommands(ctx: Ctx): void {
  const tracked = new Map<string, Tracked>();
  const responses = new Map<string, string>();
  const lensChanged = new vscode.EventEmitter<void>();
  const responseChanged = new vscode.EventEmitter<vscode.Uri>();
  let responseSeq = 0;

  ctx.push(
    lensChanged,
    responseChanged,
    vscode.workspace.registerTextDocumentContentProvider(RESPONSE_SCHEME, {
      onDidChange: responseChanged.event,
      provideTextDocumentContent: (uri) => responses.get(uri.toString()) ?? '',
    }),
    vscode.languages.registerCodeLensProvider({ language: 'json' }, {
      onDidChangeCodeLenses: lensChanged.event,
      provideCodeLenses: (doc) => {
        const t = tracked.get(doc.uri.toString());
        if (!t) return [];
        const range = new vscode.Range(0, 0, 0, 0);
        return t.mode === 'fork'
          ? [new vscode.CodeLens(range, { title: '▶ Re-run the agent from this step with this edit', command: Commands.runForkDocument, arguments: [doc.uri] })]
          : [new vscode.CodeLens(range, { title: '▶ Send', command: Commands.sendResendDocument, arguments: [doc.uri] })];
      },
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => tracked.delete(doc.uri.toString())),
  );

  const reg = (id: string, fn: (...args: never[]) => Promise<void>) =>
    ctx.push(vscode.commands.registerCommand(id, (...args: never[]) => fn(...args).catch((err: unknown) => void vscode.window.showErrorMessage(`Agent Trace: ${errorText(err)}`))));

  /** The proxy's port; offers to enable the proxy when it is off and waits for the restarted server. */
  async function ensureProxy(what: string): Promise<ServerStatusDto | null> {
    if (ctx.status?.proxyPort) return ctx.status;
    const enable = 'Enable recording proxy';
    const pick = await vscode.window.showWarningMessage(`Agent Trace: ${what} needs the recording model proxy, which is off.`, enable);
    if (pick !== enable) return null;
    await vscode.workspace.getConfiguration(ConfigSection).update(Settings.proxyEnabled, true, vscode.ConfigurationTarget.Global);
    const status = await new Promise<ServerStatusDto | null>((resolve) => {
      const timer = setTimeout(() => done(null), 30_000);
      const sub = ctx.onDidChangeServer(() => {
        if (ctx.status?.proxyPort) done(ctx.status);
      });
      function done(s: ServerStatusDto | null) {
        clearTimeout(timer);
        sub.dispose();
        resolve(s);
      }
    });
    if (!status) void vscode.window.showErrorMessage('Agent Trace: the recording proxy did not start; see the Agent Trace output.');
    return status;
  }

  async function openTracked(content: string, t: Tracked, notes: string[]): Promise<void> {
    const doc = await vscode.workspace.openTextDocument({ language: 'json', content });
    tracked.set(doc.uri.toString(), t);
    lensChanged.fire();
    await vscode.window.showTextDocument(doc, { preview: false });
    if (notes.length) void vscode.window.showInformationMessage(`Agent Trace: ${notes.join(' ')}`);
  }

  /** The request document with "$schema" first, so the JSON editor validates and completes it. */
  function withSchema(document: string): string {
    const schema = vscode.Uri.joinPath(ctx.extension.extensionUri, 'schemas', 'model-request.schema.json').toString();
    try {
      return `${JSON.stringify({ $schema: schema, ...(JSON.parse(document) as object) }, null, 2)}\n`;
    } catch {
      return document;
    }
  }

  function stepArgs(traceId: unknown, spanId: unknown): { traceId: string; spanId: string } | null {
    if (typeof traceId === 'string' && typeof spanId === 'string') return { traceId, spanId };
    const panel = TracePanel.active();
    if (panel?.selectedStep) return { traceId: panel.traceId, spanId: panel.selectedStep };
    void vscode.window.showInformationMessage('Agent Trace: select an LLM step in a trace panel, then use "Re-run from this step…" or "Edit and re-send" in its detail.');
    return null;
  }

  reg(Commands.rerunFromStep, async (traceId: unknown, spanId: unknown) => {
    const step = stepArgs(traceId, spanId);
    if (!step || !(await ensureProxy('Re-run from this step'))) return;
    const choice = await vscode.window.showQuickPick(EDIT_CHOICES.map((c) => ({ ...c, description: '' })), { title: 'Re-run from this step: what do you want to change?' });
    if (!choice) return;
    const doc = await ctx.request(lsp.ForkDocument, { ...step, kind: choice.edit });
    if (!doc.ok) {
      void vscode.window.showErrorMessage(`Agent Trace: ${doc.error}`);
      return;
    }
    const content = choice.edit === 'response' ? doc.document : withSchema(doc.document);
    await openTracked(content, { mode: 'fork', ...step, kind: choice.edit }, [
      `Edit the ${choice.label.toLowerCase()}, then choose "Re-run the agent from this step with this edit" above the document.`,
    ]);
  });

  reg(Commands.editAndResend, async (traceId: unknown, spanId: unknown) => {
    const step = stepArgs(traceId, spanId);
    if (!step) return;
    const doc = await ctx.request(lsp.ResendDocument, step);
    if (!doc.ok) {
      void vscode.window.showErrorMessage(`Agent Trace: ${doc.error}`);
      return;
    }
    await openTracked(withSchema(doc.document), { mode: 'resend', ...step, recordedResponse: doc.recordedResponse }, doc.notes);
  });

  reg(Commands.runForkDocument, async (uri: unknown) => {
    const { doc, t } = trackedDocument(uri);
    if (!doc || t?.mode !== 'fork') return;
    const status = await ensureProxy('Re-run from this step');
    if (!status) return;
    const started = await ctx.request(lsp.StartFork, { traceId: t.traceId, spanId: t.spanId, kind: t.kind, document: doc.getText() });
    if (!started.ok) {
      void vscode.window.showErrorMessage(`Agent Trace: ${started.error}`);
      return;
    }
    const command = await runCommand();
    if (!command) {
      await ctx.request(lsp.ForkReport, { sessionId: started.sessionId, end: true });
      return;
    }
    await runFork(status, started, t, command);
  });

  reg(Commands.sendResendDocument, async (uri: unknown) => {
    const { doc, t } = trackedDocument(uri);
    if (!doc || t?.mode !== 'resend') return;
    if (!(await ensureProxy('Send'))) return;
    const apiKey = await keyFor(apiOf(doc.getText()));
    if (apiKey === null) return;
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Agent Trace: sending…' }, () =>
      ctx.request(lsp.Resend, { traceId: t.traceId, spanId: t.spanId, document: doc.getText(), apiKey: apiKey || undefined }),
    );
    if (result.body !== undefined) await showResponses(t.recordedResponse, result.body);
    const open = 'Open trace';
    const message = result.ok ? `Agent Trace: sent; the call is stored as its own trace.` : `Agent Trace: ${result.error ?? 'the call failed.'}`;
    const show = result.ok ? vscode.window.showInformationMessage : vscode.window.showErrorMessage;
    ctx.log.info(`Edit and re-send of ${t.traceId}/${t.spanId}: ${result.ok ? `stored as trace ${result.traceId}` : result.error}`);
    if (result.traceId) void show(message, open).then((p) => p && vscode.commands.executeCommand(Commands.openTrace, result.traceId));
    else void show(message);
  });

  function trackedDocument(uri: unknown): { doc: vscode.TextDocument | undefined; t: Tracked | undefined } {
    const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (!target) return { doc: undefined, t: undefined };
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
    const t = tracked.get(target.toString());
    if (!t) void vscode.window.showInformationMessage('Agent Trace: this is not a document opened by "Re-run from this step…" or "Edit and re-send".');
    return { doc, t };
  }

  function apiOf(text: string): 'openai' | 'anthropic' {
    try {
      return String((JSON.parse(text) as { api?: unknown }).api).startsWith('anthropic') ? 'anthropic' : 'openai';
    } catch {
      return 'openai';
    }
  }

  /** The API key: the agent's environment variable, else SecretStorage (asked once, kept only there). '' sends none; null: cancelled. */
  async function keyFor(provider: 'openai' | 'anthropic'): Promise<string | null> {
    const fromEnv = process.env[ENV_KEY[provider]];
    if (fromEnv) return fromEnv;
    const stored = await ctx.extension.secrets.get(SECRET_KEY[provider]);
    if (stored) return stored;
    const typed = await vscode.window.showInputBox({
      title: `API key for ${provider === 'openai' ? 'OpenAI' : 'Anthropic'}`,
      prompt: `${ENV_KEY[provider]} is not set. The key is kept in VS Code's secret storage (never in settings or traces). Leave empty to send without a key (a local server).`,
      password: true,
      ignoreFocusOut: true,
    });
    if (typed === undefined) return null;
    if (typed.trim()) await ctx.extension.secrets.store(SECRET_KEY[provider], typed.trim());
    return typed.trim();
  }

  async function showResponses(recorded: string | null, fresh: string): Promise<void> {
    const n = ++responseSeq;
    const left = vscode.Uri.from({ scheme: RESPONSE_SCHEME, path: `/recorded-${n}.json` });
    const right = vscode.Uri.from({ scheme: RESPONSE_SCHEME, path: `/new-${n}.json` });
    responses.set(left.toString(), recorded === null ? '(no recorded response)\n' : prettyBody(recorded));
    responses.set(right.toString(), prettyBody(fresh));
    await vscode.commands.executeCommand('vscode.diff', left, right, 'Recorded response ↔ New response', { preview: false });
  }

  /** The first launch configuration with a program, as a shell command (Node or Python); undefined when none. */
  function launchProgram(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const configs = vscode.workspace.getConfiguration('launch', folder?.uri).get<Array<{ type?: string; program?: string }>>('configurations') ?? [];
    for (const c of configs) {
      if (typeof c.program !== 'string' || !c.program) continue;
      const program = c.program.split('${workspaceFolder}').join(folder?.uri.fsPath ?? '.');
      const runner = c.type === 'node' || c.type === 'pwa-node' ? 'node' : c.type === 'python' || c.type === 'debugpy' ? 'python' : null;
      if (runner) return `${runner} ${JSON.stringify(program)}`;
    }
    return undefined;
  }

  /** agentTrace.run.command, else the first launch configuration's program, else what the user typed once here (asked now if nothing). */
  async function runCommand(): Promise<string | undefined> {
    const fromSetting = vscode.workspace.getConfiguration(ConfigSection).get<string>(RUN_COMMAND_SETTING)?.trim();
    if (fromSetting) return fromSetting;
    const launch = launchProgram();
    if (launch) return launch;
    const remembered = ctx.extension.workspaceState.get<string>(REMEMBERED_RUN_COMMAND);
    if (remembered) return remembered;
    const typed = await vscode.window.showInputBox({
      title: 'Re-run from this step: the command that runs your agent',
      prompt: 'Run from the workspace folder with the OTLP environment and the replay proxy. Remembered for this workspace (or set agentTrace.run.command).',
      placeHolder: 'e.g. python agent.py or node agent.js',
      ignoreFocusOut: true,
    });
    if (!typed?.trim()) return undefined;
    await ctx.extension.workspaceState.update(REMEMBERED_RUN_COMMAND, typed.trim());
    return typed.trim();
  }

  async function runFork(status: ServerStatusDto, started: Extract<lsp.ForkStartDto, { ok: true }>, t: Extract<Tracked, { mode: 'fork' }>, command: string): Promise<void> {
    const base = `http://${hostForUrl(status.host)}:${started.proxyPort}${started.pathPrefix}`;
    const resource = withForkResourceAttributes(process.env.OTEL_RESOURCE_ATTRIBUTES, { traceId: t.traceId, spanId: t.spanId });
    const env: Record<string, string> = {};
    for (const v of buildOtlpEnvironment({ host: status.host, httpPort: status.httpPort, grpcPort: status.grpcPort, proxyPort: null })) env[v.name] = v.value;
    Object.assign(env, { OPENAI_BASE_URL: `${base}/v1`, ANTHROPIC_BASE_URL: base, OTEL_RESOURCE_ATTRIBUTES: resource.value });

    const seen = new Set<string>();
    const traceSub = ctx.onDidChangeTraces((e) => e.traceIds.forEach((id) => seen.add(id)));
    const out = new vscode.EventEmitter<string>();
    const closed = new vscode.EventEmitter<number | void>();
    const write = (text: string) => out.fire(text.replace(/\r?\n/g, '\r\n'));
    let child: ChildProcess | undefined;
    let terminal: vscode.Terminal | undefined;
    const exited = new Promise<number | null>((resolve) => {
      const pty: vscode.Pseudoterminal = {
        onDidWrite: out.event,
        onDidClose: closed.event,
        open: () => {
          write(`Agent Trace: re-running from step ${t.spanId} of ${t.traceId} (${started.recordedCalls} recorded calls, forking at call ${started.forkAt + 1})\n`);
          for (const note of [...started.notes, ...resource.dropped.map((d) => `OTEL_RESOURCE_ATTRIBUTES entry left out (the SDK would refuse it): ${d}`)]) write(`  ${note}\n`);
          write(`$ ${command}\n`);
          const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
          child = spawn(command, { shell: true, cwd, env: { ...process.env, ...env } });
          child.stdout?.on('data', (d: Buffer) => write(d.toString('utf8')));
          child.stderr?.on('data', (d: Buffer) => write(d.toString('utf8')));
          child.on('error', (err) => {
            write(`\nThe command could not start: ${err.message}\n`);
            resolve(null);
          });
          child.on('exit', (code) => resolve(code));
        },
        close: () => child?.kill(),
      };
      terminal = vscode.window.createTerminal({ name: 'Agent Trace: re-run from step', pty });
      ctx.push(terminal);
      terminal.show(true);
    });
    const code = await exited;
    write(`\nThe agent exited${code === null ? '' : ` with code ${code}`}.\n`);

    const report = await ctx.request(lsp.ForkReport, { sessionId: started.sessionId, end: true });
    const problems = report?.problems ?? ['The replay session was lost (the trace server restarted).'];
    if (report) write(`Replay: ${report.calls.filter((c) => c.outcome.startsWith('replayed')).length} calls served from the recording, ${report.liveCalls} sent to the model; fork point ${report.forkReached ? 'reached' : 'NOT reached'}.\n`);
    for (const p of problems) write(`  ! ${p}\n`);
    if (report && problems.length) write(`  (also on step ${t.spanId} in the original trace's panel, and on the forked trace's steps that made those calls)\n`);
    for (const p of problems) ctx.log.warn(`Re-run from step ${t.spanId}: ${p}`);
    if (problems.length) {
      const showRun = 'Show run output';
      void vscode.window
        .showWarningMessage(`Agent Trace: the forked run did not replay cleanly: ${problems.slice(0, 3).join(' ')}${problems.length > 3 ? ` (+${problems.length - 3} more in the run output)` : ''}`, showRun)
        .then((p) => p && terminal?.show());
    }

    write('Waiting for the forked run\'s trace…\n');
    const forked = await findForkTrace(t, seen);
    traceSub.dispose();
    if (!forked) {
      write('No trace marked as this fork arrived. Does the agent export OpenTelemetry with OTEL_RESOURCE_ATTRIBUTES honoured?\n');
      void vscode.window.showWarningMessage('Agent Trace: the forked run sent no trace marked as a fork (agent_trace.fork.of); nothing to compare.');
      closed.fire(code ?? 1);
      return;
    }
    write(`Forked run: trace ${forked}. Opening the compare.\n`);
    closed.fire(code ?? 0);
    await ComparePanel.show(ctx, t.traceId, forked); // the original is A, the fork B: "run B diverges at step N"
  }

  /** The trace whose resource says it forks `t`, among the traces that changed since the run began (and those still arriving). */
  async function findForkTrace(t: { traceId: string; spanId: string }, seen: Set<string>): Promise<string | null> {
    const checked = new Set<string>();
    const isFork = async (id: string): Promise<boolean> => {
      if (checked.has(id) || id === t.traceId) return false;
      const d = await ctx.request(lsp.GetTrace, { traceId: id });
      const root = d?.spans.find((s) => !s.parentSpanId);
      if (!root) return false; // not complete yet: look again on its next change
      checked.add(id);
      const r = root.resourceAttributes;
      return r[FORK_OF_ATTRIBUTE] === t.traceId && r[FORK_STEP_ATTRIBUTE] === t.spanId;
    };
    for (const id of seen) if (await isFork(id)) return id;
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(null), TRACE_ARRIVAL_MS);
      const sub = ctx.onDidChangeTraces((e) => {
        void (async () => {
          for (const id of e.traceIds) if (await isFork(id)) return finish(id);
        })();
      });
      function finish(id: string | null) {
        clearTimeout(timer);
        sub.dispose();
        resolve(id);
      }
    });
  }
}
