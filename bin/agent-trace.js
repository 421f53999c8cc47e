#!/usr/bin/env node
// Entry for `npx agent-trace`. Checks the Node version before loading the native SQLite module,
// which crashes (instead of failing cleanly) on Node older than 22.
'use strict';
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `agent-trace needs Node.js 22 or newer (this is v${process.versions.node}).\n` +
      'Install Node 22+, or run it through the project: `npm exec -- agent-trace` uses the Node 24 that npm installs.\n',
  );
  process.exit(1);
}
require('../dist/cli.js').run();
