// Calc's sheets and rows/columns with two people: Alice adds, renames, moves and deletes
// sheets from the tabs and inserts and deletes rows and columns from the headers' menus; Bob's
// tabs and cells follow, and the stored document has the result.
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const c = require('../support/calc');

const { expect } = h;

const tabs = (page) => page.locator('#sheet-tabs .sheet-tab');

async function tabMenu(page, name, item) {
  await tabs(page).filter({ hasText: name }).click({ button: 'right' });
  await page.locator('#sheet-menu [role^="menuitem"]', { hasText: item }).click();
}

async function headerMenu(page, axis, text, item) {
  const p = await c.headerPoint(page, axis, text, 'middle');
  await page.mouse.click(p.x, p.y, { button: 'right' });
  await page.locator('#header-menu [role^="menuitem"]', { hasText: item }).click();
  // As a person looks at the result before the next step: the selection and headers are new.
  await h.serverRoundTrip(page);
  await h.settle(page);
}

test('sheets: add, rename, move, delete; rows and columns: insert and delete; both users see it', async ({ browser }) => {
  const { pages: [alice, bob] } = await h.openTogether(browser, 'calc-sheets.ods', ['Alice', 'Bob']);
  await expect(tabs(bob)).toHaveText(['Numbers', 'Second']);

  // Add: a third sheet after the last.
  await alice.locator('#sheet-tabs .sheet-add').click();
  for (const page of [alice, bob]) await expect(tabs(page)).toHaveText(['Numbers', 'Second', 'Sheet3']);

  // Rename in place: double click, type, Enter.
  await tabs(alice).filter({ hasText: 'Sheet3' }).dblclick();
  await alice.locator('#sheet-tabs .sheet-rename').fill('Budget');
  await alice.locator('#sheet-tabs .sheet-rename').press('Enter');
  for (const page of [alice, bob]) await expect(tabs(page)).toHaveText(['Numbers', 'Second', 'Budget']);

  // Move left: Budget before Second.
  await tabMenu(alice, 'Budget', 'Move Sheet Left');
  await expect(tabs(alice), 'alice').toHaveText(['Numbers', 'Budget', 'Second']);
  await expect(tabs(bob), 'bob').toHaveText(['Numbers', 'Budget', 'Second']);

  // Insert before Numbers, then delete it again (confirmed).
  await tabMenu(alice, 'Numbers', 'Insert Sheet Before');
  for (const page of [alice, bob]) await expect(tabs(page)).toHaveText(['Sheet4', 'Numbers', 'Budget', 'Second']);
  await h.shot(bob, 'calc-sheets-1-bob-four-sheets');
  alice.once('dialog', (d) => d.accept());
  await tabMenu(alice, 'Sheet4', 'Delete Sheet');
  for (const page of [alice, bob]) await expect(tabs(page)).toHaveText(['Numbers', 'Budget', 'Second']);

  // Rows and columns on Numbers (A1 2, A2 40, A3 =SUM(A1:A2)).
  await tabs(alice).filter({ hasText: 'Numbers' }).click();
  await expect(tabs(alice).filter({ hasText: 'Numbers' })).toHaveAttribute('aria-selected', 'true');
  await h.settle(alice);
  await headerMenu(alice, 'rows', '1', 'Insert Rows Above');
  await headerMenu(alice, 'columns', 'A', 'Insert Columns Before');
  await headerMenu(alice, 'rows', '2', 'Insert Rows Below');
  // Now B2 2, B4 40 (a blank row 3), B5 the sum: delete row 3 and row 1 again.
  await headerMenu(alice, 'rows', '3', 'Delete Rows');
  await headerMenu(alice, 'rows', '1', 'Delete Rows');
  await tabs(bob).filter({ hasText: 'Numbers' }).click();
  await h.settle(bob);
  await c.expectCell(bob, 'B3', '=SUM(B1:B2)');
  await c.expectCell(bob, 'B1', '2');
  await h.settledShot(bob, 'calc-sheets-2-bob-shifted-cells');

  await h.saveByKey(alice);
  const xml = h.zipMember('calc-sheets.ods', 'content.xml');
  const names = [...xml.matchAll(/<table:table table:name="([^"]+)"/g)].map((m) => m[1]);
  expect(names).toEqual(['Numbers', 'Budget', 'Second']);
  expect(xml).toContain('of:=SUM([.B1:.B2])');
});
