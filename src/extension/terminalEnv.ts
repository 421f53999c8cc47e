// OTLP environment for agents: clipboard copy, and (opt-in) new integrated terminals.
import * as vscode from 'vscode';
import { Ctx } from './context';
import { Settings } from './ids';
import { buildOtlpEnvironment, formatEnvironment, type EnvFormat } from './otlpEnv';
import { config, otlpEndpoint } from './settings';

export function updateTerminalEnvironment(ext: vscode.ExtensionContext): void {
  const coll = ext.environmentVariableCollection;
  coll.clear();
  if (!config().get<boolean>(Settings.terminalInjectOtlpEnvironment)) return;
  const vars = buildOtlpEnvironment(otlpEndpoint());
  coll.persistent = true;
  coll.description = new vscode.MarkdownString().appendText(
    `Agent Trace: OpenTelemetry exporters send spans to ${vars[0].value} and GenAI instrumentations record prompts (setting agentTrace.terminal.injectOtlpEnvironment).`,
  );
  for (const v of vars) coll.replace(v.name, v.value);
}

export function registerTerminalEnvironment(ctx: Ctx): void {
  updateTerminalEnvironment(ctx.extension);
  ctx.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (
        Ctx.affects(e, Settings.terminalInjectOtlpEnvironment) ||
        Ctx.affects(e, Settings.otlpHost) ||
        Ctx.affects(e, Settings.otlpHttpPort)
      ) {
        updateTerminalEnvironment(ctx.extension);
      }
    }),
  );
}

export async function copyOtlpEnvironment(): Promise<void> {
  const formats: (vscode.QuickPickItem & { format: EnvFormat })[] = [
    { label: 'bash / zsh / fish (export)', format: 'posix' },
    { label: 'PowerShell', format: 'powershell' },
    { label: 'Windows cmd', format: 'cmd' },
    { label: '.env file', format: 'dotenv' },
  ];
  if (process.platform === 'win32') formats.unshift(...formats.splice(1, 1));
  const pick = await vscode.window.showQuickPick(formats, { title: 'Copy OTLP environment as…' });
  if (!pick) return;
  const text = formatEnvironment(buildOtlpEnvironment(otlpEndpoint()), pick.format);
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
