// End-to-end tests of Google Takeout sidecars and video container dates: a Takeout folder chosen
// with the folder picker (sidecars beside their photos, one in another archive's copy of the
// folder, one without a photo, one hostile, an album's metadata.json) imports only the photos,
// dated and placed by their sidecars; a video lands on the day its container says.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectText, ROOT, test } from './harness.mjs';
import { expectCount, importFiles, messageTexts, openApp, readTiles, ui } from './app-helpers.mjs';
import { distinctPhotos } from './photos.mjs';

const sidecar = (title, seconds, lat = 0, lon = 0) =>
  JSON.stringify({
    title,
    description: '',
    creationTime: { timestamp: '1700000000', formatted: 'Nov 14, 2023, 10:13:20 PM UTC' },
    photoTakenTime: { timestamp: String(seconds), formatted: '' },
    geoData: { latitude: lat, longitude: lon, altitude: 0, latitudeSpan: 0, longitudeSpan: 0 },
    geoDataExif: { latitude: lat, longitude: lon, altitude: 0, latitudeSpan: 0, longitudeSpan: 0 },
  });

/** Opens an item's viewer with its info panel; returns a reader of its rows. */
async function openInfo(page, name) {
  await ui(page).library.getByRole('button', { name: `Open ${name}` }).click();
  const dialog = page.getByRole('dialog', { name });
  await dialog.waitFor();
  const info = dialog.getByRole('complementary', { name: 'Info' });
  // The panel stays open from one item to the next once shown: its button says which.
  if ((await dialog.getByRole('button', { name: 'Info' }).getAttribute('aria-expanded')) !== 'true') await page.keyboard.press('i');
  await info.waitFor();
  return (term) => info.locator(`dt:text-is("${term}") + dd`);
}

async function closeViewer(page) {
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
}

test('takeout: a Takeout folder imports its photos dated and placed by their sidecars, wherever they sit; no sidecar is a bad file, one without a photo is listed once', async ({ page, context, url }) => {
  const shots = await distinctPhotos(4, { seed: 1515, prefix: 'takeout' });
  const longName = 'Screenshot_2015-05-05-12-00-00-16_948cd9899890cb';
  const Y = 'Takeout/Google Photos/Photos from 2019';
  const files = [
    [`${Y}/IMG_0001.jpg`, shots[0].buffer],
    [`${Y}/IMG_0001.jpg.supplemental-metadata.json`, sidecar('IMG_0001.jpg', 1563098400, 38.7223, -9.1393)], // 2019-07-14 10:00 UTC, Lisbon
    [`${Y}/IMG_0002(1).jpg`, shots[1].buffer],
    // A Takeout split over two archives: this sidecar came in the second one.
    [`Takeout 2/Google Photos/Photos from 2019/IMG_0002.jpg(1).json`, sidecar('IMG_0002.jpg', 1325419200)], // 2012-01-01
    [`${Y}/${longName}.jpg`, shots[2].buffer],
    [`${Y}/${longName.slice(0, 46)}.json`, sidecar(`${longName}d5c2798760b2b95377.jpg`, 1430827200)], // 2015-05-05
    [`${Y}/IMG_0004.jpg`, shots[3].buffer],
    [`${Y}/IMG_0004.jpg.json`, JSON.stringify({ title: '<img src=x onerror=alert(1)>.jpg', photoTakenTime: { timestamp: 'NaN' }, geoData: { latitude: 95, longitude: 'east' } })],
    [`${Y}/IMG_0009.jpg.json`, sidecar('IMG_0009.jpg', 1000000000)],
    [`${Y}/metadata.json`, JSON.stringify({ title: 'Photos from 2019', description: '', access: 'protected' })],
  ];
  // "Choose a folder" returns a folder of the origin's private file system holding the export.
  await context.addInitScript(() => {
    window.showDirectoryPicker = async () => (await navigator.storage.getDirectory()).getDirectoryHandle('Takeout export');
  });
  await page.setViewportSize({ width: 1280, height: 2400 });
  await openApp(page, url);
  await page.evaluate(async (list) => {
    const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('Takeout export', { create: true });
    for (const [path, content] of list) {
      const parts = path.split('/');
      let dir = root;
      for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part, { create: true });
      const w = await (await dir.getFileHandle(parts.at(-1), { create: true })).createWritable();
      await w.write(typeof content === 'string' ? content : new Uint8Array(content));
      await w.close();
    }
  }, files.map(([path, content]) => [path, typeof content === 'string' ? content : [...content]]));
  await page.getByText('Choose a folder').click();
  await expectText(ui(page).status, /^\s*Indexed 4 of 4\b/, 30_000);
  await expectCount(page, 4);

  const messages = await messageTexts(page);
  assert.equal(messages.filter((t) => /json/i.test(t) && /failed|could not|not an image|unsupported/i.test(t) && !/Takeout/.test(t)).length, 0, `no sidecar reported as a bad file: ${JSON.stringify(messages)}`);
  assert.equal(messages.filter((t) => t.includes('IMG_0009.jpg.json')).length, 1, `the sidecar without a photo is listed once: ${JSON.stringify(messages)}`);
  assert.ok(messages.some((t) => /1 Google Takeout sidecar without a photo or video in this drop or your library \(kept for a later drop\): IMG_0009\.jpg\.json/.test(t)), JSON.stringify(messages));
  assert.ok(messages.some((t) => /IMG_0004\.jpg\.json.*Takeout sidecar values ignored: photoTakenTime is malformed, geoData is malformed or out of range.*IMG_0004\.jpg is imported with its own metadata/.test(t)), JSON.stringify(messages));
  assert.ok(!messages.some((t) => t.includes('metadata.json')), 'the album metadata.json is ignored quietly');

  // Newest first: the photo whose sidecar was refused (dated by its file, today), then by the sidecars' dates.
  const tiles = (await readTiles(ui(page).library)).map((t) => t.name);
  assert.deepEqual(tiles, ['IMG_0004.jpg', 'IMG_0001.jpg', `${longName}d5c2798760b2b95377.jpg`, 'IMG_0002(1).jpg']);

  const row = await openInfo(page, 'IMG_0001.jpg');
  await expectText(row('Taken'), '(from its Google Takeout sidecar (UTC))');
  await expectText(row('Taken'), 'Jul 14, 2019');
  await expectText(row('Position'), '38.7223° N, 9.1393° W (from its Google Takeout sidecar)');
  await closeViewer(page);

  const cut = await openInfo(page, `${longName}d5c2798760b2b95377.jpg`);
  await expectText(cut('File name'), `${longName}.jpg`);
  await expectText(cut('Taken'), 'May 5, 2015');
  await closeViewer(page);

  const hostile = await openInfo(page, 'IMG_0004.jpg');
  await expectText(hostile('Taken'), "(from the file's date)");
  assert.equal(await page.getByRole('dialog').locator('dt:text-is("Position")').count(), 0, 'no position from a latitude of 95°');
  assert.equal(await page.locator('img[src="x"]').count(), 0, 'no element made from a sidecar');
  await closeViewer(page);

  // A sidecar dropped later, on its own, dates the photo already in the library: it moves to 2010.
  await ui(page).fileInput.setInputFiles([{ name: 'IMG_0004.jpg.json', mimeType: 'application/json', buffer: Buffer.from(sidecar('IMG_0004.jpg', 1262347200)) }]);
  await page.waitForFunction(
    () => [...document.querySelectorAll('ul[aria-label="Library"] > li[data-type] .name')].map((n) => n.textContent?.trim()).at(-1) === 'IMG_0004.jpg',
    null,
    { timeout: 15_000 },
  );
  assert.deepEqual((await readTiles(ui(page).library)).map((t) => t.name), ['IMG_0001.jpg', `${longName}d5c2798760b2b95377.jpg`, 'IMG_0002(1).jpg', 'IMG_0004.jpg']);
  assert.ok((await messageTexts(page)).some((t) => /dated, placed or named 1 item already in your library/.test(t)));
});

test('takeout: a video lands on the day its container says, with its place, in the info panel', async ({ page, url }) => {
  const buffer = await readFile(join(ROOT, 'test/fixtures/video-metadata/mvhd-xyz.mov'));
  await page.setViewportSize({ width: 1280, height: 1600 });
  await openApp(page, url);
  await importFiles(page, [{ name: 'clip.mov', mimeType: 'video/quicktime', buffer }], 1);
  await expectCount(page, 1);
  const header = await ui(page).library.getByRole('heading').first().textContent();
  const want = await page.evaluate(() => new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(Date.UTC(2018, 2, 2, 8, 30))));
  assert.ok(header?.includes(want), `the video is under ${want}: ${header}`);
  const row = await openInfo(page, 'clip.mov');
  await expectText(row('Taken'), "(from the video's creation time (UTC))");
  await expectText(row('Position'), "48.8584° N, 2.2945° E (from the video's metadata)");
});
