// Insert (issue 12.6) with two users: a table through the rows × columns picker (Writer and
// Impress), a header with a page number, a footer and a page break from the Insert menu. The
// other user's tiles change; the stored document has each of them.
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const d = require('../support/dialogs');

const { expect } = h;

/** The visible document area of `page`, as a pixel hash (another user's edit changes it). */
async function visibleHash(page) {
  const size = await page.evaluate(() => {
    const s = window.oxool.layer.scroller;
    return { w: s.clientWidth, h: s.clientHeight };
  });
  return h.canvasHash(page, { x: 0, y: 0, w: size.w, h: size.h });
}

/** Insert ▸ `submenu` ▸ `item`. */
async function insertSubmenu(page, submenu, item) {
  await page.locator('#menubar').getByRole('menuitem', { name: 'Insert', exact: true }).click();
  await page.locator('#menubar-menu').getByRole('menuitem', { name: submenu, exact: true }).hover();
  await page.locator('.popup-menu').last().getByRole('menuitem', { name: item, exact: true }).click();
  await expect(page.locator('#menubar-menu')).toBeHidden();
  await h.serverRoundTrip(page);
}

/** Alice and Bob editing `name`; `sent` records what Alice's page sends. */
async function twoUsers(browser, name) {
  const { contexts: [alice, bob], pages: [a, b], prepared: [sent] } = await h.openTogether(
    browser, name, ['Alice', 'Bob'], { beforeOpen: (page, i) => (i === 0 ? d.recordSent(page) : undefined) });
  return { a, b, sent, close: async () => { await alice.close(); await bob.close(); } };
}

/** Waits until Alice's edit has reached Bob (his view's pixels changed), then shoots both pages. */
async function bobSawIt(a, b, bobBefore, shotA, shotB) {
  await h.settle(a);
  await h.settle(b);
  await expect.poll(() => visibleHash(b)).not.toBe(bobBefore);
  await h.shot(a, shotA);
  await h.shot(b, shotB);
}

test('table picker: Alice picks 3 rows × 4 columns, Bob sees the table, the docx has it', async ({ browser }) => {
  const { a, b, sent, close } = await twoUsers(browser, 'ins-table.docx');
  await h.caretToEnd(a);
  const bobBefore = await visibleHash(b);

  await d.menu(a, 'Insert', 'Table…');
  const picker = a.locator('#table-picker');
  await expect(picker).toBeVisible();
  await picker.locator('.table-picker-cell[data-row="3"][data-column="4"]').hover();
  await expect(picker.locator('.table-picker-label')).toHaveText('3 rows × 4 columns');
  await expect(picker.locator('.table-picker-cell.marked')).toHaveCount(12);
  await h.shot(a, 'insert-1-table-picker');
  await picker.locator('.table-picker-cell[data-row="3"][data-column="4"]').click();
  await expect(picker).toBeHidden();
  await expect.poll(() => sent.filter((m) => m.startsWith('uno command=.uno:InsertTable'))).toEqual([
    'uno command=.uno:InsertTable args={"Columns":{"type":"short","value":4},"Rows":{"type":"short","value":3}}',
  ]);
  // The caret is in the first cell: typing fills it.
  await a.locator('#input-sink').focus();
  await a.keyboard.type('picked');
  await bobSawIt(a, b, bobBefore, 'insert-2-table-alice', 'insert-3-table-bob');

  await h.saveByKey(a);
  const xml = h.zipMember('ins-table.docx', 'word/document.xml');
  const table = xml.slice(xml.indexOf('<w:tbl>'), xml.indexOf('</w:tbl>'));
  expect(table.match(/<w:gridCol /g)).toHaveLength(4);
  expect(table.match(/<w:tr[ >]/g)).toHaveLength(3);
  expect(table).toContain('picked');
  await close();
});

test('table picker from the keyboard in Impress: arrows and Enter insert a 2 × 2 table', async ({ page }) => {
  const sent = d.recordSent(page);
  await h.openEditor(page, (await h.links('ins-table.odp', 'Alice')).edit);
  // Alt+I opens Insert, T is Table's mnemonic.
  await page.keyboard.press('Alt+i');
  await expect(page.locator('#menubar-menu')).toBeVisible();
  await page.keyboard.press('t');
  const picker = page.locator('#table-picker');
  await expect(picker).toBeFocused();
  await expect(picker.locator('.table-picker-label')).toHaveText('1 row × 1 column');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  await expect(picker.locator('.table-picker-label')).toHaveText('2 rows × 2 columns');
  await page.keyboard.press('Enter');
  await expect(picker).toBeHidden();
  await expect.poll(() => sent.filter((m) => m.startsWith('uno command=.uno:InsertTable')).length).toBe(1);
  await h.settledShot(page, 'insert-4-table-impress');
  await h.saveByKey(page);
  const content = h.zipMember('ins-table.odp', 'content.xml');
  expect(content).toMatch(/<table:table[ >]/);
  expect(content.match(/<table:table-row[ >]/g)).toHaveLength(2);
});

test('header with a page number, footer, page break: Bob sees them, the docx stores them', async ({ browser }) => {
  const { a, b, close } = await twoUsers(browser, 'ins-page.docx');
  await a.locator('#input-sink').focus();
  const bobBefore = await visibleHash(b);

  // At the end of the body: a page break, then text on the new page.
  await h.pressAndSeeCaret(a, 'Control+End');
  await d.menu(a, 'Insert', 'Page Break');
  await h.serverRoundTrip(a);
  await a.keyboard.type('second page');
  await insertSubmenu(a, 'Header and Footer', 'Header');
  await insertSubmenu(a, 'Header and Footer', 'Footer');
  // Into the header: its text and the page number field.
  await d.uno(a, '.uno:JumpToHeader');
  await h.serverRoundTrip(a);
  await a.keyboard.type('Head of page ');
  await d.menu(a, 'Insert', 'Page Number');
  await h.serverRoundTrip(a);
  await bobSawIt(a, b, bobBefore, 'insert-5-header-alice', 'insert-6-header-bob');

  await h.saveByKey(a);
  const document = h.zipMember('ins-page.docx', 'word/document.xml');
  expect(document).toMatch(/<w:headerReference [^>]*w:type="default"/);
  expect(document).toMatch(/<w:footerReference [^>]*w:type="default"/);
  expect(document).toMatch(/<w:br w:type="page"\/>|<w:pageBreakBefore\/>/);
  const rels = h.zipMember('ins-page.docx', 'word/_rels/document.xml.rels');
  const header = rels.match(/Target="(header\d*\.xml)"/)[1];
  const headerXml = h.zipMember('ins-page.docx', `word/${header}`);
  expect(headerXml).toContain('Head of page');
  expect(headerXml).toMatch(/PAGE/);
  // Two pages, the header's page number on each.
  const text = await h.storedText('ins-page.docx');
  const pages = text.split('\f').filter((p) => p.trim());
  expect(pages).toHaveLength(2);
  expect(pages[0]).toMatch(/Head of page 1/);
  expect(pages[1]).toMatch(/Head of page 2/);
  expect(pages[1]).toContain('second page');
  await close();
});
