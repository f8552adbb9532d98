// End-to-end tests of durable deletes: the undo survives a reload, the original file goes when
// the undo window ends (whether or not a page is open then), and a start-up sweep removes stored
// files no item owns. The undo window and the sweep's grace period are stored settings
// (`settings:undoWindowMs`, `settings:sweepGraceMs` in the meta store), set here to keep the tests short.
import assert from 'node:assert/strict';
import { fixtureImage, test } from './harness.mjs';
import { expectCount, importFiles, openApp, opfsOriginals as originals, search, setSetting, storeCounts, ui, waitMessage, waitUntil } from './app-helpers.mjs';

const names = (tiles) => tiles.map((t) => t.name);

/** { [name]: { id, expiresAtMs } } of the tombstones in storage. */
async function tombstones(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('shoebox');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const r = open.result.transaction('tombstones').objectStore('tombstones').getAll();
          r.onsuccess = () => (open.result.close(), resolve(Object.fromEntries(r.result.map((t) => [t.name, { id: t.id, expiresAtMs: t.expiresAtMs }]))));
          r.onerror = () => reject(r.error);
        };
      }),
  );
}

async function assetId(page, name) {
  const ids = await page.evaluate(
    (n) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('shoebox');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const r = open.result.transaction('assets').objectStore('assets').index('byName').getAllKeys(n);
          r.onsuccess = () => (open.result.close(), resolve(r.result));
          r.onerror = () => reject(r.error);
        };
      }),
    name,
  );
  assert.equal(ids.length, 1, `one item named ${name}`);
  return ids[0];
}

async function deleteFromLibrary(page, name) {
  await ui(page).library.getByRole('button', { name: `Open ${name}` }).click();
  await page.getByRole('dialog', { name }).getByRole('button', { name: 'Delete' }).click();
  await page.locator('p.toast').getByText(`Deleted ${name}.`).waitFor();
  // The viewer moved on to the next item: closed, the page (and its address) are the library again.
  if (await page.getByRole('dialog').count()) {
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
  }
}

const toast = (page) => page.locator('p.toast');

/** A library of `files` with the given undo window, and red-ball.jpg just deleted; returns its id. */
async function deleteRedBall(page, url, undoWindowMs, files = ['red-ball.jpg', 'blue-sky.jpg']) {
  await openApp(page, url);
  await setSetting(page, 'settings:undoWindowMs', undoWindowMs);
  await importFiles(page, files.map(fixtureImage), files.length);
  const id = await assetId(page, 'red-ball.jpg');
  await deleteFromLibrary(page, 'red-ball.jpg');
  return id;
}

test('delete: a reload inside the undo window offers Undo again; when the window ends the original file is gone', async ({ page, url, log }) => {
  const id = await deleteRedBall(page, url, 5000);
  await page.reload();

  // The page offers the same undo again, and nothing of the file has gone yet.
  await toast(page).getByText('Deleted red-ball.jpg.').waitFor({ timeout: 5000 });
  const { expiresAtMs } = (await tombstones(page))['red-ball.jpg'];
  assert.ok(Date.now() < expiresAtMs, 'the toast came back inside the window');
  assert.ok((await originals(page)).includes(id), 'the original is kept while the delete can be undone');
  await expectCount(page, 1);

  // When the window ends the toast goes and the original with it, with no further reload.
  await toast(page).waitFor({ state: 'detached', timeout: expiresAtMs - Date.now() + 5000 });
  await waitUntil('the original file is removed', async () => !(await originals(page)).includes(id), 5000);
  log(`toast gone and file removed ${Date.now() - expiresAtMs} ms after the expiry`);
  assert.deepEqual(await tombstones(page), {}, 'the tombstone is gone');
  const counts = await storeCounts(page);
  assert.equal(counts.assets, 1);
  assert.deepEqual(await originals(page), [await assetId(page, 'blue-sky.jpg')], 'only the kept photo has a file');
}, { timeoutMs: 60_000 });

test('delete: a page closed inside the undo window and opened after it leaves no file of the deleted item', async ({ page, url }) => {
  const id = await deleteRedBall(page, url, 2000);
  const { expiresAtMs } = (await tombstones(page))['red-ball.jpg'];
  await page.goto('about:blank');
  // No page of the library is open when the window ends.
  await new Promise((r) => setTimeout(r, Math.max(0, expiresAtMs - Date.now() + 200)));

  await openApp(page, url);
  await expectCount(page, 1);
  await waitUntil('the start-up removes the expired delete', async () => Object.keys(await tombstones(page)).length === 0, 10_000);
  assert.ok(!(await originals(page)).includes(id), 'no file left for the deleted item');
  assert.equal(await toast(page).count(), 0, 'no undo is offered for a delete whose window has passed');
}, { timeoutMs: 60_000 });

test('delete: Undo after a reload within the window restores the item with its thumbnail, vector and original; search finds it', async ({ page, url }) => {
  await openApp(page, url);
  await importFiles(page, ['red-ball.jpg', 'red-square.png', 'blue-sky.jpg'].map(fixtureImage), 3);
  const before = await storeCounts(page);
  await setSetting(page, 'settings:undoWindowMs', 30_000);
  await deleteFromLibrary(page, 'red-ball.jpg');
  await page.reload();
  await expectCount(page, 2);
  await toast(page).getByRole('button', { name: 'Undo' }).click();
  await expectCount(page, 3);

  const after = await storeCounts(page);
  assert.deepEqual(after.assetIdsSorted, before.assetIdsSorted, 'the same item is back, under its own id');
  assert.deepEqual([after.withoutVector, after.withoutThumbnail, after.withoutOriginal], [[], [], []], 'with its vector, thumbnail and original');
  assert.deepEqual(await tombstones(page), {});
  const red = await search(page, 'red', { minResults: 2 });
  assert.ok(names(red).includes('red-ball.jpg'), `search finds it again: ${names(red)}`);
  const thumb = await ui(page).results.getByRole('button', { name: 'Open red-ball.jpg' }).locator('img').getAttribute('src');
  assert.match(thumb ?? '', /^data:image\//, 'its thumbnail shows');
}, { timeoutMs: 60_000 });

test('sweep: on start, a stored file no item owns and older than the grace period is removed and reported; a younger one is kept', async ({ page, url }) => {
  await openApp(page, url);
  await setSetting(page, 'settings:sweepGraceMs', 4000);
  await importFiles(page, [fixtureImage('blue-sky.jpg')], 1);
  const plant = (name, sizeBytes) =>
    page.evaluate(
      async ([n, size]) => {
        const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('originals', { create: true });
        const writable = await (await dir.getFileHandle(n, { create: true })).createWritable();
        await writable.write(new Uint8Array(size));
        await writable.close();
        return (await (await dir.getFileHandle(n)).getFile()).lastModified;
      },
      [name, sizeBytes],
    );
  const oldAt = await plant('leftover-old', 250_000);
  // The clock only moves forward: wait until the planted file is older than the grace period.
  await new Promise((r) => setTimeout(r, Math.max(0, oldAt + 4000 - Date.now() + 100)));
  await plant('leftover-young', 1000);
  await page.reload();

  await waitMessage(page, /^Shoebox: Removed 1 leftover file \(0\.3 MB\) that no item used$/, 15_000);
  const left = await originals(page);
  assert.ok(!left.includes('leftover-old'), 'the old leftover is removed');
  assert.ok(left.includes('leftover-young'), 'a file younger than the grace period (an import in flight) is kept');
  assert.ok(left.includes(await assetId(page, 'blue-sky.jpg')), "the item's own file is kept");
  await expectCount(page, 1);
}, { timeoutMs: 60_000 });

test('delete: a second tab opened inside the undo window keeps the file, offers the Undo, and its Undo brings the item back', async ({ page, context, url }) => {
  const id = await deleteRedBall(page, url, 30_000);

  const second = await context.newPage();
  await openApp(second, url);
  await expectCount(second, 1);
  await toast(second).getByText('Deleted red-ball.jpg.').waitFor();
  assert.ok((await originals(second)).includes(id), 'the second tab leaves the first tab’s pending delete alone');
  await toast(second).getByRole('button', { name: 'Undo' }).click();
  await expectCount(second, 2);
  const counts = await storeCounts(second);
  assert.deepEqual([counts.assets, counts.withoutOriginal, counts.withoutThumbnail, counts.withoutVector], [2, [], [], []]);
  // The first tab's Undo finds the item already back and shows it again. (Brought to the front
  // first: a tab behind gets no animation frames, and a click there waits seconds for them.)
  await page.bringToFront();
  await toast(page).getByRole('button', { name: 'Undo' }).click();
  await expectCount(page, 2);
  assert.deepEqual(await tombstones(page), {});
}, { timeoutMs: 60_000 });
