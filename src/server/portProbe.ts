// When an OTLP port is taken, find out by whom: another Agent Trace server answers
// GET /agent-trace/info (HTTP) or our Info/Get method (gRPC); anything else is "another program".
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { INFO_PATH } from './httpReceiver';
import { GRPC_INFO_PATH } from './grpcReceiver';

export interface AgentTraceInfo {
  agentTrace: true;
  pid: number;
  version: string;
}

const PROBE_TIMEOUT_MS = 1500;

function parseInfo(text: string): AgentTraceInfo | null {
  try {
    const v = JSON.parse(text) as Partial<AgentTraceInfo>;
    if (v && v.agentTrace === true && typeof v.pid === 'number') return { agentTrace: true, pid: v.pid, version: String(v.version ?? '') };
  } catch {
    // not ours
  }
  return null;
}

function probeHttp(host: string, port: number): Promise<AgentTraceInfo | null> {
  return new Promise((resolve) => {
    // Host: localhost passes the receiver's DNS-rebinding check whatever address it bound (0.0.0.0 too).
    const req = http.get({ host, port, path: INFO_PATH, timeout: PROBE_TIMEOUT_MS, headers: { Accept: 'application/json', Host: `localhost:${port}` } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 64 * 1024) req.destroy();
        else chunks.push(c);
      });
      res.on('end', () => resolve(res.statusCode === 200 ? parseInfo(Buffer.concat(chunks).toString('utf8')) : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

function probeGrpc(host: string, port: number): Promise<AgentTraceInfo | null> {
  return new Promise((resolve) => {
    const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const client = new grpc.Client(target, grpc.credentials.createInsecure());
    client.makeUnaryRequest<Buffer, Buffer>(
      GRPC_INFO_PATH, (b) => b, (b) => b, Buffer.alloc(0),
      { deadline: Date.now() + PROBE_TIMEOUT_MS },
      (err, value) => {
        client.close();
        resolve(err || !value ? null : parseInfo(value.toString('utf8')));
      },
    );
  });
}

/** The Agent Trace server answering OTLP/HTTP at host:port, or null (nothing there, or another program). */
export const probeAgentTraceHttp = (host: string, port: number): Promise<AgentTraceInfo | null> => probeHttp(host, port);

/** A message for the user about who holds `port`, naming the setting to change. */
export async function describePortConflict(host: string, port: number, which: 'http' | 'grpc'): Promise<string> {
  const info = await (which === 'http' ? probeHttp(host, port) : probeGrpc(host, port));
  const setting = which === 'http' ? 'agentTrace.otlp.httpPort' : 'agentTrace.otlp.grpcPort';
  const flag = which === 'http' ? '--http-port' : '--grpc-port';
  if (info) {
    const version = info.version ? `, version ${info.version}` : '';
    return `Port ${port} is used by another Agent Trace server (pid ${info.pid}${version}); it receives the spans and this window shows them from the shared database.`;
  }
  return `Port ${port} is used by another program. Change the setting ${setting} or pass ${flag}.`;
}
