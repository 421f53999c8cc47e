// One distribution of a batch as a histogram drawn by uPlot (canvas), with its p50/p95/p99
// markers. Colours and font come from the VS Code theme (chartTheme.ts); the chart is rebuilt when
// the distribution or the theme changes and resized with its box. Axis texts are numbers from the
// shared formatters; no span text reaches the canvas. The markers' x positions are kept on the
// element (data-markers) so a test can check what was drawn where.
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import uPlot from 'uplot';
import type { DistributionDto } from '../../src/protocol/fleet';
import { formatCount, formatTokens } from '../shared/format';
import { readChartTheme, type ChartTheme } from './chartTheme';
import { distributionSummary, formatMeasure, histogramRange, markersOf, measureLabel, type Marker } from './fleetModel';

export const CHART_HEIGHT = 130;

const INTEGER_MEASURES = new Set(['llmCalls', 'toolCalls', 'totalTokens']);

const MARKER_DASH: Record<Marker['label'], number[]> = { p50: [], p95: [5, 3], p99: [2, 2] };

@customElement('fleet-histogram')
export class FleetHistogram extends LitElement {
  @property({ attribute: false }) distribution: DistributionDto | null = null;
  /** Bumped by the page when the theme changed: the chart is drawn again with the new colours. */
  @property({ attribute: false }) themeVersion = 0;

  private chart: uPlot | null = null;
  private resize: ResizeObserver | null = null;

  protected createRenderRoot() {
    return this;
  }

  connectedCallback(): void {
    super.connectedCallback();
    this.resize = new ResizeObserver(() => {
      const box = this.querySelector<HTMLElement>('.chart');
      if (this.chart && box && box.clientWidth > 0 && Math.abs(box.clientWidth - this.chart.width) > 1) this.chart.setSize({ width: box.clientWidth, height: CHART_HEIGHT });
    });
    this.resize.observe(this);
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resize?.disconnect();
    this.destroyChart();
  }

  render() {
    const d = this.distribution;
    if (!d) return nothing;
    const label = measureLabel(d.measure);
    const empty = d.count === 0 || d.bins.length === 0;
    return html`<div class="hist-title">${label}</div>
      ${empty
        ? html`<div class="chart-empty muted">${d.missing ? (d.missing === 1 ? 'Unknown for the only run' : `Unknown for all ${formatCount(d.missing)} runs`) : 'No runs'}</div>`
        : html`<div class="chart" role="img" aria-label=${`${label} histogram: ${distributionSummary(d)}`}></div>`}
      <div class="stats muted">${distributionSummary(d)}</div>
      <div class="hover muted" aria-live="polite"></div>`;
  }

  protected updated(changed: PropertyValues<this>): void {
    if (changed.has('distribution') || changed.has('themeVersion')) this.draw();
  }

  private destroyChart(): void {
    this.chart?.destroy();
    this.chart = null;
  }

  private draw(): void {
    this.destroyChart();
    const d = this.distribution;
    const box = this.querySelector<HTMLElement>('.chart');
    const range = d ? histogramRange(d) : null;
    if (!d || !box || !range) {
      this.removeAttribute('data-markers');
      return;
    }
    const theme = readChartTheme();
    const centers = d.bins.map((b) => (b.lo + b.hi) / 2);
    const counts = d.bins.map((b) => b.count);
    const maxCount = Math.max(1, ...counts);
    const markers = markersOf(d);
    const options: uPlot.Options = {
      width: box.clientWidth || 320,
      height: CHART_HEIGHT,
      legend: { show: false },
      cursor: { y: false, points: { show: false }, drag: { x: false, y: false, setScale: false } },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      scales: {
        x: { time: false, range: () => range },
        y: { range: () => [0, maxCount * 1.15] },
      },
      axes: [
        {
          stroke: theme.muted,
          font: theme.font,
          size: 26,
          grid: { show: false },
          ticks: { stroke: theme.grid, size: 4 },
          // Counts (calls, tokens) label whole numbers only: a one-value batch spans 1.8–2.2.
          values: (_u, splits) => splits.map((v) => (INTEGER_MEASURES.has(d.measure) && !Number.isInteger(v) ? '' : formatMeasure(d.measure, v))),
        },
        {
          stroke: theme.muted,
          font: theme.font,
          size: 42,
          grid: { stroke: theme.grid, width: 1 },
          ticks: { show: false },
          // Counts of runs: whole numbers only.
          values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? formatTokens(v) : '')),
        },
      ],
      series: [{}, { label: 'runs', fill: theme.bar, stroke: theme.bar, width: 0, points: { show: false }, paths: uPlot.paths.bars!({ size: [0.9, Infinity], align: 0 }) }],
      hooks: {
        draw: [(u) => this.drawMarkers(u, markers, theme)],
        setCursor: [(u) => this.showHover(u, d)],
      },
    };
    this.chart = new uPlot(options, [centers, counts], box);
  }

  /** Vertical lines at p50/p95/p99, told apart by dash as well as colour, labelled at the top. */
  private drawMarkers(u: uPlot, markers: Marker[], theme: ChartTheme): void {
    const ctx = u.ctx;
    const ratio = window.devicePixelRatio || 1;
    const positions: { label: string; x: number }[] = [];
    markers.forEach((m, i) => {
      const x = Math.round(u.valToPos(m.value, 'x', true));
      const colour = theme[m.label];
      ctx.save();
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2 * ratio;
      ctx.setLineDash(MARKER_DASH[m.label].map((n) => n * ratio));
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.fillStyle = colour;
      ctx.font = `${Math.round(10 * ratio)}px ${theme.fontFamily}`;
      const flip = x > u.bbox.left + u.bbox.width - 30 * ratio;
      ctx.textAlign = flip ? 'right' : 'left';
      ctx.fillText(m.label, x + (flip ? -4 : 4) * ratio, u.bbox.top + (10 + i * 11) * ratio);
      ctx.restore();
      positions.push({ label: m.label, x: x / ratio });
    });
    this.setAttribute('data-markers', JSON.stringify(positions));
  }

  private showHover(u: uPlot, d: DistributionDto): void {
    const out = this.querySelector<HTMLElement>('.hover');
    if (!out) return;
    const i = u.cursor.idx;
    const bin = i === null || i === undefined ? undefined : d.bins[i];
    out.textContent = bin ? `${formatMeasure(d.measure, bin.lo)} – ${formatMeasure(d.measure, bin.hi)}: ${formatCount(bin.count)} ${bin.count === 1 ? 'run' : 'runs'}` : '';
  }
}
