// The trace panel's "Exact request" / "Exact response" tabs in real Chromium (standalone harness,
// the host's CSP): a step without captured content still shows the recorded call, bodies are text
// (an HTML-looking body is not rendered), JSON is pretty-printed, a stream reads as it travelled.
import { strict as assert } from 'node:assert';
import type { RecordedCallDto, TraceDetailDto } from '../../src/protocol/dto';
import { fixtureSpan } from '../webview/fixtures';
import { eventually } from '../support/waitUntil';
import { hostPost, useWebviewBrowser } from '../support/webviewHarness';

const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

function traceWithRecording(): TraceDetailDto {
  const sse = `data: {"choices":[{"delta":{"content":"${HOSTILE.replace(/"/g, '\\"')}"}}]}\n\ndata: [DONE]\n\n`;
  const recording: RecordedCallDto = {
    id: 7,
    link: { confidence: 'high', reason: 'time window, model and messages' },
    provider: 'openai',
    method: 'POST',
    path: '/v1/chat/completions',
    upstream: 'https://api.openai.com/v1/chat/completions',
    status: 200,
    error: null,
    streamed: true,
    startTime: '2026-12-02T00:00:00.000Z',
    durationMs: 840,
    timeToFirstByteMs: 312,
    request: { headers: { authorization: '[not stored]', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: HOSTILE }] }), bytes: 120, truncated: false },
    response: { headers: { 'content-type': 'text/event-stream' }, body: sse, bytes: sse.length, truncated: false },
  };
  const spans = [
    fixtureSpan({ spanId: 'root', name: 'agent run', kind: 'agent' }),
    // No messages: the instrumentation captured no content.
    fixtureSpan({ spanId: 'chat', parentSpanId: 'root', name: 'chat gpt-4o-mini', kind: 'llm', model: 'gpt-4o-mini', recording }),
  ];
  return { traceId: 'a'.repeat(32), name: 'agent run', startTime: spans[0]!.startTime, durationMs: 1000, spanCount: 2, errorCount: 0, services: ['demo'], models: ['gpt-4o-mini'],
    usage: { inputTokens: null, outputTokens: null, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null }, costUsd: null, llmCalls: 1, toolCalls: 0, orphanCount: 0, spans, warnings: [] } as unknown as TraceDetailDto;
}

describe('trace panel: the recording proxy tabs in Chromium', function () {
  this.timeout(120_000);
  const web = useWebviewBrowser();

  it('shows the exact request and response of a step with no captured content, as text', async () => {
    const page = await web.open('trace', { width: 1400 });
    await hostPost(page, { type: 'trace', trace: traceWithRecording(), live: false, workspaceRoots: [] });
    await page.locator('.row[data-span-id="chat"]').click();
    await eventually(async () => assert.deepEqual(await page.locator('vscode-tab-header').allTextContents(), ['Conversation', 'Usage & cost', 'Exact request', 'Exact response', 'Attributes']));

    await page.locator('vscode-tab-header', { hasText: 'Exact request' }).click();
    const request = page.locator('vscode-tab-panel:visible .recorded-call');
    await eventually(async () => {
      assert.equal((await request.locator('.recorded-head').textContent())?.trim(), 'POST /v1/chat/completions → https://api.openai.com/v1/chat/completions');
      assert.equal(await request.locator('.recorded-link').textContent(), 'Linked with high confidence (time window, model and messages)');
      const body = await request.locator('.recorded-body').textContent();
      assert.ok(body?.includes(`"content": ${JSON.stringify(HOSTILE)}`), 'pretty-printed JSON, the HTML kept as text');
      assert.match(await request.locator('.recorded-headers').innerText(), /authorization\s+\[not stored\]/);
    });

    await page.locator('vscode-tab-header', { hasText: 'Exact response' }).click();
    const response = page.locator('vscode-tab-panel:visible .recorded-call');
    await eventually(async () => {
      assert.match((await response.locator('.recorded-head').textContent()) ?? '', /^200 · streamed \(server-sent events, chunks concatenated\) · 840 ms · first byte after 312 ms/);
      assert.equal(await response.locator('.recorded-body').textContent(), traceWithRecording().spans[1]!.recording!.response.body, 'the stream exactly as it travelled');
    });
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no element made from the body');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  });
});
