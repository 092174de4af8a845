// What the comment and tracked-changes panels share. A list that LibreOffice keeps and a panel
// shows: the whole list asked for once with `command-values`, then each change as an event. Events may overtake the
// answer (the kit sends callbacks from another thread), so those that arrive while the list is
// asked for are applied again on top of it.

const str = (v) => (v === undefined || v === null ? '' : String(v));

// wsd's session colours (wsd/src/editing/colors.rs): an author who is not connected gets one
// by name, so their comments and tracked changes keep a colour too.
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f00', '#3b3b98'];

/** A connected author's session colour (`colorOf(name)`), else one from the palette by name. */
export function authorColor(colorOf, author) {
  const known = colorOf(author);
  if (known) return known;
  let h = 0;
  for (const ch of str(author)) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
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

/** An entry's head: its author's colour dot and name, then `middle`, then its time. */
export function entryHead(c, { authorClass = 'comment-author', timeClass = 'comment-time', middle = [] } = {}) {
  const head = document.createElement('div');
  head.className = 'comment-head';
  const dot = document.createElement('span');
  dot.className = 'comment-dot';
  dot.setAttribute('aria-hidden', 'true');
  const author = document.createElement('span');
  author.className = authorClass;
  author.textContent = c.author || 'Unknown author';
  const time = document.createElement('time');
  time.className = timeClass;
  time.dateTime = c.dateTime;
  time.textContent = formatTime(c.dateTime);
  head.append(dot, author, ...middle, time);
  return head;
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

export class LiveList {
  /**
   * command: the `.uno:` command whose `command-values` are the list; listField: the answer's
   * member that holds it; eventField: an event's member that holds one entry; idField: an
   * entry's id member; normalise(raw) → entry; place(entry): completes an entry from the
   * document (optional); onAdded(): an event added an entry.
   */
  constructor({ command, listField, eventField, idField, normalise, place = () => {}, onAdded = () => {} }) {
    Object.assign(this, { command, listField, eventField, idField, normalise, place, onAdded });
    this.entries = new Map(); // id → entry
    this.meanwhile = null; // events that arrive while the list is asked for
  }

  /** Asks `values` (CommandValues) for the whole list and replaces the entries with it. */
  async load(values) {
    this.meanwhile = [];
    const json = await values.get(this.command, { fresh: true });
    const list = json && Array.isArray(json[this.listField]) ? json[this.listField] : [];
    const meanwhile = this.meanwhile;
    this.meanwhile = null;
    this.entries.clear();
    for (const raw of list) this.entries.set(str(raw[this.idField]), this.normalise(raw));
    for (const entry of this.entries.values()) this.place(entry);
    for (const event of meanwhile) this.apply(event);
  }

  /** An event's JSON: `{<eventField>: {action, <idField>, …}}`; remembered while loading. */
  onEvent(json) {
    if (this.meanwhile) this.meanwhile.push(json);
    this.apply(json);
  }

  apply(json) {
    const raw = json && json[this.eventField];
    if (!raw || raw[this.idField] === undefined) return;
    const id = str(raw[this.idField]);
    if (raw.action === 'Remove') {
      this.entries.delete(id);
    } else {
      const merged = { ...(this.entries.get(id) || {}), ...this.normalise(raw) };
      this.place(merged);
      this.entries.set(id, merged);
      if (raw.action === 'Add') this.onAdded();
    }
  }
}

/**
 * What the comment and tracked-changes panels share: a LiveList shown in `this.el`. The
 * subclass builds `el` and has show(on) and render(). actions: at least {values
 * (CommandValues), …what the subclass needs}; listOptions: LiveList's, but onAdded, which shows
 * the panel.
 */
export class ListPanel {
  constructor(actions, listOptions) {
    this.actions = actions;
    this.live = new LiveList({ ...listOptions, onAdded: () => { if (!this.shown) this.show(true); } });
  }

  /**
   * The panel's box, hidden, in `actions.host`: a head (title, `headButtons`, then ✕ with
   * `closeClass` and `closeLabel`), `middle`, the list (`this.list`, class `listClass`) and the
   * text shown when it is empty (`this.empty`).
   */
  buildBox({ className, id, label, title, headButtons = [], closeClass, closeLabel, middle = [], listClass, emptyText }) {
    this.el = document.createElement('aside');
    this.el.className = className;
    this.el.id = id;
    this.el.hidden = true;
    this.el.setAttribute('aria-label', label);
    const head = document.createElement('div');
    head.className = 'comments-head';
    const titleSpan = document.createElement('span');
    titleSpan.className = 'comments-title';
    titleSpan.textContent = title;
    const close = button('×', closeClass, () => this.show(false));
    close.setAttribute('aria-label', closeLabel);
    head.append(titleSpan, ...headButtons, close);
    this.list = document.createElement('ol');
    this.list.className = listClass;
    this.empty = document.createElement('p');
    this.empty.className = 'comments-empty';
    this.empty.textContent = emptyText;
    this.el.append(head, ...middle, this.list, this.empty);
    this.actions.host.append(this.el);
  }

  get shown() {
    return !this.el.hidden;
  }

  /** Asks for the whole list (on load and after a reconnect); shows the panel if it has any. */
  async load() {
    await this.live.load(this.actions.values);
    if (this.live.entries.size > 0) this.show(true);
    this.render();
  }

  onEvent(json) {
    this.live.onEvent(json);
    this.render();
  }

  /** The user list changed: authors' colours may have. */
  refreshColors() {
    if (this.shown) this.render();
  }
}
