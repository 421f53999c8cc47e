#!/usr/bin/env node
// Entry for `npx agent-trace`. Checks the Node version before loading the native SQLite module,
// which crashes (instead of failing cleanly) on Node older than 22. The long-running commands
// (serve, lsp) run in a child Node with the server's memory flags.
'use strict';
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `agent-trace needs Node.js 22 or newer (this is v${process.versions.node}).\n` +
      'Install Node 22+, or run it through the project: `npm exec -- agent-trace` uses the Node 24 that npm installs.\n',
  );
  process.exit(1);
}
// Node's on-disk compile cache (in the OS temp folder): the CLI is one 9 MB bundle, and compiling
// it was most of a short command's time (about 380 → 270 CPU-ms for the usage message, measured).
require('node:module').enableCompileCache?.();
const cli = require('../dist/cli.js');
const longRunning = ['serve', 'lsp'].includes(process.argv[2]);
if (!longRunning || process.env.AGENT_TRACE_CHILD === '1') {
  cli.run();
} else {
  const { spawn } = require('node:child_process');
  const child = spawn(process.execPath, [...cli.SERVER_NODE_FLAGS, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, AGENT_TRACE_CHILD: '1' },
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
