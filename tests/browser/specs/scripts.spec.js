// Text in other scripts: Chinese and Arabic typed through the page (as an IME or keyboard
// layout would deliver it) is rendered with real glyphs from the kit's fonts, in the tiles and in
// the PDF, and stored.
const { execFileSync } = require('node:child_process');
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

const CHINESE = '中文排版测试';
const ARABIC = 'مرحبا بالعالم';

test('CJK and Arabic text typed and rendered', async ({ page }) => {
  const sent = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
  await h.openEditor(page, (await h.links('scripts.docx', 'Sun')).edit);
  await h.pressAndSeeCaret(page, 'Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.insertText(CHINESE);
  await page.keyboard.press('Enter');
  await page.keyboard.insertText(ARABIC);
  await expect.poll(() => sent.filter((m) => m.startsWith('text ')).map((m) => decodeURIComponent(m.slice(10))))
    .toEqual([CHINESE, ARABIC]);
  await h.settle(page);
  await page.evaluate(() => window.oxool.layer.setZoom(2));
  await h.settle(page);
  await h.shot(page, 'scripts-1-cjk-arabic');

  // The PDF LibreOffice makes of it: the text is there, set in fonts that have its glyphs.
  const pdf = await h.downloadAs(page, 'pdf');
  const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
  expect(text).toContain(CHINESE);
  expect(text).toMatch(/[\u0600-\u06ff\ufe70-\ufeff]{4}/);
  const fonts = execFileSync('pdffonts', [pdf], { encoding: 'utf8' });
  expect(fonts).toMatch(/CJK|WenQuanYi|Droid ?Sans ?Fallback|Source ?Han|AR ?PL|Noto ?Sans ?SC/i);
  expect(fonts).toMatch(/Arab|Naskh|Kufi|Amiri|DejaVu/i);

  await page.keyboard.press('Control+s');
  await h.waitSaved(page);
  const stored = (await h.storedText('scripts.docx')).replace(/\s+/g, ' ');
  expect(stored).toContain(CHINESE);
});
