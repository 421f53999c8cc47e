// The proxy's settings as the extension sends them (agentTrace.proxy.*) → the trace server's
// option, or undefined when it is off or an upstream is not a usable URL (said in the log).
import { checkUpstream } from '../../core/proxy/providers';
import type { ServerInitOptions } from '../../protocol/lsp';
import type { TraceServerOptions } from '../traceServer';

export function proxyOptions(init: ServerInitOptions['proxy'], log: (m: string) => void): TraceServerOptions['proxy'] {
  if (!init?.enabled) return undefined;
  const problems = [
    checkUpstream(init.upstreams.openai, 'agentTrace.proxy.upstreams.openai'),
    checkUpstream(init.upstreams.anthropic, 'agentTrace.proxy.upstreams.anthropic'),
  ].filter((p): p is string => p !== null);
  if (problems.length) {
    log(`The recording model proxy is not started: ${problems.join(' ')}`);
    return undefined;
  }
  return { port: init.port, upstreams: { openai: init.upstreams.openai, anthropic: init.upstreams.anthropic } };
}
