// The menubar: one button per menu of the document type; a menu's items are built from
// menu-data.js (imported the first time a menu opens) when it opens, with the enabled and
// checked state LibreOffice reported through STATE_CHANGED. Reachable from the keyboard:
// Alt or F10 focuses it, Alt+letter opens a menu, arrows move, Enter opens, Escape goes back.

import { onceAFrame } from './once-a-frame.js';
import { PopupMenu } from './popup-menu.js';
import { splitMnemonic, sendUno } from './commands.js';
import { languageItems, styleItems } from './menu-lists.js';

// The menus' titles, so the bar shows before menu-data.js is loaded (the same as its tables).
const TITLES = {
  text: ['~File', '~Edit', '~View', '~Insert', 'F~ormat', 'T~able', '~Tools', '~Help'],
  spreadsheet: ['~File', '~Edit', '~View', '~Insert', 'F~ormat', '~Sheet', '~Data', '~Tools', '~Help'],
  presentation: ['~File', '~Edit', '~View', '~Insert', 'F~ormat', 'S~lide', '~Tools', '~Help'],
  drawing: ['~File', '~Edit', '~View', '~Insert', 'F~ormat', '~Page', '~Tools', '~Help'],
};

// On a Mac, Option+letter types characters (ø, å…): no menu mnemonics there.
const IS_MAC = /Mac|iPhone|iPad/.test(navigator.platform || '');

// Page actions that change the document (refused in view-only sessions).
const EDITING_ACTIONS = new Set(['save', 'cut', 'paste', 'comment-add', 'insert-table', 'insert-image']);

export class Menubar {
  /**
   * ctx: {send, canEdit, states (CommandStates), values (CommandValues), focus, action(name, arg)}
   * — action runs the page's own entries (print, find, download, clipboard, zoom, help).
   */
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.type = null;
    this.buttons = [];
    this.openIndex = -1;
    this.data = null;
    this.altAlone = false;
    this.popup = new PopupMenu({
      owner: root,
      id: 'menubar-menu',
      onClose: (reason) => this.onPopupClose(reason),
      onEdge: (dir) => this.move(dir, true),
    });
    root.addEventListener('click', (e) => this.onClick(e));
    root.addEventListener('mouseover', (e) => this.onHover(e));
    root.addEventListener('keydown', (e) => this.onBarKey(e));
    // Capture: the menu keys are handled before the document's textarea sends them on.
    window.addEventListener('keydown', (e) => this.onGlobalKey(e), true);
    window.addEventListener('keyup', (e) => this.onGlobalKeyUp(e), true);
    const refreshSoon = onceAFrame(() => this.popup.refresh((item) => this.stateOf(item.command)));
    ctx.states.onChange(() => {
      if (this.popup.isOpen) refreshSoon();
    });
  }

  /** The document type from `status`: the bar's menus. */
  setDocType(type) {
    const t = TITLES[type] ? type : 'text';
    if (t === this.type) return;
    this.type = t;
    this.popup.close('type', true);
    this.buttons = TITLES[t].map((title, index) => {
      const { text, key } = splitMnemonic(title);
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'menubar-item';
      b.setAttribute('role', 'menuitem');
      b.setAttribute('aria-haspopup', 'menu');
      b.setAttribute('aria-expanded', 'false');
      b.tabIndex = index === 0 ? 0 : -1;
      b.dataset.index = String(index);
      b.dataset.key = key;
      b.textContent = text;
      return b;
    });
    this.root.replaceChildren(...this.buttons);
  }

  async loadData() {
    if (!this.data) this.data = (await import('./menu-data.js')).MENUS;
    return this.data[this.type];
  }

  async open(index, focusFirst) {
    const menus = await this.loadData();
    const entry = menus[index];
    if (!entry) return;
    this.buttons.forEach((b, i) => b.setAttribute('aria-expanded', i === index ? 'true' : 'false'));
    this.openIndex = index;
    this.buttons[index].tabIndex = 0;
    const items = this.toItems(entry[1]);
    this.popup.options.label = splitMnemonic(entry[0]).text;
    this.popup.open(items, { rect: this.buttons[index].getBoundingClientRect() }, { focusFirst });
    this.root.classList.add('active');
  }

  onPopupClose(reason) {
    const index = this.openIndex;
    this.openIndex = -1;
    for (const b of this.buttons) b.setAttribute('aria-expanded', 'false');
    this.root.classList.remove('active');
    if (reason === 'escape' && this.buttons[index]) this.buttons[index].focus();
    else if (reason === 'tab' || reason === 'run') this.ctx.focus();
  }

  /** Left/Right: the neighbouring menu, open if one was open. */
  move(dir, keepOpen) {
    const n = this.buttons.length;
    const from = this.openIndex >= 0 ? this.openIndex : this.buttons.indexOf(document.activeElement);
    const to = (((from < 0 ? 0 : from) + dir) % n + n) % n;
    this.buttons.forEach((b, i) => { b.tabIndex = i === to ? 0 : -1; });
    if (keepOpen && this.openIndex >= 0) {
      this.popup.close('switch', true);
      this.open(to, true);
    } else {
      this.buttons[to].focus();
    }
  }

  onClick(e) {
    const b = e.target.closest('.menubar-item');
    if (!b) return;
    const index = Number(b.dataset.index);
    if (this.openIndex === index) {
      this.popup.close('toggle');
      this.ctx.focus();
    } else this.open(index, e.detail === 0); // detail 0: Enter or Space on the button
  }

  onHover(e) {
    const b = e.target.closest('.menubar-item');
    if (!b || this.openIndex < 0) return;
    const index = Number(b.dataset.index);
    if (index !== this.openIndex) this.open(index, false);
  }

  onBarKey(e) {
    const b = e.target.closest('.menubar-item');
    if (!b) return;
    const index = Number(b.dataset.index);
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') this.move(e.key === 'ArrowRight' ? 1 : -1, false);
    else if (e.key === 'ArrowDown' || e.key === 'Enter' || e.key === ' ') this.open(index, true);
    else if (e.key === 'Escape') this.ctx.focus();
    else return;
    e.preventDefault();
    e.stopPropagation();
  }

  /** F10 and Alt+letter from anywhere; Ctrl+F and Ctrl+P are the page's find and print. */
  onGlobalKey(e) {
    this.altAlone = e.key === 'Alt' && !e.ctrlKey && !e.shiftKey && !e.metaKey;
    // LibreOffice's dialogs keep their own keys (mnemonics, F-keys).
    if (e.isComposing || (e.target.closest && e.target.closest('[role=dialog]'))) return;
    const ctrl = e.ctrlKey || e.metaKey;
    let handled = false;
    if (e.key === 'F10' && !ctrl && !e.altKey && !e.shiftKey) {
      this.focusBar();
      handled = true;
    } else if (e.altKey && !ctrl && !e.shiftKey && !IS_MAC && /^Key[A-Z]$/.test(e.code)) {
      const key = e.code.slice(3).toLowerCase();
      const i = this.buttons.findIndex((b) => b.dataset.key === key);
      if (i >= 0 && !this.popup.isOpen) {
        this.open(i, true);
        handled = true;
      }
    } else if (ctrl && !e.altKey && !e.shiftKey && (e.code === 'KeyF' || e.code === 'KeyP')) {
      this.ctx.action(e.code === 'KeyF' ? 'find' : 'print');
      handled = true;
    }
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  }

  /** Alt pressed and released alone focuses the bar, as in desktop applications. */
  onGlobalKeyUp(e) {
    if (e.key === 'Alt' && this.altAlone && !this.popup.isOpen && !(e.target.closest && e.target.closest('[role=dialog]'))) {
      e.preventDefault();
      if (this.root.contains(document.activeElement)) this.ctx.focus();
      else this.focusBar();
    }
    this.altAlone = false;
  }

  focusBar() {
    if (this.popup.isOpen) this.popup.close('f10', true);
    const b = this.buttons.find((x) => x.tabIndex === 0) || this.buttons[0];
    if (b) b.focus();
  }

  stateOf(command) {
    const editable = this.ctx.canEdit();
    return { enabled: editable && this.ctx.states.enabled(command), checked: this.ctx.states.checked(command) };
  }

  /** Menu data → popup items, with today's state. */
  toItems(entries) {
    return entries.map((entry) => {
      if (entry === '-') return { kind: 'sep' };
      const [label, what, shortcut] = entry;
      const { text, key } = splitMnemonic(label);
      if (Array.isArray(what)) return { kind: 'submenu', text, key, children: () => this.toItems(what) };
      if (what.startsWith('list:')) {
        return { kind: 'submenu', text, key, enabled: this.ctx.canEdit(), children: () => this.list(what.slice(5)) };
      }
      if (what.startsWith('.uno:')) {
        const command = what.split('?')[0];
        return {
          kind: 'item', text, key, shortcut, command, ...this.stateOf(command),
          run: () => sendUno(this.ctx.send, what),
        };
      }
      const [action, arg] = what.split(':');
      return {
        kind: 'item', text, key, shortcut, id: what,
        enabled: !EDITING_ACTIONS.has(action) || this.ctx.canEdit(),
        run: () => this.ctx.action(action, arg),
      };
    });
  }

  /** The lists LibreOffice provides (`command-values`), built when their submenu opens. */
  async list(name) {
    if (name === 'styles') return styleItems(this.ctx, this.type);
    if (name.startsWith('language-')) return languageItems(this.ctx, name.slice(9));
    return [];
  }
}
