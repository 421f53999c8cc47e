// Source paths recorded in spans (maybe in a container or on another machine) and the files
// they stand for in the workspace. Pure: callers pass an `exists` check or the candidate files.
// Used by the trace server (code lenses) and the extension (open source).

export type Confidence = 'high' | 'medium' | 'low';

/** Longer recorded paths are not file paths (no file system accepts them): refused, not parsed. */
export const MAX_RECORDED_PATH_LENGTH = 4096;

/** A path split into its root ('/', 'C:/', '//host/share/' or '' when relative) and its segments. */
interface SplitPath {
  root: string;
  segments: string[];
}

type Parsed = { ok: true; path: SplitPath } | { ok: false; problem: string };

/**
 * `file:` URI → path, as url.fileURLToPath does it (which src/core cannot import): the query and
 * fragment are not part of the path, percent-escapes are decoded, a host other than localhost
 * names a UNC share, and `/C:/…` is a Windows drive. Written by hand for that reason only; the
 * unit test checks it against url.fileURLToPath.
 */
function fileUriToPath(uri: string): { ok: true; path: string } | { ok: false; problem: string } {
  let rest = uri.slice('file:'.length).replace(/[?#].*$/s, '');
  let host = '';
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    host = (slash < 0 ? rest.slice(2) : rest.slice(2, slash)).toLowerCase();
    rest = slash < 0 ? '/' : rest.slice(slash);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return { ok: false, problem: 'malformed percent-escape in a file URI' };
  }
  if (host && host !== 'localhost') return { ok: true, path: `//${host}${decoded}` };
  return { ok: true, path: /^\/[A-Za-z]:/.test(decoded) ? decoded.slice(1) : decoded };
}

/**
 * `.` and `..` resolved without touching the file system, with the root kept: `..` never climbs
 * above `/`, a drive (`C:/`) or a UNC share (`//host/share`, two leading slashes of either kind,
 * as path.win32 reads them), as path.posix/win32.normalize do. A relative path keeps its leading
 * `..` (resolved once joined to a folder). Backslashes are separators: recorded paths come from
 * Windows machines too.
 */
function splitPath(p: string): SplitPath {
  const s = p.replace(/\\/g, '/');
  let root = '';
  let body = s;
  const unc = /^\/\/([^/]+)(?:\/([^/]+))?/.exec(s);
  const drive = /^([A-Za-z]:)(\/?)/.exec(s);
  if (unc && !s.startsWith('///')) {
    root = unc[2] ? `//${unc[1]}/${unc[2]}/` : `//${unc[1]}/`;
    body = s.slice(unc[0].length);
  } else if (drive) {
    root = `${drive[1]}/`;
    body = s.slice(drive[0].length);
  } else if (s.startsWith('/')) {
    root = '/';
  }
  const segments: string[] = [];
  for (const seg of body.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg !== '..') segments.push(seg);
    else if (segments.length && segments[segments.length - 1] !== '..') segments.pop();
    else if (!root) segments.push('..');
  }
  return { root, segments };
}

function parse(raw: string): Parsed {
  let s = raw.trim();
  if (!s) return { ok: false, problem: 'empty path' };
  if (s.length > MAX_RECORDED_PATH_LENGTH) return { ok: false, problem: `path longer than ${MAX_RECORDED_PATH_LENGTH} characters` };
  if (/^file:/i.test(s)) {
    const r = fileUriToPath(s);
    if (!r.ok) return r;
    s = r.path;
  }
  if (s.includes('\0')) return { ok: false, problem: 'NUL character in the path' };
  return { ok: true, path: splitPath(s) };
}

const join = (p: SplitPath): string => {
  const body = p.segments.join('/');
  if (!p.root) return body || '.';
  return body ? p.root + body : p.root.length > 1 && p.root.startsWith('//') ? p.root.slice(0, -1) : p.root;
};

/**
 * A recorded path (plain, Windows or `file:` URI) with forward slashes, `.` and `..` resolved
 * and no trailing slash; null when it cannot be a file path (malformed percent-escape, NUL
 * character, longer than MAX_RECORDED_PATH_LENGTH). Never throws: the text comes from spans.
 */
export function normalizePath(p: string): string | null {
  const r = parse(p);
  return r.ok ? join(r.path) : null;
}

/** Why a recorded path is not usable (for a log line), or null when it is. */
export function recordedPathProblem(p: string): string | null {
  const r = parse(p);
  return r.ok ? null : r.problem;
}

function eq(a: string, b: string, caseInsensitive: boolean): boolean {
  return caseInsensitive ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** True when `file` equals `folder` or lies below it (segment-aware: /ws2 is not inside /ws). */
export function isInsideFolder(file: string, folder: string, caseInsensitive = false): boolean {
  const f = normalizePath(file);
  const d = normalizePath(folder);
  if (f === null || d === null) return false;
  if (eq(f, d, caseInsensitive)) return true;
  const prefix = d.endsWith('/') ? d : `${d}/`;
  return eq(f.slice(0, prefix.length), prefix, caseInsensitive);
}

/** `/x`, `C:/x` or `//host/share/x` (after normalizePath). */
export function isAbsolutePath(normalized: string): boolean {
  return normalized.startsWith('/') || /^[A-Za-z]:\//.test(normalized);
}

export function isInsideAny(file: string, folders: readonly string[], caseInsensitive = false): boolean {
  return folders.some((d) => isInsideFolder(file, d, caseInsensitive));
}

/**
 * Rewrites the longest matching recorded prefix (e.g. a container's `/app`) to its local
 * counterpart. Returns null when no mapping applies.
 */
export function applyPathMappings(file: string, mappings: Record<string, string>, caseInsensitive = false): string | null {
  const f = normalizePath(file);
  if (f === null) return null;
  let best: { from: string; to: string } | null = null;
  for (const [fromRaw, toRaw] of Object.entries(mappings)) {
    if (typeof toRaw !== 'string' || !fromRaw.trim()) continue;
    const from = normalizePath(fromRaw);
    const to = normalizePath(toRaw);
    if (from === null || to === null || !isInsideFolder(f, from, caseInsensitive)) continue;
    if (!best || from.length > best.from.length) best = { from, to };
  }
  if (!best) return null;
  const rest = f.slice(best.from.length).replace(/^\//, '');
  return rest ? normalizePath(`${best.to.replace(/\/$/, '')}/${rest}`) : best.to;
}

/** Trailing path pieces, longest first: a/b/c.py → [a/b/c.py, b/c.py, c.py]. */
export function pathSuffixes(file: string, maxSegments = 6): string[] {
  const r = parse(file);
  if (!r.ok) return [];
  // A relative path's leading `..` climb out of wherever it was recorded: not part of any suffix.
  const segs = r.path.segments.slice(r.path.segments.lastIndexOf('..') + 1);
  const out: string[] = [];
  for (let n = Math.min(maxSegments, segs.length); n >= 1; n--) out.push(segs.slice(segs.length - n).join('/'));
  return out;
}

/** How many trailing path segments two paths share. */
export function commonSuffixSegments(a: string, b: string, caseInsensitive = false): number {
  const x = normalizePath(a)?.split('/') ?? [];
  const y = normalizePath(b)?.split('/') ?? [];
  let n = 0;
  while (n < x.length && n < y.length && eq(x[x.length - 1 - n], y[y.length - 1 - n], caseInsensitive)) n++;
  return n;
}

/**
 * Picks the workspace file that best matches a recorded path from another machine by shared
 * trailing segments. Only the file name in common is too weak when several files share it.
 */
export function bestSuffixMatch(
  recorded: string,
  candidates: readonly string[],
  caseInsensitive = false,
): { path: string; segments: number; confidence: Confidence } | null {
  let best: { path: string; segments: number } | null = null;
  let tie = false;
  for (const c of candidates) {
    const n = commonSuffixSegments(recorded, c, caseInsensitive);
    if (n === 0) continue;
    if (!best || n > best.segments) {
      best = { path: c, segments: n };
      tie = false;
    } else if (n === best.segments) tie = true;
  }
  if (!best) return null;
  if (tie && best.segments < 2) return null;
  const confidence: Confidence = tie ? 'low' : best.segments >= 2 ? 'high' : 'medium';
  return { ...best, confidence };
}

export interface PathCandidate {
  /** Normalized: `..` resolved, so the workspace check below cannot be walked around. */
  path: string;
  inWorkspace: boolean;
}

/**
 * The local files a recorded path may stand for, best first, each marked inside or outside the
 * workspace folders: the mapped path (agentTrace.source.pathMappings), the path itself when
 * absolute, else the path joined to each workspace folder. null when the recorded text cannot
 * be a file path (see normalizePath).
 */
export function recordedPathCandidates(
  recorded: string,
  workspaceFolders: readonly string[],
  mappings: Record<string, string>,
  caseInsensitive = false,
): PathCandidate[] | null {
  const plain = normalizePath(recorded);
  if (plain === null) return null;
  const paths: string[] = [];
  const mapped = applyPathMappings(plain, mappings, caseInsensitive);
  if (mapped) paths.push(mapped);
  if (isAbsolutePath(plain)) paths.push(plain);
  else {
    for (const folder of workspaceFolders) {
      const joined = normalizePath(`${folder}/${plain}`);
      if (joined) paths.push(joined);
    }
  }
  return [...new Set(paths)].map((path) => ({ path, inWorkspace: isInsideAny(path, workspaceFolders, caseInsensitive) }));
}

export interface PathMappingOptions {
  workspaceFolders: string[];
  /** Recorded prefix → local prefix, e.g. { "/app": "/home/me/project" }. */
  mappings: Record<string, string>;
  exists: (file: string) => boolean;
}

/**
 * The local file for a recorded path: the mapped path when it exists; a relative path against
 * each workspace folder; else the longest trailing part of the recorded path that exists in a
 * workspace folder (a container's /app/src/agent.py → <folder>/src/agent.py). null when none.
 */
export function resolveRecordedPath(recorded: string, options: PathMappingOptions): string | null {
  const mapped = applyPathMappings(recorded, options.mappings) ?? normalizePath(recorded);
  if (mapped === null) return null;
  if (isAbsolutePath(mapped) && options.exists(mapped)) return mapped;
  for (const suffix of pathSuffixes(mapped, 64)) {
    for (const folder of options.workspaceFolders) {
      const base = normalizePath(folder);
      if (base === null) continue;
      const candidate = `${base.replace(/\/$/, '')}/${suffix}`;
      if (options.exists(candidate)) return candidate;
    }
  }
  return null;
}
