// Text in other scripts: Chinese and Arabic typed through the page (as an IME or keyboard
// layout would deliver it) is rendered with real glyphs from the kit's fonts, in the tiles and in
// the PDF, and stored. "Real glyphs, not empty boxes" is read from the tiles' ink: missing-glyph
// boxes all weigh about the same, while Chinese characters and Arabic letters differ in weight,
// and Arabic letters join.
const { execFileSync } = require('node:child_process');
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const { inkColumns, inkRuns, cellWeights } = require('../support/pixels');

const { expect } = h;

const CHINESE = '中文排版测试';
const ARABIC = 'مرحبا بالعالم';
const ARABIC_LETTERS = ARABIC.replace(/\s/g, '').length;
// Wider than either line of text, narrower than the text area.
const LINE_TWIPS = 6000;

/** The line whose start the caret `at` was at, as a twip rectangle. */
const lineOf = (at) => ({ x: at.x, y: at.y, w: LINE_TWIPS, h: at.h });

test('CJK and Arabic text typed and rendered', async ({ page }) => {
  const sent = h.recordSent(page);
  await h.openEditor(page, (await h.links('scripts.docx', 'Sun')).edit);
  await h.pressAndSeeCaret(page, 'Control+End');
  // Each script on a paragraph of its own; the caret at each start says where its line is.
  await h.pressAndSeeCaret(page, 'Enter');
  const chineseLine = await h.caretOf(page);
  await page.keyboard.insertText(CHINESE);
  await h.settle(page);
  await h.pressAndSeeCaret(page, 'Enter');
  const arabicLine = await h.caretOf(page);
  await page.keyboard.insertText(ARABIC);
  await expect.poll(() => sent.filter((m) => m.startsWith('text ')).map((m) => decodeURIComponent(m.slice(10))))
    .toEqual([CHINESE, ARABIC]);
  await h.settle(page);
  await page.evaluate(() => window.oxool.layer.setZoom(2));
  await h.settledShot(page, 'scripts-1-cjk-arabic');

  // Ink per character cell (measured at 200 %: Chinese varies by ~0.17, Arabic by ~0.34, a line
  // of missing-glyph boxes by ~0.05 or less).
  const chinese = cellWeights(await inkColumns(page, lineOf(chineseLine)), [...CHINESE].length);
  expect(Math.min(...chinese.weights), `ink per character: ${chinese.weights}`).toBeGreaterThan(0);
  expect(chinese.variation, `ink per character: ${chinese.weights}`).toBeGreaterThan(0.1);
  const arabicColumns = await inkColumns(page, lineOf(arabicLine));
  const arabic = cellWeights(arabicColumns, ARABIC_LETTERS);
  expect(arabic.variation, `ink per letter: ${arabic.weights}`).toBeGreaterThan(0.1);
  // The two words stand apart (a space), and the letters join: fewer shapes than letters.
  const shapes = inkRuns(arabicColumns).length;
  expect(shapes).toBeGreaterThanOrEqual(2);
  expect(shapes).toBeLessThan(ARABIC_LETTERS);

  // The PDF LibreOffice makes of it: the text is there, set in fonts that have its glyphs.
  const pdf = await h.downloadAs(page, 'pdf');
  const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
  expect(text).toContain(CHINESE);
  expect(text).toMatch(/[\u0600-\u06ff\ufe70-\ufeff]{4}/);
  const fonts = execFileSync('pdffonts', [pdf], { encoding: 'utf8' });
  expect(fonts).toMatch(/CJK|WenQuanYi|Droid ?Sans ?Fallback|Source ?Han|AR ?PL|Noto ?Sans ?SC/i);
  expect(fonts).toMatch(/Arab|Naskh|Kufi|Amiri|DejaVu/i);

  // Stored: both texts, character for character, in the document's XML.
  await h.saveByKey(page);
  const xml = h.zipMember('scripts.docx', 'word/document.xml');
  expect(xml).toContain(CHINESE);
  expect(xml).toContain(ARABIC);
  expect((await h.storedText('scripts.docx')).replace(/\s+/g, ' ')).toContain(CHINESE);
});
