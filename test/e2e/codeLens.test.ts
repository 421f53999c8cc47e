// From a source line to its steps, in a real VS Code: after the sample agent runs, the line that
// started a tool step carries an Agent Trace code lens (calls in the last run, duration); hovering
// it shows the latest output; clicking it opens that step in the trace panel.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { openSampleWorkspace, waitFor, type Editor, type SampleWorkspace } from './codeServer';
import { markerLine, runSampleAgent } from './helpers';

describe('code lenses on the lines that produced spans (code-server + Chromium)', function () {
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
      await editor?.screenshot('failed-code-lens.png').catch(() => undefined);
      console.log(editor?.serverLog().slice(-4000));
    }
    await sample?.close();
  });

  it('shows a lens for the line that started the tool steps (calls in the last run, last duration) and opens a step from it', async () => {
    const page = editor.page;
    const status = page.locator('.statusbar-item', { hasText: 'Agent Trace' }).first();
    await waitFor(async () => /listening/.test(await status.innerText().catch(() => '')), 60_000, () => 'the trace server never listened');
    const run = await runSampleAgent(workspace, `http://127.0.0.1:${httpPort}`);
    assert.equal(run.code, 0, run.stderr);

    // Open agent.js with Quick Open.
    await page.keyboard.press('Control+P');
    await page.keyboard.type('agent.js');
    await editor.quickPickRow('agent.js').first().click();
    await page.locator('.tabs-container .tab.active', { hasText: 'agent.js' }).waitFor({ timeout: 15_000 });

    const toolLine = markerLine(path.join(workspace, 'agent.js'), 'execute_tool');
    const lens = page.locator('.codelens-decoration a', { hasText: /Agent Trace: 2 calls in the last run/ }).filter({ visible: true });
    await waitFor(async () => (await lens.count()) > 0, 60_000, () => 'no "Agent Trace: 2 calls in the last run" code lens appeared in agent.js');
    const title = await lens.first().innerText();
    assert.match(title, /Agent Trace: 2 calls in the last run · last [\d.]+ (µs|ms|s)/, 'both tool calls of the one run started at that line');
    await lens.first().click();
    // Two spans came from that line: a quick pick titled with the lens's line lets the user choose one.
    await page.locator('.quick-input-widget', { hasText: `Spans recorded at line ${toolLine}` }).waitFor({ timeout: 15_000 });
    const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: 'execute_tool' });
    await pick.first().waitFor({ timeout: 15_000 });
    await pick.first().click();
    const panel = await editor.findFrame('agent-trace-app');
    const selected = panel.locator('[role="treeitem"][aria-selected="true"] .label');
    await waitFor(async () => /get_weather|search_docs/.test(await selected.innerText().catch(() => '')), 30_000, () => 'the step from the lens was not selected');
    await editor.screenshot('code-lens-to-step.png');
  });
});
