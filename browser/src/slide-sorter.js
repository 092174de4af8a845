// Impress's slide sorter: what a person does to whole slides from their thumbnails. A right
// click (or the context-menu key) on a thumbnail opens New, Duplicate, Delete, Move, Layout and
// Slide Show; a thumbnail dragged onto another moves the slide there; View ▸ Slide Sorter shows
// the thumbnails as a grid in place of the slide. Every action is LibreOffice's own command on
// the slide that is current in this view (`set-part` first), so the document, the other
// views and undo see an ordinary edit.

import { PopupMenu } from './popup-menu.js';
import { sendUno } from './commands.js';

/**
 * LibreOffice's slide layouts (sd's AutoLayout numbers, `.uno:AssignLayout`'s WhatLayout), in
 * the order of its Layouts panel; Slide ▸ Layout lists them too (menu-data.js).
 */
export const SLIDE_LAYOUTS = [
  ['~Blank Slide', 20], ['~Title Only', 19], ['Title ~Slide', 0], ['Title, ~Content', 1],
  ['Centered Te~xt', 32], ['Title and ~2 Content', 3], ['Title, Content and 2 Content', 12],
  ['Title, 2 Content and Content', 15], ['Title, 2 Content over Content', 16],
  ['Title, Content over Content', 14], ['Title, ~4 Content', 18], ['Title, ~6 Content', 34],
].map(([text, id]) => [text, `.uno:AssignLayout?WhatLayout:long=${id}`]);

export class SlideSorter {
  /**
   * strip: the SlideStrip (its root holds the thumbnails, each `data-part`).
   * actions: {send, canEdit, setPart, current() → part, count() → parts, slideshow(part)}
   */
  constructor(strip, actions) {
    this.strip = strip;
    this.root = strip.root;
    this.actions = actions;
    this.dragFrom = null;
    this.menu = new PopupMenu({ label: 'Slide', id: 'slide-menu', onClose: () => {} });
    this.root.addEventListener('contextmenu', (e) => {
      const part = this.partAt(e.target);
      if (part === null) return;
      e.preventDefault();
      this.openMenu(part, { x: e.clientX, y: e.clientY });
    });
    this.root.addEventListener('keydown', (e) => {
      const part = this.partAt(e.target);
      if (part === null) return;
      if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
        e.preventDefault();
        this.openMenu(part, { rect: e.target.getBoundingClientRect() });
      } else if (e.key === 'Enter' && this.isGrid) {
        // In the grid, Enter opens the slide, as a double click does.
        e.preventDefault();
        this.showGrid(false);
        this.actions.setPart(part);
      }
    });
    this.root.addEventListener('dblclick', (e) => {
      const part = this.partAt(e.target);
      if (part !== null && this.isGrid) this.showGrid(false);
    });
    // Drag a thumbnail onto another: the slide takes that place.
    this.root.addEventListener('dragstart', (e) => {
      const part = this.partAt(e.target);
      if (part === null || !this.actions.canEdit()) {
        e.preventDefault();
        return;
      }
      this.dragFrom = part;
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', `slide ${part + 1}`);
    });
    this.root.addEventListener('dragover', (e) => {
      if (this.dragFrom === null || this.partAt(e.target) === null) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      this.markDropTarget(this.partAt(e.target));
    });
    this.root.addEventListener('dragend', () => this.endDrag());
    this.root.addEventListener('drop', (e) => {
      const to = this.partAt(e.target);
      const from = this.dragFrom;
      this.endDrag();
      if (from === null || to === null || from === to) return;
      e.preventDefault();
      this.move(from, to);
    });
  }

  get isGrid() {
    return document.body.dataset.slideSorter === '1';
  }

  /** View ▸ Slide Sorter: the thumbnails as a grid over the whole workspace, or back. */
  showGrid(on = !this.isGrid) {
    if (on) document.body.dataset.slideSorter = '1';
    else delete document.body.dataset.slideSorter;
    // The IntersectionObserver asks for the thumbnails that came into sight.
    const current = this.root.querySelector('.slide-thumb[aria-current="true"]');
    if (current) current.scrollIntoView({ block: 'nearest' });
    if (on && current) current.focus({ preventScroll: true });
  }

  partAt(target) {
    const thumb = target && target.closest ? target.closest('.slide-thumb') : null;
    return thumb && this.root.contains(thumb) ? Number(thumb.dataset.part) : null;
  }

  markDropTarget(part) {
    for (const t of this.root.querySelectorAll('.slide-thumb')) {
      if (Number(t.dataset.part) === part) t.dataset.dropTarget = '1';
      else delete t.dataset.dropTarget;
    }
  }

  endDrag() {
    this.dragFrom = null;
    this.markDropTarget(null);
  }

  /** Runs `command` on slide `part`: that slide is made current first, as a click on it does. */
  run(part, command) {
    if (part !== this.actions.current()) this.actions.setPart(part);
    sendUno(this.actions.send, command);
  }

  /**
   * Slide `from` to position `to`. LibreOffice 7.4 moves the current slide one place, or to the
   * start or the end (`.uno:MovePage*`); each step is its own undoable edit.
   */
  move(from, to) {
    if (!this.actions.canEdit()) return;
    const last = this.actions.count() - 1;
    if (to === 0) {
      this.run(from, '.uno:MovePageFirst');
    } else if (to === last) {
      this.run(from, '.uno:MovePageLast');
    } else {
      const command = to < from ? '.uno:MovePageUp' : '.uno:MovePageDown';
      this.run(from, command);
      for (let i = 1; i < Math.abs(to - from); i++) sendUno(this.actions.send, command);
    }
  }

  items(part) {
    const edit = this.actions.canEdit();
    const last = this.actions.count() - 1;
    const item = (text, command, enabled = edit) => ({ kind: 'item', text, enabled, command, run: () => this.run(part, command) });
    return [
      item('New Slide', '.uno:InsertPage'),
      item('Duplicate Slide', '.uno:DuplicatePage'),
      item('Delete Slide', '.uno:DeletePage', edit && last > 0),
      { kind: 'sep' },
      {
        kind: 'submenu', text: 'Move', enabled: edit && last > 0, children: [
          item('Slide to Start', '.uno:MovePageFirst', edit && part > 0),
          item('Slide Up', '.uno:MovePageUp', edit && part > 0),
          item('Slide Down', '.uno:MovePageDown', edit && part < last),
          item('Slide to End', '.uno:MovePageLast', edit && part < last),
        ],
      },
      {
        kind: 'submenu', text: 'Layout', enabled: edit,
        children: SLIDE_LAYOUTS.map(([text, command]) => item(text.replace(/~/g, ''), command)),
      },
      { kind: 'sep' },
      { kind: 'item', text: 'Start Slide Show Here', enabled: true, run: () => this.actions.slideshow(part) },
    ];
  }

  openMenu(part, anchor) {
    this.menu.open(this.items(part), anchor, { focusFirst: true });
  }
}
