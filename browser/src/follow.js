// Following another user: click them in the user list and the view keeps their cursor in sight
// (LibreOffice's INVALIDATE_VIEW_CURSOR / CELL_VIEW_CURSOR for their view, on their sheet or
// slide when the event names one). Clicking them again, scrolling yourself or typing stops it:
// a person who takes the wheel wants to look elsewhere.

export class Follow {
  /**
   * ctx: {layer, overlays, list (the user list element), setPart(part), onChange(lokView|null)}
   */
  constructor(ctx) {
    this.ctx = ctx;
    this.lokView = null;
    ctx.list.addEventListener('click', (e) => this.onListClick(e));
    ctx.list.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') this.onListClick(e);
    });
    const scroller = ctx.layer.scroller;
    // Only a person's own scrolling stops following; the scrolls made here do not, so the
    // scroller's `scroll` event cannot tell: the gestures that scroll can.
    const byHand = () => this.stop();
    scroller.addEventListener('wheel', byHand, { passive: true });
    scroller.addEventListener('touchmove', byHand, { passive: true });
    // A press on the scroller itself (not the document inside it) is on a scroll bar.
    scroller.addEventListener('pointerdown', (e) => { if (e.target === scroller) byHand(); });
  }

  get following() {
    return this.lokView;
  }

  onListClick(e) {
    const item = e.target.closest('.user');
    if (!item || item.dataset.self === '1' || item.dataset.lokView === undefined) return;
    e.preventDefault();
    if (this.lokView === item.dataset.lokView) this.stop();
    else this.start(item.dataset.lokView);
  }

  start(lokView) {
    this.lokView = String(lokView);
    this.mark();
    this.reveal();
  }

  stop() {
    if (this.lokView === null) return;
    this.lokView = null;
    this.mark();
  }

  /** The user list was drawn again, or the followed user changed: show who is followed. */
  mark() {
    const { list, overlays } = this.ctx;
    // Someone who left cannot be followed.
    if (this.lokView !== null && !overlays.users.has(this.lokView)) this.lokView = null;
    for (const item of list.querySelectorAll('.user')) {
      const on = item.dataset.lokView === this.lokView;
      item.classList.toggle('following', on);
      if (item.dataset.self !== '1') item.setAttribute('aria-pressed', on ? 'true' : 'false');
    }
    if (this.ctx.onChange) this.ctx.onChange(this.lokView);
  }

  /** A view event arrived (after the overlays took it). */
  onViewEvent(json) {
    if (this.lokView !== null && json && String(json.viewId) === this.lokView) this.reveal();
  }

  /** Brings the followed user's cursor (or cell cursor) into the window. */
  reveal() {
    if (this.lokView === null) return;
    const { layer, overlays } = this.ctx;
    const view = overlays.views.get(this.lokView);
    if (!view) return;
    if (view.part !== null && view.part !== undefined && view.part !== layer.part) {
      // After the switch, the next status calls reveal() again on the right part.
      this.ctx.setPart(view.part);
      return;
    }
    const target = view.cell || view.caret;
    if (target) layer.scrollIntoView(target);
  }
}
