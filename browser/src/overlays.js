// Carets, selections and cell cursors drawn over the tiles as positioned elements inside the
// scrolled content box, so they scroll with the document without a redraw. This session's
// marks come from its own view's callbacks; other people's from the *_VIEW_* callbacks, keyed
// by LibreOffice view id (`lok_view` in `users`) and drawn in that user's colour with a flag.

import { onceAFrame } from './once-a-frame.js';
import { parseRect, parseRects } from './protocol.js';

const OWN_SELECTION = 'rgba(66, 133, 244, 0.3)';

export class Overlays {
  constructor(layer, root) {
    this.layer = layer;
    this.root = root; // the sizer
    this.own = { caret: null, caretVisible: true, selection: [], cell: null, graphic: null };
    this.views = new Map(); // lok_view → {caret, caretVisible, selection, cell, graphic, part}
    this.users = new Map(); // lok_view → {name, color, self}
    this.selfLokView = null;
    this.layerEl = document.createElement('div');
    this.layerEl.className = 'overlays';
    root.appendChild(this.layerEl);
    this.render = onceAFrame(() => this.draw());
  }

  setUsers(list) {
    this.users.clear();
    for (const user of list) {
      this.users.set(String(user.lok_view), user);
      if (user.self) this.selfLokView = String(user.lok_view);
    }
    // Forget the marks of views that left.
    for (const id of [...this.views.keys()]) if (!this.users.has(id)) this.views.delete(id);
    this.render();
  }

  view(id) {
    const key = String(id);
    if (!this.views.has(key)) {
      this.views.set(key, { caret: null, caretVisible: true, selection: [], cell: null, graphic: null, part: null });
    }
    return this.views.get(key);
  }

  /** One forwarded callback (event kind + parsed body); returns true if it was a mark. */
  handle(kind, body, json) {
    const own = this.own;
    switch (kind) {
      case 'INVALIDATE_VISIBLE_CURSOR': {
        own.caret = parseRect(json ? json.rectangle : body);
        break;
      }
      case 'CURSOR_VISIBLE':
        own.caretVisible = String(json ? json.visible : body).trim() !== 'false';
        break;
      case 'TEXT_SELECTION':
        own.selection = parseRects(json ? json.selection : body);
        break;
      case 'CELL_CURSOR':
        own.cell = parseRect(json ? json.rectangle : body);
        break;
      case 'GRAPHIC_SELECTION':
        own.graphic = parseRect(json ? json.selection || json.rectangle : body);
        break;
      case 'INVALIDATE_VIEW_CURSOR':
      case 'VIEW_CURSOR_VISIBLE':
      case 'TEXT_VIEW_SELECTION':
      case 'CELL_VIEW_CURSOR':
      case 'GRAPHIC_VIEW_SELECTION': {
        if (!json || json.viewId === undefined) return false;
        if (String(json.viewId) === this.selfLokView) return true;
        const v = this.view(json.viewId);
        if (json.part !== undefined) v.part = Number(json.part);
        if (kind === 'INVALIDATE_VIEW_CURSOR') v.caret = parseRect(json.rectangle);
        if (kind === 'VIEW_CURSOR_VISIBLE') v.caretVisible = String(json.visible) !== 'false';
        if (kind === 'TEXT_VIEW_SELECTION') v.selection = parseRects(json.selection);
        if (kind === 'CELL_VIEW_CURSOR') v.cell = parseRect(json.rectangle);
        if (kind === 'GRAPHIC_VIEW_SELECTION') v.graphic = parseRect(json.selection);
        break;
      }
      default:
        return false;
    }
    this.render();
    return true;
  }

  /** The part changed: marks of other parts are not shown, and ours are stale. */
  resetOwn() {
    this.own.selection = [];
    this.own.graphic = null;
    this.render();
  }

  box(rect, className, style = {}) {
    const layer = this.layer;
    const a = layer.twipsToCss(rect.x, rect.y);
    const el = document.createElement('div');
    el.className = className;
    el.style.left = `${a.x}px`;
    el.style.top = `${a.y}px`;
    el.style.width = `${Math.max(rect.w * layer.scale, 0)}px`;
    el.style.height = `${Math.max(rect.h * layer.scale, 1)}px`;
    Object.assign(el.style, style);
    this.clipToScrolledPane(el, rect, a);
    return el;
  }

  /**
   * Calc's frozen panes stay in place: a mark of the scrolled part that has moved under them
   * is cut where they begin, as its cells are.
   */
  clipToScrolledPane(el, rect, at) {
    const layer = this.layer;
    const f = layer.frozen;
    if (!f.x && !f.y) return;
    const o = layer.origin();
    const top = rect.y >= f.y && f.y ? layer.scroller.scrollTop + o.y + f.y * layer.scale - at.y : 0;
    const left = rect.x >= f.x && f.x ? layer.scroller.scrollLeft + o.x + f.x * layer.scale - at.x : 0;
    if (top > 0 || left > 0) el.style.clipPath = `inset(${Math.max(0, top)}px 0 0 ${Math.max(0, left)}px)`;
  }

  caret(rect, className, color) {
    const el = this.box(rect, className, { width: `${Math.max(2, Math.round(this.layer.dpr * 1.5) / this.layer.dpr)}px` });
    if (color) el.style.background = color;
    return el;
  }

  draw() {
    const out = document.createDocumentFragment();
    const own = this.own;
    const part = this.layer.part;
    for (const r of own.selection) out.appendChild(this.box(r, 'sel own-sel', { background: OWN_SELECTION }));
    if (own.cell && this.layer.type === 'spreadsheet') out.appendChild(this.box(own.cell, 'cell-cursor own-cell'));
    if (own.graphic && own.graphic.w > 0) out.appendChild(this.box(own.graphic, 'graphic-sel own-graphic'));
    for (const [id, v] of this.views) {
      const user = this.users.get(id);
      if (!user) continue;
      if (v.part !== null && v.part !== part && this.layer.type !== 'text') continue;
      const color = user.color || '#888';
      for (const r of v.selection) {
        out.appendChild(this.box(r, 'sel view-sel', { background: color, opacity: '0.25' }));
      }
      if (v.cell && this.layer.type === 'spreadsheet') {
        const cell = this.box(v.cell, 'cell-cursor view-cell', { borderColor: color });
        cell.dataset.name = user.name;
        out.appendChild(cell);
      }
      if (v.caret && v.caretVisible && v.caret.h > 0) {
        const el = this.caret(v.caret, 'view-caret', color);
        el.dataset.name = user.name;
        el.dataset.view = id;
        const flag = document.createElement('span');
        flag.className = 'name-flag';
        flag.textContent = user.name;
        flag.style.background = color;
        el.appendChild(flag);
        out.appendChild(el);
      }
    }
    if (own.caret && own.caretVisible && own.caret.h > 0 && own.selection.length === 0) {
      const el = this.caret(own.caret, 'own-caret');
      el.id = 'own-caret';
      out.appendChild(el);
    }
    this.layer.sizer.dataset.caret = own.caret ? `${own.caret.x},${own.caret.y},${own.caret.w},${own.caret.h}` : '';
    this.layerEl.replaceChildren(out);
  }
}
