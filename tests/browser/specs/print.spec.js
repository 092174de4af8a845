// Print (Ctrl+P, File ▸ Print): LibreOffice's PDF of the document goes into a hidden frame that
// prints it, so the browser's print dialog gets the document's own pages (A4 here). The
// download fallback, where a policy forbids framing, is in specs/print-frame.spec.js.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

test('Ctrl+P and File ▸ Print: the document\'s PDF in the print frame', async ({ page }) => {
  const sent = [];
  const pdfs = [];
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => sent.push(String(f.payload)));
    ws.on('framereceived', (f) => {
      if (typeof f.payload !== 'string' && f.payload.subarray(0, 9).toString() === 'download ') pdfs.push(f.payload);
    });
  });
  // The frame's print is counted, not run: a real print in headless Chromium can hold the tab's
  // input for the rest of the test (the File menu click then never lands). specs/
  // print-frame.spec.js runs the real print, with nothing after it.
  await page.addInitScript(() => {
    window.framePrints = 0;
    const add = HTMLIFrameElement.prototype.addEventListener;
    HTMLIFrameElement.prototype.addEventListener = function (type, listener, options) {
      if (type !== 'load' || this.id !== 'print-frame') return add.call(this, type, listener, options);
      return add.call(this, type, (event) => {
        this.contentWindow.print = () => { window.framePrints += 1; };
        listener.call(this, event);
      }, options);
    };
  });
  await h.openEditor(page, (await h.links('print.docx', 'Pia')).edit);
  // Ctrl+P: the browser's own print of the page never starts; a PDF is asked for.
  await page.evaluate(() => { window.pagePrints = 0; window.print = () => { window.pagePrints += 1; }; });
  await page.keyboard.press('Control+p');
  await expect.poll(() => sent.find((m) => m.startsWith('download '))).toMatch(/^download id=\d+ format=pdf$/);
  // The frame holds the PDF (Chromium's viewer) and printed it.
  const frame = page.locator('#print-frame');
  await expect(frame).toHaveAttribute('data-printed', '1', { timeout: 60_000 });
  expect(await page.evaluate(() => window.pagePrints)).toBe(0);
  expect(await page.evaluate(() => window.framePrints)).toBe(1);
  expect(await frame.evaluate((f) => f.contentDocument.contentType)).toBe('application/pdf');
  expect(await frame.getAttribute('src')).toMatch(/^blob:/);
  await h.shot(page, 'print-1-after-ctrl-p');

  // The PDF the frame got: the document's text on A4 pages (the document's page size).
  const frameBytes = pdfs[0];
  const pdf = path.join(h.artifactsDir(), 'print-frame.pdf');
  fs.writeFileSync(pdf, frameBytes.subarray(frameBytes.indexOf(10) + 1));
  const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
  expect(info).toMatch(/Page size:\s+595\.\d* x 841\.\d* pts \(A4\)/);
  expect(execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' })).toContain('oxool fixture text alpha');

  // File ▸ Print does the same.
  await page.locator('#menubar').getByRole('menuitem', { name: 'File' }).click();
  await page.locator('#menubar-menu [data-id=print]').click();
  await expect.poll(() => sent.filter((m) => m.startsWith('download ')).length).toBe(2);
  await expect.poll(() => pdfs.length).toBe(2);
  await expect.poll(() => page.evaluate(() => window.framePrints)).toBe(2);
});
