// Input is applied in the order it was sent. A `key` (Ctrl+End) followed at once by `text`
// must type the text at the end of the document.
//
// LibreOffice runs a shortcut's command asynchronously, behind input sent after it; the kit
// waits for it (kit/src/session/barrier.rs). Before that, Ctrl+Home, Ctrl+End, "Z0Z" gave "Z0"
// at the start of the document and "Z" at the end.
const fs = require('node:fs');
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

test('a key then text, sent back to back, apply in order', async ({ page }) => {
  await h.openEditor(page, (await h.links('order.odt', 'Judy')).edit);
  for (let i = 0; i < 3; i++) {
    await page.evaluate((n) => {
      const c = window.oxool.conn;
      const key = (code) => {
        c.send('key', { type: 'input', char: 0, code });
        c.send('key', { type: 'up', char: 0, code });
      };
      key(1028 | 0x2000); // Ctrl+Home
      key(1029 | 0x2000); // Ctrl+End
      c.send('text', { text: `Q${n}Q` });
    }, i);
    await h.settle(page);
  }
  // LibreOffice starts a UTF-8 text export with a byte-order mark (kit/src/convert.rs).
  const text = fs.readFileSync(await h.downloadAs(page, 'txt'), 'utf8').replace(/^\ufeff/, '');
  const lines = text.split(/\r?\n/).filter(Boolean);
  expect(lines[0]).toBe('oxool fixture heading');
  expect(lines[lines.length - 1]).toBe('second paragraph betaQ0QQ1QQ2Q');
});
