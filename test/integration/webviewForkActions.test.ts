// The trace panel's "Re-run from this step…" and "Edit and re-send" in real Chromium (standalone
// harness, the host's CSP): on an LLM step only, and each tells the host which step.
import { strict as assert } from 'node:assert';
import type { TraceDetailDto } from '../../src/protocol/dto';
import { fixtureSpan } from '../webview/fixtures';
import { eventually } from '../support/waitUntil';
import { hostPost, posted, useWebviewBrowser } from '../support/webviewHarness';

function trace(): TraceDetailDto {
  const spans = [
    fixtureSpan({ spanId: 'root', name: 'agent run', kind: 'agent' }),
    fixtureSpan({ spanId: 'chat', parentSpanId: 'root', name: 'chat gpt-4o-mini', kind: 'llm', model: 'gpt-4o-mini' }),
    fixtureSpan({ spanId: 'tool', parentSpanId: 'root', name: 'execute_tool get_weather', kind: 'tool' }),
  ];
  return { traceId: 'a'.repeat(32), name: 'agent run', startTime: spans[0]!.startTime, durationMs: 1000, spanCount: 3, errorCount: 0, services: ['demo'], models: ['gpt-4o-mini'],
    usage: { inputTokens: null, outputTokens: null, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null }, costUsd: null, llmCalls: 1, toolCalls: 1, orphanCount: 0, spans, warnings: [] } as unknown as TraceDetailDto;
}

describe('trace panel: re-run and re-send actions in Chromium', function () {
  this.timeout(120_000);
  const web = useWebviewBrowser();

  it('an LLM step offers both actions and posts its span id; a tool step offers neither', async () => {
    const page = await web.open('trace', { width: 1400 });
    await hostPost(page, { type: 'trace', trace: trace(), live: false, workspaceRoots: [] });
    const stepActions = async () => (await posted(page)).filter((p) => p.type === 'rerunFromStep' || p.type === 'editAndResend');

    await page.locator('.row[data-span-id="tool"]').click();
    await page.locator('.span-detail .span-name', { hasText: 'get_weather' }).waitFor();
    assert.equal(await page.locator('.step-actions').count(), 0);

    await page.locator('.row[data-span-id="chat"]').click();
    await page.locator('vscode-button.rerun-from-step').click();
    await page.locator('vscode-button.edit-resend').click();
    await eventually(async () => assert.deepEqual(await stepActions(), [{ type: 'rerunFromStep', spanId: 'chat' }, { type: 'editAndResend', spanId: 'chat' }]));
  });
});
