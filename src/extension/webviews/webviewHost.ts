// Base for every webview panel: strict CSP with a nonce, resource roots limited to the bundle
// and media, no command URIs, a ready handshake (messages wait until the page says `ready`),
// and no retained context: the page keeps its own state with getState/setState and the host
// re-sends its data on every `ready` (a hidden panel's page is discarded and rebuilt).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';

export interface WebviewHostOptions {
  viewType: string;
  title: string;
  /** Bundle in dist/webview, e.g. "trace.js". */
  script: string;
  /** Optional stylesheets in media/ (included when present). */
  styles?: string[];
  column?: vscode.ViewColumn;
  /** Open without taking the focus (a preview opened by a single click in a view). */
  preserveFocus?: boolean;
}

export function nonce(): string {
  return randomBytes(18).toString('base64url');
}

export function contentSecurityPolicy(cspSource: string, n: string): string {
  return [
    `default-src 'none'`,
    `script-src 'nonce-${n}'`,
    `style-src ${cspSource} 'unsafe-inline'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export abstract class WebviewHost<HostMsg extends { type: string }, PageMsg extends { type: string }> implements vscode.Disposable {
  readonly panel: vscode.WebviewPanel;
  private ready = false;
  private queue: HostMsg[] = [];
  protected readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  constructor(
    protected readonly extensionUri: vscode.Uri,
    private readonly options: WebviewHostOptions,
  ) {
    const bundleRoot = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    const mediaRoot = vscode.Uri.joinPath(extensionUri, 'media');
    this.panel = vscode.window.createWebviewPanel(
      options.viewType,
      options.title,
      { viewColumn: options.column ?? vscode.ViewColumn.Active, preserveFocus: options.preserveFocus === true },
      {
        enableScripts: true,
        enableCommandUris: false,
        enableForms: false,
        retainContextWhenHidden: false,
        localResourceRoots: [bundleRoot, mediaRoot],
      },
    );
    this.panel.iconPath = vscode.Uri.joinPath(mediaRoot, 'agent-trace.svg');
    this.panel.webview.html = this.html();
    this.disposables.push(
      this.panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      this.panel.onDidChangeViewState(() => {
        // A hidden page is torn down; wait for the rebuilt page's `ready` before posting again.
        if (!this.panel.visible) this.ready = false;
      }),
      this.panel.onDidDispose(() => this.dispose()),
    );
  }

  private html(): string {
    const webview = this.panel.webview;
    const n = nonce();
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', this.options.script));
    const styles = (this.options.styles ?? [])
      .filter((s) => existsSync(vscode.Uri.joinPath(this.extensionUri, 'media', s).fsPath))
      .map((s) => `<link rel="stylesheet" href="${webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', s))}">`)
      .join('\n    ');
    return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(webview.cspSource, n)}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${styles}
    <title>${escapeHtml(this.options.title)}</title>
  </head>
  <body>
    <div id="app"></div>
    <script nonce="${n}" src="${script}"></script>
  </body>
</html>`;
  }

  /** Posts now when the page is ready, otherwise when it next says `ready`. */
  protected post(message: HostMsg): void {
    if (this.disposed) return;
    if (!this.ready) {
      this.queue.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  /** Drops queued messages of one type (e.g. an older `trace` superseded by a newer one). */
  protected dropQueued(type: HostMsg['type']): void {
    this.queue = this.queue.filter((m) => m.type !== type);
  }

  private receive(raw: unknown): void {
    if (!raw || typeof raw !== 'object' || typeof (raw as { type?: unknown }).type !== 'string') return;
    const message = raw as PageMsg;
    if (message.type === 'ready') {
      this.ready = true;
      this.onReady();
      const pending = this.queue;
      this.queue = [];
      for (const m of pending) void this.panel.webview.postMessage(m);
      return;
    }
    Promise.resolve(this.onMessage(message)).catch((err: unknown) => {
      void vscode.window.showErrorMessage(`Agent Trace: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  /** Called on every `ready` (first load and after the page was rebuilt): post the current data. */
  protected abstract onReady(): void;
  protected abstract onMessage(message: PageMsg): void | Promise<void>;

  get isDisposed(): boolean {
    return this.disposed;
  }

  reveal(preserveFocus = false): void {
    this.panel.reveal(undefined, preserveFocus);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
