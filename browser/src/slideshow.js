// The slideshow: the presentation full screen in this page. Each slide is LibreOffice's own
// rendering of it, asked for as tiles of the slide's part at screen resolution (the tiles a
// thumbnail is made of, only larger), so the show reads the document and changes nothing: the
// presenter's view keeps its slide and selection, and the others edit on. Slides edited during
// the show are painted again when they are shown next.
//
// Transitions and hidden slides come from the document as LibreOffice exports it (a `download`
// in Flat ODF, docs/protocol.md "Download and save as"): each slide's transition (its page
// style's `smil:type`) becomes a CSS animation of the same family (slide-transitions.js); a type
// without a CSS equivalent is shown as a crossfade.

import { tileKey } from './tile-fetcher.js';
import { readShowPlan, animateTransition } from './slide-transitions.js';

const MAX_TILE_PX = 1024; // the protocol's largest tile
const MAX_SLIDE_PX = 2048; // wider screens get a slightly scaled-up picture
const PREFETCH = 1; // slides painted ahead of the one shown

export class Slideshow {
  /** ctx: {fetcher, send, nextDownloadId()} */
  constructor(ctx) {
    this.ctx = ctx;
    this.fetcher = ctx.fetcher;
    this.root = null;
    this.slides = new Map(); // part → {canvas, tiles: Map(key → spec), drawn: Set(key), stale}
    this.plan = null; // from the document: {hidden: Set, transitions: Map(part → transition)}
    this.planRequest = null; // {id, resolve}
    this.fetcher.register('slideshow', (spec, msg, stale) => this.onTile(spec, msg, stale), (spec) => this.refreshTile(spec));
  }

  get running() {
    return !!this.root;
  }

  /** geometry: {parts, part (the first slide shown), width, height (twips)} */
  async start(geometry) {
    if (this.running) return;
    this.geometry = geometry;
    this.slides.clear();
    this.plan = { hidden: new Set(), transitions: new Map() };
    this.build();
    this.index = geometry.part;
    this.showSlide(geometry.part, null);
    if (this.root.requestFullscreen) this.root.requestFullscreen().catch(() => {});
    // Transitions and hidden slides, read while the first slide paints.
    const plan = await this.askPlan();
    if (!this.running || !plan) return;
    this.plan = plan;
    this.root.dataset.planned = '1';
    if (plan.hidden.has(this.index)) this.go(1);
  }

  stop() {
    if (!this.running) return;
    if (document.fullscreenElement === this.root) document.exitFullscreen().catch(() => {});
    this.root.remove();
    this.root = null;
    this.fetcher.setWanted('slideshow', []);
    if (this.previousFocus && this.previousFocus.focus) this.previousFocus.focus({ preventScroll: true });
  }

  build() {
    this.previousFocus = document.activeElement;
    const root = document.createElement('div');
    root.className = 'slideshow';
    root.id = 'slideshow';
    root.tabIndex = -1;
    root.setAttribute('role', 'dialog');
    root.setAttribute('aria-label', 'Slide show (arrows or click: next; Escape: end)');
    const stage = document.createElement('div');
    stage.className = 'slideshow-stage';
    const bar = document.createElement('div');
    bar.className = 'slideshow-bar';
    const button = (action, text, label) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.action = action;
      b.textContent = text;
      b.setAttribute('aria-label', label);
      b.title = label;
      return b;
    };
    this.counter = document.createElement('span');
    this.counter.className = 'slideshow-counter';
    bar.append(button('show-prev', '‹', 'Previous slide'), this.counter, button('show-next', '›', 'Next slide'),
      button('show-end', '✕', 'End show'));
    root.append(stage, bar);
    root.addEventListener('keydown', (e) => this.onKey(e));
    root.addEventListener('click', (e) => {
      const b = e.target.closest('button');
      if (b) {
        e.stopPropagation();
        if (b.dataset.action === 'show-prev') this.go(-1);
        if (b.dataset.action === 'show-next') this.go(1);
        if (b.dataset.action === 'show-end') this.stop();
        return;
      }
      this.go(1);
    });
    root.addEventListener('contextmenu', (e) => {
      e.preventDefault();
      this.go(-1);
    });
    document.addEventListener('fullscreenchange', () => {
      // Leaving full screen (Escape there is the browser's) ends the show, as in LibreOffice.
      if (this.running && this.wasFullscreen && !document.fullscreenElement) this.stop();
      this.wasFullscreen = !!document.fullscreenElement;
    });
    this.stage = stage;
    document.body.appendChild(root);
    this.root = root;
    root.focus({ preventScroll: true });
  }

  onKey(e) {
    const next = ['ArrowRight', 'ArrowDown', 'PageDown', ' ', 'Enter', 'n', 'N'];
    const prev = ['ArrowLeft', 'ArrowUp', 'PageUp', 'Backspace', 'p', 'P'];
    if (next.includes(e.key)) this.go(1);
    else if (prev.includes(e.key)) this.go(-1);
    else if (e.key === 'Home') this.goTo(this.firstShown(0, 1));
    else if (e.key === 'End') this.goTo(this.firstShown(this.geometry.parts - 1, -1));
    else if (e.key === 'Escape') this.stop();
    else return;
    e.preventDefault();
    e.stopPropagation();
  }

  /** The first slide from `part` in direction `step` that is not hidden, or null. */
  firstShown(part, step) {
    for (let p = part; p >= 0 && p < this.geometry.parts; p += step) {
      if (!this.plan.hidden.has(p)) return p;
    }
    return null;
  }

  go(step) {
    const target = this.firstShown(this.index + step, step);
    if (target === null) {
      // Past the last slide: the show ends, as LibreOffice's does after its black slide.
      if (step > 0) this.stop();
      return;
    }
    this.goTo(target);
  }

  goTo(part) {
    if (part === null || part === this.index) return;
    const from = this.index;
    this.index = part;
    this.showSlide(part, from);
  }

  showSlide(part, from) {
    const slide = this.slide(part);
    const old = this.stage.querySelector('canvas.current');
    this.stage.append(slide.canvas);
    for (const c of this.stage.querySelectorAll('canvas')) c.classList.toggle('current', c === slide.canvas);
    for (const c of this.stage.querySelectorAll('canvas')) if (c !== slide.canvas && c !== old) c.remove();
    this.counter.textContent = `${part + 1} / ${this.geometry.parts}`;
    this.root.dataset.part = String(part);
    // Going forward plays the transition into the new slide; going back just shows it.
    const transition = from !== null && part > from ? this.plan.transitions.get(part) : null;
    this.root.dataset.transition = transition ? transition.css : 'none';
    animateTransition(old, slide.canvas, transition, () => {
      if (old && old !== slide.canvas && !old.classList.contains('current')) old.remove();
    });
    this.request();
  }

  /** The canvas and tile grid of a slide, at the screen's resolution. */
  slide(part) {
    let slide = this.slides.get(part);
    if (slide) return slide;
    const { width, height } = this.geometry;
    const dpr = Math.min(4, window.devicePixelRatio || 1);
    const fit = Math.min(window.innerWidth / width, window.innerHeight / height);
    const pxW = Math.max(1, Math.min(MAX_SLIDE_PX, Math.round(width * fit * dpr)));
    const pxH = Math.max(1, Math.round(pxW * height / width));
    const cols = Math.ceil(pxW / MAX_TILE_PX);
    const rows = Math.ceil(pxH / MAX_TILE_PX);
    const tilePxW = Math.ceil(pxW / cols);
    const tilePxH = Math.ceil(pxH / rows);
    const tw = Math.ceil(width / cols);
    const th = Math.ceil(height / rows);
    const canvas = document.createElement('canvas');
    canvas.width = tilePxW * cols;
    canvas.height = tilePxH * rows;
    canvas.dataset.part = String(part);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const tiles = new Map();
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const spec = { part, x: c * tw, y: r * th, tw, th, width: tilePxW, height: tilePxH };
        tiles.set(tileKey(spec), { spec, col: c, row: r });
      }
    }
    slide = { canvas, tiles, drawn: new Set(), stale: new Set() };
    this.slides.set(part, slide);
    return slide;
  }

  /** The shown slide's missing or stale tiles first, then the next slide's. */
  request() {
    if (!this.running) return;
    const specs = [];
    const parts = [this.index];
    let p = this.index;
    for (let i = 0; i < PREFETCH; i++) {
      p = this.firstShown(p + 1, 1);
      if (p === null) break;
      parts.push(p);
    }
    for (const part of parts) {
      const slide = this.slide(part);
      for (const [key, t] of slide.tiles) {
        if (!slide.drawn.has(key) || slide.stale.has(key)) specs.push(t.spec);
      }
    }
    this.fetcher.setWanted('slideshow', specs);
  }

  async onTile(spec, msg, stale) {
    const slide = this.slides.get(spec.part);
    const key = tileKey(spec);
    const tile = slide && slide.tiles.get(key);
    if (!tile || !msg.data || !msg.data.length) return;
    const bitmap = await createImageBitmap(new Blob([msg.data], { type: 'image/png' }));
    const ctx = slide.canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(tile.col * spec.width, tile.row * spec.height, spec.width, spec.height);
    ctx.drawImage(bitmap, tile.col * spec.width, tile.row * spec.height);
    bitmap.close();
    slide.drawn.add(key);
    if (stale) slide.stale.add(key);
    else slide.stale.delete(key);
    if (slide.tiles.size === slide.drawn.size && slide.stale.size === 0) slide.canvas.dataset.drawn = '1';
  }

  /** A tile invalidated while its answer was on its way or being drawn: ask for it again. */
  refreshTile(spec) {
    const slide = this.slides.get(spec.part);
    if (slide && slide.tiles.has(tileKey(spec))) {
      slide.stale.add(tileKey(spec));
      delete slide.canvas.dataset.drawn;
    }
    this.request();
  }

  /** An edit (anyone's) made a slide stale: it is painted again when it is shown. */
  invalidate(part) {
    if (!this.running) return;
    for (const [p, slide] of this.slides) {
      if (part !== undefined && p !== part) continue;
      for (const key of slide.tiles.keys()) slide.stale.add(key);
      delete slide.canvas.dataset.drawn;
    }
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.request(), 300);
  }

  /** Asks for the document in Flat ODF; resolves with its plan, or null when it cannot be had. */
  askPlan() {
    return new Promise((resolve) => {
      const id = this.ctx.nextDownloadId();
      this.planRequest = { id: String(id), resolve };
      if (!this.ctx.send('download', { id, format: 'fodp' })) resolve(null);
    });
  }

  /** A `download` answer or an `error` for ours: true when it was ours. */
  onMessage(msg) {
    const request = this.planRequest;
    if (!request) return false;
    // A refused download names its request, not its id.
    const ours = (msg.name === 'download' && msg.args.id === request.id)
      || (msg.name === 'error' && msg.args.request === 'download');
    if (!ours) return false;
    this.planRequest = null;
    let plan = null;
    if (msg.name === 'download' && msg.data) {
      try {
        plan = readShowPlan(new TextDecoder().decode(msg.data));
      } catch {
        plan = null; // a show without transitions is still a show
      }
    }
    request.resolve(plan);
    return true;
  }

  describe() {
    if (!this.running) return null;
    const slide = this.slides.get(this.index);
    return {
      part: this.index, drawn: !!(slide && slide.canvas.dataset.drawn), transition: this.root.dataset.transition,
      hidden: [...this.plan.hidden], transitions: Object.fromEntries([...this.plan.transitions].map(([p, t]) => [p, t.css])),
    };
  }
}
