// `agent-trace mcp`: the agent tools served over MCP on stdio (stdout carries the protocol;
// anything else goes to stderr).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { countTokens as CountTokensFn } from 'gpt-tokenizer';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { canonicalize } from '../../core/canonicalize';
import { parsePolicy, POLICY_FILE, type RedactionPolicy } from '../../core/redaction';
import { TraceStore } from '../../store/traceStore';
import { AgentAccess } from './agentAccess';
import { AGENT_TOOLS } from './tools';
import { SETTING_DEFAULTS } from '../../protocol/defaults';

export const DEFAULT_TOKEN_BUDGET = SETTING_DEFAULTS['agentAccess.tokenBudget'];

export interface McpOptions {
  dbPath: string;
  /** --policy FILE; null: the workspace default (.agent-trace/redaction.json under cwd) if it exists, else the default policy. */
  policyFile: string | null;
  cwd: string;
  redact: boolean;
  tokenBudget: number;
  log: (message: string) => void;
}

/** Counts tokens the way GPT-4o-class models do; special-token text in spans is counted as plain text, never refused. */
export function countModelTokens(text: string): number {
  return tokenCounter()(text, { disallowedSpecial: new Set() });
}

/**
 * gpt-tokenizer is loaded on first use: its encoding tables take ~60 MB of resident memory
 * (measured), which `agent-trace serve` (the same bundle) must not carry for a command it does not run.
 */
let countTokensFn: typeof CountTokensFn | null = null;
function tokenCounter(): typeof CountTokensFn {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (countTokensFn ??= (require('gpt-tokenizer') as { countTokens: typeof CountTokensFn }).countTokens);
}

/** Reads the policy on every call, so an edit is picked up; an invalid one is an error, never a silent default. */
export function policyReader(opts: Pick<McpOptions, 'policyFile' | 'cwd' | 'redact'>): () => { policy: RedactionPolicy; source: string } | null {
  return () => {
    if (!opts.redact) return null;
    const file = opts.policyFile ? path.resolve(opts.cwd, opts.policyFile) : path.join(opts.cwd, POLICY_FILE);
    let text: string | null = null;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (opts.policyFile || code !== 'ENOENT') throw new Error(`The redaction policy ${file} cannot be read (${code ?? (err as Error).message}); nothing is returned unredacted.`);
    }
    const { policy, errors } = parsePolicy(text);
    if (errors.length) throw new Error(`The redaction policy ${file} has errors; nothing is returned until it is fixed:\n  ${errors.join('\n  ')}`);
    return { policy, source: text === null ? 'default' : file };
  };
}

/** Opens the store on first use and keeps it; a store that cannot be opened is retried on the next call. */
export function lazyStore(dbPath: string, log: (m: string) => void): { get: () => TraceStore; close: () => void } {
  let store: TraceStore | null = null;
  return {
    get: () => {
      if (store) return store;
      if (!fs.existsSync(dbPath)) throw new Error(`no trace database at ${dbPath} yet (start the VS Code extension or \`agent-trace serve\`, or pass --db)`);
      store = TraceStore.open(dbPath, { canonicalize: (s) => canonicalize(s), readonly: true, log });
      return store;
    },
    close: () => store?.close(),
  };
}

export function createMcpServer(access: AgentAccess, version: string): McpServer {
  const server = new McpServer(
    { name: 'agent-trace', version },
    { instructions: 'Agent Trace: recorded OpenTelemetry traces of LLM agents on this machine. Start with list_traces, then get_trace and get_step.' },
  );
  for (const tool of AGENT_TOOLS) {
    server.registerTool(tool.name, { title: tool.title, description: tool.description, inputSchema: tool.input.shape }, async (args: Record<string, unknown>) => {
      const answer = tool.call(access, args);
      return { content: [{ type: 'text' as const, text: answer.text }], isError: answer.isError };
    });
  }
  return server;
}

/** Serves until stdin closes. */
export async function runMcpServer(opts: McpOptions, version: string): Promise<void> {
  const store = lazyStore(opts.dbPath, opts.log);
  const access = new AgentAccess({ store: store.get, policy: policyReader(opts), tokenBudget: opts.tokenBudget, countTokens: countModelTokens });
  const server = createMcpServer(access, version);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  opts.log(`agent-trace mcp: serving ${opts.dbPath} (redaction ${opts.redact ? 'on' : 'OFF'}, token budget ${opts.tokenBudget})`);
  await closed;
  await server.close();
  store.close();
}
