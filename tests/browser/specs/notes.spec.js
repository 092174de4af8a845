// Impress's speaker notes, with two users: Alice switches her view to View ▸ Notes (the notes
// page: the slide above its notes) and writes a note under slide 2 while Bob, in the normal
// view, edits that slide's title, then looks at his own notes view. The stored presentation has
// both edits, and keeps the earlier note under slide 1.
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const { writePresentation, storedSlides, typeIntoTitle } = require('../support/presentation');

const { expect } = h;

const pageSize = (page) => page.evaluate(() => ({ w: Number(window.oxool.status.width), h: Number(window.oxool.status.height) }));

async function viewMenu(page, id) {
  await page.locator('#menubar').getByRole('menuitem', { name: 'View' }).click();
  await page.locator(`#menubar-menu [data-id="${id}"]`).click();
}

test('notes view: Alice writes a speaker note while Bob stays in the normal view', async ({ browser }) => {
  writePresentation('notes.fodp', [
    { name: 'One', title: 'first slide title', notes: 'first speaker note' },
    { name: 'Two', title: 'second slide title' },
  ]);
  const alice = await h.newPage(browser);
  const bob = await h.newPage(browser);
  await h.openEditor(alice, (await h.links('notes.fodp', 'Alice')).edit);
  await h.openEditor(bob, (await h.links('notes.fodp', 'Bob')).edit);
  const slide = await pageSize(alice);
  expect(slide.w).toBeGreaterThan(slide.h);

  // View ▸ Notes: Alice's view shows notes pages (portrait), on slide 2 through the strip.
  await viewMenu(alice, 'view-notes');
  await expect.poll(async () => { const s = await pageSize(alice); return s.h > s.w; }).toBe(true);
  await alice.locator('#slide-strip .slide-thumb[data-part="1"]').click();
  await expect(alice.locator('.slide-number')).toHaveText('Slide 2 of 2');
  await alice.locator('[data-zoom="fit"]').click();
  await h.settledShot(alice, 'notes-1-notes-view');
  // Switching to the notes view is no edit.
  await expect(alice.locator('#save-state')).not.toHaveAttribute('data-modified', '1');
  // Bob's view is still the normal one.
  expect(await pageSize(bob)).toEqual(slide);

  // Into the notes placeholder from the keyboard, as in LibreOffice: Tab selects the slide's
  // picture, Tab again the notes, Enter edits them. (LibreOffice 7.4 takes no mouse input in a
  // notes view through LibreOfficeKit: a click there selects nothing.)
  await alice.evaluate(() => window.oxool.keyboard.focus());
  await alice.keyboard.press('Tab');
  await alice.waitForFunction(() => window.oxool.overlays.own.graphic);
  await alice.keyboard.press('Tab');
  await alice.waitForFunction(() => { const g = window.oxool.overlays.own.graphic; return g && g.y > Number(window.oxool.status.height) / 3; });
  await alice.keyboard.press('Enter');
  await alice.waitForFunction(() => document.getElementById('own-caret'));
  await alice.keyboard.type('Speaker note by Alice');
  await expect(alice.locator('#save-state')).toHaveAttribute('data-modified', '1');
  await alice.keyboard.press('Escape');
  await h.settledShot(alice, 'notes-2-typed');

  // Bob, in his normal view meanwhile, edits slide 2's title.
  await typeIntoTitle(bob, 1, 2, ' edited by Bob');
  await bob.keyboard.press('Escape');
  await h.settledShot(bob, 'notes-3-bob-normal-view');
  expect(await pageSize(bob)).toEqual(slide);
  // Then Bob's own notes view shows Alice's note under his title.
  await viewMenu(bob, 'view-notes');
  await expect.poll(async () => { const s = await pageSize(bob); return s.h > s.w; }).toBe(true);
  await bob.evaluate(() => window.oxool.layer.scrollIntoView({ x: 0, y: Number(window.oxool.status.height) * 0.6, w: 1, h: 1 }));
  await h.settledShot(bob, 'notes-3b-bob-notes-view');

  // View ▸ Normal: Alice is back on the slide.
  await viewMenu(alice, 'view-normal');
  await expect.poll(() => pageSize(alice)).toEqual(slide);
  await h.settledShot(alice, 'notes-4-normal-again');

  await h.saveByKey(alice);
  const slides = storedSlides('notes.fodp');
  expect(slides.map((s) => s.text)).toEqual(['first slide title', 'second slide title edited by Bob']);
  expect(slides[0].notes).toContain('first speaker note');
  expect(slides[1].notes).toContain('Speaker note by Alice');
});
