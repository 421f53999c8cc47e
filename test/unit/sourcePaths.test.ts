import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import {
  applyPathMappings, isInsideFolder, normalizePath, pathSuffixes, recordedPathCandidates, recordedPathProblem, resolveRecordedPath,
} from '../../src/core/sourcePaths';

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

describe('recorded paths from span content are untrusted', () => {
  const ws = '/home/me/proj';
  const inside = (recorded: string) => recordedPathCandidates(recorded, [ws], {})?.map((c) => [c.path, c.inWorkspace]);

  it('resolves `..` before the workspace check, so traversal counts as outside', () => {
    assert.deepEqual(inside('/home/me/proj/../../../etc/passwd'), [['/etc/passwd', false]]);
    assert.deepEqual(inside('/home/me/proj/src/../../proj2/x.py'), [['/home/me/proj2/x.py', false]]);
    assert.deepEqual(inside('../../etc/passwd'), [['/home/etc/passwd', false]]);
    assert.deepEqual(inside('src/../../other/x.py'), [['/home/me/other/x.py', false]]);
    assert.deepEqual(inside('file:///home/me/proj/..%2F..%2Fsecret.txt'), [['/home/secret.txt', false]]);
    assert.deepEqual(inside('/home/me/proj/src/./a/../agent.py'), [['/home/me/proj/src/agent.py', true]]);
    assert.deepEqual(inside('src/agent.py'), [['/home/me/proj/src/agent.py', true]]);
    assert.equal(isInsideFolder('/ws/../etc/passwd', '/ws'), false);
    assert.equal(isInsideFolder('C:\\ws\\..\\Windows\\win.ini', 'C:/ws', true), false);
    assert.equal(isInsideFolder('/', '/ws'), false);
  });

  it('a `..` never climbs above the root, a drive or a UNC share', () => {
    assert.equal(normalizePath('/../../etc/passwd'), '/etc/passwd');
    assert.equal(normalizePath('C:\\..\\..\\x.py'), 'C:/x.py');
    assert.equal(normalizePath('\\\\server\\share\\..\\..\\x.py'), '//server/share/x.py');
    assert.equal(normalizePath('C:/'), 'C:/');
    assert.equal(normalizePath('/'), '/');
  });

  it('reads mixed separators, Windows drives, UNC paths and file URIs with hosts', () => {
    assert.equal(normalizePath('C:\\ws/sub\\..\\src//a.py'), 'C:/ws/src/a.py');
    assert.equal(normalizePath('\\\\build-host\\share\\ws\\a.py'), '//build-host/share/ws/a.py');
    assert.equal(normalizePath('file://build-host/share/ws/a.py'), '//build-host/share/ws/a.py');
    assert.equal(normalizePath('file://localhost/srv/a.py'), '/srv/a.py');
    assert.equal(normalizePath('FILE:///C:/Users/dev/a%20b.py'), 'C:/Users/dev/a b.py');
    assert.equal(normalizePath('file:///srv/a.py?x=1#L3'), '/srv/a.py');
    assert.equal(isInsideFolder('//build-host/share/ws/a.py', '\\\\build-host\\share\\ws'), true);
    assert.equal(isInsideFolder('//other-host/share/ws/a.py', '\\\\build-host\\share\\ws'), false);
    assert.equal(normalizePath(normalizePath('\\\\h\\s\\a\\..\\b.py')!), '//h/s/b.py', 'normalizing twice changes nothing');
  });

  it('never throws: malformed percent-escapes, NUL characters and huge paths are refused with a reason', () => {
    for (const bad of ['file:///app/%E0%A4%A.py', 'file:///app/%', 'file:///app/%ZZ.py', 'file:///app/%00.py', '/app/a\0b.py', `/app/${'a'.repeat(5000)}.py`, '   ']) {
      assert.equal(normalizePath(bad), null, JSON.stringify(bad.slice(0, 40)));
      assert.ok(recordedPathProblem(bad), JSON.stringify(bad.slice(0, 40)));
      assert.equal(recordedPathCandidates(bad, [ws], {}), null);
      assert.equal(resolveRecordedPath(bad, { workspaceFolders: [ws], mappings: {}, exists: () => true }), null);
      assert.deepEqual(pathSuffixes(bad), []);
      assert.equal(isInsideFolder(bad, ws), false);
      assert.equal(applyPathMappings(bad, { '/app': ws }), null);
    }
    assert.equal(recordedPathProblem('file:///app/%E0%A4%A.py'), 'malformed percent-escape in a file URI');
    assert.equal(recordedPathProblem('/app/ok.py'), null);
  });

  it('keeps a relative path\'s leading `..` out of the trailing pieces it is matched by', () => {
    assert.deepEqual(pathSuffixes('../../etc/passwd'), ['etc/passwd', 'passwd']);
    const files = new Set(['/home/me/proj/etc/passwd']);
    assert.equal(resolveRecordedPath('../../../etc/passwd', { workspaceFolders: [ws], mappings: {}, exists: (f) => files.has(f) }), '/home/me/proj/etc/passwd');
  });

  it('for any recorded text: no throw, and a candidate marked inside the workspace really is below it', () => {
    const piece = fc.oneof(
      fc.constantFrom('..', '.', '', 'home', 'me', 'proj', 'proj2', 'src', 'a.py', '%', '%E0%A4%A', '%2F', '%2e%2e', 'C:', '\\', '\0', 'file:', '//', '\u202e'),
      fc.string({ unit: 'binary', maxLength: 6 }),
    );
    const recorded = fc.tuple(fc.constantFrom('', '/', 'file://', 'file:///', 'file://host/', 'C:\\', '\\\\srv\\share\\', '/home/me/proj/'), fc.array(piece, { maxLength: 12 }), fc.constantFrom('/', '\\'))
      .map(([prefix, parts, sep]) => prefix + parts.join(sep));
    fc.assert(
      fc.property(recorded, (r) => {
        const candidates = recordedPathCandidates(r, [ws], { '/app': ws });
        resolveRecordedPath(r, { workspaceFolders: [ws], mappings: { '/app': ws }, exists: () => false });
        pathSuffixes(r);
        for (const c of candidates ?? []) {
          if (!c.inWorkspace) continue;
          assert.ok(c.path === ws || c.path.startsWith(`${ws}/`), c.path);
          assert.ok(!c.path.split('/').includes('..'), c.path);
          assert.equal(path.posix.normalize(c.path), c.path);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes file URIs as url.fileURLToPath does (any path, POSIX)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => !s.includes('/') && !s.includes('\\') && !s.includes('\0')), { minLength: 1, maxLength: 6 }), (segs) => {
        const p = '/' + segs.join('/');
        const href = pathToFileURL(p).href;
        assert.equal(normalizePath(href), path.posix.normalize(fileURLToPath(href)).replace(/(.)\/$/, '$1'));
      }),
    );
  });

  it('resolves `.` and `..` as path.posix.normalize and path.win32.normalize do', () => {
    const seg = fc.constantFrom('a', 'b', '.', '..', '', 'c.py');
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 10 }), fc.constantFrom('/', 'C:\\', '\\\\host\\share\\'), (segs, root) => {
        const sep = root === '/' ? '/' : '\\';
        const p = root + segs.join(sep);
        // Two leading slashes name a UNC share (as path.win32 reads them), also when written with '/'.
        fc.pre(!p.startsWith('//') || root !== '/');
        const expected = root === '/' ? path.posix.normalize(p) : path.win32.normalize(p).replace(/\\/g, '/');
        assert.equal(normalizePath(p), expected.length > 1 && !/^[A-Za-z]:\/$/.test(expected) ? expected.replace(/\/$/, '') : expected, p);
      }),
    );
  });
});
