// Calc's row and column headers, drawn by the page beside the tiles from LibreOffice's own
// geometry (`command-values command=.uno:ViewRowColumnHeaders?x=&y=&width=&height=`, asked for
// the visible area only, again on INVALIDATE_HEADER). A click selects a column or row (Shift
// extends, Ctrl adds), a drag on a border resizes it, a double click on a border sets the
// optimal width or height, the right button offers insert, delete, size and hide. Frozen rows
// and columns (STATE_CHANGED `.uno:FreezePanesRow` / `Column`: counts) are measured here and
// handed to the tile layer, which draws them in place.

import { PopupMenu } from './popup-menu.js';

export const COLUMN_HEADER_HEIGHT = 20; // CSS px
export const ROW_HEADER_WIDTH = 48; // CSS px: room for "1048576"
// LibreOffice gives header positions in pixels at its view's 100 % zoom; tiles and every
// other message use twips, 15 to such a pixel.
const TWIPS_PER_HEADER_PX = 15;
const GRIP = 4; // CSS px either side of a border where a drag resizes
const MARGIN = 0.5; // of the window's size, asked for beyond each side
const KEY_SHIFT = 0x1000;
const KEY_MOD1 = 0x2000;
const HEADER_BG = '#f1f3f5';
const HEADER_CURRENT = '#d6e4f5';
const HEADER_LINE = '#c3c8ce';
const HEADER_TEXT = '#333';

const twipsToHmm = (twips) => Math.round(twips * 2540 / 1440);

/** `rows` or `columns` of the answer → [{index, text, start, end}] in twips. */
export function parseHeaderEntries(list) {
  if (!Array.isArray(list) || list.length === 0) return [];
  const first = Number(list[0].text) || 0;
  let prev = Number(list[0].size) * TWIPS_PER_HEADER_PX;
  const out = [];
  for (let k = 1; k < list.length; k++) {
    const end = Number(list[k].size) * TWIPS_PER_HEADER_PX;
    out.push({ index: first + k - 1, text: String(list[k].text), start: prev, end });
    prev = end;
  }
  return out;
}

/** One of the two headers: what differs between columns (x) and rows (y). */
const AXES = {
  col: {
    across: 'x', size: 'w', key: 'columns', select: '.uno:SelectColumn', selectArg: 'Col',
    resize: (entry, twips) => ['.uno:ColumnWidth', {
      ColumnWidth: { type: 'unsigned short', value: twipsToHmm(twips) },
      Column: { type: 'unsigned short', value: entry.index + 1 },
    }],
    optimal: ['.uno:SetOptimalColumnWidthDirect', { aExtraHeight: { type: 'unsigned short', value: 0 } }],
    menu: [['Insert Columns Before', '.uno:InsertColumnsBefore'], ['Insert Columns After', '.uno:InsertColumnsAfter'],
      ['Delete Columns', '.uno:DeleteColumns'], '-', ['Column Width…', '.uno:ColumnWidth'],
      ['Optimal Width', 'optimal'], '-', ['Hide Columns', '.uno:HideColumn'], ['Show Columns', '.uno:ShowColumn']],
    cursor: 'col-resize',
  },
  row: {
    across: 'y', size: 'h', key: 'rows', select: '.uno:SelectRow', selectArg: 'Row',
    resize: (entry, twips) => ['.uno:RowHeight', {
      RowHeight: { type: 'unsigned short', value: twipsToHmm(twips) },
      Row: { type: 'long', value: entry.index + 1 },
    }],
    optimal: ['.uno:SetOptimalRowHeight', { aExtraHeight: { type: 'unsigned short', value: 0 } }],
    menu: [['Insert Rows Above', '.uno:InsertRowsBefore'], ['Insert Rows Below', '.uno:InsertRowsAfter'],
      ['Delete Rows', '.uno:DeleteRows'], '-', ['Row Height…', '.uno:RowHeight'],
      ['Optimal Height', 'optimal'], '-', ['Hide Rows', '.uno:HideRow'], ['Show Rows', '.uno:ShowRow']],
    cursor: 'row-resize',
  },
};

export class CalcHeaders {
  /** ctx: {area, layer, values (CommandValues), send, canEdit, focus, ownCell(), ownSelection()} */
  constructor(ctx) {
    this.ctx = ctx;
    this.layer = ctx.layer;
    this.visible = false;
    this.entries = { col: [], row: [] }; // around the window
    this.frozenEntries = { col: [], row: [] }; // from the first one, when panes are frozen
    this.covered = null; // {x0, x1, y0, y1, part} twips the entries cover
    this.frozenCounts = { col: 0, row: 0 };
    this.generation = 0;
    this.corner = document.createElement('div');
    this.corner.className = 'calc-header-corner';
    this.corner.title = 'Select all';
    this.corner.addEventListener('mousedown', (e) => {
      e.preventDefault();
      if (this.ctx.canEdit()) this.ctx.send('uno', { command: '.uno:SelectAll' });
      this.ctx.focus();
    });
    this.canvases = {};
    for (const axis of ['col', 'row']) {
      const canvas = document.createElement('canvas');
      canvas.className = `calc-header calc-header-${axis}`;
      canvas.setAttribute('aria-label', axis === 'col' ? 'Column headers' : 'Row headers');
      canvas.addEventListener('mousedown', (e) => this.onDown(axis, e));
      canvas.addEventListener('mousemove', (e) => this.onHover(axis, e));
      canvas.addEventListener('dblclick', (e) => this.onDoubleClick(axis, e));
      canvas.addEventListener('contextmenu', (e) => this.onContextMenu(axis, e));
      this.canvases[axis] = canvas;
    }
    this.guide = document.createElement('div');
    this.guide.className = 'calc-header-guide';
    this.guide.hidden = true;
    ctx.area.append(this.canvases.col, this.canvases.row, this.corner, this.guide);
    this.menu = new PopupMenu({ label: 'Header menu', id: 'header-menu', onClose: () => this.ctx.focus() });
    this.setVisible(false);
    new ResizeObserver(() => this.refresh()).observe(ctx.area);
    this.layer.scroller.addEventListener('scroll', () => this.refresh(), { passive: true });
  }

  setVisible(visible) {
    this.visible = visible;
    for (const el of [this.canvases.col, this.canvases.row, this.corner]) el.hidden = !visible;
    this.layer.headerInset = visible ? { x: ROW_HEADER_WIDTH, y: COLUMN_HEADER_HEIGHT } : null;
    if (!visible) this.layer.setFrozen(0, 0);
  }

  /** The view moved (scroll, zoom, resize, another sheet): fetch what is missing, draw. */
  refresh() {
    if (!this.visible) return;
    const want = this.visibleTwips();
    const c = this.covered;
    if (c && c.part !== this.layer.part && (this.frozenCounts.col || this.frozenCounts.row)) this.fetchFrozen();
    if (!c || c.part !== this.layer.part || want.x0 < c.x0 || want.x1 > c.x1 || want.y0 < c.y0 || want.y1 > c.y1) {
      this.fetch();
    }
    this.draw();
  }

  /** INVALIDATE_HEADER (sizes changed, rows or columns inserted, deleted, hidden…). */
  invalidate() {
    this.covered = null;
    this.refresh();
    if (this.frozenCounts.col || this.frozenCounts.row) this.fetchFrozen();
  }

  visibleTwips() {
    const view = this.layer.viewSize();
    const s = this.layer.scale;
    const o = this.layer.origin();
    const x0 = Math.max(0, (this.layer.scroller.scrollLeft - o.x) / s);
    const y0 = Math.max(0, (this.layer.scroller.scrollTop - o.y) / s);
    return { x0, y0, x1: x0 + view.w / s, y1: y0 + view.h / s };
  }

  async fetch() {
    const v = this.visibleTwips();
    const mx = (v.x1 - v.x0) * MARGIN;
    const my = (v.y1 - v.y0) * MARGIN;
    const r = {
      x0: Math.floor(Math.max(0, v.x0 - mx)), y0: Math.floor(Math.max(0, v.y0 - my)),
      x1: Math.ceil(v.x1 + mx), y1: Math.ceil(v.y1 + my), part: this.layer.part,
    };
    this.covered = r;
    const generation = ++this.generation;
    const answer = await this.ask(r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0);
    if (generation !== this.generation || !answer) return;
    this.entries = { col: parseHeaderEntries(answer.columns), row: parseHeaderEntries(answer.rows) };
    this.draw();
  }

  ask(x, y, width, height) {
    const q = `x=${Math.round(x)}&y=${Math.round(y)}&width=${Math.round(width)}&height=${Math.round(height)}`;
    return this.ctx.values.get(`.uno:ViewRowColumnHeaders?${q}`, { fresh: true });
  }

  /** STATE_CHANGED `.uno:FreezePanesRow` / `.uno:FreezePanesColumn`: how many are frozen. */
  setFrozenCount(axis, count) {
    const n = Math.max(0, Number(count) || 0);
    if (this.frozenCounts[axis] === n) return;
    this.frozenCounts[axis] = n;
    this.fetchFrozen();
  }

  /** The first rows and columns up to the frozen counts, for their extent in twips. */
  async fetchFrozen() {
    const { col, row } = this.frozenCounts;
    if (!col && !row) {
      this.frozenEntries = { col: [], row: [] };
      this.layer.setFrozen(0, 0);
      this.draw();
      return;
    }
    // Generous: 20 000 twips a column and 5 000 a row (their real sizes are what comes back).
    const answer = await this.ask(0, 0, Math.max(1, col) * 20000, Math.max(1, row) * 5000);
    if (!answer) return;
    const cols = parseHeaderEntries(answer.columns).slice(0, this.frozenCounts.col);
    const rows = parseHeaderEntries(answer.rows).slice(0, this.frozenCounts.row);
    this.frozenEntries = { col: cols, row: rows };
    const end = (list) => (list.length ? list[list.length - 1].end : 0);
    this.layer.setFrozen(end(cols), end(rows));
    this.draw();
  }

  /**
   * Where an entry sits along its header, in CSS px of the window: a frozen one (both its
   * borders) as if not scrolled, any other one scrolled.
   */
  span(axis, entry) {
    const o = this.layer.origin();
    const s = this.layer.scale;
    if (entry.frozen) {
      const base = axis === 'col' ? o.x : o.y;
      return { a: base + entry.start * s, b: base + entry.end * s };
    }
    const f = axis === 'col' ? (t) => this.layer.viewX(t) : (t) => this.layer.viewY(t);
    return { a: f(entry.start), b: f(entry.end) };
  }

  /** Where the frozen entries end along a header (the origin when none are frozen). */
  frozenEdge(axis) {
    const o = this.layer.origin();
    const f = this.layer.frozen;
    return axis === 'col' ? o.x + f.x * this.layer.scale : o.y + f.y * this.layer.scale;
  }

  /** Entries to draw and hit-test: the frozen ones, then the scrolled ones past them. */
  shown(axis) {
    const frozen = this.frozenEntries[axis].map((e) => ({ ...e, frozen: true }));
    const limit = frozen.length ? frozen[frozen.length - 1].end : 0;
    return [...frozen, ...this.entries[axis].filter((e) => e.start >= limit)];
  }

  draw() {
    if (!this.visible) return;
    const dpr = this.layer.dpr;
    const view = this.layer.viewSize();
    const sizes = { col: [view.w, COLUMN_HEADER_HEIGHT], row: [ROW_HEADER_WIDTH, view.h] };
    const current = this.currentRange();
    for (const axis of ['col', 'row']) {
      const canvas = this.canvases[axis];
      const [w, h] = sizes[axis];
      if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
        canvas.width = Math.round(w * dpr);
        canvas.height = Math.round(h * dpr);
        canvas.style.width = `${w}px`;
        canvas.style.height = `${h}px`;
      }
      const g = canvas.getContext('2d');
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      g.fillStyle = HEADER_BG;
      g.fillRect(0, 0, w, h);
      // Smaller names when zoomed out, so that short rows keep them apart.
      const fontPx = Math.round(Math.min(12, Math.max(7, 12 * this.layer.zoom)));
      g.font = `${fontPx}px sans-serif`;
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      const inset = axis === 'col' ? ROW_HEADER_WIDTH : COLUMN_HEADER_HEIGHT;
      const frozenEnd = this.frozenEdge(axis);
      for (const entry of this.shown(axis)) {
        let { a, b } = this.span(axis, entry);
        if (!entry.frozen) a = Math.max(a, frozenEnd);
        if (b <= a || b < inset) continue;
        const length = axis === 'col' ? w : h;
        if (a > length) continue;
        const inRange = current && entry.index >= current[axis][0] && entry.index <= current[axis][1];
        g.fillStyle = inRange ? HEADER_CURRENT : HEADER_BG;
        g.strokeStyle = HEADER_LINE;
        g.lineWidth = 1 / dpr;
        if (axis === 'col') {
          g.fillRect(a, 0, b - a, h);
          g.beginPath(); g.moveTo(b, 0); g.lineTo(b, h); g.stroke();
          if (b - a > 8) { g.fillStyle = HEADER_TEXT; g.fillText(entry.text, (a + b) / 2, h / 2 + 1); }
        } else {
          g.fillRect(0, a, w, b - a);
          g.beginPath(); g.moveTo(0, b); g.lineTo(w, b); g.stroke();
          if (b - a > fontPx - 1) { g.fillStyle = HEADER_TEXT; g.fillText(entry.text, w / 2, (a + b) / 2 + 1); }
        }
      }
      // The border against the cells.
      g.fillStyle = HEADER_LINE;
      if (axis === 'col') g.fillRect(0, h - 1, w, 1);
      else g.fillRect(w - 1, 0, 1, h);
    }
  }

  /** The columns and rows of the cell cursor or selection, highlighted in the headers. */
  currentRange() {
    const rect = this.ctx.ownSelection() || this.ctx.ownCell();
    if (!rect) return null;
    const range = (axis) => {
      const a = axis === 'col' ? rect.x : rect.y;
      const b = a + Math.max(1, (axis === 'col' ? rect.w : rect.h) - 1);
      const hits = [...this.frozenEntries[axis], ...this.entries[axis]].filter((e) => e.end > a && e.start < b);
      return hits.length ? [Math.min(...hits.map((e) => e.index)), Math.max(...hits.map((e) => e.index))] : [-1, -2];
    };
    return { col: range('col'), row: range('row') };
  }

  /** The entry under a pointer event and whether it is on the entry's end border. */
  hit(axis, e) {
    const r = this.canvases[axis].getBoundingClientRect();
    const pos = axis === 'col' ? e.clientX - r.left : e.clientY - r.top;
    let best = null;
    const edge = this.frozenEdge(axis);
    for (const entry of this.shown(axis)) {
      let { a, b } = this.span(axis, entry);
      if (!entry.frozen) a = Math.max(a, edge);
      if (b <= a) continue;
      if (Math.abs(pos - b) <= GRIP) return { entry, border: true, pos };
      if (pos >= a && pos < b) best = { entry, border: false, pos };
    }
    return best;
  }

  onHover(axis, e) {
    if (this.drag) return;
    const h = this.hit(axis, e);
    this.canvases[axis].style.cursor = h && h.border && this.ctx.canEdit() ? AXES[axis].cursor : 'default';
  }

  onDown(axis, e) {
    if (e.button !== 0) return;
    e.preventDefault();
    const h = this.hit(axis, e);
    if (!h || !this.ctx.canEdit()) return;
    if (h.border) {
      this.startResize(axis, h, e);
      return;
    }
    const modifier = (e.shiftKey ? KEY_SHIFT : 0) | (e.ctrlKey || e.metaKey ? KEY_MOD1 : 0);
    this.select(axis, h.entry.index, modifier);
    this.ctx.focus();
  }

  select(axis, index, modifier = 0) {
    const a = AXES[axis];
    this.ctx.send('uno', {
      command: a.select,
      args: JSON.stringify({
        // LibreOffice's column argument is 16-bit, its row one 32-bit.
        [a.selectArg]: { type: axis === 'col' ? 'unsigned short' : 'long', value: index },
        Modifier: { type: 'unsigned short', value: modifier },
      }),
    });
  }

  /** A drag on a border: a guide line follows the pointer; the new size is sent on release. */
  startResize(axis, h, e) {
    const { a } = this.span(axis, h.entry);
    const areaRect = this.ctx.area.getBoundingClientRect();
    const start = axis === 'col' ? e.clientX : e.clientY;
    this.drag = { axis, entry: h.entry, from: a, moved: false };
    const place = (client) => {
      const pos = Math.max(a, client - (axis === 'col' ? areaRect.left : areaRect.top));
      this.guide.className = `calc-header-guide calc-header-guide-${axis}`;
      this.guide.style[axis === 'col' ? 'left' : 'top'] = `${pos}px`;
      this.guide.style[axis === 'col' ? 'top' : 'left'] = '0px';
      this.guide.hidden = false;
      return pos;
    };
    place(start);
    const move = (ev) => {
      const client = axis === 'col' ? ev.clientX : ev.clientY;
      if (Math.abs(client - start) > 2) this.drag.moved = true;
      place(client);
    };
    const up = (ev) => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
      this.guide.hidden = true;
      const drag = this.drag;
      this.drag = null;
      if (!drag.moved) return; // a click on a border (or the first of a double click)
      const pos = place(axis === 'col' ? ev.clientX : ev.clientY);
      this.guide.hidden = true;
      const twips = Math.round((pos - drag.from) / this.layer.scale);
      const [command, args] = AXES[axis].resize(drag.entry, twips);
      this.ctx.send('uno', { command, args: JSON.stringify(args) });
      this.ctx.focus();
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  }

  /** A double click on a border: the optimal width or height of that column or row. */
  onDoubleClick(axis, e) {
    const h = this.hit(axis, e);
    if (!h || !h.border || !this.ctx.canEdit()) return;
    this.optimal(axis, h.entry.index);
  }

  optimal(axis, index, { keepSelection = false } = {}) {
    if (!keepSelection) this.select(axis, index);
    const [command, args] = AXES[axis].optimal;
    this.ctx.send('uno', { command, args: JSON.stringify(args) });
    this.ctx.focus();
  }

  /** Right button: the column or row is selected (unless already), then a menu of its own. */
  onContextMenu(axis, e) {
    e.preventDefault();
    const h = this.hit(axis, e);
    if (!h || !this.ctx.canEdit()) return;
    const current = this.currentRange();
    const selected = current && h.entry.index >= current[axis][0] && h.entry.index <= current[axis][1];
    if (!selected) this.select(axis, h.entry.index);
    const items = AXES[axis].menu.map((m) => (m === '-' ? { kind: 'sep' } : {
      kind: 'item', text: m[0], enabled: true, command: m[1] === 'optimal' ? null : m[1],
      run: () => {
        if (m[1] === 'optimal') this.optimal(axis, h.entry.index, { keepSelection: true });
        else this.ctx.send('uno', { command: m[1] });
      },
    }));
    this.menu.open(items, { x: e.clientX, y: e.clientY }, { focusFirst: true });
  }

  /** The entries in sight along a header, with where they are in the window (a, b: CSS px). */
  inSight(axis) {
    const edge = this.frozenEdge(axis);
    const out = [];
    for (const e of this.shown(axis)) {
      let { a, b } = this.span(axis, e);
      if (!e.frozen) a = Math.max(a, edge);
      if (b > a) out.push({ index: e.index, text: e.text, start: e.start, end: e.end, a, b, frozen: !!e.frozen });
    }
    return out;
  }

  describe() {
    return {
      visible: this.visible,
      columns: this.inSight('col'),
      rows: this.inSight('row'),
      frozen: { ...this.frozenCounts, x: this.layer.frozen.x, y: this.layer.frozen.y },
    };
  }
}
