// Where the trace database lives by default: one per user, shared by every VS Code window and
// the CLI, so `agent-trace list` shows what the editor captured.
import * as os from 'node:os';
import * as path from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = os.homedir();
  if (env.AGENT_TRACE_HOME) return env.AGENT_TRACE_HOME;
  if (platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'agent-trace');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'agent-trace');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'agent-trace');
}

export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(defaultDataDir(env), 'traces.db');
}

// Re-exported for the server and CLI modules that import them from here; the values live in
// src/protocol/defaults.ts, shared with the extension and checked against package.json.
export { DEFAULT_GRPC_PORT, DEFAULT_HOST, DEFAULT_HTTP_PORT } from '../protocol/defaults';
