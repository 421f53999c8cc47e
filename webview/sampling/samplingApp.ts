// The sampling lab page: the verdict of the policy on the stored traces, kept against all for
// the groups that matter, each policy's simulation status, the per-trace decisions (virtualized),
// a suggested policy and trace health. Everything from spans (names, examples) is text only.
import { LitElement, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { SamplingPreviewDto, SamplingTraceRowDto, TraceHealthDto } from '../../src/protocol/dto';
import { assertNever, type SamplingLabHostMessage, type SamplingLabState, type SamplingLabWebviewMessage } from '../../src/protocol/webviewMessages';
import { cssProps } from '../shared/cssProps';
import { formatCost, formatDuration } from '../shared/format';
import { VirtualRows } from '../shared/virtualRows';
import { batchFromId, batchId, parseHeadRatio, rowTags, visibleRows, type RowFilter } from './samplingModel';

export const ROW_HEIGHT = 26;
const MAX_LOST_LINKS = 5;

export interface SamplingPanelState {
  filter: RowFilter;
}

const RANGES = [
  ['hour', 'Last hour'],
  ['day', 'Last 24 hours'],
  ['all', 'All stored'],
] as const;

@customElement('agent-sampling-app')
export class SamplingApp extends LitElement {
  @state() private lab: SamplingLabState | null = null;
  @state() private filter: RowFilter = 'all';
  @state() private headText = '';
  @state() private headInvalid = false;

  post: (m: SamplingLabWebviewMessage) => void = () => undefined;
  saveState: (s: SamplingPanelState) => void = () => undefined;

  private rows: SamplingTraceRowDto[] = [];
  private readonly virtual = new VirtualRows(this, () => this.querySelector<HTMLElement>('.rows'), ROW_HEIGHT, 8);

  protected createRenderRoot() {
    return this;
  }

  restore(s: SamplingPanelState | undefined): void {
    if (s?.filter) this.filter = s.filter;
  }

  handleMessage(m: SamplingLabHostMessage): void {
    switch (m.type) {
      case 'state':
        this.lab = m.state;
        if (!this.headInvalid) this.headText = m.state.head ? String(m.state.head.ratio) : '';
        break;
      default:
        assertNever(m.type);
    }
  }

  private setFilter(filter: RowFilter): void {
    this.filter = filter;
    this.saveState({ filter });
  }

  private openTrace(traceId: string, spanId: string | null = null): void {
    this.post({ type: 'openTrace', traceId, spanId });
  }

  private onHeadChange(text: string, sdk: string): void {
    this.headText = text;
    const ratio = parseHeadRatio(text);
    this.headInvalid = ratio === undefined;
    if (ratio === undefined) return;
    this.post({ type: 'setHead', head: ratio === null ? null : { ratio, sdk: sdk === 'python' ? 'python' : 'js' } });
  }

  render() {
    const lab = this.lab;
    if (!lab) return html`<div class="lab muted">Loading…</div>`;
    const p = lab.preview;
    return html`<div class="lab ${lab.stale ? 'stale' : ''}">
      ${this.renderToolbar(lab, p)}
      ${lab.errors.length ? this.renderErrors(lab) : nothing}
      ${lab.busy && !p ? html`<p class="muted busy">${lab.busy}</p>` : nothing}
      ${p ? this.renderPreview(p) : nothing}
      ${lab.suggestion ? this.renderSuggestion(lab) : nothing}
      ${this.renderHealth(lab.health)}
      ${p ? this.renderRows(p) : nothing}
    </div>`;
  }

  private renderToolbar(lab: SamplingLabState, p: SamplingPreviewDto | null) {
    const batches = p?.batches ?? [];
    const sdk = lab.head?.sdk ?? 'js';
    return html`<div class="toolbar">
        <span
          >Policy:
          ${lab.policy
            ? html`<button class="link policy-path" title=${lab.policy.path} @click=${() => this.post({ type: 'openPolicy', line: null })}>${lab.policy.label}</button>`
            : html`<span class="muted">none (head sampling only)</span>`}</span
        >
        <vscode-button secondary class="choose-policy" @click=${() => this.post({ type: 'choosePolicy' })}>Choose…</vscode-button>
        <label
          >Traces
          <select class="range" @change=${(e: Event) => this.post({ type: 'setScope', scope: { range: (e.target as HTMLSelectElement).value as 'hour' | 'day' | 'all', batch: lab.scope.batch ?? null } })}>
            ${RANGES.map(([value, label]) => html`<option value=${value} ?selected=${lab.scope.range === value}>${label}</option>`)}
          </select></label
        >
        ${batches.length || lab.scope.batch
          ? html`<label
              >Batch
              <select
                class="batch"
                @change=${(e: Event) => {
                  const id = (e.target as HTMLSelectElement).value;
                  this.post({ type: 'setScope', scope: { range: lab.scope.range, batch: id ? batchFromId(id, batches) : null } });
                }}
              >
                <option value="" ?selected=${!lab.scope.batch}>All runs</option>
                ${batches.map((b) => html`<option value=${batchId(b)} ?selected=${!!lab.scope.batch && batchId(lab.scope.batch) === batchId(b)}>${b.key} = ${b.value} (${b.traces})</option>`)}
              </select></label
            >`
          : nothing}
        <label title="Head sampling (TraceIdRatioBased) before the tail policy: a ratio like 0.01 or 1%; empty for none"
          >Head ratio
          <input
            class="head ${this.headInvalid ? 'invalid' : ''}"
            .value=${this.headText}
            placeholder="none"
            @change=${(e: Event) => this.onHeadChange((e.target as HTMLInputElement).value, sdk)}
          />
          <select class="head-sdk" @change=${(e: Event) => this.onHeadChange(this.headText, (e.target as HTMLSelectElement).value)}>
            <option value="js" ?selected=${sdk === 'js'}>JS SDK</option>
            <option value="python" ?selected=${sdk === 'python'}>Python SDK</option>
          </select></label
        >
        <vscode-button class="suggest" @click=${() => this.post({ type: 'suggest' })}>Suggest a policy…</vscode-button>
      </div>`;
  }

  private renderErrors(lab: SamplingLabState) {
    return html`<div class="errors">
      ${lab.stale ? html`<div class="stale-note">The policy has errors: showing the last good preview (stale).</div>` : nothing}
      <ul>
        ${lab.errors.map(
          (e) => html`<li>
            ${e.line > 0 ? html`<button class="link" @click=${() => this.post({ type: 'openPolicy', line: e.line })}>line ${e.line}</button>: ` : nothing}${e.message}
          </li>`,
        )}
      </ul>
    </div>`;
  }

  private renderPreview(p: SamplingPreviewDto) {
    const source = [p.processor, p.head ? `head ratio ${p.head.ratio} (${p.head.sdk === 'python' ? 'Python' : 'JS'} SDK)` : null].filter(Boolean).join(' + ');
    return html`<p class="verdict">${p.sentence}</p>
      <p class="muted source">
        ${source} on ${p.traces} trace(s)${p.observedPerSecond !== null ? html`, observed ${p.observedPerSecond.toPrecision(3)} traces/s` : nothing}
      </p>
      <table class="groups">
        <thead>
          <tr><th>Kept of all</th><th></th><th>Dropped</th></tr>
        </thead>
        <tbody>
          ${p.groups.map(
            (g) => html`<tr class="group group-${g.group}">
              <td>${g.label}</td>
              <td class=${g.kept < g.total ? 'lost' : ''}>${g.kept} of ${g.total}</td>
              <td>
                ${g.lostTraceIds.slice(0, MAX_LOST_LINKS).map((id) => html`<button class="link" @click=${() => this.openTrace(id)}>${id.slice(0, 8)}</button> `)}
                ${g.lostTraceIds.length > MAX_LOST_LINKS ? html`<span class="muted">+${g.lostTraceIds.length - MAX_LOST_LINKS} more</span>` : nothing}
              </td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${p.policies.length
        ? html`<h2>Policies</h2>
            <table class="policies">
              ${p.policies.map(
                (pol) => html`<tr class="policy">
                  <td><button class="link" @click=${() => this.post({ type: 'openPolicy', line: pol.line })}>${pol.name}</button> <span class="muted">(${pol.type})</span></td>
                  <td><span class="badge status-${pol.status}">${pol.status === 'not_simulated' ? 'not simulated' : pol.status}</span></td>
                  <td>kept ${pol.decided}</td>
                  <td class="muted">${pol.note ?? ''}</td>
                </tr>`,
              )}
            </table>`
        : nothing}
      ${p.warnings.length ? html`<ul class="warnings muted">${p.warnings.map((w) => html`<li>line ${w.line}: ${w.message}</li>`)}</ul>` : nothing}`;
  }

  private renderSuggestion(lab: SamplingLabState) {
    const s = lab.suggestion!;
    const r = s.result;
    return html`<h2>Suggested policy (budget ${s.budget})</h2>
      <div class="suggestion">
        ${r.ok
          ? html`<p>
                Keep every error trace, plus ${r.baselinePercent}% of the others (${r.budgetPercent}% of traces${r.observedPerSecond !== null ? `, at ${r.observedPerSecond.toPrecision(3)} traces/s observed` : ''}).
                ${r.overBudget ? html`<span class="lost">The error traces alone exceed the budget; every error is still kept.</span>` : nothing}
              </p>
              <p class="suggestion-verdict">${r.preview.sentence}</p>
              <vscode-button secondary class="open-suggestion" @click=${() => this.post({ type: 'openSuggestion' })}>Open the suggested YAML</vscode-button>
              <span class="muted">Run the Collector with --feature-gates=processor.tailsamplingprocessor.recordpolicy so kept traces say which policy kept them.</span>`
          : html`<p class="lost">${r.message}</p>`}
      </div>`;
  }

  private renderHealth(health: TraceHealthDto | null) {
    if (!health) return html`<h2>Trace health</h2><p class="muted">Checking…</p>`;
    return html`<h2>Trace health <span class="muted">(${health.traces} traces, ${health.spans} spans)</span></h2>
      <div class="health">
        ${health.items.map(
          (item) => html`<div class="health-item health-${item.kind} ${item.count ? 'found' : 'ok'}">
            <div class="title">${item.title}: <strong class="count">${item.count}</strong>${item.count ? html` <span class="muted">in ${item.traces} trace(s)</span>` : nothing}</div>
            ${item.count
              ? html`<div class="why">${item.why}</div>
                  <ul class="examples">
                    ${item.examples.map(
                      (e) => html`<li><button class="link example" @click=${() => this.openTrace(e.traceId, e.spanId)}>${e.traceId.slice(0, 8)}${e.spanId ? ` · ${e.spanId.slice(0, 8)}` : ''}</button> ${e.text}</li>`,
                    )}
                  </ul>`
              : nothing}
          </div>`,
        )}
      </div>`;
  }

  private renderRows(p: SamplingPreviewDto) {
    this.rows = visibleRows(p.rows, this.filter);
    this.virtual.setCount(this.rows.length);
    const filters: [RowFilter, string][] = [
      ['all', `All (${p.rows.length})`],
      ['dropped', `Dropped (${p.rows.filter((r) => !r.kept).length})`],
      ['kept', `Kept (${p.rows.filter((r) => r.kept).length})`],
      ['lost', `Lost failures (${p.rows.filter((r) => !r.kept && (r.errorCount > 0 || r.loop)).length})`],
    ];
    return html`<h2>Traces</h2>
      <div class="filters">
        ${filters.map(([f, label]) => html`<button class="link filter-${f}" aria-pressed=${this.filter === f ? 'true' : 'false'} @click=${() => this.setFilter(f)}>${label}</button>`)}
      </div>
      <div class="rows list" tabindex="0">
        <div class="rows-spacer" style=${cssProps({ height: `${this.virtual.totalSize()}px` })}>
          ${this.virtual.items().map((item) => {
            const r = this.rows[item.index];
            if (!r) return nothing;
            return html`<div
              class="trace-row list-item"
              data-trace=${r.traceId}
              style=${cssProps({ transform: `translateY(${item.start}px)` })}
              title=${r.policies.map((o) => `${o.name}: ${o.decision}${o.note ? ` (${o.note})` : ''}`).join('\n')}
              @click=${() => this.openTrace(r.traceId)}
            >
              <span class=${r.kept ? 'decision-kept' : 'decision-dropped'}>${r.kept ? 'KEPT' : 'DROPPED'}</span>
              <span class="name">${r.name}</span>
              <span class="decided muted">by ${r.decidedBy}</span>
              ${rowTags(r).map((t) => html`<span class="badge">${t}</span>`)}
              <span class="muted">${formatDuration(r.durationMs)}</span>
              <span class="muted">${formatCost(r.costUsd)}</span>
            </div>`;
          })}
        </div>
      </div>`;
  }
}
