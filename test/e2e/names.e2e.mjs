// End-to-end tests of how file names are shown: a name carrying a RIGHT-TO-LEFT OVERRIDE
// (U+202E) must not pass "report<RLO>gpj.exe" off as "reportexe.jpg", and names written
// right to left (Hebrew, Arabic) must read unchanged, each isolated from the text around it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { expectText, fixtureImage, test } from './harness.mjs';
import { expectCount, importFiles, messageTexts, openApp, readTiles, ui, waitMessage } from './app-helpers.mjs';

const SPOOF = 'report\u202Egpj.exe';
/** What Shoebox shows for SPOOF: the override as a visible marker, the real extension last. */
const SPOOF_SHOWN = 'report⟪RLO⟫gpj.exe';
const HEBREW = 'תמונה של הים.jpg';
const ARABIC = 'صورة العائلة.png';
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

const jpeg = (name, fixture) => ({ name, mimeType: 'image/jpeg', buffer: readFileSync(fixtureImage(fixture)) });

/** How a name element is drawn: its text, isolation, direction, and where the extension sits. */
async function nameLayout(el) {
  return el.evaluate((node) => {
    const style = getComputedStyle(node);
    const stem = node.querySelector('.stem')?.getBoundingClientRect();
    const ext = node.querySelector('.ext')?.getBoundingClientRect();
    return {
      tag: node.tagName.toLowerCase(),
      text: node.textContent,
      ext: node.querySelector('.ext')?.textContent ?? '',
      unicodeBidi: style.unicodeBidi,
      direction: style.direction,
      // In a left-to-right name the extension is drawn right of the stem; right to left, left of it.
      extSide: stem && ext ? (ext.left >= stem.right - 1 ? 'right' : ext.right <= stem.left + 1 ? 'left' : 'overlap') : 'none',
    };
  });
}

test('names: a right-to-left override is shown, the real extension stays last, and Hebrew/Arabic names read unchanged', async ({ page, url }) => {
  await openApp(page, url);
  await importFiles(page, [jpeg(SPOOF, 'red-ball.jpg'), jpeg(HEBREW, 'blue-sky.jpg'), { ...jpeg(ARABIC, 'green-field.png'), mimeType: 'image/png' }], 3);
  await expectCount(page, 3);

  // The grid: list items carry the shown name; the override is a visible marker.
  const tiles = (await readTiles(ui(page).library)).map((t) => t.name).sort();
  assert.deepEqual(tiles, [SPOOF_SHOWN, ARABIC, HEBREW].sort());
  const tileName = (shown) => ui(page).library.getByRole('listitem').filter({ has: page.getByRole('button', { name: `Open ${shown}`, exact: true }) }).locator('.name');
  const spoofTile = await nameLayout(tileName(SPOOF_SHOWN));
  assert.doesNotMatch(spoofTile.text, BIDI_CONTROLS);
  assert.deepEqual(
    { tag: spoofTile.tag, text: spoofTile.text, ext: spoofTile.ext, unicodeBidi: spoofTile.unicodeBidi, direction: spoofTile.direction, extSide: spoofTile.extSide },
    { tag: 'bdi', text: SPOOF_SHOWN, ext: '.exe', unicodeBidi: 'isolate', direction: 'ltr', extSide: 'right' },
  );
  for (const name of [HEBREW, ARABIC]) {
    const rtl = await nameLayout(tileName(name));
    assert.deepEqual({ text: rtl.text, unicodeBidi: rtl.unicodeBidi, direction: rtl.direction, extSide: rtl.extSide }, { text: name, unicodeBidi: 'isolate', direction: 'rtl', extSide: 'left' }, name);
  }

  // The viewer: the heading shows the same safe name, isolated, extension last.
  await page.getByRole('button', { name: `Open ${SPOOF_SHOWN}`, exact: true }).click();
  let dialog = page.getByRole('dialog', { name: SPOOF_SHOWN });
  await dialog.waitFor();
  const heading = await nameLayout(dialog.getByRole('heading').locator('bdi'));
  assert.deepEqual({ text: heading.text, ext: heading.ext, unicodeBidi: heading.unicodeBidi, extSide: heading.extSide }, { text: SPOOF_SHOWN, ext: '.exe', unicodeBidi: 'isolate', extSide: 'right' });
  assert.equal(await dialog.getByRole('img').getAttribute('alt'), SPOOF_SHOWN);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'hidden' });

  await page.getByRole('button', { name: `Open ${HEBREW}`, exact: true }).click();
  dialog = page.getByRole('dialog', { name: HEBREW });
  const hebrewHeading = await nameLayout(dialog.getByRole('heading').locator('bdi'));
  assert.deepEqual({ text: hebrewHeading.text, direction: hebrewHeading.direction }, { text: HEBREW, direction: 'rtl' });
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'hidden' });

  // The messages: the same bytes again give a message that names both files safely.
  await ui(page).fileInput.setInputFiles([jpeg(SPOOF, 'red-ball.jpg')]);
  const msgs = await waitMessage(page, /already in your library/);
  const mine = msgs.filter((m) => m.startsWith(`${SPOOF_SHOWN}:`));
  assert.deepEqual(mine, [`${SPOOF_SHOWN}: already in your library as "${SPOOF_SHOWN}"`], JSON.stringify(msgs));
  assert.ok(!(await messageTexts(page)).some((m) => BIDI_CONTROLS.test(m)), 'no message holds a bidi control');
  const noticeName = await nameLayout(ui(page).messages.getByRole('listitem').first().locator('bdi'));
  assert.deepEqual({ text: noticeName.text, unicodeBidi: noticeName.unicodeBidi }, { text: SPOOF_SHOWN, unicodeBidi: 'isolate' });

  // Delete: the toast and the live region name the file safely.
  await page.getByRole('button', { name: `Open ${SPOOF_SHOWN}`, exact: true }).click();
  await page.getByRole('dialog', { name: SPOOF_SHOWN }).getByRole('button', { name: 'Delete' }).click();
  await expectText(ui(page).status, new RegExp(`^\\s*Deleted ${SPOOF_SHOWN}\\s*$`));
  const toastName = await nameLayout(page.locator('p.toast bdi'));
  assert.deepEqual({ text: toastName.text, ext: toastName.ext, unicodeBidi: toastName.unicodeBidi }, { text: SPOOF_SHOWN, ext: '.exe', unicodeBidi: 'isolate' });
  assert.equal((await page.locator('p.toast').textContent()).replace(/\s+/g, ' ').trim(), `Deleted ${SPOOF_SHOWN}. Undo`);
});

test('names: a long name keeps its extension in view when the tile shortens it', async ({ page, url }) => {
  await page.setViewportSize({ width: 390, height: 800 });
  await openApp(page, url);
  const long = `holiday-photos-from-the-summer-by-the-sea-${'x'.repeat(40)}.jpg.exe`;
  await importFiles(page, [jpeg(long, 'red-ball.jpg')], 1);
  const el = ui(page).library.locator('.name');
  const layout = await el.evaluate((node) => {
    const box = node.getBoundingClientRect();
    const stem = node.querySelector('.stem');
    const ext = node.querySelector('.ext').getBoundingClientRect();
    return { shortened: stem.scrollWidth > stem.clientWidth, extInside: ext.left >= box.left && ext.right <= box.right + 0.5, extWidth: ext.width };
  });
  assert.equal(await el.textContent(), long, 'the text stays the whole name');
  assert.deepEqual({ shortened: layout.shortened, extInside: layout.extInside }, { shortened: true, extInside: true });
  assert.ok(layout.extWidth > 10, `".exe" is drawn: ${layout.extWidth}px`);
  assert.equal(await el.getAttribute('title'), long);
});
