// Calc's frozen rows and columns, drawn by the page: after View ▸ Freeze Rows and Columns at C4,
// rows 1-3 and columns A-B stay where they are while the rest scrolls (their pixels and their
// headers), a click in them reaches their cells, and the stored document keeps the split.
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const c = require('../support/calc');
const d = require('../support/dialogs');

const { expect } = h;

/** The frozen corner and bands in CSS px of the document area. */
async function panes(page) {
  return page.evaluate(() => {
    const l = window.oxool.layer;
    const o = l.origin();
    return { x: o.x, y: o.y, w: l.frozen.x * l.scale, h: l.frozen.y * l.scale };
  });
}

test('freeze rows and columns: the frozen panes stay while the rest scrolls', async ({ page }) => {
  await h.openEditor(page, (await h.links('calc-freeze.ods', 'Frida')).edit);
  await c.goTo(page, 'C4');
  await d.menu(page, 'View', 'Freeze Rows and Columns');
  await page.waitForFunction(() => {
    const f = window.oxool.describe().headers.frozen;
    return f.row === 3 && f.col === 2 && f.x > 0 && f.y > 0;
  });
  const frozen = await page.evaluate(() => window.oxool.describe().headers.frozen);
  const row3 = await c.headerEntry(page, 'rows', '3');
  const colB = await c.headerEntry(page, 'columns', 'B');
  expect(frozen.y).toBe(row3.end);
  expect(frozen.x).toBe(colB.end);
  await h.settle(page);
  const p = await panes(page);
  const corner = { x: p.x, y: p.y, w: p.w, h: p.h };
  const before = await h.canvasHash(page, corner);
  const body = { x: p.x + p.w + 5, y: p.y + p.h + 5, w: 300, h: 200 };
  const bodyBefore = await h.canvasHash(page, body);
  await h.shot(page, 'calc-freeze-1-frozen');

  // Scroll well down and right: the corner's pixels are the same, the rest moved.
  await page.evaluate(() => window.oxool.layer.scroller.scrollTo(1500, 3000));
  await h.settle(page);
  expect(await h.canvasHash(page, corner)).toBe(before);
  expect(await h.canvasHash(page, body)).not.toBe(bodyBefore);
  // The headers: rows 1-3 and columns A-B at their places, then the scrolled ones.
  const rowEntries = await page.evaluate(() => window.oxool.describe().headers.rows);
  const rows = rowEntries.map((e) => e.text);
  expect(rows.slice(0, 4)).toEqual(['1', '2', '3', String(Number(rows[3]))]);
  expect(Number(rows[3])).toBeGreaterThan(100);
  // Row 3 ends where the frozen pane does, and the first scrolled row starts there.
  expect(Math.abs(rowEntries[2].b - (p.y + p.h))).toBeLessThan(1);
  expect(Math.abs(rowEntries[3].a - (p.y + p.h))).toBeLessThan(1);
  const cols = (await page.evaluate(() => window.oxool.describe().headers.columns)).map((e) => e.text);
  expect(cols.slice(0, 2)).toEqual(['A', 'B']);
  expect(cols[2]).not.toBe('C');
  const r2 = await c.headerPoint(page, 'rows', '2', 'middle');
  const aMid = await c.headerPoint(page, 'columns', 'A', 'middle');
  const top = await page.evaluate(() => window.oxool.layer.scroller.getBoundingClientRect().top);
  expect(r2.y - top).toBeLessThan(p.y + p.h);
  await h.shot(page, 'calc-freeze-2-scrolled');

  // A click in the frozen corner is on its cell, A2, however far the rest is scrolled.
  await page.mouse.click(aMid.x, r2.y);
  await expect(page.locator('#cell-address')).toHaveValue('A2');
  await expect(page.locator('#formula-input')).toHaveValue('40');

  // A cell cursor that scrolls under the frozen rows is cut where they begin.
  await c.goTo(page, 'D150');
  await h.settle(page);
  const rowH = await page.evaluate(() => 255 * window.oxool.layer.scale);
  const scrolledTo = await page.evaluate((dy) => {
    const s = window.oxool.layer.scroller;
    const row = window.oxool.describe().headers.rows.find((e) => e.text === '150');
    const frozenEdge = window.oxool.layer.origin().y + window.oxool.layer.frozen.y * window.oxool.layer.scale;
    s.scrollTop += row.a - frozenEdge + dy; // row 150 half under the frozen rows
    return s.scrollTop;
  }, rowH / 2);
  await page.waitForFunction((t) => window.oxool.layer.scroller.scrollTop === t, scrolledTo);
  await expect.poll(() => page.evaluate(() => document.querySelector('#doc-sizer .own-cell').style.clipPath)).toMatch(/^inset\(\d/);
  await h.settledShot(page, 'calc-freeze-3-cursor-under-frozen-rows');

  // Stored: the split at column 2, row 3 (LibreOffice's view settings).
  await h.saveByKey(page);
  const settings = h.zipMember('calc-freeze.ods', 'settings.xml');
  expect(settings).toMatch(/config:name="HorizontalSplitPosition" config:type="int">2</);
  expect(settings).toMatch(/config:name="VerticalSplitPosition" config:type="int">3</);

  // Unfreeze: nothing stays in place any more.
  await d.menu(page, 'View', 'Freeze Rows and Columns');
  await page.waitForFunction(() => window.oxool.describe().headers.frozen.x === 0);
});
