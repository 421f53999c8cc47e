// Compare two runs in a real VS Code (code-server + Chromium) with the packaged extension: the
// sample agent runs twice (the second time with another question), the user selects both runs in
// the Agent Traces view and chooses "Compare"; the compare panel says where run B diverges,
// F7 / Shift+F7 move between the changes, the changed user message shows word by word, and
// "Open source" from run B opens the line that made the model call.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Frame, Locator } from 'playwright-core';
import { waitFor, type Editor } from './codeServer';
import { markerLine, runSampleAgent } from './helpers';
import { showTracesOnceListening, tracesView, useSampleWorkspace } from './session';

describe('Compare two runs in VS Code (code-server + Chromium)', function () {
  this.timeout(300_000);

  const sample = useSampleWorkspace('compare');
  const editor = (): Editor => sample.editor;
  let panel: Frame;

  const page = sample.page;
  const tracesPane = (): Locator => tracesView(editor());
  // Both runs are listed by agent name and first user message (the root span is "agent run").
  const runRows = (): Locator => tracesPane().locator('.monaco-list-row', { hasText: 'weather-assistant: Do I need' });
  const selectedStep = async (): Promise<string | null> => panel.locator('.row.selected').getAttribute('data-step');

  it('records two runs of the sample agent, the second with another question', async () => {
    await showTracesOnceListening(editor());
    const endpoint = sample.endpoint;
    const first = await runSampleAgent(sample.workspace, endpoint);
    assert.equal(first.code, 0, first.stderr);
    const second = await runSampleAgent(sample.workspace, endpoint, {}, 'Do I need a coat in Lyon today?');
    assert.equal(second.code, 0, second.stderr);
    await waitFor(async () => (await runRows().count()) === 2, 30_000, () => 'the two runs never showed in the view');
  });

  it('selecting both runs and choosing "Compare" opens the compare panel at the first divergence', async () => {
    await runRows().nth(0).click();
    // A click previews the run in the trace panel and, as in the explorer, leaves the focus in
    // the view, so Ctrl+click can go on building the selection.
    await editor().findFrame('agent-trace-app .trace-header');
    await waitFor(async () => (await tracesPane().locator('.monaco-list:focus-within').count()) === 1, 15_000, () => 'the preview took the focus from the Traces view');
    await runRows().nth(1).click({ modifiers: ['Control'] });
    await waitFor(async () => (await tracesPane().locator('.monaco-list-row.selected').count()) === 2, 15_000, () => 'two rows not selected');
    await editor().chooseContextMenuItem(runRows().nth(1), 'Compare');
    panel = await editor().findFrame('agent-compare-app .compare-app');
    const summary = panel.locator('.summary');
    await waitFor(async () => /diverges at step 3/.test(await summary.innerText().catch(() => '')), 30_000, () => 'no summary');
    assert.equal((await summary.innerText()).trim(), 'run B diverges at step 3: the model call (`gpt-4o-mini`) got a different input');
    assert.equal(await panel.locator('.row').count(), 6, 'six aligned steps, all in the DOM (a small trace)');
    assert.equal(await selectedStep(), '3');
    assert.deepEqual(await panel.locator('.row.status-changed').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-step'))), ['3', '6']);
  });

  it('F7 and Shift+F7 move between the changes, as in the diff editor', async () => {
    await panel.locator('.row[data-step="1"]').click();
    assert.equal(await selectedStep(), '1');
    await page().keyboard.press('F7');
    await waitFor(async () => (await selectedStep()) === '3', 10_000, () => 'F7 did not reach step 3');
    await page().keyboard.press('F7');
    await waitFor(async () => (await selectedStep()) === '6', 10_000, () => 'F7 did not reach step 6');
    await page().keyboard.press('Shift+F7');
    await waitFor(async () => (await selectedStep()) === '3', 10_000, () => 'Shift+F7 did not go back to step 3');
    const changed = panel.locator('.row.selected.status-changed');
    const background = await changed.evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.doesNotMatch(background, /rgba\(0, 0, 0, 0\)|transparent/, `changed row background ${background}`);
  });

  it('shows the changed user message word by word, unchanged fields folded', async () => {
    const message = panel.locator('.message.status-changed', { hasText: 'user' });
    await message.first().waitFor({ timeout: 15_000 });
    const deleted = (await message.first().locator('.del').allInnerTexts()).join(' ');
    const inserted = (await message.first().locator('.ins').allInnerTexts()).join(' ');
    assert.match(deleted, /umbrella/);
    assert.match(inserted, /coat/);
    assert.match(await panel.locator('.unchanged summary').innerText(), /unchanged fields/);
    await editor().screenshot('compare-panel.png');
  });

  it('"Open source (B)" opens agent.js at the line of the model call', async () => {
    const expectedLine = markerLine(path.join(sample.workspace, 'agent.js'), 'chat');
    await panel.locator('vscode-button.open-source-b').click();
    await page().locator('.tabs-container .tab.active').filter({ hasText: 'agent.js' }).waitFor({ timeout: 15_000 });
    const position = page().locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first();
    await waitFor(async () => (await position.innerText().catch(() => '')).includes(`Ln ${expectedLine},`), 15_000, () => `cursor not on line ${expectedLine}`);
  });

  /** Closes every editor, so the next compare opens a new panel rather than revealing one. */
  async function closeAllEditors(): Promise<void> {
    await editor().runCommand('View: Close All Editors');
    await waitFor(async () => (await page().locator('.tabs-container .tab').count()) === 0, 15_000, () => 'editors still open');
  }

  async function expectComparePanel(): Promise<void> {
    panel = await editor().findFrame('agent-compare-app .compare-app .summary');
    await waitFor(async () => /diverges at step 3/.test(await panel.locator('.summary').innerText().catch(() => '')), 30_000, () => 'no summary');
  }

  it('"Compare with…" on one run lists the other run of the same agent and compares them', async () => {
    await closeAllEditors();
    await runRows().nth(0).click();
    await waitFor(async () => (await tracesPane().locator('.monaco-list-row.selected').count()) === 1, 15_000, () => 'not one row selected');
    await editor().findFrame('agent-trace-app .trace-header');
    await editor().chooseContextMenuItem(runRows().nth(0), 'Compare with…');
    const rows = page().locator('.quick-input-list .monaco-list-row');
    await rows.first().waitFor({ timeout: 15_000 });
    assert.match(await page().locator('.quick-input-list').innerText(), /Same agent/);
    assert.equal(await rows.count(), 1, 'the only other trace');
    await rows.first().click();
    await expectComparePanel();
  });

  it('"Compare with previous run" in the trace panel compares the run with the one before it', async () => {
    await closeAllEditors();
    await runRows().nth(0).click();
    const tracePanel = await editor().findFrame('agent-trace-app .trace-header');
    const button = tracePanel.locator('vscode-button', { hasText: 'Compare with previous run' });
    await button.waitFor({ timeout: 15_000 });
    await button.click();
    await expectComparePanel();
    assert.equal(await panel.locator('.row.selected').getAttribute('data-step'), '3');
  });
});
