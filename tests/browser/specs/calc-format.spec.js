// Calc's cell formatting with two people: a number format and a background colour from the
// Format menu, a border through the Format Cells dialog (painted by LibreOffice), merged
// cells; Bob's copy of the document shows each, and the stored document has them.
const fs = require('node:fs');
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const c = require('../support/calc');
const d = require('../support/dialogs');

const { expect } = h;

async function typeIn(page, cell, text) {
  await c.goTo(page, cell);
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

test('number format, background, border and merge from the menu and Format Cells; both users see it', async ({ browser }) => {
  const { pages: [alice, bob] } = await h.openTogether(browser, 'calc-format.ods', ['Alice', 'Bob']);

  // Percent: 0.25 shows as 25.00%.
  await typeIn(alice, 'C1', '0.25');
  await c.goTo(alice, 'C1');
  await d.menu(alice, 'Format', 'Number Format');
  await alice.locator('.popup-menu [role^="menuitem"]', { hasText: 'Percent' }).first().click();
  // Yellow background on C1.
  await d.menu(alice, 'Format', 'Background Color');
  await alice.locator('.popup-menu [role^="menuitem"]', { hasText: 'Yellow' }).first().click();

  // A box border on C3 through Format ▸ Borders… (the Format Cells dialog on its Borders tab).
  await c.goTo(alice, 'C3');
  const win = await d.menuDialog(alice, 'Format', 'Borders…', /Format Cells/);
  await d.clickWindow(alice, win.id, 151, 82); // Presets: the box
  await d.dialogSettled(alice, win.id);
  await h.shot(alice, 'calc-format-1-borders-dialog');
  await d.clickOk(alice, win);
  await d.noDialog(alice);

  // Merge B5:C5 (only B5 has text, so LibreOffice asks nothing).
  await typeIn(alice, 'B5', 'merged title');
  await c.goTo(alice, 'B5:C5');
  await d.menu(alice, 'Format', 'Merge and Center Cells');
  await h.settledShot(alice, 'calc-format-2-alice');

  // Bob: the formatted value in his copy, and his screen.
  await expect.poll(async () => {
    const csv = fs.readFileSync(await h.downloadAs(bob, 'csv'), 'utf8').split(/\r?\n/);
    return csv[0].split(',')[2];
  }, { timeout: 30_000 }).toBe('25.00%');
  await h.settledShot(bob, 'calc-format-3-bob');

  await h.saveByKey(alice);
  const xml = h.zipMember('calc-format.ods', 'content.xml');
  expect(xml).toMatch(/table:number-columns-spanned="2"/);
  expect(xml).toMatch(/fo:background-color="#ffff00"/);
  expect(xml).toMatch(/fo:border="[^"]*solid[^"]*"/);
  const styles = xml + h.zipMember('calc-format.ods', 'styles.xml');
  expect(styles).toMatch(/<number:percentage-style/);
});
