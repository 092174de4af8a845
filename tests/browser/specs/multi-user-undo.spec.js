// Undo with two users (issue 12.3): LibreOffice refuses Alice's undo when Bob edited the same
// paragraph after her; the page tells her why (from UNO_COMMAND_RESULT) instead of nothing
// happening. Bob's own undo still works, and then Alice's does.
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

const modified = (page) => page.evaluate(() => window.oxool.describe().docState.modified);

/** Types and saves: the kit applies every key before a save, so the other user types after. */
async function typeAndSave(page, text) {
  await page.locator('#input-sink').focus();
  await page.keyboard.type(text);
  await expect.poll(() => modified(page)).toBe('1');
  await h.saveByKey(page);
}

test('an undo LibreOffice refuses because another user edited later is explained', async ({ browser }) => {
  const { contexts: [alice, bob], pages: [a, b] } = await h.openTogether(browser, 'undo.docx', ['Alice', 'Bob']);

  // Both cursors are at the start of the heading: the edits are in the same paragraph.
  await typeAndSave(a, 'Alpha');
  await typeAndSave(b, 'Beta');

  await a.locator('#input-sink').focus();
  await a.keyboard.press('Control+z');
  const refusal = a.locator('#toasts .toast', { hasText: 'Undo is not possible: another user edited after your last change' });
  await expect(refusal).toBeVisible();
  await h.shot(a, 'multi-user-undo-refused');

  // Bob undoes his own edit: no such message for him, and Alice's undo then works.
  await b.locator('#input-sink').focus();
  await b.keyboard.press('Control+z');
  await expect.poll(() => modified(b)).toBe('1');
  await expect(b.locator('#toasts .toast', { hasText: 'not possible' })).toHaveCount(0);
  await h.saveByKey(b);
  await a.keyboard.press('Control+z');
  await expect.poll(() => modified(a)).toBe('1');
  await h.saveByKey(a);
  const xml = h.zipMember('undo.docx', 'word/document.xml');
  expect(xml).not.toContain('Alpha');
  expect(xml).not.toContain('Beta');
  await alice.close();
  await bob.close();
});
