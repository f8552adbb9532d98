// End-to-end tests of selection, albums, favourites and the .zip export, through what a user
// sees: tile checkboxes, the "Selection" toolbar, the polite live region, the Albums and
// Favourites views. The save picker cannot be answered headless, so the export test replaces it
// with one that hands out a file in the page's private file system, then reads that zip back.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectText, fixtureImage, test } from './harness.mjs';
import { expectCount, importFiles, openApp, ui } from './app-helpers.mjs';
import { readZip } from '../helpers/read-zip.mjs';

const FILES = ['red-ball.jpg', 'blue-sky.jpg', 'green-leaf.jpg', 'yellow-sun.jpg'];
const MARKUP = '<img src=x onerror=alert(1)>';

/** Names of the tiles of a list, in the order shown. */
const tileNames = (list) => list.locator(':scope > li .name').evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));

/** Waits until a list shows exactly `expected` (in any order). */
async function expectNames(list, expected, timeoutMs = 10_000) {
  const want = JSON.stringify([...expected].sort());
  const deadline = Date.now() + timeoutMs;
  let got = [];
  while (Date.now() < deadline) {
    got = (await tileNames(list).catch(() => [])).sort();
    if (JSON.stringify(got) === want) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`expected the list to show ${want}, it shows ${JSON.stringify(got)}`);
}

const bar = (page) => page.getByRole('toolbar', { name: 'Selection' });
const view = (page, name) => page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name, exact: true });

/** A library of FILES; returns the Library list's names in display order. */
async function library(page, url) {
  await openApp(page, url);
  await importFiles(page, FILES.map(fixtureImage));
  await expectCount(page, FILES.length);
  await expectNames(ui(page).library, FILES);
  return tileNames(ui(page).library);
}

/** Clicks the first name's checkbox, then Shift-clicks the third's: the first three are selected. */
async function selectFirstThree(page, list, names) {
  await list.getByRole('checkbox', { name: `Select ${names[0]}` }).click();
  await expectText(ui(page).status, /^\s*1 selected\s*$/);
  await list.getByRole('checkbox', { name: `Select ${names[2]}` }).click({ modifiers: ['Shift'] });
  await expectText(ui(page).status, /^\s*3 selected\s*$/);
  await expectText(bar(page), /3 selected/);
  const checked = [];
  for (const name of names) checked.push(await list.getByRole('checkbox', { name: `Select ${name}` }).isChecked());
  assert.deepEqual(checked, [true, true, true, false], 'the range from the anchor to the Shift-clicked tile, in the order shown');
  return names.slice(0, 3);
}

/** A second tab of the same profile showing `viewName` (until it reads `emptyText`) while the first one works. */
async function secondTab(page, context, url, viewName, emptyText) {
  const other = await context.newPage();
  await openApp(other, url);
  // The tab is still starting (its model loads, lines above the views come and go): a click that
  // landed while the buttons moved is made again until the view is the current one.
  const button = view(other, viewName);
  for (let attempt = 0; (await button.getAttribute('aria-current')) !== 'page' && attempt < 5; attempt++) {
    await button.click();
    await other.waitForFunction((b) => b.getAttribute('aria-current') === 'page', await button.elementHandle(), { timeout: 2_000 }).catch(() => undefined);
  }
  await other.getByText(emptyText).waitFor();
  // The tab opened last is in front; a tab behind gets no animation frames and slow timers.
  await page.bringToFront();
  return other;
}

const albumCard = (page, name, count) => page.getByRole('list', { name: 'Albums' }).getByRole('button', { name: `Open album ${name}, ${count} item${count === 1 ? '' : 's'}` });

test('albums: click and Shift-click select three, they go into a new album, which is renamed (markup shows as text), and a delete and its Undo keep the album in step, in another tab too', async ({ page, context, url }) => {
  let alerted = false;
  page.on('dialog', (d) => {
    alerted = true;
    void d.dismiss();
  });
  const names = await library(page, url);
  const other = await secondTab(page, context, url, 'Albums', 'No albums yet.');
  const picked = await selectFirstThree(page, ui(page).library, names);

  await bar(page).getByRole('button', { name: 'Add to album…' }).click();
  const picker = page.getByRole('dialog', { name: 'Add to album' });
  await picker.getByLabel('New album').fill('  Trip   to the sea  ');
  await picker.getByRole('button', { name: 'Create and add' }).click();
  await picker.waitFor({ state: 'detached' });
  await expectText(ui(page).status, /Added 3 items to Trip to the sea/);
  await albumCard(other, 'Trip to the sea', 3).waitFor();

  // Esc clears the selection when no dialog is open.
  await page.keyboard.press('Escape');
  await expectText(ui(page).status, /^\s*Selection cleared\s*$/);
  await bar(page).waitFor({ state: 'detached' });

  await view(page, 'Albums').click();
  await albumCard(page, 'Trip to the sea', 3).click();
  const album = (name) => page.getByRole('list', { name: `Album ${name}` });
  await expectNames(album('Trip to the sea'), picked);

  await page.getByRole('button', { name: 'Rename' }).click();
  await page.getByLabel('Album name').fill(MARKUP);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: MARKUP, exact: true }).waitFor();
  assert.equal(await page.locator('img[src="x"]').count(), 0, 'the name made no element');
  assert.equal(alerted, false, 'no script ran');

  // A photo of the album deleted from the library leaves the album; Undo puts it back.
  await view(page, 'Library').click();
  await ui(page).library.getByRole('button', { name: `Open ${picked[1]}` }).click();
  await page.getByRole('dialog', { name: picked[1] }).getByRole('button', { name: 'Delete' }).click();
  // The viewer moves on to the next item; closed, the page shows the undo toast.
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  await page.locator('p.toast').getByText(`Deleted ${picked[1]}.`).waitFor();
  await view(page, 'Albums').click();
  await expectNames(album(MARKUP), [picked[0], picked[2]]);
  await expectText(page.locator('.album-count'), /^\s*2 items\s*$/);
  await albumCard(other, MARKUP, 2).waitFor();

  await page.locator('p.toast').getByRole('button', { name: 'Undo' }).click();
  await expectNames(album(MARKUP), picked);
  await expectText(page.locator('.album-count'), /^\s*3 items\s*$/);
  await albumCard(other, MARKUP, 3).waitFor();


  // Deleting the album keeps its photos.
  await page.getByRole('button', { name: 'Delete album' }).click();
  await page.getByRole('dialog', { name: `Delete the album “${MARKUP}”?` }).getByRole('button', { name: 'Delete album' }).click();
  await page.getByText('No albums yet.').waitFor();
  await other.getByText('No albums yet.').waitFor();
  await expectCount(page, FILES.length);
}, { timeoutMs: 60_000 });

test('albums: Favourite from the selection bar fills Favourites, here and in another tab; Ctrl-click and Space toggle; Delete of the selection has one Undo for all of it', async ({ page, context, url }) => {
  const names = await library(page, url);
  const other = await secondTab(page, context, url, 'Favourites', 'No favourites yet.');
  const picked = await selectFirstThree(page, ui(page).library, names);
  // Ctrl-click on a tile toggles it without opening it.
  await ui(page).library.getByRole('button', { name: `Open ${names[3]}` }).click({ modifiers: ['Control'] });
  await expectText(ui(page).status, /^\s*4 selected\s*$/);
  await ui(page).library.getByRole('button', { name: `Open ${names[3]}` }).click({ modifiers: ['Control'] });
  await expectText(ui(page).status, /^\s*3 selected\s*$/);
  assert.equal(await page.getByRole('dialog').count(), 0, 'Ctrl-click selected rather than opened');

  const favourite = bar(page).getByRole('button', { name: 'Favourite' });
  await favourite.click();
  await expectText(ui(page).status, /Marked 3 items as favourites/);
  assert.equal(await favourite.getAttribute('aria-pressed'), 'true', 'all selected are favourites now');
  await view(page, 'Favourites').click();
  const favourites = page.getByRole('list', { name: 'Favourites' });
  await expectNames(favourites, picked);
  await expectNames(other.getByRole('list', { name: 'Favourites' }), picked);

  // Space on a focused tile toggles it.
  await favourites.getByRole('button', { name: `Open ${picked[0]}` }).focus();
  await page.keyboard.press('Space');
  await expectText(ui(page).status, /^\s*2 selected\s*$/);
  await page.keyboard.press('Space');
  await expectText(ui(page).status, /^\s*3 selected\s*$/);
  assert.equal(await page.getByRole('dialog').count(), 0, 'Space selected rather than opened');

  await bar(page).getByRole('button', { name: 'Delete' }).click();
  await page.locator('p.toast').getByText('Deleted 3 items.').waitFor();
  await expectCount(page, FILES.length - 3);
  await bar(page).waitFor({ state: 'detached' });
  await page.getByText('No favourites yet.').waitFor();

  await page.locator('p.toast').getByRole('button', { name: 'Undo' }).click();
  await expectCount(page, FILES.length);
  await expectText(ui(page).status, /Restored 3 items/);
  // All three are back, favourites still.
  await expectNames(favourites, picked);
}, { timeoutMs: 60_000 });

test('albums: Export… streams exactly the selected originals into a zip, with their names, bytes and dates; More like these searches by the three', async ({ page, url, log }) => {
  // The picker hands out a file in the page's private file system (OPFS), which the test reads back.
  await page.addInitScript(() => {
    window.showSaveFilePicker = async () => (await navigator.storage.getDirectory()).getFileHandle('export-test.zip', { create: true });
  });
  const names = await library(page, url);
  const picked = await selectFirstThree(page, ui(page).library, names);
  await bar(page).getByRole('button', { name: 'Export…' }).click();
  await expectText(ui(page).status, /^\s*Exported 3 files \(/, 20_000);

  const bytes = new Uint8Array(
    await page.evaluate(async () => [...new Uint8Array(await (await (await (await navigator.storage.getDirectory()).getFileHandle('export-test.zip')).getFile()).arrayBuffer())]),
  );
  const dir = await mkdtemp(join(tmpdir(), 'shoebox-zip-'));
  const file = join(dir, 'export.zip');
  await writeFile(file, bytes);
  // unzip checks every entry's CRC-32 against its bytes.
  log(execFileSync('unzip', ['-t', file], { encoding: 'utf8' }).trim().split('\n').pop());

  const entries = readZip(bytes);
  assert.deepEqual(entries.map((e) => e.name).sort(), [...picked].sort());
  for (const e of entries) {
    const original = await readFile(fixtureImage(e.name));
    assert.equal(e.size, original.length, `${e.name}: size`);
    assert.ok(Buffer.from(e.data).equals(original), `${e.name}: the original bytes`);
    const mtimeMs = (await stat(fixtureImage(e.name))).mtimeMs;
    assert.ok(Math.abs(e.modified.getTime() - mtimeMs) <= 2000, `${e.name}: dated with the file's last-modified time (${e.modified.toISOString()} vs ${new Date(mtimeMs).toISOString()})`);
  }

  // More like these: the library ranked against the three, without them.
  await bar(page).getByRole('button', { name: 'More like these' }).click();
  await page.getByRole('heading', { name: 'More like these 3 items' }).waitFor();
  // Strong and weaker matches together are the one item not selected.
  const results = page.locator('ul[aria-label="Search results"], ul[aria-label="Weaker matches"]');
  await expectNames(results, names.slice(3));
}, { timeoutMs: 60_000 });
