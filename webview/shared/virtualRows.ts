// Lit controller around @tanstack/virtual-core: fixed-height rows, only the visible window (plus
// overscan) is rendered. The host calls setCount() in render and reads items()/totalSize().
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { Virtualizer, elementScroll, observeElementOffset, observeElementRect, type VirtualItem } from '@tanstack/virtual-core';

export class VirtualRows implements ReactiveController {
  readonly virtualizer: Virtualizer<HTMLElement, HTMLElement>;
  private cleanup: (() => void) | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly scrollElement: () => HTMLElement | null,
    readonly rowHeight: number,
    overscan = 10,
  ) {
    host.addController(this);
    this.virtualizer = new Virtualizer<HTMLElement, HTMLElement>({
      count: 0,
      getScrollElement: scrollElement,
      estimateSize: () => rowHeight,
      overscan,
      observeElementRect,
      observeElementOffset,
      scrollToFn: elementScroll,
      onChange: () => host.requestUpdate(),
    });
  }

  setCount(count: number): void {
    if (this.virtualizer.options.count !== count) this.virtualizer.setOptions({ ...this.virtualizer.options, count });
  }

  items(): VirtualItem[] {
    return this.virtualizer.getVirtualItems();
  }

  totalSize(): number {
    return this.virtualizer.getTotalSize();
  }

  /** Rows that fit in the viewport, for PageUp/PageDown. */
  pageSize(): number {
    const h = this.scrollElement()?.clientHeight ?? 0;
    return Math.max(1, Math.floor(h / this.rowHeight) - 1);
  }

  scrollToIndex(index: number): void {
    if (index >= 0) this.virtualizer.scrollToIndex(index, { align: 'auto' });
  }

  hostConnected(): void {
    this.cleanup ??= this.virtualizer._didMount();
  }

  hostUpdated(): void {
    this.virtualizer._willUpdate();
  }

  hostDisconnected(): void {
    this.cleanup?.();
    this.cleanup = undefined;
  }
}
