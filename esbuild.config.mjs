// Bundles every entry point. Node entries are CommonJS (VS Code's extension host and the CLI
// load them with require); better-sqlite3 stays external because it carries a native binary.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const node = (entry, outfile, extraExternal = []) => ({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: ['vscode', 'better-sqlite3', ...extraExternal],
  logLevel: 'warning',
});

const browser = (entry, outfile) => ({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'browser',
  target: 'es2022',
  format: 'iife',
  sourcemap: !production,
  minify: production,
  // A library's stylesheet (uPlot's) is imported as text and adopted as a constructed stylesheet.
  loader: { '.css': 'text' },
  logLevel: 'warning',
});

const configs = [
  node('src/extension/extension.ts', 'dist/extension.js'),
  node('src/server/main.ts', 'dist/server.js'),
  node('src/cli/main.ts', 'dist/cli.js'),
  // The store worker thread (src/server/storeWriter.ts starts it from dist/ beside the bundle).
  node('src/server/storeWorker.ts', 'dist/storeWorker.js'),
  // Span processors users copy into their own agents: self-contained, OpenTelemetry left to the agent.
  node('src/sdk/redactionProcessor.ts', 'dist/sdk/redactionProcessor.js', ['@opentelemetry/*']),
  node('src/sdk/sourceLocationProcessor.ts', 'dist/sdk/sourceLocationProcessor.js', ['@opentelemetry/*']),
  browser('webview/trace/main.ts', 'dist/webview/trace.js'),
  browser('webview/redaction/main.ts', 'dist/webview/redaction.js'),
  browser('webview/compare/main.ts', 'dist/webview/compare.js'),
  browser('webview/sampling/main.ts', 'dist/webview/sampling.js'),
  browser('webview/fleet/main.ts', 'dist/webview/fleet.js'),
].filter((c) => existsSync(c.entryPoints[0]));

// The Python source-location processor ships as is, for users to copy next to their agent.
if (existsSync('src/sdk/agent_trace_source.py')) {
  mkdirSync('dist/sdk', { recursive: true });
  copyFileSync('src/sdk/agent_trace_source.py', 'dist/sdk/agent_trace_source.py');
}

if (watch) {
  for (const c of configs) (await esbuild.context(c)).watch();
} else {
  await Promise.all(configs.map((c) => esbuild.build(c)));
}
