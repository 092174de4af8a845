// Row bands (browser/src/tile-bands.js): after typing, only the invalidated rows of the tiles
// are fetched and painted into the client's copies. What is on the screen must be exactly what
// whole fresh tiles show, at 100 % and at 200 % (7.5 twips per pixel: bands on even rows).
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

/** The hash of everything the document canvas shows. */
async function screenHash(page) {
  const view = await page.evaluate(() => {
    const s = window.oxool.layer.scroller;
    return { x: 0, y: 0, w: s.clientWidth, h: s.clientHeight };
  });
  return h.canvasHash(page, view);
}

/** Forgets the band-painted copies and fetches every visible tile whole again. */
async function refetchWhole(page) {
  const before = await page.evaluate(() => window.oxool.fetcher.stats.received);
  await page.evaluate(() => { window.oxool.layer.clear(); window.oxool.layer.update(); });
  await page.waitForFunction((n) => window.oxool.fetcher.stats.received > n, before);
  await h.settle(page);
}

test('typing fetches row bands, and the screen equals whole fresh tiles', async ({ page }) => {
  await h.openEditor(page, (await h.links('bands.docx', 'Bea')).edit);
  await page.locator('#input-sink').focus();
  await h.pressAndSeeCaret(page, 'Control+End');

  for (const zoom of [1, 2]) {
    if (zoom !== 1) {
      await page.evaluate((z) => window.oxool.layer.setZoom(z), zoom);
      await h.settle(page);
    }
    const painted = await page.evaluate(() => window.oxool.describe().layer.bands.painted);
    await page.keyboard.type(` banded ${zoom}x`);
    await h.settle(page);
    const bands = await page.evaluate(() => window.oxool.describe().layer.bands);
    expect(bands.painted, `row bands painted at ${zoom}x`).toBeGreaterThan(painted);

    const banded = await screenHash(page);
    await h.shot(page, `tile-bands-${zoom}x`);
    await refetchWhole(page);
    expect(await screenHash(page), `banded screen = whole tiles at ${zoom}x`).toBe(banded);
  }
  const txt = require('node:fs').readFileSync(await h.downloadAs(page, 'txt'), 'utf8');
  expect(txt).toContain('banded 1x banded 2x');
});
