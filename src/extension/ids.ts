// Every id the extension contributes, in one place. No `vscode` import here: a unit test
// compares this file with package.json's `contributes`, and unit tests cannot load `vscode`.

export const Commands = {
  restartServer: 'agentTrace.restartServer',
  stopServer: 'agentTrace.stopServer',
  showServerLog: 'agentTrace.showServerLog',
  showStatusMenu: 'agentTrace.showStatusMenu',
  copyOtlpEnvironment: 'agentTrace.copyOtlpEnvironment',
  enableTerminalInjection: 'agentTrace.enableTerminalInjection',
  filterTraces: 'agentTrace.filterTraces',
  clearFilter: 'agentTrace.clearFilter',
  openTrace: 'agentTrace.openTrace',
  openLatestTrace: 'agentTrace.openLatestTrace',
  deleteTrace: 'agentTrace.deleteTrace',
  copyTraceId: 'agentTrace.copyTraceId',
  exportTrace: 'agentTrace.exportTrace',
  clearTraces: 'agentTrace.clearTraces',
  showSpansAtLine: 'agentTrace.showSpansAtLine',
  previewRedaction: 'agentTrace.previewRedaction',
  previewRedactionAll: 'agentTrace.previewRedactionAll',
  openRedactionPolicy: 'agentTrace.openRedactionPolicy',
  compareWith: 'agentTrace.compareWith',
  compareSelected: 'agentTrace.compareSelected',
  compareWithPrevious: 'agentTrace.compareWithPrevious',
  openSamplingLab: 'agentTrace.openSamplingLab',
  enableRecordingProxy: 'agentTrace.enableRecordingProxy',
  openFleetView: 'agentTrace.openFleetView',
  compareBatches: 'agentTrace.compareBatches',
  rerunFromStep: 'agentTrace.rerunFromStep',
  editAndResend: 'agentTrace.editAndResend',
  runForkDocument: 'agentTrace.runForkDocument',
  sendResendDocument: 'agentTrace.sendResendDocument',
  runBatch: 'agentTrace.runBatch',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

export const ViewContainers = {
  main: 'agentTrace',
} as const;

export const Views = {
  traces: 'agentTrace.traces',
} as const;

/** Configuration keys, relative to the `agentTrace` section. */
export const ConfigSection = 'agentTrace';
export const Settings = {
  otlpHost: 'otlp.host',
  otlpHttpPort: 'otlp.httpPort',
  otlpGrpcPort: 'otlp.grpcPort',
  databasePath: 'database.path',
  retentionMaxDays: 'retention.maxDays',
  retentionMaxMegabytes: 'retention.maxMegabytes',
  sourcePathMappings: 'source.pathMappings',
  pricingOverrides: 'pricing.overrides',
  terminalInjectOtlpEnvironment: 'terminal.injectOtlpEnvironment',
  redactionPolicyPath: 'redaction.policyPath',
  otlpAllowedHosts: 'otlp.allowedHosts',
  limitsMaxAttributes: 'limits.maxAttributes',
  limitsMaxValueLength: 'limits.maxValueLength',
  limitsMaxEvents: 'limits.maxEvents',
  limitsMaxLinks: 'limits.maxLinks',
  limitsMaxValueDepth: 'limits.maxValueDepth',
  agentAccessEnabled: 'agentAccess.enabled',
  agentAccessRedact: 'agentAccess.redact',
  agentAccessTokenBudget: 'agentAccess.tokenBudget',
  proxyEnabled: 'proxy.enabled',
  proxyPort: 'proxy.port',
  proxyUpstreamOpenai: 'proxy.upstreams.openai',
  proxyUpstreamAnthropic: 'proxy.upstreams.anthropic',
  checksJudgeEnabled: 'checks.judge.enabled',
  checksJudgeBaseUrl: 'checks.judge.baseUrl',
  checksJudgeModel: 'checks.judge.model',
  checksJudgeApiKeyEnv: 'checks.judge.apiKeyEnv',
  runCommand: 'run.command',
} as const;

/** Settings whose change needs a new server session (they are server init options). */
export const ServerSettings: readonly string[] = [
  Settings.otlpHost,
  Settings.otlpHttpPort,
  Settings.otlpGrpcPort,
  Settings.databasePath,
  Settings.retentionMaxDays,
  Settings.retentionMaxMegabytes,
  Settings.sourcePathMappings,
  Settings.pricingOverrides,
  Settings.otlpAllowedHosts,
  Settings.limitsMaxAttributes,
  Settings.limitsMaxValueLength,
  Settings.limitsMaxEvents,
  Settings.limitsMaxLinks,
  Settings.limitsMaxValueDepth,
  Settings.proxyEnabled,
  Settings.proxyPort,
  Settings.proxyUpstreamOpenai,
  Settings.proxyUpstreamAnthropic,
  Settings.checksJudgeEnabled,
  Settings.checksJudgeBaseUrl,
  Settings.checksJudgeModel,
  Settings.checksJudgeApiKeyEnv,
];

export const ContextKeys = {
  filterActive: 'agentTrace.filterActive',
  serverRunning: 'agentTrace.serverRunning',
  /** 'starting' | 'running' | 'stopped' | 'failed' (unset before activation): picks the view's welcome text. */
  serverState: 'agentTrace.serverState',
  // Walkthrough progress: each becomes true once, and a step's `onContext:` completion event ticks it.
  traceReceived: 'agentTrace.traceReceived',
  traceOpened: 'agentTrace.traceOpened',
  sourceOpened: 'agentTrace.sourceOpened',
  redactionPreviewed: 'agentTrace.redactionPreviewed',
} as const;

/** contextValue of tree items, used in `menus.view/item/context` when clauses. */
export const TreeItemContext = {
  trace: 'agentTrace.trace',
} as const;

export const WebviewTypes = {
  trace: 'agentTrace.tracePanel',
  redaction: 'agentTrace.redactionPanel',
  compare: 'agentTrace.comparePanel',
  samplingLab: 'agentTrace.samplingLabPanel',
  fleet: 'agentTrace.fleetPanel',
} as const;

export const Walkthroughs = {
  gettingStarted: 'agentTrace.gettingStarted',
} as const;

export const OutputChannelName = 'Agent Trace';
export const DiagnosticCollectionName = 'Agent Trace redaction';
/** Problems of the sampling lab's policy file (invalid YAML, policies not simulated), at their lines. */
export const SamplingDiagnosticCollectionName = 'Agent Trace sampling';
export const LanguageClientId = 'agentTrace';
/** "Run Batch…": every run's output, prefixed by its number. */
export const BatchOutputChannelName = 'Agent Trace: Batch';

/** contributes.mcpServerDefinitionProviders id: `agent-trace mcp` offered to agent mode. */
export const McpServerProviderId = 'agentTrace.mcpServer';

/** MCP tool name → contributed language-model tool id (the same operations, in chat as #agentTraces). */
export const AgentTools = {
  list_traces: 'agentTrace_listTraces',
  get_trace: 'agentTrace_getTrace',
  get_step: 'agentTrace_getStep',
  search: 'agentTrace_search',
  check_results: 'agentTrace_checkResults',
  redaction_findings: 'agentTrace_redactionFindings',
  source_of_step: 'agentTrace_sourceOfStep',
  compare_runs: 'agentTrace_compareRuns',
} as const;

/** The tool set that groups them: `#agentTraces` in chat. */
export const AgentToolSet = 'agentTraces';
