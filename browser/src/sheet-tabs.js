// Calc's sheets from their tabs: a "+" after the last tab adds a sheet; the right button on a
// tab offers insert before/after, rename, delete and move left/right; a double click renames
// in place. Each is one `uno` with LibreOffice's own arguments (1-based `Index`), so the
// sheets change for every user and the `status` / `parts` that follow redraw the tabs.

import { PopupMenu } from './popup-menu.js';

const LAST = 32767; // LibreOffice's "after the last sheet" for .uno:Move

export class SheetTabActions {
  /**
   * ctx: {send, canEdit, focus, names() (the sheets' names in order), current() (index),
   * renameEnded() (tabs held back while renaming may be drawn)}
   */
  constructor(tabsEl, ctx) {
    this.tabsEl = tabsEl;
    this.ctx = ctx;
    this.addButton = document.createElement('button');
    this.addButton.type = 'button';
    this.addButton.className = 'sheet-add';
    this.addButton.textContent = '+';
    this.addButton.title = 'Add a sheet';
    this.addButton.setAttribute('aria-label', 'Add a sheet');
    this.addButton.addEventListener('click', () => this.insert(this.ctx.names().length));
    this.menu = new PopupMenu({ label: 'Sheet', id: 'sheet-menu', onClose: (r) => { if (r !== 'run') this.ctx.focus(); } });
    tabsEl.addEventListener('contextmenu', (e) => {
      const tab = e.target.closest('.sheet-tab');
      if (!tab) return;
      e.preventDefault();
      if (this.ctx.canEdit()) this.openMenu(Number(tab.dataset.part), e.clientX, e.clientY);
    });
    tabsEl.addEventListener('dblclick', (e) => {
      const tab = e.target.closest('.sheet-tab');
      if (tab && this.ctx.canEdit()) this.rename(Number(tab.dataset.part));
    });
  }

  send(command, args) {
    this.ctx.send('uno', { command, args: JSON.stringify(args) });
    this.ctx.focus();
  }

  openMenu(index, x, y) {
    const count = this.ctx.names().length;
    const item = (text, run, enabled = true) => ({ kind: 'item', text, enabled, run });
    this.menu.open([
      item('Insert Sheet Before', () => this.insert(index)),
      item('Insert Sheet After', () => this.insert(index + 1)),
      { kind: 'sep' },
      item('Rename Sheet…', () => this.rename(index)),
      item('Delete Sheet…', () => this.remove(index), count > 1),
      { kind: 'sep' },
      item('Move Sheet Left', () => this.move(index, -1), index > 0),
      item('Move Sheet Right', () => this.move(index, 1), index < count - 1),
    ], { x, y }, { focusFirst: true });
  }

  /** A new sheet at position `index` (0-based), named as LibreOffice would: "SheetN". */
  insert(index) {
    if (!this.ctx.canEdit()) return;
    const names = new Set(this.ctx.names());
    let n = names.size + 1;
    while (names.has(`Sheet${n}`)) n += 1;
    this.send('.uno:Insert', {
      Name: { type: 'string', value: `Sheet${n}` },
      Index: { type: 'long', value: index + 1 },
    });
  }

  /** Renames in place: the tab becomes a text box; Enter keeps the name, Escape does not. */
  rename(index) {
    const tab = this.tabsEl.querySelector(`.sheet-tab[data-part="${index}"]`);
    if (!tab || tab.querySelector('input')) return;
    const old = tab.textContent;
    const input = document.createElement('input');
    input.className = 'sheet-rename';
    input.value = old;
    input.setAttribute('aria-label', 'Sheet name');
    tab.replaceChildren(input);
    input.focus();
    input.select();
    let done = false;
    const finish = (keep) => {
      if (done) return;
      done = true;
      const name = input.value.trim();
      tab.textContent = old;
      if (keep && name && name !== old) {
        tab.textContent = name;
        this.send('.uno:Name', { Name: { type: 'string', value: name }, Index: { type: 'long', value: index + 1 } });
      } else {
        this.ctx.focus();
      }
      if (this.ctx.renameEnded) this.ctx.renameEnded();
    };
    input.addEventListener('keydown', (e) => {
      e.stopPropagation();
      if (e.key === 'Enter') finish(true);
      if (e.key === 'Escape') finish(false);
    });
    input.addEventListener('click', (e) => e.stopPropagation());
    input.addEventListener('blur', () => finish(true));
  }

  /** Deletes a sheet once the user confirmed (LibreOffice's Undo brings it back). */
  remove(index) {
    const name = this.ctx.names()[index] || `Sheet ${index + 1}`;
    if (!window.confirm(`Delete the sheet "${name}" for everyone editing this document?`)) {
      this.ctx.focus();
      return;
    }
    this.send('.uno:Remove', { Index: { type: 'long', value: index + 1 } });
  }

  /** One place left or right: LibreOffice inserts before the (1-based) `Index` it is given. */
  move(index, delta) {
    const count = this.ctx.names().length;
    const target = delta < 0 ? index : index + 3;
    this.ctx.setPart(index);
    this.send('.uno:Move', {
      Index: { type: 'long', value: target > count ? LAST : target },
      Copy: { type: 'boolean', value: false },
      UseCurrentDocument: { type: 'boolean', value: true },
    });
  }
}
