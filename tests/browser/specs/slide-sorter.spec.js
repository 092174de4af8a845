// Impress's slide sorter with two users: Alice duplicates, drags, moves, deletes and adds slides
// and gives one a layout from the thumbnails' menu; Bob sees every change in his strip and
// looks at the slides as a grid (View ▸ Slide Sorter). The stored presentation has the slides
// in the order and with the layout the page showed.
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const { writePresentation, storedSlides } = require('../support/presentation');

const { expect } = h;

// The slides' names; a slide without one (the copy, the new slide) is named by its position
// ("Slide 3"), which moves with it: `*`.
const names = (page) => page.evaluate(() => window.oxool.partNames.map((n) => (/^Slide \d+$/.test(n) ? '*' : n)));

/** Right click on thumbnail `part` and the entry `command` of its menu (in a submenu: `via`). */
async function thumbMenu(page, part, command, via) {
  await page.locator(`#slide-strip .slide-thumb[data-part="${part}"]`).click({ button: 'right' });
  const menu = page.locator('#slide-menu');
  await expect(menu).toBeVisible();
  if (via) await menu.getByRole('menuitem', { name: via }).click();
  await page.locator(`.popup-menu [data-command="${command}"]`).click();
}

test('slide sorter: two users; duplicate, drag, move, delete, new slide, layout, grid view', async ({ browser }) => {
  writePresentation('sorter.fodp', [
    { name: 'Alpha', title: 'alpha title', body: 'alpha body' },
    { name: 'Bravo', title: 'bravo title', body: 'bravo body' },
    { name: 'Charlie', title: 'charlie title', body: 'charlie body' },
  ]);
  const alice = await h.newPage(browser);
  const bob = await h.newPage(browser);
  await h.openEditor(alice, (await h.links('sorter.fodp', 'Alice')).edit);
  await h.openEditor(bob, (await h.links('sorter.fodp', 'Bob')).edit);
  await expect(bob.locator('#slide-strip .slide-name')).toHaveText(['Alpha', 'Bravo', 'Charlie']);

  // Duplicate Bravo from its thumbnail's menu: the copy follows it, in both strips.
  await thumbMenu(alice, 1, '.uno:DuplicatePage');
  await expect(bob.locator('#slide-strip .slide-thumb')).toHaveCount(4);
  await expect(alice.locator('#slide-strip .slide-thumb')).toHaveCount(4);
  await expect.poll(() => names(bob)).toEqual(['Alpha', 'Bravo', '*', 'Charlie']);
  await h.shot(alice, 'sorter-1-duplicated');

  // Drag Charlie onto Alpha: Charlie is first.
  await alice.locator('#slide-strip .slide-thumb[data-part="3"]').dragTo(alice.locator('#slide-strip .slide-thumb[data-part="0"]'));
  await expect.poll(() => names(bob)).toEqual(['Charlie', 'Alpha', 'Bravo', '*']);

  // Move ▸ Slide to End on Alpha; then delete the copy (now third).
  await thumbMenu(alice, 1, '.uno:MovePageLast', 'Move');
  await expect.poll(() => names(bob)).toEqual(['Charlie', 'Bravo', '*', 'Alpha']);
  await thumbMenu(alice, 2, '.uno:DeletePage');
  await expect.poll(() => names(bob)).toEqual(['Charlie', 'Bravo', 'Alpha']);

  // A new slide after Bravo, given the Title Only layout from its thumbnail.
  await thumbMenu(alice, 1, '.uno:InsertPage');
  await expect(bob.locator('#slide-strip .slide-thumb')).toHaveCount(4);
  await expect(alice.locator('.slide-number')).toHaveText('Slide 3 of 4');
  await thumbMenu(alice, 2, '.uno:AssignLayout?WhatLayout:long=19', 'Layout');
  await h.settledShot(alice, 'sorter-2-title-only');

  // Bob: the grid, every thumbnail drawn; a double click opens a slide in the normal view.
  await bob.locator('#menubar').getByRole('menuitem', { name: 'View' }).click();
  await bob.locator('#menubar-menu [data-id="slide-sorter"]').click();
  await expect(bob.locator('body')).toHaveAttribute('data-slide-sorter', '1');
  await expect(bob.locator('#slide-strip .slide-thumb[data-drawn="1"]')).toHaveCount(4);
  await h.settledShot(bob, 'sorter-3-grid');
  await bob.locator('#slide-strip .slide-thumb[data-part="3"]').dblclick();
  await expect(bob.locator('body')).not.toHaveAttribute('data-slide-sorter', '1');
  await expect(bob.locator('.slide-number')).toHaveText('Slide 4 of 4');

  await h.saveByKey(alice);
  const slides = storedSlides('sorter.fodp');
  expect(slides.map((s) => s.text)).toEqual([
    'charlie title | charlie body', 'bravo title | bravo body', expect.anything(), 'alpha title | alpha body',
  ]);
  expect(slides.map((s) => s.name)).toEqual(['Charlie', 'Bravo', expect.any(String), 'Alpha']);
  // The new slide has the Title Only layout: LibreOffice stores its page layout with one title
  // placeholder and nothing else.
  const layoutName = /presentation:presentation-page-layout-name="([^"]+)"/.exec(slides[2].xml)[1];
  const xml = require('node:fs').readFileSync(`${process.env.OXOOL_DOCUMENTS}/sorter.fodp`, 'utf8');
  const layout = new RegExp(`<style:presentation-page-layout style:name="${layoutName}">(.*?)</style:presentation-page-layout>`, 's').exec(xml)[1];
  expect([...layout.matchAll(/presentation:object="([^"]+)"/g)].map((m) => m[1])).toEqual(['title']);
});
