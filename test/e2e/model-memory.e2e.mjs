// An unused model is released (its worker's memory given back) and loads again on its next use:
// searching and adding photos keep working, and the search box's focus loads the text part ahead.
// `?modelIdleMs=` shortens the idle time.
import assert from 'node:assert/strict';
import { expectText, fixtureImage, test } from './harness.mjs';
import { appUrl, closeSettings, expectCount, importFiles, search, ui, waitModelReady } from './app-helpers.mjs';

const RELEASED = /^\s*Nothing now: each part loads when needed/;

async function waitReleased(page) {
  await waitModelReady(page);
  await expectText(page.getByTestId('model-memory'), RELEASED, 20_000);
  await closeSettings(page);
}

test('model memory: an unused model is released; search and import load it again', async ({ page, url }) => {
  await page.goto(`${appUrl(url)}&modelIdleMs=1500`);
  await ui(page).searchbox.waitFor();
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await importFiles(page, ['red-ball.jpg', 'blue-sky.jpg'].map(fixtureImage), 2);

  // Released after the import: a search loads the text part again, offline too (from the browser's cache).
  await waitReleased(page);
  await page.context().setOffline(true);
  const red = await search(page, 'red');
  assert.equal(red[0]?.name, 'red-ball.jpg', `red first: ${red.map((t) => t.name)}`);
  await page.context().setOffline(false);

  // Released again: the search box's focus loads the text part ahead of a query.
  await waitModelReady(page);
  await expectText(page.getByTestId('model-memory'), RELEASED, 20_000);
  // Every text the row shows, since the part may be released again before a poll would see it.
  await page.evaluate(() => {
    const row = document.querySelector('[data-testid="model-memory"]');
    window.__memoryTexts = [];
    new MutationObserver(() => window.__memoryTexts.push(row.textContent)).observe(row, { subtree: true, childList: true, characterData: true });
  });
  await ui(page).searchbox.focus();
  await page.waitForFunction(() => window.__memoryTexts.some((t) => /The text part/.test(t)), null, { timeout: 15_000 });

  // Released again: photos added now are indexed by the image part, loaded again for them.
  await waitReleased(page);
  await importFiles(page, [fixtureImage('green-leaf.jpg')], 1);
  await expectCount(page, 3);
  const green = await search(page, 'green');
  assert.equal(green[0]?.name, 'green-leaf.jpg', `green first: ${green.map((t) => t.name)}`);
});

test('model memory: photos added right after the first load are indexed and grouped by name with the image part alone', async ({ page, url }) => {
  await page.goto(appUrl(url));
  await ui(page).searchbox.waitFor();
  // A fresh profile: "Download now" loads both parts (to check the model and embed the group names'
  // prompts), then releases them: the import loads the image part alone.
  await waitModelReady(page);
  await expectText(page.getByTestId('model-memory'), RELEASED);
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid="model-memory"]');
    window.__memoryTexts = [];
    new MutationObserver(() => window.__memoryTexts.push(el.textContent)).observe(el, { subtree: true, childList: true, characterData: true });
  });
  await importFiles(page, ['red-ball.jpg', 'red-square.png', 'yellow-banana.png', 'yellow-sun.jpg'].map(fixtureImage), 4);

  // Groups with automatic names, whose prompt vectors came from the load: the text part never came back.
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Clusters' }).click();
  const names = page.getByRole('list', { name: 'Clusters', exact: true }).locator('.cluster-name');
  await page.waitForFunction(() => {
    const shown = [...document.querySelectorAll('[aria-label="Clusters"] .cluster-name')].map((n) => n.textContent?.trim());
    return shown.length === 2 && shown.every((n) => n && n !== 'Unnamed group');
  }, null, { timeout: 15_000 });
  assert.equal(await names.count(), 2);
  const texts = await page.evaluate(() => window.__memoryTexts.map((t) => t.trim()));
  assert.ok(texts.some((t) => t.startsWith('The image part')), `the image part alone indexed them: ${JSON.stringify(texts)}`);
  assert.ok(!texts.some((t) => /text part/.test(t)), `the text part was not loaded again: ${JSON.stringify(texts)}`);
});

test('model memory: a library opened again shows its items and groups without the model; the first search loads it', async ({ page, url }) => {
  await page.goto(appUrl(url));
  await ui(page).searchbox.waitFor();
  await importFiles(page, ['red-ball.jpg', 'blue-sky.jpg', 'red-square.png'].map(fixtureImage), 3);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));

  const runtime = [];
  page.context().on('request', (req) => {
    if (/ort-wasm|\/models\//.test(new URL(req.url()).pathname)) runtime.push(req.url());
  });
  await page.reload();
  await expectCount(page, 3);
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Clusters' }).click();
  await page.getByRole('list', { name: 'Clusters', exact: true }).getByRole('listitem').first().waitFor({ timeout: 20_000 });
  const settings = ui(page).settings;
  await settings.click();
  await expectText(page.getByTestId('model-status'), /^\s*Saved on this device: it loads when you search or add photos/);
  assert.equal(await page.getByTestId('model-memory').count(), 0, 'nothing of the model is in memory');
  assert.deepEqual(runtime, [], 'the model runtime is not started to browse');
  await closeSettings(page);

  const red = await search(page, 'red', { timeoutMs: 30_000 });
  assert.equal(red[0]?.name.startsWith('red-'), true, `red first: ${red.map((t) => t.name)}`);
  const { status } = await waitModelReady(page);
  assert.match(status, /^Ready in/);
});
