// Per document type: Calc's sheet tabs, cell-address box and formula bar; Impress's slide
// strip (one small tile of each slide) with previous/next, its slide sorter actions
// (slide-sorter.js) and the slideshow (slideshow.js, loaded when a show starts).

import { tileKey } from './tile-fetcher.js';
import { SlideSorter } from './slide-sorter.js';
import { sendUno } from './commands.js';

const THUMB_CSS_WIDTH = 150;
const THUMB_REFRESH_MS = 600; // typing invalidates a slide often; its thumbnail can lag a little

export class CalcBar {
  /** actions: {send, setPart, canEdit, focus, keyboard} */
  constructor(root, tabsEl, actions) {
    this.root = root;
    this.tabsEl = tabsEl;
    this.actions = actions;
    this.address = root.querySelector('#cell-address');
    this.formula = root.querySelector('#formula-input');
    this.formulaCommitted = '';
    this.address.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        const target = this.address.value.trim();
        if (target) {
          this.actions.send('uno', {
            command: '.uno:GoToCell',
            args: JSON.stringify({ ToPoint: { type: 'string', value: target } }),
          });
        }
        this.actions.focus();
      } else if (e.key === 'Escape') {
        this.actions.focus();
      }
    });
    this.formula.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.commitFormula();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        this.formula.value = this.formulaCommitted;
        this.actions.focus();
      }
    });
  }

  /** Replaces the current cell's content, as typing into the cell and pressing Enter does. */
  commitFormula() {
    if (!this.actions.canEdit()) return;
    const value = this.formula.value;
    this.actions.focus();
    if (value === this.formulaCommitted) return;
    if (value === '') {
      this.actions.keyboard.sendKey(0, 1286); // Delete clears the cell
      return;
    }
    this.actions.keyboard.sendText(value);
    this.actions.keyboard.sendKey(13, 1280);
  }

  show(visible) {
    this.root.hidden = !visible;
    this.tabsEl.hidden = !visible;
  }

  setReadonly(readonly) {
    this.formula.readOnly = readonly;
  }

  cellAddress(text) {
    if (document.activeElement !== this.address) this.address.value = text.trim();
  }

  cellFormula(text) {
    this.formulaCommitted = text;
    if (document.activeElement !== this.formula) this.formula.value = text;
  }

  /**
   * One tab per sheet; numbered until the names (`parts`) are known. While the user renames a
   * tab in place (sheet-tabs.js), the tabs are redrawn only once that ends: another user's edit
   * brings a `status` any moment, and redrawing would drop the half-typed name.
   */
  setParts(parts, current, names = []) {
    if (this.renaming()) {
      this.deferredParts = { parts, current, names };
      this.deferredNames = null; // newer than names held before; later ones replace these
      return;
    }
    const tabs = [];
    for (let i = 0; i < parts; i++) {
      const tab = document.createElement('button');
      tab.type = 'button';
      tab.className = 'sheet-tab';
      tab.setAttribute('role', 'tab');
      tab.setAttribute('aria-selected', i === current ? 'true' : 'false');
      tab.dataset.part = String(i);
      tab.addEventListener('click', () => this.actions.setPart(i));
      tabs.push(tab);
    }
    // The "+" of sheet-tabs.js stays after the last tab.
    this.tabsEl.replaceChildren(...tabs, ...(this.addButton ? [this.addButton] : []));
    this.setNames(names);
  }

  /** A tab is being renamed in place. */
  renaming() {
    return this.tabsEl.querySelector('.sheet-rename') !== null;
  }

  /** The rename in place ended: the tabs that waited for it are drawn. */
  renameEnded() {
    const [parts, names] = [this.deferredParts, this.deferredNames];
    this.deferredParts = null;
    this.deferredNames = null;
    if (parts) this.setParts(parts.parts, parts.current, names || parts.names);
    else if (names) this.setNames(names);
  }

  /** The sheets' names, in part order (a list that does not match the tabs leaves numbers). */
  setNames(names) {
    if (this.renaming()) {
      this.deferredNames = names;
      return;
    }
    const tabs = [...this.tabsEl.querySelectorAll('.sheet-tab')];
    const known = names.length === tabs.length;
    tabs.forEach((tab, i) => {
      tab.textContent = known && names[i] ? names[i] : `Sheet ${i + 1}`;
      tab.title = tab.textContent;
    });
  }
}

export class SlideStrip {
  /** actions: {setPart, fetcher, send, canEdit, nextDownloadId, forgetTiles} */
  constructor(root, navEl, actions) {
    this.root = root;
    this.navEl = navEl;
    this.actions = actions;
    this.fetcher = actions.fetcher;
    this.thumbs = []; // {canvas, spec, drawn, stale}
    this.visible = new Set();
    this.current = 0;
    this.refreshTimer = null;
    this.fetcher.register('slides', (spec, msg, stale) => this.onTile(spec, msg, stale), (spec) => this.refreshTile(spec));
    this.observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const i = Number(entry.target.dataset.part);
        if (entry.isIntersecting) this.visible.add(i);
        else this.visible.delete(i);
      }
      this.request();
    }, { root, rootMargin: '200px' });
    navEl.querySelector('[data-action=prev-slide]').addEventListener('click', () => this.step(-1));
    navEl.querySelector('[data-action=next-slide]').addEventListener('click', () => this.step(1));
    this.sorter = new SlideSorter(this, {
      send: actions.send, canEdit: actions.canEdit, setPart: actions.setPart,
      current: () => this.current, count: () => this.thumbs.length,
      slideshow: (part) => this.startSlideshow(part),
    });
    this.slideshow = null;
    // F5 and Shift+F5 start the show here, as in LibreOffice; sent to the kit they would start
    // LibreOffice's own show in a process nobody sees.
    window.addEventListener('keydown', (e) => {
      if (this.root.hidden || e.key !== 'F5' || e.ctrlKey || e.altKey || e.metaKey) return;
      e.preventDefault();
      e.stopPropagation();
      this.startSlideshow(e.shiftKey ? this.current : 0);
    }, true);
  }

  /**
   * View ▸ Normal or Notes: LibreOffice switches this view to slides or to notes pages (the
   * slide above its speaker notes; the thumbnails then show notes pages too). The page size
   * changes, but 7.4 announces it only on the way to the notes view (SET_PART), so the status
   * is asked for again once the switch has had time to happen.
   */
  setViewMode(mode) {
    sendUno(this.actions.send, mode === 'notes' ? '.uno:NotesMode' : '.uno:NormalMultiPaneGUI');
    for (const ms of [300, 1500]) {
      setTimeout(() => {
        this.actions.forgetTiles();
        this.actions.send('status');
      }, ms);
    }
  }

  /** Presents the slides from `part` in this page, from the document as it is now. */
  async startSlideshow(part = 0) {
    const { Slideshow } = await import('./slideshow.js');
    if (!this.slideshow) {
      this.slideshow = new Slideshow({
        fetcher: this.fetcher, send: this.actions.send, nextDownloadId: this.actions.nextDownloadId,
      });
    }
    const first = this.thumbs[0];
    if (!first) return;
    this.slideshow.start({ parts: this.thumbs.length, part, width: first.spec.tw, height: first.spec.th });
  }

  show(visible) {
    this.root.hidden = !visible;
    this.navEl.hidden = !visible;
  }

  /** Messages for the slideshow (its document download): true when handled. */
  onMessage(msg) {
    return !!this.slideshow && this.slideshow.onMessage(msg);
  }

  step(delta) {
    const target = this.current + delta;
    if (target >= 0 && target < this.thumbs.length) this.actions.setPart(target);
  }

  /** status of a presentation: all slides share the size of the current one. */
  setParts(parts, current, width, height, names = []) {
    this.current = current;
    const dpr = Math.min(4, window.devicePixelRatio || 1);
    // At most 300 twips per pixel and 1024 pixels per tile (the protocol's tile bounds).
    let px = Math.round(THUMB_CSS_WIDTH * dpr);
    px = Math.min(1024, Math.max(px, Math.ceil(width / 300), Math.ceil(height / 300)));
    const pxH = Math.max(1, Math.min(1024, Math.round(px * height / width)));
    const same = this.thumbs.length === parts && this.thumbs[0]
      && this.thumbs[0].spec.tw === width && this.thumbs[0].spec.width === px;
    if (!same) {
      this.observer.disconnect();
      this.visible.clear();
      this.thumbs = [];
      const items = [];
      for (let i = 0; i < parts; i++) {
        const item = document.createElement('button');
        item.type = 'button';
        item.className = 'slide-thumb';
        item.draggable = true;
        item.dataset.part = String(i);
        item.setAttribute('aria-label', `Slide ${i + 1}`);
        const canvas = document.createElement('canvas');
        canvas.width = px;
        canvas.height = pxH;
        canvas.style.width = `${THUMB_CSS_WIDTH}px`;
        canvas.style.height = `${Math.round(THUMB_CSS_WIDTH * height / width)}px`;
        const label = document.createElement('span');
        label.className = 'slide-index';
        label.textContent = String(i + 1);
        const name = document.createElement('span');
        name.className = 'slide-name';
        const picture = document.createElement('div');
        picture.className = 'slide-picture';
        picture.append(canvas, name);
        item.append(label, picture);
        item.addEventListener('click', () => this.actions.setPart(i));
        items.push(item);
        this.thumbs.push({
          item, canvas, drawn: false, stale: true,
          spec: { part: i, x: 0, y: 0, tw: width, th: height, width: px, height: pxH },
        });
      }
      this.root.replaceChildren(...items);
      for (const t of this.thumbs) this.observer.observe(t.item);
    }
    this.setNames(names);
    this.thumbs.forEach((t, i) => t.item.setAttribute('aria-current', i === current ? 'true' : 'false'));
    const cur = this.thumbs[current];
    if (cur) cur.item.scrollIntoView({ block: 'nearest' });
    this.navEl.querySelector('.slide-number').textContent = `Slide ${current + 1} of ${parts}`;
    this.navEl.querySelector('[data-action=prev-slide]').disabled = current <= 0;
    this.navEl.querySelector('[data-action=next-slide]').disabled = current >= parts - 1;
    this.request();
  }

  /** The slides' names, in part order, under their pictures (numbers until they are known). */
  setNames(names) {
    const known = names.length === this.thumbs.length;
    this.thumbs.forEach((t, i) => {
      const name = known && names[i] ? names[i] : '';
      t.item.querySelector('.slide-name').textContent = name;
      t.item.title = name;
      t.item.setAttribute('aria-label', name ? `Slide ${i + 1}: ${name}` : `Slide ${i + 1}`);
    });
  }

  invalidate(part) {
    if (this.slideshow) this.slideshow.invalidate(part);
    for (const t of this.thumbs) if (part === undefined || t.spec.part === part) t.stale = true;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.request(), THUMB_REFRESH_MS);
  }

  /** A thumbnail invalidated while its answer was on its way or being drawn: ask again. */
  refreshTile(spec) {
    const thumb = this.thumbs.find((t) => tileKey(t.spec) === tileKey(spec));
    if (thumb) thumb.stale = true;
    this.request();
  }

  request() {
    const specs = this.thumbs
      .filter((t) => this.visible.has(t.spec.part) && (t.stale || !t.drawn))
      .map((t) => ({ ...t.spec, refresh: t.drawn }));
    this.fetcher.setWanted('slides', specs);
  }

  async onTile(spec, msg, stale) {
    const thumb = this.thumbs.find((t) => tileKey(t.spec) === tileKey(spec));
    if (!thumb) return;
    thumb.stale = stale;
    if (msg.data && msg.data.length) {
      const bitmap = await createImageBitmap(new Blob([msg.data], { type: 'image/png' }));
      const ctx = thumb.canvas.getContext('2d');
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, thumb.canvas.width, thumb.canvas.height);
      ctx.drawImage(bitmap, 0, 0, thumb.canvas.width, thumb.canvas.height);
      bitmap.close();
      thumb.drawn = true;
      thumb.item.dataset.drawn = '1';
    }
  }

  reset() {
    for (const t of this.thumbs) t.stale = true;
  }
}
