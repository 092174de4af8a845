// LibreOffice's painted dialogs in the page, with real kits (LibreOffice 7.4 sends these as
// windows it paints): Format ▸ Paragraph, Insert ▸ Table, the Ctrl+K hyperlink dialog. Each
// opens as an in-page box painted with `window-tile`, takes keys and clicks, and what it does
// reaches the tiles and the stored file.
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const d = require('../support/dialogs');

const { expect } = h;

test('Format ▸ Paragraph: indent by 1", OK; the tiles show it and the stored docx has it', async ({ page }) => {
  const sent = d.recordSent(page);
  await h.openEditor(page, (await h.links('dlg-para.docx', 'Paula')).edit);
  await h.caretToEnd(page); // the last paragraph, "second paragraph beta"
  const caretBefore = await page.evaluate(() => window.oxool.describe().caret);
  const line = await page.evaluate((c) => {
    const o = window.oxool;
    const p = o.layer.twipsToCss(0, c.y);
    return { x: 0, y: Math.max(0, p.y - o.layer.scroller.scrollTop - 4), w: o.layer.scroller.clientWidth, h: 40 };
  }, caretBefore);
  const before = await h.canvasHash(page, line);

  const win = await d.menuDialog(page, 'Format', 'Paragraph…', /^Paragraph$/);
  expect(win.width).toBeGreaterThan(300);
  const box = page.locator(`.dialog-painted[data-window-id="${win.id}"]`);
  await expect(box.locator('.dialog-title')).toHaveText('Paragraph');
  // Painted: the canvas shows LibreOffice's dialog (text and frames), not an empty box.
  expect((await d.canvasInfo(page, win.id)).ink).toBeGreaterThan(0.005);
  // The keyboard is the dialog's: Alt+B is "Before text", Ctrl+A selects its value.
  await expect(box.locator('textarea.window-input')).toBeFocused();
  await page.keyboard.press('Alt+b');
  await d.typeOver(page, win.id, '1"');
  expect(sent.some((m) => m.startsWith(`window-key id=${win.id} type=input char=49 code=0`))).toBe(true);
  // …and none of it reached the document.
  const opened = sent.findIndex((m) => m.startsWith('uno command=.uno:ParagraphDialog'));
  expect(sent.slice(opened).filter((m) => /^(key|text) /.test(m))).toEqual([]);
  // The page draws the field's caret where LibreOffice says it is.
  expect((await d.dialogs(page)).windows[0].caret).not.toBeNull();
  await h.shot(page, 'dialogs-1-paragraph-indent');
  await page.keyboard.press('Enter'); // OK is the default button
  await d.noDialog(page);

  // The paragraph moved right: the tiles of its line changed, the caret moved by 1".
  await h.settle(page);
  await expect.poll(() => h.canvasHash(page, line)).not.toBe(before);
  const caretAfter = await page.evaluate(() => window.oxool.describe().caret);
  expect(caretAfter.x - caretBefore.x).toBeGreaterThan(1300);
  await h.shot(page, 'dialogs-2-paragraph-applied');
  // The keyboard is the document's again; saved, the docx holds the indent (1" = 1440 twips).
  await h.saveByKey(page);
  expect(h.zipMember('dlg-para.docx', 'word/document.xml')).toMatch(/<w:ind [^>]*w:(left|start)="1440"/);
});

test('Insert ▸ Table through the dialog: 3 columns typed, Insert clicked; the table is stored', async ({ page }) => {
  const sent = d.recordSent(page);
  await h.openEditor(page, (await h.links('dlg-table.odt', 'Tabitha')).edit);
  await h.caretToEnd(page);
  const win = await d.menuDialog(page, 'Table', 'Insert Table…', /Insert Table/);
  await page.keyboard.press('Tab'); // from Name on to Columns
  await d.typeOver(page, win.id, '3');
  await h.shot(page, 'dialogs-3-insert-table');
  // A mouse click on Insert (bottom right of the window): `window-mouse` in window pixels.
  await d.clickOk(page, win);
  expect(sent.some((m) => new RegExp(`^window-mouse id=${win.id} type=down x=\\d+ y=\\d+ count=1 buttons=1 modifier=0$`).test(m))).toBe(true);
  await d.noDialog(page);
  await h.settledShot(page, 'dialogs-4-table-inserted');
  await page.keyboard.type('cell');
  await h.saveByKey(page);
  const content = h.zipMember('dlg-table.odt', 'content.xml');
  expect(content).toMatch(/<table:table /);
  expect(content).toMatch(/<table:table-column [^>]*table:number-columns-repeated="3"/);
  expect(content).toContain('cell');
});

test('Ctrl+K: the hyperlink dialog inserts a link', async ({ page }) => {
  await h.openEditor(page, (await h.links('dlg-link.docx', 'Linus')).edit);
  await h.caretToEnd(page);
  await page.keyboard.press('Control+k');
  const win = await d.paintedDialog(page, /Hyperlink/);
  await page.keyboard.press('Alt+u'); // URL
  await page.keyboard.type('https://example.org/oxool');
  // A click into Text (right of its label): the field takes the focus and the caret.
  await d.clickWindow(page, win.id, Math.round(win.width * 0.73), 107);
  await page.keyboard.type('oxool link');
  await d.dialogSettled(page, win.id);
  await h.shot(page, 'dialogs-5-hyperlink');
  await d.clickOk(page, win);
  await d.noDialog(page);
  await h.settledShot(page, 'dialogs-6-hyperlink-inserted');
  await h.saveByKey(page);
  expect(h.zipMember('dlg-link.docx', 'word/_rels/document.xml.rels')).toContain('https://example.org/oxool');
  const text = await h.storedText('dlg-link.docx');
  expect(text).toContain('second paragraph betaoxool link');
  expect(text).not.toContain('oxooloxool');
});

test('IME composition in a dialog field: composed text goes as window-text and is inserted', async ({ page }) => {
  const sent = d.recordSent(page);
  await h.openEditor(page, (await h.links('dlg-ime.docx', 'Ines')).edit);
  await h.caretToEnd(page);
  await page.keyboard.press('Control+k');
  const win = await d.paintedDialog(page, /Hyperlink/);
  await page.keyboard.press('Alt+u');
  await page.keyboard.type('https://example.org/ime');
  await d.clickWindow(page, win.id, Math.round(win.width * 0.73), 107); // Text
  // An input method composes 你好 (pinyin "nihao") and commits it.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.imeSetComposition', { text: 'ni', selectionStart: 2, selectionEnd: 2 });
  await cdp.send('Input.imeSetComposition', { text: '你好', selectionStart: 2, selectionEnd: 2 });
  await cdp.send('Input.insertText', { text: '你好' });
  await expect.poll(() => sent.filter((m) => m.startsWith(`window-text id=${win.id} `))).toEqual([
    `window-text id=${win.id} type=input text=ni`,
    `window-text id=${win.id} type=input text=%E4%BD%A0%E5%A5%BD`,
    `window-text id=${win.id} type=end text=%E4%BD%A0%E5%A5%BD`,
  ]);
  await d.dialogSettled(page, win.id);
  await h.shot(page, 'dialogs-9-ime');
  await d.clickOk(page, win);
  await d.noDialog(page);
  await h.saveByKey(page);
  expect(h.zipMember('dlg-ime.docx', 'word/document.xml')).toContain('你好');
});

test.describe('at devicePixelRatio 2', () => {
  test.use({ deviceScaleFactor: 2 });

  test('a dialog painted at scale 2, resized with its grip, closed with ✕', async ({ page }) => {
    const sent = d.recordSent(page);
    await h.openEditor(page, (await h.links('dlg-hidpi.odt', 'Hilda')).edit);
    await page.locator('#input-sink').focus();
    await page.keyboard.press('Control+k');
    const win = await d.paintedDialog(page, /Hyperlink/);
    // Sharp: the canvas holds 2×2 device pixels per window pixel, asked for at scale 2.
    const info = await d.canvasInfo(page, win.id);
    expect([info.width, info.height]).toEqual([win.width * 2, win.height * 2]);
    expect(sent.some((m) => new RegExp(`^window-tile id=${win.id} x=0 y=0 width=${win.width} height=${win.height} scale=2$`).test(m))).toBe(true);
    await h.shot(page, 'dialogs-7-hidpi');

    // The grip in the corner: LibreOffice lays the dialog out at the new size.
    const grip = await page.locator(`.dialog-painted[data-window-id="${win.id}"] .dialog-grip`).boundingBox();
    await page.mouse.move(grip.x + 7, grip.y + 7);
    await page.mouse.down();
    await page.mouse.move(grip.x + 87, grip.y + 47, { steps: 5 });
    await page.mouse.up();
    expect(sent).toContain(`window-resize id=${win.id} width=${win.width + 80} height=${win.height + 40}`);
    await page.waitForFunction(({ id, w }) => {
      const x = window.oxool.describe().dialogs.windows.find((v) => v.id === id);
      return !!x && x.width === w && x.pending === 0;
    }, { id: win.id, w: win.width + 80 }, { timeout: 30_000 });
    await d.dialogSettled(page, win.id);
    const resized = await d.canvasInfo(page, win.id);
    expect(resized.width).toBe((win.width + 80) * 2);
    await h.shot(page, 'dialogs-8-hidpi-resized');

    // ✕: LibreOffice closes it (`window-close`, answered with its `close`).
    await page.locator(`.dialog-painted[data-window-id="${win.id}"] .dialog-close`).click();
    expect(sent).toContain(`window-close id=${win.id}`);
    await d.noDialog(page);
  });
});
