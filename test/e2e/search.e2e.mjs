// End-to-end tests of search features beyond plain text: "More like this", deletion with undo,
// negative terms, filters, and the relevance cut-off. Fixture model: colour words ↔ colours.
import assert from 'node:assert/strict';
import { expectText, fixtureImage, fixtureManifest, test } from './harness.mjs';
import { expectCount, importFiles, openApp, search, ui } from './app-helpers.mjs';

const manifest = fixtureManifest();
const GOOD = Object.keys(manifest).filter((k) => manifest[k].kind === 'good' && !k.includes('/'));
const names = (tiles) => tiles.map((t) => t.name);

async function openTile(page, name) {
  await page.getByRole('button', { name: `Open ${name}` }).first().click();
  const dialog = page.getByRole('dialog', { name });
  await dialog.waitFor();
  return dialog;
}

test('search: "More like this" on a photo returns its colour sibling first', async ({ page, url }) => {
  await openApp(page, url);
  await importFiles(page, GOOD.map(fixtureImage), 12);
  await search(page, 'green');
  const dialog = await openTile(page, 'green-leaf.jpg');
  await dialog.getByRole('button', { name: 'More like this' }).click();
  await page.getByRole('heading', { name: 'More like green-leaf.jpg' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="Search results"] li').length > 0);
  const tiles = await ui(page).results.getByRole('listitem').locator('.name').allTextContents();
  assert.equal(tiles[0], 'green-field.png', `the other green photo first: ${tiles}`);
  assert.ok(!tiles.includes('green-leaf.jpg'), 'the photo itself is not its own neighbour');
});

test('search: delete removes at once and stays deleted after reload; undo puts it back', async ({ page, url }) => {
  await openApp(page, url);
  await importFiles(page, ['red-ball.jpg', 'red-square.png', 'blue-sky.jpg'].map(fixtureImage), 3);
  let red = await search(page, 'red');
  assert.deepEqual(names(red).slice(0, 2).sort(), ['red-ball.jpg', 'red-square.png']);

  // Delete, then undo: everything is back, searchable.
  let dialog = await openTile(page, 'red-ball.jpg');
  await dialog.getByRole('button', { name: 'Delete' }).click();
  // The viewer moves on to the next result; closed, the page's toast offers the Undo.
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  await page.locator('p.toast').getByText('Deleted red-ball.jpg.').waitFor();
  await expectCount(page, 2);
  assert.ok(!names(await search(page, 'red')).includes('red-ball.jpg'), 'gone from results at once');
  await page.getByRole('button', { name: 'Undo' }).click();
  await expectCount(page, 3);
  red = await search(page, 'red');
  assert.ok(names(red).includes('red-ball.jpg'), `back after undo: ${names(red)}`);

  // Delete for good: still gone after a reload.
  dialog = await openTile(page, 'red-square.png');
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expectCount(page, 2);
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  await page.reload();
  await expectCount(page, 2);
  red = await search(page, 'red');
  assert.ok(!names(red).includes('red-square.png'), `deleted photo stays gone after reload: ${names(red)}`);
  assert.equal(red[0].name, 'red-ball.jpg');
  // The index the reload built holds exactly what the library holds.
  await ui(page).settings.click();
  await expectText(page.getByTestId('index-status'), /exact scan, 2 items,\s+read from the stored vectors/);
});

test('search: after a reload a file name still finds its photo first and the type filter still knows photos from videos', async ({ page, url }) => {
  await openApp(page, url);
  await importFiles(page, ['yellow-sun.jpg', 'yellow-banana.png', 'blue-sky.jpg'].map(fixtureImage), 3);
  // After the reload the search index knows names and types only from what it read back at its start.
  await page.reload();
  await expectCount(page, 3);
  // Both yellow photos match the words; the name picks one, marked as a name match.
  for (const name of ['yellow-banana.png', 'yellow-sun.jpg']) {
    const byName = await search(page, name);
    assert.equal(byName[0].name, name, `the named photo first: ${names(byName)}`);
    await ui(page).results.getByRole('listitem').first().locator('.badge', { hasText: 'name' }).waitFor();
  }
  await page.getByLabel('Show').selectOption('video');
  await page.getByText(/Nothing in your library matches yet/).waitFor();
  await page.getByLabel('Show').selectOption('image');
  assert.equal((await search(page, 'blue'))[0].name, 'blue-sky.jpg');
});

test('search: a minus term pushes results away; the type filter keeps photos or videos', async ({ page, url }) => {
  await openApp(page, url);
  await importFiles(page, ['orange-sunset.png', 'red-ball.jpg', 'yellow-sun.jpg', 'blue-sky.jpg'].map(fixtureImage), 4);
  const plain = await search(page, 'orange red');
  const pushed = await search(page, 'orange red -red');
  const rank = (tiles, n) => names(tiles).indexOf(n);
  assert.ok(rank(pushed, 'red-ball.jpg') > rank(plain, 'red-ball.jpg') || pushed[0].name !== 'red-ball.jpg', `"-red" moves the red photo down: ${names(plain)} → ${names(pushed)}`);
  assert.notEqual(pushed[0].name, 'red-ball.jpg');

  await page.getByLabel('Show').selectOption('video');
  await page.getByText(/Nothing in your library matches yet/).waitFor();
  await page.getByLabel('Show').selectOption('image');
  const photos = await search(page, 'blue');
  assert.equal(photos[0].name, 'blue-sky.jpg');
});

test('search: a query with no good match says so and folds the closest items', async ({ page, url }) => {
  await openApp(page, url);
  await importFiles(page, ['red-ball.jpg', 'red-square.png', 'yellow-sun.jpg', 'yellow-banana.png', 'blue-sky.jpg', 'blue-ocean.png', 'dark-night.jpg', 'white-snow.png', 'orange-sunset.png'].map(fixtureImage), 9);
  const tiles = await search(page, 'green');
  assert.ok(tiles.every((t) => t.weak), `no strong match for "green" without green photos: ${JSON.stringify(tiles)}`);
  await page.getByText(/No good match in your library/).waitFor();
});
