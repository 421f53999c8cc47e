// Builds sample-agent/lib/sourceLocationProcessor.js (plain CommonJS) from src/sdk, so the
// plain-JS sample agent can require the processor without a TypeScript loader.
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await esbuild.build({
  entryPoints: [path.join(root, 'src/sdk/sourceLocationProcessor.ts')],
  outfile: path.join(root, 'sample-agent/lib/sourceLocationProcessor.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
});
console.log('built sample-agent/lib/sourceLocationProcessor.js');
