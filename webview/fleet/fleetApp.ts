// The fleet view: the runs of one batch at a glance. A batch picker (a grouping attribute and its
// value, or a time range), histograms with p50/p95/p99 of each measure, the checks, a sortable
// group table (agent, tool, model, a chosen attribute: cost per feature), the outliers linked to
// their traces, and a batch-against-batch compare with regressions first. The lists are
// virtualized; every text from spans (group values, titles, reasons, headlines) is a lit text
// binding, never HTML. Light DOM, like the other panels.
import { LitElement, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { BatchCompareDto, BatchFindingDto, BatchRefDto, BatchSummaryDto, FleetDimensionDto, FleetDto, FleetGroupDto, FleetOutlierDto } from '../../src/protocol/fleet';
import { assertNever, type FleetHostMessage, type FleetSelection, type FleetWebviewMessage } from '../../src/protocol/webviewMessages';
import { formatCost, formatCount, formatDuration, formatPercent } from '../shared/format';
import { watchTheme } from './chartTheme';
import {
  DEFAULT_GROUP_SORT,
  DIMENSION_LABEL,
  DIMENSIONS,
  GROUP_ATTRIBUTE_SUGGESTIONS,
  GROUP_COLUMNS,
  GROUPING_KEYS,
  MEASURE_ORDER,
  TEST_LABEL,
  TIME_PRESETS,
  batchRefId,
  beforeAfterText,
  findingCounts,
  fromLocalInput,
  groupLabel,
  groupRunsText,
  intervalText,
  measureLabel,
  nextSort,
  orderFindings,
  pValueText,
  sameBatch,
  sortedGroups,
  timeRangeRef,
  toLocalInput,
  type GroupSort,
  type GroupSortKey,
} from './fleetModel';
import './histogram';
import './virtualList';

export const GROUP_ROW_HEIGHT = 26;
export const OUTLIER_ROW_HEIGHT = 26;
export const FINDING_ROW_HEIGHT = 52;

/** Page state kept across a rebuilt page (VS Code discards hidden webviews). */
export interface FleetPanelState {
  dimension: FleetDimensionDto;
  sort: GroupSort;
  /** '' every grouping attribute, a key, 'custom' (typed), or 'time' (a time range). */
  keyMode: string;
  customKey: string;
}

type Part = 'batches' | 'fleet' | 'compare';

@customElement('agent-fleet-app')
export class FleetApp extends LitElement {
  @state() private batches: BatchSummaryDto[] = [];
  @state() private batchesLoaded = false;
  @state() private selection: FleetSelection | null = null;
  @state() private fleet: FleetDto | null = null;
  @state() private fleetError: string | null = null;
  @state() private compare: { before: BatchRefDto; after: BatchRefDto; result: BatchCompareDto } | null = null;
  @state() private compareError: string | null = null;
  @state() private busy: Partial<Record<Part, string>> = {};
  @state() private dimension: FleetDimensionDto = 'agent';
  @state() private sort: GroupSort = DEFAULT_GROUP_SORT;
  @state() private keyMode = '';
  @state() private customKey = '';
  @state() private themeVersion = 0;
  @state() private rangeFrom = '';
  @state() private rangeTo = '';

  post: (m: FleetWebviewMessage) => void = () => undefined;
  saveState: (s: FleetPanelState) => void = () => undefined;

  private stopThemeWatch: (() => void) | undefined;

  protected createRenderRoot() {
    return this;
  }

  connectedCallback(): void {
    super.connectedCallback();
    this.stopThemeWatch = watchTheme(() => this.themeVersion++);
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopThemeWatch?.();
  }

  restore(s: FleetPanelState | undefined): void {
    if (!s) return;
    if (DIMENSIONS.includes(s.dimension)) this.dimension = s.dimension;
    if (s.sort && GROUP_COLUMNS.some((c) => c.key === s.sort.key)) this.sort = { key: s.sort.key, descending: !!s.sort.descending };
    if (typeof s.keyMode === 'string') this.keyMode = s.keyMode;
    if (typeof s.customKey === 'string') this.customKey = s.customKey;
  }

  private persist(): void {
    this.saveState({ dimension: this.dimension, sort: this.sort, keyMode: this.keyMode, customKey: this.customKey });
  }

  handleMessage(m: FleetHostMessage): void {
    switch (m.type) {
      case 'batches':
        this.batches = m.batches;
        this.batchesLoaded = true;
        this.busy = { ...this.busy, batches: undefined };
        break;
      case 'fleet':
        this.selection = m.selection;
        this.fleet = m.fleet;
        this.fleetError = null;
        this.busy = { ...this.busy, fleet: undefined };
        // The picker follows what is shown (the host picks the first batch, a command may pick another).
        if (m.selection.batch.kind === 'timeRange') this.keyMode = 'time';
        else if (this.keyMode === 'time') this.keyMode = '';
        // A compare of other batches no longer belongs to what is shown.
        if (this.compare && !sameBatch(this.compare.after, m.selection.batch) && !sameBatch(this.compare.before, m.selection.batch)) this.compare = null;
        this.syncRangeInputs(m.selection.batch);
        break;
      case 'fleetFailed':
        this.selection = m.selection ?? this.selection;
        this.fleetError = m.message;
        this.busy = { ...this.busy, fleet: undefined };
        break;
      case 'batchCompare':
        this.compare = { before: m.before, after: m.after, result: m.result };
        this.compareError = null;
        this.busy = { ...this.busy, compare: undefined };
        break;
      case 'batchCompareFailed':
        this.compareError = m.message;
        this.busy = { ...this.busy, compare: undefined };
        break;
      case 'busy':
        this.busy = { ...this.busy, [m.part]: m.message };
        break;
      default:
        assertNever(m);
    }
  }

  private syncRangeInputs(batch: BatchRefDto): void {
    if (batch.kind !== 'timeRange') return;
    this.rangeFrom = toLocalInput(batch.fromMs);
    this.rangeTo = toLocalInput(batch.toMs);
  }

  private selectBatch(batch: BatchRefDto, groupAttribute = this.selection?.groupAttribute ?? null): void {
    this.busy = { ...this.busy, fleet: 'Computing the batch…' };
    this.post({ type: 'selectBatch', selection: { batch, groupAttribute } });
  }

  private setKeyMode(mode: string): void {
    this.keyMode = mode;
    this.persist();
    if (mode === 'time') {
      this.selectBatch(timeRangeRef(TIME_PRESETS[1].ms, Date.now()));
      return;
    }
    if (mode === 'custom') return; // waits for the typed key
    this.busy = { ...this.busy, batches: 'Listing batches…' };
    this.post({ type: 'listBatches', key: mode || null });
  }

  private setCustomKey(key: string): void {
    this.customKey = key.trim();
    this.persist();
    if (!this.customKey) return;
    this.busy = { ...this.busy, batches: 'Listing batches…' };
    this.post({ type: 'listBatches', key: this.customKey });
  }

  private setGroupAttribute(text: string): void {
    const attribute = text.trim() || null;
    if (!this.selection || attribute === this.selection.groupAttribute) return;
    if (attribute) this.setDimension('attribute');
    this.selectBatch(this.selection.batch, attribute);
    if (this.compare) this.post({ type: 'compareBatches', before: this.compare.before, after: this.compare.after, groupAttribute: attribute });
  }

  private setDimension(d: FleetDimensionDto): void {
    this.dimension = d;
    this.persist();
    this.scrollGroupsToTop();
  }

  private setSort(key: GroupSortKey): void {
    this.sort = nextSort(this.sort, key);
    this.persist();
    this.scrollGroupsToTop();
  }

  /** A new order or another dimension starts at its first row. */
  private scrollGroupsToTop(): void {
    const list = this.querySelector<HTMLElement>('fleet-virtual-list.group-rows');
    if (list) list.scrollTop = 0;
  }

  /** The earlier batch is "before", as in the run compare. */
  private compareWith(id: string): void {
    const current = this.selection?.batch;
    if (!id) {
      this.compare = null;
      this.compareError = null;
      this.post({ type: 'clearCompare' });
      return;
    }
    const other = this.batches.find((b) => batchRefId(b.ref) === id);
    const here = this.batches.find((b) => sameBatch(b.ref, current));
    if (!other || !current) return;
    const otherStart = other.firstStartMs;
    const hereStart = here?.firstStartMs ?? (current.kind === 'timeRange' ? current.fromMs : Number.POSITIVE_INFINITY);
    const [before, after] = otherStart <= hereStart ? [other.ref, current] : [current, other.ref];
    this.busy = { ...this.busy, compare: 'Comparing the batches…' };
    this.compareError = null;
    this.post({ type: 'compareBatches', before, after, groupAttribute: this.selection?.groupAttribute ?? null });
  }

  render() {
    return html`<div class="fleet">
      ${this.renderPicker()}
      ${this.fleetError ? html`<div class="failure" role="alert">${this.fleetError}</div>` : nothing}
      ${this.busy.fleet && !this.fleet ? html`<p class="muted busy">${this.busy.fleet}</p>` : nothing}
      ${this.fleet ? this.renderFleet(this.fleet) : !this.busy.fleet && !this.fleetError ? html`<p class="empty">Pick a batch to see its runs.</p>` : nothing}
    </div>`;
  }

  private renderPicker() {
    const selectedId = this.selection ? batchRefId(this.selection.batch) : '';
    const listed = this.selection && !this.batches.some((b) => batchRefId(b.ref) === selectedId) && this.fleet ? [this.fleet.batch, ...this.batches] : this.batches;
    return html`<div class="toolbar picker">
      <label
        >Batch by
        <select class="key-mode" @change=${(e: Event) => this.setKeyMode((e.target as HTMLSelectElement).value)}>
          <option value="" ?selected=${this.keyMode === ''}>Any grouping attribute</option>
          ${GROUPING_KEYS.map((k) => html`<option value=${k} ?selected=${this.keyMode === k}>${k}</option>`)}
          <option value="custom" ?selected=${this.keyMode === 'custom'}>Another attribute…</option>
          <option value="time" ?selected=${this.keyMode === 'time'}>Time range</option>
        </select></label
      >
      ${this.keyMode === 'custom'
        ? html`<input class="custom-key" placeholder="attribute, e.g. experiment.id" .value=${this.customKey} @change=${(e: Event) => this.setCustomKey((e.target as HTMLInputElement).value)} />`
        : nothing}
      ${this.keyMode === 'time' ? this.renderTimeRange() : this.renderBatchSelect(listed, selectedId)}
      ${this.busy.batches ? html`<span class="muted">${this.busy.batches}</span>` : nothing}
      <label title="Group the runs by this attribute too (a span or resource attribute, or a baggage key): cost per feature"
        >Group by attribute
        <input
          class="group-attribute"
          list="group-attribute-suggestions"
          placeholder="feature, route…"
          .value=${this.selection?.groupAttribute ?? ''}
          @change=${(e: Event) => this.setGroupAttribute((e.target as HTMLInputElement).value)}
        />
        <datalist id="group-attribute-suggestions">${GROUP_ATTRIBUTE_SUGGESTIONS.map((s) => html`<option value=${s}></option>`)}</datalist></label
      >
    </div>`;
  }

  private renderBatchSelect(listed: readonly BatchSummaryDto[], selectedId: string) {
    if (this.batchesLoaded && !listed.length) {
      return html`<span class="no-batches muted"
        >No batches yet: tag runs with a grouping attribute (OTEL_RESOURCE_ATTRIBUTES=agent_trace.batch=…) or pick "Time range".</span
      >`;
    }
    return html`<label
      >Batch
      <select
        class="batch"
        @change=${(e: Event) => {
          const b = listed.find((x) => batchRefId(x.ref) === (e.target as HTMLSelectElement).value);
          if (b) this.selectBatch(b.ref);
        }}
      >
        ${selectedId ? nothing : html`<option value="" selected>Pick a batch…</option>`}
        ${listed.map((b) => html`<option value=${batchRefId(b.ref)} ?selected=${batchRefId(b.ref) === selectedId}>${b.label} (${formatCount(b.runs)} runs)</option>`)}
      </select></label
    >`;
  }

  private renderTimeRange() {
    const apply = () => {
      const from = fromLocalInput(this.rangeFrom);
      const to = fromLocalInput(this.rangeTo);
      if (from !== null && to !== null && to > from) this.selectBatch({ kind: 'timeRange', fromMs: from, toMs: to });
    };
    return html`<span class="time-range">
      ${TIME_PRESETS.map((p) => html`<button class="link preset" @click=${() => this.selectBatch(timeRangeRef(p.ms, Date.now()))}>${p.label}</button>`)}
      <input type="datetime-local" class="range-from" .value=${this.rangeFrom} @change=${(e: Event) => (this.rangeFrom = (e.target as HTMLInputElement).value)} />
      –
      <input type="datetime-local" class="range-to" .value=${this.rangeTo} @change=${(e: Event) => (this.rangeTo = (e.target as HTMLInputElement).value)} />
      <vscode-button secondary class="apply-range" @click=${apply}>Show</vscode-button>
    </span>`;
  }

  private renderFleet(f: FleetDto) {
    const stale = this.busy.fleet ? 'stale' : '';
    return html`<div class="batch-header ${stale}">
        <h1 class="batch-label">${f.batch.label}</h1>
        <span class="runs-count"><strong>${formatCount(f.batch.runs)}</strong> ${f.batch.runs === 1 ? 'run' : 'runs'}</span>
        ${f.batch.runs ? html`<span class="muted">${new Date(f.batch.firstStartMs).toLocaleString()} – ${new Date(f.batch.lastStartMs).toLocaleString()}</span>` : nothing}
        ${this.busy.fleet ? html`<span class="muted">${this.busy.fleet}</span>` : nothing}
      </div>
      ${f.batch.runs === 0
        ? html`<p class="empty">No runs in this batch.${f.metrics?.length ? ' The metrics received for its time range are below.' : ''}</p>`
        : html`${this.renderComparePicker()} ${this.renderCompare()}
            <h2 class="section">Distributions</h2>
            <div class="histograms ${stale}">
              ${MEASURE_ORDER.map((m) => f.distributions.find((d) => d.measure === m))
                .filter((d) => d !== undefined)
                .map((d) => html`<fleet-histogram class="hist-${d.measure}" .distribution=${d} .themeVersion=${this.themeVersion}></fleet-histogram>`)}
            </div>
            ${this.renderChecks(f)} ${this.renderGroups(f)} ${this.renderOutliers(f.outliers)}`}
      ${this.renderMetrics(f)}`;
  }

  private renderComparePicker() {
    const current = this.selection?.batch;
    const others = this.batches.filter((b) => !sameBatch(b.ref, current));
    const otherId = this.compare ? batchRefId(sameBatch(this.compare.before, current) ? this.compare.after : this.compare.before) : '';
    return html`<div class="toolbar compare-picker">
      <label
        >Compare with
        <select class="compare-with" ?disabled=${!others.length} @change=${(e: Event) => this.compareWith((e.target as HTMLSelectElement).value)}>
          <option value="" ?selected=${!otherId}>${others.length ? 'no other batch' : 'no other batch to compare with'}</option>
          ${others.map((b) => html`<option value=${batchRefId(b.ref)} ?selected=${batchRefId(b.ref) === otherId}>${b.label} (${formatCount(b.runs)} runs)</option>`)}
        </select></label
      >
      ${this.busy.compare ? html`<span class="muted">${this.busy.compare}</span>` : nothing}
    </div>`;
  }

  private renderCompare() {
    if (this.compareError) return html`<div class="failure compare-failure" role="alert">${this.compareError}</div>`;
    if (!this.compare) return nothing;
    const r = this.compare.result;
    const findings = orderFindings(r.findings);
    const counts = findingCounts(findings);
    return html`<section class="batch-compare ${this.busy.compare ? 'stale' : ''}">
      <h2 class="section">Batch against batch</h2>
      <p class="compare-sides">
        <span class="before-label">${r.before.label}</span> (${formatCount(r.before.runs)} runs) → <span class="after-label">${r.after.label}</span> (${formatCount(r.after.runs)} runs)
      </p>
      <p class="compare-summary ${counts.regressions ? 'has-regressions' : ''}">
        ${counts.regressions} ${counts.regressions === 1 ? 'regression' : 'regressions'}, ${counts.improvements} ${counts.improvements === 1 ? 'improvement' : 'improvements'}
        <span class="muted">(significant at α = ${r.alpha}; ${formatCount(counts.unchanged)} other ${counts.unchanged === 1 ? 'measure' : 'measures'})</span>
      </p>
      ${findings.length
        ? html`<fleet-virtual-list class="findings" .items=${findings} .rowHeight=${FINDING_ROW_HEIGHT} .renderItem=${(f: BatchFindingDto) => this.renderFinding(f)}></fleet-virtual-list>`
        : html`<p class="empty">No measure to compare: the batches share no group.</p>`}
    </section>`;
  }

  private renderFinding(f: BatchFindingDto) {
    const kind = f.regression ? 'regression' : f.improvement ? 'improvement' : 'unchanged';
    const interval = intervalText(f);
    const p = pValueText(f);
    return html`<div class="finding ${kind}" title=${`${measureLabel(f.measure)} for ${groupLabel(f.group)}: ${f.before.n} runs before, ${f.after.n} after`}>
      <div class="finding-line">
        <span class="finding-kind">${kind === 'unchanged' ? '' : kind === 'regression' ? 'Regression' : 'Improvement'}</span>
        <span class="headline">${f.headline}</span>
      </div>
      <div class="finding-detail muted">
        <span class="before-after">${beforeAfterText(f)}</span>
        ${p ? html`<span class="p-value">${p}</span>` : nothing}
        ${interval ? html`<span class="interval">Δ ${interval}</span>` : nothing}
        <span class="test">${TEST_LABEL[f.test] ?? f.test}</span>
        <span class="n">n = ${formatCount(f.before.n)} / ${formatCount(f.after.n)}</span>
        ${f.typicalPair
          ? html`<button
              class="link compare-runs"
              @click=${() => this.post({ type: 'compareRuns', beforeTraceId: f.typicalPair!.beforeTraceId, afterTraceId: f.typicalPair!.afterTraceId })}
            >
              Compare typical runs
            </button>`
          : nothing}
      </div>
    </div>`;
  }

  private renderChecks(f: FleetDto) {
    if (!f.checks.length) return nothing;
    return html`<h2 class="section">Checks and evaluations</h2>
      <table class="checks kv">
        <thead>
          <tr><th>Name</th><th>Pass rate</th><th>Passed</th><th>Failed</th><th>Errors</th></tr>
        </thead>
        <tbody>
          ${f.checks.map((c) => {
            const total = c.passed + c.failed + c.errors;
            return html`<tr class="check ${c.failed || c.errors ? 'failing' : ''}">
              <td>${c.name}${c.source === 'evaluation' ? html` <span class="badge">evaluation</span>` : nothing}</td>
              <td>${total ? formatPercent(c.passed / total) : 'unknown'}</td>
              <td>${formatCount(c.passed)}</td>
              <td>${formatCount(c.failed)}</td>
              <td>${formatCount(c.errors)}</td>
            </tr>`;
          })}
        </tbody>
      </table>`;
  }

  private renderGroups(f: FleetDto) {
    const attribute = this.selection?.groupAttribute ?? null;
    const rows = sortedGroups(f.groups, this.dimension, this.sort);
    const tabLabel = (d: FleetDimensionDto) => (d === 'attribute' ? (attribute ? attribute : 'Attribute…') : DIMENSION_LABEL[d]);
    return html`<h2 class="section">Groups</h2>
      <div class="tabs" role="tablist">
        ${DIMENSIONS.map(
          (d) => html`<button role="tab" class="tab tab-${d}" aria-selected=${this.dimension === d ? 'true' : 'false'} @click=${() => this.setDimension(d)}>
            ${tabLabel(d)} <span class="muted">${formatCount(f.groups.filter((g) => g.dimension === d).length)}</span>
          </button>`,
        )}
      </div>
      ${this.dimension === 'attribute' && !attribute
        ? html`<p class="empty">Type an attribute in "Group by attribute" (feature, route, a baggage key) to see cost per feature.</p>`
        : rows.length === 0
          ? html`<p class="empty">No ${DIMENSION_LABEL[this.dimension].toLowerCase()} groups in this batch.</p>`
          : html`<div class="groups" role="table" aria-label="Groups" aria-rowcount=${rows.length + 1}>
              <div class="group-row group-head" role="row">
                ${GROUP_COLUMNS.map((c) => {
                  const sorted = this.sort.key === c.key;
                  const label = c.key === 'value' ? tabLabel(this.dimension) : c.label;
                  return html`<span role="columnheader" class=${c.numeric ? 'num' : ''} aria-sort=${sorted ? (this.sort.descending ? 'descending' : 'ascending') : 'none'}>
                    <button class="sort sort-${c.key}" @click=${() => this.setSort(c.key)}>${label}${sorted ? (this.sort.descending ? ' ▼' : ' ▲') : ''}</button>
                  </span>`;
                })}
              </div>
              <fleet-virtual-list class="group-rows" .items=${rows} .rowHeight=${GROUP_ROW_HEIGHT} .renderItem=${(g: FleetGroupDto) => this.renderGroup(g)}></fleet-virtual-list>
            </div>`}`;
  }

  private renderGroup(g: FleetGroupDto) {
    return html`<div class="group-row list-item" role="row" data-value=${g.value}>
      <span role="cell" class="group-value" title=${g.value}>${g.value}</span>
      <span role="cell" class="num runs">${groupRunsText(g)}</span>
      <span role="cell" class="num error-rate ${g.errorRate > 0 ? 'error-text' : ''}">${formatPercent(g.errorRate)}</span>
      <span role="cell" class="num pass-rate">${g.checkPassRate === null ? '—' : formatPercent(g.checkPassRate)}</span>
      <span role="cell" class="num cost">${formatCost(g.costUsd)}</span>
      <span role="cell" class="num cost-per-run">${formatCost(g.costPerRunUsd)}</span>
      <span role="cell" class="num p95">${formatDuration(g.p95DurationMs)}</span>
    </div>`;
  }

  private renderOutliers(outliers: readonly FleetOutlierDto[]) {
    return html`<h2 class="section">Outliers <span class="muted">${formatCount(outliers.length)}</span></h2>
      ${outliers.length
        ? html`<fleet-virtual-list class="outliers" .items=${outliers} .rowHeight=${OUTLIER_ROW_HEIGHT} .renderItem=${(o: FleetOutlierDto) => this.renderOutlier(o)}></fleet-virtual-list>`
        : html`<p class="empty">No outliers: every run is within the batch's usual range.</p>`}`;
  }

  private renderOutlier(o: FleetOutlierDto) {
    return html`<button class="outlier list-item" data-trace=${o.traceId} title="Open this run in the trace panel" @click=${() => this.post({ type: 'openTrace', traceId: o.traceId })}>
      <span class="badge measure">${measureLabel(o.measure)}</span>
      <span class="outlier-title">${o.title}</span>
      <span class="reason muted">${o.reason}</span>
    </button>`;
  }

  private renderMetrics(f: FleetDto) {
    if (!f.metrics?.length) return nothing;
    return html`<h2 class="section">Metrics received <span class="muted">(OTLP, for this batch's time range)</span></h2>
      <table class="metrics kv">
        <thead>
          <tr><th>Metric</th><th>Points</th><th>Count</th><th>Sum</th><th>Attributes</th></tr>
        </thead>
        <tbody>
          ${f.metrics.map(
            (m) => html`<tr class="metric">
              <td class="mono">${m.name}</td>
              <td>${formatCount(m.points)}</td>
              <td>${m.count === null ? '—' : formatCount(m.count)}</td>
              <td>${m.sum === null ? '—' : m.name.includes('duration') ? formatDuration(m.sum * 1000) : formatCount(m.sum)}</td>
              <td class="muted">${Object.entries(m.attributes)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')}</td>
            </tr>`,
          )}
        </tbody>
      </table>`;
  }
}
