// LibreOffice's context menu (event kind=CONTEXT_MENU): the JSON menu LibreOffice builds for the
// spot that was right-clicked — spelling suggestions, table, cell, image and shape actions —
// shown where the click was. Cut, Copy and Paste go through the system clipboard
// (clipboard.js); every other entry is its `.uno:` command, arguments included.

import { PopupMenu } from './popup-menu.js';
import { splitMnemonic, sendUno } from './commands.js';

// How long after a right click its menu is still shown at the click (else at the cursor).
const CLICK_MEMORY_MS = 5000;

const CLIPBOARD = { '.uno:Cut': 'cut', '.uno:Copy': 'copy', '.uno:Paste': 'paste' };

export class ContextMenu {
  /** ctx: {send, focus, clipboard, caretPoint() → {x, y} client px or null, canEdit} */
  constructor(ctx) {
    this.ctx = ctx;
    this.click = null;
    this.popup = new PopupMenu({
      label: 'Context menu',
      id: 'context-menu',
      onClose: (reason) => { if (reason !== 'run') this.ctx.focus(); },
    });
  }

  get isOpen() {
    return this.popup.isOpen;
  }

  /** A right click at client (x, y): LibreOffice's menu for it is on its way. */
  expect(x, y) {
    this.click = { x, y, at: performance.now() };
  }

  /** The CONTEXT_MENU payload. */
  show(json) {
    if (!json || !Array.isArray(json.menu)) return;
    const items = this.toItems(json.menu);
    if (items.length === 0) return;
    let at = null;
    if (this.click && performance.now() - this.click.at < CLICK_MEMORY_MS) at = this.click;
    this.click = null;
    // Shift+F10 or the context-menu key: at the cursor.
    if (!at) at = this.ctx.caretPoint() || { x: window.innerWidth / 2, y: window.innerHeight / 3 };
    this.popup.open(items, { x: at.x, y: at.y }, { focusFirst: true });
  }

  /** View-only sessions send no input, so LibreOffice builds no menu: copying is what they can do. */
  showViewOnly(x, y) {
    this.popup.open([
      { kind: 'item', text: 'Copy', command: '.uno:Copy', run: () => this.ctx.clipboard.copyToSystem(false) },
    ], { x, y }, { focusFirst: true });
  }

  /**
   * LibreOffice's entries → popup items. Disabled entries are left out, as LibreOffice's own
   * context menus do; separators that would then stand at an edge or twice are dropped.
   */
  toItems(entries) {
    const out = [];
    for (const e of entries) {
      if (!e || typeof e !== 'object') continue;
      if (e.type === 'separator') {
        if (out.length > 0 && out[out.length - 1].kind !== 'sep') out.push({ kind: 'sep' });
        continue;
      }
      if (String(e.enabled) === 'false' || !e.text) continue;
      const { text, key } = splitMnemonic(e.text);
      const command = typeof e.command === 'string' ? e.command : '';
      if (e.type === 'menu') {
        const children = this.toItems(Array.isArray(e.menu) ? e.menu : []);
        if (children.length > 0) out.push({ kind: 'submenu', text, key, command: command.split('?')[0], children });
        continue;
      }
      if (!command.startsWith('.uno:')) continue;
      const item = { kind: 'item', text, key, command: command.split('?')[0], url: command, run: () => this.run(command) };
      if (e.checktype === 'checkmark' || e.checktype === 'radio' || e.checktype === 'auto') {
        item.checked = String(e.checked) === 'true';
        item.radio = e.checktype === 'radio';
      }
      out.push(item);
    }
    while (out.length > 0 && out[out.length - 1].kind === 'sep') out.pop();
    return out;
  }

  run(command) {
    this.ctx.focus();
    const clip = CLIPBOARD[command];
    if (clip === 'paste') this.ctx.clipboard.pasteFromSystem();
    else if (clip) this.ctx.clipboard.copyToSystem(clip === 'cut');
    // LibreOffice's Insert Comment would make an empty comment: the panel asks for its text.
    else if (command.split('?')[0] === '.uno:InsertAnnotation' && this.ctx.addComment) this.ctx.addComment();
    else sendUno(this.ctx.send, command);
  }
}
