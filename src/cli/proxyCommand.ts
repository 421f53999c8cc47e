// `agent-trace proxy`: the recording model proxy without the editor. It records into the same
// database as `serve` and the extension; the steps are linked when the trace is read.
import { checkUpstream } from '../core/proxy/providers';
import { DEFAULT_HOST, DEFAULT_PROXY_PORT, DEFAULT_PROXY_UPSTREAMS } from '../protocol/defaults';
import { startModelProxy } from '../server/proxy/modelProxy';
import { recordingSink } from '../server/proxy/recordingSink';
import type { TraceStore } from '../store/traceStore';

export const PROXY_USAGE = `agent-trace proxy  [--port ${DEFAULT_PROXY_PORT}] [--host ${DEFAULT_HOST}] [--upstream-openai URL] [--upstream-anthropic URL] [--db FILE]`;

export interface ProxyCommandOptions {
  host: string;
  port: number;
  upstreamOpenai?: string;
  upstreamAnthropic?: string;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when the proxy should stop (SIGINT/SIGTERM). */
  stopped: Promise<void>;
}

export class ProxyUsageError extends Error {}

export async function runProxy(store: TraceStore, o: ProxyCommandOptions): Promise<number> {
  const upstreams = { openai: o.upstreamOpenai ?? DEFAULT_PROXY_UPSTREAMS.openai, anthropic: o.upstreamAnthropic ?? DEFAULT_PROXY_UPSTREAMS.anthropic };
  const problem = checkUpstream(upstreams.openai, '--upstream-openai') ?? checkUpstream(upstreams.anthropic, '--upstream-anthropic');
  if (problem) throw new ProxyUsageError(problem);
  const sink = recordingSink(store, o.err);
  let proxy;
  try {
    proxy = await startModelProxy({ host: o.host, port: o.port, upstreams, onRecording: sink.record, log: o.err });
  } catch (err) {
    o.err(`Cannot listen on ${o.host}:${o.port} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): pass another --port.`);
    return 1;
  }
  const base = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${proxy.port}`;
  o.out(`Agent Trace recording proxy listening on ${base}`);
  o.out(`  OpenAI (and compatible) → ${upstreams.openai}`);
  o.out(`  Anthropic               → ${upstreams.anthropic}`);
  o.out(`  export OPENAI_BASE_URL=${base}/v1`);
  o.out(`  export ANTHROPIC_BASE_URL=${base}`);
  await o.stopped;
  await proxy.close();
  sink.flush();
  return 0;
}
