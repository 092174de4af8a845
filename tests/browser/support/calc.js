// What the Calc specs share: going to a cell through the address box (and reading it there in
// the formula bar), and where a column or row header border is on the screen (from the page's
// own header geometry).
const { expect } = require('@playwright/test');

async function goTo(page, cell) {
  await page.locator('#cell-address').fill(cell);
  await page.locator('#cell-address').press('Enter');
  await expect(page.locator('#cell-address')).toHaveValue(cell);
  await expect(page.locator('#input-sink')).toBeFocused();
}

/** Goes to `cell` and expects the formula bar to show `content` (a value or a formula). */
async function expectCell(page, cell, content) {
  await goTo(page, cell);
  await expect(page.locator('#formula-input')).toHaveValue(content);
}

/** The header entry (`columns` or `rows`) named `text`, as the page shows it (twips). */
async function headerEntry(page, axis, text) {
  await page.waitForFunction(([a, t]) => window.oxool.describe().headers[a].some((e) => e.text === t), [axis, text]);
  return page.evaluate(([a, t]) => window.oxool.describe().headers[a].find((e) => e.text === t), [axis, text]);
}

/**
 * Client coordinates of a point on a header: `where` is 'middle' of the entry or its 'end'
 * border (right of a column, bottom of a row).
 */
async function headerPoint(page, axis, text, where) {
  const entry = await headerEntry(page, axis, text);
  return page.evaluate(([a, e, w]) => {
    const r = window.oxool.layer.scroller.getBoundingClientRect();
    const at = w === 'end' ? e.b : (e.a + e.b) / 2;
    return a === 'columns' ? { x: r.left + at, y: r.top + 10 } : { x: r.left + 24, y: r.top + at };
  }, [axis, entry, where]);
}

/** Drags from a point by (dx, dy) in small steps, as a hand does. */
async function drag(page, from, dx, dy) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  for (let i = 1; i <= 5; i++) await page.mouse.move(from.x + (dx * i) / 5, from.y + (dy * i) / 5);
  await page.mouse.up();
}

module.exports = { goTo, expectCell, headerEntry, headerPoint, drag };
