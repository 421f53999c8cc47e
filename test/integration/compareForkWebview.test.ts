// The compare panel on a fork and its original (issue 10), in real Chromium through the standalone
// webview harness: the compare and the pair diff come from the real CompareService over a real
// SQLite store holding both traces and the proxy's recorded calls. The agent's spans (and the
// answers) of the two runs are the same; only the exact request at the fork step differs. The
// panel must open on the fork step ("edited at fork"), show the system-prompt change line by line
// as text (the edited prompt is hostile markup), say when the original step has no recording, and
// show a replaced response as the edit.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { canonicalize } from '../../src/core/canonicalize';
import { FORK_OF_ATTRIBUTE, FORK_STEP_ATTRIBUTE } from '../../src/core/replay';
import { CompareService } from '../../src/server/compareService';
import { SYNTHESIZED_UPSTREAM } from '../../src/server/proxy/replaySession';
import type { NewRecording } from '../../src/store/recordings';
import { TraceStore } from '../../src/store/traceStore';
import { HOSTILE_TEXT } from '../webview/fixtures';
import { hostPost, posted, screenshotPath, useWebviewBrowser } from '../support/webviewHarness';
import { rawSpan, tempDir } from './storeFixtures';

const BASE_MS = 1_764_000_000_000;
const SYSTEM = 'You are a weather assistant.\nToday is Monday.';
const EDITED_SYSTEM = `You are a weather assistant.\n${HOSTILE_TEXT}`;
const ANSWER = 'Sunny in Paris.';

const enc = new TextEncoder();
const spanIdOf = (trace: number, n: number) => `${trace}${n}`.padStart(16, '0');
const traceIdOf = (trace: number) => String(trace).repeat(32).slice(0, 32);

interface Run {
  traceId: string;
  steps: [string, string];
}

/**
 * A two-step agent run: the same spans every time (same messages, same answers), plus the
 * proxy's recorded call for each step whose request carries `systems[i]` (none where null).
 */
function writeRun(store: TraceStore, trace: number, systems: [string | null, string | null], opts: { forkOf?: Run; forkAt?: 0 | 1; replacedAt?: number; replacement?: string } = {}): Run {
  const traceId = traceIdOf(trace);
  const root = spanIdOf(trace, 1);
  const steps: [string, string] = [spanIdOf(trace, 2), spanIdOf(trace, 3)];
  const resource: Record<string, string> = { 'service.name': 'weather-agent' };
  if (opts.forkOf) Object.assign(resource, { [FORK_OF_ATTRIBUTE]: opts.forkOf.traceId, [FORK_STEP_ATTRIBUTE]: opts.forkOf.steps[opts.forkAt ?? 1] });
  const chat = (spanId: string, startMs: number, ask: string) =>
    rawSpan({
      traceId, spanId, parentSpanId: root, name: 'chat gpt-4o-mini', kind: 'client', startMs, endMs: startMs + 50, resource,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: ask }] }]),
        'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: ANSWER }] }]),
      },
    });
  store.writeBatch({
    spans: [rawSpan({ traceId, spanId: root, name: 'agent run', startMs: 0, endMs: 500, resource }), chat(steps[0], 10, 'Weather in Paris?'), chat(steps[1], 100, 'And tomorrow?')],
    logs: [],
  });
  const recordings: NewRecording[] = [];
  systems.forEach((system, i) => {
    if (system === null) return;
    const startMs = BASE_MS + (i === 0 ? 12 : 102);
    const request = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: system }, { role: 'user', content: i === 0 ? 'Weather in Paris?' : 'And tomorrow?' }] });
    const answer = opts.replacedAt === i ? opts.replacement! : ANSWER;
    const response = JSON.stringify({ id: 'c', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }] });
    recordings.push({
      startedMs: startMs, firstByteMs: startMs + 5, endedMs: startMs + 40, provider: 'openai', method: 'POST', path: '/v1/chat/completions',
      upstream: opts.replacedAt === i ? SYNTHESIZED_UPSTREAM : 'http://127.0.0.1:1/v1/chat/completions', model: 'gpt-4o-mini', traceId, parentSpanId: steps[i], status: 200, error: null,
      streamed: false,
      request: { headers: {}, body: enc.encode(request), bytes: request.length, truncated: false },
      response: { headers: {}, body: enc.encode(response), bytes: response.length, truncated: false },
    });
  });
  if (recordings.length) store.recordings.insert(recordings);
  return { traceId, steps };
}

describe('compare webview on a fork pair, in Chromium', function () {
  this.timeout(120_000);
  const web = useWebviewBrowser();
  let page: Page;
  let tmp: ReturnType<typeof tempDir>;
  let store: TraceStore;
  let service: CompareService;

  beforeEach(() => {
    tmp = tempDir();
    store = TraceStore.open(join(tmp.dir, 'traces.db'), { canonicalize: (s) => canonicalize(s) });
    service = new CompareService(store);
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });

  /** Opens the panel on the compare of (a, b) and answers its request for the selected pair's differences. */
  async function openCompare(a: Run, b: Run): Promise<Page> {
    const p = await web.open('compare', { height: 900 });
    const compared = service.compare(a.traceId, b.traceId);
    assert.ok(compared.ok);
    await hostPost(p, { type: 'compare', result: compared.result });
    await p.locator('.row').first().waitFor();
    await p.waitForFunction(`window.__posted.some((m) => m.type === 'requestPairDiff')`);
    const request = (await posted(p)).find((m) => m.type === 'requestPairDiff')!;
    const [spanIdA, spanIdB] = [String(request.spanIdA), String(request.spanIdB)];
    await hostPost(p, { type: 'pairDiff', spanIdA, spanIdB, diff: service.pair(a.traceId, spanIdA, b.traceId, spanIdB) });
    await p.locator('.fork-edit').waitFor();
    return p;
  }

  it('opens on the fork step, "edited at fork", with the system-prompt change as text', async () => {
    const original = writeRun(store, 1, [SYSTEM, SYSTEM]);
    const fork = writeRun(store, 2, [SYSTEM, EDITED_SYSTEM], { forkOf: original });
    page = await openCompare(original, fork);

    assert.equal((await page.locator('.summary').textContent())?.replace(/\s+/g, ' ').trim(), 'run B diverges at step 3: the fork edited the model call (`gpt-4o-mini`): system prompt changed');
    assert.equal(await page.locator('.row.selected').getAttribute('data-step'), '3', 'opened at the fork step');
    assert.equal(await page.locator('.row.fork-step').count(), 1);
    assert.equal(await page.locator('.row.fork-step .fork-mark').getAttribute('title'), 'Edited at fork');
    assert.equal((await page.locator('.fork-notice').textContent())?.replace(/\s+/g, ' ').trim(), 'Run B is a fork of run A, edited at step 3.');
    assert.match((await page.locator('.detail-header h2').textContent()) ?? '', /^Step 3 · edited at fork$/);

    const edit = page.locator('.fork-edit');
    assert.equal(await edit.locator('h3').textContent(), 'Edited at fork: system prompt changed');
    const system = edit.locator('.fork-section[data-section="system"]');
    assert.equal(await system.locator('h4').textContent(), 'Exact request · system prompt (run A → run B)');
    assert.deepEqual(await system.locator('.del').allTextContents(), ['Today is Monday.']);
    assert.deepEqual(await system.locator('.ins').allTextContents(), [HOSTILE_TEXT], 'the edited prompt, markup and all, as text');
    assert.equal(await edit.locator('.fork-section').count(), 1, 'only the system prompt differs');
    assert.equal(await edit.locator('.fork-unchanged').textContent(), 'Same in both exact requests: model, messages, tools, parameters');
    await page.screenshot({ path: screenshotPath('compare-fork-dark.png') });

    assert.equal(await page.locator('agent-compare-app img').count(), 0, 'no img element from the request body');
    assert.equal(await page.locator('agent-compare-app script').count(), 0);
    assert.equal(await page.locator('agent-compare-app a').count(), 0, 'no link from the markdown in it');
    assert.equal(await page.evaluate(`window.__pwned`), undefined, 'no injected script ran');
    assert.deepEqual(web.dialogs, []);
    assert.deepEqual(web.pageErrors, []);
    assert.deepEqual(await page.evaluate(`window.__cspViolations`), []);

    // The fork notice's link goes back to the fork step from elsewhere.
    await page.locator('.row[data-step="1"]').click();
    await page.locator('.fork-step-link').click();
    assert.equal(await page.locator('.row.selected').getAttribute('data-step'), '3');
  });

  it('says so when the original step has no exact request recorded (the proxy was off), instead of a diff', async () => {
    const original = writeRun(store, 3, [SYSTEM, null]);
    const fork = writeRun(store, 4, [SYSTEM, EDITED_SYSTEM], { forkOf: original });
    page = await openCompare(original, fork);
    assert.match((await page.locator('.summary').textContent())?.trim() ?? '', /: the fork edited the model call \(`gpt-4o-mini`\): no exact request recorded for the original step$/);
    const edit = page.locator('.fork-edit');
    assert.match((await edit.locator('.fork-note').textContent()) ?? '', /^No exact request recorded for the original step/);
    assert.equal(await edit.locator('.fork-section').count(), 0, 'no diff pretended');
  });

  it('a replacement response: the response side is shown as the edit', async () => {
    const original = writeRun(store, 5, [SYSTEM, SYSTEM]);
    const fork = writeRun(store, 6, [SYSTEM, SYSTEM], { forkOf: original, forkAt: 0, replacedAt: 0, replacement: 'Rainy in Paris (a replacement).' });
    page = await openCompare(original, fork);
    assert.equal(await page.locator('.row.selected').getAttribute('data-step'), '2', 'the fork step (step 1 of the agent) is the first divergence');
    const edit = page.locator('.fork-edit');
    assert.equal(await edit.locator('h3').textContent(), 'Edited at fork: the response was replaced');
    const response = edit.locator('.fork-section[data-section="response"]');
    assert.equal(await response.locator('h4').textContent(), 'Response: recorded → replacement (run A → run B)');
    assert.deepEqual([await response.locator('.del').allTextContents(), await response.locator('.ins').allTextContents()], [[ANSWER], ['Rainy in Paris (a replacement).']]);
    assert.equal(await edit.locator('.fork-same').textContent(), 'The exact requests sent are the same.');
  });
});
