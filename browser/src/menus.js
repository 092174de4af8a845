// The commands around the document: the menubar, LibreOffice's context menu, the find bar,
// printing and LibreOffice's lists (fonts, styles, languages). main.js hands it the messages and
// events it is interested in; the find bar is built the first time it opens.

import { CommandStates, undoRefusal } from './commands.js';
import { CommandValues } from './command-values.js';
import { Menubar } from './menubar.js';
import { ContextMenu } from './context-menu.js';
import { Printer } from './print.js';
import { toggleSidebar } from './dialogs/dialogs.js';

export class Menus {
  /** app: main.js's App (send, canEdit, save, download, clipboard, layer, keyboard, toast). */
  constructor(app) {
    this.app = app;
    const send = (name, args, body) => app.conn.send(name, args, body);
    const canEdit = () => app.canEdit();
    const focus = () => app.keyboard.focus();
    this.send = send;
    this.states = new CommandStates();
    this.values = new CommandValues(send);
    this.menubar = new Menubar(document.getElementById('menubar'), {
      send, canEdit, focus, states: this.states, values: this.values,
      action: (name, arg) => this.action(name, arg),
    });
    this.context = new ContextMenu({
      send, focus, canEdit, clipboard: app.clipboard, caretPoint: () => this.caretPoint(),
      addComment: () => app.comments.openAdd(),
    });
    this.printer = new Printer({
      send, nextDownloadId: () => { app.downloadId += 1; return app.downloadId; },
      toast: (text, level) => app.feedback.toast(text, level), name: () => (app.status ? app.status.name : ''),
    });
    this.findBar = null;
    this.picker = null;
    // LibreOffice opens no menu for Shift+F10 or the context-menu key posted as keys: a right
    // click at the cursor does it.
    window.addEventListener('keydown', (e) => {
      const menuKey = e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey && !e.ctrlKey && !e.altKey);
      if (!menuKey || e.target !== app.keyboard.textarea) return;
      e.preventDefault();
      e.stopPropagation();
      this.contextMenuAtCaret();
    }, true);
    const fontBox = document.getElementById('font-name');
    fontBox.addEventListener('focus', () => this.fillFonts(), { once: true });
  }

  /** A menu entry that is the page's own, not a `.uno:` command. */
  async action(name, arg) {
    const app = this.app;
    switch (name) {
      case 'print': this.printer.print(); break;
      case 'find': (await this.find()).open(); break;
      case 'save': app.save(); break;
      case 'download': app.download(arg); break;
      case 'cut': app.clipboard.copyToSystem(true); break;
      case 'copy': app.clipboard.copyToSystem(false); break;
      case 'paste': app.clipboard.pasteFromSystem(); break;
      case 'zoom-in': app.layer.zoomStep(1); break;
      case 'zoom-out': app.layer.zoomStep(-1); break;
      case 'fit': app.layer.setZoom(1, { fit: true }); break;
      case 'sidebar': toggleSidebar(); break;
      case 'comments': app.comments.show(); return;
      case 'comment-add': app.comments.openAdd(); return;
      case 'track-changes': app.changes.show(); return;
      case 'insert-table': (await this.tablePicker()).open(...this.insertMenuCorner()); return;
      case 'insert-image': (await import('./insert-image.js')).chooseImage({
        conn: app.conn, toast: (text, level) => app.feedback.toast(text, level), focus: () => app.keyboard.focus(),
      }); return;
      case 'slide-sorter': app.slides.sorter.showGrid(); return;
      case 'view-normal': app.slides.setViewMode('normal'); break;
      case 'view-notes': app.slides.setViewMode('notes'); break;
      case 'slideshow': app.slides.startSlideshow(arg === 'current' ? app.slides.current : 0); return;
      case 'shortcuts':
      case 'about': (await import('./info-dialog.js')).showInfo(name, { server: app.serverVersion }); return;
      default: break;
    }
    if (name !== 'find') app.keyboard.focus();
  }

  async tablePicker() {
    if (!this.picker) {
      const { TablePicker } = await import('./table-picker.js');
      this.picker = this.picker || new TablePicker({ send: this.send, focus: () => this.app.keyboard.focus() });
    }
    return this.picker;
  }

  /** Under the menubar's Insert title, where the menu that asked for it was. */
  insertMenuCorner() {
    const titles = [...document.querySelectorAll('#menubar .menubar-item')];
    const insert = titles.find((b) => b.textContent === 'Insert') || document.getElementById('menubar');
    const r = insert.getBoundingClientRect();
    return [r.left, r.bottom + 2];
  }

  async find() {
    if (!this.findBar) {
      const { FindBar } = await import('./find-bar.js');
      this.findBar = this.findBar || new FindBar(document.getElementById('doc-area'), {
        send: this.send, canEdit: () => this.app.canEdit(), focus: () => this.app.keyboard.focus(),
      });
    }
    return this.findBar;
  }

  contextMenuAtCaret() {
    const own = this.app.overlays.own;
    const at = own.cell || own.caret;
    if (!this.app.canEdit() || !at) return;
    const point = this.caretPoint();
    this.context.expect(point.x, point.y);
    const x = Math.round(at.x + Math.max(at.w, 1) / 2);
    const y = Math.round(at.y + at.h / 2);
    for (const type of ['down', 'up']) this.send('mouse', { type, x, y, count: 1, buttons: 4, modifier: 0 });
  }

  /** Client coordinates of the cursor (for a context menu asked for from the keyboard). */
  caretPoint() {
    const caret = this.app.overlays.own.cell || this.app.overlays.own.caret;
    if (!caret) return null;
    const p = this.app.layer.twipsToCss(caret.x, caret.y + caret.h);
    const r = this.app.layer.sizer.getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }

  /** The font box's suggestions: the fonts the kit has. */
  async fillFonts() {
    const values = await this.values.get('.uno:CharFontName');
    const fonts = values && values.commandValues && typeof values.commandValues === 'object'
      ? Object.keys(values.commandValues) : [];
    if (fonts.length === 0) return;
    const list = document.getElementById('font-names');
    list.replaceChildren(...fonts.sort((a, b) => a.localeCompare(b)).map((f) => {
      const o = document.createElement('option');
      o.value = f;
      return o;
    }));
  }

  onStatus(type) {
    this.menubar.setDocType(type);
  }

  /** A new connection: nothing asked on the old one will be answered, its states are stale. */
  reset() {
    this.values.reset();
    this.states.clear();
  }

  /** Messages of ours: true when handled. */
  onMessage(msg) {
    if (msg.name === 'command-values') {
      this.values.receive(msg.args, msg.body);
      return true;
    }
    if (msg.name === 'download' && this.printer.owns(msg.args)) {
      this.printer.receive(msg.args, msg.data);
      return true;
    }
    if (msg.name === 'error' && this.values.onError(msg.args)) return true;
    return false;
  }

  /** Events: records every state; true when the event was only ours. */
  onEvent(kind, json, state) {
    if (kind === 'STATE_CHANGED' && state) this.states.set(state.command, state.value);
    if (kind === 'CONTEXT_MENU') {
      this.context.show(json);
      return true;
    }
    const refusal = kind === 'UNO_COMMAND_RESULT' ? undoRefusal(json) : null;
    if (refusal) {
      this.app.feedback.toast(refusal, 'warning');
      return true;
    }
    if (kind === 'SEARCH_NOT_FOUND' || kind === 'SEARCH_RESULT_SELECTION' || kind === 'UNO_COMMAND_RESULT') {
      return this.findBar ? this.findBar.onEvent(kind, json) : kind !== 'UNO_COMMAND_RESULT';
    }
    return false;
  }
}
