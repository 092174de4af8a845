// An invalidation that arrives while a tile's answer is being decoded and drawn must not be
// lost. The tile layer stored the staleness the answer had on arrival after its decode had
// awaited, over the invalidation that came meanwhile, and kept old pixels as fresh: under load
// the tile-delta spec saw 2 000–18 000 stale pixels in 3 runs of 8 (and 5 of 8 with tile
// sharing on, whose answers come sooner). Deterministic here: the invalidation is delivered
// between the answer and the end of its decode.
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

test('an invalidation while a tile is decoded makes it stale again and asks for it', async ({ page }) => {
  await h.openEditor(page, (await h.links('races.odt', 'Tess')).edit);
  const result = await page.evaluate(async () => {
    const app = window.oxool;
    const { layer, fetcher } = app;
    const entry = [...layer.cache.values()].find((e) => e.bitmap && !e.stale);
    const spec = entry.spec;
    // The tile's own pixels as a PNG: what a `tile` answer carries.
    const canvas = new OffscreenCanvas(spec.width, spec.height);
    canvas.getContext('2d').drawImage(entry.bitmap, 0, 0);
    const png = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
    // The tile was invalidated and asked for again (set up by hand: a real request's answer
    // would race this one), and its answer arrives...
    const key = [spec.part, spec.x, spec.y, spec.tw, spec.th, spec.width, spec.height].join(':');
    entry.stale = true;
    fetcher.inFlight.set(key, { spec, owner: 'main', stale: false });
    const args = Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, String(v)]));
    const requested = fetcher.stats.requested;
    fetcher.receive({ name: 'tile', args: { ...args, format: 'png' }, data: png });
    // ...and, while it is decoded, another edit invalidates it.
    layer.invalidate({ part: spec.part, x: spec.x, y: spec.y, w: 1, h: 1 });
    const deadline = Date.now() + 10_000;
    while (fetcher.stats.requested === requested && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const now = layer.cache.get(key);
    return { askedAgain: fetcher.stats.requested > requested, staleOrInFlight: (now && now.stale) || fetcher.isInFlight(spec) };
  });
  expect(result.askedAgain, 'the tile is asked for again after the invalidation').toBe(true);
  expect(result.staleOrInFlight, 'the tile is not kept as fresh').toBe(true);
});
