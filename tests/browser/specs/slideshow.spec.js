// The slideshow in the browser, with two users: Alice presents (full screen; next and previous
// by key and click; a hidden slide skipped; the transitions the document has) while Bob edits a
// slide she has not reached yet: she sees his edit when she gets there, her own view stays on
// its slide, and the stored presentation has Bob's text.
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const { writePresentation, storedSlides, typeIntoTitle } = require('../support/presentation');

const { expect } = h;
const EMU_PER_TWIP = 635;

const show = (page) => page.evaluate(() => window.oxool.slides.slideshow && window.oxool.slides.slideshow.describe());

/** Waits until the show presents `part`, fully painted and current. */
async function presenting(page, part, transition) {
  await expect.poll(() => show(page)).toMatchObject({ part, drawn: true, transition });
}

/** A hash of the pixels the show holds for `part` once painted (it paints the next slide ahead). */
async function paintedSlideHash(page, part) {
  await page.waitForFunction((p) => {
    const slide = window.oxool.slides.slideshow.slides.get(p);
    return slide && slide.canvas.dataset.drawn === '1';
  }, part);
  return page.evaluate((p) => {
    const c = window.oxool.slides.slideshow.slides.get(p).canvas;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let hash = 2166136261;
    for (let i = 0; i < d.length; i += 4) hash = Math.imul(hash ^ (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16)), 16777619);
    return hash >>> 0;
  }, part);
}

/** How many pixels of the shown slide's canvas are dark (text, shapes): a white slide is 0. */
function inkOfShownSlide(page) {
  return page.evaluate(() => {
    const c = document.querySelector('#slideshow canvas.current');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 16) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) ink += 1;
    return ink;
  });
}

test('slideshow: Alice presents with keys, clicks and transitions while Bob edits', async ({ browser }) => {
  writePresentation('show.fodp', [
    { name: 'One', title: 'first slide title', body: 'first body' },
    { name: 'Two', title: 'second slide title', body: 'second body', transition: { type: 'fade', subtype: 'crossfade' } },
    { name: 'Three', title: 'hidden slide title', hidden: true },
    { name: 'Four', title: 'fourth slide title', transition: { type: 'pushWipe', subtype: 'fromLeft' } },
  ]);
  const alice = await h.newPage(browser);
  const bob = await h.newPage(browser);

  await h.openEditor(alice, (await h.links('show.fodp', 'Alice')).edit);
  await h.openEditor(bob, (await h.links('show.fodp', 'Bob')).edit);

  // Slide ▸ Start Slide Show.
  await alice.locator('#menubar').getByRole('menuitem', { name: 'Slide' }).click();
  await alice.locator('#menubar-menu [data-id="slideshow"]').click();
  await expect(alice.locator('#slideshow')).toBeVisible();
  await expect(alice.locator('#slideshow')).toHaveAttribute('data-planned', '1');
  await presenting(alice, 0, 'none');
  expect(await alice.evaluate(() => document.fullscreenElement && document.fullscreenElement.id)).toBe('slideshow');
  // What the document says: slide 3 is hidden, 2 fades in, 4 is pushed in from the left.
  expect(await show(alice)).toMatchObject({ hidden: [2], transitions: { 1: 'fade', 3: 'push-from-left' } });
  expect(await inkOfShownSlide(alice)).toBeGreaterThan(100);
  await h.shot(alice, 'slideshow-1-first');

  // Next by key: slide 2, with its fade.
  await alice.keyboard.press('ArrowRight');
  await presenting(alice, 1, 'fade');
  await h.shot(alice, 'slideshow-2-second');
  // Slide 4 is painted ahead (slide 3 is hidden), before Bob's edit.
  const fourthBefore = await paintedSlideHash(alice, 3);

  // Bob, editing meanwhile: slide 4's title gets his words.
  await typeIntoTitle(bob, 3, 4, ' edited by Bob');
  await expect(bob.locator('#save-state')).toHaveAttribute('data-modified', '1');
  await bob.keyboard.press('Escape');
  await h.settledShot(bob, 'slideshow-4-bob-edited');

  // Next by click: the hidden slide is skipped; slide 4 comes pushed from the left, painted
  // again after Bob's edit.
  await alice.locator('#slideshow').click({ position: { x: 300, y: 300 } });
  await presenting(alice, 3, 'push-from-left');
  await expect.poll(() => paintedSlideHash(alice, 3)).not.toBe(fourthBefore);
  await h.shot(alice, 'slideshow-3-fourth-edited');

  // Previous by key skips the hidden slide too; the button bar's previous as well.
  await alice.keyboard.press('ArrowLeft');
  await presenting(alice, 1, 'none');
  await alice.locator('#slideshow [data-action="show-prev"]').click();
  await presenting(alice, 0, 'none');
  // Escape ends the show; Alice's own view never left slide 1 and nothing of hers changed.
  await alice.keyboard.press('Escape');
  await expect(alice.locator('#slideshow')).toHaveCount(0);
  expect(await alice.evaluate(() => window.oxool.status.part)).toBe('0');

  // Shift+F5 starts from the current slide; past the last slide the show ends.
  await alice.locator('#slide-strip .slide-thumb[data-part="3"]').click();
  await expect(alice.locator('.slide-number')).toHaveText('Slide 4 of 4');
  await alice.keyboard.press('Shift+F5');
  await presenting(alice, 3, 'none');
  await alice.keyboard.press('Space');
  await expect(alice.locator('#slideshow')).toHaveCount(0);

  await h.saveByKey(bob);
  const slides = storedSlides('show.fodp');
  expect(slides.map((s) => s.text)).toEqual([
    'first slide title | first body', 'second slide title | second body', 'hidden slide title',
    'fourth slide title edited by Bob',
  ]);
});
