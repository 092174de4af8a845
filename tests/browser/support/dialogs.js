// What the dialog specs share: opening a LibreOffice dialog with a `.uno:` command (the page's
// own connection, as a menu does), waiting until the page shows it painted or built, and
// reading what a painted dialog shows.
const { expect } = require('@playwright/test');
// Dialog specs had it here first; helpers.js has it for every spec.
const { recordSent } = require('./helpers');

/** Sends `uno command=…` on the page's connection (what a menu item does). */
async function uno(page, command) {
  const sent = await page.evaluate((c) => window.oxool.conn.send('uno', { command: c }), command);
  expect(sent).toBe(true);
}

/** Chooses `item` in the menubar's `title` menu, as a person does. */
async function menu(page, title, item) {
  await page.locator('#menubar').getByRole('menuitem', { name: title, exact: true }).click();
  // Items show their shortcut, and check items have their own role: match the label's text.
  await page.locator('#menubar-menu [role^="menuitem"]', { hasText: item }).first().click();
}

/** Sends `command` and waits for the JSDialog box it opens; returns the box's locator. */
async function jsdialogBox(page, command) {
  await uno(page, command);
  const box = page.locator('.dialog-jsdialog');
  await expect(box).toBeVisible();
  return box;
}

/** Chooses `item` in the `title` menu and waits for the painted dialog it opens (paintedDialog). */
async function menuDialog(page, title, item, dialogTitle) {
  await menu(page, title, item);
  return paintedDialog(page, dialogTitle);
}

/** The page's dialogs (painted windows, JSDialog boxes, sidebar), as describe() reports them. */
async function dialogs(page) {
  return page.evaluate(() => window.oxool.describe().dialogs);
}

/**
 * Waits for a painted dialog whose title matches `title` to be open and fully painted (every
 * requested piece drawn, none pending); returns its description.
 */
async function paintedDialog(page, title, timeout = 60_000) {
  await page.waitForFunction((t) => {
    const w = window.oxool.describe().dialogs.windows.find((d) => d.type === 'dialog' && new RegExp(t).test(d.title));
    return !!w && w.painted > 0 && w.pending === 0;
  }, title.source || title, { timeout, polling: 100 });
  const list = await dialogs(page);
  return list.windows.find((d) => d.type === 'dialog' && new RegExp(title.source || title).test(d.title));
}

/** Waits until no dialog (painted or JSDialog) is open in the page. */
async function noDialog(page, timeout = 30_000) {
  await page.waitForFunction(() => {
    const d = window.oxool.describe().dialogs;
    return d.windows.length === 0 && d.jsdialogs.length === 0;
  }, null, { timeout, polling: 100 });
}

/** Waits until a painted window has drawn everything asked of it (after input changed it). */
async function dialogSettled(page, id) {
  await page.waitForFunction((wid) => {
    const w = window.oxool.describe().dialogs.windows.find((d) => d.id === wid);
    return !!w && w.pending === 0;
  }, id, { timeout: 30_000, polling: 100 });
  // LibreOffice invalidates in bursts: a quiet moment, then whatever followed is drawn too.
  await page.waitForTimeout(300);
  await page.waitForFunction((wid) => {
    const w = window.oxool.describe().dialogs.windows.find((d) => d.id === wid);
    return !!w && w.pending === 0;
  }, id, { timeout: 30_000, polling: 100 });
}

/** Types `text` over the focused field of painted window `id` (Ctrl+A first), seen drawn. */
async function typeOver(page, id, text) {
  await page.keyboard.press('Control+a');
  await page.keyboard.type(text);
  await dialogSettled(page, id);
}

/** A hash of a painted window's canvas pixels and how much of it is not background. */
async function canvasInfo(page, id) {
  return page.evaluate((wid) => {
    const c = document.querySelector(`canvas.window-canvas[data-window-id="${wid}"]`);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) {
      h = Math.imul(h ^ (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16)), 16777619);
      if (d[i] < 120 && d[i + 1] < 120 && d[i + 2] < 120) ink += 1;
    }
    return { hash: h >>> 0, ink: ink / (d.length / 4), width: c.width, height: c.height };
  }, id);
}

/** Clicks a painted window at (x, y) in window logical px. */
async function clickWindow(page, id, x, y, options = {}) {
  const box = await page.locator(`canvas.window-canvas[data-window-id="${id}"]`).boundingBox();
  await page.mouse.click(box.x + x, box.y + y, options);
}

/** Clicks OK (Insert, …: the button at the bottom right) of painted dialog `win` (paintedDialog's). */
async function clickOk(page, win) {
  await clickWindow(page, win.id, win.width - 55, win.height - 30);
}

module.exports = {
  uno, jsdialogBox, menu, menuDialog, dialogs, paintedDialog, noDialog, dialogSettled, typeOver,
  canvasInfo, clickWindow, clickOk, recordSent,
};
