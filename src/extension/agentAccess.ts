// Agent access in VS Code: the `agent-trace mcp` server offered to agent mode through an MCP
// server definition provider (no configuration), and the same tools as language-model tools
// (`#agentTraces` in chat). The tools talk to that same MCP server through the SDK's client,
// so both paths answer with the same redacted, budgeted text. Off when agentAccess.enabled is.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { SERVER_NODE_FLAGS } from '../protocol/lsp';
import { defaultDbPath } from '../server/paths';
import type { Ctx } from './context';
import { AgentTools, ConfigSection, McpServerProviderId, Settings } from './ids';
import { config, redactionPolicyUri } from './settings';

const AGENT_ACCESS_SETTINGS = [Settings.agentAccessEnabled, Settings.agentAccessRedact, Settings.agentAccessTokenBudget, Settings.databasePath, Settings.redactionPolicyPath];

interface McpLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string | undefined;
}

function enabled(): boolean {
  return config().get<boolean>(Settings.agentAccessEnabled) !== false;
}

/** The bundled CLI run by the editor's own Node (Electron as Node), like the trace server. */
function launch(ctx: Ctx): McpLaunch {
  const c = config();
  const db = c.get<string>(Settings.databasePath)?.trim() || defaultDbPath();
  const args = [...SERVER_NODE_FLAGS, ctx.extension.asAbsolutePath('dist/cli.js'), 'mcp', '--db', db];
  const policy = redactionPolicyUri();
  if (policy && fs.existsSync(policy.fsPath)) args.push('--policy', policy.fsPath);
  if (c.get<boolean>(Settings.agentAccessRedact) === false) args.push('--no-redact');
  const budget = c.get<number>(Settings.agentAccessTokenBudget);
  if (typeof budget === 'number' && Number.isInteger(budget)) args.push('--token-budget', String(budget));
  return { command: process.execPath, args, env: { ELECTRON_RUN_AS_NODE: '1' }, cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath };
}

/** One MCP client per configuration, started on the first tool call. */
class ToolClient implements vscode.Disposable {
  private client: Promise<Client> | null = null;

  constructor(private readonly ctx: Ctx) {}

  private connect(): Promise<Client> {
    const l = launch(this.ctx);
    const transport = new StdioClientTransport({ command: l.command, args: l.args, env: { ...(process.env as Record<string, string>), ...l.env }, cwd: l.cwd, stderr: 'pipe' });
    const client = new Client({ name: 'agent-trace-vscode', version: this.ctx.extension.extension.packageJSON.version ?? '0.0.0' });
    transport.onclose = () => (this.client = null);
    return client.connect(transport).then(() => client);
  }

  async call(name: string, input: unknown): Promise<{ text: string; isError: boolean }> {
    this.client ??= this.connect();
    let client: Client;
    try {
      client = await this.client;
    } catch (err) {
      this.client = null;
      throw err;
    }
    const r = (await client.callTool({ name, arguments: (input ?? {}) as Record<string, unknown> })) as { isError?: boolean; content: { type: string; text?: string }[] };
    return { text: r.content.map((c) => c.text ?? '').join('\n'), isError: !!r.isError };
  }

  dispose(): void {
    const c = this.client;
    this.client = null;
    void c?.then((x) => x.close(), () => undefined);
  }
}

export function registerAgentAccess(ctx: Ctx): void {
  const changed = new vscode.EventEmitter<void>();
  const clients = { current: new ToolClient(ctx) };
  // Registered once for the extension's lifetime: the provider offers no server while agent
  // access is off and tells VS Code when that changes (disposing and registering the same
  // provider id again did not reliably bring the server back), the tools refuse while it is
  // off, and the contributions' `when` clauses on the same setting hide both at once.
  const provider = vscode.lm.registerMcpServerDefinitionProvider(McpServerProviderId, {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions: () => {
      if (!enabled()) return [];
      const l = launch(ctx);
      const def = new vscode.McpStdioServerDefinition('Agent Trace', l.command, l.args, l.env, ctx.extension.extension.packageJSON.version);
      if (l.cwd) def.cwd = vscode.Uri.file(l.cwd);
      return [def];
    },
  });
  const tools = Object.entries(AgentTools).map(([mcpName, toolId]) =>
    vscode.lm.registerTool<Record<string, unknown>>(toolId, {
      invoke: async (options) => {
        if (!enabled()) throw new Error('Agent access to the traces is off (agentTrace.agentAccess.enabled).');
        const r = await clients.current.call(mcpName, options.input);
        // An error answer (unknown id, bad cursor) is still text the model can act on.
        return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(r.text)]);
      },
      prepareInvocation: () => ({ invocationMessage: `Reading agent traces (${mcpName})` }),
    }),
  );

  ctx.push(
    changed,
    provider,
    ...tools,
    { dispose: () => clients.current.dispose() },
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!AGENT_ACCESS_SETTINGS.some((k) => e.affectsConfiguration(`${ConfigSection}.${k}`))) return;
      clients.current.dispose();
      clients.current = new ToolClient(ctx);
      changed.fire();
    }),
  );
}
