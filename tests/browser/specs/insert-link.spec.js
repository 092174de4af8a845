// Hyperlinks with two users (issue 12.6): Alice inserts one with Ctrl+K (LibreOffice's painted
// dialog), Bob's tiles show it; Bob clicks into it and the link bar names it (LibreOffice's
// INVALIDATE_VISIBLE_CURSOR `hyperlink`); its Open… asks first: Cancel opens nothing, Open opens
// it in a new tab without an opener. The stored docx has the link. Alice edits the address with
// the bar's Edit… and removes the link with Remove; the stored docx follows each step.
// LibreOffice 7.4 sent no HYPERLINK_CLICKED for a click or a Ctrl+click on a link here; the page
// handles it the same way if it comes.
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const d = require('../support/dialogs');

const { expect } = h;

/** Client point of the caret of `page`, moved `dx` CSS px sideways. */
async function besideCaret(page, dx) {
  return page.evaluate((shift) => {
    const o = window.oxool;
    const c = o.describe().caret;
    const p = o.layer.twipsToCss(c.x, c.y + c.h / 2);
    const r = o.layer.sizer.getBoundingClientRect();
    return { x: r.left + p.x + shift, y: r.top + p.y };
  }, dx);
}

/** Ctrl+K, address typed over the URL field (and text when given), OK. */
async function linkDialog(page, url, text) {
  await page.keyboard.press('Control+k');
  const win = await d.paintedDialog(page, /Hyperlink/);
  await page.keyboard.press('Alt+u'); // URL
  await page.keyboard.press('Control+a');
  await page.keyboard.type(url);
  if (text) {
    await d.clickWindow(page, win.id, Math.round(win.width * 0.73), 107); // Text
    await page.keyboard.type(text);
  }
  await d.dialogSettled(page, win.id);
  await d.clickOk(page, win);
  await d.noDialog(page);
}

test('insert, open with a confirmation, edit, remove: two users', async ({ browser }) => {
  const { contexts: [alice, bob], pages: [a, b] } = await h.openTogether(browser, 'ins-link.docx', ['Alice', 'Bob']);
  // A link the test can follow: this server's own index page.
  const target = `${process.env.OXOOL_BASE_URL}/?from=link`;

  await h.caretToEnd(a);
  await linkDialog(a, target, 'the link');
  await h.settledShot(a, 'insert-link-1-alice');

  // Bob: to the end of the text, just after the link, then Ctrl+click into it.
  await h.caretToEnd(b);
  await h.settledShot(b, 'insert-link-2-bob-sees-it');
  // A click into the link: the caret is in it, and the link bar under it names it.
  const onLink = await besideCaret(b, -20);
  await b.mouse.click(onLink.x, onLink.y);
  const bar = b.locator('#link-bar');
  await expect(bar).toBeVisible();
  await expect(bar.locator('.link-bar-url')).toHaveText(target);
  await h.shot(b, 'insert-link-3-link-bar');
  await bar.getByRole('button', { name: 'Open…' }).click();
  const prompt = b.locator('#link-open');
  await expect(prompt).toBeVisible();
  await expect(prompt.locator('.link-open-url')).toHaveText(target);
  await h.shot(b, 'insert-link-4-confirm');
  await prompt.getByRole('button', { name: 'Cancel' }).click();
  await expect(prompt).toBeHidden();
  expect(bob.pages()).toHaveLength(1);

  await bar.getByRole('button', { name: 'Open…' }).click();
  await expect(prompt).toBeVisible();
  const [opened] = await Promise.all([
    bob.waitForEvent('page'),
    prompt.getByRole('button', { name: 'Open' }).click(),
  ]);
  await opened.waitForLoadState();
  expect(opened.url()).toBe(target);
  expect(await opened.evaluate(() => window.opener)).toBeNull();
  await opened.close();

  // Alice's caret into the link shows her the bar too; the stored docx has the link.
  await a.locator('#input-sink').focus();
  await h.pressAndSeeCaret(a, 'ArrowLeft');
  await h.pressAndSeeCaret(a, 'ArrowLeft');
  const aliceBar = a.locator('#link-bar');
  await expect(aliceBar.locator('.link-bar-url')).toHaveText(target);
  await h.saveByKey(a);
  expect(h.zipMember('ins-link.docx', 'word/_rels/document.xml.rels')).toContain(`Target="${target}"`);

  // Edit…: LibreOffice's Hyperlink dialog on the whole link; a new address replaces the old.
  await aliceBar.getByRole('button', { name: 'Edit…' }).click();
  const win = await d.paintedDialog(a, /Hyperlink/);
  await a.keyboard.press('Alt+u');
  await d.typeOver(a, win.id, 'https://example.org/edited');
  await h.shot(a, 'insert-link-5-edit');
  await d.clickOk(a, win);
  await d.noDialog(a);
  await h.settle(a);
  await h.saveByKey(a);
  const rels = h.zipMember('ins-link.docx', 'word/_rels/document.xml.rels');
  expect(rels).toContain('https://example.org/edited');
  expect(rels).not.toContain('from=link');
  expect(await h.storedText('ins-link.docx')).toContain('second paragraph betathe link');

  // Remove: the link goes, its text stays.
  await a.locator('#input-sink').focus();
  await a.keyboard.press('Control+End'); // the edited link is still selected, its end is the end
  await h.pressAndSeeCaret(a, 'ArrowLeft');
  await expect(aliceBar.locator('.link-bar-url')).toHaveText('https://example.org/edited');
  await aliceBar.getByRole('button', { name: 'Remove' }).click();
  await expect(aliceBar).toBeHidden();
  await h.serverRoundTrip(a);
  await h.settle(a);
  await h.saveByKey(a);
  expect(h.zipMember('ins-link.docx', 'word/document.xml')).not.toContain('<w:hyperlink');
  expect(await h.storedText('ins-link.docx')).toContain('second paragraph betathe link');
  await alice.close();
  await bob.close();
});

test('a link of another kind is not offered: javascript: gets a warning, no prompt', async ({ page }) => {
  await h.openEditor(page, (await h.links('ins-link.docx', 'Carol')).edit);
  const opened = await page.evaluate(async () => {
    const { confirmOpenLink } = await import('/browser/dist/src/hyperlinks.js');
    const toasts = [];
    const result = await confirmOpenLink('javascript:alert(1)', (t) => toasts.push(t));
    return { result, toasts, prompt: !!document.getElementById('link-open') };
  });
  expect(opened.result).toBe(false);
  expect(opened.prompt).toBe(false);
  expect(opened.toasts[0]).toContain('cannot be opened');
});
