// The system clipboard, through the real keyboard shortcuts of headless Chromium: copy and cut
// put the document's selection there as plain text and HTML (get-selection), paste sends what
// is there (paste mimetype=text/html keeps bold into the stored file). Calc: the sheet tabs
// carry the sheets' names; a copied cell reaches the clipboard and pastes back as a formula;
// lines of text and an HTML table from elsewhere fill cells.
const fs = require('node:fs');
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const { goTo } = require('../support/calc');

const { expect } = h;

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

/**
 * What the system clipboard holds, as {text, html} (through the page's Clipboard API); null
 * when it changed while being read (the page's own delayed write landing), so polls retry.
 */
async function readClipboard(page) {
  return page.evaluate(async () => {
    const out = { text: '', html: '' };
    try {
      for (const item of await navigator.clipboard.read()) {
        if (item.types.includes('text/plain')) out.text = await (await item.getType('text/plain')).text();
        if (item.types.includes('text/html')) out.html = await (await item.getType('text/html')).text();
      }
    } catch {
      return null;
    }
    return out;
  });
}

/** Puts {text, html} on the system clipboard, as another application would ('' = absent). */
async function writeClipboard(page, text, html) {
  await page.evaluate(async ({ text, html }) => {
    const flavours = { 'text/plain': new Blob([text], { type: 'text/plain' }) };
    if (html) flavours['text/html'] = new Blob([html], { type: 'text/html' });
    await navigator.clipboard.write([new ClipboardItem(flavours)]);
  }, { text, html });
}

/** A plain text field elsewhere on the page; Ctrl+V into it gives what the clipboard holds. */
async function pasteElsewhere(page) {
  await page.evaluate(() => {
    const field = document.createElement('textarea');
    field.id = 'elsewhere';
    field.style.cssText = 'position:fixed;right:8px;top:120px;width:240px;height:60px;z-index:99';
    document.body.appendChild(field);
  });
  await page.locator('#elsewhere').focus();
  await page.keyboard.press('Control+v');
  const value = await page.locator('#elsewhere').inputValue();
  await page.evaluate(() => document.getElementById('elsewhere').remove());
  await page.locator('#input-sink').focus();
  return value;
}

/** Selects the caret's line with Home, Shift+End, once the page shows the selection. */
async function selectLine(page) {
  await page.keyboard.press('Home');
  await page.keyboard.press('Shift+End');
  await page.waitForFunction(() => window.oxool.describe().selection.length > 0);
}

test('copy and cut put the selection on the system clipboard; paste of HTML keeps bold', async ({ page }) => {
  const sent = [];
  const answers = [];
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => sent.push(String(f.payload)));
    ws.on('framereceived', (f) => { if (String(f.payload).startsWith('selection ')) answers.push(String(f.payload)); });
  });
  await h.openEditor(page, (await h.links('clip.docx', 'Heidi')).edit);
  await page.locator('#input-sink').focus();

  // Copy the heading (the first line) with Ctrl+C.
  await h.pressAndSeeCaret(page, 'Control+End');
  await h.pressAndSeeCaret(page, 'Control+Home');
  await selectLine(page);
  await page.keyboard.press('Control+c');
  await expect.poll(async () => ((await readClipboard(page)) || { text: '' }).text).toBe('oxool fixture heading');
  const copied = await readClipboard(page);
  expect(copied.html).toMatch(/<html|<body|<p|<h1/i);
  expect(copied.html).toContain('oxool fixture heading');
  expect(sent.some((m) => m.startsWith('get-selection ') && m.includes('mimetype=text/html'))).toBe(true);
  // Copy does not make the document modified.
  await h.settle(page);
  expect((await page.evaluate(() => window.oxool.describe().docState)).modified).toBe('0');

  // Copy with nothing selected leaves the clipboard as it was (as LibreOffice does).
  await page.keyboard.press('End'); // the caret stays; the selection goes
  await page.waitForFunction(() => window.oxool.describe().selection.length === 0);
  const answered = answers.length;
  // Keep the promise of the page's clipboard write (if it makes one), to await its outcome.
  await page.evaluate(() => {
    const write = navigator.clipboard.write.bind(navigator.clipboard);
    navigator.clipboard.write = (...args) => (window.__lastClipboardWrite = write(...args));
  });
  await page.keyboard.press('Control+c');
  await expect.poll(() => answers.length).toBe(answered + 2);
  // The copy has settled once the page decided (nothing selected) and the write it started,
  // if any, has ended: only then is "the clipboard kept what it had" a fact.
  await page.evaluate(async () => {
    const copied = window.oxool.clipboard.lastCopied;
    if (copied && copied.pending) await copied.pending;
    if (window.__lastClipboardWrite) await window.__lastClipboardWrite.catch(() => {});
  });
  expect(((await readClipboard(page)) || { text: '' }).text).toBe('oxool fixture heading');

  // Paste it into another place on the page: a plain text field, with the real Ctrl+V.
  expect(await pasteElsewhere(page)).toBe('oxool fixture heading');

  // And into the document, in a new last paragraph: what this page copied comes from
  // LibreOffice's own clipboard (.uno:Paste).
  await h.pressAndSeeCaret(page, 'Control+End');
  await h.pressAndSeeCaret(page, 'Enter');
  await page.keyboard.press('Control+v');
  await expect.poll(() => sent.filter((m) => m === 'uno command=.uno:Paste').length).toBe(1);
  await h.settledShot(page, 'clipboard-1-copied-pasted');

  // Cut the line above: on the clipboard, out of the document.
  await h.pressAndSeeCaret(page, 'ArrowUp');
  await selectLine(page);
  const cutLine = await page.evaluate(() => window.oxool.describe().selection.length);
  expect(cutLine).toBeGreaterThan(0);
  await page.keyboard.press('Control+x');
  await expect.poll(async () => ((await readClipboard(page)) || { text: '' }).text).toBe('second paragraph beta');
  await h.settle(page);

  // Copy from the context menu (right click in the selection): the line below the heading.
  await h.pressAndSeeCaret(page, 'Control+Home');
  await h.pressAndSeeCaret(page, 'ArrowDown');
  await selectLine(page);
  const sel = await page.evaluate(() => window.oxool.describe().selection[0]);
  const inSel = await h.twipsToClient(page, sel.x + sel.w / 2, sel.y + sel.h / 2);
  await page.mouse.click(inSel.x, inSel.y, { button: 'right' });
  await page.locator('#context-menu').getByRole('menuitem', { name: 'Copy', exact: true }).click();
  await expect.poll(async () => ((await readClipboard(page)) || { text: '' }).text).toBe('oxool fixture text alpha');

  // Paste HTML from "another application": bold stays bold, through paste mimetype=text/html.
  await h.pressAndSeeCaret(page, 'Control+End');
  await h.pressAndSeeCaret(page, 'Enter');
  await writeClipboard(page, 'Pasted bold and plain', '<p>Pasted <b>bold</b> and plain</p>');
  await page.keyboard.press('Control+v');
  await expect.poll(() => sent.some((m) => m.startsWith('paste mimetype=text/html\n'))).toBe(true);
  await h.settledShot(page, 'clipboard-2-html-pasted');

  // Paste from the context menu (the page reads the clipboard): plain text from elsewhere,
  // right-clicked just after the caret (in the empty last paragraph).
  await writeClipboard(page, 'menu pasted', '');
  const caret = await page.evaluate(() => window.oxool.describe().caret);
  const nearCaret = await h.twipsToClient(page, caret.x + 300, caret.y + caret.h / 2);
  await page.mouse.click(nearCaret.x, nearCaret.y, { button: 'right' });
  await page.locator('#context-menu').getByRole('menuitem', { name: 'Paste', exact: true }).click();
  await expect.poll(() => sent.filter((m) => m.startsWith('paste ')).pop()).toBe('paste mimetype=text/plain;charset%3Dutf-8\nmenu pasted');
  await h.settle(page);

  await h.saveByKey(page);
  const text = (await h.storedText('clip.docx')).replace(/\s+/g, ' ');
  expect(text).toContain('Pasted bold and plain menu pasted');
  expect(text).not.toContain('second paragraph beta');
  // The heading text appears twice: where it was and where it was pasted.
  expect(text.split('oxool fixture heading').length - 1).toBe(2);
  const xml = h.zipMember('clip.docx', 'word/document.xml');
  const boldRun = xml.match(/<w:r>(?:(?!<\/w:r>).)*?>bold<(?:(?!<\/w:r>).)*?<\/w:r>|<w:r [^>]*>(?:(?!<\/w:r>).)*?>bold<(?:(?!<\/w:r>).)*?<\/w:r>/s);
  expect(boldRun, 'a run holding "bold"').not.toBeNull();
  expect(boldRun[0]).toMatch(/<w:b\/>|<w:b w:val="(true|1)"\/>/);
  const plainRun = xml.match(/<w:r>(?:(?!<\/w:r>).)*?> and plain<(?:(?!<\/w:r>).)*?<\/w:r>|<w:r [^>]*>(?:(?!<\/w:r>).)*?> and plain<(?:(?!<\/w:r>).)*?<\/w:r>/s);
  expect(plainRun, 'a run holding " and plain"').not.toBeNull();
  expect(plainRun[0]).not.toMatch(/<w:b\/>|<w:b w:val="(true|1)"\/>/);
});

/** Confirms Calc's Text Import dialog (JSDialog or painted, whichever LibreOffice sent). */
async function confirmTextImport(page) {
  await page.waitForFunction(() => {
    const x = window.oxool.describe().dialogs;
    return x.jsdialogs.length > 0 || x.windows.some((w) => w.painted > 0);
  }, null, { timeout: 60_000 });
  const ok = page.locator('.dialog-jsdialog button[data-id="ok"]');
  if (await ok.count()) await ok.click();
  else await page.keyboard.press('Enter');
  await page.waitForFunction(() => {
    const x = window.oxool.describe().dialogs;
    return x.jsdialogs.length === 0 && x.windows.length === 0;
  }, null, { timeout: 30_000 });
}

test('Ctrl+V while the copy is still being written to the clipboard pastes the copy, not what the clipboard held', async ({ page }) => {
  const sent = h.recordSent(page);
  await h.openEditor(page, (await h.links('clip.docx', 'Ivan')).edit);
  await page.locator('#input-sink').focus();
  await writeClipboard(page, 'stale text from elsewhere', '<p>stale <b>text</b> from elsewhere</p>');
  // The browser writes the page's copy only when released: a copy whose selection has arrived
  // but is not on the system clipboard yet, as when Ctrl+V follows Ctrl+C at once.
  await page.evaluate(() => {
    const write = navigator.clipboard.write.bind(navigator.clipboard);
    navigator.clipboard.write = (...args) => new Promise((release) => {
      window.__releaseClipboardWrite = release;
    }).then(() => write(...args));
  });
  await h.pressAndSeeCaret(page, 'Control+End');
  await h.pressAndSeeCaret(page, 'Control+Home');
  await selectLine(page);
  await page.keyboard.press('Control+c');
  await page.waitForFunction(() => {
    const copied = window.oxool.clipboard.lastCopied;
    return copied && !copied.pending && typeof window.__releaseClipboardWrite === 'function';
  });
  await h.pressAndSeeCaret(page, 'Control+End');
  await page.keyboard.press('Control+v');
  await expect.poll(() => sent.filter((m) => m === 'uno command=.uno:Paste').length).toBe(1);
  await h.settle(page);
  expect(sent.filter((m) => m.startsWith('paste '))).toEqual([]);
  await page.evaluate(() => window.__releaseClipboardWrite());
});

test('Calc (ODS): sheet names on the tabs; copy and paste of cells', async ({ page }) => {
  const sent = h.recordSent(page);
  await h.openEditor(page, (await h.links('clipcalc.ods', 'Ivan')).edit);
  await expect(page.locator('#sheet-tabs .sheet-tab')).toHaveText(['Numbers', 'Second']);
  await expect(page.locator('#sheet-tabs .sheet-tab[aria-selected="true"]')).toHaveText('Numbers');

  // A3 holds =SUM(A1:A2): its value goes to the system clipboard, and pasted into B3 from
  // this page it is the formula again, moved along (LibreOffice's own clipboard).
  await goTo(page, 'A3');
  await page.keyboard.press('Control+c');
  await expect.poll(async () => ((await readClipboard(page)) || { text: '' }).text.trim()).toBe('42');
  await goTo(page, 'B3');
  await page.keyboard.press('Control+v');
  await expect(page.locator('#formula-input')).toHaveValue('=SUM(B1:B2)');

  // Lines of text from elsewhere: Calc asks how to split them (its Text Import dialog, see
  // specs/dialogs-calc.spec.js); confirmed, one cell each. An HTML table: its cells.
  await goTo(page, 'D1');
  await writeClipboard(page, '11\n22\n33\n', '');
  await page.keyboard.press('Control+v');
  await expect.poll(() => sent.filter((m) => m.startsWith('paste mimetype=text/plain')).length).toBe(1);
  await confirmTextImport(page);
  await h.settle(page);
  await goTo(page, 'E1');
  await writeClipboard(page, '5\t6\n7\t8', '<table><tr><td>5</td><td><b>6</b></td></tr><tr><td>7</td><td>8</td></tr></table>');
  await page.keyboard.press('Control+v');
  await h.settle(page);
  // One value: typed into the cell, as if by hand.
  await goTo(page, 'G1');
  await writeClipboard(page, 'solo', '');
  await page.keyboard.press('Control+v');
  await page.keyboard.press('Enter');
  await expect(page.locator('#cell-address')).toHaveValue('G2');
  await h.settledShot(page, 'clipboard-3-calc-pasted');
  const csv = fs.readFileSync(await h.downloadAs(page, 'csv'), 'utf8').split(/\r?\n/);
  expect(csv.slice(0, 3)).toEqual(['2,,,11,5,6,solo', '40,,,22,7,8,', '42,0,,33,,,']);

  await page.locator('#sheet-tabs .sheet-tab', { hasText: 'Second' }).click();
  await expect(page.locator('#sheet-tabs .sheet-tab[aria-selected="true"]')).toHaveText('Second');
  await expect.poll(() => page.evaluate(() => window.oxool.status.part)).toBe('1');
  await h.settledShot(page, 'clipboard-4-calc-second-sheet');
});

test('without the asynchronous Clipboard API (plain http), copy still reaches the clipboard', async ({ page }) => {
  // Pages served over plain http to another machine have no navigator.clipboard.write.
  await page.addInitScript(() => { delete Clipboard.prototype.write; });
  await h.openEditor(page, (await h.links('clip2.odt', 'Judy')).edit);
  await h.caretToEnd(page);
  await selectLine(page);
  await page.keyboard.press('Control+c');
  await expect.poll(() => pasteElsewhere(page)).toBe('second paragraph beta');
  // Ctrl+A, Ctrl+C at once: the whole document, although the kit may read the selection
  // before it has applied Select All (the page asks again once it shows a selection).
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Control+c');
  await expect.poll(() => pasteElsewhere(page)).toBe('oxool fixture heading\noxool fixture text alpha\nsecond paragraph beta');
});
