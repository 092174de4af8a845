// Insert ▸ Table: a rows × columns grid, as office suites offer it. Hovering (or the arrow
// keys) marks the top-left block of cells, a click (or Enter) inserts that table with
// `.uno:InsertTable?Columns:short=&Rows:short=` (Writer and Impress insert it at once with both
// arguments); "More options…" opens LibreOffice's own Insert Table dialog.

import { sendUno } from './commands.js';

const COLUMNS = 10;
const ROWS = 8;

export class TablePicker {
  /** ctx: {send, focus} */
  constructor(ctx) {
    this.ctx = ctx;
    this.rows = 1;
    this.columns = 1;
    this.root = document.createElement('div');
    this.root.className = 'table-picker';
    this.root.id = 'table-picker';
    this.root.setAttribute('role', 'dialog');
    this.root.setAttribute('aria-label', 'Insert table');
    this.root.tabIndex = -1;
    this.root.hidden = true;
    this.grid = document.createElement('div');
    this.grid.className = 'table-picker-grid';
    this.grid.style.gridTemplateColumns = `repeat(${COLUMNS}, 18px)`;
    for (let r = 1; r <= ROWS; r += 1) {
      for (let c = 1; c <= COLUMNS; c += 1) {
        const cell = document.createElement('div');
        cell.className = 'table-picker-cell';
        cell.dataset.row = String(r);
        cell.dataset.column = String(c);
        this.grid.append(cell);
      }
    }
    this.label = document.createElement('div');
    this.label.className = 'table-picker-label';
    this.label.setAttribute('aria-live', 'polite');
    const more = document.createElement('button');
    more.type = 'button';
    more.className = 'table-picker-more';
    more.textContent = 'More options…';
    more.addEventListener('click', () => {
      this.close();
      sendUno(this.ctx.send, '.uno:InsertTable');
    });
    this.root.append(this.grid, this.label, more);
    document.body.append(this.root);

    // mousemove, not mouseover: a grid that opens under a resting pointer keeps 1 × 1.
    this.grid.addEventListener('mousemove', (e) => {
      const cell = e.target.closest('.table-picker-cell');
      if (cell) this.mark(Number(cell.dataset.row), Number(cell.dataset.column));
    });
    this.grid.addEventListener('click', (e) => {
      const cell = e.target.closest('.table-picker-cell');
      if (cell) this.insert(Number(cell.dataset.row), Number(cell.dataset.column));
    });
    this.root.addEventListener('keydown', (e) => this.onKey(e));
    // A press anywhere else closes it, as a menu would.
    document.addEventListener('mousedown', (e) => {
      if (!this.root.hidden && !this.root.contains(e.target)) this.close(false);
    }, true);
  }

  /** Shows the grid with its top-left corner at client point (x, y). */
  open(x, y) {
    this.mark(1, 1);
    this.root.hidden = false;
    const width = this.root.offsetWidth;
    this.root.style.left = `${Math.max(4, Math.min(x, window.innerWidth - width - 4))}px`;
    this.root.style.top = `${Math.max(4, y)}px`;
    this.root.focus();
  }

  close(focusDocument = true) {
    if (this.root.hidden) return;
    this.root.hidden = true;
    if (focusDocument) this.ctx.focus();
  }

  mark(rows, columns) {
    this.rows = rows;
    this.columns = columns;
    for (const cell of this.grid.children) {
      const on = Number(cell.dataset.row) <= rows && Number(cell.dataset.column) <= columns;
      cell.classList.toggle('marked', on);
    }
    this.label.textContent = `${rows} ${rows === 1 ? 'row' : 'rows'} × ${columns} ${columns === 1 ? 'column' : 'columns'}`;
  }

  insert(rows, columns) {
    this.close();
    sendUno(this.ctx.send, `.uno:InsertTable?Columns:short=${columns}&Rows:short=${rows}`);
  }

  onKey(e) {
    const moves = { ArrowRight: [0, 1], ArrowLeft: [0, -1], ArrowDown: [1, 0], ArrowUp: [-1, 0] };
    if (moves[e.key]) {
      const [dr, dc] = moves[e.key];
      this.mark(Math.min(ROWS, Math.max(1, this.rows + dr)), Math.min(COLUMNS, Math.max(1, this.columns + dc)));
    } else if (e.key === 'Enter' && e.target === this.root) {
      this.insert(this.rows, this.columns);
    } else if (e.key === 'Escape') {
      this.close();
    } else {
      return;
    }
    e.preventDefault();
    e.stopPropagation();
  }
}
