// Standalone harness for the webview bundles: builds them with esbuild into a temp folder and
// serves a page that fakes acquireVsCodeApi, on 127.0.0.1 with an ephemeral port.
// Page: /harness?panel=trace|redaction&theme=dark|light
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { bodyClass, themeCss, type ThemeName } from './themes';

const root = resolve(__dirname, '../..');

/** Builds both webview bundles like esbuild.config.mjs does (browser, IIFE, es2022). */
export async function buildWebviews(outdir: string, minify = false): Promise<void> {
  await esbuild.build({
    entryPoints: { trace: join(root, 'webview/trace/main.ts'), redaction: join(root, 'webview/redaction/main.ts'), compare: join(root, 'webview/compare/main.ts'), fleet: join(root, 'webview/fleet/main.ts') },
    outdir,
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    minify,
    sourcemap: false,
    loader: { '.css': 'text' },
    logLevel: 'warning',
  });
}

export interface Harness {
  url: string;
  pageUrl(panel: 'trace' | 'redaction' | 'compare' | 'fleet', theme?: ThemeName, state?: unknown): string;
  close(): Promise<void>;
}

export async function startHarness(opts: { minify?: boolean } = {}): Promise<Harness> {
  const outdir = mkdtempSync(join(tmpdir(), 'agent-trace-webview-'));
  await buildWebviews(outdir, opts.minify ?? false);
  const template = readFileSync(join(__dirname, 'harness.html'), 'utf8');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/harness') {
      const asked = url.searchParams.get('panel');
      const panel = asked === 'redaction' || asked === 'compare' || asked === 'fleet' ? asked : 'trace';
      const theme: ThemeName = url.searchParams.get('theme') === 'light' ? 'light' : 'dark';
      const nonce = randomBytes(16).toString('base64');
      const page = template
        .replaceAll('{{nonce}}', nonce)
        .replace('{{themeCss}}', themeCss(theme))
        .replace('{{bodyClass}}', bodyClass(theme))
        // Saved webview state to start from (what getState returns), JSON kept inert inside <script>.
        .replace('{{initialState}}', (url.searchParams.get('state') ?? 'undefined').replace(/[^\w{}[\]":,.\-\s]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
        .replace('{{bundle}}', `${panel}.js`);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page);
      return;
    }
    const m = /^\/bundle\/(trace|redaction|compare|fleet)\.js$/.exec(url.pathname);
    if (m) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(readFileSync(join(outdir, `${m[1]}.js`)));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    pageUrl: (panel, theme = 'dark', state) =>
      `${url}/harness?panel=${panel}&theme=${theme}${state === undefined ? '' : `&state=${encodeURIComponent(JSON.stringify(state))}`}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      rmSync(outdir, { recursive: true, force: true });
    },
  };
}

/** Launch options for Debian's Chromium with playwright-core (no browser download). */
export const chromiumLaunchOptions = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
};
