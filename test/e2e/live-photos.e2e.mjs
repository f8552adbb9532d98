// End-to-end tests of Live Photos and Motion Photos: a still and its short motion file dropped
// together are one item whose motion plays in the viewer, a lone MOV stays a video, an Android
// Motion Photo plays the MP4 inside its JPEG, and a delete (with its Undo) takes both parts.
// Fixtures: test/fixtures/live (scripts/make-live-fixtures.sh).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, expectText, test } from './harness.mjs';
import { expectCount, exportArchive, importFiles, inFreshProfileWith, messageTexts, openApp, opfsOriginals, readTiles, search, seriousViolations, setSetting, ui, waitUntil, withoutSavePicker } from './app-helpers.mjs';

const live = (name) => join(ROOT, 'test/fixtures/live', name);
const DROP = ['IMG_0101.JPG', 'IMG_0101.MOV', 'IMG_0102.MOV', 'PXL_0103.MP.jpg'].map(live);

/** The Motion Photo with its XMP claiming a video longer than the file (same byte count, so the JPEG stays valid). */
function hostileMotionPhoto() {
  const text = readFileSync(live('PXL_0103.MP.jpg')).toString('latin1');
  const claimed = text.replace(/(Item:Semantic="MotionPhoto" Item:Length=")(\d+)"/, (_, head, n) => `${head}${'9'.repeat(n.length)}"`);
  assert.notEqual(claimed, text, 'the fixture names its video length');
  return { name: 'PXL_0104.MP.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(claimed, 'latin1') };
}

/** Every item record in storage, by name. */
const assetsByName = (page) =>
  page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('shoebox');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const r = open.result.transaction('assets').objectStore('assets').getAll();
          r.onsuccess = () => (open.result.close(), resolve(Object.fromEntries(r.result.map((a) => [a.name, a]))));
          r.onerror = () => reject(r.error);
        };
      }),
  );

/** Opens an item from the library and waits until its motion has played (or is playing) in the viewer. */
async function openAndSeeMotion(page, name, kindLabel) {
  await ui(page).library.getByRole('button', { name: `Open ${name}, ${kindLabel}` }).click();
  const dialog = page.getByRole('dialog', { name });
  await dialog.waitFor();
  const video = dialog.locator('video.motion');
  await video.waitFor({ state: 'attached' });
  assert.match((await video.getAttribute('src')) ?? '', /^blob:/, 'the motion is read from the library');
  // It plays by itself once, muted: time moves on (or it already reached its end and went back to the still).
  await waitUntil(`the motion of ${name} plays`, () => video.evaluate((v) => v.muted && (v.ended || (!v.paused && v.currentTime > 0.2))), 10_000);
  await expectText(dialog.getByRole('button', { name: `Play ${kindLabel}` }), kindLabel === 'Live Photo' ? 'Live' : 'Motion');
  return dialog;
}

test('live photos: a still and its MOV are one tile with a Live badge, a lone MOV is a video, a Motion Photo is one photo (one whose XMP lies is a plain photo); search finds the still; the viewer plays the motion', async ({ page, url }) => {
  await openApp(page, url);
  // The pair is one file to take in: with the lone MOV, the Motion Photo and a copy whose XMP lies, four in all.
  // Playwright takes paths or payloads, not both: the fixtures go as payloads too.
  const payload = (path) => ({ name: path.slice(path.lastIndexOf('/') + 1), mimeType: '', buffer: readFileSync(path) });
  await ui(page).fileInput.setInputFiles([...DROP.map(payload), hostileMotionPhoto()]);
  await expectText(ui(page).status, /^\s*Indexed 4 of 4\b/, 30_000);
  await expectCount(page, 4);
  assert.deepEqual(await messageTexts(page).catch(() => []), [], 'no file reported');

  const library = ui(page).library;
  const tiles = Object.fromEntries((await readTiles(library)).map((t) => [t.name, t.type]));
  assert.deepEqual(tiles, { 'IMG_0101.JPG': 'image', 'IMG_0102.MOV': 'video', 'PXL_0103.MP.jpg': 'image', 'PXL_0104.MP.jpg': 'image' }, 'the motion file is no item of its own');
  // A video length past the file's start is not trusted: a plain photo, no badge.
  await library.getByRole('button', { name: 'Open PXL_0104.MP.jpg', exact: true }).waitFor();
  await expectText(library.getByRole('button', { name: 'Open IMG_0101.JPG, Live Photo' }), 'Live');
  await expectText(library.getByRole('button', { name: 'Open PXL_0103.MP.jpg, Motion Photo' }), 'Motion');
  await library.getByRole('button', { name: /^Open IMG_0102\.MOV, video 0:02$/ }).waitFor();
  assert.equal(await library.locator('li[data-type="video"] .motion-badge').count(), 0, 'the lone MOV has no Live badge');
  assert.deepEqual(await seriousViolations(page), [], 'axe: tiles with badges');

  // The still is what is searched: "cyan" finds the Live Photo first, "brown" the Motion Photo.
  assert.equal((await search(page, 'cyan'))[0].name, 'IMG_0101.JPG');
  // The lying copy has the same pixels: the two brown stills lead, in either order.
  assert.deepEqual(new Set((await search(page, 'brown', { minResults: 2 })).slice(0, 2).map((t) => t.name)), new Set(['PXL_0103.MP.jpg', 'PXL_0104.MP.jpg']));
  await ui(page).searchbox.fill('');
  await ui(page).searchbox.press('Enter');

  const dialog = await openAndSeeMotion(page, 'IMG_0101.JPG', 'Live Photo');
  await page.keyboard.press('i');
  await expectText(dialog.locator('dt:text-is("Motion") + dd'), /Live Photo: IMG_0101\.MOV, 0:02/);
  assert.deepEqual(await seriousViolations(page), [], 'axe: the viewer of a Live Photo');
  // The button plays it again.
  const video = dialog.locator('video.motion');
  await waitUntil('the first play ends', () => video.evaluate((v) => v.ended), 10_000);
  await dialog.getByRole('button', { name: 'Play Live Photo' }).click();
  await waitUntil('it plays again', () => video.evaluate((v) => !v.paused && !v.ended), 5000);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });

  const motionPhoto = await openAndSeeMotion(page, 'PXL_0103.MP.jpg', 'Motion Photo');
  await expectText(motionPhoto.locator('dt:text-is("Motion") + dd'), /Motion Photo: a 0\.00 MB video inside the photo's file/);
  const { 'PXL_0103.MP.jpg': mp } = await assetsByName(page);
  assert.equal(mp.motion.kind, 'motion-photo');
  assert.equal(mp.motion.offsetBytes + mp.motion.sizeBytes, mp.sizeBytes, 'the MP4 is the end of the JPEG');
});

test('live photos: deleting a Live Photo and Undo keep both parts; when the undo window ends both files go', async ({ page, url }) => {
  await openApp(page, url);
  await setSetting(page, 'settings:undoWindowMs', 4000);
  await importFiles(page, DROP, 3);
  const { 'IMG_0101.JPG': still } = await assetsByName(page);
  assert.equal(still.motion?.kind, 'live');
  const files = [still.id, `${still.id}#motion`];
  assert.deepEqual((await opfsOriginals(page)).filter((f) => files.includes(f)), files, 'the still and its motion file are stored');

  await (await openAndSeeMotion(page, 'IMG_0101.JPG', 'Live Photo')).getByRole('button', { name: 'Delete' }).click();
  // The viewer moves on to the next item and offers Undo.
  const viewer = page.getByRole('dialog');
  await viewer.getByText('Deleted IMG_0101.JPG.', { exact: true }).waitFor();
  await expectCount(page, 2);
  await viewer.getByRole('button', { name: 'Undo' }).click();
  await expectCount(page, 3);
  await page.keyboard.press('Escape');
  await viewer.waitFor({ state: 'detached' });
  // Brought back whole: its motion still plays.
  await openAndSeeMotion(page, 'IMG_0101.JPG', 'Live Photo');
  await page.keyboard.press('Escape');

  // Deleted for good once the window ends: neither file is left.
  await (await openAndSeeMotion(page, 'IMG_0101.JPG', 'Live Photo')).getByRole('button', { name: 'Delete' }).click();
  await viewer.getByText('Deleted IMG_0101.JPG.', { exact: true }).waitFor();
  await waitUntil('both files of the deleted Live Photo are removed', async () => !(await opfsOriginals(page)).some((f) => files.includes(f)), 15_000);
  await expectCount(page, 2);
}, { timeoutMs: 60_000 });

test('live photos: an archive with originals brings a Live Photo and a Motion Photo into a fresh profile whole: badges, motion plays', async ({ page, browser, url }) => {
  await withoutSavePicker(page);
  await openApp(page, url);
  await importFiles(page, DROP, 3);
  const file = await exportArchive(page, { originals: true });
  await inFreshProfileWith(browser, url, file, 3, async (page2) => {
    await page2.getByRole('button', { name: 'Settings', exact: true }).click();
    await expectCount(page2, 3);
    await openAndSeeMotion(page2, 'IMG_0101.JPG', 'Live Photo');
    await page2.keyboard.press('Escape');
    await openAndSeeMotion(page2, 'PXL_0103.MP.jpg', 'Motion Photo');
    const { 'IMG_0101.JPG': still } = await assetsByName(page2);
    assert.ok((await opfsOriginals(page2)).includes(`${still.id}#motion`), 'the motion file is stored beside the still');
  });
}, { timeoutMs: 90_000 });
