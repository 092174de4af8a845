// A password-protected docx, made here by LibreOffice itself (support/make-protected.py): the
// page asks for the password; a wrong one asks again; cancel leaves a clear message; the right
// one opens it. A second user joining the open document is not asked. The password never
// reaches the server's log.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { test } = require('@playwright/test');
const h = require('../support/helpers');
const { repo } = require('../support/server');

const { expect } = h;

const PASSWORD = 'open sesame ü';
const NAME = 'protected.docx';

/** The index page's button for NAME, without waiting for the document (it may ask first). */
async function startOpening(page, user) {
  const link = (await h.links(NAME, user)).edit;
  await page.goto(link.index);
  const form = page.locator(`form[data-mode="edit"][data-name="${NAME}"]`);
  await Promise.all([page.waitForURL(/\/browser\/dist\/cool\.html\?WOPISrc=/), form.locator('button').click()]);
}

/** The prompt, or null when the load failed without asking. */
async function waitForPrompt(page) {
  const prompt = page.locator('.password-dialog');
  await page.waitForFunction(() => document.querySelector('.password-dialog')
    || (window.oxool && window.oxool.lastError && window.oxool.lastError.kind === 'load'), null, { timeout: 90_000 });
  return (await prompt.count()) > 0 ? prompt : null;
}

test('a protected docx asks for its password; wrong asks again, cancel explains, right opens', async ({ browser }) => {
  const made = path.join(process.env.OXOOL_DOCUMENTS, NAME);
  // Made fresh by LibreOffice; if that fails, the test fails with its error.
  execFileSync('/usr/bin/python3', [path.join(__dirname, '..', 'support', 'make-protected.py'),
    path.join(repo, 'tests', 'fixtures', 'simple.docx'), made, PASSWORD], { stdio: 'pipe' });
  expect(fs.readFileSync(made).subarray(0, 4).toString('hex')).toBe('d0cf11e0'); // an encrypted OOXML is a CFB file

  const alice = await (await h.newContext(browser)).newPage();
  const sent = h.recordSent(alice);
  await startOpening(alice, 'Alice');
  let prompt = await waitForPrompt(alice);
  expect(prompt, 'the page asks for the password rather than failing the load').not.toBeNull();
  await expect(prompt.locator('#password-input')).toBeFocused();
  await expect(prompt.locator('.password-wrong')).toBeHidden();
  await h.shot(alice, 'password-1-asked');

  // Cancel: no document, a sentence that says why.
  await prompt.getByRole('button', { name: 'Cancel' }).click();
  await expect(alice.locator('.password-dialog')).toHaveCount(0);
  await expect(alice.locator('#loading-text')).toContainText('protected by a password');
  await expect(alice.locator('body')).toHaveAttribute('data-load-stage', 'password-cancelled');

  // Again: a wrong password asks again and says so; the right one opens the document.
  await startOpening(alice, 'Alice');
  prompt = await waitForPrompt(alice);
  await prompt.locator('#password-input').fill('not it');
  await prompt.locator('#password-input').press('Enter');
  await expect(alice.locator('.password-dialog .password-wrong')).toBeVisible({ timeout: 60_000 });
  expect(sent.filter((m) => m.startsWith('load ')).pop()).toContain('password=not%20it');
  await h.shot(alice, 'password-2-wrong');
  await alice.locator('#password-input').fill(PASSWORD);
  await alice.getByRole('button', { name: 'Open' }).click();
  await h.waitDrawn(alice);
  expect(sent.filter((m) => m.startsWith('load ')).pop()).toContain('password=open%20sesame%20%C3%BC');
  expect(await h.inkRatio(alice)).toBeGreaterThan(0.001);
  await h.shot(alice, 'password-3-open');

  // Bob joins the open document: not asked.
  const bob = await (await h.newContext(browser)).newPage();
  await startOpening(bob, 'Bob');
  await h.waitDrawn(bob);
  await expect(bob.locator('.password-dialog')).toHaveCount(0);

  // The password is nowhere in the server's log.
  const log = fs.readFileSync(path.join(h.artifactsDir(), 'wsd.log'), 'utf8');
  expect(log).not.toContain('open sesame');
  expect(log).not.toContain('open%20sesame');
  expect(log).not.toContain('not it');
});
