// Time until the slide sorter of a 50-slide presentation shows its thumbnails (issue 12, point 5).
// Each run writes a fresh 50-slide presentation (a title and a body each) into the test store
// under its own name, so LibreOffice loads it anew, and measures with the page's clock:
//   open:   from the index page's button to the slide strip's visible thumbnails all drawn;
//   sorter: from View ▸ Slide Sorter to every thumbnail in the grid's sight drawn;
//   all 50: the grid scrolled to its end, until all 50 thumbnails are drawn.
// Results: printed, and written to build/browser-artifacts/bench-slide-sorter.json.
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const { writePresentation } = require('../support/presentation');
const { artifacts } = require('../support/server');

const RUNS = Number(process.env.OXOOL_BENCH_RUNS || 3);
const SLIDES = 50;

/** Resolves (in the page) with performance.now() at the first frame where `which` are all drawn. */
function whenDrawn(page, which) {
  return page.evaluate((w) => new Promise((resolve) => {
    const strip = document.getElementById('slide-strip');
    const check = () => {
      const box = strip.getBoundingClientRect();
      const thumbs = [...strip.querySelectorAll('.slide-thumb')].filter((t) => {
        if (w === 'all') return true;
        const r = t.getBoundingClientRect();
        return r.bottom > box.top && r.top < box.bottom;
      });
      if (thumbs.length > 0 && thumbs.every((t) => t.dataset.drawn === '1')) resolve({ at: performance.now(), count: thumbs.length });
      else requestAnimationFrame(check);
    };
    check();
  }), which);
}

test('slide sorter of a 50-slide presentation: time until its thumbnails show', async ({ browser }) => {
  const runs = [];
  for (let run = 0; run < RUNS; run++) {
    const name = `sorter-bench-${Date.now()}-${run}.fodp`;
    writePresentation(name, Array.from({ length: SLIDES }, (_, i) => ({
      name: `Slide ${i + 1} of the bench`, title: `Benchmark slide ${i + 1}`, body: `Body text of slide ${i + 1}`,
    })));
    const page = await browser.newPage();
    const link = (await h.links(name, 'Bench')).edit;
    await page.goto(link.index);
    const form = page.locator(`form[data-mode="edit"][data-name="${link.name}"]`);
    const t0 = Date.now();
    await Promise.all([page.waitForURL(/\/browser\/dist\/cool\.html\?WOPISrc=/), form.locator('button').click()]);
    await page.waitForFunction((n) => document.querySelectorAll('#slide-strip .slide-thumb').length === n, SLIDES, { timeout: 120_000 });
    const strip = await whenDrawn(page, 'visible');
    const navigationStart = await page.evaluate(() => performance.timeOrigin);
    const openMs = Math.round(navigationStart + strip.at - t0);
    await h.waitDrawn(page);

    const tiles0 = await page.evaluate(() => window.oxool.fetcher.stats.requested);
    await page.locator('#menubar').getByRole('menuitem', { name: 'View' }).click();
    const clicked = page.evaluate(() => new Promise((resolve) => {
      document.querySelector('#menubar-menu [data-id="slide-sorter"]').addEventListener('click', () => resolve(performance.now()), { once: true });
    }));
    await page.locator('#menubar-menu [data-id="slide-sorter"]').click();
    const sorterStart = await clicked;
    const sorter = await whenDrawn(page, 'visible');
    const sorterMs = Math.round(sorter.at - sorterStart);

    const scrollStart = await page.evaluate(() => {
      const strip = document.getElementById('slide-strip');
      strip.scrollTop = strip.scrollHeight;
      return performance.now();
    });
    const all = await whenDrawn(page, 'all');
    const allMs = Math.round(all.at - scrollStart);
    const tiles = (await page.evaluate(() => window.oxool.fetcher.stats.requested)) - tiles0;
    runs.push({ open_ms: openMs, strip_visible: strip.count, sorter_ms: sorterMs, sorter_visible: sorter.count, rest_after_scroll_ms: allMs, tiles_asked_in_sorter: tiles });
    await h.shot(page, `bench-slide-sorter-${run}`);
    await page.close();
  }
  const result = { slides: SLIDES, runs, server_bin: process.env.OXOOL_BIN_DIR || 'target/debug' };
  fs.mkdirSync(artifacts, { recursive: true });
  fs.writeFileSync(path.join(artifacts, 'bench-slide-sorter.json'), `${JSON.stringify(result, null, 2)}\n`);
  for (const r of runs) {
    console.log(`50 slides: open → ${r.strip_visible} strip thumbnails ${r.open_ms} ms; Slide Sorter → ${r.sorter_visible} thumbnails ${r.sorter_ms} ms; scrolled → all 50 ${r.rest_after_scroll_ms} ms; ${r.tiles_asked_in_sorter} tiles`);
  }
});
