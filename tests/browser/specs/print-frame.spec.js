// The print frame with the server as it is: the editor page's security policy has
// `frame-src 'self' blob:` (wsd/src/editing/page.rs), so Chromium's PDF viewer loads the
// document's PDF into the hidden frame and the frame prints. Then the fallback: behind a proxy
// whose policy forbids framing, the PDF is downloaded and the user is told why.
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

test('the print frame loads the PDF and prints it', async ({ page }) => {
  await h.openEditor(page, (await h.links('print.docx', 'Pia')).edit);
  const policy = (await fetch(page.url())).headers.get('content-security-policy') || '';
  expect(policy).toMatch(/(^|;)\s*frame-src 'self' blob:\s*(;|$)/);
  await page.keyboard.press('Control+p');
  const frame = page.locator('#print-frame');
  await expect(frame).toHaveAttribute('data-printed', '1', { timeout: 60_000 });
  expect(await frame.evaluate((f) => f.contentDocument.contentType)).toBe('application/pdf');
  expect(await frame.getAttribute('src')).toMatch(/^blob:/);
  // Shown for the screenshot only: the frame is invisible to users.
  await frame.evaluate((f) => { f.style.cssText = 'position:fixed;left:40px;top:120px;width:600px;height:640px;z-index:99;opacity:1;border:1px solid #888'; });
  await expect.poll(() => frame.evaluate((f) => f.contentDocument.readyState)).toBe('complete');
  await h.shot(page, 'print-2-pdf-in-frame');
});

// A page whose response Playwright rewrote counts as "public" for Chromium's local-network
// checks, which would then refuse its WebSocket to 127.0.0.1: this test has its own browser
// without those checks.
test('behind a policy that forbids framing, the PDF is downloaded and the user told why', async ({ playwright }) => {
  const browser = await playwright.chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-features=LocalNetworkAccessChecks'],
  });
  try {
    const page = await (await h.newContext(browser, { viewport: { width: 1280, height: 800 }, acceptDownloads: true })).newPage();
    await page.route(/\/browser\/dist\/cool\.html/, async (route) => {
      const response = await route.fetch();
      const headers = response.headers();
      headers['content-security-policy'] = headers['content-security-policy'].replace(/frame-src[^;]*/, "frame-src 'none'");
      await route.fulfill({ response, headers });
    });
    await h.openEditor(page, (await h.links('print.docx', 'Pia')).edit);
    const download = page.waitForEvent('download', { timeout: 60_000 });
    await page.keyboard.press('Control+p');
    await expect(page.locator('#print-frame')).toHaveAttribute('data-printed', 'blocked', { timeout: 60_000 });
    expect((await download).suggestedFilename()).toBe('print.pdf');
    await expect(page.locator('#toasts .toast.warning')).toContainText('PDF was downloaded');
    await h.shot(page, 'print-3-blocked-downloaded');
  } finally {
    await browser.close();
  }
});
