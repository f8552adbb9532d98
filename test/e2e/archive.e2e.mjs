// End-to-end tests of the library archive: export, import into a fresh profile, hostile files.
// Fixture model: colour words ↔ colours, so "red" ranks the red photos first.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectText, fixtureImage, fixtureManifest, test } from './harness.mjs';
import { closeSettings, expectCount, exportArchive, importArchive, importFiles, openApp, search, waitModelReady, withoutSavePicker } from './app-helpers.mjs';

const manifest = fixtureManifest();
const GOOD = Object.keys(manifest).filter((k) => manifest[k].kind === 'good' && !k.includes('/'));
const ranked = (tiles) => tiles.map((t) => `${t.name} ${t.scoreText}`);
const SECRET = 'AIzaSy-e2e-secret-that-never-leaves';

/** Thumbnails in a result list that actually decoded. */
async function decodedThumbnails(page) {
  return page.locator('ul[aria-label="Search results"] img').evaluateAll((imgs) => imgs.filter((i) => i.complete && i.naturalWidth > 0).length);
}

async function openTile(page, name) {
  await page.getByRole('button', { name: `Open ${name}` }).first().click();
  const dialog = page.getByRole('dialog', { name });
  await dialog.waitFor();
  return dialog;
}

/** A minimal ustar writer, independent of the app's, to build hostile archives. */
function tarEntry(name, data) {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h[156] = 0x30;
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

test('archive: export with originals, import into a fresh profile: same ranking, thumbnails, originals; no API key inside', async ({ page, browser, url }) => {
  await withoutSavePicker(page);
  await openApp(page, url);
  await importFiles(page, GOOD.map(fixtureImage), GOOD.length);
  const before = await search(page, 'red');
  assert.ok(before[0].name.startsWith('red'), `red first: ${ranked(before)}`);
  // A Gemini key stored the way the naming settings store it.
  await page.evaluate(async (key) => {
    const db = await new Promise((res, rej) => {
      const r = indexedDB.open('shoebox');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    await new Promise((res, rej) => {
      const tx = db.transaction('meta', 'readwrite');
      tx.objectStore('meta').put(key, 'vlm:apiKey');
      tx.oncomplete = res;
      tx.onerror = () => rej(tx.error);
    });
    db.close();
  }, SECRET);

  const file = await exportArchive(page, { originals: true });
  await expectText(page.getByTestId('backup-status'), new RegExp(`Exported ${GOOD.length} photos and videos, ${GOOD.length} original files`));
  const bytes = await readFile(file);
  assert.ok(!bytes.includes(Buffer.from(SECRET)), 'the API key is not in the archive');
  assert.ok(!bytes.includes(Buffer.from('vlm:')), 'no VLM setting is in the archive');
  assert.equal(bytes.subarray(0, 13).toString(), 'manifest.json', 'the manifest comes first');

  // A new browser context is a fresh profile: nothing of the first library is there.
  const fresh = await browser.newContext();
  try {
    const page2 = await fresh.newPage();
    await withoutSavePicker(page2);
    await openApp(page2, url);
    await expectCount(page2, 0);
    await importArchive(page2, file);
    await expectText(page2.getByTestId('backup-status'), new RegExp(`Imported ${GOOD.length} photos and videos \\(0 already here\\)`), 60_000);
    await expectCount(page2, GOOD.length);
    const after = await search(page2, 'red');
    assert.deepEqual(ranked(after), ranked(before), 'the same ranked names and scores');
    await page2.waitForFunction(() => [...document.querySelectorAll('ul[aria-label="Search results"] img')].every((i) => i.complete));
    assert.equal(await decodedThumbnails(page2), after.filter((t) => !t.weak).length, 'every thumbnail shows');
    const dialog = await openTile(page2, after[0].name);
    const img = dialog.getByRole('img', { name: after[0].name });
    await img.waitFor();
    await page2.waitForFunction((name) => {
      const i = document.querySelector(`dialog img[alt="${name}"]`);
      return i && i.complete && i.naturalWidth > 0;
    }, after[0].name);
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Importing the same archive again is a merge: nothing is added twice.
    await importArchive(page2, file);
    await expectText(page2.getByTestId('backup-status'), new RegExp(`Imported 0 photos and videos \\(${GOOD.length} already here\\)`), 60_000);
    await expectCount(page2, GOOD.length);
  } finally {
    await fresh.close();
  }
}, { timeoutMs: 180_000 });

/** The clusters a reload would find, read from storage: [name, items, hidden] sorted. */
async function storedClusters(page) {
  return page.evaluate(async () => {
    const db = await new Promise((res, rej) => {
      const r = indexedDB.open('shoebox');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const all = await new Promise((res, rej) => {
      const r = db.transaction('clusters').objectStore('clusters').getAll();
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    db.close();
    return all.map((c) => [c.name, c.memberIds.length, c.hidden]).sort();
  });
}

async function showClusters(page) {
  await closeSettings(page);
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Clusters' }).click();
  await page.getByRole('heading', { name: 'Clusters', exact: true }).waitFor();
}

/** Names on the shown and the hidden cluster cards, sorted. */
const cardNames = (page) =>
  page.evaluate(() => {
    const names = (label) => [...document.querySelectorAll(`ul[aria-label="${label}"] > li .cluster-name`)].map((n) => n.textContent.trim()).sort();
    return { shown: names('Clusters'), hidden: names('Hidden clusters') };
  });

/** Waits until the cards read `want` exactly; a doubled or missing cluster times out with what was shown. */
async function expectCards(page, want, timeoutMs = 15_000) {
  try {
    await page.waitForFunction(
      (w) => {
        const names = (label) => [...document.querySelectorAll(`ul[aria-label="${label}"] > li .cluster-name`)].map((n) => n.textContent.trim()).sort();
        return JSON.stringify({ shown: names('Clusters'), hidden: names('Hidden clusters') }) === JSON.stringify(w);
      },
      want,
      { timeout: timeoutMs },
    );
  } catch {
    assert.deepEqual(await cardNames(page), want, 'the cluster cards');
  }
}

test('archive: clusters come along: a renamed and a hidden cluster show at once after import into a fresh profile, nothing doubled, and after a reload', async ({ page, browser, url }) => {
  await withoutSavePicker(page);
  await openApp(page, url);
  const files = ['red-ball.jpg', 'red-square.png', 'yellow-sun.jpg', 'yellow-banana.png', 'blue-sky.jpg', 'blue-ocean.png', 'green-leaf.jpg', 'green-field.png'].filter((f) => GOOD.includes(f));
  assert.equal(files.length, 8, `the fixture has four colour pairs: ${files}`);
  await importFiles(page, files.map(fixtureImage), files.length);
  await showClusters(page);
  const list = page.getByRole('list', { name: 'Clusters', exact: true });
  await page.waitForFunction(() => {
    const names = [...document.querySelectorAll('ul[aria-label="Clusters"] > li .cluster-name')].map((n) => n.textContent.trim());
    return names.length === 4 && names.every((n) => n && n !== 'Unnamed group');
  });
  const cardOf = async (file) => {
    for (const name of (await cardNames(page)).shown) {
      await list.getByRole('button', { name: `Open cluster ${name}`, exact: true }).click();
      const members = page.getByRole('list', { name: 'Cluster members' });
      await members.getByRole('listitem').first().waitFor();
      const has = (await members.locator('.name').allTextContents()).some((t) => t.trim() === file);
      if (has) return name;
      await page.getByRole('button', { name: 'All clusters' }).click();
    }
    throw new Error(`no cluster holds ${file}`);
  };
  await cardOf('red-ball.jpg');
  await page.getByLabel('Cluster name').fill('Our red things');
  await page.getByRole('button', { name: 'Rename' }).click();
  await page.getByRole('heading', { name: 'Our red things', exact: true }).waitFor();
  await page.getByRole('button', { name: 'All clusters' }).click();
  await cardOf('green-leaf.jpg');
  await page.getByRole('button', { name: 'Hide cluster' }).click();
  await list.waitFor();
  const exported = await cardNames(page);
  assert.equal(exported.shown.length, 3);
  assert.ok(exported.shown.includes('Our red things'), JSON.stringify(exported));
  assert.equal(exported.hidden.length, 1);
  const stored = await storedClusters(page);
  const file = await exportArchive(page, { originals: false });

  const fresh = await browser.newContext();
  try {
    const page2 = await fresh.newPage();
    await openApp(page2, url);
    await importArchive(page2, file);
    await expectText(page2.getByTestId('backup-status'), /Imported 8 photos and videos \(0 already here\)/, 60_000);
    await showClusters(page2);
    await expectCards(page2, exported);
    assert.deepEqual(await storedClusters(page2), stored, 'the same clusters are stored, none twice');
    await page2.reload();
    await showClusters(page2);
    await expectCards(page2, exported);
    assert.deepEqual(await storedClusters(page2), stored, 'still the same after a reload');
  } finally {
    await fresh.close();
  }
}, { timeoutMs: 120_000 });

test('archive: a hostile archive (path traversal) is refused and the library is untouched', async ({ page, url }) => {
  await openApp(page, url);
  await importFiles(page, ['red-ball.jpg', 'blue-sky.jpg'].map(fixtureImage), 2);
  const before = await search(page, 'blue');

  const evil = Buffer.from('overwrite your files');
  const entries = [{ name: '../../.bashrc', data: evil }];
  const m = Buffer.from(
    JSON.stringify({
      format: 'shoebox-archive',
      formatVersion: 1,
      schemaVersion: 1,
      createdAt: Date.now(),
      modelKey: 'shoebox-fixture-clip@q8',
      dim: 512,
      includesOriginals: false,
      counts: { assets: 0, thumbnails: 0, embeddings: 0, frameEmbeddings: 0, lineage: 0, clusters: 0, meta: 0, originals: 0 },
      entries: entries.map((e) => ({ name: e.name, sizeBytes: e.data.length, sha256: createHash('sha256').update(e.data).digest('hex') })),
    }),
  );
  const file = join(await mkdtemp(join(tmpdir(), 'shoebox-hostile-')), 'hostile.tar');
  await writeFile(file, Buffer.concat([tarEntry('manifest.json', m), ...entries.map((e) => tarEntry(e.name, e.data)), Buffer.alloc(1024)]));

  await importArchive(page, file);
  await expectText(page.getByTestId('backup-error'), /Nothing was imported\. .*leaves its folder \("\.\.\/"\): "\.\.\/\.\.\/\.bashrc"/, 30_000);
  await expectCount(page, 2);
  // The search helper reads any error on the page as a failed search.
  await closeSettings(page);
  assert.deepEqual(ranked(await search(page, 'blue')), ranked(before), 'search is as before');
}, { timeoutMs: 90_000 });

test('archive: export without originals imports searchable items whose original is not here', async ({ page, browser, url }) => {
  await withoutSavePicker(page);
  await openApp(page, url);
  await importFiles(page, ['red-ball.jpg', 'red-square.png', 'green-leaf.jpg'].map(fixtureImage), 3);
  const before = await search(page, 'red');
  const file = await exportArchive(page, { originals: false });
  await expectText(page.getByTestId('backup-status'), /Exported 3 photos and videos, without original files/);

  const fresh = await browser.newContext();
  try {
    const page2 = await fresh.newPage();
    await openApp(page2, url);
    await importArchive(page2, file);
    await expectText(page2.getByTestId('backup-status'), /Imported 3 photos and videos \(0 already here\)/, 60_000);
    const after = await search(page2, 'red');
    assert.deepEqual(ranked(after), ranked(before), 'search works as before');
    const dialog = await openTile(page2, after[0].name);
    await dialog.getByText('The original file is not available on this device.').waitFor();
  } finally {
    await fresh.close();
  }
}, { timeoutMs: 120_000 });

test('archive: storage shows usage and asks the browser to keep the library', async ({ page, url }) => {
  await openApp(page, url);
  await waitModelReady(page);
  await expectText(page.getByTestId('storage-usage'), /^Using \d+\.\d MB of \d+\.\d MB$/);
  const keep = page.getByRole('button', { name: 'Keep my library on this device' });
  if (await keep.isVisible()) {
    await keep.click();
    await expectText(page.getByTestId('storage-outcome'), /^(Persisted: |The browser declined\.)/);
  } else {
    await expectText(page.getByTestId('storage-persisted'), /Persisted/);
  }
});
