// Calc: numbers and a =SUM() typed into cells give the result; the address box, the formula
// bar and the sheet tabs (with the sheets' real names, from `parts`) follow the cell cursor and
// the sheet.
const fs = require('node:fs');
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const { goTo, expectCell } = require('../support/calc');

const { expect } = h;

test('numbers and =SUM() in cells; switch sheets', async ({ page }) => {
  await h.openEditor(page, (await h.links('calc.xlsx', 'Carol')).edit);
  await expect(page.locator('#formula-bar')).toBeVisible();
  await expect(page.locator('#sheet-tabs .sheet-tab')).toHaveCount(2);
  await expect(page.locator('#sheet-tabs .sheet-tab[aria-selected="true"]')).toHaveText('Numbers');
  await expect(page.locator('#sheet-tabs .sheet-tab')).toHaveText(['Numbers', 'Second']);
  await expect(page.locator('#doc-sizer .own-cell')).toBeVisible();
  await h.shot(page, 'calc-1-loaded');

  await goTo(page, 'C1');
  await page.keyboard.type('15');
  await page.keyboard.press('Enter');
  await expect(page.locator('#cell-address')).toHaveValue('C2');
  await page.keyboard.type('27');
  await page.keyboard.press('Enter');
  await page.keyboard.type('=SUM(C1:C2)');
  await page.keyboard.press('Enter');
  await expect(page.locator('#cell-address')).toHaveValue('C4');
  // Back on C3: the formula bar shows the formula.
  await page.keyboard.press('ArrowUp');
  await expect(page.locator('#cell-address')).toHaveValue('C3');
  await expect(page.locator('#formula-input')).toHaveValue('=SUM(C1:C2)');

  // The formula bar edits the current cell: C4 = C3 * 2 through it.
  await goTo(page, 'C4');
  await page.locator('#formula-input').fill('=C3*2');
  await page.locator('#formula-input').press('Enter');
  await expectCell(page, 'C4', '=C3*2');
  await h.settledShot(page, 'calc-2-sum');

  // The results as the document has them (CSV of the first sheet through the page).
  const csv = fs.readFileSync(await h.downloadAs(page, 'csv'), 'utf8').split(/\r?\n/);
  expect(csv[0].split(',')[2]).toBe('15');
  expect(csv[1].split(',')[2]).toBe('27');
  expect(csv[2].split(',')[2]).toBe('42');
  expect(csv[3].split(',')[2]).toBe('84');

  // Switch to the second sheet with its tab.
  await page.locator('#sheet-tabs .sheet-tab', { hasText: 'Second' }).click();
  await expect(page.locator('#sheet-tabs .sheet-tab[aria-selected="true"]')).toHaveText('Second');
  await expect.poll(() => page.evaluate(() => window.oxool.status.part)).toBe('1');
  await h.settle(page);
  await expectCell(page, 'A1', 'second sheet gamma');
  await h.shot(page, 'calc-3-second-sheet');
});
