// Calc's row and column headers with two people: a click on a header selects the column or row,
// a drag on a border resizes it, a double click sets the optimal width or height; the other person's
// headers follow, and the stored document has the sizes.
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const c = require('../support/calc');

const { expect } = h;

const width = (e) => e.end - e.start;

test('headers: click selects, drag resizes, double click sets the optimal width; both users see it', async ({ browser }) => {
  const alice = await (await h.newContext(browser)).newPage();
  const bob = await (await h.newContext(browser)).newPage();
  const link = await h.links('calc-headers.ods', 'Alice');
  await h.openEditor(alice, link.edit);
  await h.openEditor(bob, (await h.links('calc-headers.ods', 'Bob')).edit);
  await expect(alice.locator('.calc-header-col')).toBeVisible();
  await expect(alice.locator('.calc-header-row')).toBeVisible();
  const b0 = await c.headerEntry(alice, 'columns', 'B');
  const row1 = await c.headerEntry(alice, 'rows', '1');
  expect(width(b0)).toBeGreaterThan(1000);
  await h.shot(alice, 'calc-headers-1-loaded');

  // A click on C's header selects the column; on row 2's, the row.
  const cMid = await c.headerPoint(alice, 'columns', 'C', 'middle');
  await alice.mouse.click(cMid.x, cMid.y);
  await expect(alice.locator('#cell-address')).toHaveValue(/^C1:C\d{5,}$/);
  const r2 = await c.headerPoint(alice, 'rows', '2', 'middle');
  await alice.mouse.click(r2.x, r2.y);
  await expect(alice.locator('#cell-address')).toHaveValue(/^A2:[A-Z]+2$/);
  await h.settledShot(alice, 'calc-headers-2-row-selected');

  // Alice drags B's right border 100 px to the right: B is 1 500 twips wider, for Bob too.
  await c.drag(alice, await c.headerPoint(alice, 'columns', 'B', 'end'), 100, 0);
  for (const page of [alice, bob]) {
    await expect.poll(async () => width(await c.headerEntry(page, 'columns', 'B')), { timeout: 30_000 })
      .toBeGreaterThan(width(b0) + 1400);
  }
  expect(width(await c.headerEntry(bob, 'columns', 'B'))).toBeLessThan(width(b0) + 1600);

  // Row 1's bottom border 30 px down.
  await c.drag(alice, await c.headerPoint(alice, 'rows', '1', 'end'), 0, 30);
  await expect.poll(async () => width(await c.headerEntry(bob, 'rows', '1')), { timeout: 30_000 })
    .toBeGreaterThan(width(row1) + 400);
  // Row 2 too; then a double click on row 1's border gives it back its optimal height.
  await c.drag(alice, await c.headerPoint(alice, 'rows', '2', 'end'), 0, 30);
  await expect.poll(async () => width(await c.headerEntry(bob, 'rows', '2')), { timeout: 30_000 })
    .toBeGreaterThan(width(row1) + 400);
  const r1End = await c.headerPoint(alice, 'rows', '1', 'end');
  await alice.mouse.dblclick(r1End.x, r1End.y);
  await expect.poll(async () => width(await c.headerEntry(bob, 'rows', '1')), { timeout: 30_000 })
    .toBeLessThan(width(row1) + 60);
  await h.settledShot(bob, 'calc-headers-3-bob-sees-resized');

  // A double click on A's right border: A (two-digit numbers) becomes narrower than the default.
  const aEnd = await c.headerPoint(alice, 'columns', 'A', 'end');
  await alice.mouse.dblclick(aEnd.x, aEnd.y);
  await expect.poll(async () => width(await c.headerEntry(bob, 'columns', 'A')), { timeout: 30_000 })
    .toBeLessThan(width(b0) / 2);
  await h.settledShot(alice, 'calc-headers-4-optimal');

  // Stored: B about 1.94 in wide (0.889 + 100 px), A narrow, row 2 taller than the default.
  await h.saveByKey(alice);
  const xml = h.zipMember('calc-headers.ods', 'content.xml');
  const widths = [...xml.matchAll(/style:column-width="([\d.]+)in"/g)].map((m) => Number(m[1]));
  expect(widths.some((w) => w > 1.85 && w < 2.05)).toBe(true);
  expect(widths.some((w) => w < 0.45)).toBe(true);
  const heights = [...xml.matchAll(/style:row-height="([\d.]+)in"/g)].map((m) => Number(m[1]));
  expect(heights.some((v) => v > 0.45)).toBe(true);
});
