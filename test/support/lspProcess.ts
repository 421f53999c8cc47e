// `agent-trace lsp --stdio` started as an editor starts it: the built CLI as a process, a
// JSON-RPC connection over its stdin/stdout, initialize + initialized with loopback receivers on
// free ports. One helper for every integration test that talks to the language server; what the
// server sends (trace changes, status, log messages, diagnostics) is collected for the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import * as lsp from '../../src/protocol/lsp';
import type { ServerStatusDto } from '../../src/protocol/dto';
import { CLI } from './serverProcess';

export interface PublishedDiagnostics {
  uri: string;
  diagnostics: Array<{ range: { start: { line: number; character: number } }; message: string; severity?: number }>;
}

export interface LspSession {
  child: ChildProcess;
  conn: MessageConnection;
  /** agentTrace/tracesChanged notifications, in arrival order. */
  changes: { traceIds: string[] }[];
  statuses: ServerStatusDto[];
  /** window/logMessage texts. */
  logs: string[];
  diagnostics: PublishedDiagnostics[];
  /** shutdown, exit, and the process gone; safe to call twice. */
  close(): Promise<void>;
}

export type LspInit = Partial<lsp.ServerInitOptions> & { dbPath: string; workspaceFolders: string[] };

/** Starts the server on `init` (receivers on 127.0.0.1, ports 0 unless given) and waits until it is initialized. */
export async function startLsp(init: LspInit): Promise<LspSession> {
  const child = spawn(process.execPath, [CLI, 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const session: Omit<LspSession, 'close'> = { child, conn, changes: [], statuses: [], logs: [], diagnostics: [] };
  conn.onNotification(lsp.TracesChanged, (c) => void session.changes.push(c));
  conn.onNotification(lsp.StatusChanged, (s) => void session.statuses.push(s));
  conn.onNotification('window/logMessage', (m: { message: string }) => void session.logs.push(m.message));
  conn.onNotification('textDocument/publishDiagnostics', (d: PublishedDiagnostics) => void session.diagnostics.push(d));
  conn.onRequest('workspace/codeLens/refresh', () => null);
  conn.listen();
  const exited = new Promise((r) => child.once('exit', r));
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await conn.sendRequest('shutdown').catch(() => undefined);
    await conn.sendNotification('exit').catch(() => undefined);
    conn.dispose();
    child.kill();
    await exited;
  };
  const root = init.workspaceFolders[0];
  try {
    await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: root ? pathToFileURL(root).href : null,
      capabilities: {},
      workspaceFolders: init.workspaceFolders.map((f, i) => ({ uri: pathToFileURL(f).href, name: `ws${i}` })),
      initializationOptions: {
        host: '127.0.0.1',
        httpPort: 0,
        grpcPort: 0,
        pathMappings: {},
        retention: { maxDays: 7, maxMegabytes: 1024 },
        priceOverrides: {},
        ...init,
      },
    });
    await conn.sendNotification('initialized', {});
  } catch (err) {
    await close();
    throw err;
  }
  return { ...session, close };
}
