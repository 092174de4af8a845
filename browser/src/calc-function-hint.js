// Calc's function autocomplete: while a formula is typed into a cell, the function names that
// start with what was typed so far are listed under the cell's caret; Tab or Enter (or a click)
// completes the name with its "(", Up/Down choose, Escape closes. LibreOffice 7.4 offers
// desktop views none of this through LibreOffice Kit (its CALC_FUNCTION_LIST is for phone
// views, its own tip is not sent), so the page follows the cell's text (`CELL_FORMULA`) and
// types the rest of the name itself, as the user would have.

const FUNCTIONS = `ABS ACOS ACOSH ADDRESS AND ASIN ATAN ATAN2 AVERAGE AVERAGEA AVERAGEIF AVERAGEIFS
CEILING CHAR CHOOSE CLEAN CODE COLUMN COLUMNS CONCAT CONCATENATE CORREL COS COSH COUNT COUNTA
COUNTBLANK COUNTIF COUNTIFS COVAR DATE DATEDIF DATEVALUE DAY DAYS DEGREES EDATE EOMONTH EVEN EXACT
EXP FACT FALSE FIND FIXED FLOOR FORECAST FREQUENCY FV GEOMEAN HLOOKUP HOUR HYPERLINK IF IFERROR IFNA
IFS INDEX INDIRECT INT IPMT IRR ISBLANK ISERROR ISEVEN ISNA ISNUMBER ISODD ISTEXT LARGE LEFT LEN LN
LOG LOG10 LOOKUP LOWER MATCH MAX MAXA MAXIFS MEDIAN MID MIN MINA MINIFS MINUTE MOD MODE MONTH
NETWORKDAYS NOT NOW NPER NPV ODD OFFSET OR PI PMT POWER PPMT PRODUCT PROPER PV QUARTILE RADIANS RAND
RANDBETWEEN RANK RATE REPLACE REPT RIGHT ROUND ROUNDDOWN ROUNDUP ROW ROWS SEARCH SECOND SIGN SIN
SINH SMALL SQRT STDEV STDEVA STDEVP SUBSTITUTE SUBTOTAL SUM SUMIF SUMIFS SUMPRODUCT SUMSQ SWITCH T
TAN TANH TEXT TEXTJOIN TIME TIMEVALUE TODAY TRANSPOSE TRIM TRUE TRUNC UPPER VALUE VAR VARP VLOOKUP
WEEKDAY WEEKNUM WORKDAY XLOOKUP YEAR`.split(/\s+/);
const MAX_SHOWN = 8;

/** The function name being typed at the end of a formula, or null. */
export function typedFunctionPrefix(formula) {
  if (!formula.startsWith('=')) return null;
  const m = /(?:^=|[=(;,+\-*/&^<>! ])([A-Za-z][A-Za-z0-9.]*)$/.exec(formula);
  return m ? m[1] : null;
}

export class FunctionHint {
  /** ctx: {layer, keyboard (keyboard.js), caret() (twips rectangle), canEdit()} */
  constructor(ctx) {
    this.ctx = ctx;
    this.el = document.createElement('ul');
    this.el.className = 'function-hint';
    this.el.setAttribute('role', 'listbox');
    this.el.setAttribute('aria-label', 'Functions');
    this.el.hidden = true;
    document.body.appendChild(this.el);
    this.names = [];
    this.prefix = '';
    this.chosen = 0;
    /** The last character typed into the cell, until another key (Enter, arrows…) comes. */
    this.lastChar = null;
    this.el.addEventListener('mousedown', (e) => {
      const li = e.target.closest('li');
      if (!li) return;
      e.preventDefault();
      this.chosen = Number(li.dataset.index);
      this.complete();
    });
    // Before keyboard.js sees the key (capture phase): the keys the list uses stay here.
    document.addEventListener('keydown', (e) => this.onKey(e), true);
  }

  get shown() {
    return !this.el.hidden;
  }

  /** CELL_FORMULA: the text of the cell being edited (or of the current cell). */
  onFormula(text) {
    const formula = text.replace(/\n$/, '');
    // LibreOffice reports the text some keys late: a text that does not end with the last
    // character typed is from before it, and its prefix may already be closed ("=COUNTA(A"
    // arriving after "1:A3)" was typed would offer ABS to the Enter that ends the formula).
    const stale = this.lastChar !== null && !formula.endsWith(this.lastChar);
    const prefix = stale ? null : typedFunctionPrefix(formula);
    if (!prefix || !this.ctx.canEdit() || document.activeElement !== this.ctx.keyboard.textarea) {
      this.hide();
      return;
    }
    const upper = prefix.toUpperCase();
    const names = FUNCTIONS.filter((n) => n.startsWith(upper) && n !== upper).slice(0, MAX_SHOWN);
    if (names.length === 0) {
      this.hide();
      return;
    }
    this.names = names;
    this.prefix = prefix;
    this.chosen = 0;
    this.render();
  }

  render() {
    this.el.replaceChildren(...this.names.map((name, i) => {
      const li = document.createElement('li');
      li.setAttribute('role', 'option');
      li.dataset.index = String(i);
      li.setAttribute('aria-selected', i === this.chosen ? 'true' : 'false');
      li.textContent = name;
      return li;
    }));
    this.el.hidden = false;
    const caret = this.ctx.caret();
    if (caret) {
      const layer = this.ctx.layer;
      const rect = layer.sizer.getBoundingClientRect();
      const p = layer.twipsToCss(caret.x, caret.y + caret.h);
      this.el.style.left = `${Math.round(rect.left + p.x)}px`;
      this.el.style.top = `${Math.round(rect.top + p.y + 2)}px`;
    }
  }

  hide() {
    this.el.hidden = true;
    this.names = [];
  }

  onKey(e) {
    if (e.target !== this.ctx.keyboard.textarea) return;
    if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
      this.lastChar = e.key;
      // A character that cannot continue a function name ends the list at once, before
      // LibreOffice's CELL_FORMULA says so.
      if (this.shown && !/[A-Za-z0-9.]/.test(e.key)) this.hide();
      return;
    }
    if (!this.shown) {
      this.lastChar = null;
      return;
    }
    const use = () => { e.preventDefault(); e.stopPropagation(); };
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      use();
      const n = this.names.length;
      this.chosen = (this.chosen + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      this.render();
    } else if (e.key === 'Tab' || e.key === 'Enter') {
      use();
      this.complete();
    } else if (e.key === 'Escape') {
      use();
      this.hide();
    } else {
      this.lastChar = null;
    }
  }

  /** Types the rest of the chosen name and its "(", as the user would. */
  complete() {
    const name = this.names[this.chosen];
    if (!name) return;
    const typedLower = this.prefix === this.prefix.toLowerCase();
    const rest = name.slice(this.prefix.length)[typedLower ? 'toLowerCase' : 'toString']();
    this.hide();
    this.lastChar = '(';
    this.ctx.keyboard.sendText(`${rest}(`);
    this.ctx.keyboard.focus();
  }

  describe() {
    return { shown: this.shown, names: [...this.names], chosen: this.chosen };
  }
}
