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
    const box = [Infinity, Infinity, -1, -1];
    for (let i = 0; i < now.length; i += 4) {
      if (now[i] !== old[i] || now[i + 1] !== old[i + 1] || now[i + 2] !== old[i + 2] || now[i + 3] !== old[i + 3]) {
        differing += 1;
        const x = (i / 4) % canvas.width;
        const y = Math.floor(i / 4 / canvas.width);
        box[0] = Math.min(box[0], x); box[1] = Math.min(box[1], y);
        box[2] = Math.max(box[2], x); box[3] = Math.max(box[3], y);
      }
    }
    if (differing > 0) {
      const crop = (data) => {
        const c = new OffscreenCanvas(canvas.width, canvas.height);
        c.getContext('2d').putImageData(data, 0, 0);
        return c;
      };
      window.__differing = { box, before: crop(before.pixels), after: crop(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)) };
    }
    return differing;
  });
}

/** Attaches Bob's canvas from deltas and from whole tiles, and names the differing box. */
async function saveDifference(page, testInfo, round) {
  const { box, before, after } = await page.evaluate(async () => {
    const d = window.__differing;
    const url = async (c) => {
      const blob = await c.convertToBlob({ type: 'image/png' });
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let text = '';
      for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
      return `data:image/png;base64,${btoa(text)}`;
    };
    return { box: d.box, before: await url(d.before), after: await url(d.after) };
  });
  console.log(`round ${round}: differing pixels within x ${box[0]}..${box[2]}, y ${box[1]}..${box[3]}`);
  for (const [name, url] of [['from-deltas', before], ['from-whole-tiles', after]]) {
    await testInfo.attach(`round-${round}-${name}`, { body: Buffer.from(url.split(',')[1], 'base64'), contentType: 'image/png' });
  }
}

test('tiles rebuilt from deltas equal whole tiles, pixel for pixel, five rounds', async ({ browser }, testInfo) => {
  const alice = await h.newContext(browser);
  const bob = await h.newContext(browser);
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
    if (differing > 0) await saveDifference(b, testInfo, round);
    expect(differing, `round ${round}: pixels that differ from whole tiles`).toBe(0);
  }
  const stats = await b.evaluate(() => window.oxool.fetcher.stats);
  console.log(`Bob's tiles: ${JSON.stringify(stats)}`);
  // Spaces move the rest of a line by whole pixels: the move path was drawn and compared too.
  expect(stats.moves, 'deltas with a move').toBeGreaterThan(0);
  await alice.close();
  await bob.close();
});
