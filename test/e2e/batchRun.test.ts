// "Agent Trace: Run Batch…" in a real VS Code (code-server + Chromium) with the packaged
// extension: with no run command set, the command says so and offers to set it; the command typed
// there (the sample agent against its mock model, the third input made to exit 1 after its run)
// is saved in the workspace settings, the inputs file is picked from the workspace, N, C and the
// tag are asked, the end message counts the runs done and the failing one, and its "Open Fleet
// View" opens the fleet view on that batch with its three runs. Then a batch whose runs hang
// (the run command sleeps for the tag e2e-cancel, standing for a slow agent) is cancelled from
// its progress notification: no run is left, none starts after, and the end message says so.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { waitFor, type Editor } from './codeServer';
import { useSampleWorkspace } from './session';

const INPUTS = [
  { route: 'weather', question: 'Do I need an umbrella in Paris today?' },
  { route: 'refunds', question: 'Can I get a refund for my umbrella?' },
  { route: 'weather', question: 'Do I need a coat in Lyon today?' },
];
const TAG = 'e2e-batch';
// The shell runs the agent, then fails the run of the third input (index 2) after it has exported
// its trace. Runs of the batch tagged e2e-cancel first sleep for ten minutes (a hanging agent): the
// sleep holds the run's output pipe, so the run only ends when its whole process group is stopped.
const CANCEL_TAG = 'e2e-cancel';
const RUN_COMMAND = `if [ "$AGENT_TRACE_BATCH" = ${CANCEL_TAG} ]; then sleep 600; fi; node agent.js && test "$AGENT_TRACE_INPUT_INDEX" != 2`;

describe('Run Batch… in VS Code (code-server + Chromium)', function () {
  this.timeout(300_000);

  const sample = useSampleWorkspace('batch-run');
  const editor = (): Editor => sample.editor;

  before(() => {
    fs.writeFileSync(path.join(sample.workspace, 'inputs.jsonl'), INPUTS.map((i) => JSON.stringify(i)).join('\n') + '\n');
  });

  const page = sample.page;
  const toast = (text: RegExp) => page().locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  const input = () => page().locator('.quick-input-widget input');

  /** Types into the open input box once its title is shown, and accepts. */
  async function answer(title: RegExp, value: string | null): Promise<void> {
    await page().locator('.quick-input-widget', { hasText: title }).waitFor({ timeout: 15_000 });
    if (value !== null) await input().fill(value);
    await page().keyboard.press('Enter');
  }

  it('with no run command set, offers to set it, saves it for the workspace, runs the batch and counts the failing run', async () => {
    const status = page().locator('.statusbar-item', { hasText: 'Agent Trace' }).first();
    await waitFor(async () => /listening/.test(await status.innerText().catch(() => '')), 60_000, () => 'the trace server never listened');
    await editor().runCommand('Agent Trace: Run Batch…');
    const offer = toast(/set agentTrace\.run\.command/);
    await offer.waitFor({ timeout: 15_000 });
    await offer.locator('.monaco-button', { hasText: 'Set Run Command' }).click();
    await answer(/the command that runs your agent/, RUN_COMMAND);

    await page().locator('.quick-input-widget', { hasText: /the inputs file/ }).waitFor({ timeout: 15_000 });
    await editor().quickPickRow('inputs.jsonl').click();
    await answer(/how many runs/, null); // the default: one run per input
    await answer(/how many runs at a time/, null); // the default, 2
    await answer(/the batch tag/, TAG);

    const done = toast(new RegExp(`Batch ${TAG}: 3 of 3 runs done, 1 failed \\(run 3: exit 1\\)`));
    await done.waitFor({ timeout: 120_000 });
    await editor().screenshot('batch-run-done.png');
    const settings = JSON.parse(fs.readFileSync(path.join(sample.workspace, '.vscode', 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(settings['agentTrace.run.command'], RUN_COMMAND, 'the typed command is saved in the workspace settings');

    await done.locator('.monaco-button', { hasText: 'Open Fleet View' }).click();
    const fleet = await editor().findFrame('agent-fleet-app .runs-count');
    let shown = '';
    await waitFor(
      async () => (shown = `${await fleet.locator('.batch-label').innerText().catch(() => '')} ${await fleet.locator('.runs-count').innerText().catch(() => '')}`) === `agent_trace.batch = ${TAG} 3 runs`,
      60_000,
      () => `the fleet view shows: ${shown}`,
    );
    await editor().screenshot('batch-run-fleet.png');
  });

  it('Cancel in the progress notification stops the running runs and starts no more', async () => {
    await editor().runCommand('Agent Trace: Run Batch…');
    await page().locator('.quick-input-widget', { hasText: /the inputs file/ }).waitFor({ timeout: 15_000 });
    await editor().quickPickRow('inputs.jsonl').click();
    await answer(/how many runs/, '5');
    await answer(/how many runs at a time/, '2');
    await answer(/the batch tag/, CANCEL_TAG);
    const progress = toast(new RegExp(`Agent Trace: batch ${CANCEL_TAG}`));
    await progress.waitFor({ timeout: 15_000 });
    await progress.hover(); // a progress toast shows its buttons on hover too
    await progress.locator('.monaco-button', { hasText: 'Cancel' }).click();
    const done = toast(new RegExp(`Batch ${CANCEL_TAG} cancelled: 0 of 5 runs done, none failed, 2 stopped, 3 not started\\.`));
    await done.waitFor({ timeout: 60_000 });
    await editor().screenshot('batch-run-cancelled.png');
  });
});
