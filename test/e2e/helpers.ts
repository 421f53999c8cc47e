// Shared e2e helpers: run the sample agent, receive its OTLP/protobuf export, find marker lines.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
export const SAMPLE_AGENT = path.join(REPO, 'sample-agent');
export const NODE24 = path.join(REPO, 'node_modules', '.bin', 'node');

/** 1-based line of the `// @span:<name>` marker in a sample-agent file. */
export function markerLine(file: string, marker: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const index = lines.findIndex((l) => l.includes(`// @span:${marker}`));
  if (index < 0) throw new Error(`marker @span:${marker} not in ${file}`);
  return index + 1;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Builds sample-agent/lib/sourceLocationProcessor.js from src/sdk (what the agent requires). */
export async function buildSampleAgentLib(): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [path.join(REPO, 'src', 'sdk', 'sourceLocationProcessor.ts')],
    outfile: path.join(SAMPLE_AGENT, 'lib', 'sourceLocationProcessor.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
  });
}

export interface AgentRun {
  code: number | null;
  stdout: string;
  stderr: string;
  traceId: string | null;
}

/** Runs `node agent.js [question]` in `cwd` with the given OTLP endpoint. */
export function runSampleAgent(cwd: string, endpoint: string, extraEnv: NodeJS.ProcessEnv = {}, question?: string): Promise<AgentRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE24, ['agent.js', ...(question ? [question] : [])], {
      cwd,
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      const m = /trace id: ([0-9a-f]{32})/.exec(stdout);
      resolve({ code, stdout, stderr, traceId: m ? m[1] : null });
    });
  });
}

/** A minimal OTLP/HTTP receiver that keeps the raw request bodies. */
export async function startOtlpSink(): Promise<{ endpoint: string; bodies: { contentType: string; body: Buffer }[]; close(): Promise<void> }> {
  const bodies: { contentType: string; body: Buffer }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') bodies.push({ contentType: String(req.headers['content-type']), body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bodies,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
