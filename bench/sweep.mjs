#!/usr/bin/env node
// `node bench/sweep.mjs` (after `npx vite build`) — the cost of the start-up leftover sweep in the
// real app in Chromium: a library of N items (default 10,000; BENCH_SWEEP_ITEMS) whose originals are
// in OPFS, plus 100 leftover files older than the grace period. Reloads the app and reads the
// sweep's User Timing entry ('shoebox:sweep', written by Library.start) and the long tasks
// (> 50 ms on the page's main thread) while it ran. Writes bench/results/sweep.{json,md}.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, startServer } from '../test/e2e/harness.mjs';
import { appUrl } from '../test/e2e/app-helpers.mjs';
import { RESULTS_DIR } from './lib/bench-page.mjs';

const ITEMS = Number(process.env.BENCH_SWEEP_ITEMS || 10_000);
const LEFTOVERS = 100;

const server = await startServer();
const browser = await launchBrowser();
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(appUrl(server.url));
  await page.getByRole('searchbox', { name: 'Search' }).waitFor();
  const seedMs = await page.evaluate(
    async ([items, leftovers]) => {
      const t0 = performance.now();
      const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open('shoebox');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => resolve(open.result);
      });
      await new Promise((resolve, reject) => {
        const tx = db.transaction(['assets', 'meta'], 'readwrite');
        for (let i = 0; i < items; i++) {
          const id = `item-${String(i).padStart(6, '0')}`;
          tx.objectStore('assets').put({ id, name: `${id}.jpg`, type: 'image', mime: 'image/jpeg', sizeBytes: 1, sha256: `sha-${i}`, pHash: '0000000000000000', width: 1, height: 1, addedAt: i, status: 'ready', blobLocation: 'opfs' });
        }
        tx.objectStore('meta').put(1000, 'settings:sweepGraceMs');
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('originals', { create: true });
      const names = [...Array.from({ length: items }, (_, i) => `item-${String(i).padStart(6, '0')}`), ...Array.from({ length: leftovers }, (_, i) => `leftover-${i}`)];
      for (let i = 0; i < names.length; i += 200) await Promise.all(names.slice(i, i + 200).map((n) => dir.getFileHandle(n, { create: true })));
      return performance.now() - t0;
    },
    [ITEMS, LEFTOVERS],
  );
  await page.waitForTimeout(1100); // the grace period of the seeded leftovers (1 s)
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries().map((e) => ({ startTime: e.startTime, duration: e.duration })))).observe({ type: 'longtask', buffered: true });
  });
  await page.reload();
  await page.waitForFunction(() => performance.getEntriesByName('shoebox:sweep').length > 0, null, { timeout: 120_000 });
  const result = await page.evaluate(() => {
    const m = performance.getEntriesByName('shoebox:sweep')[0];
    const during = window.__longTasks.filter((t) => t.startTime + t.duration >= m.startTime && t.startTime <= m.startTime + m.duration);
    return { sweepMs: m.duration, startedAtMs: m.startTime, detail: m.detail, longTasksDuring: during.length, longestTaskMs: Math.max(0, ...during.map((t) => t.duration)) };
  });
  const out = { date: new Date().toISOString(), items: ITEMS, leftovers: LEFTOVERS, seedMs: Math.round(seedMs), ...result, browser: browser.version() };
  console.log(JSON.stringify(out, null, 2));
  writeFileSync(join(RESULTS_DIR, 'sweep.json'), JSON.stringify(out, null, 2) + '\n');
  writeFileSync(
    join(RESULTS_DIR, 'sweep.md'),
    `# Start-up leftover sweep (${out.date.slice(0, 10)}, Chromium ${out.browser}, 2 shared cores)\n\n` +
      `${ITEMS.toLocaleString('en')} items with their originals in OPFS plus ${LEFTOVERS} leftover files: the sweep took ` +
      `**${out.sweepMs.toFixed(0)} ms** after start-up (${(out.startedAtMs / 1000).toFixed(2)} s after navigation), scanned ${out.detail.scanned.opfs} OPFS files, ` +
      `removed ${out.detail.removedCount}; long tasks on the main thread while it ran: ${out.longTasksDuring} (longest ${out.longestTaskMs.toFixed(0)} ms; ` +
      `they include the app's own start-up work running at the same time).\n`,
  );
} finally {
  await browser.close();
  await server.stop();
}
