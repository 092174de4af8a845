// The document canvas: 256 CSS-px tiles painted by the server, drawn on one viewport-sized
// canvas at devicePixelRatio, under a native scroll container (smooth scrolling, scrollbars)
// whose content box is sized to the document and carries the caret/selection overlays.

import { onceAFrame } from './once-a-frame.js';
import { tileKey } from './tile-fetcher.js';

export const TILE_CSS = 256;
/** Twips covered by a 256 px tile at 100 % (15 twips per CSS pixel). */
export const TWIPS_100 = 3840;
export const ZOOM_STEPS = [0.5, 0.75, 1, 1.25, 1.5, 2];
const PAD = 16; // CSS px of app background around the document
const MARGIN_TILES = 1; // rows/columns requested beyond the visible area
const MAX_CACHE = 900;
const PAGE_BACKGROUND = '#ffffff';
const APP_BACKGROUND = '#dfe3e8';

export class TileLayer {
  constructor({ area, canvas, scroller, sizer, fetcher, onViewChanged }) {
    this.area = area;
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { alpha: false });
    this.scroller = scroller;
    this.sizer = sizer;
    this.fetcher = fetcher;
    this.onViewChanged = onViewChanged || (() => {});
    this.cache = new Map(); // key → {bitmap, stale, used}
    this.part = 0;
    this.docW = 0;
    this.docH = 0;
    this.type = 'text';
    this.zoom = 1;
    this.fitWidth = false;
    this.dpr = 1;
    this.scheduleDraw = onceAFrame(() => this.draw());
    this.useCounter = 0;
    this.paintListeners = [];
    // Calc: room for the row and column headers (calc-headers.js) instead of the padding, and
    // the frozen panes' extent in twips (rows above y and columns left of x stay in place).
    this.headerInset = null;
    this.frozen = { x: 0, y: 0 };
    this.updateDpr();
    fetcher.register('main', (spec, msg, stale) => this.onTile(spec, msg, stale), (spec) => this.refreshTile(spec));
    scroller.addEventListener('scroll', () => {
      this.update();
      // Marks in frozen panes stay where they are while the rest scrolls: place them again.
      if (this.frozen.x || this.frozen.y) this.onViewChanged();
    }, { passive: true });
    new ResizeObserver(() => this.resize()).observe(area);
    // devicePixelRatio changes when the window moves to another screen or the browser zooms.
    const watchDpr = () => {
      const query = matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`);
      query.addEventListener('change', () => { this.updateDpr(); this.resize(); watchDpr(); }, { once: true });
    };
    watchDpr();
  }

  updateDpr() {
    // Tiles are at most 1024 px wide: 4× is the highest ratio one 256 px tile can carry.
    this.dpr = Math.min(4, Math.max(1, window.devicePixelRatio || 1));
  }

  /** Pixel size of one tile: 256 CSS px at the screen's density. */
  get tilePx() {
    return Math.round(TILE_CSS * this.dpr);
  }

  /** Twips covered by one tile at the current zoom (an integer, so tiles align exactly). */
  get tileTwips() {
    const perPx = 15 / this.zoom; // twips per CSS pixel
    const twips = Math.round(TILE_CSS * perPx);
    return Math.min(300 * this.tilePx, Math.max(this.tilePx, twips));
  }

  /** CSS pixels per twip, derived from the integer tile geometry. */
  get scale() {
    return this.tilePx / this.dpr / this.tileTwips;
  }

  /** Area of the document to lay out: spreadsheets grow to fill the window. */
  get layoutSize() {
    let w = this.docW;
    let h = this.docH;
    if (this.type === 'spreadsheet') {
      const view = this.viewSize();
      w = Math.max(w, (view.w - 2 * PAD) / this.scale + 2 * this.tileTwips);
      h = Math.max(h, (view.h - 2 * PAD) / this.scale + 2 * this.tileTwips);
    }
    return { w, h };
  }

  viewSize() {
    return { w: this.scroller.clientWidth, h: this.scroller.clientHeight };
  }

  /** Where twip (0, 0) of the part sits inside the sizer, in CSS px. */
  origin() {
    const view = this.viewSize();
    const docCssW = this.layoutSize.w * this.scale;
    if (this.type === 'spreadsheet' && this.headerInset) return { ...this.headerInset };
    const x = this.type === 'spreadsheet' ? PAD : Math.max(PAD, (view.w - docCssW) / 2);
    return { x, y: PAD };
  }

  /**
   * Twips → CSS px inside the sizer. A point in a frozen pane moves with the scroll position,
   * so that it stays where it is in the window.
   */
  twipsToCss(x, y) {
    const o = this.origin();
    return {
      x: o.x + x * this.scale + (x < this.frozen.x ? this.scroller.scrollLeft : 0),
      y: o.y + y * this.scale + (y < this.frozen.y ? this.scroller.scrollTop : 0),
    };
  }

  /** Twips → CSS px from the top left of the document area (the window), frozen panes included. */
  viewX(x) {
    return this.origin().x + x * this.scale - (x < this.frozen.x ? 0 : this.scroller.scrollLeft);
  }

  viewY(y) {
    return this.origin().y + y * this.scale - (y < this.frozen.y ? 0 : this.scroller.scrollTop);
  }

  /** CSS px from the top left of the window → twips; a frozen pane's point is not scrolled. */
  viewToTwips(vx, vy) {
    const o = this.origin();
    const s = this.scale;
    const fx = o.x + this.frozen.x * s;
    const fy = o.y + this.frozen.y * s;
    return {
      x: Math.round((vx - o.x + (vx < fx ? 0 : this.scroller.scrollLeft)) / s),
      y: Math.round((vy - o.y + (vy < fy ? 0 : this.scroller.scrollTop)) / s),
    };
  }

  /** A point given in client coordinates → twips in the current part. */
  clientToTwips(clientX, clientY) {
    const rect = this.scroller.getBoundingClientRect();
    return this.viewToTwips(clientX - rect.left, clientY - rect.top);
  }

  /** Calc's frozen rows and columns (twips; 0 for none): drawn in place while the rest scrolls. */
  setFrozen(x, y) {
    if (x === this.frozen.x && y === this.frozen.y) return;
    this.frozen = { x, y };
    this.update();
    this.onViewChanged();
  }

  setDocument({ type, part, width, height }) {
    const partChanged = part !== this.part;
    this.type = type;
    this.part = part;
    this.docW = width;
    this.docH = height;
    if (partChanged) this.scroller.scrollTo(0, 0);
    this.relayout();
  }

  relayout() {
    if (this.fitWidth) this.zoom = this.fitZoom();
    const size = this.layoutSize;
    const view = this.viewSize();
    const w = Math.max(view.w, size.w * this.scale + 2 * PAD);
    const h = size.h * this.scale + 2 * PAD;
    this.sizer.style.width = `${Math.ceil(w)}px`;
    this.sizer.style.height = `${Math.ceil(h)}px`;
    this.update();
    this.onViewChanged();
  }

  fitZoom() {
    const view = this.viewSize();
    if (!this.docW) return 1;
    return Math.max(0.1, (view.w - 2 * PAD) / (this.docW / 15));
  }

  /**
   * Sets the zoom, keeping the document line at the top of the window where it is (what was
   * being read stays in view), horizontally centred; then the caret is brought into view.
   */
  setZoom(zoom, { fit = false } = {}) {
    const view = this.viewSize();
    const box = this.scroller.getBoundingClientRect();
    const anchor = this.clientToTwips(box.left + view.w / 2, box.top);
    this.fitWidth = fit;
    this.zoom = fit ? this.fitZoom() : Math.min(4, Math.max(0.1, zoom));
    this.relayout();
    const p = this.twipsToCss(anchor.x, Math.max(0, anchor.y));
    this.scroller.scrollTo(p.x - view.w / 2, anchor.y < 0 ? 0 : p.y);
    if (this.caret) this.scrollIntoView(this.caret);
    this.update();
    this.onViewChanged();
  }

  zoomStep(direction) {
    const current = this.zoom;
    const steps = direction > 0 ? ZOOM_STEPS.filter((z) => z > current + 0.001)
      : ZOOM_STEPS.filter((z) => z < current - 0.001).reverse();
    if (steps.length) this.setZoom(steps[0]);
  }

  resize() {
    const view = this.viewSize();
    this.canvas.style.width = `${view.w}px`;
    this.canvas.style.height = `${view.h}px`;
    this.canvas.width = Math.round(view.w * this.dpr);
    this.canvas.height = Math.round(view.h * this.dpr);
    this.relayout();
  }

  /** The tiles covering the window plus a margin, nearest to the centre first. */
  wantedTiles() {
    if (!this.docW || !this.docH) return { visible: new Set(), specs: [] };
    const tt = this.tileTwips;
    const view = this.viewSize();
    const o = this.origin();
    const left = (this.scroller.scrollLeft - o.x) / this.scale;
    const top = (this.scroller.scrollTop - o.y) / this.scale;
    const right = left + view.w / this.scale;
    const bottom = top + view.h / this.scale;
    // Tiles may start at most 50 000 twips past the part's size (the protocol's bound).
    const size = this.layoutSize;
    const maxCol = Math.floor(Math.min(size.w - 1, this.docW + 50000) / tt);
    const maxRow = Math.floor(Math.min(size.h - 1, this.docH + 50000) / tt);
    const c0 = Math.max(0, Math.floor(left / tt));
    const c1 = Math.min(maxCol, Math.floor(right / tt));
    const r0 = Math.max(0, Math.floor(top / tt));
    const r1 = Math.min(maxRow, Math.floor(bottom / tt));
    const visible = new Set();
    const specs = [];
    // Nearest to the caret first (what was just typed), else to the centre of the window.
    const f = this.focus;
    const focusVisible = f && f.x >= left && f.x <= right && f.y >= top && f.y <= bottom;
    const cx = focusVisible ? f.x : (left + right) / 2;
    const cy = focusVisible ? f.y : (top + bottom) / 2;
    for (let r = Math.max(0, r0 - MARGIN_TILES); r <= Math.min(maxRow, r1 + MARGIN_TILES); r++) {
      for (let c = Math.max(0, c0 - MARGIN_TILES); c <= Math.min(maxCol, c1 + MARGIN_TILES); c++) {
        const spec = this.spec(c * tt, r * tt);
        const inView = r >= r0 && r <= r1 && c >= c0 && c <= c1;
        if (inView) visible.add(tileKey(spec));
        const dist = Math.hypot(c * tt + tt / 2 - cx, r * tt + tt / 2 - cy) + (inView ? 0 : 1e9);
        specs.push({ spec, dist });
      }
    }
    specs.sort((a, b) => a.dist - b.dist);
    // The frozen panes: the first rows across the visible columns, the first columns down the
    // visible rows, and their corner, asked for before the rest.
    const fr = this.frozen.y > 0 ? Math.floor((this.frozen.y - 1) / tt) : -1;
    const fc = this.frozen.x > 0 ? Math.floor((this.frozen.x - 1) / tt) : -1;
    const frozenSpecs = [];
    const listed = fr >= 0 || fc >= 0 ? new Set(specs.map((s) => tileKey(s.spec))) : null;
    const addFrozen = (r, c) => {
      const spec = this.spec(c * tt, r * tt);
      const key = tileKey(spec);
      visible.add(key);
      if (listed.has(key)) return;
      listed.add(key);
      frozenSpecs.push(spec);
    };
    for (let r = 0; r <= fr; r++) for (let c = c0; c <= c1; c++) addFrozen(r, c);
    for (let c = 0; c <= fc; c++) for (let r = r0; r <= r1; r++) addFrozen(r, c);
    for (let r = 0; r <= fr; r++) for (let c = 0; c <= fc; c++) addFrozen(r, c);
    return {
      visible, specs: [...frozenSpecs, ...specs.map((s) => s.spec)], rows: [r0, r1], cols: [c0, c1],
      frozenRows: fr, frozenCols: fc,
    };
  }

  spec(x, y) {
    const tt = this.tileTwips;
    const px = this.tilePx;
    return { part: this.part, x, y, tw: tt, th: tt, width: px, height: px };
  }

  /** Scroll, zoom, resize or invalidation: ask for what is missing or stale, then redraw. */
  update() {
    const { specs } = this.wantedTiles();
    const missing = [];
    for (const s of specs) {
      const cached = this.cache.get(tileKey(s));
      if (!cached) missing.push(s);
      else if (cached.stale) missing.push({ ...s, refresh: true });
    }
    this.fetcher.setWanted('main', missing);
    this.scheduleDraw();
  }

  /** `invalidate`: marks the tiles of the area stale (they stay drawn until replaced). */
  invalidate({ part, all, x, y, w, h }) {
    const hit = (s) => {
      if (part !== undefined && s.part !== part) return false;
      if (all) return true;
      return s.x < x + w && s.x + s.tw > x && s.y < y + h && s.y + s.th > y;
    };
    for (const entry of this.cache.values()) {
      if (hit(entry.spec)) entry.stale = true;
    }
    this.fetcher.markInFlightStale(hit);
    this.update();
  }

  /** A tile invalidated while its answer was on its way or being drawn: ask for it again. */
  refreshTile(spec) {
    const entry = this.cache.get(tileKey(spec));
    if (entry) entry.stale = true;
    this.update();
  }

  /** Forgets every tile (a new connection: the server's "unchanged" memory is gone too). */
  clear() {
    for (const entry of this.cache.values()) entry.stale = true;
  }

  async onTile(spec, msg, stale) {
    const key = tileKey(spec);
    if (msg.args.unchanged === '1') {
      const cached = this.cache.get(key);
      if (cached) cached.stale = stale;
    } else if (msg.args.delta === '1') {
      await this.applyDelta(key, spec, msg, stale);
    } else if (msg.data && msg.data.length) {
      const bitmap = await createImageBitmap(new Blob([msg.data], { type: 'image/png' }));
      const old = this.cache.get(key);
      if (old && old.bitmap) old.bitmap.close();
      this.cache.set(key, { spec, bitmap, stale, used: ++this.useCounter });
      this.evict();
    }
    this.freshKeys = this.freshKeys || [];
    this.freshKeys.push(key);
    this.scheduleDraw();
    return this.nextPaint();
  }

  /**
   * `tile … delta=1` (docs/protocol.md, "Tile deltas"): in the rows dy … dy+dh−1 of the tile we
   * hold, first the moves (`moves=x:w:sx,…`: columns x … x+w−1 take the held pixels `sx`
   * columns to the left), then the patch (`patch=x:w,…`: the PNG's columns, left to right,
   * replace each run in turn); the result becomes the tile. Answers of one tile are handled one
   * after the other (one request per tile is in flight), so the base is the previous answer. A
   * delta for a tile we no longer hold is dropped and the tile asked for again whole.
   */
  async applyDelta(key, spec, msg, stale) {
    const a = msg.args;
    const runs = (text) => (text ? text.split(',').map((run) => run.split(':').map(Number)) : []);
    const [dy, dh] = [Number(a.dy), Number(a.dh)];
    const moves = runs(a.moves);
    const patchRuns = runs(a.patch);
    const base = this.cache.get(key);
    const patch = base && base.bitmap && patchRuns.length > 0 && dh > 0
      ? await createImageBitmap(new Blob([msg.data], { type: 'image/png' }))
      : null;
    if (!base || !base.bitmap || this.cache.get(key) !== base) {
      // Evicted (or never held): without `refresh` the server sends it whole.
      if (patch) patch.close();
      this.dropTile(key);
      return;
    }
    const canvas = new OffscreenCanvas(spec.width, spec.height);
    const ctx = canvas.getContext('2d');
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(base.bitmap, 0, 0);
    // clearRect before each drawImage: the pixels are replaced, not blended (alpha included).
    // Moves read base.bitmap, the tile as held, never what an earlier move wrote.
    for (const [x, w, sx] of moves) {
      ctx.clearRect(x, dy, w, dh);
      ctx.drawImage(base.bitmap, x - sx, dy, w, dh, x, dy, w, dh);
    }
    if (patch) {
      let from = 0;
      for (const [x, w] of patchRuns) {
        ctx.clearRect(x, dy, w, dh);
        ctx.drawImage(patch, from, 0, w, dh, x, dy, w, dh);
        from += w;
      }
      patch.close();
    }
    base.bitmap.close();
    this.cache.set(key, { spec, bitmap: canvas.transferToImageBitmap(), stale, used: ++this.useCounter });
  }

  /** Forgets a tile and asks for it again once its answer is acknowledged. */
  dropTile(key) {
    const entry = this.cache.get(key);
    if (entry && entry.bitmap) entry.bitmap.close();
    this.cache.delete(key);
    setTimeout(() => this.update(), 0);
  }

  /** Keeps the cache bounded: tiles of other zooms and parts go first, then the oldest. */
  evict() {
    if (this.cache.size <= MAX_CACHE) return;
    const current = (s) => s.part === this.part && s.tw === this.tileTwips && s.width === this.tilePx;
    const entries = [...this.cache.entries()].sort((a, b) => {
      const ca = current(a[1].spec) ? 1 : 0;
      const cb = current(b[1].spec) ? 1 : 0;
      return ca - cb || a[1].used - b[1].used;
    });
    for (const [key, entry] of entries.slice(0, this.cache.size - MAX_CACHE)) {
      if (entry.bitmap) entry.bitmap.close();
      this.cache.delete(key);
    }
  }

  nextPaint() {
    return new Promise((resolve) => this.paintListeners.push(resolve));
  }

  draw() {
    const ctx = this.ctx;
    const dpr = this.dpr;
    ctx.fillStyle = APP_BACKGROUND;
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    if (this.docW && this.docH) {
      const o = this.origin();
      // Device-pixel origin rounded once, so neighbouring tiles meet without seams.
      const baseX = Math.round((o.x - this.scroller.scrollLeft) * dpr);
      const baseY = Math.round((o.y - this.scroller.scrollTop) * dpr);
      const px = this.tilePx;
      const tt = this.tileTwips;
      const size = this.layoutSize;
      ctx.fillStyle = PAGE_BACKGROUND;
      ctx.fillRect(baseX, baseY, Math.round(size.w / tt * px), Math.round(size.h / tt * px));
      const { cols, rows, frozenRows, frozenCols } = this.wantedTiles();
      this.drawOtherZooms(baseX, baseY);
      this.drawTiles(rows, cols, baseX, baseY);
      if (frozenRows >= 0 || frozenCols >= 0) this.drawFrozen(rows, cols, frozenRows, frozenCols);
    }
    const fresh = this.freshKeys || [];
    this.freshKeys = [];
    const listeners = this.paintListeners;
    this.paintListeners = [];
    for (const resolve of listeners) resolve();
    if (window.oxoolPaintHook) window.oxoolPaintHook(fresh);
  }

  drawTiles(rows, cols, baseX, baseY) {
    const px = this.tilePx;
    const tt = this.tileTwips;
    for (let r = rows[0]; r <= rows[1]; r++) {
      for (let c = cols[0]; c <= cols[1]; c++) {
        const entry = this.cache.get(tileKey(this.spec(c * tt, r * tt)));
        if (!entry || !entry.bitmap) continue;
        entry.used = ++this.useCounter;
        this.ctx.drawImage(entry.bitmap, baseX + c * px, baseY + r * px, px, px);
      }
    }
  }

  /**
   * Frozen panes: over the scrolled tiles, the frozen rows are drawn as if not scrolled
   * vertically, the frozen columns as if not scrolled horizontally, their corner not at all;
   * a line marks where the panes meet, as LibreOffice does.
   */
  drawFrozen(rows, cols, frozenRows, frozenCols) {
    const ctx = this.ctx;
    const dpr = this.dpr;
    const o = this.origin();
    const sx = this.scroller.scrollLeft;
    const sy = this.scroller.scrollTop;
    const fw = Math.round((o.x + this.frozen.x * this.scale) * dpr);
    const fh = Math.round((o.y + this.frozen.y * this.scale) * dpr);
    const W = this.canvas.width;
    const H = this.canvas.height;
    const band = (clip, rowRange, colRange, offX, offY) => {
      ctx.save();
      ctx.beginPath();
      ctx.rect(...clip);
      ctx.clip();
      ctx.fillStyle = PAGE_BACKGROUND;
      ctx.fillRect(...clip);
      this.drawTiles(rowRange, colRange, Math.round((o.x - offX) * dpr), Math.round((o.y - offY) * dpr));
      ctx.restore();
    };
    if (frozenRows >= 0) band([0, 0, W, fh], [0, frozenRows], cols, sx, 0);
    if (frozenCols >= 0) band([0, 0, fw, H], rows, [0, frozenCols], 0, sy);
    if (frozenRows >= 0 && frozenCols >= 0) band([0, 0, fw, fh], [0, frozenRows], [0, frozenCols], 0, 0);
    ctx.fillStyle = '#000000';
    if (frozenRows >= 0) ctx.fillRect(0, fh - Math.max(1, Math.round(dpr)), W, Math.max(1, Math.round(dpr)));
    if (frozenCols >= 0) ctx.fillRect(fw - Math.max(1, Math.round(dpr)), 0, Math.max(1, Math.round(dpr)), H);
  }

  /** The caret, in twips: tiles around it are asked for first. */
  setFocus(point, caret) {
    this.focus = point;
    this.caret = caret;
  }

  /**
   * Until the tiles of a new zoom arrive, the ones of other zooms we still hold are drawn
   * scaled in their place, so zooming never flashes an empty page.
   */
  drawOtherZooms(baseX, baseY) {
    const tt = this.tileTwips;
    const pxPerTwip = this.tilePx / tt; // device px
    const view = { w: this.canvas.width, h: this.canvas.height };
    for (const entry of this.cache.values()) {
      const s = entry.spec;
      if (s.part !== this.part || (s.tw === tt && s.width === this.tilePx) || !entry.bitmap) continue;
      const x = baseX + s.x * pxPerTwip;
      const y = baseY + s.y * pxPerTwip;
      const w = s.tw * pxPerTwip;
      const h = s.th * pxPerTwip;
      if (x > view.w || y > view.h || x + w < 0 || y + h < 0) continue;
      this.ctx.drawImage(entry.bitmap, x, y, w, h);
    }
  }

  /** Scrolls so that a twip rectangle (the caret) is inside the window. */
  scrollIntoView(rect) {
    const p = this.twipsToCss(rect.x, rect.y);
    const h = Math.max(rect.h * this.scale, 16);
    const view = this.viewSize();
    const s = this.scroller;
    const margin = 24;
    let left = s.scrollLeft;
    let top = s.scrollTop;
    // Calc's headers and frozen panes: what is in the panes is always in sight; what is not
    // must come out from under them and the headers.
    const inset = this.type === 'spreadsheet' && this.headerInset ? this.headerInset : { x: 0, y: 0 };
    const fy = this.frozen.y * this.scale + inset.y;
    const fx = this.frozen.x * this.scale + inset.x;
    if (rect.y >= this.frozen.y) {
      if (p.y < top + margin + fy) top = p.y - margin - fy;
      else if (p.y + h > top + view.h - margin) top = p.y + h - view.h + margin;
    }
    if (rect.x >= this.frozen.x) {
      if (p.x < left + margin + fx) left = p.x - margin - fx;
      else if (p.x > left + view.w - margin) left = p.x - view.w + margin;
    }
    if (left !== s.scrollLeft || top !== s.scrollTop) s.scrollTo(left, top);
  }

  /** Debug and test view of the layer. */
  describe() {
    return {
      part: this.part, zoom: this.zoom, tileTwips: this.tileTwips, tilePx: this.tilePx,
      dpr: this.dpr, cached: this.cache.size,
      staleVisible: [...this.wantedTiles().visible].filter((k) => {
        const e = this.cache.get(k);
        return !e || e.stale;
      }).length,
    };
  }
}
