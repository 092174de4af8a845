// What the specs share: links from the local store's index page, opening the editor and
// waiting until the document is drawn, reading the stored file, and screenshots.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { expect, test } = require('@playwright/test');
const { artifacts } = require('./server');

const baseURL = () => process.env.OXOOL_BASE_URL;

function unescapeHtml(s) {
  return s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/**
 * The edit and view-only entries the index page gives `user` for `name`. Each is a form that
 * POSTs the token to the editor page (no token in any URL); openEditor submits it.
 */
async function links(name, user) {
  const index = `${baseURL()}/?user=${encodeURIComponent(user)}`;
  const html = await (await fetch(index)).text();
  const forms = [...html.matchAll(/<form method="post" action="[^"]*" data-name="([^"]*)" data-mode="(edit|view)">/g)];
  if (!forms.some((m) => unescapeHtml(m[1]) === name)) {
    throw new Error(`the index page has no row for ${name}`);
  }
  return { edit: { index, name, mode: 'edit' }, view: { index, name, mode: 'view' } };
}

/**
 * Opens an entry of `links` the way a person does (the index page, then its button: a form POST
 * to the editor page), and waits until the document is loaded and the visible tiles are drawn.
 */
async function openEditor(page, link) {
  await closeEarlierContexts();
  await page.goto(link.index);
  const form = page.locator(`form[data-mode="${link.mode}"][data-name="${link.name}"]`);
  await Promise.all([page.waitForURL(/\/browser\/dist\/cool\.html\?WOPISrc=/), form.locator('button').click()]);
  expect(page.url()).not.toContain('access_token');
  await waitDrawn(page);
}

/**
 * Several people editing `name` at once, each in their own browser context (own cookies and
 * storage). `beforeOpen(page, i)` runs on each page before any opens (to record what it sends);
 * then they open the document one after the other, in the order of `users`. Returns the
 * contexts, the pages and what beforeOpen returned, each in that order.
 */
/**
 * Contexts the specs open beside the `page` fixture's (several people at once). Playwright
 * closes only the contexts it made itself: pages left from earlier tests stayed connected,
 * kept their documents' kits alive and loaded the browser (print-frame.spec.js timed out with
 * ~18 of them open). Each is closed once a later test opens a context or an editor.
 */
const opened = [];

async function closeEarlierContexts() {
  const current = test.info().testId;
  for (let i = opened.length - 1; i >= 0; i--) {
    if (opened[i].testId === current) continue;
    const [{ context }] = opened.splice(i, 1);
    await context.close().catch(() => {});
  }
}

/** browser.newContext(options), closed when a later test starts (see `opened`). */
async function newContext(browser, options) {
  await closeEarlierContexts();
  const context = await browser.newContext(options);
  opened.push({ context, testId: test.info().testId });
  return context;
}

/** A page in a context of its own (browser.newPage()), closed when a later test starts. */
async function newPage(browser, options) {
  return (await newContext(browser, options)).newPage();
}

async function openTogether(browser, name, users, { beforeOpen = () => undefined } = {}) {
  const contexts = [];
  for (let i = 0; i < users.length; i++) contexts.push(await newContext(browser));
  const pages = [];
  for (const context of contexts) pages.push(await context.newPage());
  const prepared = pages.map((page, i) => beforeOpen(page, i));
  for (let i = 0; i < users.length; i++) await openEditor(pages[i], (await links(name, users[i])).edit);
  return { contexts, pages, prepared };
}

/**
 * Loaded, every visible tile current and none in flight, and the server quiet for `quietMs`
 * (an edit's invalidation may still be on its way when the tiles look current).
 */
async function waitDrawn(page, timeout = 120_000, quietMs = 0) {
  try {
    await page.waitForFunction((quiet) => {
      const o = window.oxool;
      if (!o || !o.status) return false;
      const d = o.describe();
      return d.connection === 'loaded' && d.layer.staleVisible === 0 && d.tiles.inFlight === 0
        && d.quietMs >= quiet;
    }, quietMs, { timeout, polling: 50 });
  } catch (e) {
    const state = await page.evaluate(() => window.oxool && {
      ...window.oxool.describe(), inFlight: [...window.oxool.fetcher.inFlight.keys()],
    }).catch(() => null);
    throw new Error(`the document was not drawn: ${JSON.stringify(state)}\n${e.message}`);
  }
}

/** Waits until every visible tile is current again after edits (see waitDrawn). */
async function settle(page) {
  await waitDrawn(page, 30_000, 400);
}

async function shot(page, name) {
  fs.mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled' });
  return file;
}

/** A screenshot once the page has drawn everything an edit changed (settle). */
async function settledShot(page, name) {
  await settle(page);
  return shot(page, name);
}

/** Text of a stored document: PDF through the server's own convert-to, then pdftotext. */
async function storedText(name) {
  const file = path.join(process.env.OXOOL_DOCUMENTS, name);
  const form = new FormData();
  form.append('data', new Blob([fs.readFileSync(file)]), name);
  const res = await fetch(`${baseURL()}/cool/convert-to/pdf`, { method: 'POST', body: form });
  if (!res.ok) throw new Error(`convert-to answered ${res.status}`);
  const pdf = path.join(artifacts, `${name}.pdf`);
  fs.writeFileSync(pdf, Buffer.from(await res.arrayBuffer()));
  return execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
}

/** A member of a stored OOXML/ODF zip, as text (python3 is there already for the WOPI host). */
function zipMember(name, member) {
  const script = 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())';
  return execFileSync('python3', ['-c', script, path.join(process.env.OXOOL_DOCUMENTS, name), member], { encoding: 'utf8' });
}

/**
 * Presses a key that moves the caret and waits until the page shows it moved, as a person
 * looks before typing on. (wsd may apply a `text` before an earlier `key`: see
 * specs/input-order.spec.js.)
 */
async function pressAndSeeCaret(page, key) {
  const before = await page.evaluate(() => JSON.stringify(window.oxool.describe().caret));
  await page.keyboard.press(key);
  await page.waitForFunction((b) => JSON.stringify(window.oxool.describe().caret) !== b, before, { timeout: 15_000 });
}

/** Client coordinates of a twip position of the current part (to click there). */
async function twipsToClient(page, x, y) {
  return page.evaluate(({ x, y }) => {
    const l = window.oxool.layer;
    const p = l.twipsToCss(x, y);
    const r = l.sizer.getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, { x, y });
}

/** Where the page shows this view's caret (twips: x, y, w, h), or null. */
async function caretOf(page) {
  return page.evaluate(() => window.oxool.describe().caret);
}

/**
 * The caret at the start of the current line (Home) and at each of the next `words` word
 * starts (Ctrl+→), each seen to move.
 */
async function wordStarts(page, words) {
  await pressAndSeeCaret(page, 'Home');
  const starts = [await caretOf(page)];
  for (let i = 0; i < words; i++) {
    await pressAndSeeCaret(page, 'Control+ArrowRight');
    starts.push(await caretOf(page));
  }
  return starts;
}

/** Gives the document the keyboard and puts the caret at its end (Ctrl+End, seen to move). */
async function caretToEnd(page) {
  await page.locator('#input-sink').focus();
  await pressAndSeeCaret(page, 'Control+End');
}

/** Waits for doc-state save=idle modified=0 (the document is stored). */
async function waitSaved(page) {
  await page.waitForFunction(() => {
    const s = window.oxool.describe().docState;
    return s.save === 'idle' && s.modified === '0';
  }, null, { timeout: 60_000 });
}

/** Ctrl+S, as a person saves, then waits until the document is stored (waitSaved). */
async function saveByKey(page) {
  await page.keyboard.press('Control+s');
  await waitSaved(page);
}

/** Downloads the document as `format` through the page (the toolbar's code path). */
async function downloadAs(page, format) {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    page.evaluate((f) => window.oxool.download(f), format),
  ]);
  const file = path.join(artifacts, `download-${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(file);
  return file;
}

/** Pixels of the document canvas in a CSS-px rectangle of the document area, as a hash. */
async function canvasHash(page, rect) {
  return page.evaluate((r) => {
    const c = document.getElementById('doc-canvas');
    const dpr = window.oxool.layer.dpr;
    const d = c.getContext('2d').getImageData(Math.round(r.x * dpr), Math.round(r.y * dpr), Math.round(r.w * dpr), Math.round(r.h * dpr)).data;
    let h = 2166136261;
    for (let i = 0; i < d.length; i += 4) h = Math.imul(h ^ (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16)), 16777619);
    return h >>> 0;
  }, rect);
}

/** How much of the visible document is not plain white/background: a blank canvas is ~0. */
async function inkRatio(page) {
  return page.evaluate(() => {
    const c = document.getElementById('doc-canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 16) if (d[i] < 160 && d[i + 1] < 160 && d[i + 2] < 160) ink += 1;
    return ink / (d.length / 16);
  });
}

/** Messages the page sends from now on, in order, for checking what went over the wire. */
function recordSent(page) {
  const sent = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
  return sent;
}

/**
 * A ping through the page's own connection, answered: the server has read and handled every
 * message the page sent before it (the connection is ordered). Replaces "wait a while and assume
 * nothing more comes".
 */
async function serverRoundTrip(page) {
  await page.evaluate(() => new Promise((resolve, reject) => {
    const conn = window.oxool.conn;
    const socket = conn.ws;
    if (!socket) return reject(new Error('the page has no open WebSocket'));
    const onMessage = (e) => {
      if (typeof e.data === 'string' && (e.data === 'pong' || e.data.startsWith('pong '))) {
        socket.removeEventListener('message', onMessage);
        resolve();
      }
    };
    socket.addEventListener('message', onMessage);
    conn.send('ping');
    setTimeout(() => reject(new Error('no pong within 30 s')), 30_000);
  }));
}

/** The entry of an open submenu (`.popup-menu`) that runs `command`, once it shows. */
async function popupEntry(page, command) {
  const entry = page.locator(`.popup-menu [data-command="${command}"]`);
  await expect(entry).toBeVisible();
  return entry;
}

/** Clicks `entry` of the open `menu`, which then closes. */
async function choose(menu, entry) {
  await entry.click();
  await expect(menu).toBeHidden();
}

module.exports = {
  serverRoundTrip, recordSent,
  artifactsDir: () => artifacts,
  baseURL, links, openEditor, openTogether, newContext, newPage, waitDrawn, settle, shot, settledShot, storedText,
  zipMember, waitSaved, saveByKey, downloadAs, canvasHash, inkRatio, pressAndSeeCaret, caretOf,
  wordStarts, caretToEnd, twipsToClient, popupEntry, choose, expect,
};
