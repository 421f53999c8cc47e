// The redaction panel: what the policy finds and what would ship, the findings list
// (virtualized) and one span before/after. Finding text is data: text bindings only.
import { LitElement, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { FindingDto, RedactionReportDto } from '../../src/protocol/redaction';
import { assertNever, type RedactionHostMessage, type RedactionWebviewMessage } from '../../src/protocol/webviewMessages';
import { cssProps } from '../shared/cssProps';
import { countOf, formatBytes, formatCount } from '../shared/format';
import { VirtualRows } from '../shared/virtualRows';
import {
  attributeOf,
  contextSegments,
  diffSpan,
  filterFindings,
  groupFindings,
  ordinalInSpan,
  pathInAttribute,
  replacementText,
  rowsOfInterest,
  sortedCounts,
  type DiffRow,
  type FindingGroup,
  type ValueSegment,
} from './redactionModel';

export const FINDING_ROW_HEIGHT = 48;

export interface RedactionPanelState {
  selected: number | null;
  filter: string;
}

@customElement('agent-redaction-app')
export class RedactionApp extends LitElement {
  @state() private report: RedactionReportDto | null = null;
  @state() private scope: { traceId: string | null; label: string } = { traceId: null, label: '' };
  @state() private policyPath: string | null = null;
  @state() private busy: string | null = null;
  @state() private filter = '';
  /** Index into the unfiltered findings. */
  @state() private selected: number | null = null;
  @state() private preview: { spanId: string; rows: DiffRow[]; refused: string | null } | null = null;
  @state() private previewLoading = false;
  @state() private onlyChanged = true;

  post: (m: RedactionWebviewMessage) => void = () => undefined;
  saveState: (s: RedactionPanelState) => void = () => undefined;

  /** Rows of the findings list: one per value (and rule), filtered. */
  private visible: FindingGroup[] = [];
  /** Set when a new preview or selection should bring the selected finding's characters into view. */
  private scrollToFinding = false;
  private readonly virtual = new VirtualRows(this, () => this.querySelector<HTMLElement>('.findings-scroll'), FINDING_ROW_HEIGHT, 6);

  protected createRenderRoot() {
    return this;
  }

  restore(s: RedactionPanelState | undefined): void {
    if (!s) return;
    this.filter = s.filter;
    this.selected = s.selected;
  }

  handleMessage(m: RedactionHostMessage): void {
    switch (m.type) {
      case 'report':
        this.report = m.report;
        this.scope = m.scope;
        this.policyPath = m.policyPath;
        this.busy = null;
        if (this.selected !== null && this.selected >= m.report.findings.length) this.selected = null;
        this.preview = null;
        if (this.selected !== null) this.requestPreview(this.selected);
        break;
      case 'spanPreview':
        if (this.currentFinding()?.spanId === m.spanId) {
          this.preview = { spanId: m.spanId, rows: m.refused ? [] : diffSpan(m.before, m.after, m.highlights), refused: m.refused ?? null };
          this.previewLoading = false;
          this.scrollToFinding = true;
        }
        break;
      case 'busy':
        this.busy = m.message;
        break;
      default:
        assertNever(m);
    }
  }

  private currentFinding(): FindingDto | null {
    return this.report && this.selected !== null ? (this.report.findings[this.selected] ?? null) : null;
  }

  private requestPreview(i: number): void {
    const f = this.report?.findings[i];
    if (!f) return;
    this.previewLoading = true;
    this.post({ type: 'requestSpanPreview', traceId: f.traceId, spanId: f.spanId });
  }

  private choose(i: number): void {
    if (i === this.selected) return;
    const prev = this.currentFinding();
    this.selected = i;
    const f = this.currentFinding();
    if (f && (!prev || prev.spanId !== f.spanId || prev.traceId !== f.traceId || !this.preview)) {
      this.preview = null;
      this.requestPreview(i);
    } else {
      this.scrollToFinding = true;
    }
    this.saveState({ selected: this.selected, filter: this.filter });
  }

  /** Selecting a row keeps the occurrence already selected in it, else takes its first. */
  private chooseGroup(g: FindingGroup): void {
    if (this.selected !== null && g.members.includes(this.selected)) return;
    this.choose(g.members[0]);
  }

  private selectedGroupPos(): number {
    return this.selected === null ? -1 : this.visible.findIndex((g) => g.members.includes(this.selected!));
  }

  protected updated(): void {
    if (!this.scrollToFinding || !this.preview) return;
    this.scrollToFinding = false;
    // The selected finding's own characters, else the first finding in the span; Before and After both.
    const marks = [...this.querySelectorAll<HTMLElement>('.preview mark.current')];
    const shown = marks.length ? marks : [...this.querySelectorAll<HTMLElement>('.preview mark.found')].slice(0, 1);
    const seen = new Set<Element | null>();
    for (const m of shown) {
      const cell = m.closest('td');
      if (seen.has(cell)) continue;
      seen.add(cell);
      m.scrollIntoView({ block: 'center', inline: 'nearest' });
    }
  }

  private onListKey = (e: KeyboardEvent) => {
    if (!this.visible.length) return;
    const pos = this.selectedGroupPos();
    let next = pos;
    if (e.key === 'ArrowDown') next = Math.min(this.visible.length - 1, pos + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, pos - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = this.visible.length - 1;
    else if (e.key === 'PageDown') next = Math.min(this.visible.length - 1, pos + this.virtual.pageSize());
    else if (e.key === 'PageUp') next = Math.max(0, pos - this.virtual.pageSize());
    else if (e.key === 'Enter' && pos >= 0) {
      const f = this.currentFinding();
      if (f) this.post({ type: 'showSpan', traceId: f.traceId, spanId: f.spanId });
      return;
    } else return;
    e.preventDefault();
    if (next < 0) next = 0;
    this.chooseGroup(this.visible[next]);
    this.virtual.scrollToIndex(next);
  };

  render() {
    const r = this.report;
    if (!r) return html`<div class="empty">${this.busy ?? 'Waiting for the redaction report…'}</div>`;
    const shownFindings = new Set(filterFindings(r.findings, this.filter));
    const indices = r.findings.flatMap((f, i) => (shownFindings.has(f) ? [i] : []));
    this.visible = groupFindings(r.findings, indices);
    return html`<div class="redaction-app">
      <header class="r-header">
        <div class="title-row">
          <h1>Redaction preview${this.scope.label ? html` <span class="muted">· ${this.scope.label}</span>` : nothing}</h1>
          ${this.busy ? html`<span class="badge-live">${this.busy}</span>` : nothing}
          <span class="spacer"></span>
          <vscode-button secondary @click=${() => this.post({ type: 'openPolicy' })}>${this.policyPath ? 'Open policy' : 'Create policy file'}</vscode-button>
          <vscode-button secondary @click=${() => this.post({ type: 'exportCollectorConfig' })}>Export collector config</vscode-button>
          <vscode-button secondary @click=${() => this.post({ type: 'exportNodeProcessor' })}>Export Node processor</vscode-button>
        </div>
        <div class="muted policy">
          ${this.policyPath
            ? html`Policy: <span class="mono policy-file">${this.policyPath}</span>`
            : html`Policy: built-in defaults (no policy file in this workspace yet; "Create policy file" writes them out to edit)`}
        </div>
        ${r.policyErrors.length ? html`<ul class="error-text policy-errors" role="alert">${r.policyErrors.map((e) => html`<li>${e}</li>`)}</ul>` : nothing}
      </header>
      <section class="summary">
        ${this.renderShips(r)}
        ${this.countTable('By category', r.countsByCategory)} ${this.countTable('By type', r.countsByType)}
        ${this.countTable('By attribute', r.countsByAttribute)} ${this.countTable('By service', r.countsByService)}
      </section>
      <section class="findings-area">
        <div class="findings-pane">
          <div class="toolbar">
            <vscode-textfield
              class="finding-filter"
              placeholder="Filter findings by rule, type, span, path"
              aria-label="Filter findings"
              .value=${this.filter}
              @input=${(e: Event) => {
                this.filter = (e.target as HTMLElement & { value: string }).value;
                this.saveState({ selected: this.selected, filter: this.filter });
              }}
            ></vscode-textfield>
            <span class="muted finding-total">${this.findingTotal(r, indices.length)}</span>
          </div>
          ${this.renderFindings()}
        </div>
        <div class="preview-pane">${this.renderPreview()}</div>
      </section>
    </div>`;
  }

  private findingTotal(r: RedactionReportDto, shown: number): string {
    const values = countOf(this.visible.length, 'value');
    if (shown === r.findings.length) return `${countOf(r.findings.length, 'finding')} · ${values}`;
    return `${formatCount(shown)} of ${countOf(r.findings.length, 'finding')} · ${values}`;
  }

  private renderShips(r: RedactionReportDto) {
    const total = r.ships.kept + r.ships.masked + r.ships.dropped;
    const pct = (n: number) => (total ? `${(n / total) * 100}%` : '0%');
    // The counts are of attribute values (span, resource and event attributes), each counted once.
    const values = (n: number) => countOf(n, 'value');
    return html`<div class="card ships">
      <h2 class="section">What ships</h2>
      <div class="ships-bar" role="img" aria-label="${values(r.ships.kept)} kept unchanged, ${values(r.ships.masked)} masked or hashed, ${values(r.ships.dropped)} dropped">
        <span class="ship-kept" style=${cssProps({ width: pct(r.ships.kept) })}></span><span class="ship-masked" style=${cssProps({ width: pct(r.ships.masked) })}></span><span
          class="ship-dropped"
          style=${cssProps({ width: pct(r.ships.dropped) })}
        ></span>
      </div>
      <dl class="ships-legend">
        <div><dt><span class="swatch ship-kept"></span>kept unchanged</dt><dd>${values(r.ships.kept)}</dd></div>
        <div><dt><span class="swatch ship-masked"></span>masked or hashed</dt><dd>${values(r.ships.masked)}</dd></div>
        <div><dt><span class="swatch ship-dropped"></span>dropped</dt><dd>${values(r.ships.dropped)}</dd></div>
      </dl>
      <div class="muted">Attribute values of ${countOf(r.spansScanned, 'span')} (${formatBytes(r.bytesScanned)} of text scanned) · ${countOf(r.findings.length, 'finding')}</div>
    </div>`;
  }

  private countTable(title: string, counts: Record<string, number>) {
    const rows = sortedCounts(counts);
    return html`<div class="card counts">
      <h2 class="section">${title}</h2>
      ${rows.length
        ? html`<table class="kv count-table">
            <tbody>
              ${rows.slice(0, 12).map(
                (c) => html`<tr>
                  <td class="key" title=${c.key}>${c.key}</td>
                  <td class="count-cell"><span class="count-bar" style=${cssProps({ width: `${c.pct}%` })}></span><span>${c.count}</span></td>
                </tr>`,
              )}
            </tbody>
          </table>
          ${rows.length > 12 ? html`<div class="muted">and ${rows.length - 12} more</div>` : nothing}`
        : html`<div class="muted">none</div>`}
    </div>`;
  }

  private renderFindings() {
    this.virtual.setCount(this.visible.length);
    const selPos = this.selectedGroupPos();
    if (!this.visible.length) {
      return html`<div class="empty">${this.report!.findings.length ? 'No finding matches the filter.' : 'Nothing to redact: the policy found no secrets or personal data.'}</div>`;
    }
    return html`<div
      class="findings-scroll list"
      role="listbox"
      tabindex="0"
      aria-label="Findings, one row per value"
      aria-activedescendant=${selPos >= 0 ? `finding-${this.visible[selPos].members[0]}` : nothing}
      @keydown=${this.onListKey}
    >
      <div class="findings-spacer" style=${cssProps({ height: `${this.virtual.totalSize()}px` })}>
        ${this.virtual.items().map((item) => this.renderGroupRow(this.visible[item.index], item.start, item.index === selPos))}
      </div>
    </div>`;
  }

  private renderGroupRow(g: FindingGroup, top: number, selected: boolean) {
    const f = g.first;
    const n = g.members.length;
    const attribute = attributeOf(f);
    const where = n > 1 ? `found ${formatCount(n)} times in ${countOf(g.spans, 'span')}` : '';
    return html`<div
      class="finding list-item ${selected ? 'selected' : ''}"
      role="option"
      id="finding-${g.members[0]}"
      aria-selected=${selected ? 'true' : 'false'}
      style=${cssProps({ transform: `translateY(${top}px)` })}
      @click=${() => this.chooseGroup(g)}
    >
      <div class="finding-line1">
        <span class="category ${f.category}">${f.category}</span>
        <strong>${f.ruleName}</strong>
        <span class="muted">${f.type}</span>
        ${n > 1 ? html`<span class="group-count" title=${`The same value, ${where}`}>×${formatCount(n)} · ${countOf(g.spans, 'span')}</span>` : nothing}
        <span class="spacer"></span>
        <span class="muted finding-span">${g.spans > 1 ? `${f.spanName} and ${countOf(g.spans - 1, 'other span')}` : f.spanName} · ${f.service}</span>
      </div>
      <div class="finding-line2">
        <span class="mono attribute" title=${g.attributes.length > 1 ? g.attributes.join(', ') : `${attribute}${pathInAttribute(f)}`}
          >${attribute}${g.attributes.length > 1 ? ` +${g.attributes.length - 1}` : ''}</span
        >
        <span class="context mono">${contextSegments(f.context, f.maskedPreview).map((s) => (s.hit ? html`<mark>${s.text}</mark>` : s.text))}</span>
        <span class="arrow">→</span>
        <span class="mono replacement">${replacementText(f)}</span>
      </div>
    </div>`;
  }

  private renderOccurrences() {
    const g = this.visible.find((x) => x.members.includes(this.selected!));
    if (!g || g.members.length < 2) return nothing;
    const at = g.members.indexOf(this.selected!);
    const step = (d: number) => this.choose(g.members[(at + d + g.members.length) % g.members.length]);
    return html`<div class="occurrences">
      <span>Occurrence ${formatCount(at + 1)} of ${formatCount(g.members.length)} of this value (${countOf(g.spans, 'span')})</span>
      <vscode-button secondary @click=${() => step(-1)} aria-label="Previous occurrence">Previous</vscode-button>
      <vscode-button secondary @click=${() => step(1)} aria-label="Next occurrence">Next</vscode-button>
    </div>`;
  }

  /**
   * A shown value with the findings' own characters marked (text bindings only). A kept value is
   * marked as found, not as removed or replaced; `current` is the selected finding's ordinal.
   */
  private renderValue(text: string, segments: ValueSegment[] | undefined, side: 'before' | 'after', current: number, actions: readonly string[]) {
    if (!segments) return text;
    return segments.map((s) => {
      if (s.finding === null) return s.text;
      const kind = actions[s.finding] === 'keep' ? 'kept' : side;
      return html`<mark class="found ${kind} ${s.finding === current ? 'current' : ''}" data-finding=${s.finding}>${s.text}</mark>`;
    });
  }

  private renderPreview() {
    const f = this.currentFinding();
    if (!f) return html`<div class="empty">Select a finding to see its span before and after redaction.</div>`;
    const rows = this.preview ? (this.onlyChanged ? rowsOfInterest(this.preview.rows) : this.preview.rows) : [];
    const current = ordinalInSpan(this.report!.findings, this.selected!);
    const actions = this.report!.findings.filter((x) => x.spanId === f.spanId && x.traceId === f.traceId).map((x) => x.action);
    return html`<div class="preview" data-span-id=${f.spanId}>
      <div class="preview-head">
        <h2 class="span-title">${f.spanName}</h2>
        <vscode-button secondary @click=${() => this.post({ type: 'showSpan', traceId: f.traceId, spanId: f.spanId })}>Jump to span</vscode-button>
        <vscode-button secondary @click=${() => this.post({ type: 'openSpanSource', traceId: f.traceId, spanId: f.spanId })}>Open source</vscode-button>
      </div>
      <div class="muted">${f.ruleName} (${f.ruleId}) · ${f.action} · <span class="mono">${f.location}: ${f.path}</span></div>
      ${this.renderOccurrences()}
      ${f.basis ? html`<div class="muted">How sure: ${f.basis === 'model' ? 'language model' : f.basis === 'checksum' ? 'pattern with checksum' : f.basis === 'context' ? 'pattern with context' : 'pattern'} (${Math.round((f.confidence ?? 0) * 100)}%)</div>` : ''}
      ${f.decoded ? html`<div class="muted decoded">Found after decoding ${f.decoded.encodings.join(' → ')}: <span class="mono">${f.decoded.maskedValue}</span></div>` : ''}
      <label class="only-changed"
        ><input type="checkbox" .checked=${this.onlyChanged} @change=${(e: Event) => (this.onlyChanged = (e.target as HTMLInputElement).checked)} /> Only values
        that change or hold a finding</label
      >
      ${this.previewLoading && !this.preview
        ? html`<div class="empty">Loading span…</div>`
        : this.preview?.refused
        ? html`<div class="empty refused">An export would refuse: ${this.preview.refused}</div>`
        : html`<table class="kv diff">
            <thead>
              <tr><th>Key</th><th>Before</th><th>After (what ships)</th></tr>
            </thead>
            <tbody>
              ${rows.map(
                (r) => html`<tr class="diff-row ${r.status}">
                  <td class="key">${r.key}</td>
                  <td class="before"><pre>${this.renderValue(r.before ?? '', r.beforeSegments, 'before', current, actions)}</pre></td>
                  <td class="after">
                    ${r.status === 'dropped'
                      ? html`<pre class="dropped-note">(dropped: the export leaves this attribute out)</pre>`
                      : html`<pre>${this.renderValue(r.after ?? '', r.afterSegments, 'after', current, actions)}</pre>`}
                  </td>
                </tr>`,
              )}
              ${rows.length === 0 ? html`<tr><td colspan="3" class="muted">No values change in this span.</td></tr>` : nothing}
            </tbody>
          </table>`}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'agent-redaction-app': RedactionApp;
  }
}
