// Writer: type a sentence, make a word bold, save, reload: the text and the bold are there,
// in the page and in the stored file.
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;
const SENTENCE = 'Typed in the browser by Alice. ';

test('type, bold, save, reload: text and bold survive, in the page and in storage', async ({ page }) => {
  const { edit } = await h.links('writer.docx', 'Alice');
  await h.openEditor(page, edit);
  await expect(page.locator('#doc-name')).toHaveText('writer.docx');
  await expect(page.locator('#user-list .user')).toHaveCount(1);
  expect(await h.inkRatio(page)).toBeGreaterThan(0.001);
  await h.shot(page, 'writer-1-loaded');

  await page.locator('#input-sink').focus();
  // A new paragraph after the last one (body text, not bold).
  await h.pressAndSeeCaret(page, 'Control+End');
  await h.pressAndSeeCaret(page, 'Enter');
  await page.keyboard.type(SENTENCE);
  // Select the first word and make it bold with the shortcut.
  await page.keyboard.press('Home');
  await page.keyboard.press('Control+Shift+ArrowRight');
  await expect(page.locator('#doc-sizer .own-sel').first()).toBeVisible();
  await expect(page.locator('button[data-command=".uno:Bold"]')).toHaveAttribute('aria-pressed', 'false');
  await page.keyboard.press('Control+b');
  await expect(page.locator('button[data-command=".uno:Bold"]')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('#save-state')).toHaveAttribute('data-modified', '1');
  await h.settledShot(page, 'writer-2-typed-bold');

  await h.saveByKey(page);
  await expect(page.locator('#save-state')).toContainText('Saved');
  const stored = await h.storedText('writer.docx');
  expect(stored.replace(/\s+/g, ' ')).toContain(SENTENCE.trim());
  expect(stored).toContain('oxool fixture text alpha');
  // The first run of the stored document is bold and holds the word "Typed".
  const xml = h.zipMember('writer.docx', 'word/document.xml');
  const run = xml.match(/<w:r>(?:(?!<\/w:r>).)*?Typed(?:(?!<\/w:r>).)*?<\/w:r>|<w:r [^>]*>(?:(?!<\/w:r>).)*?Typed(?:(?!<\/w:r>).)*?<\/w:r>/s);
  expect(run, 'a run containing "Typed"').not.toBeNull();
  expect(run[0]).toMatch(/<w:b\/>|<w:b w:val="(true|1)"\/>/);

  // Open it again as a person would (the page came from a form POST: no token in its URL).
  await h.openEditor(page, edit);
  await page.locator('#input-sink').focus();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('button[data-command=".uno:Bold"]')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('End');
  await expect(page.locator('button[data-command=".uno:Bold"]')).toHaveAttribute('aria-pressed', 'false');
  const txt = require('node:fs').readFileSync(await h.downloadAs(page, 'txt'), 'utf8');
  expect(txt).toContain(SENTENCE.trim());
  await h.settledShot(page, 'writer-3-reloaded');
});
