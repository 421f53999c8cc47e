// OTLP environment for agents: clipboard copy, and (opt-in) new integrated terminals.
import * as vscode from 'vscode';
import { Ctx } from './context';
import { Settings } from './ids';
import { buildOtlpEnvironment, formatEnvironment, type EnvFormat, type OtlpEndpoint } from './otlpEnv';
import { config, otlpEndpoint } from './settings';

/**
 * The bound ports when the server listens (they can differ from the settings, e.g. port 0), else
 * the settings; the proxy's port only while it runs (a follower window's own proxy does not: the
 * writer's is named in its status).
 */
export function currentEndpoint(ctx: Ctx): OtlpEndpoint {
  const s = ctx.status;
  if (s?.listening) return { host: s.host, httpPort: s.httpPort, grpcPort: s.grpcPort, proxyPort: s.proxyPort ?? null };
  return { ...otlpEndpoint(), proxyPort: config().get<boolean>(Settings.proxyEnabled) ? config().get<number>(Settings.proxyPort) ?? null : null };
}

export function updateTerminalEnvironment(ctx: Ctx): void {
  const coll = ctx.extension.environmentVariableCollection;
  coll.clear();
  if (!config().get<boolean>(Settings.terminalInjectOtlpEnvironment)) return;
  const vars = buildOtlpEnvironment(currentEndpoint(ctx));
  coll.persistent = true;
  coll.description = new vscode.MarkdownString().appendText(
    `Agent Trace: OpenTelemetry exporters send spans to ${vars[0].value} and GenAI instrumentations record prompts (setting agentTrace.terminal.injectOtlpEnvironment).`,
  );
  for (const v of vars) coll.replace(v.name, v.value);
}

export function registerTerminalEnvironment(ctx: Ctx): void {
  updateTerminalEnvironment(ctx);
  let last = '';
  ctx.push(
    ctx.onDidChangeServer(() => {
      const ep = JSON.stringify(currentEndpoint(ctx));
      if (ep !== last) {
        last = ep;
        updateTerminalEnvironment(ctx);
      }
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (
        Ctx.affects(e, Settings.terminalInjectOtlpEnvironment) ||
        Ctx.affects(e, Settings.otlpHost) ||
        Ctx.affects(e, Settings.otlpHttpPort) ||
        Ctx.affects(e, Settings.proxyEnabled) ||
        Ctx.affects(e, Settings.proxyPort)
      ) {
        updateTerminalEnvironment(ctx);
      }
    }),
  );
}

export async function copyOtlpEnvironment(ctx: Ctx): Promise<void> {
  const formats: (vscode.QuickPickItem & { format: EnvFormat })[] = [
    { label: 'bash / zsh / fish (export)', format: 'posix' },
    { label: 'PowerShell', format: 'powershell' },
    { label: 'Windows cmd', format: 'cmd' },
    { label: '.env file', format: 'dotenv' },
  ];
  if (process.platform === 'win32') formats.unshift(...formats.splice(1, 1));
  const pick = await vscode.window.showQuickPick(formats, { title: 'Copy OTLP environment as…' });
  if (!pick) return;
  const text = formatEnvironment(buildOtlpEnvironment(currentEndpoint(ctx)), pick.format);
  await vscode.env.clipboard.writeText(text);
  const choice = await vscode.window.showInformationMessage(
    'OTLP environment copied. Paste it in the shell that runs your agent (set OTEL_SERVICE_NAME to name it).',
    'Also for new terminals',
  );
  if (choice) await enableTerminalInjection();
}

export async function enableTerminalInjection(): Promise<void> {
  await config().update(Settings.terminalInjectOtlpEnvironment, true, vscode.ConfigurationTarget.Global);
  void vscode.window.showInformationMessage('New integrated terminals now get the OTLP environment. Open a new terminal to use it.');
}

/** "Agent Trace: Enable Recording Proxy": the setting on (the server restarts with it), and what it means. */
export async function enableRecordingProxy(): Promise<void> {
  await config().update(Settings.proxyEnabled, true, vscode.ConfigurationTarget.Global);
  void vscode.window.showInformationMessage(
    'The recording model proxy is on. Point your agent at it with OPENAI_BASE_URL / ANTHROPIC_BASE_URL ("Copy OTLP environment" includes them, and new terminals get them with terminal injection on). ' +
      'Calls go only to the upstream set in agentTrace.proxy.upstreams; API keys pass through and are never stored.',
  );
}
