// Every default the editor, the trace server and the CLI share, in one place. package.json's
// `contributes.configuration` repeats them for VS Code's settings UI; a unit test keeps the two equal.

/** Loopback only unless the user says otherwise. */
export const DEFAULT_HOST = '127.0.0.1';
/** The OTLP ports every exporter tries first (OpenTelemetry's own defaults). */
export const DEFAULT_HTTP_PORT = 4318;
export const DEFAULT_GRPC_PORT = 4317;
export const DEFAULT_RETENTION = { maxDays: 7, maxMegabytes: 1024 } as const;
/** Relative to the first workspace folder. */
export const DEFAULT_REDACTION_POLICY_PATH = '.agent-trace/redaction.json';
/** Checks (issue 11), relative to the first workspace folder (or the CLI's current folder): the first that exists is used. */
export const CHECKS_FILES = ['.agent-trace/checks.json', '.agent-trace/checks.yaml', '.agent-trace/checks.yml'] as const;

/** The recording model proxy's port (next to the OTLP ports) and where it forwards each provider's calls. */
export const DEFAULT_PROXY_PORT = 4319;
export const DEFAULT_PROXY_UPSTREAMS = { openai: 'https://api.openai.com', anthropic: 'https://api.anthropic.com' } as const;

/** The default of each setting, by its key under the `agentTrace` section. */
export const SETTING_DEFAULTS = {
  'otlp.host': DEFAULT_HOST,
  'otlp.httpPort': DEFAULT_HTTP_PORT,
  'otlp.grpcPort': DEFAULT_GRPC_PORT,
  /** Empty: the per-user database shared by every window and the CLI. */
  'database.path': '',
  'retention.maxDays': DEFAULT_RETENTION.maxDays,
  'retention.maxMegabytes': DEFAULT_RETENTION.maxMegabytes,
  'source.pathMappings': {},
  'pricing.overrides': {},
  'terminal.injectOtlpEnvironment': false,
  'redaction.policyPath': DEFAULT_REDACTION_POLICY_PATH,
  /** Extra Host header names the HTTP receiver accepts besides loopback names (DNS rebinding guard). */
  'otlp.allowedHosts': [],
  // What one span may carry before the receiver cuts it; src/core/otlp/limits.ts applies them
  // (core cannot import this module, so a unit test keeps its DEFAULT_OTLP_LIMITS equal to these).
  'limits.maxAttributes': 4096,
  'limits.maxValueLength': 1024 * 1024,
  'limits.maxEvents': 1024,
  'limits.maxLinks': 1024,
  'limits.maxValueDepth': 64,
  /** Coding agents (MCP, language-model tools) may read the traces, redacted, within a token budget per answer. */
  'agentAccess.enabled': true,
  'agentAccess.redact': true,
  'agentAccess.tokenBudget': 8000,
  /** The recording model proxy (issue 10): opt-in; forwards only to these upstreams, the providers' own endpoints by default. */
  'proxy.enabled': false,
  'proxy.port': DEFAULT_PROXY_PORT,
  'proxy.upstreams.openai': DEFAULT_PROXY_UPSTREAMS.openai,
  'proxy.upstreams.anthropic': DEFAULT_PROXY_UPSTREAMS.anthropic,
} as const;
