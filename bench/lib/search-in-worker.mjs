// Runs bench/search-worker/worker.ts in headless Chromium: a Vite dev server (the worker's
// TypeScript transformed on request) serves the worker, a blank page and the bench's data from
// memory; the page starts the worker, which restores the index bytes and times the configurations
// against the exact scan (see the worker's header). Used by bench/search.mjs for the figures
// "inside a browser worker".
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROME_ARGS } from './bench-page.mjs';
import { serveBenchData } from './data-server.mjs';

/**
 * @param {Uint8Array} indexBytes  a serialised Hnsw (SBVX), with float vectors or int8 codes
 * @param {Float32Array[]} textQueries
 * @param {Float32Array[]} imageQueries
 * @param {Array<{label: string, kind: 'text'|'image', opts: object}>} configs
 * @param {{ vectors?: Float32Array, rescoreExtra?: number }} [more] the float vectors in the
 *   order of the index's ids() (needed with codes), and the hits scored again beyond k
 * @returns {Promise<{restoreMs: number, size: number, rows: object[], chromium: string}>}
 */
export async function searchInWorker(indexBytes, textQueries, imageQueries, configs, passes = 3, more = {}) {
  const queries = [...textQueries, ...imageQueries];
  const flat = new Float32Array(queries.length * queries[0].length);
  queries.forEach((q, i) => flat.set(q, i * q.length));
  const files = {
    '/bench-data/index.bin': Buffer.from(indexBytes.buffer, indexBytes.byteOffset, indexBytes.byteLength),
    '/bench-data/queries.bin': Buffer.from(flat.buffer),
    '/bench-data/blank.html': Buffer.from('<!doctype html><title>search in a worker</title>'),
    ...(more.vectors ? { '/bench-data/vectors.bin': Buffer.from(more.vectors.buffer, more.vectors.byteOffset, more.vectors.byteLength) } : {}),
  };
  const server = await serveBenchData(files);
  const userDataDir = mkdtempSync(join(os.tmpdir(), 'shoebox-search-worker-'));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: process.env.CHROME_PATH || '/usr/bin/chromium', args: [...CHROME_ARGS, '--disable-gpu'] });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${server.origin}/bench-data/blank.html`);
    const job = { nText: textQueries.length, nImage: imageQueries.length, passes, configs, vectorsGiven: !!more.vectors, ...(more.rescoreExtra !== undefined ? { rescoreExtra: more.rescoreExtra } : {}) };
    const out = await page.evaluate(
      (j) =>
        new Promise((resolve) => {
          const worker = new Worker('/bench/search-worker/worker.ts', { type: 'module' });
          worker.onmessage = (e) => resolve(e.data);
          worker.onerror = (e) => resolve({ ok: false, error: String(e.message) });
          worker.postMessage(j);
        }),
      job,
    );
    if (!out.ok) throw new Error(`search worker: ${out.error}`);
    return { ...out, chromium: context.browser()?.version() ?? 'unknown' };
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
    await server.close();
  }
}
