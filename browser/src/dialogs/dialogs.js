// LibreOffice's dialogs in the page. The route is decided only by what arrives: a window that
// comes as `event kind=WINDOW` is painted (window-dialog.js), one that comes as
// `event kind=JSDIALOG` is built from its widget JSON (jsdialog/). main.js hands every message
// to handle() first; what is not about dialogs goes on to the rest of the page.

import { parseJsonBody } from '../protocol.js';
import { PaintedWindows } from './window-dialog.js';
import { JSDialogs } from './jsdialog/jsdialogs.js';

const HIDDEN_SIDEBAR_UPDATE = /^\{\s*"jsontype":\s*"sidebar",\s*"action":\s*"(update|action)"/;

let instance = null;

/** View ▸ Sidebar: shows or hides LibreOffice's sidebar; returns whether it is now shown. */
export function toggleSidebar(show) {
  return instance ? instance.jsdialogs.toggleSidebar(show) : false;
}

export class Dialogs {
  /**
   * actions: {send(name, args, body), fetcher (the TileFetcher whose 32-in-flight window is
   * shared), canEdit(), focusDocument(), sidebarHost (element beside the document)}
   */
  constructor(actions) {
    this.actions = actions;
    const onChange = () => this.onChange();
    this.painted = new PaintedWindows({
      send: actions.send, fetcher: actions.fetcher, canEdit: actions.canEdit, onChange,
    });
    this.jsdialogs = new JSDialogs({
      send: actions.send, canEdit: actions.canEdit, sidebarHost: actions.sidebarHost, onChange,
    });
    this.hadOpen = false;
    // Escape with the focus outside every box (on the page) still closes the dialog on top.
    document.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape' || e.defaultPrevented || !this.hasOpen()) return;
      if (e.target.closest && e.target.closest('.dialog, .jsd-popup')) return;
      if (this.painted.escape() || this.jsdialogs.escape()) e.preventDefault();
    });
    instance = this;
  }

  /** Takes the messages about dialogs; returns false for every other one. */
  handle(msg) {
    switch (msg.name) {
      case 'window-tile':
        this.painted.receiveTile(msg);
        return true;
      case 'event':
        if (msg.args.kind === 'WINDOW') {
          this.painted.onEvent(parseJsonBody(msg.body));
          return true;
        }
        if (msg.args.kind === 'JSDIALOG') {
          // LibreOffice's sidebar updates itself at every keypress, also while the page does not
          // show it: those are not even parsed.
          if (!this.jsdialogs.sidebar.wanted && HIDDEN_SIDEBAR_UPDATE.test(msg.body.slice(0, 80))) {
            this.jsdialogs.sidebar.serverOpen = true;
            return true;
          }
          this.jsdialogs.onMessage(parseJsonBody(msg.body));
          return true;
        }
        return false;
      case 'error': {
        const request = msg.args.request || '';
        if (request.startsWith('window-') || request === 'dialog-event') this.lastError = msg.args;
        if (request === 'window-tile') {
          this.painted.onError(msg.args);
          return true;
        }
        // Input for a window that has just closed: nothing to tell the user.
        return request.startsWith('window-') || request === 'dialog-event';
      }
      default:
        return false;
    }
  }

  /** Gives the keyboard to the painted dialog on top; false when there is none. */
  focus() {
    return this.painted.focus();
  }

  hasOpen() {
    return this.painted.hasOpen() || this.jsdialogs.hasOpen();
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
    this.painted.reset();
    this.jsdialogs.reset();
    this.onChange();
  }

  describe() {
    const js = this.jsdialogs.describe();
    return {
      windows: this.painted.describe(), jsdialogs: js.dialogs, sidebar: js.sidebar,
      lastError: this.lastError || null,
    };
  }
}
