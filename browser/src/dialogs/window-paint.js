// Painting one LibreOffice window onto its canvas with `window-tile` (docs/protocol.md): the
// invalidated rectangles of a window are merged and asked for once per frame, in pieces the
// server accepts, at devicePixelRatio. Requests share the tiles' 32-in-flight window through
// tile-fetcher.js and are acknowledged with `tile-done` once drawn. One window has at most one
// batch in flight: what is invalidated meanwhile is asked for when it is drawn, so an older
// answer never paints over a newer one.

import { onceAFrame } from '../once-a-frame.js';

const MAX_SIDE = 2048; // logical px per side of one `window-tile`
const MAX_DEVICE_PIXELS = 4194304; // width·scale × height·scale of one `window-tile`

/** "x, y, w, h" (LibreOffice's form) → {x, y, w, h}, or null when absent or malformed. */
export function parseRect(text) {
  if (typeof text !== 'string') return null;
  const n = text.split(',').map((v) => Number(v.trim()));
  if (n.length < 4 || n.some((v) => !Number.isFinite(v))) return null;
  return { x: n[0], y: n[1], w: n[2], h: n[3] };
}

/** "w, h" → {w, h}; null when absent or malformed. */
export function parseSize(text) {
  const n = typeof text === 'string' ? text.split(',').map((v) => Number(v.trim())) : [];
  return n.length >= 2 && n[0] > 0 && n[1] > 0 ? { w: Math.round(n[0]), h: Math.round(n[1]) } : null;
}

function union(a, b) {
  if (!a) return b;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
}

/** Splits a rectangle into pieces of at most MAX_SIDE per side and MAX_DEVICE_PIXELS. */
export function pieces(rect, scale) {
  const out = [];
  const w = Math.min(MAX_SIDE, rect.w);
  const rows = Math.max(1, Math.min(MAX_SIDE, Math.floor(MAX_DEVICE_PIXELS / (w * scale * scale))));
  for (let y = rect.y; y < rect.y + rect.h; y += rows) {
    for (let x = rect.x; x < rect.x + rect.w; x += w) {
      out.push({ x, y, w: Math.min(w, rect.x + rect.w - x), h: Math.min(rows, rect.y + rect.h - y) });
    }
  }
  return out;
}

export function tileKey(id, r) {
  return `window:${id}:${r.x}:${r.y}:${r.w}:${r.h}`;
}

export class WindowPainter {
  /** send(name, args) sends a message; fetcher is the TileFetcher whose window is shared. */
  constructor(id, canvas, { send, fetcher }) {
    this.id = id;
    this.canvas = canvas;
    this.send = send;
    this.fetcher = fetcher;
    this.width = 0;
    this.height = 0;
    this.scale = Math.min(4, Math.max(1, Math.round((window.devicePixelRatio || 1) * 100) / 100));
    this.dirty = null;
    this.waiting = new Set(); // keys of this window's requests not yet drawn
    this.flushSoon = onceAFrame(() => this.flush());
    this.closed = false;
    this.painted = 0; // pieces drawn, for the tests
  }

  /** The window's logical size; the canvas keeps what it shows where the sizes overlap. */
  resize(w, h) {
    if (w === this.width && h === this.height) return;
    const old = this.width > 0 ? this.snapshot() : null;
    this.width = w;
    this.height = h;
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    this.canvas.width = Math.round(w * this.scale);
    this.canvas.height = Math.round(h * this.scale);
    const ctx = this.canvas.getContext('2d');
    ctx.fillStyle = '#f0f0f0';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    if (old) ctx.drawImage(old, 0, 0);
    this.invalidate(null);
  }

  snapshot() {
    const copy = document.createElement('canvas');
    copy.width = this.canvas.width;
    copy.height = this.canvas.height;
    copy.getContext('2d').drawImage(this.canvas, 0, 0);
    return copy;
  }

  /** A rectangle (window px) to repaint; null repaints all of it. */
  invalidate(rect) {
    if (this.width <= 0 || this.height <= 0) return;
    let r = rect || { x: 0, y: 0, w: this.width, h: this.height };
    const x = Math.max(0, Math.floor(r.x));
    const y = Math.max(0, Math.floor(r.y));
    r = { x, y, w: Math.min(this.width, Math.ceil(r.x + r.w)) - x, h: Math.min(this.height, Math.ceil(r.y + r.h)) - y };
    if (r.w <= 0 || r.h <= 0) return;
    this.dirty = union(this.dirty, r);
    this.schedule();
  }

  schedule() {
    if (!this.closed) this.flushSoon();
  }

  flush() {
    if (this.closed || !this.dirty || this.waiting.size > 0) return;
    const rect = this.dirty;
    this.dirty = null;
    for (const piece of pieces(rect, this.scale)) {
      const key = tileKey(this.id, piece);
      if (this.waiting.has(key)) continue;
      this.waiting.add(key);
      this.fetcher.requestOther(key, () => {
        if (this.closed) {
          this.waiting.delete(key);
          return 'skip';
        }
        return this.send('window-tile', {
          id: this.id, x: piece.x, y: piece.y, width: piece.w, height: piece.h, scale: this.scale,
        });
      });
    }
  }

  /** A `window-tile` answer for this window (binary PNG of the piece at our scale). */
  async draw(msg) {
    const a = msg.args;
    const r = { x: Number(a.x), y: Number(a.y), w: Number(a.width), h: Number(a.height) };
    const key = tileKey(this.id, r);
    try {
      if (!this.closed && msg.data && msg.data.length > 0) {
        const bitmap = await createImageBitmap(new Blob([msg.data], { type: 'image/png' }));
        if (!this.closed) {
          const s = this.scale;
          const ctx = this.canvas.getContext('2d');
          ctx.drawImage(bitmap, Math.round(r.x * s), Math.round(r.y * s), Math.round(r.w * s), Math.round(r.h * s));
          this.painted += 1;
        }
        bitmap.close();
      }
    } finally {
      this.done(key);
    }
  }

  done(key) {
    this.waiting.delete(key);
    if (this.waiting.size === 0 && this.dirty) this.schedule();
  }

  /** The server refused this window's requests (it is gone, or not ours): none is waited for. */
  failed() {
    this.waiting.clear();
  }

  close() {
    this.closed = true;
    this.dirty = null;
  }
}
