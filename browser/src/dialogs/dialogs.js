// LibreOffice's dialogs in the page. The route is decided only by what arrives: a window that
// comes as `event kind=WINDOW` is painted (window-dialog.js), one that comes as
// `event kind=JSDIALOG` is built from its widget JSON (jsdialog/). main.js hands every message
// to handle() first; what is not about dialogs goes on to the rest of the page.

import { parseJsonBody } from '../protocol.js';

// Messages that need neither renderer: LibreOffice's sidebar updates itself at every keypress,
// also while the page does not show it, and Calc's formula bar has the page's own. Not parsed.
const SIDEBAR_UPDATE = /^\{\s*"jsontype":\s*"sidebar",\s*"action":\s*"(update|action)"/;
const SIDEBAR_CLOSE = /"jsontype":\s*"sidebar",\s*"action":\s*"close"/;
const NOT_SHOWN = /^\{\s*"jsontype":\s*"(formulabar|notebookbar)"/;

let instance = null;

/**
 * View ▸ Sidebar: shows or hides LibreOffice's sidebar (toggles without an argument); resolves
 * to whether it is now shown.
 */
export function toggleSidebar(show) {
  if (!instance) return Promise.resolve(false);
  return instance.load('jsdialogs').then(() => instance.jsdialogs.toggleSidebar(show));
}

export class Dialogs {
  /**
   * actions: {send(name, args, body), fetcher (the TileFetcher whose 32-in-flight window is
   * shared), canEdit(), focusDocument(), sidebarHost (element beside the document)}
   */
  constructor(actions) {
    this.actions = actions;
    // The renderers load when the first dialog of their kind arrives: first paint pays nothing.
    this.painted = null;
    this.jsdialogs = null;
    this.loading = { painted: null, jsdialogs: null };
    this.queue = { painted: [], jsdialogs: [] }; // messages that arrived while loading
    this.sidebarOpen = false; // LibreOffice's sidebar is open, before jsdialogs/ is loaded
    this.hadOpen = false;
    // Where the user last clicked: a popup with no known anchor (Calc's autofilter) opens there.
    this.lastPointer = { x: 200, y: 120 };
    window.addEventListener('pointerdown', (e) => { this.lastPointer = { x: e.clientX, y: e.clientY }; }, true);
    // Escape with the focus outside every box (on the page) still closes the dialog on top.
    document.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape' || e.defaultPrevented || !this.hasOpen()) return;
      if (e.target.closest && e.target.closest('.dialog, .jsd-popup')) return;
      if ((this.painted && this.painted.escape()) || (this.jsdialogs && this.jsdialogs.escape())) e.preventDefault();
    });
    instance = this;
  }

  /** Loads the renderer of `kind` ('painted' | 'jsdialogs') once; resolves when it is there. */
  load(kind) {
    if (!this.loading[kind]) {
      const { send, fetcher, canEdit, sidebarHost } = this.actions;
      const onChange = () => this.onChange();
      const made = kind === 'painted'
        ? import('./window-dialog.js').then((m) => {
          this.painted = new m.PaintedWindows({ send, fetcher, canEdit, onChange });
        })
        : import('./jsdialog/jsdialogs.js').then((m) => {
          this.jsdialogs = new m.JSDialogs({
            send, canEdit, sidebarHost, onChange, lastPointer: () => this.lastPointer,
          });
          this.jsdialogs.sidebar.serverOpen = this.sidebarOpen;
        });
      this.loading[kind] = made.then(() => {
        const queued = this.queue[kind];
        this.queue[kind] = [];
        for (const run of queued) run();
      });
    }
    return this.loading[kind];
  }

  /** Runs fn(renderer) now, or once the renderer is loaded: in the order messages arrived. */
  with(kind, fn) {
    if (this[kind] && this.queue[kind].length === 0) {
      fn(this[kind]);
      return;
    }
    this.queue[kind].push(() => fn(this[kind]));
    this.load(kind);
  }

  /** Takes the messages about dialogs; returns false for every other one. */
  handle(msg) {
    switch (msg.name) {
      case 'window-tile':
        this.with('painted', (p) => p.receiveTile(msg));
        return true;
      case 'event':
        if (msg.args.kind === 'WINDOW') {
          const json = parseJsonBody(msg.body);
          this.with('painted', (p) => p.onEvent(json));
          return true;
        }
        if (msg.args.kind === 'JSDIALOG') {
          this.onJSDialog(msg.body);
          return true;
        }
        return false;
      case 'error': {
        const request = msg.args.request || '';
        if (request.startsWith('window-') || request === 'dialog-event') this.lastError = msg.args;
        if (request === 'window-tile') {
          if (this.painted) this.painted.onError(msg.args);
          return true;
        }
        // Input for a window that has just closed: nothing to tell the user.
        return request.startsWith('window-') || request === 'dialog-event';
      }
      default:
        return false;
    }
  }

  onJSDialog(body) {
    const head = body.slice(0, 80);
    if (NOT_SHOWN.test(head)) return;
    const sidebarShown = this.jsdialogs && this.jsdialogs.sidebar.wanted;
    if (!sidebarShown && SIDEBAR_UPDATE.test(head)) {
      this.sidebarOpen = true;
      if (this.jsdialogs) this.jsdialogs.sidebar.serverOpen = true;
      return;
    }
    if (!this.jsdialogs && body.length < 200 && SIDEBAR_CLOSE.test(body)) {
      this.sidebarOpen = false;
      return;
    }
    const json = parseJsonBody(body);
    this.with('jsdialogs', (j) => j.onMessage(json));
  }

  /** Gives the keyboard to the modal painted dialog on top; false when there is none. */
  focus() {
    return !!this.painted && this.painted.focus();
  }

  hasOpen() {
    return (!!this.painted && this.painted.hasOpen()) || (!!this.jsdialogs && this.jsdialogs.hasOpen());
  }

  onChange() {
    const open = this.hasOpen();
    document.body.classList.toggle('has-dialog', open);
    // The last dialog closed: typing goes to the document again.
    if (this.hadOpen && !open) this.actions.focusDocument();
    this.hadOpen = open;
  }

  /** A new connection: the old session's dialogs went with it. */
  reset() {
    this.sidebarOpen = false;
    if (this.painted) this.painted.reset();
    if (this.jsdialogs) this.jsdialogs.reset();
    this.onChange();
  }

  describe() {
    const js = this.jsdialogs ? this.jsdialogs.describe() : { dialogs: [], sidebar: { shown: false, wanted: false, received: false, widgets: 0 } };
    return {
      windows: this.painted ? this.painted.describe() : [], jsdialogs: js.dialogs, sidebar: js.sidebar,
      lastError: this.lastError || null,
    };
  }
}
