// Two browser contexts on one document: what Alice types appears in Bob's page, and Alice's
// caret is drawn in Bob's page in her colour with her name.
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

test('two contexts: A types, B sees the text and A\'s named caret', async ({ browser }) => {
  const { contexts: [alice, bob], pages: [a, b] } = await h.openTogether(browser, 'coedit.odt', ['Alice', 'Bob']);

  // Both pages list both people.
  for (const page of [a, b]) {
    await expect(page.locator('#user-list .user')).toHaveCount(2);
    await expect(page.locator('#user-list .user[data-name="Alice"]')).toBeVisible();
    await expect(page.locator('#user-list .user[data-name="Bob"]')).toBeVisible();
  }

  // Bob's view of the line Alice is about to type on, before she types.
  const line = await b.evaluate(() => {
    const o = window.oxool;
    const p = o.layer.twipsToCss(0, 2600);
    const s = o.layer.scroller;
    return { x: 0, y: Math.max(0, p.y - s.scrollTop - 40), w: s.clientWidth, h: 120 };
  });
  const before = await h.canvasHash(b, line);
  const tilesBefore = await b.evaluate(() => window.oxool.fetcher.stats.received);

  await h.caretToEnd(a);
  await a.keyboard.type(' Alice was here');

  // Alice's caret in Bob's page: her colour and a flag with her name.
  const caret = b.locator('.view-caret[data-name="Alice"]');
  await expect(caret).toBeVisible();
  await expect(caret.locator('.name-flag')).toHaveText('Alice');
  const aliceColor = await b.evaluate(() => window.oxool.describe().users.find((u) => u.name === 'Alice').color);
  // One evaluation: the overlay elements are redrawn as events arrive.
  const drawn = await b.evaluate(() => getComputedStyle(document.querySelector('.view-caret[data-name="Alice"]')).backgroundColor);
  const hex = (c) => '#' + c.match(/\d+/g).slice(0, 3).map((n) => Number(n).toString(16).padStart(2, '0')).join('');
  expect(hex(drawn)).toBe(aliceColor.toLowerCase());

  // Alice's text reached Bob's screen: new tiles drawn, the line's pixels changed.
  await b.waitForFunction((n) => window.oxool.fetcher.stats.received > n, tilesBefore);
  await h.settle(b);
  await expect.poll(() => h.canvasHash(b, line), { timeout: 30_000 }).not.toBe(before);
  // Bob's caret is in Alice's page too.
  await expect(a.locator('.view-caret[data-name="Bob"]')).toBeVisible();
  await h.settledShot(a, 'coedit-alice');
  await h.shot(b, 'coedit-bob');

  // And Bob's own session holds the text (the document export of his view's document).
  const txt = require('node:fs').readFileSync(await h.downloadAs(b, 'txt'), 'utf8');
  expect(txt).toContain('Alice was here');
  await alice.close();
  await bob.close();
});
