// Starting and stopping benchmarked servers. Each runs in its own session and process group
// (spawn's `detached` calls setsid(2)), so stopping the group ends the server and anything it
// started, whatever wrapper sits in between.
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';

export interface Running {
  child: ChildProcess;
  pid: number;
  /** Everything the process wrote to stdout so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node ...args` and resolves once its stdout matches `ready` (group 1 is returned). */
export function startNode(args: string[], ready: RegExp, timeoutMs = 60_000): Promise<{ running: Running; match: string }> {
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const running: Running = {
    child,
    pid: child.pid!,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return; // the group is already gone
      }
      const killer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone meanwhile */
        }
      }, 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void running.stop();
      reject(new Error(`${args.join(' ')} did not start within ${timeoutMs} ms: ${err || out}`));
    }, timeoutMs);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ running, match: m[1] ?? m[0] });
      }
    });
    child.stderr!.on('data', (d) => (err += d));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${code ?? signal}) before it was ready: ${err.slice(-2000)}`));
    });
  });
}

/** A loopback port nobody listens on right now (for servers that cannot report a port-0 bind). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
