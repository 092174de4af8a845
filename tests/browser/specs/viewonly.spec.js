// A view-only session: the banner shows, editing controls are off, typing changes nothing in
// the page or in storage, and input forced onto the wire is refused by the server. It may still
// select with the mouse and copy (issue 12.7).
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

/** The SHA-256 of the stored file `name`: a view-only session must leave it as it was. */
function storedDigest(name) {
  const stored = path.join(process.env.OXOOL_DOCUMENTS, name);
  return crypto.createHash('sha256').update(fs.readFileSync(stored)).digest('hex');
}

test('view-only: banner, no input, nothing changes', async ({ page }) => {
  const before = storedDigest('viewonly.docx');
  const sent = h.recordSent(page);

  await h.openEditor(page, (await h.links('viewonly.docx', 'Erin')).view);
  await expect(page.locator('#readonly-banner')).toBeVisible();
  await expect(page.locator('#readonly-banner')).toContainText('View only');
  await expect(page.locator('button[data-command=".uno:Bold"]')).toBeDisabled();
  await expect(page.locator('button[data-action=save]')).toBeDisabled();
  await expect(page.locator('#font-name')).toBeDisabled();
  await expect(page.locator('#user-list .user[data-name="Erin"]')).toHaveAttribute('title', /viewing/);

  const view = await page.evaluate(() => ({ x: 0, y: 0, w: window.oxool.layer.scroller.clientWidth, h: window.oxool.layer.scroller.clientHeight }));
  const pixels = await h.canvasHash(page, view);
  await page.mouse.click(400, 250);
  await page.locator('#input-sink').focus();
  await page.keyboard.type('this must not appear');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Control+b');
  await page.keyboard.press('Control+s');
  // Key handlers send synchronously: once a ping sent after the keys is answered, anything
  // they sent has been sent and handled by the server.
  await h.serverRoundTrip(page);
  // (The click is sent: selecting is allowed, LibreOffice's read-only view does not edit.)
  expect(sent.filter((m) => /^(text|key|save|uno command=\.uno:Bold)\b/.test(m))).toEqual([]);
  await expect(page.locator('#save-state')).toHaveAttribute('data-modified', '0');
  expect(await h.canvasHash(page, view)).toBe(pixels);

  // Input that reaches the server anyway is refused, and the page says why.
  await page.evaluate(() => window.oxool.conn.send('text', { text: 'forced' }));
  await expect(page.locator('#toasts .toast.error')).toContainText('viewing only');
  await expect.poll(() => page.evaluate(() => window.oxool.describe().lastError && window.oxool.describe().lastError.kind)).toBe('readonly');
  await h.serverRoundTrip(page);
  expect(await h.canvasHash(page, view)).toBe(pixels);
  await expect(page.locator('#save-state')).toHaveAttribute('data-modified', '0');
  await h.shot(page, 'viewonly');

  // Downloading is allowed for view-only sessions.
  const pdf = await h.downloadAs(page, 'pdf');
  expect(fs.readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
  expect(storedDigest('viewonly.docx')).toBe(before);
});

test.describe('view-only selection', () => {
  test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

  test('view-only: a double click selects a word, Ctrl+C copies it, nothing changes', async ({ page }) => {
    const before = storedDigest('viewonly-copy.docx');
    const sent = h.recordSent(page);
    await h.openEditor(page, (await h.links('viewonly-copy.docx', 'Erin')).view);
    await expect(page.locator('#readonly-banner')).toBeVisible();

    // The heading's first word: simple.docx's margin is 1134 twips, the heading 240 below it.
    const word = await h.twipsToClient(page, 1134 + 200, 1134 + 240 + 150);
    await page.mouse.dblclick(word.x, word.y);
    await page.waitForFunction(() => window.oxool.describe().selection.length > 0);
    await h.settledShot(page, 'viewonly-selected');
    await page.keyboard.press('Control+c');
    await expect.poll(() => page.evaluate(async () => {
      try {
        return await navigator.clipboard.readText();
      } catch {
        return null;
      }
    })).toBe('oxool');

    // Shift+End extends the selection: navigation keys reach LibreOffice.
    await page.keyboard.press('Shift+End');
    await page.keyboard.press('Control+c');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText().catch(() => null)))
      .toBe('oxool fixture heading');

    // A drag sends its press and release but no moves (a drag could move an image or a shape:
    // LibreOffice 7.4's views are never read-only themselves); typing is not sent.
    await page.mouse.move(word.x, word.y);
    await page.mouse.down();
    await page.mouse.move(word.x + 40, word.y + 60, { steps: 6 });
    await page.mouse.up();
    await page.keyboard.type('gone');
    await page.keyboard.press('Delete');
    await h.serverRoundTrip(page);
    expect(sent.filter((m) => /^(text|mouse type=move)\b/.test(m))).toEqual([]);
    expect(sent.filter((m) => m.startsWith('mouse type=down')).length).toBeGreaterThan(2);
    await expect(page.locator('#save-state')).toHaveAttribute('data-modified', '0');
    const text = await h.downloadAs(page, 'txt');
    expect(fs.readFileSync(text, 'utf8')).toContain('oxool fixture heading\noxool fixture text alpha');
    expect(storedDigest('viewonly-copy.docx')).toBe(before);
  });
});
