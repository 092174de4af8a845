// Dialogs with several people and their connections, real kits: two users with a dialog each
// at once, Escape closing every kind of dialog (and a dropdown inside one), and a dialog left
// open by someone who leaves, which blocks nobody.
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const d = require('../support/dialogs');

const { expect } = h;

test('two users, two dialogs at once: each sees and drives only their own', async ({ browser }) => {
  const alice = await browser.newContext();
  const bob = await browser.newContext();
  const a = await alice.newPage();
  const b = await bob.newPage();
  await h.openEditor(a, (await h.links('dlg-two.odt', 'Alice')).edit);
  await h.openEditor(b, (await h.links('dlg-two.odt', 'Bob')).edit);
  await a.locator('#input-sink').focus();
  await h.pressAndSeeCaret(a, 'Control+End');

  await d.menu(a, 'Format', 'Paragraph…');
  await d.menu(b, 'Table', 'Insert Table…');
  const wa = await d.paintedDialog(a, /^Paragraph$/);
  const wb = await d.paintedDialog(b, /Insert Table/);
  // Each page shows its own dialog only.
  expect((await d.dialogs(a)).windows.map((w) => w.title)).toEqual(['Paragraph']);
  expect((await d.dialogs(b)).windows.map((w) => w.title)).toEqual(['Insert Table']);
  expect((await d.canvasInfo(a, wa.id)).ink).toBeGreaterThan(0.005);
  expect((await d.canvasInfo(b, wb.id)).ink).toBeGreaterThan(0.005);

  // Alice types into hers and applies it while Bob's stays open; then Bob uses his.
  await a.keyboard.press('Alt+b');
  await a.keyboard.press('Control+a');
  await a.keyboard.type('0.5"');
  await d.dialogSettled(a, wa.id);
  await h.shot(a, 'dialogs-multi-1-alice-paragraph');
  await a.keyboard.press('Enter');
  await d.noDialog(a);
  expect((await d.dialogs(b)).windows.map((w) => w.title)).toEqual(['Insert Table']);
  await d.clickWindow(b, wb.id, 130, 74); // into Columns
  await b.keyboard.press('Control+a');
  await b.keyboard.type('4');
  await d.dialogSettled(b, wb.id);
  await h.shot(b, 'dialogs-multi-2-bob-table');
  await b.keyboard.press('Enter');
  await d.noDialog(b);
  await h.settle(a);
  await h.settle(b);
  await h.shot(b, 'dialogs-multi-3-both-applied');
  await a.keyboard.press('Control+s');
  await h.waitSaved(a);
  const content = h.zipMember('dlg-two.odt', 'content.xml');
  expect(content).toMatch(/<table:table-column [^>]*table:number-columns-repeated="4"/);
  const styles = content + h.zipMember('dlg-two.odt', 'styles.xml');
  expect(styles).toMatch(/fo:margin-left="(0\.5in|1\.27cm)"/);
  await alice.close();
  await bob.close();
});

test('Escape closes every dialog: painted, a dropdown inside one, JSDialog', async ({ page }) => {
  const sent = d.recordSent(page);
  await h.openEditor(page, (await h.links('dlg-escape.odt', 'Esther')).edit);
  await page.locator('#input-sink').focus();
  await h.pressAndSeeCaret(page, 'Control+End');

  // A painted dialog with a dropdown list open in it: Escape closes the list, then the dialog.
  await d.menu(page, 'Format', 'Paragraph…');
  const win = await d.paintedDialog(page, /^Paragraph$/);
  await d.clickWindow(page, win.id, 82, 320); // the Line Spacing list box ("Single")
  await page.waitForFunction(() => window.oxool.describe().dialogs.windows.some((w) => w.parentId !== null && w.painted > 0), null, { timeout: 30_000 });
  const child = (await d.dialogs(page)).windows.find((w) => w.parentId !== null);
  expect(child.parentId).toBe(win.id);
  await h.shot(page, 'dialogs-escape-1-dropdown');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => window.oxool.describe().dialogs.windows.every((w) => w.parentId === null), null, { timeout: 30_000 });
  expect((await d.dialogs(page)).windows.map((w) => w.title)).toEqual(['Paragraph']);
  await page.keyboard.press('Escape');
  await d.noDialog(page);
  expect(sent.filter((m) => m.startsWith(`window-key id=${win.id} type=input char=27 code=1281`))).toHaveLength(2);

  // Insert Table, the hyperlink dialog (Ctrl+K), Find & Replace (JSDialog): Escape each.
  for (const open of [
    () => d.menu(page, 'Table', 'Insert Table…'),
    () => page.keyboard.press('Control+k'),
    () => d.menu(page, 'Edit', 'Find & Replace…'),
  ]) {
    await open();
    await page.waitForFunction(() => {
      const x = window.oxool.describe().dialogs;
      return x.windows.some((w) => w.painted > 0) || x.jsdialogs.length > 0;
    }, null, { timeout: 60_000 });
    await page.keyboard.press('Escape');
    await d.noDialog(page);
  }

  // The document has the keyboard again.
  await page.keyboard.type(' after');
  await h.settle(page);
  await h.shot(page, 'dialogs-escape-2-typed-after');
  await page.keyboard.press('Control+s');
  await h.waitSaved(page);
  expect(await h.storedText('dlg-escape.odt')).toContain('second paragraph beta after');
});

test('a dialog left open by someone who leaves is closed and blocks nobody', async ({ browser }) => {
  const leaver = await browser.newContext();
  const stayer = await browser.newContext();
  const l = await leaver.newPage();
  const s = await stayer.newPage();
  await h.openEditor(l, (await h.links('dlg-leave.odt', 'Leo')).edit);
  await h.openEditor(s, (await h.links('dlg-leave.odt', 'Stella')).edit);
  await d.menu(l, 'Format', 'Paragraph…');
  await d.paintedDialog(l, /^Paragraph$/);
  // Stella never sees Leo's dialog.
  await s.waitForTimeout(500);
  expect((await d.dialogs(s)).windows).toEqual([]);
  // Leo closes his tab with the dialog open.
  await leaver.close();
  await expect(s.locator('#user-list .user')).toHaveCount(1);

  // Stella opens a dialog herself, uses it, and types in the document.
  await s.locator('#input-sink').focus();
  await h.pressAndSeeCaret(s, 'Control+End');
  await d.menu(s, 'Format', 'Paragraph…');
  const win = await d.paintedDialog(s, /^Paragraph$/);
  await s.keyboard.press('Alt+b');
  await s.keyboard.press('Control+a');
  await s.keyboard.type('0.5"');
  await d.dialogSettled(s, win.id);
  await s.keyboard.press('Enter');
  await d.noDialog(s);
  await s.keyboard.type(' Stella typed');
  await h.settle(s);
  await h.shot(s, 'dialogs-leave-1-stella');
  await s.keyboard.press('Control+s');
  await h.waitSaved(s);
  expect(await h.storedText('dlg-leave.odt')).toContain('second paragraph beta Stella typed');
  expect(h.zipMember('dlg-leave.odt', 'content.xml')).toMatch(/fo:margin-left="(0\.5in|1\.27cm)"/);
  await stayer.close();
});
