// Two tabs of one browser profile share the library (IndexedDB, OPFS, Web Locks): one tab at a
// time runs the import queue, the other hands its files over, and both show the same library.
import assert from 'node:assert/strict';
import { expectText, test } from './harness.mjs';
import { closeSettings, expectCount, openApp, search, storeCounts, ui, waitModelReady } from './app-helpers.mjs';
import { distinctPhotos } from './photos.mjs';

const PER_TAB = 75;

test('tabs: two tabs importing different folders at the same moment keep every original, and both show the same library', async ({ page, context, url, log }) => {
  const [first, second] = await Promise.all([distinctPhotos(PER_TAB, { seed: 101, prefix: 'left' }), distinctPhotos(PER_TAB, { seed: 202, prefix: 'right' })]);
  const other = await context.newPage();
  await openApp(page, url);
  await openApp(other, url);
  for (const p of [page, other]) {
    // A tab behind gets no animation frames: a click there waits seconds for the element to be stable.
    await p.bringToFront();
    await waitModelReady(p);
    await closeSettings(p);
  }
  await Promise.all([ui(page).fileInput.setInputFiles(first), ui(other).fileInput.setInputFiles(second)]);

  const total = 2 * PER_TAB;
  // Without a reload, both tabs reach the whole library and say so the same way.
  await expectCount(page, total, 90_000);
  await expectCount(other, total, 30_000);
  for (const p of [page, other]) await expectText(ui(p).status, new RegExp(`^\\s*Indexed ${total} of ${total}\\b`), 30_000);

  const counts = await storeCounts(page);
  log(JSON.stringify({ ...counts, assetIdsSorted: undefined }));
  assert.equal(counts.assets, total);
  assert.equal(counts.distinctSha256, total, 'no file stored twice');
  assert.deepEqual(counts.withoutOriginal, [], 'every item keeps its original file');
  assert.deepEqual(counts.withoutVector, []);
  assert.deepEqual(counts.jobs, { stored: total }, 'no job ran twice: none ended as a duplicate of itself');
  const originals = counts.originalsSorted;
  assert.deepEqual(originals, counts.assetIdsSorted, 'exactly one original per item, none left over');

  // The same question gets the same answer in both tabs.
  const [a, b] = [await search(page, 'red'), await search(other, 'red')];
  assert.deepEqual(
    b.map((t) => t.name),
    a.map((t) => t.name),
    'both tabs rank the library the same way',
  );
  assert.ok(a.some((t) => t.name.startsWith('left-')) && a.some((t) => t.name.startsWith('right-')), 'results come from both tabs\u2019 imports');
}, { timeoutMs: 180_000 });

test('tabs: when the tab running the import closes, the other one takes over and finishes it', async ({ page, context, url, log }) => {
  const photos = await distinctPhotos(120, { seed: 303, prefix: 'handover' });
  const other = await context.newPage();
  await openApp(page, url);
  await openApp(other, url);
  // A tab behind gets no animation frames: a click there waits seconds for the element to be stable.
  await page.bringToFront();
  await waitModelReady(page);
  await closeSettings(page);
  // The first tab opened holds the queue: it takes the files, then closes once some are indexed.
  await ui(page).fileInput.setInputFiles(photos);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = (await ui(page).status.textContent()) ?? '';
    const m = /Indexed (\d+) of (\d+)/.exec(status);
    if (m && Number(m[1]) >= 10 && !/adding files/.test(status)) break;
    assert.ok(Date.now() < deadline, `the import started: "${status}"`);
    await page.waitForTimeout(20);
  }
  await page.close();
  await expectCount(other, photos.length, 90_000);
  const counts = await storeCounts(other);
  log(JSON.stringify({ ...counts, assetIdsSorted: undefined }));
  assert.equal(counts.distinctSha256, photos.length);
  assert.deepEqual(counts.jobs, { stored: photos.length });
  assert.deepEqual(counts.withoutOriginal, []);
}, { timeoutMs: 150_000 });
