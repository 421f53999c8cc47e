// The packaged extension in a real VS Code (code-server) driven through Chromium, the way a
// user works: open the Agent Traces view, run the sample agent, watch its trace arrive without
// a refresh, open it, inspect a tool step, jump to its source line, and check that hostile span
// content stays inert text. Screenshots land in test-results/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Locator } from 'playwright-core';
import { openSampleWorkspace, waitFor, type Editor, type SampleWorkspace } from './codeServer';
import { markerLine, runSampleAgent } from './helpers';

describe('Agent Trace in VS Code (code-server + Chromium)', function () {
  this.timeout(300_000);

  let editor: Editor;
  let workspace: string;
  let httpPort: number;
  let grpcPort: number;
  let traceId: string | null = null;
  let panel: Frame;

  let sample: SampleWorkspace | undefined;

  before(async function () {
    this.timeout(600_000);
    sample = await openSampleWorkspace({ 'agentTrace.terminal.injectOtlpEnvironment': true });
    ({ editor, workspace, httpPort, grpcPort } = sample);
  });

  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env.AGENT_TRACE_KEEP_E2E === '1') {
      await editor?.screenshot('failure.png').catch(() => undefined);
      console.log(editor?.serverLog().slice(-4000));
    }
    await sample?.close();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      const name = (this.currentTest.title || 'test').replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await editor?.screenshot(`failed-${name}.png`).catch(() => undefined);
    }
  });

  const page = () => editor.page;
  const tracesPane = (): Locator =>
    page().locator('.pane', { has: page().locator('.pane-header', { hasText: /Traces/i }) }).last();
  const statusItem = (): Locator => page().locator('.statusbar-item', { hasText: 'Agent Trace' }).first();
  const stepRow = (label: string): Locator => panel.locator('[role="treeitem"]', { has: panel.locator('.label', { hasText: new RegExp(`^${label}$`) }) });

  it('status bar shows that the server listens on the configured endpoint', async () => {
    await waitFor(async () => /listening/.test(await statusItem().innerText().catch(() => '')), 60_000, () => 'status bar never showed a listening server');
    await statusItem().hover();
    const hover = page().locator('.monaco-hover, .workbench-hover, .hover-contents').filter({ hasText: 'Listening on' }).first();
    await hover.waitFor({ timeout: 15_000 });
    // Markdown hovers render spaces as no-break spaces.
    const text = (await hover.innerText()).replace(/\u00a0/g, ' ');
    assert.match(text, new RegExp(`Listening on 127\\.0\\.0\\.1:${httpPort} \\(HTTP\\), :${grpcPort} \\(gRPC\\)`));
    await page().mouse.move(800, 400);
  });

  it('opens the Agent Traces view from the command palette', async () => {
    await editor.runCommand('Agent Traces: Focus on Traces View');
    await tracesPane().waitFor({ timeout: 15_000 });
    assert.ok(await tracesPane().isVisible());
  });

  it('shows a run of the sample agent in the view, without a refresh', async () => {
    const run = await runSampleAgent(workspace, `http://127.0.0.1:${httpPort}`);
    assert.equal(run.code, 0, run.stderr);
    traceId = run.traceId;
    assert.ok(traceId);
    const row = tracesPane().locator('.monaco-list-row', { hasText: 'weather-assistant: Do I need an umbrella' });
    await row.first().waitFor({ timeout: 30_000 });
    assert.equal(await row.count(), 1);
  });

  it('opens the trace: the panel lists the agent, chat and tool steps', async () => {
    await tracesPane().locator('.monaco-list-row', { hasText: 'weather-assistant: Do I need an umbrella' }).first().click();
    panel = await editor.findFrame('agent-trace-app');
    await stepRow('get_weather').waitFor({ timeout: 30_000 });
    const labels = await panel.locator('[role="treeitem"] .label').allInnerTexts();
    for (const expected of ['agent run', 'invoke_agent weather-assistant', 'get_weather', 'search_docs']) {
      assert.ok(labels.includes(expected), `step "${expected}" in ${JSON.stringify(labels)}`);
    }
  });

  it('selecting the tool step shows its arguments pretty-printed', async () => {
    await stepRow('get_weather').click();
    const args = panel.locator('pre.tool-arguments');
    await args.waitFor({ timeout: 15_000 });
    assert.equal((await args.innerText()).trim(), JSON.stringify({ city: 'Paris' }, null, 2));
    assert.match(await panel.locator('pre.tool-result').innerText(), /"temperatureC": 14/);
  });

  it('"Open source" opens agent.js at the line that started the tool step', async () => {
    const expectedLine = markerLine(path.join(workspace, 'agent.js'), 'execute_tool');
    const sourceLine = new RegExp(`agent\\.js:${expectedLine}(:\\d+)?$`);
    await waitFor(async () => sourceLine.test(await panel.locator('.source-file').first().innerText().catch(() => '')), 15_000, () => `no source location agent.js:${expectedLine}`);
    await panel.locator('vscode-button.open-source').first().click();
    const activeTab = page().locator('.tabs-container .tab.active');
    await activeTab.filter({ hasText: 'agent.js' }).waitFor({ timeout: 15_000 });
    // It opens beside the panel, which keeps focus; the cursor line shows once the editor has it.
    await activeTab.filter({ hasText: 'agent.js' }).click();
    const position = page().locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ }).first();
    await waitFor(async () => (await position.innerText().catch(() => '')).includes(`Ln ${expectedLine},`), 15_000, () => `cursor not on line ${expectedLine}`);
  });

  it('shows hostile tool output as literal text: no element, no dialog, no command link', async () => {
    // Back to the trace panel (Open source moved focus to the editor).
    await page().locator('.tabs-container .tab', { hasText: 'weather-assistant' }).first().click();
    panel = await editor.findFrame('agent-trace-app');
    await stepRow('search_docs').click();
    // get_weather's result may still be on screen: wait for search_docs's own.
    const result = panel.locator('pre.tool-result', { hasText: '<script>alert(2)</script>' });
    await result.waitFor({ timeout: 15_000 });
    const text = await result.innerText();
    assert.ok(text.includes('<img src=x onerror=alert(1)>'), text);
    assert.ok(text.includes('<script>alert(2)</script>'), text);
    assert.ok(text.includes('[click](command:workbench.action.terminal.new)'), text);
    await editor.screenshot('trace-panel-hostile-step.png');
    // The final chat step repeats the hostile text in the model's answer: shown as text too.
    const chatRows = panel.locator('[role="treeitem"]', { has: panel.locator('.label', { hasText: /^chat / }) });
    await waitFor(async () => (await chatRows.count()) === 2, 15_000, () => "the panel never listed two chat steps");
    await chatRows.last().click();
    const answer = panel.locator('.bubble', { hasText: 'take an umbrella' });
    await answer.first().waitFor({ timeout: 15_000 });
    const answerText = await answer.first().innerText();
    assert.ok(answerText.includes('<img src=x onerror=alert(1)>'), answerText);
    assert.ok(answerText.includes('<script>alert(2)</script>'), answerText);
    assert.equal(await panel.locator('agent-trace-app img').count(), 0, 'no <img> from span content');
    assert.equal(await panel.locator('agent-trace-app script').count(), 0, 'no <script> from span content');
    assert.equal(await panel.locator('agent-trace-app a[href^="command:"]').count(), 0, 'no command: link');
    assert.deepEqual(editor.dialogs, []);
  });

  /** 0 (black) … 1 (white): the panel body's computed background, to know a theme's colours arrived. */
  const panelBackgroundLuminance = () =>
    panel.evaluate(() => {
      const m = /rgba?\((\d+), (\d+), (\d+)/.exec(getComputedStyle(document.body).backgroundColor);
      return m ? (0.2126 * Number(m[1]) + 0.7152 * Number(m[2]) + 0.0722 * Number(m[3])) / 255 : -1;
    });

  it('renders the panel in Dark Modern, Light Modern and Dark High Contrast (screenshots in test-results/)', async () => {
    await page().locator('.tabs-container .tab', { hasText: 'weather-assistant' }).first().click();
    panel = await editor.findFrame('agent-trace-app');
    await stepRow('get_weather').click();
    await panel.locator('body.vscode-dark').waitFor({ timeout: 15_000 });
    const dark = await editor.screenshot('trace-panel-dark-modern.png');
    await editor.pickColorTheme('Light Modern');
    await page().locator('.monaco-workbench.vs').waitFor({ timeout: 30_000 });
    await panel.locator('body.vscode-light').waitFor({ timeout: 15_000 });
    // The theme's colours reach the webview after its body class: wait until they are painted.
    await waitFor(async () => (await panelBackgroundLuminance()) > 0.5, 15_000, () => 'the panel never got the light background');
    const light = await editor.screenshot('trace-panel-light-modern.png');
    assert.notDeepEqual(fs.readFileSync(dark), fs.readFileSync(light));
    // High contrast: selection is drawn as an outline in the theme's contrast colour.
    await editor.pickColorTheme('Dark High Contrast');
    await page().locator('.monaco-workbench.hc-black').waitFor({ timeout: 30_000 });
    await panel.locator('body.vscode-high-contrast').waitFor({ timeout: 15_000 });
    const selectedOutline = () =>
      stepRow('get_weather').evaluate((el) => {
        const st = getComputedStyle(el);
        return { style: st.outlineStyle, color: st.outlineColor };
      });
    await waitFor(async () => (await selectedOutline()).style === 'solid' && (await panelBackgroundLuminance()) < 0.2, 15_000, () => 'the high-contrast colours never reached the panel');
    const outline = await selectedOutline();
    assert.equal(outline.style, 'solid', 'the selected step is outlined');
    assert.doesNotMatch(outline.color, /rgba\(0, 0, 0, 0\)|transparent/, `outline colour ${outline.color}`);
    await editor.screenshot('trace-panel-high-contrast.png');
    await editor.pickColorTheme('Dark Modern');
  });

  it('a new integrated terminal carries the OTLP environment: a run typed there is recorded too', async () => {
    await editor.runCommand('Terminal: Create New Terminal');
    const terminal = page().locator('.terminal-wrapper.active .xterm, .terminal .xterm').first();
    await terminal.waitFor({ timeout: 30_000 });
    await terminal.click();
    await page().keyboard.type('node agent.js "typed in the terminal"');
    await page().keyboard.press('Enter');
    const rows = tracesPane().locator('.monaco-list-row', { hasText: 'weather-assistant: typed in the terminal' });
    await waitFor(async () => (await rows.count()) >= 1, 60_000, () => 'the terminal run never appeared in the Traces view');
  });
});
