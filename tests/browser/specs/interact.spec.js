// Mouse, toolbar, context menu, clipboard, zoom and HiDPI on a Writer document, at a device
// pixel ratio of 2: tiles are asked for at 512 px for the same twips, so text stays crisp.
const fs = require('node:fs');
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

test.use({ deviceScaleFactor: 2 });

test('HiDPI tiles, zoom, mouse selection, context menu, toolbar, paste, download', async ({ page }) => {
  const sent = h.recordSent(page);
  await h.openEditor(page, (await h.links('interact.docx', 'Grace')).edit);
  const layer = await page.evaluate(() => window.oxool.describe().layer);
  expect(layer.dpr).toBe(2);
  expect(layer.tilePx).toBe(512);
  expect(sent.find((m) => m.startsWith('tiles '))).toMatch(/width=512 height=512 tw=3840 th=3840/);
  await h.shot(page, 'interact-1-hidpi');

  // Zoom steps and fit width: the tile geometry follows, the document is drawn again.
  await page.locator('[data-zoom=in]').click();
  await expect(page.locator('#zoom-level')).toHaveText('125 %');
  await h.settle(page);
  expect((await page.evaluate(() => window.oxool.describe().layer)).tileTwips).toBe(3072);
  await page.locator('[data-zoom=out]').click();
  await page.locator('[data-zoom=out]').click();
  await expect(page.locator('#zoom-level')).toHaveText('75 %');
  await h.settle(page);
  await page.locator('[data-zoom=fit]').click();
  await h.settle(page);
  const fit = await page.evaluate(() => {
    const l = window.oxool.layer;
    return { left: l.twipsToCss(0, 0).x, right: l.twipsToCss(l.docW, 0).x, view: l.viewSize().w };
  });
  expect(fit.right - fit.left).toBeGreaterThan(fit.view - 40);
  expect(fit.right).toBeLessThanOrEqual(fit.view);
  await h.shot(page, 'interact-2-fit-width');
  await page.locator('[data-zoom=fit]').click();
  await page.evaluate(() => window.oxool.layer.setZoom(1));
  await h.settle(page);

  // Double click on "alpha" (second line of the fixture) selects the word.
  const caret0 = await page.evaluate(() => window.oxool.describe().caret);
  const word = await h.twipsToClient(page, 1418 + 1900, caret0.y + 414 + 200);
  await page.mouse.dblclick(word.x, word.y);
  await expect(page.locator('#doc-sizer .own-sel')).toHaveCount(1);
  // Drag across the line extends the selection.
  const lineStart = await h.twipsToClient(page, 1418, caret0.y + 414 + 200);
  await page.mouse.move(lineStart.x, lineStart.y);
  await page.mouse.down();
  await page.mouse.move(word.x + 40, word.y, { steps: 5 });
  await page.mouse.up();
  await expect(page.locator('#doc-sizer .own-sel').first()).toBeVisible();
  expect(sent.some((m) => m.startsWith('mouse type=move'))).toBe(true);

  // Right click in the selection: LibreOffice's context menu (specs/context-menu.spec.js has
  // more); Escape closes it. Then Bold from the toolbar.
  await page.mouse.click(word.x - 20, word.y, { button: 'right' });
  const menu = page.locator('#context-menu');
  await expect(menu).toBeVisible();
  await expect(menu.getByRole('menuitem', { name: 'Copy', exact: true })).toBeEnabled();
  await page.keyboard.press('Escape');
  await expect(menu).toBeHidden();
  await expect(page.locator('#doc-sizer .own-sel').first()).toBeVisible();
  await page.locator('button[data-command=".uno:Bold"]').click();
  await expect(page.locator('button[data-command=".uno:Bold"]')).toHaveAttribute('aria-pressed', 'true');
  // Undo from the toolbar takes the bold back.
  await expect(page.locator('button[data-command=".uno:Undo"]')).toBeEnabled();
  await page.locator('button[data-command=".uno:Undo"]').click();
  await expect(page.locator('button[data-command=".uno:Bold"]')).toHaveAttribute('aria-pressed', 'false');

  // Font size from the toolbar, on the selection.
  await page.locator('#font-size').fill('20');
  await page.locator('#font-size').press('Enter');
  await expect(page.locator('#font-size')).toHaveValue('20');
  expect(sent.some((m) => m.startsWith('uno command=.uno:FontHeight'))).toBe(true);

  // Paste of plain text from the system clipboard (a paste event with text/plain), at the
  // end of the document once the caret is there.
  await expect(page.locator('#input-sink')).toBeFocused();
  const beforeEnd = await page.evaluate(() => window.oxool.describe().caret.y);
  await page.keyboard.press('Control+End');
  await page.waitForFunction((y) => window.oxool.describe().caret.y > y && window.oxool.describe().selection.length === 0, beforeEnd);
  await page.evaluate(() => {
    const data = new DataTransfer();
    data.setData('text/plain', ' pasted text');
    document.getElementById('input-sink').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
  // IME: a composition is sent once, when it is committed (here through Chromium's IME API).
  const cdp = await page.context().newCDPSession(page);
  const textsBefore = sent.filter((m) => m.startsWith('text ')).length;
  await cdp.send('Input.imeSetComposition', { text: '´', selectionStart: 1, selectionEnd: 1 });
  await cdp.send('Input.imeSetComposition', { text: 'é', selectionStart: 1, selectionEnd: 1 });
  await cdp.send('Input.insertText', { text: 'é' });
  await expect.poll(() => sent.filter((m) => m.startsWith('text ')).slice(textsBefore)).toEqual(['text text=%C3%A9']);
  await h.settledShot(page, 'interact-3-edited');

  // Download as PDF through the toolbar's menu.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    (async () => {
      await page.locator('button[data-action=download]').click();
      await page.getByRole('menuitem', { name: 'PDF' }).click();
    })(),
  ]);
  expect(download.suggestedFilename()).toBe('interact.pdf');
  const file = `${h.artifactsDir()}/interact.pdf`;
  await download.saveAs(file);
  const text = require('node:child_process').execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
  expect(text).toContain('second paragraph beta pasted texté');
  expect(fs.statSync(file).size).toBeGreaterThan(1000);
});
