// Detail pane for one span: source link, then tabs for conversation, usage and cost, error and
// every raw attribute. Span content is untrusted: text bindings only, values pretty-printed.
import { LitElement, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { cssProps } from '../shared/cssProps';
import type { CheckResultDto, MessageDto, ModelCallDto, RecordedCallDto, SpanDto } from '../../src/protocol/dto';
import type { TraceWebviewMessage } from '../../src/protocol/webviewMessages';
import { formatCost, formatCount, formatDuration, highlightSegments, prettyValue } from '../shared/format';
import { fileIcon, kindColorVar, kindIcon, kindLabel } from '../shared/icons';
import { argumentEntries, costExplanation, detailTabs, evaluationLines, filterEntries, localAndUtc, problemGroups, recordedBodyText, recordedSizeNote, recordingLinkLabel, roleClass, shownTab, statusBadge, workspaceRelative, type DetailTabKey } from './detailModel';
import type { RunIO } from './treeModel';

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
  /** The kind of tab the user last chose; a step without it shows its first tab. */
  @property({ attribute: false }) tab: DetailTabKey = 'conversation';
  /** A parent step's run input and output (null for other steps). */
  @property({ attribute: false }) runIO: RunIO | null = null;
  @property({ attribute: false }) workspaceRoots: string[] = [];
  /** The step tree's search: its matches are marked in messages, tool input and output too. */
  @property({ attribute: false }) query = '';
  /** The run's check results about this step. */
  @property({ attribute: false }) checks: CheckResultDto[] = [];
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
    const badge = statusBadge(s);
    const tabs = detailTabs(s, this.runIO !== null);
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
      ${s.kind === 'llm'
        ? html`<div class="step-actions">
            <vscode-button secondary class="rerun-from-step" title="Run the agent again: earlier calls answered from the recording, this one with your edit" @click=${() => this.post({ type: 'rerunFromStep', spanId: s.spanId })}>Re-run from this step…</vscode-button>
            <vscode-button secondary class="edit-resend" title="Open this call's request as JSON, edit it and send it again" @click=${() => this.post({ type: 'editAndResend', spanId: s.spanId })}>Edit and re-send</vscode-button>
          </div>`
        : nothing}
      ${this.renderProblems(s)}
      ${this.checks.length
        ? html`<ul class="step-checks">
            ${this.checks.map(
              (c) => html`<li class=${c.outcome === 'pass' ? 'muted' : 'error-text'}>${c.outcome === 'pass' ? '✓' : '✗'} check <strong>${c.check}</strong>: ${c.message}</li>`,
            )}
          </ul>`
        : nothing}
      ${this.renderEvaluations(s)}
      <vscode-tabs
        class="detail-tabs"
        .selectedIndex=${shownTab(tabs, this.tab)}
        @vsc-tabs-select=${(e: CustomEvent<{ selectedIndex: number }>) => {
          const key = tabs[e.detail.selectedIndex]?.key;
          if (key) this.dispatchEvent(new CustomEvent('tab-change', { detail: key, bubbles: true }));
        }}
      >
        ${tabs.map(
          (t) => html`<vscode-tab-header slot="header" class=${t.key === 'error' ? 'error-text' : ''}>${t.label}</vscode-tab-header>
            <vscode-tab-panel>${this.renderTab(t.key, s)}</vscode-tab-panel>`,
        )}
      </vscode-tabs>
    </div>`;
  }

  /** What went wrong replaying or re-sending around this step (issue 10), as text: messages may quote the upstream. */
  private renderProblems(s: SpanDto) {
    const groups = problemGroups(s.problems);
    if (!groups.length) return nothing;
    return html`<section class="step-problems" aria-label="Replay problems">
      ${groups.map(
        (g) => html`<div class="problem-group">
          <div class="problem-title">⚠ ${g.title}</div>
          <ul>
            ${g.items.map((i) => html`<li class="problem problem-${i.kind}"><span class="problem-kind">${i.label}</span> <span class="problem-message">${i.message}</span></li>`)}
          </ul>
        </div>`,
      )}
    </section>`;
  }

  /** Evaluation results the agent sent about this step: name, score, label and explanation, as text. */
  private renderEvaluations(s: SpanDto) {
    const lines = evaluationLines(s.evaluations);
    if (!lines.length) return nothing;
    return html`<ul class="step-evaluations" aria-label="Evaluations">
      ${lines.map(
        (l) => html`<li class="evaluation outcome-${l.outcome} ${l.outcome === 'fail' ? 'error-text' : ''}">
          <span class=${l.outcome === 'fail' ? '' : 'muted'}>${l.mark}</span> evaluation <strong class="evaluation-name">${l.name}</strong>
          ${l.score ? html`<span class="evaluation-score">${l.score}</span>` : nothing}
          ${l.explanation ? html`<span class="evaluation-explanation muted">${l.explanation}</span>` : nothing}
        </li>`,
      )}
    </ul>`;
  }

  private renderTab(key: DetailTabKey, s: SpanDto) {
    switch (key) {
      case 'conversation':
        return this.renderConversation(s);
      case 'io':
        return s.tool ? this.renderToolIO(s) : this.renderRunIO();
      case 'usage':
        return this.renderUsage(s);
      case 'error':
        return this.renderError(s);
      case 'attributes':
        return this.renderAttributes(s);
      case 'exactRequest':
      case 'exactResponse':
        return s.recording ? this.renderRecorded(s.recording, key === 'exactRequest' ? 'request' : 'response') : nothing;
    }
  }

  /** The recording proxy's copy of the call: headers (credentials never stored) and the body, as text. */
  private renderRecorded(r: RecordedCallDto, side: 'request' | 'response') {
    const b = r[side];
    const headers = Object.entries(b.headers).sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0));
    const head = side === 'request'
      ? `${r.method} ${r.path} → ${r.upstream}`
      : `${r.status ?? 'no status'}${r.streamed ? ' · streamed (server-sent events, chunks concatenated)' : ''} · ${formatDuration(r.durationMs)}` +
        (r.timeToFirstByteMs !== null ? ` · first byte after ${formatDuration(r.timeToFirstByteMs)}` : '');
    return html`<div class="recorded-call">
      <div class="recorded-head">${head}</div>
      <div class="muted recorded-link">${recordingLinkLabel(r)}</div>
      ${r.error ? html`<div class="error-text recorded-error">${r.error}</div>` : nothing}
      <table class="kv attrs recorded-headers"><tbody>${headers.map(([k, v]) => html`<tr><td class="key">${k}</td><td><pre>${v}</pre></td></tr>`)}</tbody></table>
      <div class="muted recorded-size">${recordedSizeNote(b)}</div>
      <pre class="recorded-body">${recordedBodyText(b)}</pre>
    </div>`;
  }

  private renderSource(s: SpanDto) {
    if (s.source) {
      const where = `${workspaceRelative(s.source.file, this.workspaceRoots)}${s.source.line !== null ? `:${s.source.line}` : ''}${s.source.column !== null && s.source.line !== null ? `:${s.source.column}` : ''}`;
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
        ${fileIcon}<span class="mono source-file" title=${r.file}>${workspaceRelative(r.file, this.workspaceRoots)}:${r.line}</span>
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

  /** Text with the tree search's matches marked (text nodes only). */
  private marked(text: string) {
    return highlightSegments(text, this.query).map((p) => (p.match ? html`<mark class="search-match">${p.text}</mark>` : p.text));
  }

  private copyButton(text: string) {
    return html`<vscode-button secondary class="copy" title="Copy" @click=${() => this.post({ type: 'copyText', text })}>Copy</vscode-button>`;
  }

  private codeBlock(label: string, raw: string | null, cls: string) {
    if (raw === null) return html`<h2 class="section">${label}</h2><div class="muted">not recorded</div>`;
    const pretty = prettyValue(raw);
    return html`<div class="code-head"><h2 class="section">${label}</h2>${this.copyButton(pretty)}</div>
      <pre class=${cls}>${this.marked(pretty)}</pre>`;
  }

  private renderToolIO(s: SpanDto) {
    const tool = s.tool!;
    return html`<div class="tool-io">
      <div class="muted">Tool <span class="mono">${tool.name}</span>${tool.callId ? html` · call <span class="mono">${tool.callId}</span>` : nothing}</div>
      ${this.codeBlock('Input', tool.arguments, 'tool-arguments')} ${this.codeBlock('Output', tool.result, 'tool-result')}
    </div>`;
  }

  /** A parent step: what the run was asked and what it answered, and which step each came from. */
  private renderRunIO() {
    const io = this.runIO;
    if (!io) return html`<div class="empty">No input or output recorded for this step.</div>`;
    const from = (name: string | null) => (name ? html` <span class="muted run-io-from">from ${name}</span>` : nothing);
    return html`<div class="run-io">
      <h2 class="section">Input${from(io.inputFrom)}</h2>
      ${io.input !== null ? html`<pre class="run-input">${this.marked(prettyValue(io.input))}</pre>` : html`<div class="muted">not recorded</div>`}
      <h2 class="section">Output${from(io.outputFrom)}</h2>
      ${io.output !== null ? html`<pre class="run-output">${this.marked(prettyValue(io.output))}</pre>` : html`<div class="muted">not recorded</div>`}
    </div>`;
  }

  private renderConversation(s: SpanDto) {
    const parts = [];
    if (s.modelCall) parts.push(this.renderModelCall(s.modelCall));
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
    else if (s.kind === 'llm' || s.kind === 'embedding') parts.push(html`<div class="empty">No messages recorded: the instrumentation may need content capture turned on.</div>`);
    if (!parts.length) return html`<div class="empty">No messages or input recorded for this step.</div>`;
    return parts;
  }

  /** Request parameters, finish reasons, time to first token and the tools offered to the model. */
  private renderModelCall(c: ModelCallDto) {
    const rows: [string, string][] = [];
    if (c.temperature !== null) rows.push(['Temperature', String(c.temperature)]);
    if (c.topP !== null) rows.push(['Top p', String(c.topP)]);
    if (c.maxTokens !== null) rows.push(['Max tokens', formatCount(c.maxTokens)]);
    if (c.finishReasons.length) rows.push([c.finishReasons.length === 1 ? 'Finish reason' : 'Finish reasons', c.finishReasons.join(', ')]);
    if (c.timeToFirstTokenMs !== null) rows.push(['Time to first token', formatDuration(c.timeToFirstTokenMs)]);
    const tools = c.toolsOffered ?? [];
    if (!rows.length && !tools.length) return nothing;
    return html`<div class="model-call">
      ${rows.length ? html`<dl class="request-params">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>` : nothing}
      ${tools.length
        ? html`<details class="tools-offered">
            <summary>${tools.length} ${tools.length === 1 ? 'tool' : 'tools'} offered: ${tools.map((t) => t.name).join(', ')}</summary>
            ${tools.map(
              (t) => html`<details>
                <summary><span class="mono">${t.name}</span>${t.description ? html` <span class="muted">${t.description}</span>` : nothing}</summary>
                ${t.parameters ? html`<pre>${prettyValue(t.parameters)}</pre>` : html`<div class="muted">no parameters recorded</div>`}
              </details>`,
            )}
          </details>`
        : nothing}
    </div>`;
  }

  private renderMessage(m: MessageDto) {
    return html`<div class="bubble ${roleClass(m.role)} ${m.direction}">
      <div class="bubble-role">
        ${m.role}${m.name ? html` <span class="muted">${m.name}</span>` : nothing}
        ${m.toolCallId ? html` <span class="muted">for call <span class="mono">${m.toolCallId}</span></span>` : nothing}
        <span class="muted direction">${m.direction}</span>
      </div>
      ${m.content !== null && m.content !== '' ? (roleClass(m.role) === 'role-tool' ? html`<pre class="bubble-text tool-result">${this.marked(prettyValue(m.content))}</pre>` : html`<div class="bubble-text">${this.marked(m.content)}</div>`) : nothing}
      ${m.toolCalls.map(
        (tc) => html`<div class="tool-call">
          <div class="tool-call-head">calls <span class="mono">${tc.name}</span>${tc.id ? html` <span class="muted mono">${tc.id}</span>` : nothing}</div>
          <pre class="tool-call-arguments">${this.marked(prettyValue(tc.arguments))}</pre>
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
            ${s.error.stacktrace ? html`<h2 class="section">Stack trace</h2>${this.renderStack(s)}` : nothing}`
        : nothing}
      ${s.statusMessage ? html`<div class="muted">Status: ${s.statusMessage}</div>` : nothing}
    </div>`;
  }

  /** Each frame of the stack trace links to its line (files outside the workspace open only after asking). */
  private renderStack(s: SpanDto) {
    const lines = s.error?.stackLines;
    if (!lines?.length) return html`<pre class="stacktrace">${s.error?.stacktrace ?? ''}</pre>`;
    return html`<div class="stacktrace stack-lines">
      ${lines.map((l, index) =>
        l.file
          ? html`<div class="stack-line ${l.library ? 'library' : ''}">
              <button class="link-button frame-link" title=${`Open ${l.file}${l.line !== null ? `:${l.line}` : ''}`} @click=${() => this.post({ type: 'openStackFrame', spanId: s.spanId, index })}>${l.text}</button>
            </div>`
          : html`<div class="stack-line">${l.text}</div>`,
      )}
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
                  <td>${this.attributeValue(k, v)}</td>
                  <td class="actions"><vscode-button secondary class="copy-row" title=${`Copy the value of ${k}`} @click=${() => this.post({ type: 'copyText', text: prettyValue(v) })}>Copy</vscode-button></td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : html`<div class="muted">none</div>`}`;
  }

  /** Times read in local time (UTC on hover), paths relative to the workspace (full path on hover), matches marked. */
  private attributeValue(key: string, v: unknown) {
    const mark = (text: string) => highlightSegments(text, this.filter).map((p) => (p.match ? html`<mark>${p.text}</mark>` : p.text));
    if (key === 'startTime' && typeof v === 'string') {
      const t = localAndUtc(v);
      return html`<pre title=${`${t.utc} (UTC)`}>${mark(t.local)}</pre>`;
    }
    if (typeof v === 'string' && this.workspaceRoots.length) {
      const relative = workspaceRelative(v, this.workspaceRoots);
      if (relative !== v) return html`<pre title=${v}>${mark(relative)}</pre>`;
    }
    return html`<pre>${mark(prettyValue(v))}</pre>`;
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
