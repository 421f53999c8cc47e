// The trace panel: header, virtualized step tree with waterfall column, and the detail pane.
// Light DOM (styles adopted on the document); all span content goes through lit text bindings.
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { cssProps } from '../shared/cssProps';
import type { CheckResultDto, SpanDto, TraceDetailDto } from '../../src/protocol/dto';
import { assertNever, type TraceHostMessage, type TraceWebviewMessage } from '../../src/protocol/webviewMessages';
import { formatCost, formatDuration, formatTokens, highlightSegments } from '../shared/format';
import { chevronDown, chevronRight, errorIcon, kindColorVar, kindIcon, kindLabel, orphanIcon } from '../shared/icons';
import { VirtualRows } from '../shared/virtualRows';
import { ancestorIds, barGeometry, buildTreeIndex, duplicateNote, initialSelection, navigate, nextFailedSpan, runInputOutput, subtreeRollups, timeAxisTicks, totalTokens, visibleRows, type NavKey, type Rollup, type TreeIndex, type TreeRow } from './treeModel';
import { checksLabel, failingChecksBySpan, problemMark, type DetailTabKey } from './detailModel';
import type { ResolvedSource } from './spanDetail';
import './spanDetail';

export const ROW_HEIGHT = 22;
const DEFAULT_TIMELINE_WIDTH = 160;
const STACK_BELOW_PX = 760;
/** From this width the details get 42% beside the steps; below it the steps keep more room. */
const ROOMY_FROM_PX = 1100;
const SPLIT_PCT = { stacked: 45, medium: 64, wide: 58 } as const;
/**
 * Until the user sizes it, the timeline takes a share of the steps pane: a small one in a
 * narrow pane so names keep room, a larger one when there is room for both.
 */
const TIMELINE_SHARE = { narrow: 0.18, roomy: 0.3 } as const;
const ROOMY_TREE_PX = 700;
const MAX_AUTO_TIMELINE_WIDTH = 480;
const MIN_TIMELINE_WIDTH = 60;
const MAX_TIMELINE_WIDTH = 900;
/** How many parts the time axis is cut into: a label ("+1.2 s") needs about 80 px. */
const axisParts = (width: number) => (width >= 320 ? 4 : width >= 130 ? 2 : 1);
const clampTimelineWidth = (w: number) => Math.round(Math.min(MAX_TIMELINE_WIDTH, Math.max(MIN_TIMELINE_WIDTH, w)));

/** What survives a panel being hidden and shown again (webview getState/setState). */
export interface TracePanelState {
  traceId: string | null;
  selected: string | null;
  collapsed: string[];
  query: string;
  scrollTop: number;
  tab: DetailTabKey;
  /** Width of the timeline column, pixels (the user drags its edge). */
  timelineWidth?: number;
}

type Post = (m: TraceWebviewMessage) => void;

@customElement('agent-trace-app')
export class TraceApp extends LitElement {
  @state() private trace: TraceDetailDto | null = null;
  @state() private live = false;
  @state() private gone = false;
  @state() private selected: string | null = null;
  @state() private collapsed = new Set<string>();
  @state() private query = '';
  @state() private tab: DetailTabKey = 'conversation';
  @state() private timelineWidth = DEFAULT_TIMELINE_WIDTH;
  @state() private workspaceRoots: string[] = [];
  /** The user's checks on this run, and the failing ones by step. */
  @state() private checks: CheckResultDto[] = [];
  private failingBySpan = new Map<string, CheckResultDto[]>();
  /** Below STACK_BELOW_PX the tree sits above the details instead of beside them. */
  @state() private layout: 'stacked' | 'medium' | 'wide' = 'wide';
  private get stacked(): boolean {
    return this.layout === 'stacked';
  }
  /** Where the user put the splitter (percent), for this layout. */
  @state() private splitPct: number | null = null;
  @state() private panelWidth = 0;
  private readonly resizeObserver = new ResizeObserver((entries) => {
    const width = entries[0]?.contentRect.width ?? 0;
    if (width > 0) this.panelWidth = width;
    const layout = width <= 0 ? this.layout : width < STACK_BELOW_PX ? 'stacked' : width < ROOMY_FROM_PX ? 'medium' : 'wide';
    if (layout !== this.layout) {
      this.layout = layout;
      this.splitPct = null;
    }
  });
  @state() private resolved = new Map<string, ResolvedSource | null>();

  post: Post = () => undefined;
  saveState: (s: TracePanelState) => void = () => undefined;

  private index: TreeIndex | null = null;
  private rollups: Rollup[] = [];
  private rows: TreeRow[] = [];
  private rowById = new Map<string, number>();
  private rowsKey = '';
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private pendingScrollTop: number | null = null;
  private readonly virtual = new VirtualRows(this, () => this.querySelector<HTMLElement>('.tree-scroll'), ROW_HEIGHT);

  protected createRenderRoot() {
    return this;
  }

  restore(s: TracePanelState | undefined): void {
    if (!s) return;
    this.selected = s.selected;
    this.collapsed = new Set(s.collapsed);
    this.query = s.query;
    this.tab = typeof s.tab === 'string' ? s.tab : 'conversation';
    if (typeof s.timelineWidth === 'number') this.timelineWidth = clampTimelineWidth(s.timelineWidth);
    this.pendingScrollTop = s.scrollTop;
    this.restoredTraceId = s.traceId;
  }
  private restoredTraceId: string | null = null;
  private pendingReveal: string | null = null;

  handleMessage(m: TraceHostMessage): void {
    switch (m.type) {
      case 'trace': {
        const sameTrace = this.trace?.traceId === m.trace.traceId || (!this.trace && this.restoredTraceId === m.trace.traceId);
        if (!sameTrace) {
          this.selected = null;
          this.collapsed = new Set();
          this.query = '';
          this.resolved = new Map();
          this.pendingScrollTop = 0;
        }
        this.trace = m.trace;
        this.live = m.live;
        this.gone = false;
        this.index = buildTreeIndex(m.trace);
        this.rollups = subtreeRollups(this.index);
        this.workspaceRoots = m.workspaceRoots ?? [];
        this.checks = m.checks ?? [];
        this.failingBySpan = failingChecksBySpan(this.checks);
        this.rowsKey = '';
        if (!this.selected && !this.pendingReveal) this.selectInitial();
        if (this.pendingReveal) {
          const id = this.pendingReveal;
          this.pendingReveal = null;
          this.reveal(id);
        }
        break;
      }
      case 'traceGone':
        if (this.trace?.traceId === m.traceId) {
          this.gone = true;
          this.live = false;
        }
        break;
      case 'selectSpan':
        this.reveal(m.spanId);
        break;
      case 'sourceResolved': {
        const next = new Map(this.resolved);
        next.set(m.spanId, m.source);
        this.resolved = next;
        break;
      }
      default:
        assertNever(m);
    }
  }

  connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('keydown', this.onDocumentKey);
    this.resizeObserver.observe(this);
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('keydown', this.onDocumentKey);
    this.resizeObserver.disconnect();
  }

  private onDocumentKey = (e: KeyboardEvent) => {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'f') {
      e.preventDefault();
      this.focusSearch();
    }
  };

  private focusSearch(append?: string): void {
    const field = this.querySelector<HTMLElement & { value: string }>('.search');
    if (!field) return;
    if (append !== undefined) {
      field.value = field.value + append;
      this.setQuery(field.value, true);
    }
    field.focus();
  }

  private setQuery(q: string, immediate = false): void {
    clearTimeout(this.searchTimer);
    const apply = () => {
      this.query = q;
    };
    if (immediate) apply();
    else this.searchTimer = setTimeout(apply, 120);
  }

  private computeRows(): void {
    const key = `${this.query}\u0000${[...this.collapsed].join(',')}`;
    if (!this.index || key === this.rowsKey) return;
    this.rows = visibleRows(this.index, this.collapsed, this.query);
    this.rowById = new Map();
    this.rows.forEach((r, i) => {
      const id = this.index!.spans[r.span].spanId;
      if (!this.rowById.has(id)) this.rowById.set(id, i);
    });
    this.rowsKey = key;
  }

  private get selectedRow(): number {
    return this.selected ? (this.rowById.get(this.selected) ?? -1) : -1;
  }

  private select(rowIndex: number, scroll = true): void {
    const row = this.rows[rowIndex];
    if (!row || !this.index) return;
    const id = this.index.spans[row.span].spanId;
    if (id !== this.selected) {
      this.selected = id;
      this.post({ type: 'spanSelected', spanId: id });
    }
    if (scroll) this.virtual.scrollToIndex(rowIndex);
  }

  private toggle(spanId: string, expand?: boolean): void {
    const next = new Set(this.collapsed);
    const isCollapsed = next.has(spanId);
    if (expand === undefined ? isCollapsed : expand) next.delete(spanId);
    else next.add(spanId);
    this.collapsed = next;
  }

  /** A newly shown trace opens on its first failed step (Error tab), else its first model call. */
  private selectInitial(): void {
    const first = this.index ? initialSelection(this.index) : null;
    if (!first) return;
    if (first.errorTab) this.tab = 'error';
    this.reveal(first.spanId);
    this.post({ type: 'spanSelected', spanId: first.spanId });
  }

  /** "Errors N" in the header: the next failed step after the selected one, Error tab open. */
  private jumpToNextError(): void {
    const id = this.index ? nextFailedSpan(this.index, this.selected) : null;
    if (!id) return;
    this.tab = 'error';
    this.reveal(id);
    this.post({ type: 'spanSelected', spanId: id });
    this.querySelector<HTMLElement>('.tree-scroll')?.focus();
  }

  /** Select a span from outside (code lens, redaction panel): expand its ancestors, clear a hiding search. */
  private reveal(spanId: string): void {
    const i = this.index?.byId.get(spanId);
    if (!this.index || i === undefined) {
      // Asked before the trace (or that span) arrived: reveal it when it does.
      this.pendingReveal = spanId;
      return;
    }
    const next = new Set(this.collapsed);
    for (const a of ancestorIds(this.index, i)) next.delete(a);
    this.collapsed = next;
    this.selected = spanId;
    if (this.query && !visibleRows(this.index, next, this.query).some((r) => r.span === i)) this.query = '';
    this.updateComplete.then(() => this.virtual.scrollToIndex(this.selectedRow));
  }

  private onTreeKey = (e: KeyboardEvent) => {
    const navKeys: NavKey[] = ['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageUp', 'PageDown'];
    if ((navKeys as string[]).includes(e.key)) {
      e.preventDefault();
      const res = navigate(this.rows, this.selectedRow, e.key as NavKey, this.virtual.pageSize());
      if (res.index < 0) return;
      if (res.toggle) this.toggle(this.index!.spans[this.rows[res.index].span].spanId, res.toggle === 'expand');
      this.select(res.index);
      return;
    }
    const row = this.rows[this.selectedRow];
    if ((e.key === 'Enter' || e.key === ' ') && row) {
      e.preventDefault();
      const span = this.index!.spans[row.span];
      if (row.hasChildren) this.toggle(span.spanId);
      else if (e.key === 'Enter' && span.source) this.post({ type: 'openSource', spanId: span.spanId });
      return;
    }
    if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey && e.key !== ' ') {
      e.preventDefault();
      this.focusSearch(e.key);
    }
  };

  private onSearchKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      (e.currentTarget as HTMLElement & { value: string }).value = '';
      this.setQuery('', true);
      this.querySelector<HTMLElement>('.tree-scroll')?.focus();
    } else if (e.key === 'ArrowDown' || e.key === 'Enter') {
      e.preventDefault();
      this.setQuery((e.currentTarget as HTMLElement & { value: string }).value, true);
      this.updateComplete.then(() => {
        const first = this.rows.findIndex((r) => r.match);
        if (first >= 0) this.select(first);
        this.querySelector<HTMLElement>('.tree-scroll')?.focus();
      });
    }
  };

  private onRowClick(e: MouseEvent, rowIndex: number): void {
    const row = this.rows[rowIndex];
    if ((e.target as Element).closest('.twisty') && row.hasChildren) {
      this.toggle(this.index!.spans[row.span].spanId);
    }
    this.select(rowIndex, false);
    this.querySelector<HTMLElement>('.tree-scroll')?.focus();
  }

  protected willUpdate(_changed: PropertyValues): void {
    this.computeRows();
  }

  protected updated(): void {
    const el = this.querySelector<HTMLElement>('.tree-scroll');
    if (el && this.pendingScrollTop !== null && this.rows.length) {
      el.scrollTop = this.pendingScrollTop;
      this.pendingScrollTop = null;
    }
    this.persist();
  }

  private persistTimer: ReturnType<typeof setTimeout> | undefined;
  private persist(): void {
    clearTimeout(this.persistTimer);
    this.persistTimer = setTimeout(() => {
      this.saveState({
        traceId: this.trace?.traceId ?? null,
        selected: this.selected,
        collapsed: [...this.collapsed],
        query: this.query,
        scrollTop: this.querySelector<HTMLElement>('.tree-scroll')?.scrollTop ?? 0,
        tab: this.tab,
        timelineWidth: this.timelineWidth,
      });
    }, 200);
  }

  render() {
    if (!this.trace || !this.index) {
      return html`<div class="empty">Waiting for trace data…</div>`;
    }
    const t = this.trace;
    const selIdx = this.selected ? this.index.byId.get(this.selected) : undefined;
    const selSpan = selIdx !== undefined ? this.index.spans[selIdx] : null;
    const matchCount = this.query ? this.rows.filter((r) => r.match).length : 0;
    return html`
      <div class="trace-app">
        ${this.renderHeader(t)}
        ${this.gone ? html`<div class="banner error-text" role="alert">This trace was deleted. What is shown is the last state received.</div>` : nothing}
        <vscode-split-layout
          class="split ${this.stacked ? 'stacked' : ''}"
          .split=${this.stacked ? 'horizontal' : 'vertical'}
          initial-handle-position=${`${SPLIT_PCT[this.layout]}%`}
          .handlePosition=${this.splitPct === null ? undefined : `${this.splitPct}%`}
          min-start=${this.stacked ? '140px' : '260px'}
          min-end=${this.stacked ? '160px' : '220px'}
          @vsc-split-layout-change=${(e: CustomEvent<{ positionInPercentage: number }>) => (this.splitPct = e.detail.positionInPercentage)}
        >
          <section slot="start" class="tree-pane" aria-label="Steps" style=${cssProps({ '--timeline-width': `${this.effectiveTimelineWidth}px`, '--timeline-grid': `${100 / axisParts(this.effectiveTimelineWidth)}%` })}>
            <div class="toolbar">
              <vscode-textfield
                class="search"
                placeholder="Search steps, models, tools, messages (Ctrl+F)"
                aria-label="Search steps"
                .value=${this.query}
                @input=${(e: Event) => this.setQuery((e.target as HTMLElement & { value: string }).value)}
                @keydown=${this.onSearchKey}
              ></vscode-textfield>
              <span class="match-count muted" aria-live="polite">${this.query ? `${matchCount} ${matchCount === 1 ? 'match' : 'matches'}` : ''}</span>
            </div>
            <div class="tree-columns">
              <span>Step</span><span class="num">Duration</span><span class="num col-tokens">Tokens</span><span class="num">Cost</span>${this.renderTimeAxis()}
            </div>
            ${this.renderTree()}
          </section>
          <section slot="end" class="detail-pane" aria-label="Step details">
            ${selSpan
              ? html`<agent-span-detail
                  .span=${selSpan}
                  .runIO=${selIdx !== undefined ? runInputOutput(this.index, selIdx) : null}
                  .workspaceRoots=${this.workspaceRoots}
                  .query=${this.query}
                  .checks=${this.checks.filter((c) => c.spanId === selSpan.spanId)}
                  .resolved=${this.resolved.has(selSpan.spanId) ? this.resolved.get(selSpan.spanId) : undefined}
                  .tab=${this.tab}
                  .post=${this.post}
                  @tab-change=${(e: CustomEvent<DetailTabKey>) => (this.tab = e.detail)}
                ></agent-span-detail>`
              : html`<div class="empty">Select a step to see its details.</div>`}
          </section>
        </vscode-split-layout>
      </div>
    `;
  }

  private renderHeader(t: TraceDetailDto) {
    const tokens = t.usage.inputTokens === null && t.usage.outputTokens === null ? null : (t.usage.inputTokens ?? 0) + (t.usage.outputTokens ?? 0);
    return html`<header class="trace-header">
      <div class="title-row">
        <h1 class="trace-name" title=${`${t.title || t.name} (trace ${t.traceId})`}>${t.title || t.name || '(unnamed trace)'}</h1>
        ${this.live ? html`<span class="badge-live" title="Spans are still arriving">Live</span>` : nothing}
        <span class="spacer"></span>
        <vscode-button secondary @click=${() => this.post({ type: 'compareWithPrevious', traceId: t.traceId })}>Compare with previous run</vscode-button>
        <vscode-button secondary @click=${() => this.post({ type: 'previewRedaction', traceId: t.traceId })}>Preview redaction</vscode-button>
      </div>
      <dl class="stats">
        <div><dt>Services</dt><dd>${t.services.join(', ') || 'unknown'}</dd></div>
        <div><dt>Duration</dt><dd>${formatDuration(t.durationMs)}</dd></div>
        <div><dt>Spans</dt><dd>${t.spanCount}</dd></div>
        <div><dt>Errors</dt><dd class=${t.errorCount ? 'error-text' : ''}>${t.errorCount
          ? html`<button class="link-button error-text errors-jump" title="Go to the next failed step" @click=${() => this.jumpToNextError()}>${t.errorCount}</button>`
          : t.errorCount}</dd></div>
        <div><dt>Tokens</dt><dd title="input ${formatTokens(t.usage.inputTokens)} · output ${formatTokens(t.usage.outputTokens)}">${formatTokens(tokens)}</dd></div>
        <div><dt>Cost</dt><dd>${formatCost(t.costUsd)}</dd></div>
        ${t.models.length ? html`<div><dt>Models</dt><dd>${t.models.join(', ')}</dd></div>` : nothing}
        ${t.orphanCount ? html`<div><dt>Orphans</dt><dd>${t.orphanCount}</dd></div>` : nothing}
        ${this.checks.length
          ? html`<div><dt>Checks</dt><dd class="checks-summary ${this.checks.some((c) => c.outcome !== 'pass') ? 'error-text' : ''}">${checksLabel(this.checks)}</dd></div>`
          : nothing}
      </dl>
      ${this.renderChecks()}
      ${t.warnings.length
        ? html`<details class="warnings"><summary>${t.warnings.length} ${t.warnings.length === 1 ? 'warning' : 'warnings'}</summary>
            <ul>${t.warnings.map((w) => html`<li>${w}</li>`)}</ul></details>`
        : nothing}
    </header>`;
  }

  /** The user's width once they sized the column; until then a share of the steps pane. */
  private get effectiveTimelineWidth(): number {
    if (this.timelineWidth !== DEFAULT_TIMELINE_WIDTH || this.panelWidth <= 0) return this.timelineWidth;
    const treeWidth = this.stacked ? this.panelWidth : (this.panelWidth * (this.splitPct ?? SPLIT_PCT[this.layout])) / 100;
    const share = treeWidth >= ROOMY_TREE_PX ? TIMELINE_SHARE.roomy : TIMELINE_SHARE.narrow;
    return clampTimelineWidth(Math.min(MAX_AUTO_TIMELINE_WIDTH, treeWidth * share));
  }

  /** The timeline column's header: offsets from the trace start, and a handle to resize the column. */
  private renderTimeAxis() {
    const width = this.effectiveTimelineWidth;
    const ticks = timeAxisTicks(this.index?.totalMs ?? 0, axisParts(width));
    return html`<span class="time-axis" title="Offset from the start of the trace">
      <span
        class="timeline-resize"
        role="separator"
        aria-orientation="vertical"
        aria-label="Resize the timeline column"
        aria-valuenow=${this.timelineWidth}
        tabindex="0"
        @pointerdown=${this.startTimelineResize}
        @keydown=${(e: KeyboardEvent) => {
          const step = e.key === 'ArrowLeft' ? 20 : e.key === 'ArrowRight' ? -20 : 0;
          if (step) {
            e.preventDefault();
            this.timelineWidth = clampTimelineWidth(this.effectiveTimelineWidth + step);
          }
        }}
      ></span>
      ${ticks.map((t) => html`<span class="tick ${t.pct >= 100 ? 'tick-end' : ''}" style=${cssProps({ left: `${t.pct}%` })}>${t.label}</span>`)}
    </span>`;
  }

  /** Dragging the timeline column's left edge: left widens it, right narrows it. */
  private startTimelineResize = (e: PointerEvent) => {
    e.preventDefault();
    const handle = e.currentTarget as HTMLElement;
    handle.setPointerCapture(e.pointerId);
    const startX = e.clientX;
    const startWidth = this.effectiveTimelineWidth;
    const move = (ev: PointerEvent) => (this.timelineWidth = clampTimelineWidth(startWidth + (startX - ev.clientX)));
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
      this.persist();
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  };

  /** Every check's result on this run; those about a step lead to it. Open when one did not pass. */
  private renderChecks() {
    if (!this.checks.length) return nothing;
    const notPassed = this.checks.some((c) => c.outcome !== 'pass');
    return html`<details class="checks-list" ?open=${notPassed}>
      <summary>Checks: ${checksLabel(this.checks)}</summary>
      <ul>
        ${this.checks.map(
          (c) => html`<li class="check-result outcome-${c.outcome}">
            <span class=${c.outcome === 'pass' ? 'muted' : 'error-text'}>${c.outcome === 'pass' ? '✓' : c.outcome === 'fail' ? '✗' : '!'}</span>
            <strong>${c.check}</strong> <span class="muted">${c.message}</span>
            ${c.spanId && this.index?.byId.has(c.spanId)
              ? html`<button class="link-button go-to-step" @click=${() => this.goToStep(c.spanId!)}>Go to step</button>`
              : nothing}
          </li>`,
        )}
      </ul>
    </details>`;
  }

  private goToStep(spanId: string): void {
    this.reveal(spanId);
    this.post({ type: 'spanSelected', spanId });
  }

  private renderTree() {
    const index = this.index!;
    this.virtual.setCount(this.rows.length);
    const sel = this.selectedRow;
    const items = this.virtual.items();
    return html`<div
      class="tree-scroll list"
      role="tree"
      tabindex="0"
      aria-label="Step tree"
      aria-activedescendant=${sel >= 0 ? `row-${this.rows[sel].span}` : nothing}
      @keydown=${this.onTreeKey}
      @scroll=${() => this.persist()}
    >
      ${this.rows.length === 0 ? html`<div class="empty">${this.query ? 'No step matches the search.' : 'This trace has no spans.'}</div>` : nothing}
      <div class="tree-spacer" style=${cssProps({ height: `${this.virtual.totalSize()}px` })}>
        ${items.map((item) => this.renderRow(index, item.index, item.start, item.index === sel))}
      </div>
    </div>`;
  }

  private renderRow(index: TreeIndex, rowIndex: number, top: number, selected: boolean) {
    const row = this.rows[rowIndex];
    if (!row) return nothing;
    const span = index.spans[row.span];
    const bar = barGeometry(index, row.span);
    const isError = span.status === 'error' || span.error !== null;
    const label = span.kind === 'tool' && span.tool ? span.tool.name : span.name;
    const detail = span.kind === 'llm' && span.model && !span.name.includes(span.model) ? span.model : '';
    const duplicate = duplicateNote(index, row.span);
    const failing = this.failingBySpan.get(span.spanId);
    const problems = problemMark(span.problems);
    return html`<div
      class="row list-item ${selected ? 'selected' : ''} ${isError ? 'is-error' : ''} ${this.query && !row.match ? 'context-row' : ''}"
      role="treeitem"
      id="row-${row.span}"
      data-span-id=${span.spanId}
      aria-level=${row.depth + 1}
      aria-posinset=${row.posInSet}
      aria-setsize=${row.setSize}
      aria-selected=${selected ? 'true' : 'false'}
      aria-expanded=${row.hasChildren ? (row.expanded ? 'true' : 'false') : nothing}
      style=${cssProps({ transform: `translateY(${top}px)` })}
      @click=${(e: MouseEvent) => this.onRowClick(e, rowIndex)}
    >
      <div class="cell name" style=${cssProps({ 'padding-left': `${Math.min(row.depth, 40) * 12 + 4}px` })}>
        <span class="twisty">${row.hasChildren ? (row.expanded ? chevronDown : chevronRight) : nothing}</span>
        <span class="kind" style=${cssProps({ color: kindColorVar[span.kind] ?? kindColorVar.other })} title=${kindLabel[span.kind] ?? 'Step'}>${kindIcon(span.kind)}</span>
        <span class="label" title=${label}>${highlightSegments(label, this.query).map((s) => (s.match ? html`<mark>${s.text}</mark>` : s.text))}</span>
        ${detail ? html`<span class="detail muted">${detail}</span>` : nothing}
        ${isError ? html`<span class="mark error-text" title="Error">${errorIcon}</span>` : nothing}
        ${span.orphaned ? html`<span class="mark muted" title="Orphan: its parent span is missing">${orphanIcon}</span>` : nothing}
        ${duplicate ? html`<span class="mark muted duplicate" title=${duplicate}>duplicate</span>` : nothing}
        ${failing ? html`<span class="mark check-failed error-text" title=${failing.map((c) => `check "${c.check}": ${c.message}`).join('\n')}>✗ check</span>` : nothing}
        ${span.evaluations?.some((e) => e.outcome === 'fail')
          ? html`<span class="mark check-failed error-text" title=${span.evaluations.filter((e) => e.outcome === 'fail').map((e) => `evaluation "${e.name}" failed`).join('\n')}>✗ eval</span>`
          : nothing}
        ${problems ? html`<span class="mark replay-problem warning-text" title=${problems.title}>${problems.text}</span>` : nothing}
      </div>
      <div class="cell num">${formatDuration(span.durationMs)}</div>
      ${figureCells(row, span, this.rollups[row.span])}
      <div class="cell timeline" title=${`starts at +${formatDuration(index.offsetMs[row.span])} · takes ${formatDuration(span.durationMs)}`}>
        <div
          class="bar"
          style=${cssProps({
            left: `${bar.leftPct}%`,
            width: `${bar.widthPct}%`,
            background: isError ? 'var(--vscode-errorForeground)' : (kindColorVar[span.kind] ?? kindColorVar.other),
          })}
        ></div>
      </div>
    </div>`;
  }
}

/** Tokens and cost of a row: its own for a model call, the subtree's sum (marked Σ) for a parent step. */
function figureCells(row: TreeRow, span: SpanDto, rollup: Rollup | undefined) {
  const own = span.kind === 'llm' || span.kind === 'embedding';
  if (row.hasChildren && rollup && (rollup.tokens !== null || rollup.costUsd !== null) && !own) {
    const under = `in this step and the ${rollup.descendants} ${rollup.descendants === 1 ? 'step' : 'steps'} under it`;
    return html`<div class="cell num col-tokens rollup" title=${`${formatTokens(rollup.tokens)} tokens ${under}`}>${rollup.tokens !== null ? `Σ ${formatTokens(rollup.tokens)}` : ''}</div>
      <div class="cell num rollup" title=${`${formatCost(rollup.costUsd)} ${under}`}>${rollup.costUsd !== null ? `Σ ${formatCost(rollup.costUsd)}` : ''}</div>`;
  }
  return html`<div class="cell num col-tokens">${own ? formatTokens(totalTokens(span)) : ''}</div>
    <div class="cell num">${span.costUsd !== null ? formatCost(span.costUsd) : span.kind === 'llm' ? 'unknown' : ''}</div>`;
}

declare global {
  interface HTMLElementTagNameMap {
    'agent-trace-app': TraceApp;
  }
}
