// Tracked changes with two users (issue 12.2): Alice turns recording on from Edit ▸ Track
// Changes ▸ Record Changes and types; Bob's changes panel opens by itself with her insertion,
// her name and a time; Bob accepts it and both panels are empty; the stored docx has the text
// and no change left. A docx that already has tracked changes lists them on open; rejecting
// one removes its text.
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

/** Edit ▸ Track Changes ▸ `item`. */
async function trackMenu(page, item) {
  await page.locator('#menubar').getByRole('menuitem', { name: 'Edit', exact: true }).click();
  await page.locator('#menubar-menu').getByRole('menuitem', { name: 'Track Changes', exact: true }).hover();
  await page.locator('.popup-menu [role^="menuitem"]', { hasText: item }).last().click();
}

test('two users: record from the menu, type, the other sees the change and accepts it', async ({ browser }) => {
  const { contexts: [alice, bob], pages: [a, b] } = await h.openTogether(browser, 'changes.docx', ['Alice', 'Bob']);
  // A document without tracked changes opens with the panel closed.
  await expect(a.locator('#track-changes')).toBeHidden();

  await trackMenu(a, 'Record Changes');
  // LibreOffice reports the toggle's state to both users: the menu shows it checked.
  const recording = (page) => page.evaluate(() => window.oxool.menus.states.checked('.uno:TrackChanges'));
  await expect.poll(() => recording(a)).toBe(true);
  await expect.poll(() => recording(b)).toBe(true);
  await a.locator('#input-sink').focus();
  await a.keyboard.type('Reviewed ');

  // Bob's panel opens by itself with Alice's insertion.
  const bobsView = b.locator('#track-changes .change[data-author="Alice"]');
  await expect(bobsView).toBeVisible();
  await expect(bobsView.locator('.change-type')).toHaveText('Inserted');
  await expect(bobsView.locator('.change-text')).toContainText('Reviewed');
  await expect(bobsView.locator('.change-time')).not.toBeEmpty();
  await expect(b.locator('#track-changes .changes-record')).toHaveAttribute('aria-pressed', 'true');
  await expect(a.locator('#track-changes .change[data-author="Alice"]')).toHaveCount(1);
  await h.settle(a);
  await h.settle(b);
  await h.shot(a, 'track-changes-alice');
  await h.shot(b, 'track-changes-bob');

  // Bob accepts: both lists are empty.
  await bobsView.locator('.change-accept').click();
  await expect(b.locator('#track-changes .change')).toHaveCount(0);
  await expect(a.locator('#track-changes .change')).toHaveCount(0);
  await expect(a.locator('#track-changes .comments-empty')).toBeVisible();

  // Recording off from the panel's own button.
  await a.locator('#track-changes .changes-record').click();
  await expect.poll(() => recording(a)).toBe(false);

  // Stored: the accepted text, no change markup.
  await a.locator('#input-sink').focus();
  await h.saveByKey(a);
  const xml = h.zipMember('changes.docx', 'word/document.xml');
  expect(xml).toContain('Reviewed');
  expect(xml).not.toContain('<w:ins ');
  // Edit ▸ Track Changes ▸ Manage… closes the panel and opens it again.
  await trackMenu(b, 'Manage');
  await expect(b.locator('#track-changes')).toBeHidden();
  await trackMenu(b, 'Manage');
  await expect(b.locator('#track-changes')).toBeVisible();
  await alice.close();
  await bob.close();
});

test('a docx with tracked changes lists them on open; rejecting one removes its text', async ({ browser }) => {
  const context = await h.newContext(browser);
  const page = await context.newPage();
  await h.openEditor(page, (await h.links('tracked.docx', 'Alice')).edit);
  const carols = page.locator('#track-changes .change[data-author="Carol"]');
  await expect(carols).toHaveCount(2);
  await expect(page.locator('#track-changes .change[data-type="Insert"] .change-time')).toContainText('2024');
  await h.settledShot(page, 'track-changes-on-open');

  await page.locator('#track-changes .change[data-type="Insert"] .change-reject').click();
  await expect(carols).toHaveCount(1);
  await page.locator('#input-sink').focus();
  await h.saveByKey(page);
  const xml = h.zipMember('tracked.docx', 'word/document.xml');
  expect(xml).not.toContain('inserted by Carol');
  expect(xml).toContain('removed by Carol'); // the deletion is still a change, not yet accepted
  await context.close();
});
