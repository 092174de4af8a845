// The comment panel beside the document (docs/protocol.md, "Comments"). LibreOffice does not
// paint comments into the tiles (the kit turns tiled annotations off); it reports each change as
// `event kind=COMMENT`, and the list a document already has comes from `command-values
// command=.uno:ViewAnnotations`. Every change goes back as a `uno` command; the panel shows what
// LibreOffice then reports, so all users see the same list.

import { sendUno } from './commands.js';
import { ListPanel, authorColor, button, entryHead } from './side-panel.js';

const DELETE_COMMANDS = { text: '.uno:DeleteComment', spreadsheet: '.uno:DeleteNote', presentation: '.uno:DeleteAnnotation', drawing: '.uno:DeleteAnnotation' };

const str = (v) => (v === undefined || v === null ? '' : String(v));
const arg = (value) => ({ type: 'string', value });

/** `x, y, w, h[, x, y, w, h…]` twips → the first rectangle, or null. */
export function anchorRect(text) {
  const n = str(text).split(/[,;]\s*|\s+/).map(Number).filter((v) => Number.isFinite(v));
  return n.length >= 4 ? { x: n[0], y: n[1], w: n[2], h: n[3] } : null;
}

/** Top-level comments by anchor (top to bottom, left to right), each followed by its replies. */
export function ordered(comments) {
  const all = [...comments.values()];
  const ids = new Set(all.map((c) => c.id));
  const key = (c) => anchorRect(c.anchorPos) || { x: 0, y: 0 };
  const roots = all.filter((c) => !c.parent || c.parent === '0' || !ids.has(c.parent));
  roots.sort((a, b) => (a.part || 0) - (b.part || 0) || key(a).y - key(b).y || key(a).x - key(b).x
    || Number(a.id) - Number(b.id));
  const out = [];
  const visit = (c, depth) => {
    out.push({ comment: c, depth });
    all.filter((r) => r.parent === c.id && r !== c).sort((a, b) => Number(a.id) - Number(b.id))
      .forEach((r) => visit(r, depth + 1));
  };
  roots.forEach((c) => visit(c, 0));
  return out;
}


export class CommentPanel extends ListPanel {
  /**
   * actions: {send(name, args, body), canEdit(), values (CommandValues), host (the element
   * beside the document), selectAnchor(rect, part or null), colorOf(name) → colour or null, focus(),
   * docType() → status type}
   */
  constructor(actions) {
    super(actions, {
      command: '.uno:ViewAnnotations', listField: 'comments', eventField: 'comment', idField: 'id', normalise,
      place: (c) => this.placeOnSlide(c),
    });
    this.addButton = button('Add', 'comment-add', () => this.openAdd());
    this.form = document.createElement('div');
    this.buildBox({
      className: 'comments', id: 'comments', label: 'Comments', title: 'Comments', headButtons: [this.addButton],
      closeClass: 'comments-close', closeLabel: 'Close the comments', middle: [this.form],
      listClass: 'comments-list', emptyText: 'No comments yet.',
    });
    window.addEventListener('keydown', (e) => {
      // Ctrl+Alt+C: Insert ▸ Comment, as in LibreOffice.
      if ((e.ctrlKey || e.metaKey) && e.altKey && !e.shiftKey && e.code === 'KeyC') {
        e.preventDefault();
        e.stopPropagation();
        this.openAdd();
      }
    }, true);
  }

  /** Impress's slide hashes in slide order (`parts … hashes=`): a comment's slide. */
  setPartHashes(hashes) {
    this.partHashes = hashes;
    let changed = false;
    for (const c of this.comments.values()) changed = this.placeOnSlide(c) || changed;
    if (changed) this.render();
  }

  placeOnSlide(c) {
    if (!c.parthash) return false;
    const i = (this.partHashes || []).indexOf(c.parthash);
    const part = i >= 0 ? i : null;
    if (part === c.part) return false;
    c.part = part;
    return true;
  }

  /** id → comment, as LibreOffice last reported them. */
  get comments() {
    return this.live.entries;
  }

  show(on = !this.shown) {
    this.el.hidden = !on;
    document.body.classList.toggle('comments-open', on);
    if (!on) this.actions.focus();
  }

  colorOf(author) {
    return authorColor(this.actions.colorOf, author);
  }

  render() {
    const canEdit = this.actions.canEdit();
    this.addButton.disabled = !canEdit;
    const items = ordered(this.comments).map(({ comment, depth }) => this.item(comment, depth, canEdit));
    this.list.replaceChildren(...items);
    this.empty.hidden = items.length > 0;
  }

  item(c, depth, canEdit) {
    const li = document.createElement('li');
    li.className = 'comment';
    li.dataset.id = c.id;
    li.dataset.author = c.author;
    li.dataset.resolved = String(c.resolved);
    if (depth > 0) li.classList.add('reply');
    li.style.setProperty('--author', this.colorOf(c.author));
    const head = entryHead(c);
    if (c.resolved) {
      const tag = document.createElement('span');
      tag.className = 'comment-resolved';
      tag.textContent = 'Resolved';
      head.append(tag);
    }
    const text = document.createElement('div');
    text.className = 'comment-text';
    text.textContent = c.text;
    li.append(head, text);
    li.addEventListener('click', (e) => {
      if (e.target.closest('button, textarea')) return;
      const rect = anchorRect(c.anchorPos) || anchorRect(c.textRange);
      if (rect) this.actions.selectAnchor(rect, c.part);
    });
    if (canEdit) {
      // Replies, resolving and deleting by author are Writer's (7.4); each application names
      // its delete command differently (tests/tests/comments.rs tries them).
      const writer = this.actions.docType() === 'text';
      const remove = DELETE_COMMANDS[this.actions.docType()] || DELETE_COMMANDS.text;
      const tools = document.createElement('div');
      tools.className = 'comment-tools';
      if (writer) tools.append(button('Reply', 'comment-reply', () => this.openForm(li, '', (t) => this.uno('.uno:ReplyComment', { Id: arg(c.id), Text: arg(t) }))));
      tools.append(button('Edit', 'comment-edit', () => this.openForm(li, c.text, (t) => this.uno('.uno:EditAnnotation', { Id: arg(c.id), Text: arg(t) }))));
      if (writer) tools.append(button(c.resolved ? 'Reopen' : 'Resolve', 'comment-resolve', () => this.uno('.uno:ResolveComment', { Id: arg(c.id) })));
      tools.append(button('Delete', 'comment-delete', () => this.uno(remove, { Id: arg(c.id) })));
      if (writer) tools.append(button(`Delete all by ${c.author}`, 'comment-delete-author', () => this.uno('.uno:DeleteAuthor', { Author: arg(c.author) })));
      li.append(tools);
    }
    return li;
  }

  uno(command, args) {
    if (this.actions.canEdit()) sendUno(this.actions.send, command, args);
  }

  /** Insert ▸ Comment: a box at the top of the panel; the comment anchors at the cursor. */
  openAdd() {
    if (!this.actions.canEdit()) return;
    this.show(true);
    this.openForm(this.form, '', (t) => this.uno('.uno:InsertAnnotation', { Text: arg(t) }));
  }

  /** A text box with Save and Cancel under `parent`; `done(text)` on Save (Ctrl+Enter). */
  openForm(parent, initial, done) {
    for (const old of this.el.querySelectorAll('.comment-form')) old.remove();
    const form = document.createElement('div');
    form.className = 'comment-form';
    const box = document.createElement('textarea');
    box.className = 'comment-input';
    box.setAttribute('aria-label', 'Comment text');
    box.value = initial;
    const finish = (save) => {
      const t = box.value.trim();
      form.remove();
      if (save && t) done(t);
      this.actions.focus();
    };
    box.addEventListener('keydown', (e) => {
      e.stopPropagation();
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) finish(true);
      if (e.key === 'Escape') finish(false);
    });
    form.append(box, button('Save', 'comment-save', () => finish(true)), button('Cancel', 'comment-cancel', () => finish(false)));
    parent.append(form);
    box.focus();
  }

  /** A new session: the list is asked for again when it has loaded. */
  reset() {
    for (const old of this.el.querySelectorAll('.comment-form')) old.remove();
  }

  describe() {
    return ordered(this.comments).map(({ comment, depth }) => ({ ...comment, depth }));
  }
}

function normalise(c) {
  const resolved = c.resolved === true || c.resolved === 'true';
  return {
    id: str(c.id),
    parent: str(c.parent || c.parentId || '0'),
    author: str(c.author),
    text: str(c.text),
    dateTime: str(c.dateTime),
    resolved,
    // Writer's text anchor, Calc's cell (on sheet `tab`), Impress's rectangle on its slide.
    anchorPos: str(c.anchorPos || c.cellPos || c.rectangle),
    part: c.tab !== undefined ? Number(c.tab) : null,
    parthash: str(c.parthash),
    textRange: str(c.textRange),
  };
}
