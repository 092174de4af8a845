// Mouse input in twips of the current part (click, double/triple click, drag to select), and
// the right button, which LibreOffice answers with its context menu (context-menu.js). A
// view-only session sends left clicks only, no drags (the server refuses them, and the right
// button) and gets the page's own copy menu.

import { modifierBits } from './keyboard.js';

// DOM MouseEvent.button → LibreOffice's (VCL's) button bits: left 1, middle 2, right 4.
export const BUTTONS = { 0: 1, 1: 2, 2: 4 };

export class Mouse {
  /**
   * actions: {send, canEdit, focus, keyboard, onInput, contextMenu(clientX, clientY) — a right
   * click is coming (LibreOffice's menu follows), viewOnlyMenu(clientX, clientY)}
   */
  constructor(layer, actions) {
    this.layer = layer;
    this.actions = actions;
    this.dragging = false;
    this.rightDown = false;
    this.pendingMove = null;
    const target = layer.sizer;
    target.addEventListener('mousedown', (e) => this.onDown(e));
    window.addEventListener('mousemove', (e) => this.onMove(e));
    window.addEventListener('mouseup', (e) => this.onUp(e));
    // The browser's own menu never opens over the document.
    target.addEventListener('contextmenu', (e) => this.onContextMenu(e));
  }

  /** Events from the editing surface only (not the toolbar, the formula bar, dialogs). */
  editing(e) {
    return e.target === this.actions.keyboard.textarea || this.layer.sizer.contains(e.target);
  }

  send(type, e, count, buttons) {
    const p = this.layer.clientToTwips(e.clientX, e.clientY);
    this.actions.send('mouse', {
      type, x: Math.max(0, p.x), y: Math.max(0, p.y),
      count: Math.min(3, Math.max(1, count || 1)), buttons, modifier: modifierBits(e),
    });
  }

  onDown(e) {
    if (e.button === 2) {
      this.onRightDown(e);
      return;
    }
    if (e.button !== 0) return;
    e.preventDefault(); // keep the focus in the hidden textarea
    this.actions.focus();
    // View-only sessions too, but only presses and releases: their clicks select (Shift+click
    // extends), a drag could move an image or shape (oxool_proto::view_only).
    this.actions.onInput();
    this.dragging = true;
    this.send('down', e, e.detail, BUTTONS[0]);
  }

  /** Right button: LibreOffice moves the cursor if needed and sends its context menu. */
  onRightDown(e) {
    e.preventDefault();
    this.actions.focus();
    if (!this.actions.canEdit()) return;
    this.actions.contextMenu(e.clientX, e.clientY);
    this.rightDown = true;
    this.send('down', e, 1, BUTTONS[2]);
  }

  onMove(e) {
    if (!this.dragging || !this.actions.canEdit()) return;
    // One move per animation frame is all LibreOffice needs to extend a selection.
    const first = this.pendingMove === null;
    this.pendingMove = e;
    if (!first) return;
    requestAnimationFrame(() => {
      const last = this.pendingMove;
      this.pendingMove = null;
      if (this.dragging && last) this.send('move', last, 1, BUTTONS[0]);
    });
  }

  onUp(e) {
    if (e.button === 2 && this.rightDown) {
      this.rightDown = false;
      this.send('up', e, 1, BUTTONS[2]);
      return;
    }
    if (!this.dragging || e.button !== 0) return;
    this.dragging = false;
    this.pendingMove = null;
    this.send('up', e, e.detail, BUTTONS[0]);
  }

  onContextMenu(e) {
    e.preventDefault();
    // A view-only session sends no input: the page's own short menu (copy) instead.
    if (!this.actions.canEdit()) this.actions.viewOnlyMenu(e.clientX, e.clientY);
  }
}
