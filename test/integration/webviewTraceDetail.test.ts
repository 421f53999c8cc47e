// The trace panel in real Chromium (standalone harness, the host's CSP) for what a user reads on
// their first day: parent steps with their run's input, output and rolled-up figures, model-call
// detail, stack frames linked to source, the timeline's axis and hover, and layouts at 700, 900
// and 1400 px in Dark and Light with every column it keeps readable (screenshots in test-results/).
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import type { CheckResultDto, MessageDto, SpanDto, TraceDetailDto } from '../../src/protocol/dto';
import type { TraceHostMessage } from '../../src/protocol/webviewMessages';
import { fixtureSpan } from '../webview/fixtures';
import { eventually } from '../support/waitUntil';
import { hostPost, posted, screenshotPath, useWebviewBrowser } from '../support/webviewHarness';

const T0 = 1_760_000_000_000;
const at = (offsetMs: number, durationMs: number): Pick<SpanDto, 'startTime' | 'startUnixNanos' | 'durationMs'> => ({
  startTime: new Date(T0 + offsetMs).toISOString(),
  startUnixNanos: (BigInt(T0 + offsetMs) * 1_000_000n).toString(),
  durationMs,
});
const message = (role: string, direction: 'input' | 'output', content: string | null, extra: Partial<MessageDto> = {}): MessageDto => ({ role, direction, content, toolCalls: [], toolCallId: null, name: null, ...extra });
const usage = (input: number, output: number) => ({ inputTokens: input, outputTokens: output, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null });

function weatherTrace(): TraceDetailDto {
  const spans: SpanDto[] = [
    fixtureSpan({ spanId: 'root', name: 'invoke_agent weather-assistant', kind: 'agent', agentName: 'weather-assistant', ...at(0, 400) }),
    fixtureSpan({
      spanId: 'chat1',
      parentSpanId: 'root',
      name: 'chat gpt-4o-mini',
      kind: 'llm',
      model: 'gpt-4o-mini',
      usage: usage(180, 48),
      costUsd: 0.0000549,
      costSource: 'computed',
      messages: [message('user', 'input', 'Do I need an umbrella in Paris today?'), message('assistant', 'output', null, { toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] })],
      modelCall: { temperature: 0.2, maxTokens: 256, topP: null, toolsOffered: [{ name: 'get_weather', description: 'Weather for a city', parameters: '{"type":"object"}' }], finishReasons: ['tool_calls'], timeToFirstTokenMs: 120 },
      source: { file: '/home/me/ws/agent.js', line: 65, column: 56, function: 'chat', how: 'attribute' },
      ...at(5, 160),
    }),
    fixtureSpan({
      spanId: 'tool',
      parentSpanId: 'root',
      name: 'execute_tool get_weather',
      kind: 'tool',
      status: 'error',
      tool: { name: 'get_weather', callId: 'call_1', arguments: '{"city":"Paris"}', result: null },
      error: {
        type: 'TimeoutError',
        message: 'weather service took too long',
        stacktrace: 'TimeoutError: weather service took too long\n    at getWeather (/home/me/ws/tools.js:12:9)\n    at node:internal/process/task_queues:95:5',
        stackLines: [
          { text: 'TimeoutError: weather service took too long', file: null, line: null, column: null, library: false },
          { text: '    at getWeather (/home/me/ws/tools.js:12:9)', file: '/home/me/ws/tools.js', line: 12, column: 9, library: false },
          { text: '    at node:internal/process/task_queues:95:5', file: 'node:internal/process/task_queues', line: 95, column: 5, library: true },
        ],
      },
      ...at(170, 40),
    }),
    fixtureSpan({
      spanId: 'chat2',
      parentSpanId: 'root',
      name: 'chat gpt-4o-mini',
      kind: 'llm',
      model: 'gpt-4o-mini',
      usage: usage(400, 78),
      costUsd: 0.000111,
      costSource: 'computed',
      messages: [message('user', 'input', 'Do I need an umbrella in Paris today?'), message('assistant', 'output', 'I could not reach the weather service; take one to be safe.')],
      ...at(270, 126),
    }),
  ];
  return {
    traceId: 'a'.repeat(32),
    name: 'invoke_agent weather-assistant',
    title: 'weather-assistant: Do I need an umbrella in Paris today?',
    startTime: spans[0].startTime,
    durationMs: 400,
    spanCount: spans.length,
    errorCount: 1,
    services: ['demo-agent'],
    models: ['gpt-4o-mini'],
    usage: usage(580, 126),
    costUsd: 0.0001659,
    llmCalls: 2,
    toolCalls: 1,
    orphanCount: 0,
    spans,
    warnings: [],
  } as unknown as TraceDetailDto;
}

describe('trace panel detail and layouts in Chromium', function () {
  this.timeout(120_000);
  const web = useWebviewBrowser();
  let page: Page;

  async function open(width: number, theme: 'dark' | 'light' = 'dark', checks?: CheckResultDto[], edit?: (t: TraceDetailDto) => void): Promise<Page> {
    const p = await web.open('trace', { width, theme });
    const trace = weatherTrace();
    edit?.(trace);
    const m: TraceHostMessage = { type: 'trace', trace, live: false, workspaceRoots: ['/home/me/ws'], checks };
    await hostPost(p, m);
    await p.locator('.row').first().waitFor();
    return p;
  }
  const row = (p: Page, id: string) => p.locator(`.row[data-span-id="${id}"]`);

  it("shows the agent step's rolled-up tokens and cost, and its run's input and final answer", async () => {
    page = await open(1400);
    const cells = await row(page, 'root').locator('.cell.num').allTextContents();
    assert.deepEqual(cells.map((c) => c.trim()), ['400 ms', 'Σ 706', 'Σ $0.000166']);
    assert.match((await row(page, 'root').locator('.rollup').first().getAttribute('title')) ?? '', /706 tokens in this step and the 3 steps under it/);
    await row(page, 'root').click();
    await eventually(async () => {
      assert.deepEqual(await page.locator('vscode-tab-header').allTextContents(), ['Input & output', 'Attributes']);
      assert.equal(await page.locator('.run-input').textContent(), 'Do I need an umbrella in Paris today?');
      assert.equal(await page.locator('.run-output').textContent(), 'I could not reach the weather service; take one to be safe.');
    });
  });

  it("shows a model call's parameters, finish reason, time to first token and the tools offered", async () => {
    page = await open(1400);
    await row(page, 'chat1').click();
    await eventually(async () => {
      const params = (await page.locator('.request-params').innerText()).replace(/\s+/g, ' ');
      assert.match(params, /Temperature 0\.2 Max tokens 256 Finish reason tool_calls Time to first token 120 ms/);
      assert.match(await page.locator('.tools-offered summary').first().innerText(), /1 tool offered: get_weather/);
      assert.equal((await page.locator('.source-file').textContent())?.trim(), 'agent.js:65:56', 'the path is relative to the workspace');
    });
  });

  it("shows the run's check results in the header, marks the step a check failed on, and leads to it", async () => {
    const checks: CheckResultDto[] = [
      { traceId: 'a'.repeat(32), check: 'answers in one call', kind: 'max_llm_calls', outcome: 'pass', message: '2 model calls; at most 2', spanId: null },
      { traceId: 'a'.repeat(32), check: 'weather tool works', kind: 'no_errors', outcome: 'fail', message: 'execute_tool get_weather failed: TimeoutError', spanId: 'tool' },
    ];
    page = await open(1400, 'dark', checks);
    assert.equal((await page.locator('.checks-summary').innerText()).trim(), '1 of 2 failed');
    assert.equal(await row(page, 'tool').locator('.check-failed').getAttribute('title'), 'check "weather tool works": execute_tool get_weather failed: TimeoutError');
    assert.equal(await row(page, 'chat1').locator('.check-failed').count(), 0);
    assert.ok(await page.locator('.checks-list').evaluate((el) => (el as HTMLDetailsElement).open), 'a failed check opens the list');
    await page.locator('.check-result', { hasText: 'weather tool works' }).locator('.go-to-step').click();
    await eventually(async () => {
      assert.equal(await page.locator('.row.selected').getAttribute('data-span-id'), 'tool');
      assert.match(await page.locator('.step-checks').innerText(), /✗ check weather tool works: execute_tool get_weather failed/);
    });
  });

  it('shows the evaluation results the agent sent on the step they evaluate, as text', async () => {
    const base = { source: 'log-record', spanId: 'chat2', responseId: null, time: new Date(T0).toISOString() };
    page = await open(1400, 'dark', undefined, (t) => {
      t.spans.find((x) => x.spanId === 'chat2')!.evaluations = [
        { ...base, name: 'goal_completion', scoreValue: 0.9, scoreLabel: null, explanation: null, outcome: 'info' },
        { ...base, name: 'relevance', scoreValue: 0.42, scoreLabel: 'not_relevant', explanation: '<img src=x onerror="window.__pwned=1"> talks about Lyon', outcome: 'fail' },
      ];
    });
    assert.equal(await row(page, 'chat2').locator('.check-failed', { hasText: 'eval' }).getAttribute('title'), 'evaluation "relevance" failed');
    assert.equal(await row(page, 'chat1').locator('.check-failed').count(), 0);
    await row(page, 'chat2').click();
    await eventually(async () => {
      const items = await page.locator('.step-evaluations .evaluation').allInnerTexts();
      assert.deepEqual(items.map((t) => t.replace(/\s+/g, ' ').trim()), [
        '✗ evaluation relevance 0.42 · not_relevant <img src=x onerror="window.__pwned=1"> talks about Lyon',
        '• evaluation goal_completion 0.9',
      ]);
    });
    assert.equal(await page.locator('.step-evaluations img').count(), 0, 'span content is never HTML');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  });

  it("marks the search's matches inside the selected step's messages, not only in the tree", async () => {
    page = await open(1400);
    await row(page, 'chat2').click();
    await page.keyboard.press('Control+f');
    await page.keyboard.type('take one');
    await eventually(async () => {
      assert.deepEqual(await page.locator('.bubble-text mark.search-match').allTextContents(), ['take one']);
      assert.equal(await page.locator('.bubble-text', { hasText: 'weather service' }).textContent(), 'I could not reach the weather service; take one to be safe.', 'the text around the mark is intact');
    });
  });

  it('gives a failed tool step Input, Output and Error tabs, and links its own stack frames to source', async () => {
    page = await open(1400);
    await row(page, 'tool').click();
    await eventually(async () => assert.deepEqual(await page.locator('vscode-tab-header').allTextContents(), ['Input & output', 'Error', 'Attributes']));
    await page.locator('vscode-tab-header', { hasText: 'Error' }).click();
    const links = page.locator('.frame-link');
    await eventually(async () => assert.equal(await links.count(), 2));
    assert.equal(await page.locator('.stack-line.library').count(), 1, 'the runtime frame is dimmed');
    await links.first().click();
    await eventually(async () => assert.ok((await posted(page)).some((m) => m.type === 'openStackFrame' && m.spanId === 'tool' && m.index === 1)));
  });

  it('labels the timeline with offsets, says where a bar starts on hover, and lets the column be resized', async () => {
    page = await open(1400);
    assert.deepEqual(await page.locator('.time-axis .tick').allTextContents(), ['0', '+200 ms', '+400 ms'], 'as many offsets as fit without overlapping');
    const tickBoxes = await page.locator('.time-axis .tick').evaluateAll((els) => els.map((el) => el.getBoundingClientRect()).map((r) => [r.left, r.right]));
    for (let k = 1; k < tickBoxes.length; k++) assert.ok(tickBoxes[k][0] >= tickBoxes[k - 1][1], `tick ${k} overlaps the one before`);
    assert.equal(await row(page, 'chat2').locator('.timeline').getAttribute('title'), 'starts at +270 ms · takes 126 ms');
    const before = (await row(page, 'chat2').locator('.timeline').boundingBox())!.width;
    const handle = (await page.locator('.timeline-resize').boundingBox())!;
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(handle.x - 100, handle.y + handle.height / 2, { steps: 5 });
    await page.mouse.up();
    await eventually(async () => assert.ok((await row(page, 'chat2').locator('.timeline').boundingBox())!.width >= before + 90, 'dragging left widens the timeline'));
    const bar = (await row(page, 'chat2').locator('.bar').boundingBox())!;
    const cell = (await row(page, 'chat2').locator('.timeline').boundingBox())!;
    assert.ok(bar.x + bar.width <= cell.x + cell.width + 0.5, 'the last bar ends inside the column, not clipped');
  });

  /** Cells that cut their text (scrollWidth beyond the box), among those shown. */
  async function clippedCells(p: Page, selector: string): Promise<string[]> {
    return p.locator(selector).evaluateAll((els) =>
      els.filter((el) => (el as HTMLElement).offsetParent !== null && el.scrollWidth > el.clientWidth + 1).map((el) => (el.textContent ?? '').trim()),
    );
  }

  for (const width of [700, 900, 1400]) {
    for (const theme of ['dark', 'light'] as const) {
      it(`at ${width} px (${theme}) every shown column is readable`, async () => {
        page = await open(width, theme);
        await row(page, 'chat1').click();
        await page.locator('.span-name').waitFor();
        await page.screenshot({ path: screenshotPath(`trace-panel-${width}-${theme}.png`) });
        const stacked = await page.locator('.split.stacked').count();
        assert.equal(stacked, width < 760 ? 1 : 0, 'below 760 px the details go under the steps');
        assert.deepEqual(await clippedCells(page, '.row .cell.num'), [], 'duration, tokens and cost are never cut');
        // A long name may end in an ellipsis (full text on hover); everyday names fit whole.
        assert.deepEqual((await clippedCells(page, '.row .label')).filter((t) => t.length <= 20), [], 'step names fit');
        const nameWidths = await page.locator('.row .cell.name').evaluateAll((els) => els.map((el) => el.getBoundingClientRect().width));
        // Whole pixels: the split's fractional layout can leave a column at 199.8 px.
        assert.ok(Math.round(Math.min(...nameWidths)) >= 200, `the step column keeps room for names (${Math.min(...nameWidths)} px)`);
        assert.deepEqual(await clippedCells(page, '.tree-columns > span:not(.time-axis)'), [], 'column headers fit');
        const headers = await page.locator('vscode-tab-header').evaluateAll((els) => els.map((el) => (el as HTMLElement).getBoundingClientRect().right));
        assert.ok(Math.max(...headers) <= width, 'the detail tabs are not clipped');
      });
    }
  }
});
