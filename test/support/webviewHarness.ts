// The Chromium side of the webview tests, written once: the standalone harness
// (test/webview/server.ts: the bundles, a fake acquireVsCodeApi, the host's strict CSP) and one
// Chromium for a suite, a page per test opened on a panel once it said "ready", and the two ends
// of the fake postMessage channel. Screenshots go to test-results/ (ignored by git).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { CompareHostMessage } from '../../src/protocol/compare';
import type { FleetHostMessage, RedactionHostMessage, TraceHostMessage } from '../../src/protocol/webviewMessages';
import { chromiumLaunchOptions, startHarness, type Harness } from '../webview/server';
import type { ThemeName } from '../webview/themes';

export type WebviewPanelName = Parameters<Harness['pageUrl']>[0];

/** What the extension host sends the panels the harness serves. */
export type HostMessage = TraceHostMessage | RedactionHostMessage | CompareHostMessage | FleetHostMessage;

/** A message the page posted to the (fake) extension host. */
export interface PostedMessage {
  type: string;
  [key: string]: unknown;
}

export interface OpenOptions {
  theme?: ThemeName;
  /** Viewport, 1280 × 800 unless given. */
  width?: number;
  height?: number;
  /** Saved webview state the page starts from (what getState returns). */
  state?: unknown;
}

export interface WebviewBrowser {
  /** Messages of dialogs (alert, confirm) the page last opened raised; each was dismissed. */
  readonly dialogs: string[];
  /** Uncaught errors in the page last opened. */
  readonly pageErrors: string[];
  /** A new page on `panel`, once the panel has posted "ready"; closed after the test. */
  open(panel: WebviewPanelName, options?: OpenOptions): Promise<Page>;
}

const SCREENSHOTS = resolve(__dirname, '../../test-results');

/** Where a screenshot named `name` (e.g. "trace-dark.png") is saved. */
export function screenshotPath(name: string): string {
  return join(SCREENSHOTS, name);
}

/**
 * Starts the harness and Chromium before the calling `describe`'s tests and closes them after;
 * pages opened through it are closed after each test. Call it in the body of a `describe`.
 */
export function useWebviewBrowser(): WebviewBrowser {
  let harness: Harness | undefined;
  let browser: Browser | undefined;
  let pages: Page[] = [];
  let dialogs: string[] = [];
  let pageErrors: string[] = [];

  before(async () => {
    harness = await startHarness();
    browser = await chromium.launch(chromiumLaunchOptions);
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterEach(async () => {
    const open = pages;
    pages = [];
    for (const p of open) await p.close();
  });
  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  return {
    get dialogs() { return dialogs; },
    get pageErrors() { return pageErrors; },
    async open(panel, { theme = 'dark', width = 1280, height = 800, state } = {}) {
      if (!browser || !harness) throw new Error('useWebviewBrowser: open() runs inside a test, after the before hook');
      const p = await browser.newPage({ viewport: { width, height } });
      pages.push(p);
      dialogs = [];
      pageErrors = [];
      p.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      p.on('pageerror', (e) => pageErrors.push(e.message));
      await p.goto(harness.pageUrl(panel, theme, state));
      await p.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
      return p;
    },
  };
}

/** Delivers `message` to the page as the extension host would. Sent as one JSON string: Playwright serializes a large object graph far slower than a string. */
export async function hostPost(page: Page, message: HostMessage): Promise<void> {
  await page.evaluate((json) => (window as unknown as { __hostPost(m: unknown): void }).__hostPost(JSON.parse(json)), JSON.stringify(message));
}

/** Every message the page has posted to the host so far, oldest first. */
export function posted(page: Page): Promise<PostedMessage[]> {
  return page.evaluate(() => (window as unknown as { __posted: PostedMessage[] }).__posted);
}
