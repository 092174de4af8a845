// Scrolling a 100 000-row sheet: frames per second while it scrolls smoothly (a rAF-driven
// scroll of 40 px a frame, as a trackpad fling), and the tiles the page asks for compared with
// the tiles that were in the window (plus the one-tile margin); then jumps to the middle and
// the end, each timed until every visible tile is drawn; and how many frames of the scroll
// showed a tile that had not arrived yet. Every tile asked for must lie within
// the visible area and its margin at the moment of asking. Results: printed, and written to
// build/browser-artifacts/bench-calc-scroll.json. No thresholds: figures for docs/benchmarks.md.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { test, expect } = require('@playwright/test');
const h = require('../support/helpers');
const { artifacts } = require('../support/server');

const ROWS = 100_000;
const NAME = 'calc-100k.ods';

/** A 100 000-row ODS (a number and a text a row), written into the test store. */
function makeSheet(file) {
  const script = `
import sys, zipfile
rows = int(sys.argv[2])
head = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
  'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
  'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
  '<office:body><office:spreadsheet><table:table table:name="Rows">')
body = ''.join('<table:table-row><table:table-cell office:value-type="float" office:value="%d"><text:p>%d</text:p>'
  '</table:table-cell><table:table-cell office:value-type="string"><text:p>row %d</text:p></table:table-cell>'
  '</table:table-row>' % (i, i, i) for i in range(1, rows + 1))
tail = '</table:table></office:spreadsheet></office:body></office:document-content>'
manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
  'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
  '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
  '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr(zipfile.ZipInfo('mimetype'), 'application/vnd.oasis.opendocument.spreadsheet')
    z.writestr('META-INF/manifest.xml', manifest, zipfile.ZIP_DEFLATED)
    z.writestr('content.xml', head + body + tail, zipfile.ZIP_DEFLATED)
`;
  execFileSync('python3', ['-c', script, file, String(ROWS)]);
}

/** The `tiles` requests the page sends: each tile's y (twips) and when it was asked for. */
function recordTileRequests(page) {
  const asked = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => {
    const text = String(f.payload);
    if (!text.startsWith('tiles ')) return;
    const at = /(?:^| )at=([^ ]+)/.exec(text);
    const th = Number((/ th=(\d+)/.exec(text) || [])[1]);
    if (at) for (const pair of at[1].split(',')) asked.push({ y: Number(pair.split(':')[1]), th });
  }));
  return asked;
}

test('scrolling a 100 000-row sheet: fps and tiles requested', async ({ page }) => {
  makeSheet(path.join(process.env.OXOOL_DOCUMENTS, NAME));
  const asked = recordTileRequests(page);
  await h.openEditor(page, (await h.links(NAME, 'Scroller')).edit);
  const status = await page.evaluate(() => window.oxool.status);
  expect(Number(status.height)).toBeGreaterThan(ROWS * 200); // the sheet's rows are all there

  // Smooth scroll: 40 px a frame for 600 frames (24 000 px, about 1 400 rows), measuring the
  // frames and which tile rows were in the window (with the margin the layer asks for).
  asked.length = 0;
  const before = await page.evaluate(() => window.oxool.fetcher.stats.requested);
  const smooth = await page.evaluate(() => new Promise((resolve) => {
    const layer = window.oxool.layer;
    const times = [];
    const wantedRows = new Set();
    let frames = 0;
    let incomplete = 0; // frames drawn while a tile in the window had not arrived yet
    const step = (t) => {
      times.push(t);
      if (layer.describe().staleVisible > 0) incomplete += 1;
      const w = layer.wantedTiles();
      for (let r = w.rows[0] - 1; r <= w.rows[1] + 1; r++) wantedRows.add(r);
      if (frames++ >= 600) {
        const gaps = times.slice(1).map((x, i) => x - times[i]).sort((a, b) => a - b);
        resolve({
          frames: times.length - 1, ms: times[times.length - 1] - times[0],
          p50_frame_ms: gaps[Math.floor(gaps.length / 2)], p95_frame_ms: gaps[Math.floor(gaps.length * 0.95)],
          max_frame_ms: gaps[gaps.length - 1], columnsInView: w.cols[1] - w.cols[0] + 1 + 2,
          tileRowsInView: [...wantedRows], tileTwips: layer.tileTwips, incomplete,
        });
        return;
      }
      layer.scroller.scrollTop += 40;
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }));
  await h.waitDrawn(page, 120_000);
  const afterSmooth = await page.evaluate(() => window.oxool.fetcher.stats.requested);
  const rowsShown = new Set(smooth.tileRowsInView.filter((r) => r >= 0));
  const outside = asked.filter((a) => !rowsShown.has(Math.floor(a.y / a.th)));
  await h.shot(page, 'bench-calc-scroll-1-smooth');

  // Jumps: to row 50 000 and to the last row, each until every visible tile is drawn.
  const jump = async (fraction) => {
    const n0 = await page.evaluate(() => window.oxool.fetcher.stats.requested);
    const t0 = Date.now();
    await page.evaluate((f) => {
      const s = window.oxool.layer.scroller;
      s.scrollTop = (s.scrollHeight - s.clientHeight) * f;
    }, fraction);
    await h.waitDrawn(page, 120_000);
    const ms = Date.now() - t0;
    const n1 = await page.evaluate(() => window.oxool.fetcher.stats.requested);
    const firstRow = await page.evaluate(() => window.oxool.describe().headers.rows[0]?.text);
    return { ms, tilesRequested: n1 - n0, firstRowShown: firstRow };
  };
  const middle = await jump(0.5);
  const end = await jump(1);
  await h.shot(page, 'bench-calc-scroll-2-end');
  expect(Number(end.firstRowShown)).toBeGreaterThan(ROWS - 100);

  const result = {
    rows: ROWS,
    smooth: {
      frames: smooth.frames, ms: Math.round(smooth.ms), fps: Number((smooth.frames / (smooth.ms / 1000)).toFixed(1)),
      p50_frame_ms: Number(smooth.p50_frame_ms.toFixed(1)), p95_frame_ms: Number(smooth.p95_frame_ms.toFixed(1)),
      max_frame_ms: Number(smooth.max_frame_ms.toFixed(1)), scrolled_px: 600 * 40,
      frames_with_a_tile_missing: smooth.incomplete,
      tiles_requested: afterSmooth - before,
      tiles_in_view_with_margin: rowsShown.size * smooth.columnsInView,
      requested_outside_view: outside.length,
    },
    jump_middle: middle,
    jump_end: end,
    server_bin: process.env.OXOOL_BIN_DIR || 'target/debug',
  };
  fs.mkdirSync(artifacts, { recursive: true });
  fs.writeFileSync(path.join(artifacts, 'bench-calc-scroll.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`100 000-row sheet: ${JSON.stringify(result)}`);
});
