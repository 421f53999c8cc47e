// The compare panel: summary, totals with deltas, both step trees side by side aligned row by
// row (virtualized), a waterfall for each on one time scale, and the differences of the selected
// pair. Light DOM; every span-derived text goes through lit text bindings (never HTML).
import { LitElement, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type {
  CompareHostMessage,
  CompareResultDto,
  CompareRowDto,
  CompareStepDto,
  CompareWebviewMessage,
  ForkStepDiffDto,
  MessageDiffDto,
  PairDiffDto,
  TextPartDto,
  ValueDiffDto,
} from '../../src/protocol/compare';
import { assertNever } from '../../src/protocol/webviewMessages';
import { cssProps } from '../shared/cssProps';
import { formatCost, formatDuration, formatTokens } from '../shared/format';
import { errorIcon, kindColorVar, kindIcon, kindLabel } from '../shared/icons';
import { VirtualRows } from '../shared/virtualRows';
import { barOf, changeOrdinal, forkDirection, formatMetric, formatMetricDelta, jsonText, METRIC_LABEL, nextChange, REQUEST_SECTION_LABEL, STATUS_LABEL, stepLabel, timeScaleMs } from './compareModel';

export const ROW_HEIGHT = 22;

export interface ComparePanelState {
  key: string | null;
  selected: number;
  scrollTop: number;
}

type Post = (m: CompareWebviewMessage) => void;

const STATUS_MARK: Record<CompareRowDto['status'], string> = { same: '', changed: '~', added: '+', removed: '−' };

@customElement('agent-compare-app')
export class CompareApp extends LitElement {
  @state() private result: CompareResultDto | null = null;
  @state() private failure: string | null = null;
  @state() private selected = -1;
  @state() private diffs = new Map<string, PairDiffDto | null>();

  post: Post = () => undefined;
  saveState: (s: ComparePanelState) => void = () => undefined;

  private scaleMs = 0;
  private restored: ComparePanelState | null = null;
  private readonly virtual = new VirtualRows(this, () => this.querySelector<HTMLElement>('.rows-scroll'), ROW_HEIGHT);

  protected createRenderRoot() {
    return this;
  }

  restore(s: ComparePanelState | undefined): void {
    this.restored = s ?? null;
  }

  private get key(): string | null {
    return this.result ? `${this.result.a.traceId}:${this.result.b.traceId}` : null;
  }

  handleMessage(m: CompareHostMessage): void {
    switch (m.type) {
      case 'compare': {
        const sameCompare = this.key === `${m.result.a.traceId}:${m.result.b.traceId}`;
        this.result = m.result;
        this.failure = null;
        this.scaleMs = timeScaleMs(m.result);
        this.diffs = new Map();
        if (!sameCompare && this.restored?.key === this.key) {
          this.selected = Math.min(this.restored.selected, m.result.rows.length - 1);
          const top = this.restored.scrollTop;
          this.updateComplete.then(() => {
            const el = this.querySelector<HTMLElement>('.rows-scroll');
            if (el) el.scrollTop = top;
          });
        } else if (!sameCompare) {
          // Open at the first divergence: the reason the user compares.
          this.selected = m.result.firstDivergence ? m.result.firstDivergence.step - 1 : m.result.rows.length ? 0 : -1;
          this.updateComplete.then(() => this.virtual.scrollToIndex(this.selected));
        } else if (this.selected >= m.result.rows.length) {
          this.selected = m.result.rows.length - 1;
        }
        this.restored = null;
        this.requestSelectedDiff();
        break;
      }
      case 'compareFailed':
        this.failure = m.message;
        break;
      case 'pairDiff': {
        const next = new Map(this.diffs);
        next.set(`${m.spanIdA}:${m.spanIdB}`, m.diff);
        this.diffs = next;
        break;
      }
      default:
        assertNever(m);
    }
  }

  connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('keydown', this.onDocumentKey);
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('keydown', this.onDocumentKey);
  }

  private onDocumentKey = (e: KeyboardEvent) => {
    if (e.key === 'F7') {
      e.preventDefault();
      this.goToChange(e.shiftKey ? -1 : 1);
    }
  };

  /** F7 / Shift+F7 and the toolbar buttons. */
  goToChange(dir: 1 | -1): void {
    if (!this.result) return;
    const i = nextChange(this.result.rows, this.selected, dir);
    if (i >= 0) this.select(i);
    this.querySelector<HTMLElement>('.rows-scroll')?.focus();
  }

  private select(i: number, scroll = true): void {
    if (!this.result || i < 0 || i >= this.result.rows.length) return;
    this.selected = i;
    this.requestSelectedDiff();
    if (scroll) this.virtual.scrollToIndex(i);
    this.persist();
  }

  private requestSelectedDiff(): void {
    const row = this.result?.rows[this.selected];
    if (!row || row.status !== 'changed' || !row.a || !row.b) return;
    const key = `${row.a.spanId}:${row.b.spanId}`;
    if (!this.diffs.has(key)) this.post({ type: 'requestPairDiff', spanIdA: row.a.spanId, spanIdB: row.b.spanId });
  }

  private onRowsKey = (e: KeyboardEvent) => {
    if (!this.result) return;
    const last = this.result.rows.length - 1;
    const page = this.virtual.pageSize();
    const moves: Record<string, number> = {
      ArrowDown: this.selected + 1,
      ArrowUp: this.selected - 1,
      PageDown: this.selected + page,
      PageUp: this.selected - page,
      Home: 0,
      End: last,
    };
    if (e.key in moves) {
      e.preventDefault();
      this.select(Math.max(0, Math.min(last, moves[e.key])));
    } else if (e.key === 'Enter') {
      const row = this.result.rows[this.selected];
      const side = row?.b ? 'b' : 'a';
      const step = row?.[side];
      if (step) this.post({ type: 'openSource', side, spanId: step.spanId });
    }
  };

  private persistTimer: ReturnType<typeof setTimeout> | undefined;
  private persist(): void {
    clearTimeout(this.persistTimer);
    this.persistTimer = setTimeout(() => {
      this.saveState({ key: this.key, selected: this.selected, scrollTop: this.querySelector<HTMLElement>('.rows-scroll')?.scrollTop ?? 0 });
    }, 200);
  }

  render() {
    if (this.failure) return html`<div class="empty error-text" role="alert">${this.failure}</div>`;
    if (!this.result) return html`<div class="empty">Comparing…</div>`;
    const r = this.result;
    return html`<div class="compare-app">
      ${this.renderHeader(r)}
      <div class="toolbar">
        <vscode-button secondary class="prev-change" title="Previous change (Shift+F7)" @click=${() => this.goToChange(-1)}>Previous change</vscode-button>
        <vscode-button secondary class="next-change" title="Next change (F7)" @click=${() => this.goToChange(1)}>Next change</vscode-button>
        <span class="muted change-position" aria-live="polite">${this.positionText(r)}</span>
      </div>
      <div class="columns" aria-hidden="true">
        <span></span><span>Run A · ${r.a.traceId.slice(0, 8)}</span><span>Timeline</span><span>Run B · ${r.b.traceId.slice(0, 8)}</span><span>Timeline</span>
      </div>
      ${this.renderRows(r)}
      <section class="pair-detail" aria-label="Differences of the selected step">${this.renderDetail(r)}</section>
    </div>`;
  }

  private positionText(r: CompareResultDto): string {
    const total = r.counts.changed + r.counts.added + r.counts.removed;
    const ordinal = changeOrdinal(r.rows, this.selected);
    const counts = `${r.counts.changed} changed · ${r.counts.added} added · ${r.counts.removed} removed`;
    return ordinal ? `change ${ordinal} of ${total} — ${counts}` : counts;
  }

  private renderHeader(r: CompareResultDto) {
    const d = r.firstDivergence;
    return html`<header class="compare-header">
      <p class="summary">
        ${d
          ? html`<button class="divergence-link" title="Go to step ${d.step}" @click=${() => this.select(d.step - 1)}>run B diverges at step ${d.step}</button>: ${d.what}`
          : r.summary}
      </p>
      ${r.notices.map((n) => html`<p class="notice" role="status">${n}</p>`)}
      ${this.renderForkNotice(r)}
      <table class="totals">
        <thead><tr><th></th><th>Run A</th><th>Run B</th><th>Δ</th></tr></thead>
        <tbody>
          ${r.totals.map(
            (t) => html`<tr>
              <th scope="row">${METRIC_LABEL[t.metric]}</th>
              <td>${formatMetric(t.metric, t.a)}</td>
              <td>${formatMetric(t.metric, t.b)}</td>
              <td class=${t.delta ? 'delta-changed' : 'muted'}>${formatMetricDelta(t.metric, t.delta)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </header>`;
  }

  /** Which run is a fork of which, linked to the fork step. */
  private renderForkNotice(r: CompareResultDto) {
    if (!r.fork) return nothing;
    const [fork, original] = r.fork.original === 'a' ? ['B', 'A'] : ['A', 'B'];
    const i = r.rows.findIndex((row) => row.forkStep);
    return html`<p class="notice fork-notice" role="status">
      Run ${fork} is a fork of run ${original}${i < 0
        ? ' (its fork step is not among the compared steps)'
        : html`, edited at <button class="fork-step-link" title="Go to step ${i + 1}" @click=${() => this.select(i)}>step ${i + 1}</button>`}.
    </p>`;
  }

  private renderRows(r: CompareResultDto) {
    this.virtual.setCount(r.rows.length);
    return html`<div
      class="rows-scroll list"
      role="grid"
      tabindex="0"
      aria-label="Steps of both runs, aligned"
      aria-rowcount=${r.rows.length}
      @keydown=${this.onRowsKey}
      @scroll=${() => this.persist()}
    >
      ${r.rows.length === 0 ? html`<div class="empty">Both runs are empty.</div>` : nothing}
      <div class="rows-spacer" style=${cssProps({ height: `${this.virtual.totalSize()}px` })}>
        ${this.virtual.items().map((item) => this.renderRow(r.rows[item.index], item.index, item.start))}
      </div>
    </div>`;
  }

  private renderRow(row: CompareRowDto | undefined, index: number, top: number) {
    if (!row) return nothing;
    const selected = index === this.selected;
    return html`<div
      class="row list-item status-${row.status} ${row.forkStep ? 'fork-step' : ''} ${selected ? 'selected' : ''}"
      role="row"
      aria-rowindex=${index + 1}
      aria-selected=${selected ? 'true' : 'false'}
      data-step=${row.step}
      data-status=${row.status}
      style=${cssProps({ transform: `translateY(${top}px)` })}
      @click=${() => {
        this.select(index, false);
        this.querySelector<HTMLElement>('.rows-scroll')?.focus();
      }}
    >
      ${row.forkStep
        ? html`<span class="mark fork-mark" title="Edited at fork">✎</span>`
        : html`<span class="mark" title=${STATUS_LABEL[row.status]}>${STATUS_MARK[row.status]}</span>`}
      ${this.renderSide(row.a, row.depth, 'a')} ${this.renderSide(row.b, row.depth, 'b')}
    </div>`;
  }

  private renderSide(step: CompareStepDto | null, depth: number, side: 'a' | 'b') {
    if (!step) return html`<span class="cell side-${side} absent"></span><span class="cell timeline"></span>`;
    const bar = barOf(step, this.scaleMs);
    const isError = step.status === 'error';
    const color = isError ? 'var(--vscode-errorForeground)' : (kindColorVar[step.kind] ?? kindColorVar.other);
    return html`<span class="cell name side-${side}" style=${cssProps({ 'padding-left': `${Math.min(depth, 40) * 12 + 4}px` })}>
        <span class="kind" style=${cssProps({ color: kindColorVar[step.kind] ?? kindColorVar.other })} title=${kindLabel[step.kind] ?? 'Step'}>${kindIcon(step.kind)}</span>
        <span class="label">${stepLabel(step)}</span>
        ${step.kind === 'llm' && step.model && !step.name.includes(step.model) ? html`<span class="detail muted">${step.model}</span>` : nothing}
        ${isError ? html`<span class="mark-error error-text" title="Error">${errorIcon}</span>` : nothing}
      </span>
      <span class="cell timeline" title=${formatDuration(step.durationMs)}>
        <span class="bar" style=${cssProps({ left: `${bar.leftPct}%`, width: `${bar.widthPct}%`, background: color })}></span>
      </span>`;
  }

  private renderDetail(r: CompareResultDto) {
    const row = r.rows[this.selected];
    if (!row) return html`<div class="empty">Select a step to see what changed.</div>`;
    const diff = row.a && row.b && row.status === 'changed' ? this.diffs.get(`${row.a.spanId}:${row.b.spanId}`) : undefined;
    // At the fork step "edited at fork" already says the edit; the other fields follow it.
    const fields = row.changed.filter((f) => f !== 'edit');
    return html`<div class="detail-header">
        <h2>Step ${row.step} · ${row.forkStep ? 'edited at fork' : STATUS_LABEL[row.status]}${fields.length ? `: ${fields.join(', ')}` : ''}</h2>
        <span class="spacer"></span>
        ${row.a ? html`<vscode-button secondary class="open-source-a" @click=${() => this.post({ type: 'openSource', side: 'a', spanId: row.a!.spanId })}>Open source (A)</vscode-button>` : nothing}
        ${row.b ? html`<vscode-button secondary class="open-source-b" @click=${() => this.post({ type: 'openSource', side: 'b', spanId: row.b!.spanId })}>Open source (B)</vscode-button>` : nothing}
        ${row.a ? html`<vscode-button secondary class="show-in-a" title="Open run A's trace at this step" @click=${() => this.post({ type: 'openTrace', side: 'a', spanId: row.a!.spanId })}>Show in run A</vscode-button>` : nothing}
        ${row.b ? html`<vscode-button secondary class="show-in-b" title="Open run B's trace at this step" @click=${() => this.post({ type: 'openTrace', side: 'b', spanId: row.b!.spanId })}>Show in run B</vscode-button>` : nothing}
      </div>
      <dl class="pair-fields">
        <div><dt>Run A</dt><dd>${row.a ? `${row.a.name} · ${formatDuration(row.a.durationMs)}` : '—'}</dd></div>
        <div><dt>Run B</dt><dd>${row.b ? `${row.b.name} · ${formatDuration(row.b.durationMs)}` : '—'}</dd></div>
      </dl>
      ${row.status === 'changed' ? (diff === undefined ? html`<div class="muted">Loading differences…</div>` : diff === null ? html`<div class="muted">These steps are no longer stored.</div>` : this.renderPairDiff(diff, r)) : nothing}`;
  }

  private renderPairDiff(d: PairDiffDto, r: CompareResultDto) {
    const value = (v: string | number | null) => (v === null ? 'none' : String(v));
    const beforeAfter = (label: string, before: string, after: string) =>
      html`<div class="field"><h3>${label}</h3><span class="del">${before}</span> → <span class="ins">${after}</span></div>`;
    return html`<div class="pair-diff">
      ${d.fork ? this.renderForkEdit(d.fork, r) : nothing}
      ${d.name ? beforeAfter('Name', d.name.before, d.name.after) : nothing}
      ${d.tool ? beforeAfter('Tool', value(d.tool.before), value(d.tool.after)) : nothing}
      ${d.model ? beforeAfter('Model', value(d.model.before), value(d.model.after)) : nothing}
      ${d.agent ? beforeAfter('Agent', value(d.agent.before), value(d.agent.after)) : nothing}
      ${d.parameters ? beforeAfter('Parameters', jsonText(d.parameters.before), jsonText(d.parameters.after)) : nothing}
      ${d.input ? this.renderMessages('Input', d.input) : nothing}
      ${d.output ? this.renderMessages('Output', d.output) : nothing}
      ${d.arguments ? this.renderValue('Arguments', d.arguments) : nothing}
      ${d.result ? this.renderValue('Result', d.result) : nothing}
      ${d.status ? beforeAfter('Status', d.status.before, d.status.after) : nothing}
      ${d.error ? beforeAfter('Error', value(d.error.before), value(d.error.after)) : nothing}
      ${d.usage
        ? html`<div class="field"><h3>Usage</h3>
            <table class="usage">
              <tr><th></th><th>A</th><th>B</th></tr>
              ${(['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens'] as const).map(
                (k) => html`<tr><th scope="row">${k.replace('Tokens', '')}</th><td>${formatTokens(d.usage!.before[k])}</td><td>${formatTokens(d.usage!.after[k])}</td></tr>`,
              )}
            </table></div>`
        : nothing}
      ${d.cost ? beforeAfter('Cost', formatCost(d.cost.before), formatCost(d.cost.after)) : nothing}
      <div class="field"><h3>Duration</h3>${formatDuration(d.durationMs.before)} → ${formatDuration(d.durationMs.after)}
        <span class="muted">(timing is shown, never counted as a change)</span></div>
      ${d.unchanged.length ? html`<details class="unchanged"><summary>${d.unchanged.length} unchanged fields</summary>${d.unchanged.join(', ')}</details>` : nothing}
    </div>`;
  }

  /** What the fork changed at its step, from the exact recorded calls (request bodies are untrusted: text bindings only). */
  private renderForkEdit(f: ForkStepDiffDto, r: CompareResultDto) {
    const direction = forkDirection(r.fork?.original ?? 'a');
    const request = f.request;
    return html`<div class="field fork-edit">
      <h3>Edited at fork: ${f.what}</h3>
      ${f.notes.map((n) => html`<p class="notice fork-note" role="status">${n}</p>`)}
      ${f.response
        ? html`<div class="fork-section" data-section="response"><h4>Response: recorded → replacement (${direction})</h4>${this.renderParts(f.response)}</div>`
        : nothing}
      ${request?.changed.map(
        (c) => html`<div class="fork-section" data-section=${c.section}><h4>Exact request · ${REQUEST_SECTION_LABEL[c.section]} (${direction})</h4>${this.renderParts(c.parts)}</div>`,
      ) ?? nothing}
      ${request && request.changed.length === 0 ? html`<div class="muted fork-same">The exact requests sent are the same.</div>` : nothing}
      ${request?.unchanged.length
        ? html`<div class="muted fork-unchanged">Same in both exact requests: ${request.unchanged.map((u) => REQUEST_SECTION_LABEL[u]).join(', ')}</div>`
        : nothing}
    </div>`;
  }

  private renderParts(parts: TextPartDto[]) {
    return html`<pre class="text-diff">${parts.map((p) => (p.op === 'equal' ? p.text : html`<span class=${p.op === 'insert' ? 'ins' : 'del'}>${p.text}</span>`))}</pre>`;
  }

  private renderMessages(label: string, messages: MessageDiffDto[]) {
    const changed = messages.filter((m) => m.status !== 'same');
    const same = messages.length - changed.length;
    return html`<div class="field"><h3>${label}</h3>
      ${changed.map((m) => html`<div class="message status-${m.status}"><span class="role">${m.role} · ${m.status}</span>${this.renderParts(m.parts)}</div>`)}
      ${same ? html`<div class="muted">${same} unchanged message${same === 1 ? '' : 's'}</div>` : nothing}
    </div>`;
  }

  private renderValue(label: string, v: ValueDiffDto) {
    if (v.format === 'text') return html`<div class="field"><h3>${label}</h3>${this.renderParts(v.parts)}</div>`;
    return html`<div class="field"><h3>${label}</h3>
      <table class="json-diff">
        ${v.changes.map(
          (c) => html`<tr class="op-${c.op}"><td class="mono">${c.path}</td><td>${c.op}</td>
            <td class="del mono">${c.op === 'added' ? '' : jsonText(c.before)}</td><td class="ins mono">${c.op === 'removed' ? '' : jsonText(c.after)}</td></tr>`,
        )}
      </table></div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'agent-compare-app': CompareApp;
  }
}
