// A modal LibreOffice dialog blocks its own user's document, and nobody else's: while Alice's
// Format ▸ Paragraph is open, her clicks on the document, the menubar and her keys reach
// nothing but the dialog (a dim layer lies under it), while Bob edits as usual. A modeless
// dialog (Word Count) blocks nothing.
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const d = require('../support/dialogs');

const { expect } = h;

/** Document input among `sent` (what reaches LibreOffice's document, not a dialog). */
const docInput = (sent) => sent.filter((m) => /^(key|text|mouse|uno|paste) /.test(m));

async function clickDocument(page, dx = 220, dy = 120) {
  const box = await page.locator('#doc-canvas').boundingBox();
  await page.mouse.click(box.x + dx, box.y + dy);
}

/**
 * Clicks the document, goes to its end and types `text`, as a person adds to it; returns what
 * `page` sent meanwhile (`sent` records all it sends).
 */
async function clickAndType(page, sent, text) {
  const from = sent.length;
  await clickDocument(page);
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text);
  await h.settle(page);
  return sent.slice(from);
}

test('Alice\'s modal dialog blocks her clicks and keys on the document, not Bob\'s', async ({ browser }) => {
  const { contexts: [alice, bob], pages: [a, b], prepared: [sentA, sentB] } = await h.openTogether(
    browser, 'dlg-modal.odt', ['Alice', 'Bob'], { beforeOpen: d.recordSent });

  const win = await d.menuDialog(a, 'Format', 'Paragraph…', /^Paragraph$/);
  expect(win.modal).toBe(true);
  await expect(a.locator('.dialog-backdrop')).toBeVisible();
  const from = sentA.length;

  // Alice: a click on the document, on the menubar, the right button, the wheel, a key with the
  // document's keyboard focused: none reaches the document; the dialog keeps the keyboard.
  await clickDocument(a);
  await clickDocument(a, 300, 200);
  const canvas = await a.locator('#doc-canvas').boundingBox();
  await a.mouse.click(canvas.x + 260, canvas.y + 160, { button: 'right' });
  await a.mouse.wheel(0, 300);
  await a.locator('#menubar').getByRole('menuitem', { name: 'Edit', exact: true }).click({ force: true });
  await expect(a.locator('#menubar-menu')).toBeHidden();
  await a.locator('#input-sink').focus();
  expect(await a.evaluate(() => !!document.activeElement.closest('.dialog'))).toBe(true);
  await a.keyboard.press('Control+b');
  await a.waitForTimeout(500);
  expect(docInput(sentA.slice(from))).toEqual([]);
  expect((await d.dialogs(a)).windows.map((w) => w.title)).toEqual(['Paragraph']);
  // Tab and Shift+Tab in a painted dialog are LibreOffice's: they move its own focus.
  await a.keyboard.press('Tab');
  await a.keyboard.press('Shift+Tab');
  expect(sentA.slice(from).filter((m) => /^window-key .*type=input char=9 /.test(m)))
    .toEqual([`window-key id=${win.id} type=input char=9 code=1282`, `window-key id=${win.id} type=input char=9 code=${1282 | 0x1000}`]);
  await h.shot(a, 'dialogs-modal-1-alice-blocked');

  // Bob's page knows nothing of Alice's dialog: he clicks and types in the document.
  await expect(b.locator('.dialog-backdrop')).toHaveCount(0);
  const bobSent = await clickAndType(b, sentB, ' Bob typed');
  expect(bobSent.some((m) => m.startsWith('mouse '))).toBe(true);
  expect(bobSent.some((m) => /^(key|text) /.test(m))).toBe(true);
  await h.shot(b, 'dialogs-modal-2-bob-edits');

  // Escape closes Alice's dialog; the layer goes and the document is hers again.
  await a.keyboard.press('Escape');
  await d.noDialog(a);
  await expect(a.locator('.dialog-backdrop')).toHaveCount(0);
  const after = await clickAndType(a, sentA, ' Alice typed');
  expect(docInput(after).some((m) => m.startsWith('mouse '))).toBe(true);

  // A modeless dialog (Word Count) leaves the document usable.
  const count = await d.menuDialog(a, 'Tools', 'Word Count', /^Word Count$/);
  expect(count.modal).toBe(false);
  await expect(a.locator('.dialog-backdrop')).toHaveCount(0);
  const modeless = await clickAndType(a, sentA, '!');
  expect(docInput(modeless).some((m) => m.startsWith('mouse '))).toBe(true);
  expect(docInput(modeless).some((m) => /^(key|text) /.test(m))).toBe(true);
  await h.shot(a, 'dialogs-modal-3-word-count-modeless');
  await a.locator(`.dialog[data-window-id="${count.id}"] .dialog-close`).click();
  await d.noDialog(a);

  await h.saveByKey(a);
  const text = await h.storedText('dlg-modal.odt');
  expect(text).toContain('Bob typed');
  expect(text).toContain('Alice typed!');
  await alice.close();
  await bob.close();
});
