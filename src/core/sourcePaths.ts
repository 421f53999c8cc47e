// Source paths recorded in spans (maybe in a container or on another machine) and the files
// they stand for in the workspace. Pure: callers pass an `exists` check or the candidate files.
// Used by the trace server (code lenses) and the extension (open source).

export type Confidence = 'high' | 'medium' | 'low';

export function normalizePath(p: string): string {
  let s = p.trim();
  if (s.startsWith('file://')) {
    s = decodeURIComponent(s.slice('file://'.length));
    if (/^\/[A-Za-z]:/.test(s)) s = s.slice(1);
  }
  s = s.replace(/\\/g, '/').replace(/\/{2,}/g, '/');
  if (s.length > 1 && s.endsWith('/')) s = s.slice(0, -1);
  return s;
}

function eq(a: string, b: string, caseInsensitive: boolean): boolean {
  return caseInsensitive ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** True when `file` equals `folder` or lies below it (segment-aware: /ws2 is not inside /ws). */
export function isInsideFolder(file: string, folder: string, caseInsensitive = false): boolean {
  const f = normalizePath(file);
  const d = normalizePath(folder);
  if (eq(f, d, caseInsensitive)) return true;
  const prefix = d.endsWith('/') ? d : `${d}/`;
  return eq(f.slice(0, prefix.length), prefix, caseInsensitive);
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
  let best: { from: string; to: string } | null = null;
  for (const [fromRaw, toRaw] of Object.entries(mappings)) {
    if (typeof toRaw !== 'string' || !fromRaw.trim()) continue;
    const from = normalizePath(fromRaw);
    if (!isInsideFolder(f, from, caseInsensitive)) continue;
    if (!best || from.length > best.from.length) best = { from, to: normalizePath(toRaw) };
  }
  if (!best) return null;
  const rest = f.slice(best.from.length).replace(/^\//, '');
  return rest ? `${best.to.replace(/\/$/, '')}/${rest}` : best.to;
}

/** Trailing path pieces, longest first: a/b/c.py → [a/b/c.py, b/c.py, c.py]. */
export function pathSuffixes(file: string, maxSegments = 6): string[] {
  const segs = normalizePath(file).split('/').filter((s) => s && s !== '.' && !/^[A-Za-z]:$/.test(s));
  const out: string[] = [];
  for (let n = Math.min(maxSegments, segs.length); n >= 1; n--) out.push(segs.slice(segs.length - n).join('/'));
  return out;
}

/** How many trailing path segments two paths share. */
export function commonSuffixSegments(a: string, b: string, caseInsensitive = false): number {
  const x = normalizePath(a).split('/');
  const y = normalizePath(b).split('/');
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
  const absolute = mapped.startsWith('/') || /^[A-Za-z]:\//.test(mapped);
  if (absolute && options.exists(mapped)) return mapped;
  for (const suffix of pathSuffixes(mapped, 64)) {
    for (const folder of options.workspaceFolders) {
      const candidate = `${normalizePath(folder)}/${suffix}`;
      if (options.exists(candidate)) return candidate;
    }
  }
  return null;
}
