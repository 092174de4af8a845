// A 7-page document: scrolling draws what comes into view, and tiles that scrolled away
// before their turn are never asked for (only the window plus a margin is requested).
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

test('scrolling a long document asks only for what is shown', async ({ page }) => {
  const sent = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => { if (String(f.payload).startsWith('tiles ')) sent.push(String(f.payload)); }));
  await h.openEditor(page, (await h.links('long.docx', 'Ivan')).edit);
  const size = await page.evaluate(() => {
    const l = window.oxool.layer;
    return { tiles: Math.ceil(l.docW / l.tileTwips) * Math.ceil(l.docH / l.tileTwips), height: l.sizer.offsetHeight };
  });
  expect(size.height).toBeGreaterThan(5 * 1000); // seven pages laid out
  await h.shot(page, 'scroll-1-top');

  // Scroll through the whole document in steps without waiting, then jump to the end.
  for (let i = 1; i <= 10; i++) {
    await page.evaluate((f) => { const s = window.oxool.layer.scroller; s.scrollTo(0, f * (s.scrollHeight - s.clientHeight)); }, i / 20);
    await page.waitForTimeout(30);
  }
  await page.evaluate(() => { const s = window.oxool.layer.scroller; s.scrollTo(0, s.scrollHeight); });
  await h.waitDrawn(page);
  expect(await h.inkRatio(page)).toBeGreaterThan(0.001);
  await h.shot(page, 'scroll-2-end');

  const asked = new Set();
  for (const m of sent) {
    const at = m.match(/ at=([^ ]+)/)[1];
    for (const p of at.split(',')) asked.add(p);
  }
  // Not every tile of the document was asked for: the middle that flew past was skipped.
  expect(asked.size).toBeLessThan(size.tiles);
  // The end of the document is drawn: the benchmark document's last line is on its last page.
  const txt = require('node:fs').readFileSync(await h.downloadAs(page, 'txt'), 'utf8');
  expect(txt).toContain('oxool benchmark end marker');
});
