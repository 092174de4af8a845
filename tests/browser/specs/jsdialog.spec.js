// LibreOffice's JSDialog in the page, with real kits: Find & Replace (a dialog LibreOffice 7.4
// sends as widget JSON) built as HTML and answered with `dialog-event`, and the sidebar in its
// panel, toggled by the user.
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const d = require('../support/dialogs');

const { expect } = h;

test('Find & Replace as JSDialog: replace all, the document and the stored file change; Escape closes it', async ({ page }) => {
  const sent = d.recordSent(page);
  await h.openEditor(page, (await h.links('dlg-find.odt', 'Fiona')).edit);
  const box = await d.jsdialogBox(page, '.uno:SearchDialog');
  await expect(box.locator('.dialog-title')).toHaveText(/Find/);
  await box.locator('[data-id="searchterm"] input').fill('alpha');
  await box.locator('[data-id="replaceterm"] input').fill('omega');
  // LibreOffice enables Replace All once there is something to search for.
  const replaceAll = box.locator('button[data-id="replaceall"]');
  await expect(replaceAll).toBeEnabled();
  await h.shot(page, 'jsdialog-1-find-replace');
  await replaceAll.click();
  expect(sent.some((m) => /^dialog-event id=\d+\n/.test(m) && m.includes('"cmd":"click"') && m.includes('"replaceall"'))).toBe(true);
  await h.settle(page);
  // Escape closes it: LibreOffice is told (`close` of its dialog), the box goes.
  await box.locator('[data-id="searchterm"] input').focus();
  await page.keyboard.press('Escape');
  await d.noDialog(page);
  expect(sent.some((m) => m.startsWith('dialog-event') && m.includes('"__DIALOG__"') && m.includes('"close"'))).toBe(true);
  await h.settledShot(page, 'jsdialog-2-replaced');
  // The keyboard is the document's again; the change is stored.
  await h.saveByKey(page);
  const text = await h.storedText('dlg-find.odt');
  expect(text).toContain('oxool fixture text omega');
  expect(text).not.toContain('alpha');
});

test('the sidebar: toggled on, its panels arrive as JSDialog; a click in it changes the paragraph', async ({ page }) => {
  await h.openEditor(page, (await h.links('dlg-sidebar.odt', 'Sid')).edit);
  // View ▸ Sidebar: LibreOffice opens its sidebar and sends its panels.
  await d.menu(page, 'View', 'Sidebar');
  const panel = page.locator('#sidebar');
  await expect(panel).toBeVisible();
  await expect.poll(async () => (await d.dialogs(page)).sidebar.widgets, { timeout: 30_000 }).toBeGreaterThan(10);
  await h.settle(page);
  // LibreOffice announces the sidebar as a painted child window of the document too: the page
  // shows it once, from its JSDialog.
  expect((await d.dialogs(page)).windows).toEqual([]);
  await expect(page.locator('.dialog')).toHaveCount(0);
  await h.shot(page, 'jsdialog-3-sidebar');
  // Increase the paragraph's indent from the sidebar's Paragraph panel.
  await h.caretToEnd(page);
  const before = await page.locator('#sidebar [data-id="beforetextindent"] input').inputValue();
  await panel.locator('.jsd-toolitem[data-command=".uno:IncrementIndent"]').first().click();
  await expect.poll(() => page.locator('#sidebar [data-id="beforetextindent"] input').inputValue(), { timeout: 30_000 }).not.toBe(before);
  await h.settledShot(page, 'jsdialog-4-sidebar-indented');
  // Toggled off (the dialogs module's toggleSidebar()): the panel goes, the document takes the
  // width again; and on again from the page.
  await page.evaluate(() => import('./src/dialogs/dialogs.js').then((m) => m.toggleSidebar(false)));
  await expect(panel).toBeHidden();
  await page.evaluate(() => import('./src/dialogs/dialogs.js').then((m) => m.toggleSidebar(true)));
  await expect(panel).toBeVisible();
  await expect.poll(async () => (await d.dialogs(page)).sidebar.widgets, { timeout: 30_000 }).toBeGreaterThan(10);
  // Its ✕ closes it.
  await panel.locator('.sidebar-head .dialog-close').click();
  await expect(panel).toBeHidden();
});
