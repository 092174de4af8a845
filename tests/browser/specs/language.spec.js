// Setting the language through Tools ▸ Language, for a selection, a paragraph and all text:
// LibreOffice's own `.uno:LanguageStatus` commands. Spell checking follows the language (a
// German paragraph and a French word lose their red underlines once they are German and
// French; English words gain them once all text is Spanish), and the stored document has the
// languages on its runs.
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const { countPixels } = require('../support/pixels');

const { expect } = h;

const ENGLISH = 'hello bonjour world';
const GERMAN = 'Der Hund läuft schnell über die Straße';

const languageState = (page) => page.evaluate(() => window.oxool.menus.states.get('.uno:LanguageStatus'));

/**
 * Where the wavy line under the text after the caret `at` is drawn, `w` twips wide: from a
 * third down the line to a little below it (the line above may draw its own wavy line into the
 * top of this one).
 */
const underlineBand = (at, w) => ({ x: at.x, y: at.y + Math.round(at.h / 3), w, h: at.h });

/** The `Language` argument of the last `.uno:LanguageStatus` the page sent. */
function lastLanguageCommand(sent) {
  const message = sent.filter((m) => m.startsWith('uno command=.uno:LanguageStatus ')).pop() || '';
  const args = message.match(/ args=(.*)$/);
  return args ? JSON.parse(decodeURIComponent(args[1])).Language.value : null;
}

/** Tools ▸ Language ▸ `scope` ▸ `language`, as a person clicks it. */
async function setLanguage(page, scope, language) {
  await page.locator('#menubar').getByRole('menuitem', { name: 'Tools' }).click();
  await page.locator('#menubar-menu').getByRole('menuitem', { name: 'Language', exact: true }).hover();
  await page.locator('.popup-menu').getByRole('menuitem', { name: scope, exact: true }).hover();
  const item = page.locator(`.popup-menu [data-id="lang:${language}"]`);
  await expect(item).toBeVisible();
  await item.click();
  await expect(page.locator('.popup-menu')).toHaveCount(0);
}

/**
 * setLanguage, then: the page sent LibreOffice's form of it (`<form>_<language>`) and
 * LibreOffice reports the language (`<language>;<tag>`) as the caret's.
 */
async function applyLanguage(page, sent, scope, language, form, tag) {
  await setLanguage(page, scope, language);
  expect(lastLanguageCommand(sent)).toBe(`${form}_${language}`);
  await expect.poll(() => languageState(page)).toBe(`${language};${tag}`);
}

/** The runs of the stored document's body: [{text, lang}] (lang null where the run has none). */
function storedRuns(name) {
  const xml = h.zipMember(name, 'word/document.xml');
  return [...xml.matchAll(/<w:r[ >](?:(?!<\/w:r>).)*<\/w:r>/gs)].map(([run]) => ({
    text: [...run.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join(''),
    lang: (run.match(/<w:lang w:val="([^"]+)"/) || [])[1] || null,
  })).filter((r) => r.text);
}

/** The languages of the runs that hold part of `words`. */
function languagesOf(runs, words) {
  return [...new Set(runs.filter((r) => r.text.trim() && words.includes(r.text.trim())).map((r) => r.lang))];
}

test('language for a selection, a paragraph and all text', async ({ page }) => {
  const sent = h.recordSent(page);
  await h.openEditor(page, (await h.links('lang.docx', 'Lena')).edit);
  await h.pressAndSeeCaret(page, 'Control+End');

  // An English paragraph with a French word, then a German paragraph: both underlined.
  await h.pressAndSeeCaret(page, 'Enter');
  await page.keyboard.type(ENGLISH);
  await h.settle(page);
  const [helloAt, bonjourAt, worldAt] = await h.wordStarts(page, 2);
  const hello = underlineBand(helloAt, bonjourAt.x - helloAt.x);
  const bonjour = underlineBand(bonjourAt, worldAt.x - bonjourAt.x);
  await h.pressAndSeeCaret(page, 'End');
  await h.pressAndSeeCaret(page, 'Enter');
  const germanAt = await h.caretOf(page);
  const german = underlineBand(germanAt, 6000);
  await page.keyboard.type(GERMAN);
  await h.settle(page);
  await expect.poll(() => countPixels(page, german, 'red'), { timeout: 60_000 }).toBeGreaterThan(50);
  await expect.poll(() => countPixels(page, bonjour, 'red'), { timeout: 60_000 }).toBeGreaterThan(10);
  expect(await languageState(page)).toBe('English (USA);en-US');
  expect(await countPixels(page, hello, 'red')).toBe(0);
  await h.shot(page, 'language-1-underlined');

  // For Paragraph ▸ German: the caret's paragraph is German, its underlines go.
  await applyLanguage(page, sent, 'For Paragraph', 'German (Germany)', 'Paragraph', 'de-DE');
  await expect.poll(() => countPixels(page, german, 'red'), { timeout: 60_000 }).toBe(0);
  await h.settledShot(page, 'language-2-paragraph-german');

  // For Selection ▸ French: "bonjour" selected in the English paragraph.
  await h.pressAndSeeCaret(page, 'ArrowUp');
  const [, , backAtWorld] = await h.wordStarts(page, 2);
  expect(backAtWorld).toEqual(worldAt);
  await page.keyboard.press('Control+Shift+ArrowLeft');
  await expect.poll(() => page.evaluate(() => window.oxool.describe().selection.length)).toBeGreaterThan(0);
  await applyLanguage(page, sent, 'For Selection', 'French (France)', 'Current', 'fr-FR');
  await expect.poll(() => countPixels(page, bonjour, 'red'), { timeout: 60_000 }).toBe(0);
  await h.settledShot(page, 'language-3-selection-french');

  await h.saveByKey(page);
  let runs = storedRuns('lang.docx');
  const summary = JSON.stringify(runs);
  expect(languagesOf(runs, GERMAN), summary).toEqual(['de-DE']);
  expect(languagesOf(runs, 'bonjour'), summary).toEqual(['fr-FR']);
  expect(languagesOf(runs, ENGLISH).sort(), summary).not.toContain('de-DE');
  expect(runs.filter((r) => r.text.includes('hello')).map((r) => r.lang), summary).not.toContain('fr-FR');

  // For All Text ▸ Spanish: every run of the body is Spanish now.
  await applyLanguage(page, sent, 'For All Text', 'Spanish (Spain)', 'Default', 'es-ES');
  // "hello", English and never underlined so far, is a misspelled Spanish word now.
  await expect.poll(() => countPixels(page, hello, 'red'), { timeout: 60_000 }).toBeGreaterThan(10);
  await h.settledShot(page, 'language-4-all-spanish');
  await h.saveByKey(page);
  runs = storedRuns('lang.docx');
  expect([...new Set(runs.map((r) => r.lang))], JSON.stringify(runs)).toEqual(['es-ES']);
});
