// Checks in a real VS Code (the packaged .vsix in code-server, driven in Chromium): a checks file
// created in the workspace reaches the trace server through the file watcher, its bad check is
// listed in the Problems panel at its line, the sample agent's run is checked once it is
// finished, and the Traces view marks the run and filters on failed checks.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator } from 'playwright-core';
import { openSampleWorkspace, waitFor, type Editor, type SampleWorkspace } from './codeServer';
import { runSampleAgent } from './helpers';

const CHECKS = `{
  "checks": [
    { "name": "weather tool used", "kind": "tool_called", "tool": "get_weather" },
    { "name": "never looks up the weather", "kind": "tool_not_called", "tool": "get_weather" },
    { "name": "typo", "kind": "tool_caled", "tool": "get_weather" }
  ]
}
`;

describe('checks (code-server + Chromium)', function () {
  this.timeout(300_000);
  let editor: Editor;
  let workspace: string;
  let httpPort: number;
  let sample: SampleWorkspace | undefined;

  before(async function () {
    this.timeout(600_000);
    sample = await openSampleWorkspace();
    ({ editor, workspace, httpPort } = sample);
  });

  after(async function () {
    if (this.currentTest?.state === 'failed') {
      await editor?.screenshot('failed-checks.png').catch(() => undefined);
      console.log(editor?.serverLog().slice(-4000));
    }
    await sample?.close();
  });

  const page = () => editor.page;
  const tracesPane = (): Locator => page().locator('.pane', { has: page().locator('.pane-header', { hasText: /Traces/i }) }).last();

  it('lists the bad check of a new checks file in the Problems panel at its line', async () => {
    const status = page().locator('.statusbar-item', { hasText: 'Agent Trace' }).first();
    await waitFor(async () => /listening/.test(await status.innerText().catch(() => '')), 60_000, () => 'the trace server never listened');
    fs.mkdirSync(path.join(workspace, '.agent-trace'), { recursive: true });
    fs.writeFileSync(path.join(workspace, '.agent-trace', 'checks.json'), CHECKS);
    await editor.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const problem = page().locator('.markers-panel .monaco-list-row', { hasText: 'check "typo": "kind" must be one of' });
    await waitFor(async () => (await problem.count()) > 0, 60_000, () => 'the Problems panel never listed the bad check');
    assert.match(await problem.first().innerText(), /\[Ln 5, Col 1\]|Ln 5/);
  });

  it('reads the file again when it is edited: the removed bad check leaves the Problems panel', async () => {
    fs.writeFileSync(path.join(workspace, '.agent-trace', 'checks.json'), CHECKS.replace(/,\n\s+\{ "name": "typo".*\n/, '\n'));
    const problem = page().locator('.markers-panel .monaco-list-row', { hasText: 'check "typo"' });
    await waitFor(async () => (await problem.count()) === 0, 60_000, () => 'the removed check stayed in the Problems panel');
  });

  it('marks the sample agent\'s run with its failed check and filters on it', async () => {
    const run = await runSampleAgent(workspace, `http://127.0.0.1:${httpPort}`);
    assert.equal(run.code, 0, run.stderr);
    await editor.runCommand('Agent Traces: Focus on Traces View');
    const row = tracesPane().locator('.monaco-list-row', { hasText: 'weather-assistant: Do I need an umbrella' });
    await waitFor(async () => /✗ 1 of 2 checks failed/.test(await row.first().innerText().catch(() => '')), 60_000, () => 'the run was never marked with its failed check');

    // The filter command opens a quick pick of its own, so the palette is driven by hand.
    await page().keyboard.press('F1');
    await page().locator('.quick-input-widget input').fill('>Agent Trace: Filter Traces…');
    await editor.quickPickRow('Agent Trace: Filter Traces…').click();
    const item = page().locator('.quick-input-list .monaco-list-row', { hasText: 'Failed checks only' }).first();
    await item.waitFor({ timeout: 15_000 });
    await item.click();
    const header = tracesPane().locator('.pane-header');
    await waitFor(async () => /failed checks only/.test(await header.innerText().catch(() => '')), 30_000, () => 'the filter was not applied');
    assert.equal(await row.count(), 1, 'the failing run stays listed');
    await editor.screenshot('checks-failed-run.png');
  });
});
