// Saving fails (the store's folder is gone for a moment): the page says so and offers a
// retry; nothing is lost, and the retry stores the edit once the folder is back.
const fs = require('node:fs');
const { test } = require('@playwright/test');
const h = require('../support/helpers');

const { expect } = h;

test('failed save shows the failure and a retry that stores the edit', async ({ page }) => {
  await h.openEditor(page, (await h.links('savefail.docx', 'Heidi')).edit);
  await h.caretToEnd(page);
  await page.keyboard.type(' kept through a failed save');
  await expect(page.locator('#save-state')).toHaveAttribute('data-modified', '1');

  const documents = process.env.OXOOL_DOCUMENTS;
  const away = `${documents}.away`;
  fs.renameSync(documents, away);
  try {
    await page.keyboard.press('Control+s');
    await expect(page.locator('#save-state')).toHaveAttribute('data-save', 'failed', { timeout: 60_000 });
    await expect(page.locator('#save-state')).toContainText('Failed to save');
    await expect(page.locator('#save-state button[data-action=retry-save]')).toBeVisible();
    await expect(page.locator('#save-state')).toHaveAttribute('data-modified', '1');
    await expect(page.locator('#toasts .toast.error')).toBeVisible();
    await h.shot(page, 'save-failure-1-failed');
  } finally {
    fs.renameSync(away, documents);
  }
  await page.locator('#save-state button[data-action=retry-save]').click();
  await h.waitSaved(page);
  await expect(page.locator('#save-state')).toContainText('Saved');
  expect((await h.storedText('savefail.docx')).replace(/\s+/g, ' ')).toContain('kept through a failed save');
  await h.shot(page, 'save-failure-2-saved');
});
