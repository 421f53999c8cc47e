// The redaction preview in a real VS Code (code-server + Chromium) with the packaged extension:
// the sample agent's question leaks a made-up API key and an email address; "Preview Redaction
// for This Trace" must count them, list them masked (the full key nowhere in the panel) with one
// row per value and its count, show a span before/after with exactly the replaced characters
// highlighted and in view, publish rule-and-path-only diagnostics at the agent's source line,
// follow a workspace policy written to disk without the command being run again, and, with no
// policy file, offer to create one instead of naming a file that does not exist.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Locator } from 'playwright-core';
import { waitFor, type Editor } from './codeServer';
import { markerLine, runSampleAgent, SAMPLE_AGENT } from './helpers';
import { showTracesOnceListening, tracesView, useSampleWorkspace } from './session';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { USER_SECRETS } = require(path.join(SAMPLE_AGENT, 'tools.js')) as { USER_SECRETS: { apiKey: string; email: string } };

describe('Redaction preview in VS Code (code-server + Chromium)', function () {
  this.timeout(300_000);

  // No policy yet: the default applies until the test writes .agent-trace/redaction.json
  // (folder and file created together while the panel is open).
  const sample = useSampleWorkspace('redaction');
  const editor = (): Editor => sample.editor;
  let panel: Frame;

  const page = sample.page;
  const tracesPane = (): Locator => tracesView(editor());
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

  it('opens the sample agent run and previews its redaction from the command palette', async () => {
    await showTracesOnceListening(editor());
    const run = await runSampleAgent(sample.workspace, sample.endpoint);
    assert.equal(run.code, 0, run.stderr);
    const agentRow = tracesPane().locator('.monaco-list-row', { hasText: 'weather-assistant' });
    await agentRow.first().waitFor({ timeout: 30_000 });
    await agentRow.first().click();
    await editor().findFrame('agent-trace-app');
    await editor().runCommand('Agent Trace: Preview Redaction for This Trace');
    panel = await editor().findFrame('agent-redaction-app .redaction-app');
    await page().locator('.tabs-container .tab.active', { hasText: 'Redaction preview' }).waitFor({ timeout: 15_000 });
    // No policy file yet: the panel says the defaults apply and names no file.
    await panel.locator('.card.ships').waitFor({ timeout: 30_000 });
    const policy = await panel.locator('.policy').innerText();
    assert.match(policy, /built-in defaults/);
    assert.ok(!policy.includes('redaction.json'), policy);
    await panel.locator('vscode-button', { hasText: 'Create policy file' }).waitFor({ timeout: 5_000 });
    // "What ships" says what it counts.
    assert.match(await panel.locator('.ships-legend').innerText(), /kept unchanged\s+\d+ values/);
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
    // The agent sends the same question in both model calls: one row per value, with its count.
    assert.equal(await panel.locator('.finding').count(), 2, await panel.locator('.findings-pane').innerText());
    assert.equal((await key.locator('.group-count').innerText()).trim(), '×2 · 2 spans');
    assert.equal((await email.locator('.group-count').innerText()).trim(), '×2 · 2 spans');
    assert.match(await panel.locator('.finding-total').innerText(), /^4 findings · 2 values$/);
    // The row names the attribute, underscores and all.
    assert.equal((await key.locator('.attribute').innerText()).trim(), 'gen_ai.input.messages');
    assert.ok(await key.locator('.attribute').evaluate((el) => el.scrollWidth <= el.clientWidth), 'the attribute name is shown whole, not cut');
    const markup = await panelMarkup();
    assert.ok(!markup.includes(USER_SECRETS.apiKey), 'the full key is in the redaction panel');
    assert.ok(!markup.includes(USER_SECRETS.apiKey.slice(8, 28)), 'a 20-character run of the key is in the redaction panel');
    assert.ok(!markup.includes(USER_SECRETS.email), 'the full email is in the redaction panel');
  });

  /** The texts of the highlighted characters in the changed row holding `needle` in Before. */
  async function marked(needle: string, side: 'before' | 'after', which = 'mark.found'): Promise<string[]> {
    const row = panel.locator('.preview table.diff tr.diff-row.changed').filter({ has: panel.locator('td.before', { hasText: needle }) }).first();
    return row.locator(`td.${side} ${which}`).allInnerTexts();
  }

  /** True when the selected finding's highlight is scrolled into view in both its cells. */
  async function currentMarksInView(): Promise<boolean> {
    return panel.evaluate(() => {
      const marks = [...document.querySelectorAll<HTMLElement>('.preview mark.current')];
      if (marks.length < 2) return false;
      return marks.every((m) => {
        const r = m.getBoundingClientRect();
        const box = m.closest('pre')!.getBoundingClientRect();
        return r.height > 0 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1 && r.top >= 0 && r.bottom <= window.innerHeight;
      });
    });
  }

  it('selecting the key finding shows the span before and after: exactly the key and its replacement highlighted, in view', async () => {
    await findingRow('OpenAI API key').click();
    const changed = panel.locator('.preview table.diff tr.diff-row.changed').filter({ has: panel.locator('td.before', { hasText: USER_SECRETS.apiKey }) });
    await changed.first().waitFor({ timeout: 15_000 });
    const after = await changed.first().locator('td.after').innerText();
    assert.ok(after.includes('[REDACTED:api-key]'), after);
    assert.ok(after.includes('[REDACTED:email]'), after);
    assert.ok(!after.includes(USER_SECRETS.apiKey) && !after.includes(USER_SECRETS.email), after);
    assert.match(await panel.locator('.preview').innerText(), /OpenAI API key \(.+\) · mask · attributes: /);
    // The highlight covers the replaced characters and nothing else: the key and the email in
    // Before, their replacements in After; the selected finding (the key) is the current one.
    assert.deepEqual(await marked(USER_SECRETS.apiKey, 'before'), [USER_SECRETS.apiKey, USER_SECRETS.email]);
    assert.deepEqual(await marked(USER_SECRETS.apiKey, 'after'), ['[REDACTED:api-key]', '[REDACTED:email]']);
    assert.deepEqual(await marked(USER_SECRETS.apiKey, 'before', 'mark.current'), [USER_SECRETS.apiKey]);
    assert.deepEqual(await marked(USER_SECRETS.apiKey, 'after', 'mark.current'), ['[REDACTED:api-key]']);
    // No cell is painted: only the marks have a background.
    const cellBackgrounds = await changed.first().locator('td').evaluateAll((tds) => tds.map((td) => getComputedStyle(td).backgroundColor));
    assert.deepEqual([...new Set(cellBackgrounds)], ['rgba(0, 0, 0, 0)']);
    // The value is long (a whole JSON conversation): the panel scrolls the highlight into view by itself.
    await waitFor(currentMarksInView, 10_000, () => 'the selected finding\'s highlight was never scrolled into view');
    // The original value is the user's own local data, shown only in the Before column.
    assert.ok(!(await panelMarkup('td.before')).includes(USER_SECRETS.apiKey), 'the key outside the Before column');
    await editor().screenshot('redaction-panel.png');
  });

  it('steps to the same key\'s other occurrence: the other span, its highlight in view', async () => {
    const occurrences = panel.locator('.occurrences');
    assert.match(await occurrences.innerText(), /Occurrence 1 of 2 of this value \(2 spans\)/);
    const firstSpan = await panel.locator('.preview').getAttribute('data-span-id');
    await occurrences.locator('vscode-button', { hasText: 'Next' }).click();
    await waitFor(async () => /Occurrence 2 of 2/.test(await occurrences.innerText()), 10_000, () => 'Next did not move to the second occurrence');
    await waitFor(currentMarksInView, 15_000, () => 'the second occurrence\'s highlight was never in view');
    assert.deepEqual(await marked(USER_SECRETS.apiKey, 'before', 'mark.current'), [USER_SECRETS.apiKey]);
    const secondSpan = await panel.locator('.preview').getAttribute('data-span-id');
    assert.ok(firstSpan && secondSpan && secondSpan !== firstSpan, `the second occurrence is in another span (${firstSpan} → ${secondSpan})`);
    await occurrences.locator('vscode-button', { hasText: 'Previous' }).click();
    await waitFor(async () => /Occurrence 1 of 2/.test(await occurrences.innerText()), 10_000, () => 'Previous did not move back');
  });

  it('the Problems panel lists the findings at the agent.js line of the chat call: rule and path, no value', async () => {
    await editor().runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    // The markers list fills in as diagnostics arrive: wait for both findings, not just the first row.
    await waitFor(
      async () => {
        const rows = await problemRows().allInnerTexts();
        return rows.some((t) => t.includes('OpenAI API key')) && rows.some((t) => t.includes('Email address'));
      },
      30_000,
      () => 'the Problems panel never listed both findings',
    );
    const chatLine = markerLine(path.join(sample.workspace, 'agent.js'), 'chat');
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
    fs.mkdirSync(path.join(sample.workspace, '.agent-trace'), { recursive: true });
    fs.writeFileSync(path.join(sample.workspace, '.agent-trace', 'redaction.json'), JSON.stringify({ version: 1, actions: { secret: 'mask', pii: 'keep' } }, null, 2));
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
    // The kept email is still pointed out, unchanged, on both sides.
    assert.deepEqual(await marked(USER_SECRETS.email, 'after', 'mark.current'), [USER_SECRETS.email]);
    assert.deepEqual(await marked(USER_SECRETS.email, 'before', 'mark.kept'), [USER_SECRETS.email], 'marked as found and kept, not as removed');
    await waitFor(currentMarksInView, 10_000, () => 'the kept email\'s highlight was never in view');
    await editor().screenshot('redaction-panel-pii-kept.png');
    assert.deepEqual(editor().dialogs, []);
  });
  it('a policy that cannot be read or has errors stops "Export Trace as JSON…" (Redacted) with an error, nothing saved', async () => {
    await editor().runCommand('View: Close All Editors'); // the panel's own rescan would also report the policy
    const policyFile = path.join(sample.workspace, '.agent-trace', 'redaction.json');
    const toast = (text: RegExp) => page().locator('.notifications-toasts .notification-toast', { hasText: text });
    const exportRedacted = async () => {
      // Not editor().runCommand: it waits for the palette to close, and this command opens quick picks of its own.
      await page().keyboard.press('F1');
      await page().locator('.quick-input-widget input').fill('>Agent Trace: Export Trace as JSON…');
      await editor().quickPickRow('Agent Trace: Export Trace as JSON…').click();
      // The trace picker lists runs by title: agent name and first question.
      await page().locator('.quick-input-list .monaco-list-row', { hasText: 'weather-assistant: Do I need an umbrella' }).first().click();
      await editor().quickPickRow('Redacted').click();
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
    assert.deepEqual(fs.readdirSync(sample.workspace).filter((f) => f.endsWith('.otlp.json')), []);
    await editor().screenshot('redaction-export-refused.png');
  });

  it('with no policy file, "Create policy file" writes the defaults out, opens them beside the panel, and the panel shows the file as its policy', async () => {
    await editor().runCommand('View: Close All Editors');
    const policyFile = path.join(sample.workspace, '.agent-trace', 'redaction.json');
    fs.rmSync(policyFile, { recursive: true, force: true });
    await editor().runCommand('Agent Trace: Preview Redaction for All Traces');
    panel = await editor().findFrame('agent-redaction-app .redaction-app');
    await waitFor(async () => /built-in defaults/.test(await panel.locator('.policy').innerText().catch(() => '')), 30_000, () => 'the panel never said the defaults apply');
    await panel.locator('vscode-button', { hasText: 'Create policy file' }).click();
    await page().locator('.tabs-container .tab.active', { hasText: 'redaction.json' }).waitFor({ timeout: 15_000 });
    const written = JSON.parse(fs.readFileSync(policyFile, 'utf8')) as Record<string, unknown>;
    assert.ok(Array.isArray(written.$comment) && written.$comment.length > 3, 'documented in $comment');
    assert.deepEqual(written.actions, { secret: 'mask', pii: 'mask', health: 'mask', person: 'mask' });
    assert.ok((written.keepKeys as string[]).includes('gen_ai.response.id'), 'the defaults written out in full');
    // The panel stays in view beside the file, and now names the file as its policy.
    panel = await editor().findFrame('agent-redaction-app .redaction-app');
    let policyLine = '';
    await waitFor(
      async () => /Policy: \.agent-trace\/redaction\.json/.test((policyLine = await panel.locator('.policy').innerText().catch((e) => String(e)))),
      30_000,
      () => `the panel never showed the created file as its policy: ${policyLine}`,
    );
    await panel.locator('vscode-button', { hasText: 'Open policy' }).waitFor({ timeout: 5_000 });
    // The defaults written out find what the built-in defaults found.
    await waitFor(async () => /^4 findings · 2 values$/.test(await panel.locator('.finding-total').innerText().catch(() => '')), 15_000, () => 'the findings changed');
    await editor().screenshot('redaction-policy-created.png');
    assert.deepEqual(editor().dialogs, []);
  });
});
