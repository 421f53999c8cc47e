// A hostile `code.filepath` in one span (malformed percent-escape, NUL, traversal) must not
// take the code lenses down: the language server skips that path, says so once in its log, and
// keeps serving every other file, also after later traces arrive.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RawSpan } from '../../src/core/model';
import * as lsp from '../../src/protocol/lsp';
import { postSpans } from '../support/postSpans';
import { startLsp } from '../support/lspProcess';
import { ensureBuilt, tempDir } from '../support/serverProcess';

function spanAt(traceId: string, file: string, line: number): RawSpan {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    traceId,
    spanId: traceId.slice(0, 16),
    parentSpanId: null,
    name: 'execute_tool lookup',
    kind: 'internal',
    startUnixNanos: String(now),
    endUnixNanos: String(now + 25_000_000n),
    status: { code: 'unset', message: '' },
    attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup', 'code.filepath': file, 'code.lineno': line },
    events: [],
    links: [],
    resource: { 'service.name': 'lsp-paths' },
    scope: { name: 't', version: '1' },
  };
}

const until = async (what: string, check: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('language server: hostile recorded source paths', function () {
  this.timeout(60_000);
  let dir: string;

  before(() => {
    ensureBuilt();
    dir = tempDir();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('skips a malformed path (logged once) and keeps code lenses working for the others', async () => {
    const workspace = path.join(dir, 'ws');
    fs.mkdirSync(path.join(workspace, 'src'), { recursive: true });
    const agentFile = path.join(workspace, 'src', 'agent.py');
    const toolsFile = path.join(workspace, 'src', 'tools.py');
    fs.writeFileSync(agentFile, 'a = 1\n');
    fs.writeFileSync(toolsFile, 'b = 2\n');

    const server = await startLsp({ dbPath: path.join(dir, 'paths.db'), workspaceFolders: [workspace] });
    const { conn, logs } = server;
    const changed = () => server.changes.flatMap((c) => c.traceIds);
    try {
      const { httpPort } = await conn.sendRequest(lsp.GetStatus);
      const lenses = async (file: string) =>
        (await conn.sendRequest('textDocument/codeLens', { textDocument: { uri: pathToFileURL(file).href } })) as { range: { start: { line: number } } }[];

      const bad = '11'.repeat(16);
      assert.equal(
        await postSpans(httpPort, [spanAt(bad, 'file:///app/%E0%A4%A.py', 1), { ...spanAt(bad, '/app/src/\0agent.py', 1), spanId: '00000000000000b2' }, { ...spanAt(bad, '/app/src/agent.py', 1), spanId: '00000000000000b3' }]),
        200,
      );
      await until('the first trace', () => changed().includes(bad));
      assert.equal((await lenses(agentFile)).length, 1, 'the good span of the same trace still gets its lens');

      // A later trace: the index is rebuilt (not left stale by the bad path) and finds the new file.
      const later = '22'.repeat(16);
      assert.equal(await postSpans(httpPort, [spanAt(later, 'file:///srv/build/src/tools.py', 1)]), 200);
      await until('the second trace', () => changed().includes(later));
      assert.equal((await lenses(toolsFile)).length, 1);
      assert.equal((await lenses(agentFile)).length, 1);

      const skipped = logs.filter((l) => l.includes('skipped a recorded path'));
      assert.equal(skipped.filter((l) => l.includes('malformed percent-escape')).length, 1, `logged once: ${skipped.join('\n')}`);
      assert.equal(skipped.filter((l) => l.includes('NUL')).length, 1);
    } finally {
      await server.close();
    }
  });
});
