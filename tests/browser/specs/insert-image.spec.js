// Insert ▸ Image… with two users (issue 12.6): Alice picks a PNG from her computer; it goes as
// one binary `insert-image` frame on her own connection to this document's kit, which writes
// it into its jail, inserts it and removes the file. Bob's tiles show it; the stored docx and
// odt embed it. An image over 10 MiB is refused in the page before anything is sent.
const zlib = require('node:zlib');
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const d = require('../support/dialogs');

const { expect } = h;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xFFFFFFFF;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xFF] ^ (c >>> 8);
  return (c ^ 0xFFFFFFFF) >>> 0;
}
function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}
/** A `width` × `height` PNG, solid red, left to right fading to blue: easy to see in a tile. */
function png(width, height) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = [];
  for (let y = 0; y < height; y += 1) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x += 1) row.set([220, 30, Math.round((255 * x) / width)], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

/** How much of the visible document is strongly red (the inserted image). */
async function redShare(page) {
  return page.evaluate(() => {
    const c = document.getElementById('doc-canvas');
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let red = 0;
    for (let i = 0; i < px.length; i += 16) if (px[i] > 180 && px[i + 1] < 80) red += 1;
    return red / (px.length / 16);
  });
}

async function insertImage(page, name, bytes) {
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    d.menu(page, 'Insert', 'Image…'),
  ]);
  await chooser.setFiles({ name, mimeType: 'image/png', buffer: bytes });
}

test('Alice inserts a PNG: Bob sees it, the docx embeds it', async ({ browser }) => {
  const { contexts: [alice, bob], pages: [a, b] } = await h.openTogether(browser, 'ins-image.docx', ['Alice', 'Bob']);
  expect(await redShare(b)).toBe(0);
  await h.caretToEnd(a);

  const image = png(240, 120);
  await insertImage(a, '../../secret/red.png', image);
  await expect.poll(() => redShare(a), { timeout: 60_000 }).toBeGreaterThan(0.01);
  await h.settle(b);
  await expect.poll(() => redShare(b), { timeout: 60_000 }).toBeGreaterThan(0.01);
  await h.settledShot(a, 'insert-image-1-alice');
  await expect(a.locator('.toast.error')).toHaveCount(0);
  await h.shot(b, 'insert-image-2-bob');

  await a.keyboard.press('Escape'); // the image is selected; back to the text
  await h.saveByKey(a);
  const document = h.zipMember('ins-image.docx', 'word/document.xml');
  expect(document).toMatch(/<w:drawing>/);
  const rels = h.zipMember('ins-image.docx', 'word/_rels/document.xml.rels');
  expect(rels).toMatch(/Target="media\/[^"]+\.png"/); // embedded, not linked
  expect(rels).not.toContain('TargetMode="External"');
  await alice.close();
  await bob.close();
});

test('odt: the image is embedded in Pictures/; an image over 10 MiB is refused in the page', async ({ page }) => {
  await h.openEditor(page, (await h.links('ins-image.odt', 'Alice')).edit);
  // What the page sends: Playwright does not report the Blob frame, so count sendBinary calls.
  await page.evaluate(() => {
    const conn = window.oxool.conn;
    const send = conn.sendBinary.bind(conn);
    window.sentImages = [];
    conn.sendBinary = (name, args, bytes) => { window.sentImages.push([name, args.name, bytes.byteLength]); return send(name, args, bytes); };
  });
  await page.locator('#input-sink').focus();

  const tooBig = Buffer.concat([png(8, 8), Buffer.alloc(10 * 1024 * 1024)]);
  await insertImage(page, 'huge.png', tooBig);
  await expect(page.locator('.toast', { hasText: 'too large' })).toBeVisible();
  expect(await page.evaluate(() => window.sentImages)).toEqual([]);

  const image = png(160, 80);
  await insertImage(page, 'red.png', image);
  expect(await page.evaluate(() => window.sentImages)).toEqual([['insert-image', 'red.png', image.length]]);
  await expect.poll(() => redShare(page), { timeout: 60_000 }).toBeGreaterThan(0.005);
  await h.settledShot(page, 'insert-image-3-odt');
  await page.keyboard.press('Escape');
  await h.saveByKey(page);
  const content = h.zipMember('ins-image.odt', 'content.xml');
  expect(content).toMatch(/<draw:image [^>]*xlink:href="Pictures\/[^"]+\.png"/);
});

for (const [name, media] of [['ins-image.xlsx', 'xl/media/'], ['ins-image.pptx', 'ppt/media/']]) {
  test(`${name.split('.')[1]}: the image appears and is embedded`, async ({ page }) => {
    await h.openEditor(page, (await h.links(name, 'Alice')).edit);
    const before = await redShare(page); // a slide may have a little red already
    await insertImage(page, 'red.png', png(200, 100));
    await expect.poll(() => redShare(page), { timeout: 60_000 }).toBeGreaterThan(before + 0.002);
    await h.settledShot(page, `insert-image-${name.split('.')[1]}`);
    await expect(page.locator('.toast.error')).toHaveCount(0);
    await page.keyboard.press('Escape');
    await h.saveByKey(page);
    const listing = require('node:child_process').execFileSync('python3', ['-c',
      'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))',
      require('node:path').join(process.env.OXOOL_DOCUMENTS, name)], { encoding: 'utf8' });
    expect(listing).toMatch(new RegExp(`^${media}[^\\n]+\\.png$`, 'm'));
  });
}
