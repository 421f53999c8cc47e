// Composition root: owns every Disposable. Two lifetimes (rust-analyzer's ctx.ts habit): the
// extension lifetime (views, commands, status bar, panels) and the server-session lifetime
// (the language client and its subscriptions), so "Restart server" replaces only the latter.
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import type { RequestType, RequestType0 } from 'vscode-languageclient/node';
import type { ServerStatusDto } from '../protocol/dto';
import { GetStatus, SERVER_NODE_FLAGS, StatusChanged, TracesChanged } from '../protocol/lsp';
import type { ServerState } from './format';
import { ContextKeys, LanguageClientId, OutputChannelName, ServerSettings, ConfigSection, Settings } from './ids';
import { serverInitOptions } from './settings';

export interface TracesChangedEvent {
  traceIds: string[];
  cleared?: boolean;
}

const RESTART_WINDOW_MS = 3 * 60_000;
const MAX_RESTARTS = 4;

/** One running language client and everything that lives exactly as long as it. */
class ServerSession implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private stopping = false;
  private readonly crashes: number[] = [];

  constructor(
    private readonly ctx: Ctx,
    readonly client: LanguageClient,
  ) {}

  static create(ctx: Ctx, initializationOptions: object): ServerSession {
    const module = ctx.extension.asAbsolutePath('dist/server.js');
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_FLAGS] } },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_FLAGS] } },
    };
    let session: ServerSession | undefined;
    const clientOptions: LanguageClientOptions = {
      // Code lenses and hovers for any file that has recorded spans.
      documentSelector: [{ scheme: 'file' }],
      outputChannel: ctx.log,
      initializationOptions,
      markdown: { isTrusted: false, supportHtml: false },
      errorHandler: {
        error: (_error, _message, count) => ({
          action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
          handled: true,
        }),
        closed: () => session?.onClosed() ?? { action: CloseAction.DoNotRestart, handled: true },
      },
    };
    const client = new LanguageClient(LanguageClientId, 'Agent Trace server', serverOptions, clientOptions);
    session = new ServerSession(ctx, client);
    session.disposables.push(
      client.onNotification(TracesChanged, (p) => ctx.fireTracesChanged(p)),
      client.onNotification(StatusChanged, (s) => ctx.setStatus(s)),
      client.onDidChangeState((e) => {
        if (e.newState === State.Running) {
          ctx.setState('running');
          client.sendRequest(GetStatus).then(
            (s) => ctx.setStatus(s),
            (err: unknown) => ctx.log.warn(`status request failed: ${String(err)}`),
          );
          ctx.fireTracesChanged({ traceIds: [], cleared: true });
        } else if (e.newState === State.Starting) ctx.setState('starting');
      }),
    );
    return session;
  }

  /** Crash: say so with a way to the log, restart a few times, then give up and say that too. */
  private onClosed(): { action: CloseAction; handled: boolean } {
    if (this.stopping) return { action: CloseAction.DoNotRestart, handled: true };
    const now = Date.now();
    while (this.crashes.length && now - this.crashes[0] > RESTART_WINDOW_MS) this.crashes.shift();
    this.crashes.push(now);
    if (this.crashes.length <= MAX_RESTARTS) {
      this.ctx.log.warn('The trace server exited unexpectedly; restarting it.');
      void this.ctx.notifyCrash(`The Agent Trace server stopped unexpectedly and is being restarted.`, false);
      return { action: CloseAction.Restart, handled: true };
    }
    this.ctx.setState('failed');
    void this.ctx.notifyCrash(
      `The Agent Trace server stopped ${this.crashes.length} times in 3 minutes and was not restarted. Traces are not being received.`,
      true,
    );
    return { action: CloseAction.DoNotRestart, handled: true };
  }

  async start(): Promise<void> {
    await this.client.start();
  }

  async dispose(): Promise<void> {
    this.stopping = true;
    for (const d of this.disposables.splice(0)) d.dispose();
    try {
      await this.client.dispose(3000);
    } catch (err) {
      this.ctx.log.warn(`stopping the trace server: ${String(err)}`);
    }
  }
}

export class Ctx implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  private readonly disposables: vscode.Disposable[] = [];
  private session: ServerSession | null = null;
  /** Serializes start/stop/restart so quick clicks do not interleave. */
  private lifecycle: Promise<void> = Promise.resolve();

  private readonly tracesChanged = new vscode.EventEmitter<TracesChangedEvent>();
  readonly onDidChangeTraces = this.tracesChanged.event;
  private readonly serverChanged = new vscode.EventEmitter<void>();
  /** Fires when the server state or its status changes. */
  readonly onDidChangeServer = this.serverChanged.event;

  state: ServerState = 'stopped';
  status: ServerStatusDto | null = null;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel(OutputChannelName, { log: true });
    this.disposables.push(this.log, this.tracesChanged, this.serverChanged);
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (ServerSettings.some((k) => e.affectsConfiguration(`${ConfigSection}.${k}`))) this.scheduleRestart('settings changed');
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.scheduleRestart('workspace folders changed')),
    );
  }

  /** Registers a Disposable for the extension's lifetime. */
  push(...ds: vscode.Disposable[]): void {
    this.disposables.push(...ds);
  }

  get running(): boolean {
    return this.session !== null && this.session.client.isRunning();
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.lifecycle = this.lifecycle.then(step, step).catch((err: unknown) => {
      this.log.error(`trace server: ${err instanceof Error ? err.message : String(err)}`);
      this.setState('failed');
      void this.notifyCrash(`The Agent Trace server could not start: ${err instanceof Error ? err.message : String(err)}`, true);
    });
    return this.lifecycle;
  }

  start(): Promise<void> {
    return this.enqueue(async () => {
      if (this.session) return;
      this.setState('starting');
      const opts = await serverInitOptions();
      this.log.info(`starting trace server (OTLP ${opts.host}:${opts.httpPort}/${opts.grpcPort}, database ${opts.dbPath || 'default'})`);
      this.session = ServerSession.create(this, opts);
      await this.session.start();
    });
  }

  stop(): Promise<void> {
    return this.enqueue(async () => {
      const s = this.session;
      this.session = null;
      if (s) await s.dispose();
      this.status = null;
      this.setState('stopped');
    });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private restartTimer: NodeJS.Timeout | undefined;
  private scheduleRestart(why: string): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (!this.session) return;
      this.log.info(`restarting trace server: ${why}`);
      void this.restart();
    }, 500);
  }

  /** A custom request to the server; fails with a readable message when it is not running. */
  async request<P, R>(type: RequestType<P, R, void>, params: P): Promise<R> {
    const client = this.session?.client;
    if (!client || !client.isRunning()) throw new Error('The Agent Trace server is not running. Run "Agent Trace: Restart Server".');
    // vscode-jsonrpc wraps params in RequestParam<P>, which TypeScript cannot relate to a generic P.
    return client.sendRequest(type, params as never);
  }

  async request0<R>(type: RequestType0<R, void>): Promise<R> {
    const client = this.session?.client;
    if (!client || !client.isRunning()) throw new Error('The Agent Trace server is not running. Run "Agent Trace: Restart Server".');
    return client.sendRequest(type);
  }

  fireTracesChanged(e: TracesChangedEvent): void {
    this.tracesChanged.fire(e);
    this.scheduleStatusRefresh();
  }

  private statusTimer: NodeJS.Timeout | undefined;
  /** Span counts change with every write; one status request per burst is enough. */
  private scheduleStatusRefresh(): void {
    if (this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      if (this.running) this.request0(GetStatus).then((s) => this.setStatus(s), () => undefined);
    }, 500);
  }

  setStatus(s: ServerStatusDto): void {
    this.status = s;
    if (s.traceCount > 0) this.markDone(ContextKeys.traceReceived);
    this.serverChanged.fire();
  }

  setState(s: ServerState): void {
    this.state = s;
    void vscode.commands.executeCommand('setContext', ContextKeys.serverRunning, s === 'running');
    void vscode.commands.executeCommand('setContext', ContextKeys.serverState, s);
    this.serverChanged.fire();
  }

  private readonly done = new Set<string>();
  /** Sets a walkthrough progress key once; the step whose `onContext:` names it is ticked. */
  markDone(key: (typeof ContextKeys)['traceReceived' | 'traceOpened' | 'sourceOpened' | 'redactionPreviewed']): void {
    if (this.done.has(key)) return;
    this.done.add(key);
    void vscode.commands.executeCommand('setContext', key, true);
  }

  async notifyCrash(message: string, offerRestart: boolean): Promise<void> {
    const actions = offerRestart ? ['Show Log', 'Restart Server'] : ['Show Log'];
    const pick = await (offerRestart ? vscode.window.showErrorMessage : vscode.window.showWarningMessage)(message, ...actions);
    if (pick === 'Show Log') this.log.show(true);
    else if (pick === 'Restart Server') void this.restart();
  }

  /** For the settings the session does not need: terminal env, policy path. */
  static affects(e: vscode.ConfigurationChangeEvent, key: (typeof Settings)[keyof typeof Settings]): boolean {
    return e.affectsConfiguration(`${ConfigSection}.${key}`);
  }

  async dispose(): Promise<void> {
    clearTimeout(this.restartTimer);
    clearTimeout(this.statusTimer);
    const s = this.session;
    this.session = null;
    if (s) await s.dispose();
    for (const d of this.disposables.splice(0).reverse()) {
      try {
        d.dispose();
      } catch {
        /* keep disposing the rest */
      }
    }
  }
}
