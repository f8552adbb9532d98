// A drop cut off while its files are still being copied in (a reload, the browser closed): the page
// asks before leaving, and afterwards names every file that never made it in, with a way to add them
// again. Nothing half-copied is left in storage.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectText, launchProfile, test } from './harness.mjs';
import { appUrl, expectCount, messageTexts, openApp, storeCounts, ui } from './app-helpers.mjs';
import { distinctPhotos } from './photos.mjs';

const FILES = 300;

/** Waits until the status says files are being copied in, well before the last one. */
async function waitMidCopy(page, total) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = (await ui(page).status.textContent()) ?? '';
    const m = /adding files (\d+) of (\d+)/.exec(status);
    if (m && Number(m[2]) === total && Number(m[1]) >= 20 && Number(m[1]) <= total - 60) return Number(m[1]);
    assert.ok(Date.now() < deadline, `files were being copied in: "${status}"`);
    await page.waitForTimeout(10);
  }
}

/** The cut-off drop's panel: its heading count and the files it names. */
async function missingFiles(page) {
  const list = page.getByRole('list', { name: 'Files not added' });
  await list.waitFor({ timeout: 30_000 });
  return list.getByRole('listitem').allTextContents();
}

/**
 * After the cut: every file is either in the library or named as missing (never both, never
 * neither), and storage holds exactly one original per item and no half-copied job.
 */
async function checkNothingLost(page, photos, log) {
  const missing = await missingFiles(page);
  await expectText(page.getByRole('heading', { name: /never made it into your library/ }), new RegExp(`^${missing.length} files? never made it`));
  assert.ok(missing.length > 0, 'the cut came mid-copy');
  await expectCount(page, FILES - missing.length, 90_000);
  await expectText(ui(page).status, /^\s*Indexed (\d+) of \1\b/, 60_000);
  const counts = await storeCounts(page);
  const stored = new Set(counts.assetNames);
  log(`${missing.length} missing after the cut; ${counts.assets} stored; jobs ${JSON.stringify(counts.jobs)}`);
  assert.equal(counts.assets + missing.length, FILES, 'every file is either stored or named');
  assert.deepEqual([...stored, ...missing].sort(), photos.map((p) => p.name).sort(), 'the stored and the named files are the dropped ones');
  assert.equal(new Set(missing).size, missing.length, 'each missing file named once');
  for (const name of missing) assert.ok(!stored.has(name), `${name} is not both stored and missing`);
  for (const name of missing) assert.ok(photos.some((p) => p.name === name), `${name} is one of the dropped files`);
  assert.deepEqual(counts.jobs, { stored: counts.assets }, 'no half-copied or stray job is left');
  assert.deepEqual(counts.originalsSorted, counts.assetIdsSorted, 'no original without an item');
  return missing;
}

test('interrupted drop: a reload while files are copied in asks first, then names every file that never made it in; adding them again completes the library', async ({ page, url, log }) => {
  const photos = await distinctPhotos(FILES, { seed: 404, prefix: 'cut' });
  await openApp(page, url);
  // A click first: browsers ask before leaving only a page the user has interacted with.
  await page.getByRole('heading', { name: 'Shoebox' }).click();
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(d.type());
    void d.accept();
  });
  await ui(page).fileInput.setInputFiles(photos);
  const copied = await waitMidCopy(page, FILES);
  await page.reload();
  assert.deepEqual(dialogs, ['beforeunload'], 'the page asked before it was left mid-copy');
  log(`reloaded after ${copied} of ${FILES} files were copied in`);

  const missing = await checkNothingLost(page, photos, log);
  assert.ok((await messageTexts(page)).some((t) => new RegExp(`^Shoebox: ${missing.length} files? (was|were) not added`).test(t)), 'a message says how many were not added');

  // The whole folder picked again: only the missing files are added, nothing is reported as a duplicate.
  await page.getByLabel('Add the missing files again').setInputFiles(photos);
  await expectCount(page, FILES, 90_000);
  await page.getByRole('list', { name: 'Files not added' }).waitFor({ state: 'detached' });
  const counts = await storeCounts(page);
  assert.equal(counts.distinctSha256, FILES);
  assert.deepEqual(counts.jobs, { stored: FILES }, 'only the missing files were copied again');
  assert.ok(!(await messageTexts(page)).some((t) => /already in your library/.test(t)), 'files already in were not taken again');
  assert.equal(dialogs.length, 1, 'no prompt once nothing is being copied');
}, { timeoutMs: 180_000 });

test('interrupted drop: the browser closed while files are copied in: on the next start every missing file is named, nothing half-copied stays', async ({ url, log }) => {
  const photos = await distinctPhotos(FILES, { seed: 505, prefix: 'closed' });
  const profile = await mkdtemp(join(tmpdir(), 'shoebox-profile-'));
  try {
    let browser = await launchProfile(profile);
    let page = browser.pages()[0] ?? (await browser.newPage());
    await openApp(page, url);
    await ui(page).fileInput.setInputFiles(photos);
    await waitMidCopy(page, FILES);
    await browser.close();

    browser = await launchProfile(profile);
    page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(appUrl(url));
    await checkNothingLost(page, photos, log);
    await browser.close();
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}, { timeoutMs: 180_000 });

test('interrupted drop: a folder chosen with the folder picker continues after a reload from the kept folder with one click, and is remembered to add what is new', async ({ page, context, url, log }) => {
  const photos = await distinctPhotos(FILES, { seed: 606, prefix: 'kept' });
  const later = await distinctPhotos(5, { seed: 707, prefix: 'later' });
  // "Choose a folder" returns a folder of the origin's private file system holding the photos.
  await context.addInitScript(() => {
    window.showDirectoryPicker = async () => (await navigator.storage.getDirectory()).getDirectoryHandle('Holiday 2024');
  });
  await openApp(page, url);
  const putInFolder = (files) =>
    page.evaluate(async (list) => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('Holiday 2024', { create: true });
      // All at once: one after another, 300 small writes took seconds.
      await Promise.all(
        list.map(async (f) => {
          const w = await (await dir.getFileHandle(f.name, { create: true })).createWritable();
          await w.write(new Uint8Array(f.bytes));
          await w.close();
        }),
      );
    }, files.map((p) => ({ name: p.name, bytes: [...p.buffer] })));
  await putInFolder(photos);
  await page.getByRole('heading', { name: 'Shoebox' }).click();
  page.on('dialog', (d) => void d.accept());
  await page.getByText('Choose a folder').click();
  await waitMidCopy(page, FILES);
  await page.reload();

  const continueButton = page.getByRole('button', { name: 'Continue from Holiday 2024' });
  await continueButton.waitFor({ timeout: 30_000 });
  const missing = await missingFiles(page);
  assert.ok(missing.length > 0 && missing.every((p) => p.startsWith('Holiday 2024/')), `missing files are named by their path in the folder: ${missing.slice(0, 3)}`);
  await continueButton.click();
  await expectCount(page, FILES, 90_000);
  const counts = await storeCounts(page);
  log(`${missing.length} continued from the kept folder`);
  assert.equal(counts.distinctSha256, FILES);
  assert.deepEqual(counts.jobs, { stored: FILES });

  // The folder is remembered: five photos put in it later are added with one click, nothing else is taken again.
  await putInFolder(later);
  await page.getByRole('button', { name: 'Add what is new in Holiday 2024' }).click();
  await expectCount(page, FILES + later.length, 30_000);
  const after = await storeCounts(page);
  assert.deepEqual(after.jobs, { stored: FILES + later.length }, 'only the new files were copied');
  assert.ok(!(await messageTexts(page)).some((t) => /already in your library/.test(t)));
}, { timeoutMs: 180_000 });
