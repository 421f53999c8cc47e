// The layer rules of eslint.config.mjs bite: snippets linted as if they sat in each folder.
// A rule that silently stopped matching (a renamed folder, a glob typo) fails here.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '..', '..');

describe('layer rules (eslint no-restricted-imports per folder)', function () {
  this.timeout(60_000);
  const eslint = new ESLint({ cwd: ROOT });

  async function restricted(file: string, source: string): Promise<string[]> {
    const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) });
    return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  }

  const cases: { file: string; source: string; bites: boolean }[] = [
    { file: 'src/core/x.ts', source: "import { readFileSync } from 'node:fs';", bites: true },
    { file: 'src/core/x.ts', source: "import { createHash } from 'crypto';", bites: true },
    { file: 'src/core/deep/x.ts', source: "import { join } from 'path/posix';", bites: true },
    { file: 'src/core/x.ts', source: "import type { SpanDto } from '../protocol/dto';", bites: true },
    { file: 'src/core/redaction/x.ts', source: "export type { RedactionReportDto } from '../../protocol/redaction';", bites: true },
    { file: 'src/core/x.ts', source: "import { TraceStore } from '../store/traceStore';", bites: true },
    { file: 'src/core/x.ts', source: "import * as vscode from 'vscode';", bites: true },
    { file: 'src/core/x.ts', source: "import type { RawSpan } from './model';\nimport protobuf from 'protobufjs';", bites: false },
    { file: 'src/core/format.ts', source: "import type { RawSpan } from './model';", bites: true },
    { file: 'src/protocol/x.ts', source: "import type { RawSpan } from '../core/model';", bites: true },
    { file: 'src/protocol/x.ts', source: "import { RequestType } from 'vscode-jsonrpc';", bites: false },
    { file: 'src/store/x.ts', source: "import type { TraceSummaryDto } from '../protocol/dto';", bites: true },
    { file: 'src/store/x.ts', source: "import Database from 'better-sqlite3';\nimport * as fs from 'node:fs';\nimport type { RawSpan } from '../core/model';", bites: false },
    { file: 'src/server/x.ts', source: "import { Settings } from '../extension/ids';", bites: true },
    { file: 'src/server/x.ts', source: "import { main } from '../cli/main';", bites: true },
    { file: 'src/server/x.ts', source: "import * as vscode from 'vscode';", bites: true },
    { file: 'src/server/x.ts', source: "import * as http from 'node:http';\nimport type { TraceDetailDto } from '../protocol/dto';", bites: false },
    { file: 'src/cli/x.ts', source: "import * as vscode from 'vscode';", bites: true },
    { file: 'src/extension/x.ts', source: "import * as vscode from 'vscode';\nimport type { TraceDetailDto } from '../protocol/dto';", bites: false },
    { file: 'webview/trace/x.ts', source: "import { assembleTrace } from '../../src/core/tree';", bites: true },
    { file: 'webview/trace/x.ts', source: "import { TraceStore } from '../../src/store/traceStore';", bites: true },
    { file: 'webview/trace/x.ts', source: "import * as path from 'node:path';", bites: true },
    { file: 'webview/shared/x.ts', source: "import * as vscode from 'vscode';", bites: true },
    {
      file: 'webview/trace/x.ts',
      source: "import type { TraceDetailDto } from '../../src/protocol/dto';\nimport { formatCost } from '../../src/core/format';\nimport { html } from 'lit';",
      bites: false,
    },
  ];

  for (const c of cases) {
    it(`${c.bites ? 'rejects' : 'allows'} in ${c.file}: ${c.source.split('\n').join(' ')}`, async () => {
      const messages = await restricted(c.file, c.source);
      if (c.bites) assert.ok(messages.length > 0, 'no layer error reported');
      else assert.deepEqual(messages, []);
    });
  }
});
