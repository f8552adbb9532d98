#!/usr/bin/env node
// `node bench/bulk-delete.mjs` — the sliced delete and its undo (src/lib/db/repo.ts
// deleteAssetRecordsInSlices / restoreAssetRecordsInSlices) on Chromium's IndexedDB: a library of
// N items (BENCH_DELETE_ITEMS, default 10,000; each with a record, a 4 KB thumbnail, a 512-d
// vector and lineage; a fifth of them in an album) deleted all at once, as "Delete" on a
// selection does, then undone. Writes bench/results/bulk-delete.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, serveTestPage } from '../test/e2e/harness.mjs';
import { RESULTS_DIR } from './lib/bench-page.mjs';

const ITEMS = (process.env.BENCH_DELETE_ITEMS || '10000').split(',').map(Number);
const server = await serveTestPage('bulk-delete');
const browser = await launchBrowser();
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => typeof window.bulkDelete === 'function');
  const runs = [];
  for (const n of ITEMS) {
    const r = await page.evaluate((count) => window.bulkDelete(count), n);
    const sorted = [...r.sliceMs].sort((a, b) => a - b);
    const run = {
      items: r.items,
      slice: r.slice,
      seedMs: Math.round(r.seedMs),
      deleteMs: Math.round(r.deleteMs),
      sliceMedianMs: Math.round(sorted[Math.floor(sorted.length / 2)]),
      sliceMaxMs: Math.round(sorted.at(-1)),
      undoMs: Math.round(r.undoMs),
      restored: r.restored,
      albumItemsBack: r.albumItemsBack,
    };
    console.log(JSON.stringify(run));
    runs.push(run);
  }
  writeFileSync(join(RESULTS_DIR, 'bulk-delete.json'), JSON.stringify({ date: new Date().toISOString(), browser: browser.version(), runs }, null, 2) + '\n');
} finally {
  await browser.close();
  await server.stop();
}
