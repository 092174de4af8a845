// LibreOffice's own context menu (LOK_CALLBACK_CONTEXT_MENU): a right click sends LibreOffice's
// right button (buttons=4), the browser's menu stays shut, and the entries are LibreOffice's
// for that spot, with their submenus; one of them runs. Shift+F10 asks for it at the cursor.
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

test('right click shows LibreOffice\'s context menu and runs its commands', async ({ page }) => {
  const sent = h.recordSent(page);
  await h.openEditor(page, (await h.links('context.docx', 'Carl')).edit);
  // The browser's own menu would show as a `contextmenu` event nobody prevented.
  await page.evaluate(() => {
    window.browserMenus = 0;
    window.addEventListener('contextmenu', (e) => { if (!e.defaultPrevented) window.browserMenus += 1; });
  });

  // Right click on the second line ("oxool fixture text alpha").
  const caret = await page.evaluate(() => window.oxool.describe().caret);
  const p = await h.twipsToClient(page, 1418 + 1200, caret.y + 414 + 200);
  await page.mouse.click(p.x, p.y, { button: 'right' });
  const menu = page.locator('#context-menu');
  await expect(menu).toBeVisible();
  expect(sent.find((m) => m.startsWith('mouse type=down'))).toMatch(/ buttons=4 /);
  expect(sent.find((m) => m.startsWith('mouse type=up'))).toMatch(/ buttons=4 /);
  expect(await page.evaluate(() => window.browserMenus)).toBe(0);
  // LibreOffice's entries (not the page's old fixed list): its submenus and its labels.
  await expect(menu.getByRole('menuitem', { name: 'Paste', exact: true })).toBeVisible();
  await expect(menu.getByRole('menuitem', { name: 'Paragraph', exact: true })).toHaveAttribute('aria-haspopup', 'menu');
  await expect(menu.getByRole('menuitem', { name: 'Page Style...' })).toBeVisible();
  // Disabled entries are left out, as LibreOffice does (nothing is selected: no Cut).
  await expect(menu.getByRole('menuitem', { name: 'Cut', exact: true })).toHaveCount(0);
  // The menu sits at the click.
  const box = await menu.boundingBox();
  expect(Math.abs(box.x - p.x)).toBeLessThan(4);
  await h.shot(page, 'context-menu-1-writer');

  // Paragraph ▸ Heading 2: LibreOffice's radio entries, then the command runs.
  await menu.getByRole('menuitem', { name: 'Paragraph', exact: true }).click();
  const heading2 = await h.popupEntry(page, '.uno:Heading2ParaStyle');
  await expect(heading2).toHaveAttribute('role', 'menuitemradio');
  await h.shot(page, 'context-menu-2-paragraph');
  await h.choose(menu, heading2);
  expect(sent.filter((m) => m.startsWith('uno command=.uno:StyleApply')).pop()).toContain('"Heading%202"');
  await expect.poll(() => page.evaluate(() => window.oxool.menus.states.get('.uno:StyleApply'))).toBe('Heading 2');

  // The keyboard's way: Shift+F10 reaches LibreOffice, whose menu opens at the cursor.
  await page.keyboard.press('Shift+F10');
  await expect(menu).toBeVisible();
  await expect(menu.getByRole('menuitem', { name: 'Paragraph', exact: true })).toBeVisible();
  const caretNow = await page.evaluate(() => window.oxool.menus.caretPoint());
  const box2 = await menu.boundingBox();
  expect(Math.abs(box2.y - caretNow.y)).toBeLessThan(40);
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(page.locator('#input-sink')).toBeFocused();

  await h.saveByKey(page);
  const xml = h.zipMember('context.docx', 'word/document.xml');
  expect(xml).toMatch(/<w:pStyle w:val="Heading2"\/>(?:(?!<\/w:p>).)*oxool fixture text alpha/s);
});

test('Calc: right click on a cell shows LibreOffice\'s cell menu', async ({ page }) => {
  await h.openEditor(page, (await h.links('menus.ods', 'Carl')).edit);
  // Cell B3 of the first sheet, from A1's cell cursor (columns and rows of the default size).
  await expect.poll(() => page.evaluate(() => !!window.oxool.overlays.own.cell)).toBe(true);
  const a1 = await page.evaluate(() => window.oxool.overlays.own.cell);
  const p = await h.twipsToClient(page, a1.x + 1.5 * a1.w, a1.y + 2.5 * a1.h);
  await page.mouse.click(p.x, p.y, { button: 'right' });
  const menu = page.locator('#context-menu');
  await expect(menu).toBeVisible();
  await expect(menu.getByRole('menuitem', { name: /Format Cells/ })).toBeVisible();
  await expect(page.locator('#cell-address')).toHaveValue('B3');
  await h.shot(page, 'context-menu-3-calc');
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
});

test('LibreOffice\'s menu commands with arguments and aliases become `uno` messages', async ({ page }) => {
  await h.openEditor(page, (await h.links('context.docx', 'Carl')).edit);
  const requests = await page.evaluate(async () => {
    const { unoRequest } = await import('./src/commands.js');
    return [
      '.uno:SpellCheckApplySuggestion?ApplyRule:string=Spelling_sentence',
      '.uno:LanguageStatus?Language:string=Current_French (France)',
      '.uno:SpellCheckIgnoreAll?Type:string=Spelling',
      '.uno:Text?CreateDirectly:bool=true',
      '.uno:Heading2ParaStyle',
      '.uno:Bold',
    ].map((c) => unoRequest(c));
  });
  expect(requests).toEqual([
    { command: '.uno:SpellCheckApplySuggestion', args: '{"ApplyRule":{"type":"string","value":"Spelling_sentence"}}' },
    { command: '.uno:LanguageStatus', args: '{"Language":{"type":"string","value":"Current_French (France)"}}' },
    { command: '.uno:SpellCheckIgnoreAll', args: '{"Type":{"type":"string","value":"Spelling"}}' },
    { command: '.uno:Text', args: '{"CreateDirectly":{"type":"boolean","value":true}}' },
    { command: '.uno:StyleApply', args: '{"Style":{"type":"string","value":"Heading 2"},"FamilyName":{"type":"string","value":"ParagraphStyles"}}' },
    { command: '.uno:Bold' },
  ]);
});
