// Settings → Diagnostics: after an import, the page says where the import's time went, stage by stage.
import assert from 'node:assert/strict';
import { expectText, fixtureImage, fixtureManifest, test } from './harness.mjs';
import { closeSettings, expectCount, importFiles, openApp, ui, waitModelReady } from './app-helpers.mjs';

const manifest = fixtureManifest();
const GOOD = Object.keys(manifest).filter((k) => manifest[k].kind === 'good' && !k.includes('/'));

/** Rows of the "Where import time goes" table: { stage, totalMs, msPerItem, share } as the user reads them. */
async function readStageTable(page) {
  const table = page.getByRole('table', { name: 'Where import time goes' });
  await table.waitFor();
  return table.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => {
      const cells = [...tr.children].map((c) => (c.textContent ?? '').trim());
      return { stage: cells[0], totalMs: cells[1], msPerItem: cells[2], share: cells[3] };
    }),
  );
}

test('diagnostics: after an import, Settings shows where import time goes per stage', async ({ page, url }) => {
  await openApp(page, url);
  await waitModelReady(page);
  await closeSettings(page);
  await importFiles(page, GOOD.map(fixtureImage));
  await expectCount(page, GOOD.length);

  await ui(page).settings.click();
  // The index status follows the import: it was read at start, when the library was empty.
  await expectText(page.getByTestId('index-status'), new RegExp(`exact scan, ${GOOD.length} items,\\s+started empty`));
  const rows = await readStageTable(page);
  const row = (re) => {
    const r = rows.find((x) => re.test(x.stage));
    assert.ok(r, `no row matching ${re} in ${JSON.stringify(rows)}`);
    return r;
  };
  const figures = {};
  for (const [name, re] of [
    ['decode', /^Decode/],
    ['resize', /^Resize/],
    ['sha256', /SHA-256/],
    ['phash', /pHash/],
    ['model', /^Model/],
    ['store', /^Store/],
  ]) {
    const r = row(re);
    const totalMs = Number(r.totalMs);
    const msPerItem = Number(r.msPerItem);
    assert.ok(/^\d+(\.\d+)?$/.test(r.totalMs) && totalMs >= 0, `${name}: total ms should be a number ≥ 0, got ${JSON.stringify(r.totalMs)}`);
    assert.ok(/^\d+(\.\d+)?$/.test(r.msPerItem) && msPerItem >= 0, `${name}: ms per item should be a number ≥ 0, got ${JSON.stringify(r.msPerItem)}`);
    assert.match(r.share, /^\d+ %$/, `${name}: share should be a percentage, got ${JSON.stringify(r.share)}`);
    figures[name] = totalMs;
  }
  assert.ok(figures.model > 0, `the model ran on ${GOOD.length} photos, so its time must be > 0; table: ${JSON.stringify(rows)}`);
  const bottleneck = (await page.getByTestId('import-bottleneck').textContent()) ?? '';
  assert.match(bottleneck, /bottleneck: \w/, `the bottleneck should be named, got ${JSON.stringify(bottleneck)}`);
  console.log(`  stages (ms): ${rows.map((r) => `${r.stage} ${r.totalMs} (${r.msPerItem}/item, ${r.share})`).join('; ')}`);
  console.log(`  ${bottleneck.replace(/\s+/g, ' ').trim()}`);
}, { timeoutMs: 90_000 });
