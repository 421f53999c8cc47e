// Which model API a request to the recording proxy is for, where it goes, and which of its
// headers travel on or are kept. Pure: the proxy server (src/server/proxy) does the I/O.

export type ProxyProvider = 'openai' | 'anthropic';

export interface ProxyUpstreams {
  /** Base URL of the OpenAI API or of an OpenAI-compatible server (Ollama, vLLM, LM Studio). */
  openai: string;
  anthropic: string;
}

export const DEFAULT_UPSTREAMS: ProxyUpstreams = { openai: 'https://api.openai.com', anthropic: 'https://api.anthropic.com' };

/**
 * The provider a request path belongs to. The SDKs are pointed at the proxy with their own base
 * URL variables (OPENAI_BASE_URL=http://127.0.0.1:PORT/v1, ANTHROPIC_BASE_URL=http://127.0.0.1:PORT),
 * so the path is the API's own: the Anthropic Messages API (and its legacy completions) is
 * /v1/messages… and /v1/complete, everything else is OpenAI-shaped (chat completions, responses,
 * embeddings, models…). An explicit /anthropic/… or /openai/… prefix overrides the guess (for
 * clients whose paths collide); `path` is then the rest.
 */
export function routeRequest(rawPath: string): { provider: ProxyProvider; path: string } {
  for (const provider of ['anthropic', 'openai'] as const) {
    const prefix = `/${provider}`;
    if (rawPath === prefix || rawPath.startsWith(`${prefix}/`) || rawPath.startsWith(`${prefix}?`)) {
      const rest = rawPath.slice(prefix.length);
      return { provider, path: rest.startsWith('/') ? rest : `/${rest}` };
    }
  }
  const pathOnly = rawPath.split('?')[0]!;
  const anthropic = /^\/v1\/(messages|complete)(\/|$)/.test(pathOnly);
  return { provider: anthropic ? 'anthropic' : 'openai', path: rawPath };
}

/**
 * The upstream URL for a request path. A base with a path keeps it (Azure-style or a gateway's
 * prefix); a base that already ends in /v1 (as users copy "http://localhost:11434/v1" from
 * Ollama's docs) does not get a second one.
 */
export function upstreamUrl(base: string, path: string): URL {
  const url = new URL(base);
  let prefix = url.pathname;
  while (prefix.endsWith('/')) prefix = prefix.slice(0, -1);
  if (prefix.endsWith('/v1') && (path === '/v1' || path.startsWith('/v1/') || path.startsWith('/v1?'))) prefix = prefix.slice(0, -3);
  const query = path.indexOf('?');
  url.pathname = prefix + (query < 0 ? path : path.slice(0, query));
  url.search = query < 0 ? '' : path.slice(query);
  return url;
}

/** A base URL from a setting or flag: http(s) only, or a message saying what is wrong. */
export function checkUpstream(base: string, what: string): string | null {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return `${what} "${base}" is not a URL (e.g. https://api.openai.com or http://127.0.0.1:11434).`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${what} "${base}" must be an http:// or https:// URL.`;
  return null;
}

/** Connection-level headers (RFC 9110 §7.6.1) are not forwarded; Host is set for the upstream. */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host',
]);

export type HeaderMap = Record<string, string | string[] | undefined>;

/** Headers to send on: everything the client sent (keys included, untouched) but connection-level ones and those Connection names. */
export function forwardedHeaders(headers: HeaderMap): Record<string, string | string[]> {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(key) || named.has(key)) continue;
    out[key] = value;
  }
  return out;
}

/**
 * Headers that carry credentials are never stored: their value is replaced by this mark in a
 * recording (the name stays, so the recording shows that a key was sent).
 */
export const SECRET_MARK = '[not stored]';

const SECRET_HEADERS = new Set([
  'authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'cookie', 'set-cookie',
  'openai-organization', 'openai-project', 'anthropic-admin-key',
]);

/** Any header whose name says it carries a key, token or secret is dropped too (provider-specific names); rate-limit counters of tokens are not secrets. */
const SECRET_NAME = /(auth|key|token|secret|cookie|session|password)/;

export function isSecretHeader(name: string): boolean {
  const key = name.toLowerCase();
  return SECRET_HEADERS.has(key) || (SECRET_NAME.test(key) && !key.includes('ratelimit'));
}

/** Headers as a recording keeps them: lowercase names, values joined, secrets replaced by SECRET_MARK. */
export function recordedHeaders(headers: HeaderMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    out[key] = isSecretHeader(key) ? SECRET_MARK : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
