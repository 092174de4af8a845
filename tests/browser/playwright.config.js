// Playwright against a real oxool-wsd (support/global-setup.js) with Debian's chromium,
// headless. One worker: every spec drives real LibreOffice kits on a small machine.
const path = require('node:path');
const { defineConfig } = require('@playwright/test');

const artifacts = path.resolve(__dirname, '..', '..', 'build', 'browser-artifacts');

module.exports = defineConfig({
  testDir: 'specs',
  globalSetup: require.resolve('./support/global-setup.js'),
  outputDir: path.join(artifacts, 'results'),
  workers: 1,
  fullyParallel: false,
  // One retry, reported as flaky in the list: a load that hangs in the kit's LibreOffice (seen
  // about twice in 45 opens, the warm kit reserve's kit, killed after 60 s) must not sink the
  // whole suite; the retry opens the document in a fresh kit. A test that fails twice fails.
  retries: 1,
  // Generous per-test limits: LibreOffice loads and saves on a shared 2-core machine.
  timeout: 180_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    acceptDownloads: true,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    },
  },
});
