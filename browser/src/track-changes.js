// The tracked-changes panel beside the document (docs/protocol.md, "Tracked changes"). LibreOffice
// paints the changes into the tiles in their author's colour; this panel lists them: the list a
// document already has comes from `command-values command=.uno:AcceptTrackedChanges`, each
// change after that arrives as `event kind=REDLINE_TABLE_SIZE_CHANGED` (added, removed) or
// `REDLINE_TABLE_ENTRY_MODIFIED` (an insertion growing as someone types). Accepting and rejecting
// go back as `uno` commands; the panel shows what LibreOffice then reports, so every user sees
// the same list.

import { sendUno } from './commands.js';
import { authorColor, button, formatTime } from './comments.js';

const str = (v) => (v === undefined || v === null ? '' : String(v));
// LibreOffice's redline ids travel as `unsigned short` arguments named after the command.
const byId = (command, id) => ({ [command.slice('.uno:'.length)]: { type: 'unsigned short', value: id } });

// LibreOffice's type names → what a reader calls them.
const TYPE_LABELS = {
  Insert: 'Inserted', Delete: 'Deleted', Format: 'Formatted', Attributes: 'Attributes changed',
  ParagraphFormat: 'Paragraph formatted', Table: 'Table changed', FmtColl: 'Style changed',
};

/** `x, y, w, h[, …]` twips → the first rectangle, or null. */
function firstRect(text) {
  const n = str(text).split(/[,;]\s*|\s+/).map(Number).filter((v) => Number.isFinite(v));
  return n.length >= 4 ? { x: n[0], y: n[1], w: n[2], h: n[3] } : null;
}

export class ChangesPanel {
  /**
   * actions: {send, canEdit(), values (CommandValues), states (CommandStates), host,
   * colorOf(name) → colour or null, scrollTo(rect), focus()}
   */
  constructor(actions) {
    this.actions = actions;
    this.changes = new Map(); // id → change
    this.meanwhile = null; // events that arrive while the list is asked for
    this.el = document.createElement('aside');
    this.el.className = 'comments changes';
    this.el.id = 'track-changes';
    this.el.hidden = true;
    this.el.setAttribute('aria-label', 'Tracked changes');
    const head = document.createElement('div');
    head.className = 'comments-head';
    const title = document.createElement('span');
    title.className = 'comments-title';
    title.textContent = 'Changes';
    const close = button('×', 'changes-close', () => this.show(false));
    close.setAttribute('aria-label', 'Close the tracked changes');
    head.append(title, close);
    const tools = document.createElement('div');
    tools.className = 'changes-tools';
    this.recordButton = button('Record', 'changes-record', () => this.uno('.uno:TrackChanges'));
    this.recordButton.title = 'Record changes (Ctrl+Shift+C)';
    this.toolButtons = [
      this.recordButton,
      button('◀', 'changes-previous', () => this.uno('.uno:PreviousTrackedChange')),
      button('▶', 'changes-next', () => this.uno('.uno:NextTrackedChange')),
      button('Accept all', 'changes-accept-all', () => this.uno('.uno:AcceptAllTrackedChanges')),
      button('Reject all', 'changes-reject-all', () => this.uno('.uno:RejectAllTrackedChanges')),
    ];
    this.toolButtons[1].setAttribute('aria-label', 'Previous change');
    this.toolButtons[2].setAttribute('aria-label', 'Next change');
    tools.append(...this.toolButtons);
    this.list = document.createElement('ol');
    this.list.className = 'comments-list changes-list';
    this.empty = document.createElement('p');
    this.empty.className = 'comments-empty';
    this.empty.textContent = 'No tracked changes.';
    this.el.append(head, tools, this.list, this.empty);
    actions.host.append(this.el);
    actions.states.onChange((command) => {
      if (command === '.uno:TrackChanges') this.renderTools();
    });
  }

  get shown() {
    return !this.el.hidden;
  }

  show(on = !this.shown) {
    this.el.hidden = !on;
    if (on) this.render();
    if (!on) this.actions.focus();
  }

  /** Asks for the document's changes (on load and after a reconnect); shows the panel if any. */
  async load() {
    // Events may overtake the answer (the kit sends callbacks from another thread): those that
    // arrive while it is asked are applied again on top of the list.
    this.meanwhile = [];
    const json = await this.actions.values.get('.uno:AcceptTrackedChanges', { fresh: true });
    const list = json && Array.isArray(json.redlines) ? json.redlines : [];
    const meanwhile = this.meanwhile;
    this.meanwhile = null;
    this.changes.clear();
    for (const c of list) this.changes.set(str(c.index), normalise(c));
    for (const event of meanwhile) this.apply(event);
    if (this.changes.size > 0) this.show(true);
    this.render();
  }

  /** `REDLINE_TABLE_SIZE_CHANGED` / `REDLINE_TABLE_ENTRY_MODIFIED`: `{"redline": {action, index, …}}`. */
  onEvent(json) {
    if (this.meanwhile) this.meanwhile.push(json);
    this.apply(json);
  }

  apply(json) {
    const c = json && json.redline;
    if (!c || c.index === undefined) return;
    const id = str(c.index);
    if (c.action === 'Remove') {
      this.changes.delete(id);
    } else {
      this.changes.set(id, { ...(this.changes.get(id) || {}), ...normalise(c) });
      if (c.action === 'Add' && !this.shown) this.show(true);
    }
    this.render();
  }

  /** The user list changed: authors' colours may have. */
  refreshColors() {
    if (this.shown) this.render();
  }

  renderTools() {
    const canEdit = this.actions.canEdit();
    for (const b of this.toolButtons) b.disabled = !canEdit;
    const recording = this.actions.states.checked('.uno:TrackChanges') === true;
    this.recordButton.setAttribute('aria-pressed', String(recording));
    this.recordButton.textContent = recording ? '● Recording' : 'Record';
  }

  render() {
    this.renderTools();
    if (!this.shown) return;
    const canEdit = this.actions.canEdit();
    const items = this.ordered().map((c) => this.item(c, canEdit));
    this.list.replaceChildren(...items);
    this.empty.hidden = items.length > 0;
  }

  /** Top to bottom, left to right in the document. */
  ordered() {
    const key = (c) => firstRect(c.textRange) || { x: 0, y: 0 };
    return [...this.changes.values()].sort((a, b) => key(a).y - key(b).y || key(a).x - key(b).x
      || Number(a.id) - Number(b.id));
  }

  item(c, canEdit) {
    const li = document.createElement('li');
    li.className = 'comment change';
    li.dataset.id = c.id;
    li.dataset.author = c.author;
    li.dataset.type = c.type;
    li.style.setProperty('--author', authorColor(this.actions.colorOf, c.author));
    const head = document.createElement('div');
    head.className = 'comment-head';
    const dot = document.createElement('span');
    dot.className = 'comment-dot';
    dot.setAttribute('aria-hidden', 'true');
    const author = document.createElement('span');
    author.className = 'comment-author change-author';
    author.textContent = c.author || 'Unknown author';
    const type = document.createElement('span');
    type.className = 'change-type';
    type.textContent = TYPE_LABELS[c.type] || c.type;
    const time = document.createElement('time');
    time.className = 'comment-time change-time';
    time.dateTime = c.dateTime;
    time.textContent = formatTime(c.dateTime);
    head.append(dot, author, type, time);
    const text = document.createElement('div');
    text.className = 'comment-text change-text';
    text.textContent = c.comment ? `${c.description} — ${c.comment}` : c.description;
    li.append(head, text);
    li.addEventListener('click', (e) => {
      if (e.target.closest('button')) return;
      this.select(c);
    });
    if (canEdit) {
      const tools = document.createElement('div');
      tools.className = 'comment-tools';
      tools.append(
        button('Accept', 'change-accept', () => this.uno('.uno:AcceptTrackedChange', byId('.uno:AcceptTrackedChange', c.id))),
        button('Reject', 'change-reject', () => this.uno('.uno:RejectTrackedChange', byId('.uno:RejectTrackedChange', c.id))),
      );
      li.append(tools);
    }
    return li;
  }

  /** A click on a change: show it and let LibreOffice select it (`NextTrackedChange` by id). */
  select(c) {
    const rect = firstRect(c.textRange);
    if (rect) this.actions.scrollTo(rect);
    this.uno('.uno:NextTrackedChange', byId('.uno:NextTrackedChange', c.id));
  }

  uno(command, args) {
    if (this.actions.canEdit()) sendUno(this.actions.send, command, args);
    this.actions.focus();
  }

  describe() {
    return this.ordered().map((c) => ({ ...c }));
  }
}

function normalise(c) {
  return {
    id: str(c.index),
    author: str(c.author),
    type: str(c.type),
    comment: str(c.comment),
    description: str(c.description),
    dateTime: str(c.dateTime),
    textRange: str(c.textRange),
  };
}
