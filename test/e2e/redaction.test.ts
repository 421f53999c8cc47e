// The redaction preview in a real VS Code (code-server + Chromium) with the packaged extension:
// the sample agent's question leaks a made-up API key and an email address; "Preview Redaction
// for This Trace" must count them, list them masked (the full key nowhere in the panel), show a
// span before/after, publish rule-and-path-only diagnostics at the agent's source line, and
// follow a workspace policy written to disk without the command being run again.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Locator } from 'playwright-core';
import { openSampleWorkspace, waitFor, type Editor, type SampleWorkspace } from './codeServer';
import { markerLine, runSampleAgent, SAMPLE_AGENT } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { USER_SECRETS } = require(path.join(SAMPLE_AGENT, 'tools.js')) as { USER_SECRETS: { apiKey: string; email: string } };

describe('Redaction preview in VS Code (code-server + Chromium)', function () {
  this.timeout(300_000);

  let editor: Editor;
  let workspace: string;
  let panel: Frame;
  let httpPort: number;
  let sample: SampleWorkspace | undefined;

  before(async function () {
    this.timeout(600_000);
    // No policy yet: the default applies until the test writes .agent-trace/redaction.json
    // (folder and file created together while the panel is open).
    sample = await openSampleWorkspace();
    ({ editor, workspace, httpPort } = sample);
  });

  after(async function () {
    await sample?.close();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      const name = (this.currentTest.title || 'test').replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await editor?.screenshot(`failed-redaction-${name}.png`).catch(() => undefined);
      console.log(editor?.serverLog().slice(-3000));
    }
  });

  const page = () => editor.page;
  const tracesPane = (): Locator => page().locator('.pane', { has: page().locator('.pane-header', { hasText: /Traces/i }) }).last();
  const findingRow = (rule: string): Locator => panel.locator('.finding', { has: panel.locator('strong', { hasText: rule }) }).first();
  const problemRows = (): Locator => page().locator('.markers-panel .monaco-list-row', { hasText: 'Agent Trace redaction' });

  /** A count table of the summary ("By category", …) as { key: count }. */
  async function counts(title: string): Promise<Record<string, number>> {
    const card = panel.locator('.card.counts', { has: panel.locator('h2', { hasText: title }) });
    // The report arrives after the panel frame exists: wait for its first row.
    await card.locator('tbody tr').first().waitFor({ timeout: 30_000 });
    const out: Record<string, number> = {};
    for (const row of await card.locator('tbody tr').all()) {
      out[(await row.locator('td.key').innerText()).trim()] = Number((await row.locator('td.count-cell').innerText()).trim());
    }
    return out;
  }

  /** The panel document's markup and text (attributes included), optionally without some elements. */
  async function panelMarkup(without = ''): Promise<string> {
    return panel.evaluate((sel) => {
      const doc = document.documentElement.cloneNode(true) as HTMLElement;
      if (sel) for (const el of doc.querySelectorAll(sel)) el.remove();
      return doc.outerHTML + '\n' + (doc.textContent ?? '');
    }, without);
  }

  /** Scrolls the before/after values so `needle` in the "After" column is in view (for screenshots). */
  async function scrollPreviewTo(needle: string): Promise<void> {
    await panel.evaluate((text) => {
      const pre = [...document.querySelectorAll('td.after pre')].find((p) => p.textContent?.includes(text));
      if (!pre) return;
      const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const at = n.textContent?.indexOf(text) ?? -1;
        if (at < 0) continue;
        const range = document.createRange();
        range.setStart(n, at);
        range.setEnd(n, at + text.length);
        // The value's <pre> scrolls by itself; the Before column follows to the same offset.
        pre.scrollTop += range.getBoundingClientRect().top - pre.getBoundingClientRect().top - 60;
        const before = pre.closest('tr')?.querySelector('td.before pre');
        if (before) before.scrollTop = pre.scrollTop;
        return;
      }
    }, needle);
  }

  it('opens the sample agent run and previews its redaction from the command palette', async () => {
    const status = page().locator('.statusbar-item', { hasText: 'Agent Trace' }).first();
    await waitFor(async () => /listening/.test(await status.innerText().catch(() => '')), 60_000, () => 'the trace server never listened');
    await editor.runCommand('Agent Traces: Focus on Traces View');
    const run = await runSampleAgent(workspace, `http://127.0.0.1:${httpPort}`);
    assert.equal(run.code, 0, run.stderr);
    const agentRow = tracesPane().locator('.monaco-list-row', { hasText: 'weather-assistant' });
    await agentRow.first().waitFor({ timeout: 30_000 });
    await agentRow.first().click();
    await editor.findFrame('agent-trace-app');
    await editor.runCommand('Agent Trace: Preview Redaction for This Trace');
    panel = await editor.findFrame('agent-redaction-app .redaction-app');
    await page().locator('.tabs-container .tab.active', { hasText: 'Redaction preview' }).waitFor({ timeout: 15_000 });
  });

  it('counts a secret and a personal-data finding, by category and by type', async () => {
    const byCategory = await counts('By category');
    assert.ok(byCategory.secret >= 1, JSON.stringify(byCategory));
    assert.ok(byCategory.pii >= 1, JSON.stringify(byCategory));
    const byType = await counts('By type');
    assert.ok(byType['api-key'] >= 1, JSON.stringify(byType));
    assert.ok(byType.email >= 1, JSON.stringify(byType));
    console.log(`      by category ${JSON.stringify(byCategory)}, by type ${JSON.stringify(byType)}`);
  });

  it('lists the findings masked: the full key and email are nowhere in the panel', async () => {
    const key = findingRow('OpenAI API key');
    await key.waitFor({ timeout: 15_000 });
    assert.equal((await key.locator('.category').textContent())?.trim(), 'secret');
    const masked = (await key.locator('.context mark').innerText()).trim();
    assert.equal(masked, `${USER_SECRETS.apiKey.slice(0, 4)}…${USER_SECRETS.apiKey.slice(-2)}`);
    assert.equal((await key.locator('.replacement').innerText()).trim(), '[REDACTED:api-key]');
    const email = findingRow('Email address');
    assert.equal((await email.locator('.category').textContent())?.trim(), 'pii');
    assert.equal((await email.locator('.replacement').innerText()).trim(), '[REDACTED:email]');
    const markup = await panelMarkup();
    assert.ok(!markup.includes(USER_SECRETS.apiKey), 'the full key is in the redaction panel');
    assert.ok(!markup.includes(USER_SECRETS.apiKey.slice(8, 28)), 'a 20-character run of the key is in the redaction panel');
    assert.ok(!markup.includes(USER_SECRETS.email), 'the full email is in the redaction panel');
  });

  it('selecting the key finding shows the span before and after: the replacement ships, the key only in "Before"', async () => {
    await findingRow('OpenAI API key').click();
    const changed = panel.locator('.preview table.diff tr.diff-row.changed').filter({ has: panel.locator('td.before', { hasText: USER_SECRETS.apiKey }) });
    await changed.first().waitFor({ timeout: 15_000 });
    const after = await changed.first().locator('td.after').innerText();
    assert.ok(after.includes('[REDACTED:api-key]'), after);
    assert.ok(after.includes('[REDACTED:email]'), after);
    assert.ok(!after.includes(USER_SECRETS.apiKey) && !after.includes(USER_SECRETS.email), after);
    assert.match(await panel.locator('.preview').innerText(), /OpenAI API key \(.+\) · mask · attributes: /);
    // The original value is the user's own local data, shown only in the Before column.
    assert.ok(!(await panelMarkup('td.before')).includes(USER_SECRETS.apiKey), 'the key outside the Before column');
    await scrollPreviewTo('[REDACTED:api-key]');
    await editor.screenshot('redaction-panel.png');
  });

  it('the Problems panel lists the findings at the agent.js line of the chat call: rule and path, no value', async () => {
    await editor.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    // The markers list fills in as diagnostics arrive: wait for both findings, not just the first row.
    await waitFor(
      async () => {
        const rows = await problemRows().allInnerTexts();
        return rows.some((t) => t.includes('OpenAI API key')) && rows.some((t) => t.includes('Email address'));
      },
      30_000,
      () => 'the Problems panel never listed both findings',
    );
    const chatLine = markerLine(path.join(workspace, 'agent.js'), 'chat');
    const texts = await problemRows().allInnerTexts();
    const aria = await problemRows().evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
    const all = texts.join('\n') + '\n' + aria.join('\n');
    const key = texts.find((t) => t.includes('OpenAI API key'));
    const email = texts.find((t) => t.includes('Email address'));
    assert.ok(key && email, all);
    for (const t of [key, email]) {
      assert.match(t, new RegExp(`\\[Ln ${chatLine}, Col 1\\]`));
      assert.match(t, /in attributes "[^"]+" of span "chat[^"]*"/);
    }
    // Rule name and id, the attribute path; never the value.
    assert.match(key, /OpenAI API key \(secret: api-key\) in attributes "gen_ai\.[^"]+"/);
    assert.match(key, /@secretlint\/secretlint-rule-openai/);
    assert.match(email, /Email address \(pii: email\) in attributes "gen_ai\.[^"]+"/);
    assert.match(email, /agent-trace\/email/);
    assert.match(key, /would mask it/);
    assert.match(email, /would mask it/);
    assert.ok(!all.includes(USER_SECRETS.apiKey) && !all.includes(USER_SECRETS.email), all);
    const fileRow = page().locator('.markers-panel .monaco-list-row', { hasText: 'agent.js' }).first();
    await fileRow.waitFor({ timeout: 5_000 });
    console.log(`      ${texts.length} diagnostics, e.g. ${key.replace(/\s+/g, ' ')}`);
  });

  it('a policy written to .agent-trace/redaction.json (pii: keep) updates the open panel live', async () => {
    const before = await counts('By category');
    fs.mkdirSync(path.join(workspace, '.agent-trace'), { recursive: true });
    fs.writeFileSync(path.join(workspace, '.agent-trace', 'redaction.json'), JSON.stringify({ version: 1, actions: { secret: 'mask', pii: 'keep' } }, null, 2));
    const email = findingRow('Email address');
    await waitFor(
      async () => (await email.locator('.replacement').innerText().catch(() => '')).trim() === 'kept unchanged',
      30_000,
      () => 'the email finding never switched to "kept unchanged"',
    );
    assert.match(await panel.locator('.policy').innerText(), /redaction\.json/);
    assert.equal((await findingRow('OpenAI API key').locator('.replacement').innerText()).trim(), '[REDACTED:api-key]');
    assert.deepEqual(await counts('By category'), before, 'the same values are found; only the action changed');
    // The span preview follows: the email ships, the key still does not.
    await email.click();
    const changed = panel.locator('.preview table.diff tr.diff-row.changed').filter({ has: panel.locator('td.before', { hasText: USER_SECRETS.email }) });
    await changed.first().waitFor({ timeout: 15_000 });
    const after = await changed.first().locator('td.after').innerText();
    assert.ok(after.includes(USER_SECRETS.email), after);
    assert.ok(after.includes('[REDACTED:api-key]') && !after.includes(USER_SECRETS.apiKey), after);
    assert.match(await panel.locator('.preview').innerText(), /Email address \(.+\) · keep · /);
    // The diagnostics follow too, still without the value.
    await waitFor(
      async () => (await problemRows().allInnerTexts()).some((t) => t.includes('Email address') && t.includes('would keep it')),
      15_000,
      () => 'the email diagnostic never said "would keep it"',
    );
    assert.ok(!(await problemRows().allInnerTexts()).join('\n').includes(USER_SECRETS.email));
    await scrollPreviewTo(USER_SECRETS.email);
    await editor.screenshot('redaction-panel-pii-kept.png');
    assert.deepEqual(editor.dialogs, []);
  });
  it('a policy that cannot be read or has errors stops "Export Trace as JSON…" (Redacted) with an error, nothing saved', async () => {
    await editor.runCommand('View: Close All Editors'); // the panel's own rescan would also report the policy
    const policyFile = path.join(workspace, '.agent-trace', 'redaction.json');
    const toast = (text: RegExp) => page().locator('.notifications-toasts .notification-toast', { hasText: text });
    const exportRedacted = async () => {
      // Not editor.runCommand: it waits for the palette to close, and this command opens quick picks of its own.
      await page().keyboard.press('F1');
      await page().locator('.quick-input-widget input').fill('>Agent Trace: Export Trace as JSON…');
      await editor.quickPickRow('Agent Trace: Export Trace as JSON…').click();
      // The trace picker lists runs by title: agent name and first question.
      await page().locator('.quick-input-list .monaco-list-row', { hasText: 'weather-assistant: Do I need an umbrella' }).first().click();
      await editor.quickPickRow('Redacted').click();
    };
    fs.writeFileSync(policyFile, JSON.stringify({ version: 1, actions: { secret: 'shred' } }));
    await exportRedacted();
    await toast(/has errors, nothing exported/).first().waitFor({ timeout: 15_000 });
    fs.rmSync(policyFile);
    fs.mkdirSync(policyFile); // exists, cannot be read as a file
    await exportRedacted();
    await toast(/cannot read the redaction policy/).first().waitFor({ timeout: 15_000 });
    // code-server's save dialog is a quick input: it would stay open.
    await page().locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
    assert.deepEqual(fs.readdirSync(workspace).filter((f) => f.endsWith('.otlp.json')), []);
    await editor.screenshot('redaction-export-refused.png');
  });
});
