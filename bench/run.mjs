// `npm run bench`: every benchmark, one after another (they share a 2-core machine, so never in
// parallel). Each prints its own medians; pass names to run a subset: npm run bench -- ingest store
import { spawnSync } from 'node:child_process';
import os from 'node:os';

const benches = {
  decode: ['--import', 'tsx', 'bench/decode.ts'],
  ingest: ['--import', 'tsx', 'bench/ingest.ts', '--spans', '200000', '--runs', '3', '--memory', '1000000'],
  // Side by side with tracelet and the floor (issue 8); `--rss-million` is the memory check (see ingest).
  peer: ['--import', 'tsx', 'bench/ingestVsPeer.ts', '--spans', '88000', '--rounds', '3'],
  store: ['--import', 'tsx', 'bench/store.ts'],
  redaction: ['--import', 'tsx', 'bench/redaction.bench.ts'],
  webview: ['bench/webview.mjs'],
  activation: ['--import', 'tsx', 'bench/activation.ts'],
  // Agent exit → row visible, click → panel painted, in code-server (issue 14).
  editor: ['--import', 'tsx', 'bench/editorLatency.ts'],
  compare: ['--import', 'tsx', 'bench/compare.ts'],
  // Recording model proxy overhead per call vs a direct call to the mock (issue 10).
  proxy: ['--import', 'tsx', 'bench/proxy.ts', '--calls', '400'],
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : Object.keys(benches);
console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown cpu'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
let failed = 0;
for (const name of names) {
  if (!benches[name]) {
    console.error(`unknown benchmark ${name}; known: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n== ${name}`);
  const r = spawnSync(process.execPath, benches[name], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`${name} failed (exit ${r.status})`);
  }
}
process.exit(failed ? 1 : 0);
