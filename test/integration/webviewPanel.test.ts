// The webview bundles in real Chromium, through the standalone harness (fake acquireVsCodeApi,
// the same strict CSP as the host): keyboard selection, detail pane, hostile content staying
// inert, virtualization bounds, live growth keeping state, and the redaction panel.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { generateReport, generateTrace, HOSTILE_TEXT } from '../webview/fixtures';
import { eventually } from '../support/waitUntil';
import { hostPost, posted, screenshotPath, useWebviewBrowser } from '../support/webviewHarness';
import { scanSpans } from '../../src/core/redaction';
import type { RawSpan } from '../../src/core/model';

describe('webview panels in Chromium', function () {
  this.timeout(120_000);
  const web = useWebviewBrowser();
  let page: Page;

  const selectedId = (p: Page) => p.locator('.row[aria-selected="true"]').getAttribute('data-span-id');
  /** Elements of a tag anywhere, including inside shadow roots (vscode-elements). */
  // A string, not a function: the test runner's transpiler would add helpers the page lacks.
  const deepCount = (p: Page, tag: string): Promise<number> =>
    p.evaluate(`(() => {
      let n = 0;
      const walk = (root) => {
        n += root.querySelectorAll(${JSON.stringify(tag)}).length;
        root.querySelectorAll('*').forEach((el) => el.shadowRoot && walk(el.shadowRoot));
      };
      walk(document);
      return n;
    })()`);

  /** The span id of the `nth` row wholly inside the scrolled tree viewport, once rows are drawn there. */
  async function rowInView(p: Page, nth: number): Promise<string> {
    // A function with no named inner functions: the transpiler adds no helper the page lacks
    // (and the harness CSP forbids the eval a string predicate would need).
    const handle = await p.waitForFunction((n) => {
      const scroller = document.querySelector('.tree-scroll');
      if (!scroller || scroller.scrollTop === 0) return null;
      const box = scroller.getBoundingClientRect();
      const inView = Array.from(document.querySelectorAll('.row')).filter((r) => r.getBoundingClientRect().top >= box.top && r.getBoundingClientRect().bottom <= box.bottom);
      return inView.length > n ? inView[n].getAttribute('data-span-id') : null;
    }, nth);
    return (await handle.jsonValue()) as string;
  }

  it('selects a tool step with the keyboard and shows its pretty-printed arguments; hostile content stays text', async () => {
    page = await web.open('trace');
    const trace = generateTrace({ spanCount: 60, hostile: true });
    await hostPost(page, { type: 'trace', trace, live: true });
    await page.locator('.row').first().waitFor();
    assert.equal(await page.locator('.trace-name').textContent(), 'invoke_agent travel-planner');
    assert.equal(await page.locator('.badge-live').count(), 1);

    await page.locator('.tree-scroll').focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const tool = trace.spans[2];
    assert.equal(tool.kind, 'tool');
    // Key handling and the detail pane's render are asynchronous: wait for the state, not a time.
    await eventually(async () => {
      assert.equal(await selectedId(page), tool.spanId);
      assert.equal(await page.locator('.span-name').textContent(), tool.name);
      assert.equal(await page.locator('.tool-arguments').textContent(), JSON.stringify(JSON.parse(tool.tool!.arguments!), null, 2));
      assert.ok((await posted(page)).some((m) => m.type === 'spanSelected' && m.spanId === tool.spanId));
    });

    // The hostile result, prompt and event attribute show as literal text.
    assert.equal(await page.locator('.tool-result').textContent(), HOSTILE_TEXT);
    await page.keyboard.press('ArrowUp');
    await eventually(async () => {
      assert.equal(await selectedId(page), trace.spans[1].spanId);
      const bubbles = await page.locator('.bubble-text').allTextContents();
      assert.ok(bubbles.includes(HOSTILE_TEXT), 'the prompt shows its markup as text');
    });
    await page.locator('vscode-tab-header', { hasText: 'Attributes' }).click();
    await eventually(async () => assert.ok((await page.locator('table.attrs pre').allTextContents()).includes(HOSTILE_TEXT)));
    await page.screenshot({ path: screenshotPath('trace-dark.png') });

    assert.equal(await deepCount(page, 'img'), 0, 'no img element was created from span data');
    assert.equal(await deepCount(page, 'script:not([nonce])'), 0);
    assert.equal(await deepCount(page, 'a[href]'), 0, 'no link built from span data');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined, 'no injected script ran');
    assert.deepEqual(web.dialogs, []);
    assert.deepEqual(web.pageErrors, []);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations), []);
  });

  it('opens source, asks the host to find source, and shows a resolved location', async () => {
    page = await web.open('trace', { theme: 'light' });
    const trace = generateTrace({ spanCount: 12 });
    await hostPost(page, { type: 'trace', trace, live: false });
    await page.locator('.row').first().waitFor();
    assert.equal(await page.locator('.badge-live').count(), 0);
    // A trace opens on its first failed step or model call; this test opens the root's source.
    await hostPost(page, { type: 'selectSpan', spanId: trace.spans[0].spanId });
    await page.locator(`.row[aria-selected="true"][data-span-id="${trace.spans[0].spanId}"]`).waitFor();
    await page.locator('.open-source').click();
    await eventually(async () => assert.ok((await posted(page)).some((m) => m.type === 'openSource' && m.spanId === trace.spans[0].spanId)));
    const noSource = trace.spans.find((s) => !s.source)!;
    await hostPost(page, { type: 'selectSpan', spanId: noSource.spanId });
    await page.locator(`.row[aria-selected="true"][data-span-id="${noSource.spanId}"]`).waitFor();
    await page.locator('.find-source').click();
    await eventually(async () => assert.ok((await posted(page)).some((m) => m.type === 'resolveSource' && m.spanId === noSource.spanId)));
    await hostPost(page, { type: 'sourceResolved', spanId: noSource.spanId, source: { file: 'src/tools/book_hotel.ts', line: 7, how: 'symbol', confidence: 'high' } });
    await page.locator('.source-file', { hasText: 'src/tools/book_hotel.ts:7' }).waitFor();
    await page.screenshot({ path: screenshotPath('trace-light.png') });
  });

  it('filters with Ctrl+F search and highlights matches', async () => {
    page = await web.open('trace');
    await hostPost(page, { type: 'trace', trace: generateTrace({ spanCount: 40 }), live: false });
    await page.locator('.row').first().waitFor();
    await page.locator('.tree-scroll').focus();
    await page.keyboard.press('Control+f');
    await page.keyboard.type('get_weather');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('.row').length < 20);
    await page.locator('.row mark').first().waitFor();
    const marks = await page.locator('.row mark').allTextContents();
    assert.ok(marks.length > 0 && marks.every((l) => l === 'get_weather'));
    // Matching tool rows and the model calls that requested them, under the agent root; no other tool.
    const labels = await page.locator('.row .label').allTextContents();
    assert.ok(!labels.includes('book_hotel') && !labels.includes('search_flights'));
    assert.equal(labels[0], 'invoke_agent travel-planner');
    assert.equal(await page.locator('.row.context-row').count(), 1, 'only the root is shown as context');
  });

  it('keeps only a bounded number of rows in the DOM for a 10,000-span trace', async () => {
    page = await web.open('trace');
    await hostPost(page, { type: 'trace', trace: generateTrace({ spanCount: 10_000 }), live: false });
    await page.locator('.row').first().waitFor();
    const first = await page.locator('.row').count();
    assert.ok(first > 10 && first < 120, `rows in DOM: ${first}`);
    await page.locator('.tree-scroll').focus();
    await page.keyboard.press('End');
    // The last row is selected and scrolled into view (the virtualizer renders it after the scroll event).
    await page.locator('.row[aria-selected="true"][aria-posinset="9999"]').waitFor();
    const atEnd = await page.locator('.row').count();
    assert.ok(atEnd < 120, `rows in DOM at the end: ${atEnd}`);
  });

  it('marks a model call recorded twice as a duplicate, naming the counted step, without hiding it', async () => {
    page = await web.open('trace');
    const trace = generateTrace({ spanCount: 5 });
    const llm = trace.spans.find((s) => s.kind === 'llm')!;
    const copy = { ...llm, spanId: 'd'.repeat(16), name: 'ChatOpenAI', duplicateOf: llm.spanId };
    await hostPost(page, { type: 'trace', trace: { ...trace, spans: [...trace.spans, copy] }, live: false });
    const row = page.locator(`.row[data-span-id="${copy.spanId}"]`);
    await row.waitFor();
    const mark = row.locator('.mark.duplicate');
    assert.equal(await mark.textContent(), 'duplicate');
    assert.match((await mark.getAttribute('title')) ?? '', new RegExp(`same model call as "${llm.name.replace(/[#]/g, '.')}" \\(${llm.spanId}\\)`));
    assert.equal(await page.locator(`.row[data-span-id="${llm.spanId}"] .mark.duplicate`).count(), 0, 'the counted step has no mark');
    assert.equal(await page.locator('.row').count(), trace.spans.length + 1, 'every step is shown');
  });

  it('keeps selection, scroll position and collapsed state while a live trace grows', async () => {
    page = await web.open('trace');
    await hostPost(page, { type: 'trace', trace: generateTrace({ spanCount: 2000 }), live: true });
    await page.locator('.row').first().waitFor();
    await page.locator('.tree-scroll').evaluate((el) => (el.scrollTop = 15_000));
    // The virtualizer re-renders on the scroll event, at its own pace: wait until the rows drawn
    // are the ones in the scrolled viewport, then pick one lying wholly inside it (a click on a
    // row still out of view would make Playwright scroll it in and move scrollTop itself).
    const id = await rowInView(page, 4);
    await page.locator(`.row[data-span-id="${id}"]`).click();
    await page.locator(`.row[aria-selected="true"][data-span-id="${id}"]`).waitFor();
    const scrollBefore = await page.locator('.tree-scroll').evaluate((el) => el.scrollTop);
    assert.ok(scrollBefore > 14_000, `scrolled to ${scrollBefore}`);

    await hostPost(page, { type: 'trace', trace: generateTrace({ spanCount: 2500 }), live: true });
    await page.locator('.stats', { hasText: '2500' }).waitFor();
    assert.equal(await selectedId(page), id);
    assert.equal(await page.locator('.tree-scroll').evaluate((el) => el.scrollTop), scrollBefore);

    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => document.querySelectorAll('.row').length === 1);
    await hostPost(page, { type: 'trace', trace: generateTrace({ spanCount: 3000 }), live: false });
    await page.locator('.stats', { hasText: '3000' }).waitFor();
    assert.equal(await page.locator('.row').count(), 1);
    assert.equal(await page.locator('.row').getAttribute('aria-expanded'), 'false');
    assert.equal(await page.locator('.badge-live').count(), 0);
    // Saved through setState (debounced), so a hidden-and-shown panel comes back the same.
    await page.waitForFunction(() => {
      const s = (window as unknown as { __state?: { collapsed: string[]; selected: string } }).__state;
      return s && s.collapsed.length === 1 && s.selected === '0000000000000001';
    });
  });

  it('restores selection and tab from saved webview state when the panel is recreated', async () => {
    const trace = generateTrace({ spanCount: 30 });
    const chat = trace.spans.find((s, i) => i > 2 && s.kind === 'llm')!;
    page = await web.open('trace', { state: { traceId: trace.traceId, selected: chat.spanId, collapsed: [], query: '', scrollTop: 0, tab: 'usage' } });
    await hostPost(page, { type: 'trace', trace, live: false });
    await page.locator('.row').first().waitFor();
    await eventually(async () => {
      assert.equal(await selectedId(page), chat.spanId);
      assert.equal(await page.locator('vscode-tabs').evaluate((el) => (el as unknown as { selectedIndex: number }).selectedIndex), 1);
      assert.ok(await page.locator('table.usage').isVisible());
    });
  });

  it('redaction panel: counts, keyboard selection, before/after preview and actions', async () => {
    page = await web.open('redaction');
    const report = generateReport(300);
    await hostPost(page, { type: 'report', report, scope: { traceId: report.findings[0].traceId, label: 'trace invoke_agent' }, policyPath: null });
    await page.locator('.finding').first().waitFor();
    assert.ok((await page.locator('.finding').count()) < 60, 'findings list is virtualized');
    assert.ok((await page.locator('.count-table').first().textContent())!.includes('150'));
    // Finding context keeps its markup as text, masked value marked.
    assert.ok((await page.locator('.finding .context').first().textContent())!.includes('<b>the</b>'));
    assert.equal(await page.locator('.finding .context mark').first().textContent(), 'sk-p…9xQ2');

    await page.locator('.findings-scroll').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const f = report.findings[1];
    await eventually(async () => assert.ok((await posted(page)).some((m) => m.type === 'requestSpanPreview' && m.spanId === f.spanId)));
    await hostPost(page, {
      type: 'spanPreview',
      spanId: f.spanId,
      before: { prompt: 'mail jo@example.com <img src=x onerror=alert(1)>', 'http.method': 'POST', 'user.email': 'jo@example.com' },
      after: { prompt: 'mail sha256:3f2a… <img src=x onerror=alert(1)>', 'http.method': 'POST' },
      highlights: {
        marks: { open: '\uE000', sep: '\uE001', close: '\uE002' },
        before: { prompt: 'mail \uE0000\uE001jo@example.com\uE002 <img src=x onerror=alert(1)>', 'user.email': '\uE0001\uE001jo@example.com\uE002' },
        after: { prompt: 'mail \uE0000\uE001sha256:3f2a…\uE002 <img src=x onerror=alert(1)>' },
      },
    });
    await page.locator('tr.diff-row.changed').waitFor();
    // Only the finding's own characters are marked, as text; the cell itself is not painted.
    assert.deepEqual(await page.locator('tr.diff-row.changed td.before mark.found').allTextContents(), ['jo@example.com']);
    assert.deepEqual(await page.locator('tr.diff-row.changed td.after mark.found').allTextContents(), ['sha256:3f2a…']);
    assert.equal(await page.locator('tr.diff-row.changed td.after pre').textContent(), 'mail sha256:3f2a… <img src=x onerror=alert(1)>');
    const cellBackground = await page.locator('tr.diff-row.changed td.before').evaluate((td) => getComputedStyle(td).backgroundColor);
    assert.equal(cellBackground, 'rgba(0, 0, 0, 0)');
    assert.equal(await page.locator('tr.diff-row.changed td.key').textContent(), 'prompt');
    assert.equal(await page.locator('tr.diff-row.dropped td.key').textContent(), 'user.email');
    assert.equal(await page.locator('tr.diff-row.same').count(), 0, 'only changed values by default');
    await page.screenshot({ path: screenshotPath('redaction-dark.png') });

    for (const [label, type] of [
      ['Jump to span', 'showSpan'],
      ['Create policy file', 'openPolicy'],
      ['Export collector config', 'exportCollectorConfig'],
      ['Export Node processor', 'exportNodeProcessor'],
    ]) {
      await page.locator('vscode-button', { hasText: label }).click();
      await eventually(async () => assert.ok((await posted(page)).some((m) => m.type === type), `${label} posts ${type}`));
    }
    assert.equal(await deepCount(page, 'img'), 0);
    assert.deepEqual(web.dialogs, []);
    assert.deepEqual(web.pageErrors, []);
  });

  it('redaction panel: a finding says how sure it is, and a decoded one shows its path through the encodings, masked (report from the real scanner)', async () => {
    page = await web.open('redaction');
    const password = 'Xk9!pQ27vLm';
    const basic = Buffer.from(`deploy:${password}`).toString('base64');
    const span: RawSpan = {
      traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), parentSpanId: null, name: 'execute_tool fetch_orders', kind: 'internal',
      startUnixNanos: '1', endUnixNanos: '2', status: { code: 'unset', message: '' }, events: [], links: [], resource: { 'service.name': 'support-agent' },
      scope: { name: 't', version: '1' },
      attributes: {
        'gen_ai.tool.call.arguments': JSON.stringify({ headers: { Authorization: `Basic ${basic}` } }),
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Please refund the order for Maria Gonzalez, she was charged twice.' }] }]),
      },
    };
    const report = scanSpans([span]);
    assert.deepEqual(report.findings.map((f) => f.type).sort(), ['basic-auth', 'name']);
    await hostPost(page, { type: 'report', report, scope: { traceId: span.traceId, label: 'trace support' }, policyPath: null });
    const preview = page.locator('.preview');
    await page.locator('.finding', { hasText: 'basic-auth' }).click();
    await preview.getByText('How sure: pattern with checksum').waitFor();
    assert.equal((await preview.locator('.decoded').textContent())?.replace(/\s+/g, ' ').trim(), 'Found after decoding base64 (Basic): deploy:********');
    await page.locator('.finding', { hasText: 'Person name' }).click();
    await preview.getByText(/How sure: (language model|pattern with context) \(\d+%\)/).waitFor();
    assert.equal(await preview.locator('.decoded').count(), 0, 'a name found in plain text has no decoding path');
    const text = await page.locator('body').innerText();
    assert.ok(!text.includes(password) && !text.includes(basic), 'the decoded credential is shown masked only');
    assert.deepEqual(web.pageErrors, []);
  });
});
