// Dialogs with several people and their connections, real kits: two users with a dialog each
// at once, Escape closing every kind of dialog (and a dropdown inside one), and a dialog left
// open by someone who leaves, which blocks nobody.
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const d = require('../support/dialogs');

const { expect } = h;

/** Types `text` into the document (it has the keyboard), shoots, saves: the stored file's text. */
async function typeAndSave(page, text, shotName, file) {
  await page.keyboard.type(text);
  await h.settledShot(page, shotName);
  await h.saveByKey(page);
  return h.storedText(file);
}

test('two users, two dialogs at once: each sees and drives only their own', async ({ browser }) => {
  const { contexts: [alice, bob], pages: [a, b] } = await h.openTogether(browser, 'dlg-two.odt', ['Alice', 'Bob']);
  await h.caretToEnd(a);

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
  await d.typeOver(a, wa.id, '0.5"');
  await h.shot(a, 'dialogs-multi-1-alice-paragraph');
  await a.keyboard.press('Enter');
  await d.noDialog(a);
  expect((await d.dialogs(b)).windows.map((w) => w.title)).toEqual(['Insert Table']);
  await d.clickWindow(b, wb.id, 130, 74); // into Columns
  await d.typeOver(b, wb.id, '4');
  await h.shot(b, 'dialogs-multi-2-bob-table');
  await b.keyboard.press('Enter');
  await d.noDialog(b);
  await h.settle(a);
  await h.settledShot(b, 'dialogs-multi-3-both-applied');
  await h.saveByKey(a);
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
  await h.caretToEnd(page);

  // A painted dialog with a dropdown list open in it: Escape closes the list, then the dialog.
  const win = await d.menuDialog(page, 'Format', 'Paragraph…', /^Paragraph$/);
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
  expect(await typeAndSave(page, ' after', 'dialogs-escape-2-typed-after', 'dlg-escape.odt')).toContain('second paragraph beta after');
});

test('a dialog left open by someone who leaves is closed and blocks nobody', async ({ browser }) => {
  const { contexts: [leaver, stayer], pages: [l, s] } = await h.openTogether(browser, 'dlg-leave.odt', ['Leo', 'Stella']);
  await d.menuDialog(l, 'Format', 'Paragraph…', /^Paragraph$/);
  // Stella never sees Leo's dialog.
  await s.waitForTimeout(500);
  expect((await d.dialogs(s)).windows).toEqual([]);
  // Leo closes his tab with the dialog open.
  await leaver.close();
  await expect(s.locator('#user-list .user')).toHaveCount(1);

  // Stella opens a dialog herself, uses it, and types in the document.
  await h.caretToEnd(s);
  const win = await d.menuDialog(s, 'Format', 'Paragraph…', /^Paragraph$/);
  await s.keyboard.press('Alt+b');
  await d.typeOver(s, win.id, '0.5"');
  await s.keyboard.press('Enter');
  await d.noDialog(s);
  expect(await typeAndSave(s, ' Stella typed', 'dialogs-leave-1-stella', 'dlg-leave.odt')).toContain('second paragraph beta Stella typed');
  expect(h.zipMember('dlg-leave.odt', 'content.xml')).toMatch(/fo:margin-left="(0\.5in|1\.27cm)"/);
  await stayer.close();
});
