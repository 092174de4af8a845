// The tracked-changes panel beside the document (docs/protocol.md, "Tracked changes"). LibreOffice
// paints the changes into the tiles in their author's colour; this panel lists them: the list a
// document already has comes from `command-values command=.uno:AcceptTrackedChanges`, each
// change after that arrives as `event kind=REDLINE_TABLE_SIZE_CHANGED` (added, removed) or
// `REDLINE_TABLE_ENTRY_MODIFIED` (an insertion growing as someone types). Accepting and rejecting
// go back as `uno` commands; the panel shows what LibreOffice then reports, so every user sees
// the same list.

import { sendUno } from './commands.js';
import { anchorRect } from './comments.js';
import { ListPanel, authorColor, button, entryHead } from './side-panel.js';

const str = (v) => (v === undefined || v === null ? '' : String(v));
// LibreOffice's redline ids travel as `unsigned short` arguments named after the command.
const byId = (command, id) => ({ [command.slice('.uno:'.length)]: { type: 'unsigned short', value: id } });

// LibreOffice's type names → what a reader calls them.
const TYPE_LABELS = {
  Insert: 'Inserted', Delete: 'Deleted', Format: 'Formatted', Attributes: 'Attributes changed',
  ParagraphFormat: 'Paragraph formatted', Table: 'Table changed', FmtColl: 'Style changed',
};

export class ChangesPanel extends ListPanel {
  /**
   * actions: {send, canEdit(), values (CommandValues), states (CommandStates), host,
   * colorOf(name) → colour or null, scrollTo(rect), focus()}
   */
  constructor(actions) {
    super(actions, {
      command: '.uno:AcceptTrackedChanges', listField: 'redlines', eventField: 'redline', idField: 'index', normalise,
    });
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
    this.buildBox({
      className: 'comments changes', id: 'track-changes', label: 'Tracked changes', title: 'Changes',
      closeClass: 'changes-close', closeLabel: 'Close the tracked changes', middle: [tools],
      listClass: 'comments-list changes-list', emptyText: 'No tracked changes.',
    });
    actions.states.onChange((command) => {
      if (command === '.uno:TrackChanges') this.renderTools();
    });
  }

  /** id → change, as LibreOffice last reported them. */
  get changes() {
    return this.live.entries;
  }

  show(on = !this.shown) {
    this.el.hidden = !on;
    if (on) this.render();
    if (!on) this.actions.focus();
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
    const key = (c) => anchorRect(c.textRange) || { x: 0, y: 0 };
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
    const type = document.createElement('span');
    type.className = 'change-type';
    type.textContent = TYPE_LABELS[c.type] || c.type;
    const head = entryHead(c, { authorClass: 'comment-author change-author', timeClass: 'comment-time change-time', middle: [type] });
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
    const rect = anchorRect(c.textRange);
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
