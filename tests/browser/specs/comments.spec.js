// Comments with two users (issue 12.1): Alice adds one from Insert ▸ Comment's shortcut, Bob
// sees it appear live in his panel with her name and colour, replies; Alice resolves; the
// stored docx has both; deleting one and deleting all by an author empty the panels.
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const d = require('../support/dialogs');

const { expect } = h;

/**
 * Saves from `page` (Ctrl+S with the focus back in the document) and expects `member` of the
 * stored `name` to contain every one of `texts`.
 */
async function expectStored(page, name, member, texts) {
  await page.locator('#input-sink').focus();
  await h.saveByKey(page);
  const xml = h.zipMember(name, member);
  for (const text of texts) expect(xml).toContain(text);
}

test('two users add, see, reply to, resolve and delete comments; the docx stores them', async ({ browser }) => {
  const { contexts: [alice, bob], pages: [a, b] } = await h.openTogether(browser, 'comments.docx', ['Alice', 'Bob']);
  // A document without comments opens with the panel closed.
  await expect(a.locator('#comments')).toBeHidden();

  await h.caretToEnd(a);
  await a.keyboard.press('Control+Alt+c');
  const box = a.locator('#comments .comment-input');
  await expect(box).toBeFocused();
  await box.fill('Please check this sentence');
  await a.locator('#comments .comment-save').click();

  // Bob's panel opens by itself with Alice's comment, her name, a time and her colour.
  const bobsView = b.locator('#comments .comment[data-author="Alice"]');
  await expect(bobsView).toBeVisible();
  await expect(bobsView.locator('.comment-text')).toHaveText('Please check this sentence');
  await expect(bobsView.locator('.comment-author')).toHaveText('Alice');
  // LibreOffice's ISO time, shown as a date and time for people (not the raw `…T07:57:20,11…`).
  await expect(bobsView.locator('.comment-time')).not.toBeEmpty();
  await expect(bobsView.locator('.comment-time')).not.toContainText('T');
  const aliceColor = await b.evaluate(() => window.oxool.describe().users.find((u) => u.name === 'Alice').color);
  const dot = await bobsView.locator('.comment-dot').evaluate((el) => getComputedStyle(el).backgroundColor);
  const hex = (c) => '#' + c.match(/\d+/g).slice(0, 3).map((n) => Number(n).toString(16).padStart(2, '0')).join('');
  expect(hex(dot)).toBe(aliceColor.toLowerCase());

  // Bob replies; Alice sees the reply under her comment.
  await bobsView.locator('.comment-reply').click();
  await b.locator('#comments .comment-input').fill('Done, thanks');
  await b.locator('#comments .comment-save').click();
  const reply = a.locator('#comments .comment.reply[data-author="Bob"]');
  await expect(reply.locator('.comment-text')).toHaveText('Done, thanks');
  const order = await a.evaluate(() => window.oxool.describe().comments.map((c) => `${c.author}:${c.depth}`));
  expect(order).toEqual(['Alice:0', 'Bob:1']);

  // Alice resolves her comment; Bob sees it resolved and can reopen it.
  const alicesOwn = a.locator('#comments .comment[data-author="Alice"]');
  await alicesOwn.locator('.comment-resolve').click();
  await expect(bobsView).toHaveAttribute('data-resolved', 'true');
  await expect(bobsView.locator('.comment-resolve')).toHaveText('Reopen');
  await h.settle(a);
  await h.settle(b);
  await h.shot(a, 'comments-alice');
  await h.shot(b, 'comments-bob');

  // Stored: both comments, with their authors, in word/comments.xml.
  await expectStored(a, 'comments.docx', 'word/comments.xml',
    ['Please check this sentence', 'Done, thanks', 'w:author="Alice"', 'w:author="Bob"']);

  // Bob deletes his reply; Alice deletes everything by Alice: both panels are empty.
  await b.locator('#comments .comment[data-author="Bob"] .comment-delete').click();
  await expect(reply).toHaveCount(0);
  await alicesOwn.locator('.comment-delete-author').click();
  await expect(b.locator('#comments .comment')).toHaveCount(0);
  await expect(a.locator('#comments .comment')).toHaveCount(0);
  await expect(b.locator('#comments .comments-empty')).toBeVisible();
  // View ▸ Comments closes the panel and opens it again.
  await d.menu(b, 'View', 'Comments');
  await expect(b.locator('#comments')).toBeHidden();
  await d.menu(b, 'View', 'Comments');
  await expect(b.locator('#comments')).toBeVisible();
  await alice.close();
  await bob.close();
});

test('a docx that already has a comment shows it on open; a click puts the cursor at its anchor', async ({ browser }) => {
  const name = 'commented.docx';
  execFileSync('/usr/bin/python3', [path.join(__dirname, '..', 'support', 'make-commented.py'),
    path.join(process.env.OXOOL_DOCUMENTS, name)]);
  const context = await h.newContext(browser);
  const page = await context.newPage();
  await h.openEditor(page, (await h.links(name, 'Alice')).edit);
  const carols = page.locator('#comments .comment[data-author="Carol"]');
  await expect(carols.locator('.comment-text')).toHaveText('PreexistingRemark');
  await expect(carols.locator('.comment-time')).toContainText('2024');

  // The anchor is on the third line; the cursor starts on the first.
  const anchor = await page.evaluate(() => window.oxool.describe().comments[0].anchorPos);
  const y = Number(anchor.split(',')[1]);
  const caretY = () => page.evaluate(() => (window.oxool.describe().caret || {}).y);
  expect(await caretY()).toBeLessThan(y - 200);
  await carols.locator('.comment-text').click();
  await expect.poll(caretY, { timeout: 30_000 }).toBeGreaterThan(y - 200);
  await h.settledShot(page, 'comments-on-open');
  await context.close();
});

test('Calc: a comment on a cell reaches the other user and is stored in the xlsx', async ({ browser }) => {
  const { contexts: [alice, bob], pages: [a, b] } = await h.openTogether(browser, 'comments.xlsx', ['Alice', 'Bob']);
  await a.locator('#input-sink').focus();
  await a.keyboard.press('Control+Alt+c');
  await a.locator('#comments .comment-input').fill('Check this figure');
  await a.locator('#comments .comment-save').click();
  const bobsView = b.locator('#comments .comment[data-author="Alice"]');
  await expect(bobsView.locator('.comment-text')).toHaveText('Check this figure');
  // Calc stores the day only: no time is shown.
  await expect(bobsView.locator('.comment-time')).not.toContainText(':');
  // Calc has no replies in LibreOffice 7.4: no Reply button.
  await expect(bobsView.locator('.comment-reply')).toHaveCount(0);
  await h.settledShot(b, 'comments-calc-bob');
  await expectStored(a, 'comments.xlsx', 'xl/comments1.xml', ['Check this figure', 'Alice']);
  // Deleted with Calc's own command: gone from both panels.
  await bobsView.locator('.comment-delete').click();
  await expect(a.locator('#comments .comment')).toHaveCount(0);
  await expect(bobsView).toHaveCount(0);

  // LibreOffice's context menu on a cell: its Insert Comment opens the panel's text box (not an
  // empty comment), and the comment it makes is Alice's.
  await h.settle(a);
  const cell = await h.twipsToClient(a, 2000, 600);
  await a.mouse.click(cell.x, cell.y, { button: 'right' });
  const menu = a.locator('#context-menu');
  await menu.getByRole('menuitem', { name: /Comment/ }).first().click();
  await expect(a.locator('#comments .comment-input')).toBeFocused();
  await a.locator('#comments .comment-input').fill('From the context menu');
  await a.locator('#comments .comment-save').click();
  await expect(bobsView.locator('.comment-text')).toHaveText('From the context menu');
  await alice.close();
  await bob.close();
});

test('Impress: a comment on the second slide knows its slide, and a click goes there', async ({ page }) => {
  await h.openEditor(page, (await h.links('comments.pptx', 'Alice')).edit);
  await page.evaluate(() => window.oxool.setPart(1));
  await page.waitForFunction(() => window.oxool.describe().status.part === '1');
  await page.locator('#input-sink').focus();
  await page.keyboard.press('Control+Alt+c');
  await page.locator('#comments .comment-input').fill('On the second slide');
  await page.locator('#comments .comment-save').click();
  await expect(page.locator('#comments .comment-text')).toHaveText('On the second slide');
  // The slide comes from the comment's slide hash and `parts … hashes=`.
  await expect.poll(() => page.evaluate(() => window.oxool.describe().comments[0].part)).toBe(1);
  await page.evaluate(() => window.oxool.setPart(0));
  await page.waitForFunction(() => window.oxool.describe().status.part === '0');
  await page.locator('#comments .comment-text').click();
  await page.waitForFunction(() => window.oxool.describe().status.part === '1');
  await h.settledShot(page, 'comments-impress');
});
