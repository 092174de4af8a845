// First paint: from the editor page's form POST (the click on the index page's button) until
// the document is loaded and every visible tile is drawn. The document is already open in a kit
// after the first run (as for a second user, and for every user of a busy server), so this
// measures the page, wsd and the tiles, not LibreOffice's load. Results: printed, and written to
// build/browser-artifacts/bench-first-paint.json.
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const { artifacts } = require('../support/server');

const OPENS = Number(process.env.OXOOL_BENCH_OPENS || 12);

test('first paint of an open document, p50/p95', async ({ browser }) => {
  // One page keeps the document open, so every measured page joins it.
  const keeper = await browser.newPage();
  await h.openEditor(keeper, (await h.links('bench.docx', 'Keeper')).edit);
  const samples = [];
  for (let i = 0; i < OPENS; i++) {
    const page = await browser.newPage();
    const link = (await h.links('bench.docx', `Reader ${i}`)).edit;
    await page.goto(link.index);
    const form = page.locator(`form[data-mode="edit"][data-name="${link.name}"]`);
    const t0 = Date.now();
    await Promise.all([page.waitForURL(/\/browser\/dist\/cool\.html\?WOPISrc=/), form.locator('button').click()]);
    await h.waitDrawn(page);
    samples.push(Date.now() - t0);
    await page.close();
  }
  await keeper.close();
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  const result = { opens: OPENS, p50_ms: at(50), p95_ms: at(95), min_ms: sorted[0], max_ms: sorted[sorted.length - 1],
    server_bin: process.env.OXOOL_BIN_DIR || 'target/debug' };
  fs.mkdirSync(artifacts, { recursive: true });
  fs.writeFileSync(path.join(artifacts, 'bench-first-paint.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`browser first paint (document already open): p50 ${result.p50_ms} ms, p95 ${result.p95_ms} ms over ${OPENS} opens`);
});
