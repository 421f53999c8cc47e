// A scrolling list that renders only the rows in view (plus overscan), through
// @tanstack/lit-virtual, so groups, outliers and findings stay fast with thousands of rows. Fixed
// row height; the element itself is the scroll container (give it a max-height in CSS).
import { VirtualizerController } from '@tanstack/lit-virtual';
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { cssProps } from '../shared/cssProps';

@customElement('fleet-virtual-list')
export class VirtualList extends LitElement {
  @property({ attribute: false }) items: readonly unknown[] = [];
  @property({ attribute: false }) renderItem: (item: never, index: number) => TemplateResult | typeof nothing = () => nothing;
  @property({ type: Number }) rowHeight = 24;

  private readonly virtual = new VirtualizerController<HTMLElement, Element>(this, {
    count: 0,
    getScrollElement: () => this,
    estimateSize: () => this.rowHeight,
    overscan: 8,
  });

  protected createRenderRoot() {
    return this;
  }

  protected willUpdate(changed: PropertyValues<this>): void {
    const v = this.virtual.getVirtualizer();
    if (changed.has('items') || changed.has('rowHeight')) {
      v.setOptions({ ...v.options, count: this.items.length });
      if (changed.has('rowHeight')) v.measure();
    }
  }

  /** Scrolls so that row `index` is in view. */
  scrollToIndex(index: number): void {
    if (index >= 0 && index < this.items.length) this.virtual.getVirtualizer().scrollToIndex(index, { align: 'auto' });
  }

  render() {
    const v = this.virtual.getVirtualizer();
    const render = this.renderItem as (item: unknown, index: number) => TemplateResult | typeof nothing;
    return html`<div class="vl-spacer" style=${cssProps({ height: `${v.getTotalSize()}px` })}>
      ${v.getVirtualItems().map((row) =>
        row.index < this.items.length
          ? html`<div class="vl-row" data-index=${row.index} style=${cssProps({ transform: `translateY(${row.start}px)`, height: `${this.rowHeight}px` })}>
              ${render(this.items[row.index], row.index)}
            </div>`
          : nothing,
      )}
    </div>`;
  }
}
