// Maps a source path recorded in a span (maybe from a container or another machine) to a file in
// the workspace, and back. Pure: the caller passes an `exists` check.
import * as path from 'node:path';

export interface PathMappingOptions {
  workspaceFolders: string[];
  /** Recorded prefix → local prefix, e.g. { "/app": "/home/me/project" }. */
  mappings: Record<string, string>;
  exists: (file: string) => boolean;
}

const norm = (p: string): string => p.replace(/\\/g, '/').replace(/^file:\/\//, '');

/** Rewrites a recorded path with the first mapping whose prefix matches (longest prefix first). */
export function applyPathMappings(recorded: string, mappings: Record<string, string>): string {
  const file = norm(recorded);
  const prefixes = Object.keys(mappings).sort((a, b) => b.length - a.length);
  for (const prefix of prefixes) {
    const from = norm(prefix).replace(/\/+$/, '');
    if (file === from || file.startsWith(from + '/')) return norm(mappings[prefix]).replace(/\/+$/, '') + file.slice(from.length);
  }
  return file;
}

/**
 * Finds the local file for a recorded path: the mapped path if it exists; a relative path
 * against each workspace folder; else the longest suffix of the recorded path that exists in a
 * workspace folder (a container's /app/src/agent.py → <folder>/src/agent.py). null when none.
 */
export function resolveRecordedPath(recorded: string, options: PathMappingOptions): string | null {
  const mapped = applyPathMappings(recorded, options.mappings);
  if (path.posix.isAbsolute(mapped) || /^[a-zA-Z]:\//.test(mapped)) {
    if (options.exists(mapped)) return mapped;
  } else {
    for (const folder of options.workspaceFolders) {
      const candidate = path.join(folder, mapped);
      if (options.exists(candidate)) return candidate;
    }
  }
  const parts = mapped.split('/').filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const suffix = parts.slice(i).join('/');
    for (const folder of options.workspaceFolders) {
      const candidate = path.join(folder, suffix);
      if (options.exists(candidate)) return candidate;
    }
  }
  return null;
}

/** True when `file` lies inside one of the folders (after resolving `..`). */
export function isInsideFolders(file: string, folders: string[]): boolean {
  const resolved = path.resolve(file);
  return folders.some((folder) => {
    const rel = path.relative(path.resolve(folder), resolved);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  });
}
