// Activation benchmark: the packaged extension (agent-trace.vsix) in a real VS Code (code-server
// + Chromium, the e2e harness), a fresh user-data dir and a small workspace per run.
//   activate():     the extension's own activate() duration ("activated in X ms" in its log)
//   VS Code:        code loading + activate call, as the Running Extensions view reports it
//   exthost log:    "_doActivateExtension" line → "activated in" line (both exthost timestamps)
//   shown / ready:  workbench started (VS Code's didStartWorkbench mark) → our status bar item
//                   appears / shows the server listening, both on the page's clock
// Usage: node --import tsx bench/activation.ts [--runs 3] [--package]
//   --package rebuilds agent-trace.vsix first (npm run package); otherwise the newest .vsix is used.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Editor, ensureVsix } from '../test/e2e/codeServer';
import { freePort } from '../test/e2e/helpers';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    package: { type: 'boolean', default: false },
  },
});

const EXTENSION_ID = 'agent-trace.agent-trace';
const LOG_NAME = 'Agent Trace.log';

interface RunResult {
  /** ms inside activate(), from our own log line; null when the vsix predates that line. */
  activateMs: number | null;
  /** ms VS Code reports (code loading + activate call); null when the view did not show it. */
  vscodeMs: number | null;
  /** ms between the exthost's activation log line and our "activated in" line. */
  exthostMs: number | null;
  /** ms from the workbench's didStartWorkbench mark to our status bar item appearing (activated). */
  shownMs: number;
  /** ms from the workbench's didStartWorkbench mark to the listening status bar item. */
  readyMs: number;
}

/** A small workspace: one script, as a user's agent project would start. */
function makeWorkspace(): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-trace-bench-ws-'));
  fs.writeFileSync(path.join(ws, 'agent.js'), "console.log('hello');\n");
  fs.writeFileSync(path.join(ws, 'package.json'), JSON.stringify({ name: 'bench-agent', private: true }, null, 2));
  return ws;
}

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

/** VS Code log lines start with "YYYY-MM-DD HH:MM:SS.mmm"; both files come from one process. */
function logTime(line: string): number | null {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3})/.exec(line);
  return m ? Date.parse(`${m[1]}T${m[2]}`) : null;
}

async function waitForValue<T>(get: () => T | null, timeoutMs: number): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== null || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Runs in the page. A string, not a function: tsx would wrap named inner functions in a
// `__name` helper that does not exist in the page.
const READY_SCRIPT = `new Promise((resolve, reject) => {
  const start = performance.getEntriesByName('code/didStartWorkbench')[0];
  if (!start) return reject(new Error('no code/didStartWorkbench mark'));
  const items = () => [...document.querySelectorAll('.statusbar-item')].filter((el) => el.textContent.includes('Agent Trace'));
  let shown = null;
  const check = () => {
    const now = performance.now() - start.startTime;
    const found = items();
    if (found.length && shown === null) shown = now;
    if (!found.some((el) => el.querySelector('.codicon-radio-tower'))) return false;
    resolve({ shown, listening: now });
    return true;
  };
  if (check()) return;
  const observer = new MutationObserver(() => {
    if (!check()) return;
    observer.disconnect();
    clearTimeout(timer);
  });
  const timer = setTimeout(() => {
    observer.disconnect();
    reject(new Error('status bar never showed a listening server'));
  }, 90000);
  observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
})`;

/** ms from "workbench started" to the status bar item (shown, listening), on the page's clock. */
async function readyTime(editor: Editor): Promise<{ shown: number; listening: number }> {
  return (await editor.page.evaluate(READY_SCRIPT)) as { shown: number; listening: number };
}

/** "Activation: 96ms" from Developer: Show Running Extensions (VS Code does not log it). */
async function runningExtensionsTime(editor: Editor): Promise<number | null> {
  await editor.runCommand('Developer: Show Running Extensions');
  const row = editor.page.locator('.monaco-list-row', { hasText: 'Agent Trace' }).filter({ hasText: /Activation: \d+ms/ }).first();
  try {
    await row.waitFor({ timeout: 30_000 });
  } catch {
    return null;
  }
  const m = /Activation: (\d+)ms/.exec(await row.innerText());
  return m ? Number(m[1]) : null;
}

async function run(vsix: string, index: number): Promise<RunResult> {
  const workspace = makeWorkspace();
  let editor: Editor | undefined;
  try {
    editor = await Editor.start({
      workspace,
      vsix,
      settings: { 'agentTrace.otlp.httpPort': await freePort(), 'agentTrace.otlp.grpcPort': await freePort() },
    });
    const ready = await readyTime(editor);

    const logs = path.join(editor.root, 'user-data', 'logs');
    const ownLine = await waitForValue(() => {
      const file = walk(logs).find((f) => f.endsWith(path.join(EXTENSION_ID, LOG_NAME)));
      const line = file ? fs.readFileSync(file, 'utf8').split('\n').find((l) => /activated in [\d.]+ ms/.test(l)) : undefined;
      return line ?? null;
    }, 10_000);
    const activateMs = ownLine ? Number(/activated in ([\d.]+) ms/.exec(ownLine)![1]) : null;

    let exthostMs: number | null = null;
    const hostLine = walk(logs)
      .filter((f) => /exthost\.log$/.test(f))
      .flatMap((f) => fs.readFileSync(f, 'utf8').split('\n'))
      .find((l) => l.includes(`_doActivateExtension ${EXTENSION_ID},`));
    const t0 = hostLine ? logTime(hostLine) : null;
    const t1 = ownLine ? logTime(ownLine) : null;
    if (t0 !== null && t1 !== null) exthostMs = t1 - t0;

    const vscodeMs = await runningExtensionsTime(editor);
    const result = { activateMs, vscodeMs, exthostMs, shownMs: ready.shown, readyMs: ready.listening };
    if (process.env.AGENT_TRACE_BENCH_VERBOSE) console.error(`run ${index + 1}: ${JSON.stringify(result)}`);
    return result;
  } catch (err) {
    if (editor) {
      await editor.screenshot(`bench-activation-failure-${index + 1}.png`).catch(() => undefined);
      console.error(editor.serverLog().slice(-3000));
    }
    throw err;
  } finally {
    await editor?.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function report(label: string, xs: (number | null)[], digits: number, missing: string): void {
  const got = xs.filter((x): x is number => x !== null);
  const fmt = (x: number | null) => (x === null ? 'n/a' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
  if (!got.length) {
    console.log(`${label}: n/a (${missing})`);
    return;
  }
  console.log(`${label}: median ${fmt(median(got))} ms (runs: ${xs.map(fmt).join(', ')})`);
}

async function main() {
  if (values.package) process.env.AGENT_TRACE_REPACKAGE = '1';
  const vsix = ensureVsix();
  const runs = Number(values.runs);
  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) results.push(await run(vsix, i));
  const pick = <K extends keyof RunResult>(k: K) => results.map((r) => r[k]);
  const note = `${path.basename(vsix)}, code-server + Chromium, fresh user data per run`;
  report(`activation: activate() itself ("activated in" log line)`, pick('activateMs'), 1, `no "activated in" line: rebuild with --package`);
  report(`activation: VS Code's time (Running Extensions: code loading + activate call)`, pick('vscodeMs'), 0, 'not shown in Running Extensions');
  report(`activation: exthost log, _doActivateExtension → "activated in" line`, pick('exthostMs'), 0, 'log lines not found');
  report(`activation: workbench started → status bar item shown (extension activated)`, pick('shownMs'), 0, 'never shown');
  report(`activation: workbench started → status bar listening (OTLP ports bound; ${note})`, pick('readyMs'), 0, 'never listening');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
