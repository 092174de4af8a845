// The print frame where the editor page may frame the PDF (`frame-src blob:` in its security
// policy, as print needs): Chromium's PDF viewer loads it and the frame prints. The policy is
// added here in the browser, whatever this server's version sends, so the client's frame path
// is tested too (specs/print.spec.js tests the server as it is).
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

// A page whose response Playwright rewrote counts as "public" for Chromium's local-network
// checks, which would then refuse its WebSocket to 127.0.0.1.
test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-features=LocalNetworkAccessChecks'],
  },
});

test('the print frame loads the PDF and prints it', async ({ page }) => {
  await page.route(/\/browser\/dist\/cool\.html/, async (route) => {
    const response = await route.fetch();
    const headers = response.headers();
    const policy = headers['content-security-policy'] || "default-src 'self'";
    if (!/frame-src[^;]*blob:/.test(policy)) headers['content-security-policy'] = `${policy}; frame-src 'self' blob:`;
    await route.fulfill({ response, headers });
  });
  await h.openEditor(page, (await h.links('print.docx', 'Pia')).edit);
  await page.keyboard.press('Control+p');
  const frame = page.locator('#print-frame');
  await expect(frame).toHaveAttribute('data-printed', '1', { timeout: 60_000 });
  expect(await frame.evaluate((f) => f.contentDocument.contentType)).toBe('application/pdf');
  expect(await frame.getAttribute('src')).toMatch(/^blob:/);
  // Shown for the screenshot only: the frame is invisible to users.
  await frame.evaluate((f) => { f.style.cssText = 'position:fixed;left:40px;top:120px;width:600px;height:640px;z-index:99;opacity:1;border:1px solid #888'; });
  await page.waitForTimeout(1500);
  await h.shot(page, 'print-2-pdf-in-frame');
});
