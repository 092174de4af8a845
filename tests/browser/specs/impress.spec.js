// Impress: the slide strip shows every slide; go to slide 2 with it and type into its title.
const { execFileSync } = require('node:child_process');
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;
const EMU_PER_TWIP = 635;
// The middle of a slide's title box (fixture: offset 720000,360000 EMU, size 8640000×1080000 EMU).
const TITLE_MIDDLE = { x: (720000 + 8640000 / 2) / EMU_PER_TWIP, y: (360000 + 1080000 / 2) / EMU_PER_TWIP };

/** The pixels of the slide strip's thumbnail of `part`, once drawn (a data URL). */
async function slideThumb(page, part) {
  const thumb = page.locator(`#slide-strip .slide-thumb[data-part="${part}"]`);
  await expect(thumb).toHaveAttribute('data-drawn', '1');
  return thumb.locator('canvas').evaluate((c) => c.toDataURL());
}

test('slide strip, next/previous, type into a text box on slide 2', async ({ page }) => {
  await h.openEditor(page, (await h.links('impress.pptx', 'Dave')).edit);
  await expect(page.locator('#slide-strip .slide-thumb')).toHaveCount(2);
  await expect(page.locator('#slide-strip .slide-thumb[data-drawn="1"]')).toHaveCount(2);
  await expect(page.locator('.slide-number')).toHaveText('Slide 1 of 2');
  // The slides' names (from `parts`) under their pictures and in their labels.
  const names = await page.evaluate(() => window.oxool.partNames);
  expect(names).toHaveLength(2);
  await expect(page.locator('#slide-strip .slide-name')).toHaveText(names);
  await expect(page.locator('#slide-strip .slide-thumb[data-part="1"]')).toHaveAttribute('aria-label', `Slide 2: ${names[1]}`);
  await h.shot(page, 'impress-1-loaded');

  // Next, previous, then slide 2 through the strip.
  await page.locator('[data-action=next-slide]').click();
  await expect(page.locator('.slide-number')).toHaveText('Slide 2 of 2');
  await page.locator('[data-action=prev-slide]').click();
  await expect(page.locator('.slide-number')).toHaveText('Slide 1 of 2');
  await page.locator('#slide-strip .slide-thumb[data-part="1"]').click();
  await expect(page.locator('.slide-number')).toHaveText('Slide 2 of 2');
  await expect(page.locator('#slide-strip .slide-thumb[data-part="1"]')).toHaveAttribute('aria-current', 'true');
  await h.settle(page);

  // The title box of slide 2: a double click at its middle enters its text; End goes to the end
  // of the title.
  const at = await h.twipsToClient(page, TITLE_MIDDLE.x, TITLE_MIDDLE.y);
  await page.mouse.dblclick(at.x, at.y);
  // As a person would, type once the caret shows inside the title box.
  await page.waitForFunction(() => {
    const c = window.oxool.describe().caret;
    return c && c.y >= 560 && c.y <= 2270 && document.getElementById('own-caret');
  });
  // (The double click may already have put the caret at the end: End need not move it.)
  await page.keyboard.press('End');
  await h.settle(page);
  const thumbBefore = await slideThumb(page, 1);
  await page.keyboard.type(' edited by Dave');
  await expect(page.locator('#save-state')).toHaveAttribute('data-modified', '1');
  await h.settledShot(page, 'impress-2-typed');
  await page.keyboard.press('Escape');

  await h.saveByKey(page);
  const text = (await h.storedText('impress.pptx')).replace(/\s+/g, ' ');
  expect(text).toContain('oxool slide two title edited by Dave');
  expect(text).toContain('oxool slide one title');
  // The thumbnail of slide 2 was refreshed after the edit: its pixels changed.
  await expect.poll(() => slideThumb(page, 1), { timeout: 30_000 }).not.toBe(thumbBefore);
  await h.settledShot(page, 'impress-3-saved');
});

test('ODF presentation: slide names in the strip; a shape copied and pasted', async ({ page }) => {
  const sent = h.recordSent(page);
  await h.openEditor(page, (await h.links('names.odp', 'Erin')).edit);
  // The fixture names its slides (docs: tests/fixtures/README.md); numbers stay beside them.
  await expect(page.locator('#slide-strip .slide-name')).toHaveText(['Slide1', 'Slide2']);
  await expect(page.locator('#slide-strip .slide-index')).toHaveText(['1', '2']);
  await expect(page.locator('#slide-strip .slide-thumb[data-part="0"]')).toHaveAttribute('aria-label', 'Slide 1: Slide1');

  // The title shape of slide 1 selected (into its text, then Escape): a shape has no text to
  // read back, so Ctrl+C, Ctrl+V paste LibreOffice's own copy of it.
  const at = await h.twipsToClient(page, TITLE_MIDDLE.x, TITLE_MIDDLE.y);
  await page.mouse.dblclick(at.x, at.y);
  await page.waitForFunction(() => document.getElementById('own-caret'));
  await page.keyboard.press('Escape');
  await expect(page.locator('#doc-sizer .own-graphic')).toBeVisible();
  await page.keyboard.press('Control+c');
  await page.keyboard.press('Control+v');
  await expect.poll(() => sent.includes('uno command=.uno:Paste')).toBe(true);
  await h.settle(page);
  await h.saveByKey(page);
  const content = h.zipMember('names.odp', 'content.xml');
  const slide1 = content.match(/<draw:page [^>]*draw:name="Slide1".*?<\/draw:page>/s)[0];
  expect(slide1.split('oxool slide one title').length - 1).toBe(2);
});
