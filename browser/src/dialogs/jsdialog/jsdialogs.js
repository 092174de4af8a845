// LibreOffice's JSDialog (`event kind=JSDIALOG`, docs/protocol.md): dialogs as in-page boxes
// built from the widget JSON, popups (toolbox drop-downs, Calc's autofilter) next to what
// opened them, and the sidebar in its panel. A full tree replaces what is shown, `update`
// replaces one widget, `action` changes one widget's property, `close` removes it. Answers go
// as `dialog-event id=<window>` with {id, cmd, data, type}.

import { DialogFrame, dialogLayer, nextZ } from '../dialog-frame.js';
import { build, applyAction, findWidget } from './builder.js';
import { Sidebar } from './sidebar.js';
import { isModalJSDialog } from '../modality.js';
import { trapTab, focusFirst } from '../focus-trap.js';
import './widgets-basic.js';
import './widgets-lists.js';
import './widgets-containers.js';

const POPUP_TYPES = new Set(['popup', 'autofilter', 'dropdown']);
const IGNORED = new Set(['formulabar', 'notebookbar']); // the page has its own
const EDIT_DEBOUNCE_MS = 200;

/**
 * Runs `change` (which replaces widgets of `root`, or `before` by `root`) and keeps the keyboard
 * where it was: LibreOffice sends a widget again as the user types or tabs through it, and the
 * focus must not fall out of the dialog onto the page.
 */
function keepFocus(root, change, before = root) {
  const active = document.activeElement;
  const had = !!active && before.contains(active);
  const widget = had ? active.closest('[data-id]') : null;
  const caret = had && typeof active.selectionStart === 'number' ? active.selectionStart : null;
  change();
  if (!had || (document.activeElement && document.activeElement !== document.body)) return;
  focusFirst(root, widget ? widget.dataset.id : undefined);
  const now = document.activeElement;
  if (caret !== null && now && typeof now.setSelectionRange === 'function' && /^(text|search|)$/.test(now.type || '')) {
    const at = Math.min(caret, now.value.length);
    now.setSelectionRange(at, at);
  }
}

/** Per-window answers: typed text is debounced, and flushed before anything else is sent. */
function makeContext(windowId, sendEvent, uno) {
  const pending = new Map(); // widget id → {timer, fn}
  const flush = (only) => {
    for (const key of [...pending.keys()]) {
      const p = pending.get(key);
      if (!p || (only !== undefined && key !== only)) continue;
      clearTimeout(p.timer);
      pending.delete(key);
      p.fn();
    }
  };
  return {
    windowId,
    flush,
    uno,
    debounce(key, fn) {
      const old = pending.get(key);
      if (old) clearTimeout(old.timer);
      pending.set(key, { fn, timer: setTimeout(() => flush(key), EDIT_DEBOUNCE_MS) });
    },
    send(widgetId, type, cmd, data) {
      flush(); // text typed a moment ago reaches LibreOffice before the click on OK
      sendEvent(windowId, { id: widgetId, cmd, data: data === undefined || data === null ? '' : String(data), type });
    },
  };
}

export class JSDialogs {
  /** actions: {send(name, args, body), canEdit(), sidebarHost, onChange(), lastPointer()} */
  constructor(actions) {
    this.actions = actions;
    this.open = new Map(); // window id → {id, jsontype, frame?, popup?, root, ctx, title}
    this.sidebar = new Sidebar(actions.sidebarHost, {
      uno: (command) => this.uno(command),
    });
    // A click outside a popup closes it.
    window.addEventListener('pointerdown', (e) => {
      for (const d of [...this.open.values()]) {
        if (d.popup && !d.popup.contains(e.target)) this.closeByUser(d);
      }
    }, true);
  }

  uno(command) {
    return this.actions.canEdit() && this.actions.send('uno', { command });
  }

  sendEvent(windowId, body) {
    if (!this.actions.canEdit()) return;
    this.actions.send('dialog-event', { id: windowId }, JSON.stringify(body));
  }

  /** An `event kind=JSDIALOG` payload. */
  onMessage(json) {
    if (!json || json.id === undefined) return;
    const jsontype = json.jsontype || 'dialog';
    if (IGNORED.has(jsontype)) return;
    const id = String(json.id);
    if (jsontype === 'sidebar') {
      this.sidebar.onMessage(json, this.contextFor(id));
      return;
    }
    const open = this.open.get(id);
    switch (json.action) {
      case 'close':
        if (open) this.remove(open);
        return;
      case 'update':
        if (open && json.control) this.replace(open.root, json.control, open.ctx);
        return;
      case 'action':
        if (open) applyAction(open.root, json.data, open.ctx);
        return;
      default:
        this.show(json, jsontype, id, open);
    }
  }

  contextFor(id) {
    return makeContext(id, (w, body) => this.sendEvent(w, body), (command) => this.uno(command));
  }

  replace(root, control, ctx) {
    const old = findWidget(root, control.id);
    const built = build(control, ctx);
    if (old && built) keepFocus(root, () => old.replaceWith(built));
  }

  /** A full tree: a new dialog or popup, or a fresh rendering of one already shown. */
  show(json, jsontype, id, open) {
    const ctx = open ? open.ctx : this.contextFor(id);
    if (Array.isArray(json.responses)) {
      ctx.responses = new Map(json.responses.filter((r) => r && r.id !== undefined).map((r) => [String(r.id), r.response]));
    }
    const root = build({ ...json, type: json.type === 'modalpopup' ? 'popover' : (json.type || 'dialog') }, ctx);
    if (!root) return;
    root.classList.add('jsd-root');
    if (open) {
      keepFocus(root, () => {
        open.root.replaceWith(root);
        open.root = root;
      }, open.root);
      if (open.frame) open.frame.setTitle(json.title || open.title);
      return;
    }
    const entry = { id, jsontype, root, ctx, title: json.title || '', modal: false };
    const popup = POPUP_TYPES.has(jsontype) || json.type === 'modalpopup' || json.type === 'dropdown';
    if (popup) {
      entry.popup = document.createElement('div');
      entry.popup.className = 'jsd-popup';
      entry.popup.dataset.windowId = id;
      entry.popup.style.zIndex = nextZ();
      entry.popup.appendChild(root);
      dialogLayer().appendChild(entry.popup);
      this.placePopup(entry.popup, json);
      entry.popup.addEventListener('keydown', (e) => this.onKey(e, entry));
    } else {
      entry.modal = isModalJSDialog(json);
      entry.frame = new DialogFrame({
        kind: 'jsdialog', windowId: id, title: json.title || '', modal: entry.modal,
        onClose: () => this.closeByUser(entry),
      });
      entry.frame.body.appendChild(root);
      entry.frame.center();
      entry.frame.el.addEventListener('keydown', (e) => this.onKey(e, entry));
      focusFirst(root);
    }
    this.open.set(id, entry);
    this.actions.onChange();
  }

  /** Next to the widget that opened it (`popupParent`), else where the user last clicked. */
  placePopup(popup, json) {
    const last = this.actions.lastPointer();
    let x = last.x;
    let y = last.y + 4;
    const anchorId = json.popupParent || json.clickToClose;
    for (const scope of [document.getElementById('dialog-layer'), this.sidebar.panel]) {
      const anchor = anchorId && scope ? findWidget(scope, anchorId) : null;
      if (anchor) {
        const r = anchor.getBoundingClientRect();
        x = r.left;
        y = r.bottom + 2;
        break;
      }
    }
    const r = popup.getBoundingClientRect();
    popup.style.left = `${Math.max(0, Math.min(x, window.innerWidth - r.width - 4))}px`;
    popup.style.top = `${Math.max(0, Math.min(y, window.innerHeight - r.height - 4))}px`;
  }

  onKey(e, entry) {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      this.closeByUser(entry);
    } else if (e.key === 'Tab') {
      // Tab and Shift+Tab go round the widgets of the box, never out of it.
      if (trapTab(e, entry.frame ? entry.frame.el : entry.popup)) e.stopPropagation();
    } else if (e.key === 'Enter' && !e.isComposing && entry.frame && this.pressesDefault(e.target)) {
      // Enter in a field presses the dialog's default button, as in LibreOffice (on a button,
      // Enter presses that button: the browser does it).
      const ok = entry.root.querySelector('button.jsd-default:not([disabled])');
      if (ok) {
        e.preventDefault();
        e.stopPropagation();
        entry.ctx.flush();
        ok.click();
      }
    }
  }

  /** Enter on this element means the dialog's default button (not a multi-line edit's newline). */
  pressesDefault(target) {
    if (!target.matches) return false;
    if (target.matches('input')) return !['button', 'submit', 'reset', 'file'].includes(target.type);
    return target.matches('select') || target === document.body || target.classList.contains('dialog');
  }

  /** ✕, Escape or a click outside a popup: LibreOffice is told, and the box goes at once. */
  closeByUser(entry) {
    entry.ctx.flush();
    if (entry.popup) this.sendEvent(entry.id, { id: '__POPOVER__', cmd: 'close', data: '', type: 'popover' });
    else this.sendEvent(entry.id, { id: '__DIALOG__', cmd: 'close', data: '', type: 'dialog' });
    this.remove(entry);
  }

  remove(entry) {
    if (entry.frame) entry.frame.remove();
    if (entry.popup) entry.popup.remove();
    this.open.delete(entry.id);
    this.actions.onChange();
  }

  /** Escape from outside any box: the dialog or popup on top closes. */
  escape() {
    let top = null;
    for (const d of this.open.values()) {
      const z = Number((d.frame ? d.frame.el : d.popup).style.zIndex);
      if (!top || z > top.z) top = { d, z };
    }
    if (!top) return false;
    this.closeByUser(top.d);
    return true;
  }

  hasOpen() {
    return this.open.size > 0;
  }

  reset() {
    for (const d of [...this.open.values()]) this.remove(d);
    this.sidebar.reset();
  }

  toggleSidebar(show) {
    return this.sidebar.toggle(show);
  }

  describe() {
    return {
      dialogs: [...this.open.values()].map((d) => ({
        id: d.id, jsontype: d.jsontype, title: d.title, popup: !!d.popup, modal: d.modal,
        widgets: d.root.querySelectorAll('[data-id]').length,
      })),
      sidebar: this.sidebar.describe(),
    };
  }
}
