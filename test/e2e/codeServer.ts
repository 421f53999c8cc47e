// A real VS Code for the e2e tests: code-server (installed by scripts/setup-e2e.sh) with its
// own user data, extensions and XDG folders in a temp dir, opened in Debian's Chromium through
// playwright-core. Nothing here touches a developer's own editor, settings or ports.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Frame, type Locator, type Page } from 'playwright-core';

/** The command palette's input label (VS Code's), to tell it from the quick pick a command opens next. */
const PALETTE_INPUT_LABEL = 'Type the name of a command to run.';
import { freePort, REPO } from './helpers';

export const CODE_SERVER_BIN = path.join(REPO, '.cache', 'code-server', 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.AGENT_TRACE_CHROMIUM || '/usr/bin/chromium';
export const RESULTS_DIR = path.join(REPO, 'test-results');

/** PATH with the project's Node 24 first: code-server and its extension host need it. */
export function node24Env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${path.join(REPO, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`, ...extra };
}

/** The packaged extension: AGENT_TRACE_VSIX, else the newest *.vsix in the repo root. */
export function findVsix(): string | null {
  if (process.env.AGENT_TRACE_VSIX) return process.env.AGENT_TRACE_VSIX;
  const files = fs
    .readdirSync(REPO)
    .filter((f) => f.endsWith('.vsix'))
    .map((f) => path.join(REPO, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  return files[0] ?? null;
}

/** Builds the .vsix with `npm run package` when none exists (or AGENT_TRACE_REPACKAGE=1). */
export function ensureVsix(): string {
  let vsix = findVsix();
  if (!vsix || process.env.AGENT_TRACE_REPACKAGE === '1') {
    const r = spawnSync('npm', ['run', 'package'], { cwd: REPO, env: node24Env(), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm run package failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    vsix = findVsix();
  }
  if (!vsix) throw new Error('npm run package produced no .vsix in the repo root');
  return vsix;
}

export interface EditorOptions {
  /** Folder to open as the workspace. */
  workspace: string;
  /** The .vsix to install ('' for a bare editor). */
  vsix: string;
  /** Extra user settings (merged over the test defaults). */
  settings?: Record<string, unknown>;
}

export class Editor {
  readonly dialogs: string[] = [];
  private constructor(
    readonly root: string,
    readonly port: number,
    readonly settingsFile: string,
    private readonly server: ChildProcess,
    readonly browser: Browser,
    readonly context: BrowserContext,
    readonly page: Page,
    readonly serverLog: () => string,
  ) {
    page.on('dialog', (d) => {
      this.dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss();
    });
  }

  static async start(options: EditorOptions): Promise<Editor> {
    if (!fs.existsSync(CODE_SERVER_BIN)) throw new Error(`code-server is not installed: run bash scripts/setup-e2e.sh (${CODE_SERVER_BIN})`);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-trace-e2e-'));
    const userData = path.join(root, 'user-data');
    const extensions = path.join(root, 'extensions');
    const settingsFile = path.join(userData, 'User', 'settings.json');
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    fs.mkdirSync(extensions, { recursive: true });
    writeSettings(settingsFile, {
      'workbench.colorTheme': 'Default Dark Modern',
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      'workbench.enableExperiments': false,
      'security.workspace.trust.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'extensions.ignoreRecommendations': true,
      'chat.disableAIFeatures': true,
      'window.restoreWindows': 'none',
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'terminal.integrated.suggest.enabled': false,
      'files.hotExit': 'off',
      ...options.settings,
    });
    const env = node24Env({
      XDG_CONFIG_HOME: path.join(root, 'xdg-config'),
      XDG_DATA_HOME: path.join(root, 'xdg-data'),
      XDG_CACHE_HOME: path.join(root, 'xdg-cache'),
    });
    const common = ['--user-data-dir', userData, '--extensions-dir', extensions];

    if (options.vsix) {
      const install = spawnSync(CODE_SERVER_BIN, [...common, '--install-extension', options.vsix, '--force'], { env, encoding: 'utf8', timeout: 120_000 });
      if (install.status !== 0) throw new Error(`installing ${options.vsix} failed:\n${install.stdout}\n${install.stderr}`);
    }

    const port = await freePort();
    let log = '';
    const server = spawn(
      CODE_SERVER_BIN,
      [
        ...common,
        '--auth', 'none',
        '--bind-addr', `127.0.0.1:${port}`,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        options.workspace,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    server.stdout?.on('data', (d) => (log += d));
    server.stderr?.on('data', (d) => (log += d));
    await waitFor(async () => {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`);
        return r.ok;
      } catch {
        return false;
      }
    }, 60_000, () => `code-server did not answer on :${port}\n${log}`);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    const editor = new Editor(root, port, settingsFile, server, browser, context, page, () => log);
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(options.workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    return editor;
  }

  /** Merges settings into the user settings file; code-server's watcher applies them. */
  updateSettings(settings: Record<string, unknown>): void {
    const current = JSON.parse(fs.readFileSync(this.settingsFile, 'utf8')) as Record<string, unknown>;
    writeSettings(this.settingsFile, { ...current, ...settings });
  }

  /** A quick-input row whose label is exactly `label` (not just the first fuzzy match). */
  quickPickRow(label: string) {
    const exact = exactText(label);
    return this.page.locator('.quick-input-list .monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: exact }) }).first();
  }

  /** Runs a command through the palette (F1), by its title as shown there. */
  async runCommand(title: string): Promise<void> {
    const page = this.page;
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(`>${title}`);
    const row = this.quickPickRow(title);
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    // The palette has closed once its input is gone, or shows another quick pick (a command that
    // asks something next, e.g. "Compare Batches…": the widget is reused with a new label).
    await page.locator(`.quick-input-widget input[aria-label="${PALETTE_INPUT_LABEL}"]`).waitFor({ state: 'hidden', timeout: 15_000 });
  }

  /**
   * Right-clicks `target` and chooses the context-menu item labelled exactly `label`; resolves
   * once the menu has closed (the command started). In full e2e runs VS Code's menu sometimes
   * swallows Playwright's first click on an item (the menu stays open, item highlighted, nothing
   * runs), so while the menu is still open the highlighted item is chosen again with Enter, the
   * keyboard path a user would take. Each fallback is logged so it stays visible.
   */
  async chooseContextMenuItem(target: Locator, label: string): Promise<void> {
    const page = this.page;
    await target.click({ button: 'right' });
    const exact = exactText(label);
    const item = page.locator('.monaco-menu .action-item', { has: page.locator('.action-label', { hasText: exact }) }).first();
    await item.waitFor({ timeout: 15_000 });
    await item.click();
    const menu = page.locator('.monaco-menu');
    let attempts = 0;
    await waitFor(async () => {
      if ((await menu.count()) === 0 || !(await menu.first().isVisible().catch(() => false))) return true;
      attempts += 1;
      if (attempts % 8 === 0) {
        console.log(`context menu still open after choosing "${label}": choosing it with Enter`);
        await item.hover().catch(() => undefined);
        await page.keyboard.press('Enter');
      }
      return false;
    }, 15_000, () => `the context menu stayed open after choosing "${label}"`);
  }

  /** Picks a color theme the way a user does: F1 → Preferences: Color Theme → its label. */
  async pickColorTheme(label: string): Promise<void> {
    const page = this.page;
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill('>Preferences: Color Theme');
    await this.quickPickRow('Preferences: Color Theme').click();
    const theme = this.quickPickRow(label);
    await theme.waitFor({ timeout: 15_000 });
    await theme.click();
    await input.waitFor({ state: 'hidden', timeout: 15_000 });
  }

  /**
   * The webview frame whose document contains `selector`. Webviews in code-server are nested
   * iframes (host iframe → active-frame), so every frame of the page is searched.
   */
  async findFrame(selector: string, timeoutMs = 30_000): Promise<Frame> {
    let found: Frame | null = null;
    await waitFor(async () => {
      for (const frame of this.page.frames()) {
        try {
          if ((await frame.locator(selector).count()) > 0) {
            found = frame;
            return true;
          }
        } catch {
          // A frame that navigated or detached while we looked.
        }
      }
      return false;
    }, timeoutMs, () => `no frame contains ${selector}; frames: ${this.page.frames().map((f) => f.url()).join(', ')}`);
    return found!;
  }

  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, name);
    await this.page.screenshot({ path: file });
    return file;
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    if (this.server.pid && this.server.exitCode === null) {
      // code-server forks its extension host and our trace server: end the whole group it leads.
      try {
        process.kill(-this.server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          try {
            process.kill(-this.server.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
          resolve();
        }, 5_000);
        this.server.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    if (process.env.AGENT_TRACE_KEEP_E2E !== '1') fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** A regex matching exactly `label` (for hasText, which otherwise matches substrings). */
function exactText(label: string): RegExp {
  return new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

function writeSettings(file: string, settings: Record<string, unknown>): void {
  fs.writeFileSync(file, JSON.stringify(settings, null, 2));
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, message: () => string, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A temp copy of sample-agent/ as a workspace; node_modules links to the repo's. */
export function copySampleAgent(sampleAgentDir: string): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-trace-ws-'));
  fs.cpSync(sampleAgentDir, ws, { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) });
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(ws, 'node_modules'), 'dir');
  return ws;
}

export interface SampleWorkspace {
  editor: Editor;
  workspace: string;
  httpPort: number;
  grpcPort: number;
  close(): Promise<void>;
}

/**
 * The packaged extension in a fresh code-server on a temp copy of sample-agent/, with OTLP
 * ports of its own (never a developer's running Agent Trace). The setup every e2e file shares.
 */
export async function openSampleWorkspace(settings: Record<string, unknown> = {}): Promise<SampleWorkspace> {
  const vsix = ensureVsix();
  const { buildSampleAgentLib, SAMPLE_AGENT } = await import('./helpers');
  await buildSampleAgentLib();
  const workspace = copySampleAgent(SAMPLE_AGENT);
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const editor = await Editor.start({
    workspace,
    vsix,
    settings: { 'agentTrace.otlp.httpPort': httpPort, 'agentTrace.otlp.grpcPort': grpcPort, ...settings },
  });
  return {
    editor,
    workspace,
    httpPort,
    grpcPort,
    close: async () => {
      await editor.close();
      fs.rmSync(workspace, { recursive: true, force: true });
    },
  };
}
