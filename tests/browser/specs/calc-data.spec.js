// Calc's data with two people: sort from the Data menu, an autofilter popup (JSDialog on
// LibreOffice 7.4) that hides a row for both, AutoInput completing what the column already
// has, and the Function Wizard (painted) inserting a function with its argument.
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

const csvColumn = async (page, col) => fs.readFileSync(await h.downloadAs(page, 'csv'), 'utf8')
  .split(/\r?\n/).map((line) => line.split(',')[col]);

test('sort, autofilter, AutoInput and the Function Wizard; both users see the results', async ({ browser }) => {
  const { pages: [alice, bob] } = await h.openTogether(browser, 'calc-sort.ods', ['Alice', 'Bob']);

  // Sort C1:C4 ascending from the Data menu.
  for (const [cell, v] of [['C1', '30'], ['C2', '10'], ['C3', '40'], ['C4', '20']]) await typeIn(alice, cell, v);
  await c.goTo(alice, 'C1:C4');
  await d.menu(alice, 'Data', 'Sort Ascending');
  await expect.poll(async () => (await csvColumn(bob, 2)).slice(0, 4), { timeout: 30_000 }).toEqual(['10', '20', '30', '40']);

  // AutoInput: Alice typed "pear" in E1; Bob types "pe" in E2 and Enter takes the completion.
  await typeIn(alice, 'E1', 'pear');
  await c.goTo(bob, 'E2');
  await bob.keyboard.type('pe');
  await bob.keyboard.press('Enter');
  await c.expectCell(bob, 'E2', 'pear');

  // The Function Wizard: SUMSQ of A1:A3 (2, 40, 42) into E4.
  await c.goTo(alice, 'E4');
  const win = await d.menuDialog(alice, 'Insert', 'Function…', /Function Wizard/);
  await alice.keyboard.type('SUMSQ'); // the search box has the focus
  await d.dialogSettled(alice, win.id);
  await d.clickWindow(alice, win.id, 35, 183, { clickCount: 2 }); // the first function found
  await d.dialogSettled(alice, win.id);
  await alice.keyboard.type('A1:A3'); // its first argument has the focus now
  await d.dialogSettled(alice, win.id);
  await h.shot(alice, 'calc-data-1-function-wizard');
  await d.clickOk(alice, win);
  await d.noDialog(alice);
  await c.expectCell(bob, 'E4', '=SUMSQ(A1:A3)');

  // Autofilter on A1:A3: Alice unticks 40 in A1's popup; row 2 is hidden for Bob too.
  await c.goTo(alice, 'A1');
  await d.menu(alice, 'Data', 'AutoFilter');
  await h.settle(alice);
  const at = await alice.evaluate(() => {
    const l = window.oxool.layer;
    const r = l.scroller.getBoundingClientRect();
    const col = window.oxool.describe().headers.columns.find((e) => e.text === 'A');
    const row = window.oxool.describe().headers.rows.find((e) => e.text === '1');
    return { x: r.left + col.b - 8, y: r.top + (row.a + row.b) / 2 };
  });
  await alice.mouse.click(at.x, at.y);
  const popup = alice.locator('.jsd-popup');
  await expect(popup).toBeVisible({ timeout: 60_000 });
  await popup.locator('[data-id="check_list_box"] .jsd-row', { hasText: /^40$/ }).locator('input[type="checkbox"]').uncheck();
  await h.shot(alice, 'calc-data-2-autofilter');
  await popup.locator('button[data-id="ok"]').click();
  await expect(popup).toBeHidden();
  await bob.waitForFunction(() => {
    const rows = window.oxool.describe().headers.rows.map((e) => e.text);
    return rows.includes('1') && rows.includes('3') && !rows.includes('2');
  }, null, { timeout: 30_000 });
  await h.settledShot(bob, 'calc-data-3-bob-filtered');

  await h.saveByKey(alice);
  const xml = h.zipMember('calc-sort.ods', 'content.xml');
  expect(xml).toMatch(/table:visibility="filter"/);
  expect(xml).toContain('of:=SUMSQ([.A1:.A3])');
  const values = [...xml.matchAll(/office:value="(\d+)"/g)].map((m) => m[1]);
  expect(values.join(' ')).toMatch(/10 20 30 40|10.*20.*30.*40/);
});
