// Function autocomplete in Calc: typing "=sums" into a cell lists SUMSQ under the caret; Tab
// completes it with its "(", Down/Enter choose among several; the other user sees the result and
// the stored document has the formula.
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const c = require('../support/calc');

const { expect } = h;

test('function names are offered while a formula is typed; Tab and Enter complete them', async ({ browser }) => {
  const { pages: [alice, bob] } = await h.openTogether(browser, 'calc-func.ods', ['Alice', 'Bob']);

  await c.goTo(alice, 'C1');
  await alice.keyboard.type('=sums');
  const hint = alice.locator('.function-hint');
  await expect(hint).toBeVisible();
  await expect(hint.locator('li')).toHaveText(['SUMSQ']);
  // Under the cell being edited (C1), not somewhere else.
  const box = await hint.boundingBox();
  const cell = await c.headerPoint(alice, 'columns', 'C', 'middle');
  expect(Math.abs(box.x - cell.x)).toBeLessThan(120);
  await h.settledShot(alice, 'calc-autocomplete-1-hint');
  await alice.keyboard.press('Tab');
  await expect(hint).toBeHidden();
  await alice.keyboard.type('A1:A3)');
  await alice.keyboard.press('Enter');

  // Several names: "=cou" offers COUNT, COUNTA, COUNTBLANK, COUNTIF…; Down then Enter takes COUNTA.
  await c.goTo(alice, 'C2');
  await alice.keyboard.type('=cou');
  await expect(hint.locator('li').first()).toHaveText('COUNT');
  await alice.keyboard.press('ArrowDown');
  await expect(hint.locator('li[aria-selected="true"]')).toHaveText('COUNTA');
  await alice.keyboard.press('Enter');
  await alice.keyboard.type('A1:A3)');
  await alice.keyboard.press('Enter');
  // Typing on past a name that is complete closes the list.
  await c.goTo(alice, 'C3');
  await alice.keyboard.type('=1+2');
  await expect(hint).toBeHidden();
  await alice.keyboard.press('Enter');

  await c.expectCell(bob, 'C1', '=SUMSQ(A1:A3)');
  await c.expectCell(bob, 'C2', '=COUNTA(A1:A3)');
  await h.settledShot(bob, 'calc-autocomplete-2-bob');
  await h.saveByKey(alice);
  const xml = h.zipMember('calc-func.ods', 'content.xml');
  expect(xml).toContain('of:=SUMSQ([.A1:.A3])');
  expect(xml).toContain('of:=COUNTA([.A1:.A3])');
  expect(xml).toMatch(/office:value="3368"/);
});
