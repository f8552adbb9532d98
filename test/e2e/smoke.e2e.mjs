import assert from 'node:assert/strict';
import { test } from './harness.mjs';

test('smoke: app shell loads, cross-origin isolated, has upload + search', async ({ page, url }) => {
  await page.goto(url);

  const title = await page.title();
  assert.match(title, /Shoebox/, `page title should contain "Shoebox", got ${JSON.stringify(title)}`);

  const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
  assert.equal(isolated, true, 'crossOriginIsolated must be true (COOP/COEP headers)');

  // a file input (often visually hidden, so only require it to be attached)
  const upload = page.getByLabel('Add photos and videos').and(page.locator('input[type="file"]'));
  await upload.first().waitFor({ state: 'attached' });

  const search = page.getByRole('searchbox', { name: 'Search' });
  await search.waitFor({ state: 'visible' });
});
