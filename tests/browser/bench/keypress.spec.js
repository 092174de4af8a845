// Keypress → changed pixels on screen: the time from the key event in the page to the first
// frame whose canvas pixels in the caret's line differ, through the whole chain (textarea →
// `text` → wsd → kit → invalidate → tiles → PNG decode → draw). Keys are typed one at a time,
// each after the previous one is on screen, so every sample is one full round trip.
// Results: printed, and written to build/browser-artifacts/bench-keypress.json (tile deltas)
// and bench-keypress-whole-tiles.json (the anchor).
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const { artifacts } = require('../support/server');

const KEYSTROKES = Number(process.env.OXOOL_BENCH_KEYS || 200);
const WARMUP = 10;

function percentile(sorted, p) {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

// With tile deltas (the client's default), then with whole tiles (`window.oxoolTileDeltas =
// false`: the anchor) on a copy of the same document, in the same run;
// OXOOL_BENCH_ANCHOR_FIRST=1 swaps the order (the machine's load drifts during a run).
for (const deltas of process.env.OXOOL_BENCH_ANCHOR_FIRST ? [false, true] : [true, false]) {
  test(`keypress to changed pixels, p50/p95, ${deltas ? 'tile deltas' : 'whole tiles (anchor)'}`, async ({ page }) => {
    await page.addInitScript((on) => { window.oxoolTileDeltas = on; }, deltas);
    await keypress(page, deltas ? 'bench.docx' : 'bench-whole.docx', deltas);
  });
}

async function keypress(page, name, deltas) {
  await h.openEditor(page, (await h.links(name, 'Bench')).edit);
  await page.locator('#input-sink').focus();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await h.settle(page);
  await page.evaluate(() => {
    const canvas = document.getElementById('doc-canvas');
    const ctx = canvas.getContext('2d');
    const app = window.oxool;
    const b = { pending: null, resolve: null, t0: 0, band: null, before: 0 };
    window.__bench = b;
    // The caret's line and the next one (a typed character can wrap), full width, device px.
    const band = () => {
      const c = app.describe().caret;
      const p = app.layer.twipsToCss(c.x, c.y);
      const s = app.layer.scroller;
      const dpr = app.layer.dpr;
      const lineCss = Math.max(12, c.h * app.layer.scale);
      const y = Math.max(0, Math.round((p.y - s.scrollTop - lineCss * 0.5) * dpr));
      return { x: 0, y, w: canvas.width, h: Math.min(canvas.height - y, Math.round(lineCss * 3 * dpr)) };
    };
    const hash = (r) => {
      const d = ctx.getImageData(r.x, r.y, r.w, r.h).data;
      let x = 2166136261;
      for (let i = 0; i < d.length; i += 4) x = Math.imul(x ^ (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16)), 16777619);
      return x >>> 0;
    };
    document.getElementById('input-sink').addEventListener('keydown', () => {
      b.band = band();
      b.before = hash(b.band);
      b.t0 = performance.now();
      b.inv = null;
      b.tile = null;
      b.pending = new Promise((resolve) => { b.resolve = resolve; });
    }, true);
    // Where the time goes: first `invalidate` and first tile image after the key.
    b.phases = { invalidate: [], tile: [] };
    const onMessage = app.onMessage.bind(app);
    app.onMessage = (msg) => {
      if (b.resolve && msg.name === 'invalidate' && b.inv === null) b.inv = performance.now() - b.t0;
      if (b.resolve && msg.name === 'tile' && msg.binary && b.tile === null) b.tile = performance.now() - b.t0;
      onMessage(msg);
    };
    window.oxoolPaintHook = () => {
      if (!b.resolve) return;
      if (hash(b.band) !== b.before) {
        const dt = performance.now() - b.t0;
        if (b.inv !== null) b.phases.invalidate.push(b.inv);
        if (b.tile !== null) b.phases.tile.push(b.tile);
        const r = b.resolve;
        b.resolve = null;
        r(dt);
      }
    };
    window.__benchWait = (ms) => Promise.race([b.pending, new Promise((r) => setTimeout(() => r(null), ms))]);
  });

  // Words and spaces as people type; a space at the end of a line draws nothing, so only
  // letters are measured (the spaces are typed, waited for, and not counted).
  const text = 'The quick brown fox jumps over the lazy dog ';
  const samples = [];
  let timeouts = 0;
  let letters = 0;
  let typed = 0;
  let bytesBefore = 0;
  for (let i = 0; letters < KEYSTROKES + WARMUP; i++) {
    const ch = text[i % text.length];
    if (letters >= WARMUP) typed += 1;
    if (ch === ' ') {
      await page.keyboard.press('Space');
      await page.evaluate(() => window.__benchWait(300));
      continue;
    }
    await page.keyboard.press(ch);
    const dt = await page.evaluate(() => window.__benchWait(10000));
    letters += 1;
    if (letters === WARMUP) bytesBefore = await page.evaluate(() => window.oxool.fetcher.stats.bytes);
    if (letters <= WARMUP) continue;
    if (dt === null) timeouts += 1;
    else samples.push(dt);
  }
  await h.settle(page);
  await h.shot(page, 'bench-keypress');
  const sorted = [...samples].sort((a, b) => a - b);
  const result = {
    keystrokes: KEYSTROKES,
    measured: samples.length,
    timeouts,
    p50_ms: Number(percentile(sorted, 50).toFixed(1)),
    p95_ms: Number(percentile(sorted, 95).toFixed(1)),
    mean_ms: Number((samples.reduce((a, b) => a + b, 0) / samples.length).toFixed(1)),
    min_ms: Number(sorted[0].toFixed(1)),
    max_ms: Number(sorted[sorted.length - 1].toFixed(1)),
    server_bin: process.env.OXOOL_BIN_DIR || 'target/debug',
    chromium: page.context().browser().version(),
    tiles: await page.evaluate(() => window.oxool.describe().tiles),
    tile_deltas: deltas,
  };
  // Tile payload bytes received per key typed after the warm-up (letters and spaces).
  const bytesAfter = await page.evaluate(() => window.oxool.fetcher.stats.bytes);
  result.tile_bytes_per_key = Math.round((bytesAfter - bytesBefore) / typed);
  // Medians of the phases: key → first invalidate, key → first tile image (the rest to the
  // measured total is decoding and drawing, and tiles asked again after later invalidates).
  const phases = await page.evaluate(() => window.__bench.phases);
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? Number(percentile(s, 50).toFixed(1)) : null; };
  result.key_to_invalidate_p50_ms = median(phases.invalidate);
  result.key_to_first_tile_p50_ms = median(phases.tile);
  const file = deltas ? 'bench-keypress.json' : 'bench-keypress-whole-tiles.json';
  fs.writeFileSync(path.join(artifacts, file), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`browser keypress → pixels, ${deltas ? 'tile deltas' : 'whole tiles (anchor)'}: p50 ${result.p50_ms} ms, p95 ${result.p95_ms} ms over ${result.measured} keystrokes (${timeouts} without a change within 10 s); tile bytes per key ${result.tile_bytes_per_key}`);
}
