// "Re-run from this step…" in a real VS Code (code-server + Chromium) with the packaged extension:
// the recording proxy is on (upstream: the mock OpenAI), the sample agent's run is recorded
// through it; on its second model call the user chooses "Re-run from this step…", picks "System
// prompt", edits it in the JSON document that opens, and runs the agent again (the run command
// from agentTrace.run.command). Step 1 is served from the recording (the mock counts zero calls
// for it), the new trace carries the fork attributes, and the compare panel opens on the pair.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { SpanDto, TraceDetailDto } from '../../src/protocol/dto';
import { startMockOpenAi, type MockOpenAi } from '../support/mockOpenAi';
import { cliJson, cliJsonLines } from '../support/serverProcess';
import { openSampleWorkspace, waitFor, type Editor, type SampleWorkspace } from './codeServer';
import { freePort, NODE24, runSampleAgent } from './helpers';

const ORIGINAL_TAIL = 'Use tools when useful.';
const EDITED_TAIL = 'Answer in one word.';

describe('Re-run from this step in VS Code (code-server + Chromium)', function () {
  this.timeout(300_000);

  let editor: Editor;
  let workspace: string;
  let httpPort: number;
  let proxyPort: number;
  let sample: SampleWorkspace | undefined;
  let mock: MockOpenAi;
  let db: string;
  let original: string;
  let step2: SpanDto;

  before(async function () {
    this.timeout(600_000);
    mock = await startMockOpenAi();
    proxyPort = await freePort();
    sample = await openSampleWorkspace({
      'agentTrace.proxy.enabled': true,
      'agentTrace.proxy.port': proxyPort,
      'agentTrace.proxy.upstreams.openai': mock.baseUrl,
      // The sample agent takes its model URL from SAMPLE_AGENT_MODEL_URL (never OPENAI_BASE_URL, see agent.js).
      'agentTrace.run.command': `SAMPLE_AGENT_MODEL_URL="$OPENAI_BASE_URL" ${JSON.stringify(NODE24)} agent.js`,
    });
    ({ editor, workspace, httpPort } = sample);
    // The editor's own per-user database (XDG_DATA_HOME is inside its temp root): the CLI reads it too.
    db = path.join(editor.root, 'xdg-data', 'agent-trace', 'traces.db');
  });

  after(async function () {
    await sample?.close();
    await mock?.close();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await editor?.screenshot(`failed-fork-${(this.currentTest.title || 'test').replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`).catch(() => undefined);
      console.log(editor?.serverLog().slice(-3000));
    }
  });

  const page = () => editor.page;
  const llmSteps = (d: TraceDetailDto): SpanDto[] =>
    d.spans.filter((s) => s.kind === 'llm' && !s.duplicateOf).sort((a, b) => (BigInt(a.startUnixNanos) < BigInt(b.startUnixNanos) ? -1 : 1));

  it('records a run of the sample agent through the recording proxy', async () => {
    const status = page().locator('.statusbar-item', { hasText: 'Agent Trace' }).first();
    await waitFor(async () => /listening/.test(await status.innerText().catch(() => '')), 60_000, () => 'the trace server never listened');
    await waitFor(async () => (await fetch(`http://127.0.0.1:${proxyPort}/`).then((r) => r.status).catch(() => 0)) > 0, 60_000, () => 'the proxy never listened');
    const run = await runSampleAgent(workspace, `http://127.0.0.1:${httpPort}`, { SAMPLE_AGENT_MODEL_URL: `http://127.0.0.1:${proxyPort}/v1` });
    assert.equal(run.code, 0, run.stderr);
    original = run.traceId!;
    assert.equal(mock.requests.length, 2);
    let seen = 'nothing yet';
    await waitFor(() => {
      try {
        const steps = llmSteps(cliJson<TraceDetailDto>(['show', original, '--db', db]));
        seen = `${steps.length} LLM steps, ${steps.filter((s) => s.recording).length} with a recording`;
        if (steps.length === 2 && steps.every((s) => s.recording)) step2 = steps[1]!;
        return step2 !== undefined;
      } catch (err) {
        seen = (err as Error).message.slice(0, 500);
        return false;
      }
    }, 30_000, () => `the run and its recordings never reached the store: ${seen}`);
  });

  it('"Re-run from this step…" with an edited system prompt replays step 1, runs the agent, and opens the compare on the pair', async () => {
    await editor.runCommand('Agent Traces: Focus on Traces View');
    const tracesPane = page().locator('.pane', { has: page().locator('.pane-header', { hasText: /Traces/i }) }).last();
    await tracesPane.locator('.monaco-list-row', { hasText: 'weather-assistant' }).first().click();
    const panel = await editor.findFrame(`agent-trace-app .row[data-span-id="${step2.spanId}"]`);
    await panel.locator(`.row[data-span-id="${step2.spanId}"]`).click();
    const rerun = panel.locator('vscode-button.rerun-from-step');
    await rerun.waitFor({ timeout: 15_000 });
    await rerun.click();

    await editor.quickPickRow('System prompt').click();
    // The recorded request opens as JSON; the system prompt is edited with Find and Replace.
    const text = page().locator('.editor-instance .view-lines', { hasText: ORIGINAL_TAIL }).first();
    await text.waitFor({ timeout: 30_000 });
    await text.click();
    await page().keyboard.press('Control+H');
    const find = page().locator('.find-widget textarea[aria-label="Find"], .find-widget input[aria-label="Find"]').first();
    await find.waitFor({ timeout: 15_000 });
    await find.fill(ORIGINAL_TAIL);
    const replace = page().locator('.find-widget textarea[aria-label="Replace"], .find-widget input[aria-label="Replace"]').first();
    await replace.fill(EDITED_TAIL);
    await page().keyboard.press('Control+Alt+Enter');
    await page().locator('.editor-instance .view-lines', { hasText: EDITED_TAIL }).first().waitFor({ timeout: 15_000 });
    await page().keyboard.press('Escape');

    const upstreamBefore = mock.requests.length;
    await editor.runCommand('Agent Trace: Re-run the Agent from the Step with This Edit');

    const compare = await editor.findFrame('agent-compare-app .compare-app .summary', 120_000);
    await waitFor(async () => /diverges at step/.test(await compare.locator('.summary').innerText().catch(() => '')), 60_000, () => 'the compare never said where the runs part');
    assert.equal(mock.requests.length - upstreamBefore, 1, 'only the forked step went to the upstream: zero calls for step 1');
    const sent = mock.requests.at(-1) as { messages: Array<{ role: string; content: string }> };
    assert.match(sent.messages[0]!.content, /Answer in one word\./, 'the edited system prompt reached the model');

    // The compare is on the original (A) and the fork (B), which names the original and the step.
    const ids = cliJsonLines<{ traceId: string }>(['list', '--db', db]).map((t) => t.traceId).filter((id) => id !== original);
    const forks = ids.map((id) => cliJson<TraceDetailDto>(['show', id, '--db', db])).filter((d) =>
      d.spans.some((s) => !s.parentSpanId && s.resourceAttributes['agent_trace.fork.of'] === original && s.resourceAttributes['agent_trace.fork.step'] === step2.spanId),
    );
    assert.equal(forks.length, 1, 'one trace marked as the fork');
    assert.match(await compare.locator('.summary').innerText(), /run B diverges at step \d+: /);
    await editor.screenshot('fork-compare.png');
  });
});
