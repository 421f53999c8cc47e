import { strict as assert } from 'node:assert';
import { resolveRecordedPath } from '../../src/core/sourcePaths';

describe('resolveRecordedPath: a recorded source path → the workspace file', () => {
  const files = new Set(['/home/me/proj/src/agent.py', '/home/me/proj/tools/search.ts', '/home/me/other/agent.py']);
  const options = (mappings: Record<string, string> = {}) => ({
    workspaceFolders: ['/home/me/proj'],
    mappings,
    exists: (f: string) => files.has(f),
  });
  const cases: [string, string, Record<string, string>, string | null][] = [
    ['an existing absolute path stays', '/home/me/proj/src/agent.py', {}, '/home/me/proj/src/agent.py'],
    ['a container path maps by the longest prefix', '/app/src/agent.py', { '/app': '/home/me/proj', '/': '/nowhere' }, '/home/me/proj/src/agent.py'],
    ['a container path without a mapping is found by its trailing segments', '/app/src/agent.py', {}, '/home/me/proj/src/agent.py'],
    ['a Windows path from another machine', 'C:\\Users\\dev\\proj\\tools\\search.ts', {}, '/home/me/proj/tools/search.ts'],
    ['a relative path resolves against the workspace', 'tools/search.ts', {}, '/home/me/proj/tools/search.ts'],
    ['a file URI', 'file:///srv/build/tools/search.ts', {}, '/home/me/proj/tools/search.ts'],
    ['nothing in the workspace: null', '/app/lib/unknown.py', {}, null],
  ];
  for (const [name, recorded, mappings, expected] of cases) {
    it(name, () => assert.equal(resolveRecordedPath(recorded, options(mappings)), expected));
  }
});
