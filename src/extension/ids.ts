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
} as const;

export const Walkthroughs = {
  gettingStarted: 'agentTrace.gettingStarted',
} as const;

export const OutputChannelName = 'Agent Trace';
export const DiagnosticCollectionName = 'Agent Trace redaction';
export const LanguageClientId = 'agentTrace';
