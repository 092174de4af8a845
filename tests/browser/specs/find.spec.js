// The find bar: Ctrl+F, next / previous, match case, whole words, "not found", replace and
// replace all through LibreOffice's .uno:ExecuteSearch; the stored document has the result.
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

const selection = (page) => page.evaluate(() => JSON.stringify(window.oxool.describe().selection));

test('find next and previous, options, not found, replace, replace all', async ({ page }) => {
  const sent = h.recordSent(page);
  await h.openEditor(page, (await h.links('find.docx', 'Finn')).edit);
  const bar = page.locator('#find-bar');

  // Ctrl+F opens the bar (the page's, not the browser's, not LibreOffice's invisible one).
  await page.keyboard.press('Control+f');
  await expect(bar).toBeVisible();
  await expect(page.locator('#find-text')).toBeFocused();
  expect(sent.some((m) => m.startsWith('key ') && / code=8709\b/.test(m))).toBe(false);

  // "oxool" is in the heading and in the first paragraph: Enter selects the first, again the next.
  await page.locator('#find-text').fill('oxool');
  await page.keyboard.press('Enter');
  await expect.poll(() => selection(page)).not.toBe('[]');
  const first = await selection(page);
  expect(sent.find((m) => m.startsWith('uno command=.uno:ExecuteSearch'))).toContain('"SearchItem.SearchString":{"type":"string","value":"oxool"}');
  await page.keyboard.press('Enter');
  await expect.poll(() => selection(page)).not.toBe(first);
  const second = await selection(page);
  expect(JSON.parse(second)[0].y).toBeGreaterThan(JSON.parse(first)[0].y);
  await h.shot(page, 'find-1-second-match');
  // Shift+Enter goes back to the first.
  await page.keyboard.press('Shift+Enter');
  await expect.poll(() => selection(page)).toBe(first);

  // Match case: "OXOOL" is nowhere; without it, it is found.
  await page.locator('#find-text').fill('OXOOL');
  await page.locator('#find-match-case').check();
  await page.locator('[data-find=next]').click();
  await expect(page.locator('#find-status')).toHaveText('Not found');
  expect(sent.filter((m) => m.startsWith('uno command=.uno:ExecuteSearch')).pop()).toContain('"SearchItem.TransliterateFlags":{"type":"long","value":0}');
  await h.shot(page, 'find-2-not-found');
  await page.locator('#find-match-case').uncheck();
  await page.locator('[data-find=next]').click();
  await expect(page.locator('#find-status')).toHaveText('');
  await expect.poll(() => selection(page)).not.toBe('[]');

  // Whole words: "alph" is part of "alpha" only.
  await page.locator('#find-text').fill('alph');
  await page.locator('#find-whole-words').check();
  await page.locator('#find-text').press('Enter');
  await expect(page.locator('#find-status')).toHaveText('Not found');
  await page.locator('#find-whole-words').uncheck();
  await page.locator('#find-text').press('Enter');
  await expect(page.locator('#find-status')).toHaveText('');

  // Replace all: every "oxool" becomes "Oxool-X".
  await page.locator('[data-find=toggle-replace]').click();
  await expect(page.locator('#replace-text')).toBeFocused();
  await page.locator('#find-text').fill('oxool');
  await page.locator('#replace-text').fill('Oxool-X');
  await page.locator('[data-find=replace-all]').click();
  // LibreOffice's find-all counts the matches (heading and first paragraph), then all go.
  await expect(page.locator('#find-status')).toHaveText('Replaced 2');
  const searches = sent.filter((m) => m.startsWith('uno command=.uno:ExecuteSearch'));
  expect(searches[searches.length - 2]).toContain('"SearchItem.Command":{"type":"long","value":1}');
  expect(searches[searches.length - 1]).toContain('"SearchItem.Command":{"type":"long","value":3}');
  await h.settledShot(page, 'find-3-replaced-all');
  // Replace (one): "beta" → "gamma".
  await page.locator('#find-text').fill('beta');
  await page.locator('#replace-text').fill('gamma');
  await page.locator('[data-find=next]').click();
  await expect.poll(() => selection(page)).not.toBe('[]');
  await page.locator('[data-find=replace]').click();
  await h.settle(page);

  // Escape closes the bar, the document has the keyboard again.
  await page.locator('#find-text').press('Escape');
  await expect(bar).toBeHidden();
  await expect(page.locator('#input-sink')).toBeFocused();

  // Edit ▸ Find & Replace… asks LibreOffice for its dialog.
  await page.locator('#menubar').getByRole('menuitem', { name: 'Edit' }).click();
  await page.locator('#menubar-menu [data-command=".uno:SearchDialog"]').click();
  expect(sent).toContain('uno command=.uno:SearchDialog');
  await page.keyboard.press('Escape');

  await h.saveByKey(page);
  const text = (await h.storedText('find.docx')).replace(/\s+/g, ' ');
  expect(text).toContain('Oxool-X fixture heading');
  expect(text).toContain('Oxool-X fixture text alpha');
  expect(text).toContain('second paragraph gamma');
  expect(text).not.toMatch(/oxool fixture/);
});
