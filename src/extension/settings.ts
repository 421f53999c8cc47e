// Reads the extension's settings into the server's init options.
import * as vscode from 'vscode';
import { DEFAULT_GRPC_PORT, DEFAULT_HOST, DEFAULT_HTTP_PORT, DEFAULT_PROXY_PORT, DEFAULT_PROXY_UPSTREAMS, DEFAULT_REDACTION_POLICY_PATH, DEFAULT_RETENTION } from '../protocol/defaults';
import type { ServerInitOptions } from '../protocol/lsp';
import { ConfigSection, Settings } from './ids';

export function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(ConfigSection);
}

function num(c: vscode.WorkspaceConfiguration, key: string, fallback: number): number {
  const v = c.get<number>(key);
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

function record<T>(c: vscode.WorkspaceConfiguration, key: string): Record<string, T> {
  const v = c.get<unknown>(key);
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, T>) : {};
}

export function pathMappings(): Record<string, string> {
  const raw = record<unknown>(config(), Settings.sourcePathMappings);
  return Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export function workspaceFolderPaths(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

export function otlpEndpoint(): { host: string; httpPort: number; grpcPort: number } {
  const c = config();
  return {
    host: c.get<string>(Settings.otlpHost)?.trim() || DEFAULT_HOST,
    httpPort: num(c, Settings.otlpHttpPort, DEFAULT_HTTP_PORT),
    grpcPort: num(c, Settings.otlpGrpcPort, DEFAULT_GRPC_PORT),
  };
}

/**
 * An empty database path is passed through: the server then uses the per-user default
 * (e.g. ~/.local/share/agent-trace/traces.db), the same file the `agent-trace` CLI reads, shared
 * by every VS Code window.
 */
export async function serverInitOptions(): Promise<ServerInitOptions> {
  const c = config();
  const dbPath = c.get<string>(Settings.databasePath)?.trim() ?? '';
  return {
    ...otlpEndpoint(),
    dbPath,
    workspaceFolders: workspaceFolderPaths(),
    pathMappings: pathMappings(),
    retention: {
      maxDays: num(c, Settings.retentionMaxDays, DEFAULT_RETENTION.maxDays),
      maxMegabytes: num(c, Settings.retentionMaxMegabytes, DEFAULT_RETENTION.maxMegabytes),
    },
    priceOverrides: record(c, Settings.pricingOverrides),
    allowedHosts: (c.get<unknown[]>(Settings.otlpAllowedHosts) ?? []).filter((h): h is string => typeof h === 'string'),
    // The server clamps and fills these (resolveLimits); unset ones stay undefined.
    limits: {
      maxAttributes: c.get<number>(Settings.limitsMaxAttributes),
      maxValueLength: c.get<number>(Settings.limitsMaxValueLength),
      maxEvents: c.get<number>(Settings.limitsMaxEvents),
      maxLinks: c.get<number>(Settings.limitsMaxLinks),
      maxValueDepth: c.get<number>(Settings.limitsMaxValueDepth),
    },
    proxy: {
      enabled: c.get<boolean>(Settings.proxyEnabled) === true,
      port: num(c, Settings.proxyPort, DEFAULT_PROXY_PORT),
      upstreams: {
        openai: c.get<string>(Settings.proxyUpstreamOpenai)?.trim() || DEFAULT_PROXY_UPSTREAMS.openai,
        anthropic: c.get<string>(Settings.proxyUpstreamAnthropic)?.trim() || DEFAULT_PROXY_UPSTREAMS.anthropic,
      },
    },
  };
}

/** The redaction policy file: the setting, relative to the first workspace folder unless absolute. */
export function redactionPolicyUri(): vscode.Uri | null {
  const rel = config().get<string>(Settings.redactionPolicyPath)?.trim() || DEFAULT_REDACTION_POLICY_PATH;
  if (rel.startsWith('/') || /^[A-Za-z]:[\\/]/.test(rel)) return vscode.Uri.file(rel);
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? vscode.Uri.joinPath(folder.uri, rel) : null;
}
