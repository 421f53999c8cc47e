// The compare webview bundle in real Chromium, through the standalone harness (fake
// acquireVsCodeApi, the host's strict CSP), fed with a compare the server code computed from
// canonicalized spans: summary linked to the step, F7 navigation, the pair diff on request,
// hostile span content kept as text, virtualization, and a failed compare's message.
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { canonicalize } from '../../src/core/canonicalize';
import type { RawSpan } from '../../src/core/model';
import { summarizeTrace } from '../../src/core/tree';
import type { CompareResultDto } from '../../src/protocol/compare';
import { compareTraceData, type TraceData } from '../../src/server/compareService';
import { HOSTILE_TEXT } from '../webview/fixtures';
import { hostPost, posted, screenshotPath, useWebviewBrowser } from '../support/webviewHarness';

const BASE = 1_764_000_000_000_000_000n;

function run(traceNo: number, turns: number, change: (turn: number) => { tool: string; result: string; prompt: string } | null): TraceData {
  const traceId = traceNo.toString(16).padStart(32, '0');
  const raw: RawSpan[] = [];
  let n = 0;
  const add = (name: string, parent: string | null, atMs: number, attributes: RawSpan['attributes']) => {
    const spanId = (traceNo * 100_000 + ++n).toString(16).padStart(16, '0');
    raw.push({
      traceId, spanId, parentSpanId: parent, name, kind: 'internal',
      startUnixNanos: String(BASE + BigInt(atMs) * 1_000_000n), endUnixNanos: String(BASE + BigInt(atMs + 8) * 1_000_000n),
      status: { code: 'unset', message: '' }, attributes, events: [], links: [], resource: { 'service.name': 'svc' }, scope: { name: 't', version: '1' },
    });
    return spanId;
  };
  const root = add('invoke_agent planner', null, 0, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner' });
  raw[0].endUnixNanos = String(BASE + BigInt(turns * 20 + 10) * 1_000_000n);
  for (let i = 0; i < turns; i++) {
    const c = change(i) ?? { tool: 'get_weather', result: '{"sky":"sunny"}', prompt: `turn ${i}` };
    add('chat gpt-4o-mini', root, i * 20 + 1, {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: c.prompt }] }]),
    });
    add(`execute_tool ${c.tool}`, root, i * 20 + 10, {
      'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': c.tool, 'gen_ai.tool.call.arguments': '{"city":"Paris"}', 'gen_ai.tool.call.result': c.result,
    });
  }
  const spans = raw.map((s) => canonicalize(s));
  return { summary: summarizeTrace(spans), spans };
}

describe('compare webview in Chromium', function () {
  this.timeout(120_000);
  const web = useWebviewBrowser();
  let page: Page;

  const selectedStep = (p: Page) => p.locator('.row.selected').getAttribute('data-step');

  it('opens at the first divergence, fetches its differences, and keeps hostile content as text', async () => {
    page = await web.open('compare');
    const a = run(1, 4, () => null);
    const b = run(2, 4, (i) => (i === 1 ? { tool: 'get_weather', result: JSON.stringify({ sky: HOSTILE_TEXT }), prompt: `turn ${i}` } : i === 2 ? { tool: HOSTILE_TEXT, result: '{}', prompt: `turn ${i}` } : null));
    const withDiffs = compareTraceData(a, b, true);
    const result: CompareResultDto = { ...withDiffs, rows: withDiffs.rows.map(({ diff: _diff, ...row }) => row) };
    await hostPost(page, { type: 'compare', result });
    await page.locator('.row').first().waitFor();
    assert.equal((await page.locator('.summary').textContent())?.trim(), 'run B diverges at step 5: the tool call `get_weather` returned a different result');
    assert.equal(await selectedStep(page), '5');
    const request = (await posted(page)).find((m) => m.type === 'requestPairDiff');
    assert.ok(request, 'the page asked for the selected pair');
    const row = withDiffs.rows[4];
    assert.equal(request.spanIdA, row.a!.spanId);
    await hostPost(page, { type: 'pairDiff', spanIdA: row.a!.spanId, spanIdB: row.b!.spanId, diff: row.diff! });
    const resultDiff = page.locator('.json-diff tr.op-changed');
    await resultDiff.waitFor();
    assert.equal(await resultDiff.locator('td').first().textContent(), '$.sky');
    assert.equal(await resultDiff.locator('td.ins').textContent(), JSON.stringify(HOSTILE_TEXT));
    // The switched "tool" whose name is markup is a label in the tree, as text.
    assert.ok((await page.locator('.row[data-step="7"] .side-b .label').textContent())?.includes('<img src=x'));
    await page.screenshot({ path: screenshotPath('compare-dark.png') });
    assert.equal(await page.locator('agent-compare-app img').count(), 0, 'no img element from span data');
    assert.equal(await page.locator('agent-compare-app script').count(), 0);
    assert.equal(await page.evaluate(`window.__pwned`), undefined, 'no injected script ran');
    assert.deepEqual(web.dialogs, []);
    assert.deepEqual(web.pageErrors, []);
    assert.deepEqual(await page.evaluate(`window.__cspViolations`), []);
  });

  it('moves with F7 / Shift+F7 and the arrow keys, opens source from the side that has the step', async () => {
    page = await web.open('compare', { theme: 'light' });
    const a = run(3, 6, () => null);
    const b = run(4, 6, (i) => (i === 1 || i === 4 ? { tool: 'search_docs', result: '{}', prompt: `turn ${i}` } : null));
    await hostPost(page, { type: 'compare', result: compareTraceData(a, b) });
    await page.locator('.row').first().waitFor();
    assert.deepEqual(await page.locator('.row.status-changed').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-step'))), ['5', '11']);
    await page.locator('.rows-scroll').focus();
    await page.keyboard.press('Home');
    assert.equal(await selectedStep(page), '1');
    await page.keyboard.press('F7');
    assert.equal(await selectedStep(page), '5');
    await page.keyboard.press('F7');
    assert.equal(await selectedStep(page), '11');
    await page.keyboard.press('F7');
    assert.equal(await selectedStep(page), '5', 'wraps around to the first change');
    await page.keyboard.press('Shift+F7');
    assert.equal(await selectedStep(page), '11');
    assert.match(await page.locator('.change-position').textContent() ?? '', /change 2 of 2/);
    await page.keyboard.press('ArrowDown');
    assert.equal(await selectedStep(page), '12');
    await page.keyboard.press('Enter');
    const opened = (await posted(page)).filter((m) => m.type === 'openSource');
    assert.equal(opened.length, 1);
    assert.equal(opened[0].side, 'b');
    await page.locator('vscode-button.open-source-a').click();
    assert.ok((await posted(page)).some((m) => m.type === 'openSource' && m.side === 'a'));
    await page.locator('vscode-button.show-in-b').click();
    assert.ok((await posted(page)).some((m) => m.type === 'openTrace' && m.side === 'b' && typeof m.spanId === 'string'));
  });

  it('stays virtualized with two 2,000-step runs', async () => {
    page = await web.open('compare');
    await hostPost(page, { type: 'compare', result: compareTraceData(run(5, 1000, () => null), run(6, 1000, (i) => (i === 700 ? { tool: 'search_docs', result: '{}', prompt: 'x' } : null))) });
    await page.locator('.row').first().waitFor();
    assert.equal(await selectedStep(page), '1402');
    const rows = await page.locator('.row').count();
    assert.ok(rows > 5 && rows < 120, `${rows} rows in the DOM`);
    assert.equal(await page.locator('.row[data-step="1402"].selected').count(), 1, 'the first change was scrolled into view');
  });

  it('shows why a compare failed', async () => {
    page = await web.open('compare');
    await hostPost(page, { type: 'compareFailed', message: `No trace with id ${'f'.repeat(32)}.` });
    assert.equal(await page.locator('[role="alert"]').textContent(), `No trace with id ${'f'.repeat(32)}.`);
  });
});
