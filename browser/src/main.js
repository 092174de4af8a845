// oxool's web client: reads the settings wsd put into the page, connects, and routes the
// protocol's messages (docs/protocol.md) to the parts of the page that show them.

import { Connection, parseJsonBody } from './protocol.js';
import { TileFetcher } from './tile-fetcher.js';
import { TileLayer } from './tile-layer.js';
import { Overlays } from './overlays.js';
import { Keyboard } from './keyboard.js';
import { Mouse } from './mouse.js';
import { Clipboard } from './clipboard.js';
import { Toolbar, parseStateChanged } from './toolbar.js';
import { LinkBar, confirmOpenLink } from './hyperlinks.js';
import { CalcBar, SlideStrip } from './parts.js';
import { Feedback, errorText } from './feedback.js';
import { UserList, downloadBlob } from './chrome.js';
import { Follow } from './follow.js';
import { Menus } from './menus.js';
import { Dialogs } from './dialogs/dialogs.js';
import { CommentPanel } from './comments.js';
import { ChangesPanel } from './track-changes.js';
import { CalcHeaders } from './calc-headers.js';
import { SheetTabActions } from './sheet-tabs.js';
import { FunctionHint } from './calc-function-hint.js';

const ICONS = {
  text: 'x-office-document', spreadsheet: 'x-office-spreadsheet',
  presentation: 'x-office-presentation', drawing: 'x-office-presentation',
};

function readConfig() {
  const el = document.getElementById('oxool-config');
  if (el) {
    try {
      return JSON.parse(el.textContent);
    } catch {
      return null;
    }
  }
  return null;
}

class App {
  constructor(config) {
    this.config = config;
    this.status = null;
    this.docState = {};
    this.scrollToCaret = false;
    this.downloadId = 0;
    this.wantedPart = null; // the part to return to after a reconnect
    this.hadStatus = false;
    this.partNames = []; // sheet or slide names from the last `parts`
    const $ = (id) => document.getElementById(id);
    this.conn = new Connection(config, {
      onMessage: (m) => this.onMessage(m),
      onState: (s, d) => this.onConnection(s, d),
    });
    const send = (name, args, body) => this.conn.send(name, args, body);
    // Tile deltas (docs/protocol.md, "Tile deltas"): a typed character costs each viewer ~1.5 KB
    // instead of a ~13 KB tile. Off with `?tile-deltas=0` or `window.oxoolTileDeltas = false`
    // set before this script runs (to compare, or for a client-side fault hunt).
    const deltas = window.oxoolTileDeltas !== false
      && new URLSearchParams(window.location.search).get('tile-deltas') !== '0';
    this.fetcher = new TileFetcher(send, { deltas });
    this.layer = new TileLayer({
      area: $('doc-area'), canvas: $('doc-canvas'), scroller: $('doc-scroll'), sizer: $('doc-sizer'),
      fetcher: this.fetcher, onViewChanged: () => this.onViewChanged(),
    });
    this.overlays = new Overlays(this.layer, $('doc-sizer'));
    const canEdit = () => this.canEdit();
    // While a modal painted dialog is open it keeps the keyboard; the document's textarea gets it
    // back when the last one closes (or at once beside a modeless one).
    const focus = () => { if (!this.dialogs.focus()) this.keyboard.focus(); };
    const onInput = () => {
      this.scrollToCaret = true;
      this.follow.stop(); // the user's own input: their caret matters now
    };
    this.keyboard = new Keyboard($('input-sink'), {
      send, canEdit, onInput, save: () => this.save(),
    });
    this.clipboard = new Clipboard({
      send, canEdit, keyboard: this.keyboard,
      mayAsk: () => this.conn.isOpen,
      docType: () => (this.status ? this.status.type : ''),
      hasSelection: () => {
        const own = this.overlays.own;
        return own.selection.length > 0 || !!own.graphic || !!(own.cell && this.status && this.status.type === 'spreadsheet');
      },
      toast: (text, level) => this.feedback.toast(text, level),
      editing: (e) => this.mouse.editing(e),
    });
    this.mouse = new Mouse(this.layer, {
      send, canEdit, focus, onInput, keyboard: this.keyboard,
      contextMenu: (x, y) => this.menus.context.expect(x, y),
      viewOnlyMenu: (x, y) => this.menus.context.showViewOnly(x, y),
    });
    this.toolbar = new Toolbar($('toolbar'), {
      send, canEdit, focus, save: () => this.save(), download: (f) => this.download(f),
    });
    this.calc = new CalcBar($('formula-bar'), $('sheet-tabs'), {
      send, canEdit, focus, keyboard: this.keyboard, setPart: (p) => this.setPart(p),
    });
    this.sheetTabs = new SheetTabActions($('sheet-tabs'), {
      send, canEdit, focus, setPart: (p) => this.setPart(p), names: () => this.partNames,
      renameEnded: () => this.calc.renameEnded(),
    });
    this.calc.addButton = this.sheetTabs.addButton;
    this.slides = new SlideStrip($('slide-strip'), $('slide-nav'), {
      fetcher: this.fetcher, setPart: (p) => this.setPart(p), send, canEdit,
      nextDownloadId: () => { this.downloadId += 1; return this.downloadId; },
      // Normal and notes views paint different pages under the same part numbers.
      forgetTiles: () => { this.layer.cache.clear(); this.layer.update(); this.slides.reset(); },
    });
    this.users = new UserList($('user-list'));
    this.follow = new Follow({
      layer: this.layer, overlays: this.overlays, list: $('user-list'), setPart: (p) => this.setPart(p),
    });
    this.dialogs = new Dialogs({
      send, fetcher: this.fetcher, canEdit, focusDocument: () => this.keyboard.focus(),
      sidebarHost: document.querySelector('.workspace'),
    });
    this.feedback = new Feedback({
      loading: $('loading'), loadingBar: $('loading-bar'), loadingText: $('loading-text'),
      saveState: $('save-state'), banner: $('readonly-banner'), toasts: $('toasts'),
      connection: $('connection-banner'),
    }, {
      retrySave: () => this.save(),
      overwrite: () => send('save', { overwrite: 1 }),
      reload: () => send('reload'),
      reconnectNow: () => this.conn.reconnectNow(),
      reloadPage: () => window.location.reload(),
    });
    this.menus = new Menus(this);
    this.linkBar = new LinkBar({
      send, canEdit, layer: this.layer, focus: () => this.keyboard.focus(),
      toast: (text, level) => this.feedback.toast(text, level),
    });
    this.headers = new CalcHeaders({
      area: $('doc-area'), layer: this.layer, values: this.menus.values, send, canEdit, focus,
      ownCell: () => this.overlays.own.cell, ownSelection: () => boundingBox(this.overlays.own.selection),
    });
    this.functionHint = new FunctionHint({
      layer: this.layer, keyboard: this.keyboard, caret: () => this.overlays.own.caret, canEdit,
    });
    this.comments = new CommentPanel({
      send, canEdit, values: this.menus.values, host: document.querySelector('.workspace'),
      focus: () => this.keyboard.focus(), docType: () => (this.status ? this.status.type : ''),
      colorOf: (name) => ([...this.overlays.users.values()].find((u) => u.name === name) || {}).color || null,
      selectAnchor: (rect, part) => this.selectAnchor(rect, part),
    });
    this.changes = new ChangesPanel({
      send, canEdit, values: this.menus.values, states: this.menus.states,
      host: document.querySelector('.workspace'), focus: () => this.keyboard.focus(),
      colorOf: (name) => ([...this.overlays.users.values()].find((u) => u.name === name) || {}).color || null,
      scrollTo: (rect) => this.layer.scrollIntoView(rect),
    });
    document.querySelector('.zoom').addEventListener('click', (e) => {
      const b = e.target.closest('button');
      if (!b) return;
      if (b.dataset.zoom === 'in') this.layer.zoomStep(1);
      if (b.dataset.zoom === 'out') this.layer.zoomStep(-1);
      if (b.dataset.zoom === 'fit') this.layer.setZoom(1, { fit: true });
      this.keyboard.focus();
    });
    window.addEventListener('keydown', (e) => {
      // Ctrl+= / Ctrl+- zoom the document rather than the page.
      if ((e.ctrlKey || e.metaKey) && (e.key === '+' || e.key === '=' || e.key === '-')) {
        e.preventDefault();
        this.layer.zoomStep(e.key === '-' ? -1 : 1);
      }
    });
    // A keepalive, so idle proxies do not cut the connection.
    setInterval(() => { if (this.conn.isOpen) send('ping'); }, 30000);
  }

  start() {
    this.feedback.progress('connecting');
    this.conn.connect();
    this.keyboard.focus();
  }

  canEdit() {
    return !!this.status && this.status.readonly !== '1' && this.conn.isOpen;
  }

  save() {
    if (this.canEdit()) this.conn.send('save');
  }

  download(format) {
    this.downloadId += 1;
    this.conn.send('download', { id: this.downloadId, format });
    this.feedback.toast(`Preparing the ${format.toUpperCase()} download…`);
  }

  setPart(part) {
    this.wantedPart = part;
    this.conn.send('set-part', { part });
  }

  onConnection(state, detail) {
    if ((state === 'closed' || state === 'waiting') && this.passwordError) {
      clearTimeout(this.conn.timer); // no automatic retry: the user is asked first
      this.askPassword();
      return;
    }
    this.feedback.connection(state, detail);
    if (state === 'connecting') {
      // A new session: nothing asked on the old one will be answered.
      this.status = null;
      this.fetcher.reset();
      this.layer.clear();
      this.slides.reset();
      this.clipboard.reset();
      this.menus.reset();
      this.dialogs.reset();
      this.comments.reset();
      if (this.hadStatus) this.feedback.progress('ready');
    }
    if (state === 'loaded') this.fetcher.enable();
    if (state === 'closed' || state === 'waiting') {
      this.fetcher.reset();
      document.body.dataset.connection = state;
      if (!this.hadStatus) this.feedback.progress('ready');
    }
  }

  onMessage(msg) {
    const a = msg.args;
    this.lastMessageAt = performance.now();
    if (this.dialogs.handle(msg)) return;
    if (this.menus.onMessage(msg)) return;
    if (this.slides.onMessage(msg)) return;
    switch (msg.name) {
      case 'oxool':
        this.serverVersion = a.server;
        break;
      case 'progress':
        if (!this.hadStatus) this.feedback.progress(a.stage);
        break;
      case 'status':
        this.onStatus(a);
        break;
      case 'parts':
        this.onPartNames(parseJsonBody(msg.body));
        this.comments.setPartHashes(a.hashes ? a.hashes.split(',') : []);
        break;
      case 'selection':
        this.clipboard.onSelection(a, msg.body);
        break;
      case 'users': {
        const list = parseJsonBody(msg.body) || [];
        this.overlays.setUsers(list);
        this.users.render(list);
        this.follow.mark();
        this.comments.refreshColors();
        this.changes.refreshColors();
        break;
      }
      case 'tile':
        this.fetcher.receive(msg);
        break;
      case 'invalidate': {
        const part = a.part !== undefined ? Number(a.part) : undefined;
        this.layer.invalidate({
          part, all: a.all === '1', x: Number(a.x), y: Number(a.y), w: Number(a.w), h: Number(a.h),
        });
        if (this.status && this.status.type === 'presentation') this.slides.invalidate(part);
        break;
      }
      case 'event':
        this.onEvent(a.kind, msg.body);
        break;
      case 'doc-state':
        this.docState = a;
        this.feedback.docState(a);
        break;
      case 'download':
        downloadBlob(msg.data, a.name || `document.${a.format}`);
        for (const t of document.querySelectorAll('#toasts .toast')) {
          if (t.dataset.text.startsWith('Preparing the')) t.remove();
        }
        break;
      case 'saved-as':
        this.feedback.toast(`Saved a copy as ${a.name}`);
        break;
      case 'recovered':
        this.feedback.recovered(a);
        break;
      case 'error':
        if (a.kind === 'password-required' || a.kind === 'password-wrong') this.passwordError = a;
        else if (a.request === 'tiles' && this.fetcher.refused(a)) break; // a deleted slide's tile
        else if (!this.clipboard.onError(a)) this.feedback.error(a);
        this.lastError = a;
        break;
      case 'close':
        this.lastClose = a;
        break;
      default:
        break;
    }
  }

  onStatus(a) {
    const first = !this.hadStatus;
    const reconnected = this.status === null && this.hadStatus;
    this.status = a;
    this.hadStatus = true;
    // The comments a document has, on open and again after a reconnect (changes meanwhile
    // were not heard).
    if (first || reconnected) this.comments.load();
    // Writer's tracked changes, likewise (Calc's are LibreOffice's Manage dialog).
    if ((first || reconnected) && (a.type || 'text') === 'text') this.changes.load();
    this.changes.render(); // whether this session may accept and reject
    this.feedback.progress('ready');
    const type = a.type || 'text';
    const part = Number(a.part) || 0;
    const parts = Number(a.parts) || 1;
    const readonly = a.readonly === '1';
    document.body.dataset.docType = type;
    document.getElementById('doc-name').textContent = a.name || '';
    document.title = `${a.name || 'Document'} – oxool`;
    document.getElementById('app-icon').src = `images/${ICONS[type] || ICONS.text}.svg`;
    this.menus.onStatus(type);
    this.feedback.readonly(readonly);
    this.toolbar.configure({ name: a.name || '', readonly });
    this.calc.show(type === 'spreadsheet');
    if (this.headers.visible !== (type === 'spreadsheet')) this.headers.setVisible(type === 'spreadsheet');
    this.calc.setReadonly(readonly);
    this.slides.show(type === 'presentation');
    // Names of the last `parts` stand until the fresh ones that follow this status arrive.
    const names = this.partNames.length === parts ? this.partNames : [];
    if (type === 'spreadsheet') this.calc.setParts(parts, part, names);
    if (type === 'presentation') this.slides.setParts(parts, part, Number(a.width), Number(a.height), names);
    if (part !== this.layer.part) this.overlays.resetOwn();
    this.layer.setDocument({ type, part, width: Number(a.width), height: Number(a.height) });
    if (first && type !== 'spreadsheet') this.layer.setZoom(1, { fit: this.shouldFit(Number(a.width)) });
    // After a reconnect, go back to the sheet or slide the user was on.
    if (reconnected && this.wantedPart !== null && this.wantedPart !== part && this.wantedPart < parts) {
      this.conn.send('set-part', { part: this.wantedPart });
    } else {
      this.wantedPart = part;
    }
    document.getElementById('status-doc').textContent = this.statusText(type, part, parts);
    this.overlays.render();
    this.follow.reveal(); // on the followed user's sheet or slide now
  }

  /** `parts`: the names of the sheets or slides, in part order. */
  onPartNames(list) {
    if (!Array.isArray(list)) return;
    this.partNames = list.map((n) => String(n));
    if (!this.status) return;
    if (this.status.type === 'spreadsheet') this.calc.setNames(this.partNames);
    if (this.status.type === 'presentation') this.slides.setNames(this.partNames);
  }

  /** Fit width when 100 % would not fit the window. */
  shouldFit(widthTwips) {
    return widthTwips / 15 + 32 > this.layer.viewSize().w;
  }

  statusText(type, part, parts) {
    if (type === 'spreadsheet') return `Sheet ${part + 1} of ${parts}`;
    if (type === 'presentation' || type === 'drawing') return `Slide ${part + 1} of ${parts}`;
    return 'Text document';
  }

  onEvent(kind, body) {
    const json = parseJsonBody(body);
    if (this.overlays.handle(kind, body, json)) {
      if (kind === 'INVALIDATE_VISIBLE_CURSOR') {
        this.afterCaretMove();
        this.linkBar.onCaret(json, this.overlays.own.caret);
      }
      if (kind === 'CELL_CURSOR' || kind === 'TEXT_SELECTION' || kind === 'CELL_SELECTION_AREA') this.headers.draw();
      if (kind === 'INVALIDATE_VIEW_CURSOR' || kind === 'CELL_VIEW_CURSOR') this.follow.onViewEvent(json);
      return;
    }
    const state = kind === 'STATE_CHANGED' ? parseStateChanged(body, json) : null;
    if (this.menus.onEvent(kind, json, state)) return;
    switch (kind) {
      case 'STATE_CHANGED': {
        this.toolbar.update(state);
        if (state && state.command === '.uno:FreezePanesRow') this.headers.setFrozenCount('row', state.value);
        if (state && state.command === '.uno:FreezePanesColumn') this.headers.setFrozenCount('col', state.value);
        // Writer's page and word counts, for the status bar.
        if (state && (state.command === '.uno:StatePageNumber' || state.command === '.uno:PageStatus')) {
          document.getElementById('status-doc').textContent = state.value.replace(/;.*$/, '');
        }
        if (state && state.command === '.uno:StateWordCount') {
          document.getElementById('status-words').textContent = state.value;
        }
        break;
      }
      case 'COMMENT':
        this.comments.onEvent(json);
        break;
      case 'REDLINE_TABLE_SIZE_CHANGED':
      case 'REDLINE_TABLE_ENTRY_MODIFIED':
        this.changes.onEvent(json);
        break;
      case 'INVALIDATE_HEADER':
        this.headers.invalidate();
        break;
      case 'CELL_ADDRESS':
        this.calc.cellAddress(body);
        break;
      case 'CELL_FORMULA':
        this.calc.cellFormula(body);
        this.functionHint.onFormula(body);
        break;
      case 'MOUSE_POINTER':
        this.layer.sizer.style.cursor = body.trim() || 'default';
        break;
      case 'HYPERLINK_CLICKED': {
        const url = json && json.url ? json.url : body.trim();
        confirmOpenLink(url, (t, level) => this.feedback.toast(t, level));
        break;
      }
      case 'ERROR':
        this.feedback.toast(errorText('internal', json && json.message ? json.message : body), 'error');
        break;
      default:
        break;
    }
  }

  /**
   * The server refused the load for a password (and closed): ask, and connect again with it;
   * cancel leaves a clear message. Sessions joining an open document are never asked.
   */
  async askPassword() {
    const refusal = this.passwordError;
    this.passwordError = null;
    document.body.dataset.connection = 'password';
    this.feedback.progress('connecting');
    const { PasswordPrompt } = await import('./password.js');
    this.passwordPrompt = this.passwordPrompt || new PasswordPrompt();
    const password = await this.passwordPrompt.ask(refusal);
    if (password === null) {
      document.getElementById('loading-text').textContent = 'This document is protected by a password, so it was not opened. Reload the page to try again.';
      document.body.dataset.loadStage = 'password-cancelled';
      return;
    }
    this.conn.password = password;
    this.conn.connect();
  }

  /** A comment was clicked: show its anchor (on its sheet) and put the cursor there. */
  selectAnchor(rect, part) {
    if (part !== null && part !== undefined && part !== this.layer.part) this.setPart(part);
    this.layer.scrollIntoView(rect);
    // Impress anchors a comment to the slide (an empty rectangle): nothing to click there.
    if (!this.canEdit() || (rect.w === 0 && rect.h === 0)) return;
    const x = rect.x + 1;
    const y = Math.round(rect.y + rect.h / 2);
    for (const type of ['down', 'up']) this.conn.send('mouse', { type, x, y, count: 1, buttons: 1, modifier: 0 });
    this.keyboard.focus();
  }

  afterCaretMove() {
    const caret = this.overlays.own.caret;
    if (!caret) return;
    const p = this.layer.twipsToCss(caret.x, caret.y);
    this.keyboard.placeAt(p.x, p.y);
    this.layer.setFocus({ x: caret.x, y: caret.y + caret.h / 2 }, caret);
    if (this.scrollToCaret) {
      this.scrollToCaret = false;
      this.layer.scrollIntoView(caret);
    }
  }

  onViewChanged() {
    document.getElementById('zoom-level').textContent = `${Math.round(this.layer.zoom * 100)} %`;
    this.overlays.render();
    if (this.headers) this.headers.refresh();
  }

  /** What the tests read: the state the page shows. */
  describe() {
    return {
      connection: document.body.dataset.connection, status: this.status, docState: this.docState,
      caret: this.overlays.own.caret, selection: this.overlays.own.selection,
      views: Object.fromEntries(this.overlays.views), users: [...this.overlays.users.values()],
      following: this.follow.following,
      layer: this.layer.describe(), tiles: { ...this.fetcher.stats, inFlight: this.fetcher.inFlight.size },
      lastError: this.lastError || null, lastClose: this.lastClose || null, dialogs: this.dialogs.describe(),
      comments: this.comments.describe(), changes: this.changes.describe(), headers: this.headers.describe(),
      functionHint: this.functionHint.describe(),
      quietMs: performance.now() - (this.lastMessageAt || 0),
    };
  }
}

/** The rectangle around a list of twip rectangles (a Calc selection), or null. */
function boundingBox(rects) {
  if (!rects || rects.length === 0) return null;
  const x = Math.min(...rects.map((r) => r.x));
  const y = Math.min(...rects.map((r) => r.y));
  const r = Math.max(...rects.map((q) => q.x + q.w));
  const b = Math.max(...rects.map((q) => q.y + q.h));
  return { x, y, w: r - x, h: b - y };
}

const config = readConfig();
if (!config || !config.wopisrc) {
  document.getElementById('loading-text').textContent = 'This page was opened without a document. Open a document from its folder.';
  document.body.dataset.loadStage = 'no-document';
} else {
  const app = new App(config);
  window.oxool = app;
  app.start();
}
