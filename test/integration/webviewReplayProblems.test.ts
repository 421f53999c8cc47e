// Replay and resend problems on a step (issue 10, "Bad input") in real Chromium (standalone
// harness, the host's CSP): the step's row carries a marker with the problems in its tooltip, the
// detail lists them under who ran them (this call in a forked run, a re-run or a resend started
// here), and a message quoting the upstream stays text (an HTML-looking one makes no element).
import { strict as assert } from 'node:assert';
import type { StepProblemDto, TraceDetailDto } from '../../src/protocol/dto';
import { fixtureSpan } from '../webview/fixtures';
import { eventually } from '../support/waitUntil';
import { hostPost, useWebviewBrowser } from '../support/webviewHarness';

const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

const problem = (over: Partial<StepProblemDto>): StepProblemDto => ({
  origin: 'fork', scope: 'started-here', kind: 'unmatched', message: '', time: '2026-12-02T08:00:00.000Z', sessionId: 'sess1', ...over,
});

function trace(): TraceDetailDto {
  const spans = [
    fixtureSpan({ spanId: 'root', name: 'agent run', kind: 'agent' }),
    fixtureSpan({
      spanId: 'chat1', parentSpanId: 'root', name: 'chat gpt-4o-mini', kind: 'llm', model: 'gpt-4o-mini',
      problems: [problem({ scope: 'call', kind: 'shape-changed', message: 'Call 1 asks for model gpt-4o; the recording used gpt-4o-mini.' })],
    }),
    fixtureSpan({
      spanId: 'chat2', parentSpanId: 'root', name: 'chat gpt-4o-mini', kind: 'llm', model: 'gpt-4o-mini',
      problems: [
        problem({ kind: 'upstream', message: 'Call 2 of the forked run (live, /v1/chat/completions) was answered 500 by the upstream: mock: the model is overloaded' }),
        problem({ kind: 'fork-not-reached', message: 'The new run did not reach the fork point (recorded call 2): the edit was not applied.' }),
        problem({ origin: 'resend', kind: 'upstream', sessionId: 'b'.repeat(32), time: '2026-12-02T09:00:00.000Z', message: `The re-sent call was answered 401 by the upstream: ${HOSTILE}` }),
      ],
    }),
    fixtureSpan({ spanId: 'tool', parentSpanId: 'root', name: 'execute_tool get_weather', kind: 'tool' }),
  ];
  return { traceId: 'a'.repeat(32), name: 'agent run', startTime: spans[0]!.startTime, durationMs: 1000, spanCount: 4, errorCount: 0, services: ['demo'], models: ['gpt-4o-mini'],
    usage: { inputTokens: null, outputTokens: null, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null }, costUsd: null, llmCalls: 2, toolCalls: 1, orphanCount: 0, spans, warnings: [] } as unknown as TraceDetailDto;
}

describe('trace panel: replay problems on the step in Chromium', function () {
  this.timeout(120_000);
  const web = useWebviewBrowser();

  it('marks the rows that have problems and lists them in the detail, as text', async () => {
    const page = await web.open('trace', { theme: 'light', width: 1400 });
    await hostPost(page, { type: 'trace', trace: trace(), live: false, workspaceRoots: [] });

    const mark = (id: string) => page.locator(`.row[data-span-id="${id}"] .mark.replay-problem`);
    await eventually(async () => {
      assert.equal(await mark('chat1').textContent(), '⚠ replay');
      assert.equal(await mark('chat2').textContent(), '⚠ replay');
      assert.equal(await mark('tool').count(), 0, 'a step without problems has no marker');
      assert.equal(await mark('root').count(), 0);
    });
    assert.equal(await mark('chat1').getAttribute('title'), 'request changed shape: Call 1 asks for model gpt-4o; the recording used gpt-4o-mini.');
    assert.match((await mark('chat2').getAttribute('title')) ?? '', /^upstream failed: Call 2 .* answered 500[^\n]*\nfork point not reached: [^\n]*\nupstream failed: The re-sent call was answered 401/);

    await page.locator('.row[data-span-id="chat1"]').click();
    const section = page.locator('.span-detail .step-problems');
    await eventually(async () => {
      assert.deepEqual(await section.locator('.problem-title').allTextContents(), ['⚠ This call in the forked run']);
      assert.deepEqual(await section.locator('.problem-kind').allTextContents(), ['request changed shape']);
    });

    await page.locator('.row[data-span-id="chat2"]').click();
    await eventually(async () => {
      const titles = await section.locator('.problem-title').allTextContents();
      assert.equal(titles.length, 2);
      assert.match(titles[0]!, /^⚠ Edit and re-send \(2026-12-02 \d\d:00:00\)$/, 'the newest first');
      assert.match(titles[1]!, /^⚠ Re-run from this step \(2026-12-02 \d\d:00:00\)$/);
      assert.deepEqual(await section.locator('.problem-group').nth(1).locator('.problem-kind').allTextContents(), ['upstream failed', 'fork point not reached']);
      assert.equal(await section.locator('.problem-group').nth(0).locator('.problem-message').textContent(), `The re-sent call was answered 401 by the upstream: ${HOSTILE}`);
    });
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no element made from the message');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.ok(await section.isVisible(), 'shown above the tabs without scrolling');

    await page.locator('.row[data-span-id="tool"]').click();
    await page.locator('.span-detail .span-name', { hasText: 'get_weather' }).waitFor();
    assert.equal(await section.count(), 0);
  });
});
