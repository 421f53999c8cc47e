// Runs the real built CLI (dist/cli.js) as a separate process, as a user would.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(ROOT, 'dist/cli.js');

/** Builds the bundles once if a test runs without `npm run build` first. */
export function ensureBuilt(): void {
  if (!fs.existsSync(CLI)) execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: ROOT, stdio: 'inherit' });
}

export function tempDir(prefix = 'agent-trace-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { node?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(options.node ?? process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function cliJson<T>(args: string[]): T {
  const r = runCli([...args, '--json']);
  if (r.code !== 0) throw new Error(`agent-trace ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export function cliJsonLines<T>(args: string[]): T[] {
  const r = runCli([...args, '--json']);
  if (r.code !== 0) throw new Error(`agent-trace ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
}

export interface ServeHandle {
  child: ChildProcess;
  httpPort: number;
  grpcPort: number;
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL: no chance to flush anything. */
  kill(): Promise<void>;
}

/** Starts `agent-trace serve`; resolves once it prints its endpoints (or rejects with its stderr). */
export function serve(args: { db: string; httpPort?: number; grpcPort?: number; extra?: string[] }): Promise<ServeHandle> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--db', args.db, '--http-port', String(args.httpPort ?? 0), '--grpc-port', String(args.grpcPort ?? 0), ...(args.extra ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 20_000);
    const check = () => {
      const http = /OTLP\/HTTP\s+http:\/\/[\d.]+:(\d+)/.exec(out);
      const grpc = /OTLP\/gRPC\s+[\d.]+:(\d+)/.exec(out);
      if (!http || !grpc) return;
      clearTimeout(timer);
      resolve({
        child,
        httpPort: Number(http[1]),
        grpcPort: Number(grpc[1]),
        stdout: () => out,
        stderr: () => err,
        stop: async () => {
          child.kill('SIGTERM');
          return exited;
        },
        kill: async () => {
          child.kill('SIGKILL');
          await exited;
        },
      });
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${err}`));
    });
  });
}

/** What `useServedDatabase` gives the tests, filled in by its `before` hook. */
export interface ServedDatabase {
  /** The temp folder holding the database, deleted after the tests. */
  dir: string;
  db: string;
  server: ServeHandle;
}

/**
 * `agent-trace serve` on a new database in a temp folder for the calling `describe`'s tests:
 * started before them (the CLI built first if it is not), stopped and the folder deleted after.
 */
export function useServedDatabase(): ServedDatabase {
  const served = {} as ServedDatabase;
  before(async () => {
    ensureBuilt();
    served.dir = tempDir();
    served.db = path.join(served.dir, 'traces.db');
    served.server = await serve({ db: served.db });
  });
  after(async () => {
    await served.server?.stop();
    if (served.dir) fs.rmSync(served.dir, { recursive: true, force: true });
  });
  return served;
}
