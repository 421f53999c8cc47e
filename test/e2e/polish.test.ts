// The first-day expectations of a trace viewer, in a real VS Code (code-server) through
// Chromium: the status bar tells the last run, a click in the Traces view reuses one preview
// panel, a trace opens on its first failed step (Error tab) or else its first model call,
// "Errors N" steps through the failures, and "Open source" opens beside the panel so the
// trace stays in view. The failing trace goes through the real OTLP/HTTP receiver as JSON.
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Frame, Locator } from 'playwright-core';
import { openSampleWorkspace, waitFor, type Editor, type SampleWorkspace } from './codeServer';
import { runSampleAgent } from './helpers';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A run whose model call succeeded and whose two tool calls failed, as OTLP/JSON. */
function failingRun(): { traceId: string; body: unknown } {
  const traceId = hex(16);
  const ids = { root: hex(8), agent: hex(8), chat: hex(8), lookup: hex(8), escalate: hex(8) };
  const t0 = BigInt(Date.now()) * 1_000_000n;
  const at = (ms: number) => String(t0 + BigInt(ms) * 1_000_000n);
  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const failed = (message: string) => ({ code: 2, message });
  const span = (spanId: string, parentSpanId: string, name: string, from: number, to: number, attributes: unknown[], status: unknown = { code: 0 }) => ({
    traceId, spanId, parentSpanId, name, kind: 1, startTimeUnixNano: at(from), endTimeUnixNano: at(to), attributes, status,
  });
  const spans = [
    span(ids.root, '', 'triage run', 0, 900, []),
    span(ids.agent, ids.root, 'invoke_agent triage-bot', 5, 890, [str('gen_ai.operation.name', 'invoke_agent'), str('gen_ai.agent.name', 'triage-bot')]),
    span(ids.chat, ids.agent, 'chat gpt-4o-mini', 10, 300, [str('gen_ai.operation.name', 'chat'), str('gen_ai.request.model', 'gpt-4o-mini')]),
    span(ids.lookup, ids.agent, 'execute_tool lookup_ticket', 310, 400, [str('gen_ai.operation.name', 'execute_tool'), str('gen_ai.tool.name', 'lookup_ticket')], failed('ticket 42 not found')),
    span(ids.escalate, ids.agent, 'execute_tool escalate', 410, 500, [str('gen_ai.operation.name', 'execute_tool'), str('gen_ai.tool.name', 'escalate')], failed('pager unreachable')),
  ];
  return {
    traceId,
    body: { resourceSpans: [{ resource: { attributes: [str('service.name', 'triage')] }, scopeSpans: [{ scope: { name: 'polish-e2e' }, spans }] }] },
  };
}

describe('Agent Trace polish: status, preview panel, first selection, open beside (code-server + Chromium)', function () {
  this.timeout(300_000);

  let editor: Editor;
  let httpPort: number;
  let workspace: string;
  let sample: SampleWorkspace | undefined;
  let panel: Frame;

  before(async function () {
    this.timeout(600_000);
    sample = await openSampleWorkspace();
    ({ editor, workspace, httpPort } = sample);
  });

  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env.AGENT_TRACE_KEEP_E2E === '1') {
      await editor?.screenshot('polish-failure.png').catch(() => undefined);
      console.log(editor?.serverLog().slice(-4000));
    }
    await sample?.close();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      const name = (this.currentTest.title || 'test').replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await editor?.screenshot(`polish-failed-${name}.png`).catch(() => undefined);
    }
  });

  const page = () => editor.page;
  const statusItem = (): Locator => page().locator('.statusbar-item', { hasText: 'Agent Trace' }).first();
  const tracesPane = (): Locator => page().locator('.pane', { has: page().locator('.pane-header', { hasText: /Traces/i }) }).last();
  const traceRow = (text: string): Locator => tracesPane().locator('.monaco-list-row', { hasText: text }).first();
  const selectedStep = async (): Promise<string> => (await panel.locator('[role="treeitem"][aria-selected="true"] .label').first().innerText().catch(() => '')).trim();
  const activeDetailTab = async (): Promise<string> => (await panel.locator('vscode-tab-header[aria-selected="true"]').first().innerText().catch(() => '')).trim();
  const editorTabs = (text: string): Locator => page().locator('.tabs-container .tab', { hasText: text });
  /** Waits until read() satisfies ok; the failure names the last value read. */
  const waitUntil = async (read: () => Promise<string>, ok: (v: string) => boolean, what: string, timeoutMs = 15_000): Promise<void> => {
    let last = '';
    await waitFor(async () => ok((last = await read())), timeoutMs, () => `${what}: "${last}"`);
  };
  const statusText = () => statusItem().innerText().catch(() => '');

  const openWalkthrough = async (): Promise<void> => {
    await page().keyboard.press('F1');
    await page().locator('.quick-input-widget input').fill('>Welcome: Open Walkthrough');
    await editor.quickPickRow('Welcome: Open Walkthrough...').click();
    await page().locator('.quick-input-list .monaco-list-row', { hasText: 'Debug your agent with Agent Trace' }).first().click();
    await page().locator('.getting-started-step').first().waitFor({ timeout: 30_000 });
  };

  it('status bar says listening, then how the last run went', async () => {
    // VS Code creates its walkthrough service lazily and only counts events after that (a key
    // already true when it starts is not counted): open the walkthrough first, as a new user does.
    await openWalkthrough();
    await waitFor(async () => /listening · no runs yet/.test(await statusItem().innerText().catch(() => '')), 60_000, () => 'the status bar never said the server listens');
    await editor.runCommand('Agent Traces: Focus on Traces View');
    await tracesPane().waitFor({ timeout: 15_000 });
    const run = await runSampleAgent(workspace, `http://127.0.0.1:${httpPort}`);
    assert.equal(run.code, 0, run.stderr);
    await waitUntil(statusText, (v) => /listening · last run ok/.test(v), 'status bar', 30_000);
  });

  it('a clean run opens on its first model call, not the empty root', async () => {
    await traceRow('weather-assistant').waitFor({ timeout: 30_000 });
    await traceRow('weather-assistant').click();
    panel = await editor.findFrame('agent-trace-app');
    await waitUntil(selectedStep, (v) => /^chat /.test(v), 'selected step');
  });

  it('a failed run replaces the preview panel and opens on its first failed step with the Error tab', async () => {
    const run = failingRun();
    const res = await fetch(`http://127.0.0.1:${httpPort}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(run.body) });
    assert.equal(res.status, 200, await res.text());
    await waitUntil(statusText, (v) => /last run failed/.test(v), 'status bar', 30_000);
    await traceRow('triage run').waitFor({ timeout: 30_000 });
    await traceRow('triage run').click();
    panel = await editor.findFrame('.trace-name');
    await waitUntil(selectedStep, (v) => v === 'lookup_ticket', 'selected step');
    assert.match(await activeDetailTab(), /^Error/);
    // One preview panel: the clean run's tab was replaced, not joined by a second one.
    await waitUntil(
      async () => (await page().locator('.tabs-container .tab').allInnerTexts()).join(' | '),
      (tabs) => tabs.split(' | ').filter((t) => t.includes('triage run')).length === 1 && !tabs.includes('weather-assistant'),
      'editor tabs',
    );
    await editor.screenshot('polish-error-first.png');
  });

  it('"Errors N" in the header jumps to the next failed step, and wraps', async () => {
    const jump = panel.locator('.errors-jump');
    assert.equal((await jump.innerText()).trim(), '2');
    await jump.click();
    await waitUntil(selectedStep, (v) => v === 'escalate', 'selected step');
    assert.match(await activeDetailTab(), /^Error/);
    await jump.click();
    await waitUntil(selectedStep, (v) => v === 'lookup_ticket', 'selected step');
  });

  it('"Open source" opens beside the panel: code and trace are both visible, the panel keeps focus', async () => {
    await traceRow('weather-assistant').click();
    panel = await editor.findFrame('agent-trace-app');
    const toolStep = panel.locator('[role="treeitem"]', { has: panel.locator('.label', { hasText: /^get_weather$/ }) });
    await toolStep.waitFor({ timeout: 15_000 });
    await toolStep.click();
    const openSource = panel.locator('vscode-button.open-source').first();
    await openSource.waitFor({ timeout: 15_000 });
    await openSource.click();
    await editorTabs('agent.js').first().waitFor({ timeout: 15_000 });
    await waitFor(async () => (await page().locator('.editor-group-container').count()) === 2, 15_000, () => 'the source did not open in a second editor group');
    // Both groups show their active tab: the trace panel and agent.js side by side.
    const activeTabs = (await page().locator('.tabs-container .tab.active').allInnerTexts()).map((t) => t.replace(/\s+/g, ''));
    assert.ok(activeTabs.some((t) => t.includes('agent.js')), `active tabs: ${activeTabs}`);
    assert.ok(activeTabs.some((t) => t.includes('weather-assistant')), `active tabs: ${activeTabs}`);
    assert.ok(await panel.locator('agent-trace-app').isVisible(), 'the trace panel stays visible');
    const focusedGroupHasPanel = await page().locator('.editor-group-container.active .tab.active', { hasText: 'weather-assistant' }).count();
    assert.equal(focusedGroupHasPanel, 1, 'focus stays in the trace panel for the next step');
    await editor.screenshot('polish-open-beside.png');
  });

  it("the agent step shows the run's question and final answer, with its tokens and cost rolled up (Σ)", async () => {
    await traceRow('weather-assistant').click();
    panel = await editor.findFrame('agent-trace-app');
    const agentStep = panel.locator('[role="treeitem"]', { has: panel.locator('.label', { hasText: /^invoke_agent weather-assistant$/ }) });
    await agentStep.waitFor({ timeout: 15_000 });
    assert.match(await agentStep.locator('.rollup').first().innerText(), /^Σ \d+/);
    await agentStep.click();
    await waitUntil(activeDetailTab, (t) => t === 'Input & output', 'the agent step opens on its input and output');
    assert.match(await panel.locator('.run-input').innerText(), /Do I need an umbrella/);
    assert.ok((await panel.locator('.run-output').innerText()).trim().length > 0, 'the final answer is shown');
  });

  it('in a narrow window the panel stacks the details under the steps and cuts no figure', async () => {
    // One editor group (the source opened beside it earlier), the trace panel in front.
    await editor.runCommand('View: Join All Editor Groups');
    await waitFor(async () => (await page().locator('.editor-group-container').count()) === 1, 15_000, () => 'the editor groups were not joined');
    await editorTabs('weather-assistant').first().click();
    panel = await editor.findFrame('agent-trace-app .trace-header');
    await page().setViewportSize({ width: 1000, height: 900 });
    try {
      await panel.locator('.split.stacked').waitFor({ timeout: 15_000 });
      const cut = await panel.locator('.row .cell.num').evaluateAll((els) =>
        els.filter((el) => (el as HTMLElement).offsetParent !== null && el.scrollWidth > el.clientWidth + 1).map((el) => el.textContent),
      );
      assert.deepEqual(cut, [], 'durations, tokens and costs are never cut');
      // A long name may end in an ellipsis (its full text is on hover), but the column keeps room for one.
      const nameWidths = await panel.locator('.row .cell.name').evaluateAll((els) => els.map((el) => el.getBoundingClientRect().width));
      assert.ok(Math.min(...nameWidths) >= 180, `the step column keeps room for names (${Math.min(...nameWidths)} px)`);
      assert.ok(await panel.locator('.row .timeline').first().isVisible(), 'the timeline is still shown');
      await editor.screenshot('polish-narrow-1000.png');
    } finally {
      await page().setViewportSize({ width: 1600, height: 1000 });
    }
  });

  it('the walkthrough has ticked the steps the user has done (view opened, trace received and opened, source opened, redaction previewed)', async () => {
    await editor.runCommand('Agent Trace: Preview Redaction for All Traces');
    await editor.findFrame('.redaction-app, agent-redaction-app', 30_000).catch(() => undefined);
    await page().locator('.tabs-container .tab', { hasText: 'Welcome' }).first().click();
    const step = (id: string) => page().locator(`.getting-started-step[data-step-id$="#${id}"]`);
    await step('install').waitFor({ timeout: 30_000 });
    const done = async (): Promise<string> => {
      const ids = ['install', 'run', 'open', 'source', 'redaction'];
      // A done step shows the checked icon (codicon-getting-started-step-checked) instead of the empty circle.
      const states = await Promise.all(ids.map(async (id) => `${id}:${(await step(id).locator('.codicon-getting-started-step-checked').count()) > 0}`));
      return states.join(' ');
    };
    await waitUntil(done, (v) => !v.includes(':false'), 'walkthrough steps');
    await editor.screenshot('polish-walkthrough-ticked.png');
  });
});
