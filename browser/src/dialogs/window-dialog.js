// LibreOffice's painted windows (`event kind=WINDOW`, docs/protocol.md): a dialog opens as an
// in-page box with its title, ✕, a canvas of the window's size and a resize grip; its child
// windows (dropdown lists, tooltips) as popups over it at their position. Windows arrive only
// for the session that owns them, so every user sees just their own dialogs.

import { DialogFrame, dialogLayer, nextZ } from './dialog-frame.js';
import { WindowPainter, parseRect, parseSize, tileKey } from './window-paint.js';
import { attachKeyboard, attachMouse } from './window-input.js';
import { isModalWindow } from './modality.js';

const CHILD_TYPES = new Set(['child', 'tooltip', 'dropdown']);
const KEY_ESCAPE = 1281;

/** "x, y" → {x, y} (0, 0 when absent). */
function parsePoint(text) {
  const n = typeof text === 'string' ? text.split(',').map((v) => Number(v.trim())) : [];
  return n.length >= 2 && Number.isFinite(n[0]) && Number.isFinite(n[1]) ? { x: n[0], y: n[1] } : { x: 0, y: 0 };
}

class PaintedWindow {
  constructor(manager, json) {
    this.manager = manager;
    this.id = String(json.id);
    this.type = json.type || 'dialog';
    this.parentId = json.parentId !== undefined ? String(json.parentId) : null;
    this.title = json.title || '';
    this.children = new Set();
    const { send, fetcher } = manager.actions;
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'window-canvas';
    this.canvas.dataset.windowId = this.id;
    this.painter = new WindowPainter(this.id, this.canvas, { send, fetcher });
    const parent = this.parentId !== null ? manager.windows.get(this.parentId) : null;
    if (CHILD_TYPES.has(this.type) && parent) {
      this.buildPopup(parent, json);
    } else {
      this.buildDialog(json);
    }
    attachMouse(this.canvas, this.id, {
      send, canEdit: manager.actions.canEdit, focus: () => manager.focusWindow(this.topLevel()),
    });
    const size = parseSize(json.size) || { w: 300, h: 200 };
    this.painter.resize(size.w, size.h);
    if (this.frame) this.frame.center();
  }

  /** A dialog: its own box (over a blocking layer when modal), keyboard sink and caret. */
  buildDialog(json) {
    const { manager } = this;
    this.modal = isModalWindow(json);
    this.frame = new DialogFrame({
      kind: 'painted', windowId: this.id, title: this.title, modal: this.modal,
      onClose: () => manager.actions.send('window-close', { id: this.id }),
      onFocus: () => manager.focusWindow(this),
      onEscape: () => manager.escape(this),
      onResize: (dw, dh) => manager.actions.send('window-resize', {
        id: this.id, width: Math.max(40, this.painter.width + dw), height: Math.max(40, this.painter.height + dh),
      }),
    });
    this.content = document.createElement('div');
    this.content.className = 'window-content';
    this.sink = document.createElement('textarea');
    this.sink.className = 'window-input';
    this.sink.setAttribute('aria-label', `${this.title || 'Dialog'} input`);
    this.sink.autocomplete = 'off';
    this.sink.spellcheck = false;
    this.caret = document.createElement('div');
    this.caret.className = 'window-caret';
    this.caret.hidden = true;
    this.content.append(this.canvas, this.caret, this.sink);
    this.frame.body.appendChild(this.content);
    attachKeyboard(this.sink, () => this.id, manager.actions);
  }

  /** A dropdown list or tooltip: a canvas over its parent, at its position in parent px. */
  buildPopup(parent, json) {
    parent.children.add(this.id);
    const pos = parsePoint(json.position);
    this.popup = document.createElement('div');
    this.popup.className = `window-popup window-${this.type}`;
    this.popup.dataset.windowId = this.id;
    this.popup.style.left = `${pos.x}px`;
    this.popup.style.top = `${pos.y}px`;
    this.popup.style.zIndex = nextZ();
    this.popup.appendChild(this.canvas);
    (parent.content || parent.popup || dialogLayer()).appendChild(this.popup);
  }

  topLevel() {
    let w = this;
    while (w.parentId !== null && this.manager.windows.has(w.parentId) && !w.frame) {
      w = this.manager.windows.get(w.parentId);
    }
    return w;
  }

  onAction(json) {
    switch (json.action) {
      case 'invalidate':
        this.painter.invalidate(parseRect(json.rectangle));
        break;
      case 'size_changed': {
        const size = parseSize(json.size);
        if (size) this.painter.resize(size.w, size.h);
        else this.painter.invalidate(null);
        break;
      }
      case 'title_changed':
        this.title = json.title || '';
        if (this.frame) this.frame.setTitle(this.title);
        break;
      case 'cursor_invalidate':
        this.placeCaret(parseRect(json.rectangle));
        break;
      case 'cursor_visible':
        this.caretVisible = json.visible === 'true' || json.visible === true;
        if (this.caret) this.caret.hidden = !this.caretVisible || !this.caretRect;
        break;
      default:
        break;
    }
  }

  /** LibreOffice does not paint the caret of a dialog's edit field: the page draws it. */
  placeCaret(rect) {
    if (!this.caret || !rect) return;
    this.caretRect = rect;
    this.caret.style.left = `${rect.x}px`;
    this.caret.style.top = `${rect.y}px`;
    this.caret.style.height = `${Math.max(8, rect.h)}px`;
    this.caret.hidden = !this.caretVisible;
    // The IME's candidate window opens next to the caret.
    this.sink.style.left = `${rect.x}px`;
    this.sink.style.top = `${rect.y}px`;
  }

  remove() {
    this.painter.close();
    if (this.frame) this.frame.remove();
    if (this.popup) this.popup.remove();
    const parent = this.parentId !== null ? this.manager.windows.get(this.parentId) : null;
    if (parent) parent.children.delete(this.id);
  }
}

export class PaintedWindows {
  /**
   * actions: {send(name, args), fetcher, canEdit(), onChange()} — onChange tells the app that a
   * dialog opened or closed (the document's keyboard gets the focus back when the last closes).
   */
  constructor(actions) {
    this.actions = actions;
    this.windows = new Map(); // id → PaintedWindow
    this.active = null; // the dialog that gets the keys
  }

  /** An `event kind=WINDOW` payload. */
  onEvent(json) {
    if (!json || json.id === undefined) return;
    const id = String(json.id);
    if (json.action === 'created') {
      // The sidebar's deck, and child windows of the document itself (parentId "0": the
      // sidebar's and the autofilter's, which LibreOffice also sends as JSDialog): not dialogs.
      const parentKnown = json.parentId !== undefined && this.windows.has(String(json.parentId));
      if (json.type === 'deck' || (CHILD_TYPES.has(json.type) && !parentKnown)) return;
      if (this.windows.has(id)) this.close(id);
      const win = new PaintedWindow(this, json);
      this.windows.set(id, win);
      if (win.frame) this.focusWindow(win);
      this.actions.onChange();
      return;
    }
    const win = this.windows.get(id);
    if (!win) return;
    if (json.action === 'close') {
      this.close(id);
      this.actions.onChange();
    } else {
      win.onAction(json);
    }
  }

  close(id) {
    const win = this.windows.get(id);
    if (!win) return;
    for (const child of [...win.children]) this.close(child);
    win.remove();
    this.windows.delete(id);
    if (this.active === win) this.active = this.topDialog();
    if (this.active) this.focusWindow(this.active);
  }

  /** The dialog box on top, if any. */
  topDialog() {
    let top = null;
    for (const w of this.windows.values()) {
      if (w.frame && (!top || Number(w.frame.el.style.zIndex) > Number(top.frame.el.style.zIndex))) top = w;
    }
    return top;
  }

  focusWindow(win) {
    if (!win || !win.frame) return;
    this.active = win;
    for (const w of this.windows.values()) if (w.frame) w.frame.el.classList.toggle('active', w === win);
    if (document.activeElement !== win.sink) win.sink.focus({ preventScroll: true });
  }

  /**
   * Gives the keyboard to the dialog on top if it is modal; false when none is (a click on the
   * document beside a modeless dialog gives the keyboard to the document).
   */
  focus() {
    const top = this.active || this.topDialog();
    if (!top || !top.modal) return false;
    this.focusWindow(top);
    return true;
  }

  /** A binary `window-tile`: drawn, then acknowledged like a tile (whether or not still wanted). */
  receiveTile(msg) {
    const win = this.windows.get(String(msg.args.id));
    const a = msg.args;
    const key = tileKey(a.id, { x: Number(a.x), y: Number(a.y), w: Number(a.width), h: Number(a.height) });
    const drawn = win ? win.painter.draw(msg) : Promise.resolve();
    drawn.catch(() => {}).then(() => this.actions.fetcher.otherDone(key));
  }

  /** `error … request=window-…`: a window that has gone (or is not ours) stops being painted. */
  onError(args) {
    // Refused requests leave the in-flight window, also those of a window closed meanwhile
    // (an error without an id, such as too-many-tiles, may be about any of them).
    const prefix = args.id !== undefined ? `window:${args.id}:` : 'window:';
    const { fetcher } = this.actions;
    for (const key of [...fetcher.othersInFlight]) if (key.startsWith(prefix)) fetcher.otherFailed(key);
    for (const win of this.windows.values()) {
      if (args.id === undefined || win.id === String(args.id)) win.painter.failed();
    }
  }

  hasOpen() {
    return this.windows.size > 0;
  }

  /** Escape: LibreOffice closes its own dialog (the answer is the window's `close`). */
  escape(win) {
    const top = win || this.active || this.topDialog();
    if (!top) return false;
    this.actions.send('window-key', { id: top.id, type: 'input', char: 27, code: KEY_ESCAPE });
    this.actions.send('window-key', { id: top.id, type: 'up', char: 27, code: KEY_ESCAPE });
    return true;
  }

  /** A new connection: the old session's windows are gone with it. */
  reset() {
    for (const id of [...this.windows.keys()]) if (this.windows.has(id)) this.close(id);
    this.active = null;
  }

  describe() {
    return [...this.windows.values()].map((w) => ({
      id: w.id, type: w.type, parentId: w.parentId, title: w.title, modal: !!w.modal,
      width: w.painter.width, height: w.painter.height, painted: w.painter.painted,
      pending: w.painter.waiting.size + (w.painter.dirty ? 1 : 0),
      caret: w.caretVisible && w.caretRect ? w.caretRect : null,
      active: this.active === w,
    }));
  }
}
