// `agent-trace mcp`: the trace store as an MCP server on stdio, for coding agents (Claude Code,
// Cursor, VS Code agent mode). Redacted under the workspace policy unless --no-redact.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDbPath } from '../server/paths';
import { LIMITS } from '../server/mcp/agentAccess';
import { DEFAULT_TOKEN_BUDGET, runMcpServer } from '../server/mcp/mcpServer';

export const MCP_USAGE = `agent-trace mcp [--db FILE] [--policy FILE] [--no-redact] [--token-budget N]
  Serves the traces to coding agents over MCP (stdio). Text is redacted under --policy, or
  .agent-trace/redaction.json in the current directory, or the default policy; --no-redact
  turns that off. Every answer fits --token-budget tokens (default ${DEFAULT_TOKEN_BUDGET}).`;

export async function runMcpCommand(argv: string[], fail: (message: string) => never): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { db: { type: 'string' }, policy: { type: 'string' }, 'no-redact': { type: 'boolean' }, 'token-budget': { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    return fail(`${(err as Error).message}\n\n${MCP_USAGE}`);
  }
  const budgetText = values['token-budget'];
  const tokenBudget = budgetText === undefined ? DEFAULT_TOKEN_BUDGET : Number(budgetText);
  if (!Number.isInteger(tokenBudget) || tokenBudget < LIMITS.minBudget || tokenBudget > LIMITS.maxBudget) {
    return fail(`--token-budget must be an integer from ${LIMITS.minBudget} to ${LIMITS.maxBudget}, not "${budgetText}".`);
  }
  await runMcpServer(
    {
      dbPath: path.resolve(values.db ?? defaultDbPath()),
      policyFile: values.policy ?? null,
      cwd: process.cwd(),
      redact: !values['no-redact'],
      tokenBudget,
      log: (m) => process.stderr.write(m + '\n'),
    },
    process.env.AGENT_TRACE_VERSION ?? '0.1.0',
  );
  return 0;
}
