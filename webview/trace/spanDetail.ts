// Detail pane for one span: source link, then tabs for conversation, usage and cost, error and
// every raw attribute. Span content is untrusted: text bindings only, values pretty-printed.
import { LitElement, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { cssProps } from '../shared/cssProps';
import type { MessageDto, SpanDto } from '../../src/protocol/dto';
import type { TraceWebviewMessage } from '../../src/protocol/webviewMessages';
import { formatCost, formatCount, formatDuration, highlightSegments, prettyValue } from '../shared/format';
import { fileIcon, kindColorVar, kindIcon, kindLabel } from '../shared/icons';
import { argumentEntries, costExplanation, filterEntries, roleClass, statusBadge } from './detailModel';

export type ResolvedSource = { file: string; line: number; how: string; confidence: 'high' | 'medium' | 'low' };

const HOW: Record<string, string> = {
  attribute: 'recorded by the instrumentation',
  stackframe: 'from the stack when the span started',
  exception: "from the exception's stack trace",
  symbol: 'found by symbol search',
  text: 'found by text search',
};

@customElement('agent-span-detail')
export class SpanDetail extends LitElement {
  @property({ attribute: false }) span: SpanDto | null = null;
  /** undefined: not asked yet; null: the host looked and found nothing. */
  @property({ attribute: false }) resolved: ResolvedSource | null | undefined = undefined;
  @property({ attribute: false }) tab = 0;
  @property({ attribute: false }) post: (m: TraceWebviewMessage) => void = () => undefined;
  @state() private filter = '';
  @state() private searching = false;

  protected createRenderRoot() {
    return this;
  }

  protected willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('span')) this.searching = false;
  }

  render() {
    const s = this.span;
    if (!s) return nothing;
    const isError = s.status === 'error' || s.error !== null;
    const badge = statusBadge(s);
    return html`<div class="span-detail">
      <div class="detail-head">
        <span class="kind" style=${cssProps({ color: kindColorVar[s.kind] ?? kindColorVar.other })} title=${kindLabel[s.kind] ?? 'Step'}>${kindIcon(s.kind)}</span>
        <h2 class="span-name">${s.name}</h2>
        ${badge ? html`<vscode-badge variant="counter" class=${badge.cls}>${badge.text}</vscode-badge>` : nothing}
      </div>
      <div class="detail-meta muted">
        <span>${kindLabel[s.kind] ?? 'Step'}</span>
        <span>${formatDuration(s.durationMs)}</span>
        <span>${s.service}</span>
        ${s.model ? html`<span>${s.provider ? `${s.provider} · ` : ''}${s.model}</span>` : nothing}
        ${s.agentName ? html`<span>agent ${s.agentName}</span>` : nothing}
        ${s.level ? html`<span>level ${s.level}</span>` : nothing}
        ${s.orphaned ? html`<span>orphan: parent span ${s.parentSpanId ?? ''} is missing</span>` : nothing}
      </div>
      ${this.renderSource(s)}
      <vscode-tabs
        class="detail-tabs"
        .selectedIndex=${this.tab}
        @vsc-tabs-select=${(e: CustomEvent<{ selectedIndex: number }>) => this.dispatchEvent(new CustomEvent('tab-change', { detail: e.detail.selectedIndex, bubbles: true }))}
      >
        <vscode-tab-header slot="header">Conversation</vscode-tab-header>
        <vscode-tab-panel>${this.renderConversation(s)}</vscode-tab-panel>
        <vscode-tab-header slot="header">Usage &amp; cost</vscode-tab-header>
        <vscode-tab-panel>${this.renderUsage(s)}</vscode-tab-panel>
        <vscode-tab-header slot="header" class=${isError ? 'error-text' : ''}>Error${isError ? ' ●' : ''}</vscode-tab-header>
        <vscode-tab-panel>${this.renderError(s)}</vscode-tab-panel>
        <vscode-tab-header slot="header">Attributes</vscode-tab-header>
        <vscode-tab-panel>${this.renderAttributes(s)}</vscode-tab-panel>
      </vscode-tabs>
    </div>`;
  }

  private renderSource(s: SpanDto) {
    if (s.source) {
      const where = `${s.source.file}${s.source.line !== null ? `:${s.source.line}` : ''}${s.source.column !== null && s.source.line !== null ? `:${s.source.column}` : ''}`;
      return html`<div class="source-row">
        ${fileIcon}<span class="mono source-file">${where}</span>
        ${s.source.function ? html`<span class="muted">in ${s.source.function}</span>` : nothing}
        <span class="muted">(${HOW[s.source.how] ?? s.source.how})</span>
        <vscode-button class="open-source" @click=${() => this.post({ type: 'openSource', spanId: s.spanId })}>Open source</vscode-button>
      </div>`;
    }
    const r = this.resolved;
    if (r) {
      return html`<div class="source-row">
        ${fileIcon}<span class="mono source-file">${r.file}:${r.line}</span>
        <span class="muted">(${HOW[r.how] ?? r.how}, ${r.confidence} confidence)</span>
        <vscode-button class="open-source" @click=${() => this.post({ type: 'openSource', spanId: s.spanId })}>Open source</vscode-button>
      </div>`;
    }
    return html`<div class="source-row muted">
      <span>${r === null ? 'No matching source found in the workspace.' : this.searching ? 'Searching the workspace…' : 'No source location recorded.'}</span>
      <vscode-button
        secondary
        class="find-source"
        ?disabled=${this.searching}
        @click=${() => {
          this.searching = true;
          this.post({ type: 'resolveSource', spanId: s.spanId });
        }}
        >Find in workspace</vscode-button
      >
    </div>`;
  }

  private copyButton(text: string) {
    return html`<vscode-button secondary class="copy" title="Copy" @click=${() => this.post({ type: 'copyText', text })}>Copy</vscode-button>`;
  }

  private codeBlock(label: string, raw: string | null, cls: string) {
    if (raw === null) return html`<h2 class="section">${label}</h2><div class="muted">not recorded</div>`;
    const pretty = prettyValue(raw);
    return html`<div class="code-head"><h2 class="section">${label}</h2>${this.copyButton(pretty)}</div>
      <pre class=${cls}>${pretty}</pre>`;
  }

  private renderConversation(s: SpanDto) {
    const parts = [];
    if (s.tool) {
      parts.push(html`<div class="tool-io">
        <div class="muted">Tool <span class="mono">${s.tool.name}</span>${s.tool.callId ? html` · call <span class="mono">${s.tool.callId}</span>` : nothing}</div>
        ${this.codeBlock('Arguments', s.tool.arguments, 'tool-arguments')} ${this.codeBlock('Result', s.tool.result, 'tool-result')}
      </div>`);
    }
    const args = argumentEntries(s);
    if (args.length) {
      parts.push(html`<h2 class="section">Arguments</h2>
        <table class="kv function-arguments">
          <tbody>
            ${args.map(([k, v]) => html`<tr><td class="key">${k}</td><td><pre>${prettyValue(v)}</pre></td></tr>`)}
          </tbody>
        </table>`);
    }
    if (s.messages.length) parts.push(html`<div class="chat">${s.messages.map((m) => this.renderMessage(m))}</div>`);
    if (!parts.length) return html`<div class="empty">No messages or tool input recorded for this step.</div>`;
    return parts;
  }

  private renderMessage(m: MessageDto) {
    return html`<div class="bubble ${roleClass(m.role)} ${m.direction}">
      <div class="bubble-role">
        ${m.role}${m.name ? html` <span class="muted">${m.name}</span>` : nothing}
        ${m.toolCallId ? html` <span class="muted">for call <span class="mono">${m.toolCallId}</span></span>` : nothing}
        <span class="muted direction">${m.direction}</span>
      </div>
      ${m.content !== null && m.content !== '' ? html`<div class="bubble-text">${m.content}</div>` : nothing}
      ${m.toolCalls.map(
        (tc) => html`<div class="tool-call">
          <div class="tool-call-head">calls <span class="mono">${tc.name}</span>${tc.id ? html` <span class="muted mono">${tc.id}</span>` : nothing}</div>
          <pre class="tool-call-arguments">${prettyValue(tc.arguments)}</pre>
        </div>`,
      )}
    </div>`;
  }

  private renderUsage(s: SpanDto) {
    const u = s.usage;
    const row = (label: string, v: number | null) => html`<tr><td class="key">${label}</td><td>${formatCount(v)}</td></tr>`;
    return html`<table class="kv usage">
        <tbody>
          ${row('Input tokens', u.inputTokens)} ${row('Output tokens', u.outputTokens)} ${row('Cache read tokens', u.cacheReadTokens)}
          ${row('Cache write tokens', u.cacheWriteTokens)} ${row('Reasoning tokens', u.reasoningTokens)}
        </tbody>
      </table>
      <h2 class="section">Cost</h2>
      <div class="cost"><span class="cost-value">${formatCost(s.costUsd)}</span> <span class="muted">${costExplanation(s)}</span></div>
      ${s.model || s.modelRaw ? html`<div class="muted">Model ${s.model ?? ''}${s.modelRaw && s.modelRaw !== s.model ? ` (reported as ${s.modelRaw})` : ''}</div>` : nothing}`;
  }

  private renderError(s: SpanDto) {
    const exceptions = s.events.filter((e) => e.name === 'exception');
    if (!s.error && s.status !== 'error' && !exceptions.length) return html`<div class="empty">No error.</div>`;
    return html`<div class="error-block">
      ${s.error
        ? html`<div class="error-text error-message">${s.error.type ? html`<strong>${s.error.type}</strong>: ` : nothing}${s.error.message}</div>
            ${s.error.stacktrace ? html`<h2 class="section">Stack trace</h2><pre class="stacktrace">${s.error.stacktrace}</pre>` : nothing}`
        : nothing}
      ${s.statusMessage ? html`<div class="muted">Status: ${s.statusMessage}</div>` : nothing}
    </div>`;
  }

  private kvTable(title: string, entries: [string, unknown][], total: number) {
    return html`<h2 class="section">${title} <span class="muted">${entries.length === total ? total : `${entries.length} of ${total}`}</span></h2>
      ${entries.length
        ? html`<table class="kv attrs">
            <tbody>
              ${entries.map(
                ([k, v]) => html`<tr>
                  <td class="key">${highlightSegments(k, this.filter).map((p) => (p.match ? html`<mark>${p.text}</mark>` : p.text))}</td>
                  <td><pre>${prettyValue(v)}</pre></td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : html`<div class="muted">none</div>`}`;
  }

  private renderAttributes(s: SpanDto) {
    const f = this.filter;
    const attrs = Object.entries(s.attributes);
    const res = Object.entries(s.resourceAttributes);
    const identity: [string, unknown][] = [
      ['traceId', s.traceId],
      ['spanId', s.spanId],
      ['parentSpanId', s.parentSpanId],
      ['spanKind', s.spanKind],
      ['status', s.statusMessage ? `${s.status}: ${s.statusMessage}` : s.status],
      ['startTime', s.startTime],
      ['convention', s.convention],
      ['operation', s.operation],
      ['scope', `${s.scope.name} ${s.scope.version}`.trim()],
      ['sessionId', s.sessionId],
    ];
    return html`<vscode-textfield
        class="attr-filter"
        placeholder="Filter keys and values"
        aria-label="Filter attributes"
        .value=${f}
        @input=${(e: Event) => (this.filter = (e.target as HTMLElement & { value: string }).value)}
      ></vscode-textfield>
      ${this.kvTable('Span', filterEntries(identity, f), identity.length)}
      ${this.kvTable('Attributes', filterEntries(attrs, f), attrs.length)}
      ${this.kvTable('Resource attributes', filterEntries(res, f), res.length)}
      <h2 class="section">Events <span class="muted">${s.events.length}</span></h2>
      ${s.events.length
        ? s.events.map((ev) => {
            const entries = filterEntries(Object.entries(ev.attributes), f);
            return html`<div class="event"><span class="mono">${ev.name}</span> <span class="muted">${ev.time}</span></div>
              ${entries.length ? html`<table class="kv attrs"><tbody>${entries.map(([k, v]) => html`<tr><td class="key">${k}</td><td><pre>${prettyValue(v)}</pre></td></tr>`)}</tbody></table>` : nothing}`;
          })
        : html`<div class="muted">none</div>`}
      ${s.links.length
        ? html`<h2 class="section">Links</h2>
            ${s.links.map((l) => html`<div class="mono">${l.traceId} / ${l.spanId}</div>`)}`
        : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'agent-span-detail': SpanDetail;
  }
}
