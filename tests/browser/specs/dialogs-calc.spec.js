// Calc's CSV paste import with real kits: lines of text pasted into a sheet make LibreOffice
// ask how to split them (its Text Import dialog, JSDialog or painted: whichever arrives); the
// confirmed import fills the cells.
const fs = require('node:fs');
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const { goTo, expectCell } = require('../support/calc');
const d = require('../support/dialogs');

const { expect } = h;

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

test('CSV lines pasted into Calc: the Text Import dialog, confirmed, fills the cells', async ({ page }) => {
  const sent = d.recordSent(page);
  await h.openEditor(page, (await h.links('dlg-csv.ods', 'Carla')).edit);
  await goTo(page, 'D5');
  await page.evaluate(async () => {
    await navigator.clipboard.write([new ClipboardItem({ 'text/plain': new Blob(['10,20,x\n30,40,y\n'], { type: 'text/plain' }) })]);
  });
  await page.keyboard.press('Control+v');
  await expect.poll(() => sent.some((m) => m.startsWith('paste mimetype=text/plain'))).toBe(true);
  await page.waitForFunction(() => {
    const x = window.oxool.describe().dialogs;
    return x.jsdialogs.some((j) => !j.popup) || x.windows.some((w) => w.type === 'dialog' && w.painted > 0);
  }, null, { timeout: 60_000 });
  const shown = await d.dialogs(page);
  const js = shown.jsdialogs.length > 0;
  if (js) {
    const box = page.locator('.dialog-jsdialog');
    await expect(box.locator('.dialog-title')).toHaveText(/Text Import/);
    // A modal JSDialog dialog: the sheet behind it takes no click until it is answered.
    expect(shown.jsdialogs.find((j) => !j.popup).modal).toBe(true);
    await expect(page.locator('.dialog-backdrop')).toBeVisible();
    const before = sent.length;
    const canvas = await page.locator('#doc-canvas').boundingBox();
    await page.mouse.click(canvas.x + 30, canvas.y + 30);
    expect(sent.slice(before).filter((m) => /^(mouse|key|text) /.test(m))).toEqual([]);
    // Separated by commas (whatever the dialog remembered).
    const comma = box.locator('[data-id="comma"] input');
    if (!(await comma.isChecked())) await comma.check();
    await h.shot(page, 'dialogs-calc-1-text-import');
    await box.locator('button[data-id="ok"]').click();
  } else {
    expect(shown.windows[0].title).toMatch(/Text Import/);
    await h.shot(page, 'dialogs-calc-1-text-import');
    await page.keyboard.press('Enter');
  }
  await d.noDialog(page);
  await h.settle(page);
  await expectCell(page, 'E6', '40');
  await h.shot(page, 'dialogs-calc-2-imported');
  const csv = fs.readFileSync(await h.downloadAs(page, 'csv'), 'utf8').split(/\r?\n/);
  expect(csv[4]).toMatch(/,10,20,x$/);
  expect(csv[5]).toMatch(/,30,40,y$/);
});

test('the autofilter popup opens at its button; unticking a value and OK filters the rows', async ({ page }) => {
  const sent = d.recordSent(page);
  await h.openEditor(page, (await h.links('dlg-filter.ods', 'Fritz')).edit);
  await goTo(page, 'A1');
  await d.uno(page, '.uno:DataFilterAutoFilter');
  await h.settle(page);
  // A click on the autofilter button at the right edge of A1.
  const at = await h.twipsToClient(page, 1280 - 120, 120);
  await page.mouse.click(at.x, at.y);
  const popup = page.locator('.jsd-popup');
  await expect(popup).toBeVisible({ timeout: 60_000 });
  // Next to the button it came from, not somewhere else on the page.
  const box = await popup.boundingBox();
  expect(Math.abs(box.x - at.x)).toBeLessThan(60);
  expect(box.y).toBeGreaterThan(at.y - 5);
  expect(box.y - at.y).toBeLessThan(60);
  // Painted twin windows of the same popup are not shown.
  expect((await d.dialogs(page)).windows).toEqual([]);
  const row = popup.locator('[data-id="check_list_box"] .jsd-row', { hasText: /^40$/ });
  await row.locator('input[type="checkbox"]').uncheck();
  expect(sent.some((m) => m.startsWith('dialog-event') && m.includes('"check_list_box"') && m.includes('"cmd":"change"'))).toBe(true);
  await h.shot(page, 'dialogs-calc-3-autofilter');
  await popup.locator('button[data-id="ok"]').click();
  await expect(popup).toBeHidden();
  await h.settledShot(page, 'dialogs-calc-4-filtered');
  await h.saveByKey(page);
  expect(h.zipMember('dlg-filter.ods', 'content.xml')).toMatch(/table:visibility="filter"/);
});
