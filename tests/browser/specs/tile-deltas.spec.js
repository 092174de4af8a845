// Tile deltas (docs/protocol.md, "Tile deltas") are pixel-identical to whole tiles. Alice
// types; Bob's page rebuilds the changed tiles from deltas. Then Bob's page forgets every tile,
// asks for them again whole (no `refresh`, so no delta) and its canvas must be the same, pixel
// for pixel. Five rounds: the earlier row-band attempt was stale in 2 runs of 8.
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

const ROUNDS = 5;
const TYPED = ['Quick brown fox ', 'jumps over ', 'the lazy dog, again and again and again ', 'Zz ', 'end '];

/** Counts `invalidate` messages in the page, to tell a real difference from a late edit. */
async function countInvalidations(page) {
  await page.evaluate(() => {
    const app = window.oxool;
    window.__invalidations = 0;
    const onMessage = app.onMessage.bind(app);
    app.onMessage = (msg) => {
      if (msg.name === 'invalidate') window.__invalidations += 1;
      onMessage(msg);
    };
  });
}

/**
 * Bob's canvas as rebuilt from deltas against the same view drawn from whole tiles: the number
 * of differing pixels, or null when the document changed meanwhile (then the caller retries).
 */
async function differingPixels(page) {
  await h.settle(page);
  await page.evaluate(() => {
    const app = window.oxool;
    const canvas = document.getElementById('doc-canvas');
    window.__before = {
      pixels: canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height),
      invalidations: window.__invalidations,
      scroll: [app.layer.scroller.scrollLeft, app.layer.scroller.scrollTop],
      deltas: app.fetcher.stats.deltas,
    };
    for (const entry of app.layer.cache.values()) if (entry.bitmap) entry.bitmap.close();
    app.layer.cache.clear();
    app.layer.update();
  });
  await h.waitDrawn(page, 60_000, 400);
  return page.evaluate(() => {
    const app = window.oxool;
    const before = window.__before;
    const scroll = [app.layer.scroller.scrollLeft, app.layer.scroller.scrollTop];
    if (window.__invalidations !== before.invalidations || scroll.join() !== before.scroll.join()) return null;
    if (app.fetcher.stats.deltas !== before.deltas) throw new Error('a delta answered a request for whole tiles');
    const canvas = document.getElementById('doc-canvas');
    const now = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const old = before.pixels.data;
    let differing = 0;
    for (let i = 0; i < now.length; i += 4) {
      if (now[i] !== old[i] || now[i + 1] !== old[i + 1] || now[i + 2] !== old[i + 2] || now[i + 3] !== old[i + 3]) differing += 1;
    }
    return differing;
  });
}

test('tiles rebuilt from deltas equal whole tiles, pixel for pixel, five rounds', async ({ browser }) => {
  const alice = await browser.newContext();
  const bob = await browser.newContext();
  const a = await alice.newPage();
  const b = await bob.newPage();
  await b.addInitScript(() => { window.oxoolTileDeltas = true; });
  await h.openEditor(a, (await h.links('deltas.docx', 'Alice')).edit);
  await h.openEditor(b, (await h.links('deltas.docx', 'Bob')).view);
  await countInvalidations(b);
  await a.locator('#input-sink').focus();

  for (let round = 0; round < ROUNDS; round++) {
    const deltasBefore = await b.evaluate(() => window.oxool.fetcher.stats.deltas);
    // At the start of the text (the caret after loading): the rest of the line moves.
    await a.keyboard.type(TYPED[round], { delay: 25 });
    if (round % 2 === 1) await a.keyboard.press('Enter');
    await b.waitForFunction((n) => window.oxool.fetcher.stats.deltas > n, deltasBefore, { timeout: 30_000 });
    let differing = null;
    for (let attempt = 0; attempt < 4 && differing === null; attempt++) differing = await differingPixels(b);
    expect(differing, `round ${round}: the document never stayed still to compare`).not.toBeNull();
    expect(differing, `round ${round}: pixels that differ from whole tiles`).toBe(0);
  }
  const stats = await b.evaluate(() => window.oxool.fetcher.stats);
  console.log(`Bob's tiles: ${JSON.stringify(stats)}`);
  // Spaces move the rest of a line by whole pixels: the move path was drawn and compared too.
  expect(stats.moves, 'deltas with a move').toBeGreaterThan(0);
  await alice.close();
  await bob.close();
});
