// The document's kit is killed while someone edits: the page says what happened, reconnects
// with backoff as the protocol allows after `close reason=kit-crashed`, and draws the
// document again. Never a silent blank page.
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const { artifacts } = require('../support/server');

const { expect } = h;

/**
 * The pid of the kit that holds `name`, from wsd's log: "document loaded kit_pid=…" or, when the
 * broker reopened it after a crash and the page rejoined that broker, "was reopened … kit_pid=…".
 */
function kitPid(name) {
  const id = Buffer.from(name).toString('base64url');
  const log = fs.readFileSync(path.join(artifacts, 'wsd.log'), 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
  const lines = log.split('\n').filter((l) => (l.includes('document loaded') || l.includes('was reopened')) && l.includes(`/wopi/files/${id}`));
  const m = lines.length && lines[lines.length - 1].match(/kit_pid=(\d+)/);
  if (!m) throw new Error(`no "document loaded" or "was reopened" line for ${name} in wsd.log`);
  return Number(m[1]);
}

test('kill the kit while editing: error shown, reconnect, document drawn again', async ({ page }) => {
  await h.openEditor(page, (await h.links('crash.docx', 'Frank')).edit);
  await h.caretToEnd(page);
  await page.keyboard.type(' typing before the crash');
  await expect(page.locator('#save-state')).toHaveAttribute('data-modified', '1');
  await page.locator('[data-zoom=in]').click();
  await expect(page.locator('#zoom-level')).toHaveText('125 %');
  await h.settle(page);
  const pid = kitPid('crash.docx');
  process.kill(pid, 'SIGKILL');

  // The page tells what happened and that it is coming back.
  const banner = page.locator('#connection-banner');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('The document process ended unexpectedly');
  await expect(banner).toContainText(/Reconnect/);
  await expect.poll(() => page.evaluate(() => window.oxool.describe().lastClose && window.oxool.describe().lastClose.reason)).toBe('kit-crashed');
  await h.shot(page, 'kit-crash-1-banner');
  expect(await h.inkRatio(page)).toBeGreaterThan(0.001); // the last picture stays, not a blank page

  // Reconnected to a new kit, the document is drawn again and can be edited.
  await h.waitDrawn(page);
  await expect(banner).toBeHidden();
  await expect(page.locator('#zoom-level')).toHaveText('125 %'); // the user's place is kept
  expect(kitPid('crash.docx')).not.toBe(pid);
  expect(await h.inkRatio(page)).toBeGreaterThan(0.001);
  await h.caretToEnd(page);
  await page.keyboard.type(' after');
  await expect(page.locator('#save-state')).toHaveAttribute('data-modified', '1');
  await h.settledShot(page, 'kit-crash-2-reconnected');
});
