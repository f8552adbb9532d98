// Taking photos in and indexing them are two stages: with the search model out of reach, photos are
// still added and browsable, one message says what is missing, and they become searchable by
// themselves once the model is there.
import assert from 'node:assert/strict';
import { expectText, fixtureImage, FIXTURE_MODEL_ID, test } from './harness.mjs';
import { copyModelToFolder, expectCount, importFiles, messageTexts, openApp, pickableModelFolder, search, storeCounts, ui } from './app-helpers.mjs';

const PHOTOS = ['red-ball.jpg', 'green-leaf.jpg', 'blue-sky.jpg', 'yellow-sun.jpg'];

test('stages: with no model reachable, photos are added and browsable with one message, and become searchable once the model is provided', async ({ page, context, url }) => {
  // The model's download fails as a dropped connection does.
  const blocked = `**/models/${FIXTURE_MODEL_ID}/**`;
  await context.route(blocked, (route) => route.abort('internetdisconnected'));
  await openApp(page, url);
  // A first visit downloads the model with the first photos: that is when it is found missing.
  await ui(page).fileInput.setInputFiles(PHOTOS.map(fixtureImage));
  const alerts = page.getByRole('alert');
  await expectText(alerts, /^\s*The search model could not be loaded from this site\. Photos and videos are still added and can be browsed/, 20_000);
  await expectText(ui(page).status, new RegExp(`^\\s*Added ${PHOTOS.length} of ${PHOTOS.length}\\b`));
  await expectCount(page, PHOTOS.length);
  for (const name of PHOTOS) await ui(page).library.getByText(name).waitFor();
  const waiting = page.getByTestId('not-searchable');
  await expectText(waiting, `${PHOTOS.length} items not yet searchable — waiting for the search model`);
  const stored = await storeCounts(page);
  assert.equal(stored.assets, PHOTOS.length);
  assert.equal(stored.embeddings, 0);

  // Exactly one message about the model, and no file reported as failed because of it.
  assert.equal(await alerts.count(), 1, `alerts: ${await alerts.allTextContents()}`);
  assert.deepEqual(await messageTexts(page), []);

  await context.unroute(blocked);
  await alerts.getByRole('button', { name: 'Try again' }).click();
  await expectText(waiting, /^\s*$/, 20_000);
  assert.equal(await alerts.count(), 0);
  const after = await storeCounts(page);
  assert.deepEqual([after.assets, after.embeddings, after.withoutVector], [PHOTOS.length, PHOTOS.length, []]);

  const tiles = await search(page, 'red');
  assert.equal(tiles[0]?.name, 'red-ball.jpg', `"red": ${tiles.map((t) => t.name).join(', ')}`);
  assert.deepEqual(await messageTexts(page), []);
}, { timeoutMs: 60_000 });

test('stages: switching to another model re-indexes every item in the background; the library stays browsable and search answers from the new vectors', async ({ page, context, url }) => {
  // The same fixture files in a folder of another name: to Shoebox, another model.
  await pickableModelFolder(context, 'another-clip');
  await openApp(page, url);
  await copyModelToFolder(page, 'another-clip');
  await importFiles(page, PHOTOS.map(fixtureImage));
  const before = (await storeCounts(page)).vectorModels;
  assert.equal(Object.values(before).reduce((a, b) => a + b, 0), PHOTOS.length);

  const settings = page.getByRole('button', { name: 'Settings', exact: true });
  await settings.click();
  await page.getByRole('radio', { name: 'A folder on this device' }).check();
  await page.getByRole('button', { name: 'Use this model' }).click();
  await expectText(page.getByTestId('model-status'), /Ready in/, 20_000);
  await settings.click();
  await expectCount(page, PHOTOS.length);
  // Every item gets a vector of the new model by itself; none of the old model is left beside it.
  const deadline = Date.now() + 20_000;
  let after = before;
  while (Date.now() < deadline) {
    after = (await storeCounts(page)).vectorModels;
    if (after['another-clip@q8'] === PHOTOS.length) break;
    await page.waitForTimeout(100);
  }
  assert.deepEqual(Object.values(after), [PHOTOS.length], `vectors by model after the switch: ${JSON.stringify(after)} (before: ${JSON.stringify(before)})`);
  assert.deepEqual(Object.keys(after), ['another-clip@q8'], 'the vectors are the new model\'s');
  await expectText(page.getByTestId('not-searchable'), /^\s*$/);
  const tiles = await search(page, 'red');
  assert.equal(tiles[0]?.name, 'red-ball.jpg', `"red": ${tiles.map((t) => t.name).join(', ')}`);
  assert.deepEqual(await messageTexts(page), []);
}, { timeoutMs: 60_000 });
