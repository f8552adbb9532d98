// Settings → "Check search quality" on the fixture model: a labelled colour folder gives the
// figures the fixture's semantics imply (scripts/lib/colour-folder.mjs), the library is left as it
// was, the measured thresholds apply to the model and go back to the defaults; bad folders give a
// message, and labels are shown as text.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectText, fixtureImage, ROOT, test } from './harness.mjs';
import { expectCount, importFiles, openApp, storeCounts, ui, waitModelReady } from './app-helpers.mjs';
import { COLOUR_FOLDER_EXPECTED as EXPECTED, writeColourFolder } from '../../scripts/lib/colour-folder.mjs';

const fixtureVideo = (name) => join(ROOT, 'test/fixtures/generated/videos', name);
const pct = (share) => `${(share * 100).toFixed(1)} %`;

/**
 * Record count of every IndexedDB store of the library and the OPFS entries; `thresholds` is the
 * stored "Use these thresholds" setting (by model key), or null.
 */
async function everyStoreCount(page) {
  return page.evaluate(async () => {
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open('shoebox');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => resolve(open.result);
    });
    const ask = (request) =>
      new Promise((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    const counts = {};
    for (const name of db.objectStoreNames) counts[name] = await ask(db.transaction(name).objectStore(name).count());
    const thresholds = (await ask(db.transaction('meta').objectStore('meta').get('settings:searchThresholds'))) ?? null;
    db.close();
    const root = await navigator.storage.getDirectory();
    const opfs = [];
    for await (const name of root.keys()) opfs.push(name);
    return { counts, opfs: opfs.sort(), thresholds };
  });
}

const storedThresholds = async (page) => (await everyStoreCount(page)).thresholds;

/**
 * The store counts once the library's own background work after an import (clustering, its
 * saved state) has written what it writes: the clusters are there and two reads 500 ms apart agree.
 */
async function settledStoreCount(page, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  while (Date.now() < deadline) {
    const now = await everyStoreCount(page);
    if (now.counts.clusters > 0 && last && JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
    await page.waitForTimeout(500);
  }
  throw new Error(`the library's stores did not settle: ${JSON.stringify(last)}`);
}

/**
 * Runs `body(dir, from, colourSet)` with a scratch folder: `colourSet` is the colour set of
 * scripts/lib/colour-folder.mjs, `from(label, file)` one of its pictures, `dir` an empty folder to
 * lay out another labelled set in. Removed afterwards.
 */
async function withScratch(body) {
  const root = await mkdtemp(join(tmpdir(), 'shoebox-quality-'));
  try {
    await writeColourFolder(join(root, 'src'));
    const dir = join(root, 'set');
    await mkdir(dir);
    await body(dir, (label, file) => join(root, 'src', label, file), join(root, 'src'));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Copies `src` to `dir/<sub>/<name>`, making the subfolder. */
async function put(dir, sub, name, src) {
  await mkdir(join(dir, sub), { recursive: true });
  await copyFile(src, join(dir, sub, name));
}

const cell = (page, key) => page.getByTestId('quality-table').locator(`td[data-key="${key}"]`);

async function pickFolder(page, dir) {
  await page.getByLabel('Folder of labelled photos').setInputFiles(dir);
}

test('quality check: a labelled colour folder gives the fixture figures, leaves the library as it was, thresholds apply and reset', async ({ page, url }) => {
  await withScratch(async (_dir, _from, colourSet) => {
    await openApp(page, url);
    // Two red photos at cosine 0.952 (core/duplicates.ts): similar shots at the default 0.92, not at the measured 0.96.
    await importFiles(page, [fixtureImage('red-ball.jpg'), fixtureImage('red-square.png')]);
    await expectCount(page, 2);
    await page.getByRole('button', { name: 'Duplicates', exact: true }).click();
    const similarGroup = page.getByRole('region', { name: 'Bursts / similar shots', exact: true }).getByRole('list', { name: 'Group of 2: red-square.png' });
    await similarGroup.waitFor({ timeout: 20_000 });
    await waitModelReady(page);
    const before = { stores: await settledStoreCount(page), library: await storeCounts(page) };

    await pickFolder(page, colourSet);
    const report = page.getByTestId('quality-report');
    await report.waitFor({ timeout: 30_000 });
    await expectText(report.locator('p').first(), `${EXPECTED.images} photos in ${EXPECTED.labels} labels`);
    const expectCell = async (key, text) => assert.equal((await cell(page, key).textContent())?.trim(), text, key);
    await expectCell('top1', pct(EXPECTED.top1));
    await expectCell('top5', pct(EXPECTED.top5));
    await expectCell('ensembleTop1', pct(EXPECTED.ensembleTop1));
    await expectCell('ensembleTop5', pct(EXPECTED.ensembleTop5));
    await expectCell('recallAt1', pct(EXPECTED.recallAt1));
    await expectCell('recallAt5', pct(EXPECTED.recallAt5));
    await expectCell('recallAt10', pct(EXPECTED.recallAt10));
    await expectCell('map', EXPECTED.meanAveragePrecision.toFixed(3));
    // One query per label: 9 true (query, photo) pairs and 27 wrong ones.
    await expectCell('trueFolded', `${pct(EXPECTED.trueFolded / 9)} (${EXPECTED.trueFolded} of 9)`);
    await expectCell('wrongAbove', `${pct(EXPECTED.wrongAbove / 27)} (${EXPECTED.wrongAbove} of 27)`);
    await expectCell('similar', `${EXPECTED.similarMinCosine.toFixed(2)} measured, 0.92 in use`);

    // The chart: one bar per label with its share, and the confused pair.
    const chart = page.getByTestId('quality-chart');
    const bars = chart.getByRole('list', { name: 'Zero-shot accuracy per label' }).getByRole('listitem');
    assert.deepEqual(
      (await bars.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim()),
      Object.entries(EXPECTED.perLabel).map(([label, [correct, images]]) => `${label} ${pct(correct / images)} (${correct} of ${images})`),
    );
    const confused = (await chart.getByRole('list', { name: 'Most confused labels' }).getByRole('listitem').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    assert.deepEqual(confused, EXPECTED.confusions.map((c) => `${c.label} → ${c.predicted} ${c.count} photo`));

    // The report as a file: the same figures.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download report (JSON)' }).click()]);
    assert.match(download.suggestedFilename(), /^shoebox-search-quality-\d{4}-\d{2}-\d{2}\.json$/);
    const json = JSON.parse(await readFile(await download.path(), 'utf8'));
    assert.equal(json.zeroShot.single.top1, EXPECTED.top1);
    assert.equal(json.retrieval.meanAveragePrecision, EXPECTED.meanAveragePrecision);
    assert.deepEqual(json.confusions, EXPECTED.confusions);

    // Nothing of the folder reached the library.
    await expectCount(page, 2);
    assert.deepEqual(await everyStoreCount(page), before.stores);
    assert.deepEqual(await storeCounts(page), before.library);

    // The measured thresholds for this model, then the defaults again.
    await page.getByRole('button', { name: 'Use these thresholds' }).click();
    await expectText(page.getByTestId('quality-thresholds'), `In use for this model: measured thresholds`);
    await expectText(cell(page, 'similar'), `${EXPECTED.similarMinCosine.toFixed(2)} in use`);
    await page.getByText('No bursts or similar shots found.').waitFor({ timeout: 20_000 });
    const stored = await storedThresholds(page);
    const entries = Object.values(stored ?? {});
    assert.equal(entries.length, 1);
    assert.equal(entries[0].similarMinCosine, EXPECTED.similarMinCosine);
    assert.equal(entries[0].relevanceZ, EXPECTED.relevanceZ);

    await page.getByRole('button', { name: 'Back to defaults' }).click();
    await expectText(page.getByTestId('quality-thresholds'), /In use for this model: the defaults \(cut-off z 3, similar shots from cosine 0\.92\)/);
    await similarGroup.waitFor({ timeout: 20_000 });
    assert.deepEqual(await storedThresholds(page), {});
  });
}, { timeoutMs: 90_000 });

test('quality check: folders without labels say so; a label with markup is shown as text; unreadable files are listed', async ({ page, url }) => {
  await withScratch(async (dir, from) => {
    await put(dir, 'flat', 'a.png', from('red', 'red-1.png'));
    await put(dir, 'flat', 'b.png', from('blue', 'blue-1.png'));
    const markup = '<img src=x onerror="window.__labelRan=1">';
    const marked = join(dir, 'marked');
    await put(marked, markup, 'x.png', from('blue', 'blue-1.png'));
    await put(marked, 'red', 'y.png', from('red', 'red-1.png'));
    await writeFile(join(marked, 'red', 'broken.png'), 'not a picture');

    await openApp(page, url);
    await waitModelReady(page);
    await pickFolder(page, join(dir, 'flat'));
    await expectText(page.getByTestId('quality-message'), /^No labels found: put the photos in one subfolder per label/);

    await pickFolder(page, marked);
    await page.getByTestId('quality-report').waitFor({ timeout: 30_000 });
    const chart = page.getByTestId('quality-chart');
    const labels = await chart.getByRole('list', { name: 'Zero-shot accuracy per label' }).locator('.bar-label').allTextContents();
    assert.deepEqual(labels, [markup, 'red']);
    assert.equal(await page.getByTestId('quality-check').locator('img').count(), 0);
    assert.equal(await page.evaluate(() => window.__labelRan ?? null), null);
    await expectText(page.getByTestId('quality-report').locator('p').first(), '1 file left out (red/broken.png: could not be read as a photo)');
    await expectCount(page, 0);
  });
}, { timeoutMs: 60_000 });

test('quality check: videos with given moments are measured (moments within ±1 s, mean and attention pooling)', async ({ page, url }) => {
  await withScratch(async (dir, from) => {
    for (const label of ['red', 'green', 'blue']) await put(dir, label, `${label}-1.png`, from(label, `${label}-1.png`));
    // red 0–3 s, blue 3–6 s, red 6–9 s; and red 0–2 s, green 2–4 s, blue 4–6 s (test/fixtures/generated/videos/manifest.json).
    await put(dir, 'red', 'red-blue-red.mp4', fixtureVideo('red-blue-red.mp4'));
    await put(dir, 'green', 'colour-segments.webm', fixtureVideo('colour-segments.webm'));
    // Every kept frame of a colour lies inside that colour's segment, and the best frame for a colour
    // word is a frame of that colour: the middle of a 2-s segment is within ±1 s of any of its frames
    // (found), while blue in red-blue-red ends at 6 s, 2 s or more before the moment given at 8 s (missed).
    await writeFile(
      join(dir, 'moments.json'),
      JSON.stringify([
        { file: 'green/colour-segments.webm', query: 'red', atSec: 1 },
        { file: 'green/colour-segments.webm', query: 'green', atSec: 3 },
        { file: 'green/colour-segments.webm', query: 'blue', atSec: 5 },
        { file: 'red/red-blue-red.mp4', query: 'blue', atSec: 8 },
      ]),
    );
    await openApp(page, url);
    await waitModelReady(page);
    await pickFolder(page, dir);
    await page.getByTestId('quality-report').waitFor({ timeout: 45_000 });
    assert.equal((await cell(page, 'moments').textContent())?.trim(), '3 of 4');
    assert.match((await cell(page, 'meanPool').textContent())?.trim() ?? '', /^\d+\.\d % of 2$/);
    assert.match((await cell(page, 'attentionPool').textContent())?.trim() ?? '', /^\d+\.\d % of 2$/);
    // Photos are measured as before: one per label, each its own colour.
    assert.equal((await cell(page, 'top1').textContent())?.trim(), pct(1));
    await expectCount(page, 0);
  });
}, { timeoutMs: 90_000 });

test('quality check: progress is read out and Cancel stops the check', async ({ page, url }) => {
  await withScratch(async (dir, from) => {
    // 2 × 300 photos: long enough to be cancelled while its photos are read.
    for (const label of ['red', 'blue']) for (let i = 0; i < 300; i++) await put(dir, label, `${i}.png`, from(label, `${label}-2.png`));
    await openApp(page, url);
    await waitModelReady(page);
    await pickFolder(page, dir);
    await expectText(ui(page).status, /^Reading photos: \d+ of 600$/);
    await page.getByTestId('quality-check').getByRole('button', { name: 'Cancel' }).click();
    await expectText(page.getByTestId('quality-check'), 'The check was cancelled.');
    await expectText(ui(page).status, 'Search quality check cancelled.');
    assert.equal(await page.getByTestId('quality-report').count(), 0);
    await expectCount(page, 0);
  });
}, { timeoutMs: 60_000 });
