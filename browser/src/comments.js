// The comment panel beside the document (docs/protocol.md, "Comments"). LibreOffice does not
// paint comments into the tiles (the kit turns tiled annotations off); it reports each change as
// `event kind=COMMENT`, and the list a document already has comes from `command-values
// command=.uno:ViewAnnotations`. Every change goes back as a `uno` command; the panel shows what
// LibreOffice then reports, so all users see the same list.

import { sendUno } from './commands.js';

// wsd's session colours (wsd/src/editing/colors.rs): an author who is not connected gets one
// by name, so their comments and tracked changes keep a colour too.
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f00', '#3b3b98'];

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

/** A connected author's session colour (`colorOf(name)`), else one from the palette by name. */
export function authorColor(colorOf, author) {
  const known = colorOf(author);
  if (known) return known;
  let h = 0;
  for (const ch of str(author)) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

export class CommentPanel {
  /**
   * actions: {send(name, args, body), canEdit(), values (CommandValues), host (the element
   * beside the document), selectAnchor(rect, part or null), colorOf(name) → colour or null, focus(),
   * docType() → status type}
   */
  constructor(actions) {
    this.actions = actions;
    this.comments = new Map();
    this.meanwhile = null; // COMMENT events that arrive while the list is asked for
    this.el = document.createElement('aside');
    this.el.className = 'comments';
    this.el.id = 'comments';
    this.el.hidden = true;
    this.el.setAttribute('aria-label', 'Comments');
    const head = document.createElement('div');
    head.className = 'comments-head';
    const title = document.createElement('span');
    title.className = 'comments-title';
    title.textContent = 'Comments';
    this.addButton = button('Add', 'comment-add', () => this.openAdd());
    const close = button('×', 'comments-close', () => this.show(false));
    close.setAttribute('aria-label', 'Close the comments');
    head.append(title, this.addButton, close);
    this.form = document.createElement('div');
    this.list = document.createElement('ol');
    this.list.className = 'comments-list';
    this.empty = document.createElement('p');
    this.empty.className = 'comments-empty';
    this.empty.textContent = 'No comments yet.';
    this.el.append(head, this.form, this.list, this.empty);
    actions.host.append(this.el);
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

  get shown() {
    return !this.el.hidden;
  }

  show(on = !this.shown) {
    this.el.hidden = !on;
    document.body.classList.toggle('comments-open', on);
    if (!on) this.actions.focus();
  }

  /** Asks for the document's comments (on load and after a reconnect); shows the panel if any. */
  async load() {
    // Events may overtake the answer (the kit sends callbacks from another thread): those that
    // arrive while it is asked are applied again on top of the list.
    this.meanwhile = [];
    const json = await this.actions.values.get('.uno:ViewAnnotations', { fresh: true });
    const list = json && Array.isArray(json.comments) ? json.comments : [];
    const meanwhile = this.meanwhile;
    this.meanwhile = null;
    this.comments.clear();
    for (const c of list) this.comments.set(str(c.id), normalise(c));
    for (const c of this.comments.values()) this.placeOnSlide(c);
    for (const event of meanwhile) this.apply(event);
    if (this.comments.size > 0) this.show(true);
    this.render();
  }

  /** `event kind=COMMENT`: `{"comment": {action, id, …}}`. */
  onEvent(json) {
    if (this.meanwhile) this.meanwhile.push(json);
    this.apply(json);
  }

  apply(json) {
    const c = json && json.comment;
    if (!c || c.id === undefined) return;
    const id = str(c.id);
    if (c.action === 'Remove') {
      this.comments.delete(id);
    } else {
      const old = this.comments.get(id) || {};
      const merged = { ...old, ...normalise(c) };
      this.placeOnSlide(merged);
      this.comments.set(id, merged);
      if (c.action === 'Add' && !this.shown) this.show(true);
    }
    this.render();
  }

  /** The user list changed: authors' colours may have. */
  refreshColors() {
    if (this.shown) this.render();
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
    const head = document.createElement('div');
    head.className = 'comment-head';
    const dot = document.createElement('span');
    dot.className = 'comment-dot';
    dot.setAttribute('aria-hidden', 'true');
    const author = document.createElement('span');
    author.className = 'comment-author';
    author.textContent = c.author || 'Unknown author';
    const time = document.createElement('time');
    time.className = 'comment-time';
    time.dateTime = c.dateTime;
    time.textContent = formatTime(c.dateTime);
    head.append(dot, author, time);
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

/** LibreOffice's `2026-12-05T07:57:20,113991843` (local time, a comma before nanoseconds). */
export function formatTime(dateTime) {
  const iso = str(dateTime).replace(/[,.](\d{1,3})\d*$/, '.$1');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return str(dateTime);
  // Calc sends a date only (`12/05/2026`): no made-up midnight.
  if (!iso.includes(':')) return d.toLocaleDateString(undefined, { dateStyle: 'medium' });
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function button(text, cls, run) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = cls;
  b.textContent = text;
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    run();
  });
  return b;
}
