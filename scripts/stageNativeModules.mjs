// Copies the runtime files of better-sqlite3 (its JS and its Node-API prebuilds, one file
// serves every Node >= 22 / Electron) into dist/node_modules, where dist/server.js's
// require('better-sqlite3') finds them first, both in the repository and in the installed
// extension. `vsce package --no-dependencies` then ships them (it skips only the top-level
// node_modules). node-addon-api is build-time only and is not needed at run time.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const root = process.cwd();
const require = createRequire(join(root, 'package.json'));
const src = dirname(require.resolve('better-sqlite3/package.json'));
const dest = join(root, 'dist', 'node_modules', 'better-sqlite3');
rmSync(dest, { recursive: true, force: true });
for (const part of ['package.json', 'LICENSE', 'lib', 'prebuilds']) {
  if (existsSync(join(src, part))) cpSync(join(src, part), join(dest, part), { recursive: true });
}
console.log(`staged better-sqlite3 runtime into ${dest}`);
