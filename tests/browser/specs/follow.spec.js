// Following (issue 12.7): Alice clicks Bob in the user list; when Bob goes to the end of a
// seven-page document and types there, Alice's view scrolls so that his caret is visible.
// Scrolling herself stops it; clicking Bob again follows him back to the top. In Calc, following
// switches to the sheet the followed user is on (CELL_VIEW_CURSOR names it).
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

/** Where Bob's caret is in Alice's window: {visible, y (CSS px from the document's top)}. */
function caretInView(page, lokView) {
  return page.evaluate((id) => {
    const o = window.oxool;
    const view = o.describe().views[id];
    if (!view || !view.caret) return null;
    const p = o.layer.twipsToCss(view.caret.x, view.caret.y);
    const s = o.layer.scroller;
    return { visible: p.y >= s.scrollTop && p.y <= s.scrollTop + s.clientHeight, y: p.y, top: s.scrollTop };
  }, lokView);
}

test('Alice follows Bob to the end of a long document', async ({ browser }) => {
  const { pages: [a, b] } = await h.openTogether(browser, 'follow.docx', ['Alice', 'Bob']);
  const bob = a.locator('#user-list .user[data-name="Bob"]');
  await expect(bob).toBeVisible();
  const bobView = await bob.getAttribute('data-lok-view');
  await expect(a.locator('#user-list .user[data-name="Alice"]')).not.toHaveAttribute('role', 'button');

  await bob.click();
  await expect(bob).toHaveClass(/following/);
  await expect(bob).toHaveAttribute('aria-pressed', 'true');
  expect(await a.evaluate(() => window.oxool.describe().following)).toBe(bobView);
  const startTop = await a.evaluate(() => window.oxool.layer.scroller.scrollTop);

  // Bob goes to the last page and types there.
  await h.caretToEnd(b);
  await b.keyboard.type(' Bob was here');
  await expect.poll(async () => (await caretInView(a, bobView)) || {}, { timeout: 30_000 })
    .toMatchObject({ visible: true });
  const there = await caretInView(a, bobView);
  expect(there.top).toBeGreaterThan(startTop + 4000); // several pages down
  await h.waitDrawn(a);
  await expect(a.locator('.view-caret[data-name="Bob"]')).toBeInViewport();
  await h.shot(a, 'follow-1-bob-at-the-end');

  // Alice scrolls by hand: she no longer follows, Bob's jump to the top leaves her view.
  await a.mouse.move(640, 400);
  await a.mouse.wheel(0, -300);
  await expect(bob).not.toHaveClass(/following/);
  expect(await a.evaluate(() => window.oxool.describe().following)).toBeNull();
  await a.waitForTimeout(200); // the wheel's smooth scroll ends
  const ownTop = await a.evaluate(() => window.oxool.layer.scroller.scrollTop);
  await h.pressAndSeeCaret(b, 'Control+Home');
  await expect.poll(async () => ((await caretInView(a, bobView)) || {}).y).toBeLessThan(2000);
  await h.serverRoundTrip(a);
  expect(await a.evaluate(() => window.oxool.layer.scroller.scrollTop)).toBe(ownTop);

  // Clicking him again follows him back to the top; a third click stops.
  await bob.click();
  await expect.poll(async () => ((await caretInView(a, bobView)) || {}).visible).toBe(true);
  expect(await a.evaluate(() => window.oxool.layer.scroller.scrollTop)).toBeLessThan(ownTop);
  await bob.click();
  await expect(bob).toHaveAttribute('aria-pressed', 'false');
  await h.shot(a, 'follow-2-back-at-the-top');
});

test('Calc: following switches to the followed user\'s sheet', async ({ browser }) => {
  const { pages: [a, b] } = await h.openTogether(browser, 'follow.xlsx', ['Alice', 'Bob']);
  const bob = a.locator('#user-list .user[data-name="Bob"]');
  await bob.click();
  await expect(bob).toHaveClass(/following/);

  // Bob goes to the second sheet and moves his cell cursor there.
  await b.locator('#sheet-tabs .sheet-tab', { hasText: 'Second' }).click();
  await expect.poll(() => b.evaluate(() => window.oxool.status.part)).toBe('1');
  await b.locator('#input-sink').focus();
  await b.keyboard.press('ArrowDown');

  await expect.poll(() => a.evaluate(() => window.oxool.status.part)).toBe('1');
  await expect(a.locator('#sheet-tabs .sheet-tab[aria-selected="true"]')).toHaveText('Second');
  await h.waitDrawn(a);
  await h.shot(a, 'follow-3-calc-second-sheet');
});
