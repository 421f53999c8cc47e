// The environment an agent process needs to send its spans here (pure: unit-tested).
import { hostForUrl } from './format';

export interface EnvVar {
  name: string;
  value: string;
  description: string;
}

export interface OtlpEndpoint {
  host: string;
  httpPort: number;
  grpcPort: number;
  /** The recording model proxy's port when it is on (agentTrace.proxy.enabled), else null or absent. */
  proxyPort?: number | null;
}

/**
 * Exporter endpoint and protocol, plus the switches that make the common GenAI
 * instrumentations record prompts and completions (they default to leaving content out).
 */
export function buildOtlpEnvironment(ep: OtlpEndpoint): EnvVar[] {
  return [
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: `http://${hostForUrl(ep.host)}:${ep.httpPort}`, description: 'Send OTLP to Agent Trace' },
    { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf', description: 'OTLP over HTTP with protobuf bodies' },
    { name: 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT', value: 'true', description: 'OpenTelemetry GenAI instrumentations: record message content' },
    // Python: `opentelemetry-instrument` exports log records only with the logging bridge on, and
    // the contrib GenAI instrumentations (openai-v2 and others) send message content as log records.
    { name: 'OTEL_PYTHON_LOGGING_AUTO_INSTRUMENTATION_ENABLED', value: 'true', description: 'Python zero-code: export log records (GenAI message events)' },
    // util-genai builds that take the capture mode from its own variable (read when the capture
    // variable above is true). Upstream's newest util-genai instead reads the mode from the
    // capture variable itself in its experimental semconv mode: docs/python.md says how to set that.
    { name: 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT_MODE', value: 'SPAN_AND_EVENT', description: 'Python GenAI util: content on spans and events' },
    { name: 'TRACELOOP_TRACE_CONTENT', value: 'true', description: 'OpenLLMetry (Traceloop): record prompts and completions' },
    { name: 'OPENINFERENCE_HIDE_INPUTS', value: 'false', description: 'OpenInference: keep inputs' },
    { name: 'OPENINFERENCE_HIDE_OUTPUTS', value: 'false', description: 'OpenInference: keep outputs' },
    ...proxyEnvironment(ep),
  ];
}

/** With the recording proxy on, the OpenAI and Anthropic SDKs are pointed at it (it forwards to their own endpoints). */
export function proxyEnvironment(ep: OtlpEndpoint): EnvVar[] {
  if (ep.proxyPort === null || ep.proxyPort === undefined) return [];
  const base = `http://${hostForUrl(ep.host)}:${ep.proxyPort}`;
  return [
    { name: 'OPENAI_BASE_URL', value: `${base}/v1`, description: 'OpenAI SDKs: model calls through the Agent Trace recording proxy' },
    { name: 'ANTHROPIC_BASE_URL', value: base, description: 'Anthropic SDKs: model calls through the Agent Trace recording proxy' },
  ];
}

/** Not injected into terminals (it would give every process the same name); shown as a hint. */
export const serviceNameHint: EnvVar = { name: 'OTEL_SERVICE_NAME', value: 'my-agent', description: 'Name your agent (shown as the service)' };

export type EnvFormat = 'posix' | 'powershell' | 'cmd' | 'dotenv';

function posixQuote(v: string): string {
  return /^[A-Za-z0-9_./:@=-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** Text for the clipboard; the service name is a commented hint the user edits. */
export function formatEnvironment(vars: EnvVar[], format: EnvFormat): string {
  const lines: string[] = [];
  switch (format) {
    case 'posix':
      for (const v of vars) lines.push(`export ${v.name}=${posixQuote(v.value)}`);
      lines.push(`# export ${serviceNameHint.name}=${serviceNameHint.value}`);
      break;
    case 'powershell':
      for (const v of vars) lines.push(`$env:${v.name}="${v.value.replace(/[`"$]/g, '`$&')}"`);
      lines.push(`# $env:${serviceNameHint.name}="${serviceNameHint.value}"`);
      break;
    case 'cmd':
      for (const v of vars) lines.push(`set "${v.name}=${v.value}"`);
      lines.push(`rem set "${serviceNameHint.name}=${serviceNameHint.value}"`);
      break;
    case 'dotenv':
      for (const v of vars) lines.push(`${v.name}=${v.value}`);
      lines.push(`# ${serviceNameHint.name}=${serviceNameHint.value}`);
      break;
  }
  return lines.join('\n') + '\n';
}
