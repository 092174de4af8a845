// Mouse input in twips of the current part (click, double/triple click, drag to select) and the
// right-click context menu (its Cut, Copy and Paste go through clipboard.js).

import { modifierBits } from './keyboard.js';

const BUTTONS = { 0: 1, 1: 4, 2: 2 }; // DOM button → protocol bit (left 1, right 2, middle 4)

export class Mouse {
  /** actions: {send, canEdit, focus, hasSelection, keyboard, clipboard, onInput} */
  constructor(layer, menuEl, actions) {
    this.layer = layer;
    this.menuEl = menuEl;
    this.actions = actions;
    this.dragging = false;
    this.pendingMove = null;
    const target = layer.sizer;
    target.addEventListener('mousedown', (e) => this.onDown(e));
    window.addEventListener('mousemove', (e) => this.onMove(e));
    window.addEventListener('mouseup', (e) => this.onUp(e));
    target.addEventListener('contextmenu', (e) => this.onContextMenu(e));
    document.addEventListener('mousedown', (e) => {
      if (!this.menuEl.contains(e.target)) this.hideMenu();
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.hideMenu();
    }, true);
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
    if (e.button !== 0) return;
    e.preventDefault(); // keep the focus in the hidden textarea
    this.actions.focus();
    if (!this.actions.canEdit()) return;
    this.actions.onInput();
    this.dragging = true;
    this.send('down', e, e.detail, 1);
  }

  onMove(e) {
    if (!this.dragging) return;
    // One move per animation frame is all LibreOffice needs to extend a selection.
    const first = this.pendingMove === null;
    this.pendingMove = e;
    if (!first) return;
    requestAnimationFrame(() => {
      const last = this.pendingMove;
      this.pendingMove = null;
      if (this.dragging && last) this.send('move', last, 1, 1);
    });
  }

  onUp(e) {
    if (!this.dragging || e.button !== 0) return;
    this.dragging = false;
    this.pendingMove = null;
    this.send('up', e, e.detail, 1);
  }

  onContextMenu(e) {
    e.preventDefault();
    this.actions.focus();
    const editable = this.actions.canEdit();
    // A right click outside the selection moves the caret there first, as in LibreOffice.
    if (editable && !this.actions.hasSelection()) {
      this.send('down', e, 1, 1);
      this.send('up', e, 1, 1);
    }
    this.showMenu(e.clientX, e.clientY, editable);
  }

  showMenu(x, y, editable) {
    const items = [
      ['Cut', 'cut', editable], ['Copy', 'copy', true], ['Paste', 'paste', editable],
      null,
      ['Bold', '.uno:Bold', editable], ['Italic', '.uno:Italic', editable],
      ['Underline', '.uno:Underline', editable],
      null,
      ['Select all', '.uno:SelectAll', true],
    ];
    const menu = this.menuEl;
    menu.replaceChildren();
    for (const item of items) {
      if (!item) {
        const sep = document.createElement('div');
        sep.className = 'menu-sep';
        sep.setAttribute('role', 'separator');
        menu.appendChild(sep);
        continue;
      }
      const [label, command, enabled] = item;
      const button = document.createElement('button');
      button.type = 'button';
      button.setAttribute('role', 'menuitem');
      button.textContent = label;
      button.disabled = !enabled;
      button.addEventListener('click', () => {
        this.hideMenu();
        this.actions.focus();
        const clipboard = this.actions.clipboard;
        if (command === 'paste') clipboard.pasteFromSystem();
        else if (command === 'copy' || command === 'cut') clipboard.copyToSystem(command === 'cut');
        else this.actions.send('uno', { command });
      });
      menu.appendChild(button);
    }
    menu.hidden = false;
    const w = menu.offsetWidth;
    const h = menu.offsetHeight;
    menu.style.left = `${Math.min(x, window.innerWidth - w - 4)}px`;
    menu.style.top = `${Math.min(y, window.innerHeight - h - 4)}px`;
    const first = menu.querySelector('button:not([disabled])');
    if (first) first.focus();
  }

  hideMenu() {
    if (!this.menuEl.hidden) this.menuEl.hidden = true;
  }
}
