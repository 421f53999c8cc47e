// The setup e2e files share around recording runs, written once: the packaged extension in
// code-server on a copy of the sample agent for a describe's tests (a screenshot and the end of the
// server's log for every failed test), the trace server listening, and the Traces view.
import type { Locator, Page } from 'playwright-core';
import { openSampleWorkspace, waitFor, type Editor, type SampleWorkspace } from './codeServer';

export interface SampleSession {
  readonly editor: Editor;
  /** The temp copy of sample-agent/ opened as the workspace. */
  readonly workspace: string;
  readonly httpPort: number;
  /** The OTLP/HTTP endpoint of this editor's trace server, for the agent runs. */
  readonly endpoint: string;
  page(): Page;
}

/**
 * Opens the sample workspace (with `settings` over the test defaults) before the calling
 * `describe`'s tests and closes it after them. A failed test leaves `failed-<name>-<test title>.png`
 * and prints the end of the server log. Call it in the body of a `describe`.
 */
export function useSampleWorkspace(name: string, settings: Record<string, unknown> = {}): SampleSession {
  let sample: SampleWorkspace | undefined;
  const opened = (): SampleWorkspace => {
    if (!sample) throw new Error('useSampleWorkspace: the sample workspace is open only inside the tests');
    return sample;
  };

  before(async function () {
    this.timeout(600_000);
    sample = await openSampleWorkspace(settings);
  });
  after(async function () {
    await sample?.close();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      const title = (this.currentTest.title || 'test').replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await sample?.editor.screenshot(`failed-${name}-${title}.png`).catch(() => undefined);
      console.log(sample?.editor.serverLog().slice(-3000));
    }
  });

  return {
    get editor() { return opened().editor; },
    get workspace() { return opened().workspace; },
    get httpPort() { return opened().httpPort; },
    get endpoint() { return `http://127.0.0.1:${opened().httpPort}`; },
    page: () => opened().editor.page,
  };
}

/** The Traces view's pane in the side bar. */
export function tracesView(editor: Editor): Locator {
  const page = editor.page;
  return page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Traces/i }) }).last();
}

/** Waits until the status bar says the extension's trace server listens. */
export async function waitUntilListening(editor: Editor): Promise<void> {
  const status = editor.page.locator('.statusbar-item', { hasText: 'Agent Trace' }).first();
  await waitFor(async () => /listening/.test(await status.innerText().catch(() => '')), 60_000, () => 'the trace server never listened');
}

/** Waits until the trace server listens, then shows the Traces view. */
export async function showTracesOnceListening(editor: Editor): Promise<void> {
  await waitUntilListening(editor);
  await editor.runCommand('Agent Traces: Focus on Traces View');
}
