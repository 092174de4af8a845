// The menubar: built from `.uno:` commands per document type, opened by mouse and by keyboard
// (F10, arrows, Enter, Escape, Alt+letter), its checked state from STATE_CHANGED.
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

/** Types a new last paragraph and selects it (Shift+Home), waiting for the selection. */
async function selectNewLine(page, text) {
  await h.pressAndSeeCaret(page, 'Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type(text);
  await expect.poll(() => page.evaluate(() => window.oxool.describe().caret.x)).toBeGreaterThan(2000);
  await page.keyboard.press('Shift+Home');
  await expect(page.locator('#doc-sizer .own-sel')).toHaveCount(1);
}

test('Writer menubar: mouse and keyboard run commands, checked state follows LibreOffice', async ({ page }) => {
  const sent = [];
  const received = [];
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => sent.push(String(f.payload)));
    ws.on('framereceived', (f) => { if (typeof f.payload === 'string') received.push(f.payload); });
  });
  await h.openEditor(page, (await h.links('menus.docx', 'Mona')).edit);
  const bar = page.locator('#menubar');
  await expect(bar.getByRole('menuitem')).toHaveText(['File', 'Edit', 'View', 'Insert', 'Format', 'Table', 'Tools', 'Help']);
  await selectNewLine(page, 'Menu line');

  // Mouse: Format ▸ Text ▸ Bold.
  await bar.getByRole('menuitem', { name: 'Format' }).click();
  const menu = page.locator('#menubar-menu');
  await expect(menu).toBeVisible();
  await menu.getByRole('menuitem', { name: 'Text', exact: true }).hover();
  const bold = await h.popupEntry(page, '.uno:Bold');
  await expect(bold).toHaveAttribute('aria-checked', 'false');
  await h.shot(page, 'menus-1-format-text');
  await h.choose(menu, bold);
  expect(sent).toContain('uno command=.uno:Bold');
  await expect(page.locator('button[data-command=".uno:Bold"]')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('#input-sink')).toBeFocused();

  // The menu shows the state LibreOffice reported: Bold is checked now.
  await bar.getByRole('menuitem', { name: 'Format' }).click();
  await menu.getByRole('menuitem', { name: 'Text', exact: true }).hover();
  await expect(bold).toHaveAttribute('aria-checked', 'true');
  await h.shot(page, 'menus-2-bold-checked');
  await page.keyboard.press('Escape'); // closes the submenu
  await page.keyboard.press('Escape'); // closes the menu, focus on its title
  await expect(menu).toBeHidden();
  await expect(bar.getByRole('menuitem', { name: 'Format' })).toBeFocused();
  await page.keyboard.press('Escape'); // back to the document
  await expect(page.locator('#input-sink')).toBeFocused();

  // Format ▸ Styles: the document's paragraph styles as LibreOffice lists them (command-values).
  await bar.getByRole('menuitem', { name: 'Format' }).click();
  await menu.getByRole('menuitem', { name: 'Styles', exact: true }).hover();
  const heading2 = page.locator('.popup-menu [data-id="style:Heading 2"]');
  await expect(heading2).toBeVisible();
  expect(await page.locator('.popup-menu [data-id^="style:"]').count()).toBeGreaterThan(20);
  await expect(page.locator('.popup-menu [data-id="style:Standard"] .menu-label')).toHaveText('Default Paragraph Style');
  await h.shot(page, 'menus-2b-styles');
  await heading2.click();
  await expect.poll(() => page.evaluate(() => window.oxool.menus.states.get('.uno:StyleApply'))).toBe('Heading 2');
  await bar.getByRole('menuitem', { name: 'Format' }).click();
  await menu.getByRole('menuitem', { name: 'Styles', exact: true }).hover();
  await expect(heading2).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await expect(page.locator('#input-sink')).toBeFocused();

  // The font box suggests the kit's fonts (command-values), not a list written into the page.
  await page.locator('#font-name').focus();
  await expect.poll(() => page.locator('#font-names option').count()).toBeGreaterThan(8);
  await expect(page.locator('#font-names option[value="Liberation Serif"]')).toHaveCount(1);
  await page.locator('#font-name').press('Escape');

  // Keyboard: F10, Right ×4 to Format, Enter opens it, T opens Text, Enter on Bold.
  await page.keyboard.press('F10');
  await expect(bar.getByRole('menuitem', { name: 'File' })).toBeFocused();
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  await expect(bar.getByRole('menuitem', { name: 'Format' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(menu).toBeVisible();
  await page.keyboard.press('t');
  await expect(bold).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('button[data-command=".uno:Bold"]')).toHaveAttribute('aria-pressed', 'false');
  expect(sent.filter((m) => m === 'uno command=.uno:Bold')).toHaveLength(2);
  // F10 went to the menu, never to LibreOffice.
  expect(sent.some((m) => m.startsWith('key ') && / code=777\b/.test(m))).toBe(false);

  // Alt+O opens Format; Left walks the menubar with the menu open; Alt+A opens Table.
  await page.keyboard.press('Alt+o');
  await expect(menu).toBeVisible();
  await expect(bar.getByRole('menuitem', { name: 'Format' })).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(bar.getByRole('menuitem', { name: 'Insert' })).toHaveAttribute('aria-expanded', 'true');
  await expect(page.locator('#menubar-menu [data-command=".uno:InsertPagebreak"]')).toBeFocused();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await expect(page.locator('#input-sink')).toBeFocused();
  await page.keyboard.press('Alt+a');
  await expect(bar.getByRole('menuitem', { name: 'Table' })).toHaveAttribute('aria-expanded', 'true');
  await expect(page.locator('#menubar-menu [data-command=".uno:InsertTable"]')).toBeFocused();
  // Table commands are disabled outside a table, as LibreOffice says.
  await expect(page.locator('#menubar-menu [data-command=".uno:InsertRowsBefore"]')).toBeDisabled();
  await h.shot(page, 'menus-3-table-by-keyboard');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');

  // View ▸ Formatting Marks toggles LibreOffice's view state, checked afterwards.
  await bar.getByRole('menuitem', { name: 'View' }).click();
  await page.locator('#menubar-menu [data-command=".uno:ControlCodes"]').click();
  await bar.getByRole('menuitem', { name: 'View' }).click();
  await expect(page.locator('#menubar-menu [data-command=".uno:ControlCodes"]')).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('Escape');

  // Format ▸ Paragraph… sends LibreOffice's command; LibreOffice's dialog comes back as a window
  // of this view (drawn by the dialog modules); closed again here.
  await bar.getByRole('menuitem', { name: 'Format' }).click();
  await page.locator('#menubar-menu [data-command=".uno:ParagraphDialog"]').click();
  expect(sent).toContain('uno command=.uno:ParagraphDialog');
  await expect.poll(() => received.find((m) => m.startsWith('event kind=WINDOW') && /"action": ?"created"/.test(m) && /"title": ?"Paragraph"/.test(m)), { timeout: 60_000 }).toBeTruthy();
  const created = JSON.parse(received.find((m) => m.startsWith('event kind=WINDOW') && /"title": ?"Paragraph"/.test(m)).split('\n').slice(1).join('\n'));
  await page.evaluate((id) => window.oxool.conn.send('window-close', { id }), created.id);
  await expect.poll(() => received.some((m) => m.startsWith('event kind=WINDOW') && /"action": ?"close"/.test(m))).toBe(true);
  await page.keyboard.press('Escape');

  // Tools ▸ Language ▸ For Paragraph: LibreOffice's own form of the command, with its argument.
  await bar.getByRole('menuitem', { name: 'Tools' }).click();
  await page.locator('#menubar-menu').getByRole('menuitem', { name: 'Language', exact: true }).hover();
  await page.locator('.popup-menu').getByRole('menuitem', { name: 'For Paragraph' }).hover();
  const none = page.locator('.popup-menu [data-id="lang:none"]');
  await expect(none).toBeVisible();
  await h.shot(page, 'menus-4-language');
  await none.click();
  await expect.poll(() => sent.find((m) => m.startsWith('uno command=.uno:LanguageStatus'))).toBe(
    'uno command=.uno:LanguageStatus args={"Language":{"type":"string","value":"Paragraph_LANGUAGE_NONE"}}',
  );
  // LibreOffice took it: the paragraph's language is no longer English.
  await expect.poll(() => page.evaluate(() => window.oxool.menus.states.get('.uno:LanguageStatus'))).not.toMatch(/en-US/);
  await h.settle(page);
});

test('Calc and Impress have their own menubars', async ({ page }) => {
  await h.openEditor(page, (await h.links('menus.ods', 'Mona')).edit);
  const bar = page.locator('#menubar');
  await expect(bar.getByRole('menuitem')).toHaveText(['File', 'Edit', 'View', 'Insert', 'Format', 'Sheet', 'Data', 'Tools', 'Help']);
  await bar.getByRole('menuitem', { name: 'Sheet' }).click();
  await expect(page.locator('#menubar-menu [data-command=".uno:InsertRowsBefore"]')).toBeEnabled();
  await h.shot(page, 'menus-5-calc-sheet');
  // Sheet ▸ Insert Rows Above on A1: the 2 that was in A1 is in A2 now.
  await page.locator('#menubar-menu [data-command=".uno:InsertRowsBefore"]').click();
  await page.locator('#cell-address').fill('A2');
  await page.locator('#cell-address').press('Enter');
  await expect(page.locator('#formula-input')).toHaveValue('2');
  await h.openEditor(page, (await h.links('menus.odp', 'Mona')).edit);
  await expect(bar.getByRole('menuitem')).toHaveText(['File', 'Edit', 'View', 'Insert', 'Format', 'Slide', 'Tools', 'Help']);
  await bar.getByRole('menuitem', { name: 'Slide' }).click();
  await expect(page.locator('#menubar-menu [data-command=".uno:InsertPage"]')).toBeVisible();
  await h.shot(page, 'menus-6-impress-slide');
  // Slide ▸ New Slide: the presentation has three slides.
  const parts = await page.evaluate(() => Number(window.oxool.status.parts));
  await page.locator('#menubar-menu [data-command=".uno:InsertPage"]').click();
  await expect.poll(() => page.evaluate(() => Number(window.oxool.status.parts))).toBe(parts + 1);
  await h.settle(page);
});
