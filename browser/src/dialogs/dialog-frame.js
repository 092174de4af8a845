// One in-page dialog box, shared by painted windows and JSDialog: a title bar (title and ✕)
// that moves the box, a body, and optionally a grip in the corner that resizes it. Boxes live in
// one layer over the page; the one last used is on top. A modal box has the page's blocking
// layer under it (modal-layer.js).

import { addModal, removeModal, updateBackdrop } from './modal-layer.js';
import { focusFirst } from './focus-trap.js';

let layer = null;
let topZ = 10;

/** The layer every dialog box and popup is placed in (created on first use). */
export function dialogLayer() {
  if (!layer) {
    layer = document.createElement('div');
    layer.className = 'dialog-layer';
    layer.id = 'dialog-layer';
    document.body.appendChild(layer);
  }
  return layer;
}

/** The next z-index, so the box or popup just opened or touched is above the others. */
export function nextZ() {
  topZ += 1;
  return topZ;
}

/** Follows a pointer drag from `down` (a pointerdown event) until it is released. */
export function dragWith(down, onMove, onEnd) {
  const startX = down.clientX;
  const startY = down.clientY;
  const move = (e) => onMove(e.clientX - startX, e.clientY - startY, e);
  const up = (e) => {
    window.removeEventListener('pointermove', move);
    window.removeEventListener('pointerup', up);
    window.removeEventListener('pointercancel', up);
    if (onEnd) onEnd(e.clientX - startX, e.clientY - startY, e);
  };
  window.addEventListener('pointermove', move);
  window.addEventListener('pointerup', up);
  window.addEventListener('pointercancel', up);
}

export class DialogFrame {
  /**
   * options: {title, kind ('painted' | 'jsdialog'), windowId, modal, onClose() (✕), onFocus()
   * (gives the box the keyboard), onEscape() (Escape from outside it; default onClose),
   * onResize(dw, dh) at the end of a drag of the grip (no grip without it)}.
   */
  constructor(options) {
    this.options = options;
    const el = document.createElement('section');
    el.className = `dialog dialog-${options.kind}`;
    el.setAttribute('role', 'dialog');
    el.dataset.windowId = options.windowId;
    el.dataset.modal = options.modal ? 'true' : 'false';
    if (options.modal) el.setAttribute('aria-modal', 'true');
    el.tabIndex = -1; // the box itself may hold the focus when it has no widget
    el.style.zIndex = nextZ();
    const bar = document.createElement('header');
    bar.className = 'dialog-titlebar';
    this.titleEl = document.createElement('h2');
    this.titleEl.className = 'dialog-title';
    this.titleEl.id = `dialog-title-${options.kind}-${options.windowId}`;
    el.setAttribute('aria-labelledby', this.titleEl.id);
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'dialog-close';
    close.setAttribute('aria-label', 'Close');
    close.title = 'Close';
    close.tabIndex = -1; // Tab cycles inside the dialog, not onto the title bar
    close.textContent = '✕';
    close.addEventListener('click', () => options.onClose());
    bar.append(this.titleEl, close);
    this.body = document.createElement('div');
    this.body.className = 'dialog-body';
    el.append(bar, this.body);
    if (options.onResize) {
      const grip = document.createElement('div');
      grip.className = 'dialog-grip';
      grip.title = 'Resize';
      grip.addEventListener('pointerdown', (e) => this.startResize(e));
      el.appendChild(grip);
    }
    bar.addEventListener('pointerdown', (e) => this.startMove(e));
    el.addEventListener('pointerdown', () => this.raise(), true);
    this.el = el;
    this.setTitle(options.title);
    dialogLayer().appendChild(el);
    if (options.modal) addModal(this);
  }

  setTitle(title) {
    this.titleEl.textContent = title || '';
  }

  /** Centred over the page, as LibreOffice centres its dialogs over the document. */
  center() {
    const r = this.el.getBoundingClientRect();
    const x = Math.max(0, Math.round((window.innerWidth - r.width) / 2));
    const y = Math.max(0, Math.round((window.innerHeight - r.height) / 3));
    this.moveTo(x, y);
  }

  moveTo(x, y) {
    // Keep the title bar reachable: never above the page or beyond its edges.
    const maxX = Math.max(0, window.innerWidth - 80);
    const maxY = Math.max(0, window.innerHeight - 32);
    this.x = Math.min(maxX, Math.max(-this.el.offsetWidth + 80, x));
    this.y = Math.min(maxY, Math.max(0, y));
    this.el.style.left = `${this.x}px`;
    this.el.style.top = `${this.y}px`;
  }

  raise() {
    if (Number(this.el.style.zIndex) !== topZ) {
      this.el.style.zIndex = nextZ();
      updateBackdrop();
    }
    if (this.options.onFocus) this.options.onFocus();
  }

  /** Gives the box the keyboard: its own sink (onFocus) or its first widget. */
  focusInside() {
    if (this.el.contains(document.activeElement) && document.activeElement !== this.el) return;
    if (this.options.onFocus) this.options.onFocus();
    else focusFirst(this.body);
    if (!this.el.contains(document.activeElement)) this.el.focus({ preventScroll: true });
  }

  /** Escape pressed outside the box while it is the modal one on top. */
  escape() {
    (this.options.onEscape || this.options.onClose)();
  }

  /** A click on the blocking layer: the box shows it is the one waiting for an answer. */
  flash() {
    this.el.classList.remove('dialog-flash');
    void this.el.offsetWidth; // restart the animation
    this.el.classList.add('dialog-flash');
  }

  startMove(e) {
    if (e.button !== 0 || e.target.closest('.dialog-close')) return;
    e.preventDefault();
    const x0 = this.x || 0;
    const y0 = this.y || 0;
    this.el.classList.add('moving');
    dragWith(e, (dx, dy) => this.moveTo(x0 + dx, y0 + dy), () => this.el.classList.remove('moving'));
  }

  startResize(e) {
    if (e.button !== 0) return;
    e.preventDefault();
    e.stopPropagation();
    const outline = document.createElement('div');
    outline.className = 'dialog-resize-outline';
    const r = this.body.getBoundingClientRect();
    outline.style.left = `${r.left}px`;
    outline.style.top = `${r.top}px`;
    const size = (dx, dy) => {
      outline.style.width = `${Math.max(40, r.width + dx)}px`;
      outline.style.height = `${Math.max(40, r.height + dy)}px`;
    };
    size(0, 0);
    dialogLayer().appendChild(outline);
    dragWith(e, size, (dx, dy) => {
      outline.remove();
      if (Math.abs(dx) >= 2 || Math.abs(dy) >= 2) this.options.onResize(Math.round(dx), Math.round(dy));
    });
  }

  remove() {
    this.el.remove();
    removeModal(this);
  }
}
