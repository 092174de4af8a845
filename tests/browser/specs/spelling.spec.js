// Spell checking, on by default: a misspelled word typed in Writer gets LibreOffice's red wavy
// underline in the tiles; a right click on it shows LibreOffice's context menu with its
// suggestions; choosing one fixes the word, in the tiles and in the stored document. Ignore All
// from the same menu takes the underline off another word and leaves the word alone.
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const { countPixels } = require('../support/pixels');

const { expect } = h;

/** A right click a third into the twip rectangle `r`. */
async function rightClick(page, r) {
  const at = await h.twipsToClient(page, r.x + r.w / 3, r.y + r.h / 3);
  await page.mouse.click(at.x, at.y, { button: 'right' });
}

test('a misspelled word is underlined, and fixed from the context menu', async ({ page }) => {
  const sent = h.recordSent(page);
  await h.openEditor(page, (await h.links('spell.docx', 'Sam')).edit);
  await h.pressAndSeeCaret(page, 'Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('Teh quikc fox ');
  await h.settle(page);

  // Where the words are: the caret at the line's start, then word by word.
  const [start, second, third] = await h.wordStarts(page, 2);
  // The line box of "quikc" and a little below it, where the wavy line is drawn.
  const word = { x: second.x, y: second.y, w: third.x - second.x, h: Math.round(second.h * 1.25) };
  const teh = { x: start.x, y: start.y, w: second.x - start.x, h: Math.round(start.h * 1.25) };
  const rest = { x: third.x, y: third.y, w: 1200, h: Math.round(third.h * 1.25) };
  expect(word.w).toBeGreaterThan(0);
  expect(start.x).toBeLessThan(second.x);

  // The red underline comes when LibreOffice's background spell check reaches the word.
  await expect.poll(() => countPixels(page, word, 'red'), { timeout: 60_000 }).toBeGreaterThan(10);
  expect(await countPixels(page, rest, 'red')).toBe(0); // "fox" is spelled right
  await h.shot(page, 'spelling-1-underlined');

  // Right click on the word: LibreOffice's menu has its suggestions first.
  await rightClick(page, word);
  const menu = page.locator('#context-menu');
  await expect(menu).toBeVisible();
  const quick = menu.getByRole('menuitem', { name: 'quick', exact: true });
  await expect(quick).toBeVisible();
  await expect(quick).toHaveAttribute('data-command', '.uno:SpellCheckApplySuggestion');
  await h.shot(page, 'spelling-2-suggestions');
  await quick.click();
  await expect(menu).toBeHidden();
  expect(sent.filter((m) => m.startsWith('uno command=.uno:SpellCheckApplySuggestion')).pop())
    .toContain('Spelling_quick');

  // The word is fixed: its underline goes when the tiles are drawn again.
  await expect.poll(() => countPixels(page, word, 'red'), { timeout: 60_000 }).toBe(0);
  await h.settledShot(page, 'spelling-3-fixed');

  // "Teh": Ignore All from the same menu; its underline goes too, the word stays as it is.
  expect(await countPixels(page, teh, 'red')).toBeGreaterThan(10);
  await rightClick(page, teh);
  const ignoreAll = menu.getByRole('menuitem', { name: 'Ignore All', exact: true });
  await expect(ignoreAll).toBeVisible();
  await ignoreAll.click();
  await expect(menu).toBeHidden();
  expect(sent.filter((m) => m.startsWith('uno command=.uno:SpellCheckIgnoreAll')).pop()).toContain('Spelling');
  await expect.poll(() => countPixels(page, teh, 'red'), { timeout: 60_000 }).toBe(0);
  await h.settledShot(page, 'spelling-4-ignored');

  await h.saveByKey(page);
  const text = (await h.storedText('spell.docx')).replace(/\s+/g, ' ');
  expect(text).toContain('Teh quick fox');
  expect(text).not.toContain('quikc');
});
