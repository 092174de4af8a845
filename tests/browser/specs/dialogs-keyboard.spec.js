// The keyboard in a JSDialog box (Find & Replace, as LibreOffice 7.4 sends it): Tab and
// Shift+Tab go round its widgets and never leave it for the document, Enter in a field presses
// the default button (Find Next), Escape closes it and the document has the keyboard again.
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const d = require('../support/dialogs');

const { expect } = h;

/** The widget id (`data-id`) holding the focus, and whether the focus is in the box. */
const focused = (page) => page.evaluate(() => {
  const a = document.activeElement;
  const w = a && a.closest ? a.closest('[data-id]') : null;
  return { id: w ? w.dataset.id : null, inBox: !!(a && a.closest && a.closest('.dialog-jsdialog')) };
});

test('Tab and Shift+Tab go round a JSDialog box; Enter presses its default button; Escape closes it', async ({ page }) => {
  const sent = d.recordSent(page);
  await h.openEditor(page, (await h.links('dlg-tab.odt', 'Tabitha')).edit);
  const box = await d.jsdialogBox(page, '.uno:SearchDialog');
  await expect(box.locator('[data-id="searchterm"] input')).toBeVisible();
  await page.waitForTimeout(1000); // LibreOffice sends the tree again as it settles
  // The first field has the keyboard, also after LibreOffice rebuilt the tree.
  expect(await focused(page)).toEqual({ id: 'searchterm', inBox: true });
  // Find & Replace is modeless: nothing lies between the user and the document.
  expect((await d.dialogs(page)).jsdialogs[0].modal).toBe(false);
  await expect(page.locator('.dialog-backdrop')).toHaveCount(0);

  // Forwards: every stop is a widget of the box, round to the first again.
  const from = sent.length;
  const order = [];
  for (let i = 0; i < 40; i += 1) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    expect(f.inBox).toBe(true);
    order.push(f.id);
    if (f.id === 'searchterm') break;
  }
  expect(order[order.length - 1]).toBe('searchterm');
  expect(order.length).toBeGreaterThan(5);
  expect(order).toContain('matchcase');
  expect(order).toContain('replaceterm');
  expect(order).toContain('close');
  // Backwards from the first: the last, then back along the same order.
  await page.keyboard.press('Shift+Tab');
  expect((await focused(page)).id).toBe(order[order.length - 2]);
  await page.keyboard.press('Shift+Tab');
  expect((await focused(page)).id).toBe(order[order.length - 3]);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  expect((await focused(page)).id).toBe('searchterm');
  // No Tab reached the document.
  expect(sent.slice(from).filter((m) => /^(key|text|mouse) /.test(m))).toEqual([]);
  await h.shot(page, 'dialogs-keyboard-1-tab-round');

  // Enter in the search field: Find Next (the default button).
  await page.keyboard.type('beta');
  await expect(box.locator('button[data-id="search"]')).toBeEnabled();
  const beforeEnter = sent.length;
  await page.keyboard.press('Enter');
  await expect.poll(() => sent.slice(beforeEnter).some((m) => /^dialog-event id=\d+\n/.test(m)
    && m.includes('"id":"search"') && m.includes('"cmd":"click"'))).toBe(true);
  // LibreOffice selects the word found: the selection shows in the document.
  await page.waitForFunction(() => window.oxool.describe().selection.length > 0, null, { timeout: 30_000 });
  await h.settledShot(page, 'dialogs-keyboard-2-enter-found');

  // Escape closes it; typing goes to the document again.
  await page.keyboard.press('Escape');
  await d.noDialog(page);
  await page.keyboard.type('BETA');
  await h.settle(page);
  await h.saveByKey(page);
  expect(await h.storedText('dlg-tab.odt')).toContain('second paragraph BETA');
});
