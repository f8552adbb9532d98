// Page helpers shared by the app's end-to-end tests: they speak the accessibility contract
// (labels, roles, live regions) rather than CSS, so they read the page as a user would.
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectText, FIXTURE_MODEL_ID, POLL_MS, ROOT } from './harness.mjs';

export const appUrl = (url) => `${url}?model=${FIXTURE_MODEL_ID}`;


/** @param {import('playwright-core').Page} page */
export const ui = (page) => ({
  fileInput: page.getByLabel('Add photos and videos'),
  status: page.getByRole('status'),
  messages: page.getByRole('list', { name: 'Import messages' }),
  count: page.locator('p.count'),
  searchbox: page.getByRole('searchbox', { name: 'Search' }),
  results: page.getByRole('list', { name: 'Search results' }),
  library: page.getByRole('list', { name: 'Library' }),
  settings: page.getByRole('button', { name: 'Settings', exact: true }),
});

export async function openApp(page, url) {
  await page.goto(appUrl(url));
  await ui(page).searchbox.waitFor();
}

/**
 * Opens Settings, waits for "Ready in …", returns { status, backend } texts; leaves Settings open.
 * On a first visit with an empty library the model waits for its first use: "Download now" starts it.
 */
export async function waitModelReady(page, timeoutMs = 30_000) {
  const { settings } = ui(page);
  if ((await settings.getAttribute('aria-expanded')) !== 'true') await settings.click();
  const statusBox = page.getByTestId('model-status');
  // A first visit downloads the model on demand; a library opened again loads its saved model on demand.
  if (/Not downloaded yet|Saved on this device/.test(await expectText(statusBox, /Ready in|Not downloaded yet|Saved on this device/, timeoutMs))) {
    await statusBox.getByRole('button', { name: /^(Download|Load) now$/ }).click();
  }
  const status = await expectText(statusBox, /Ready in/, timeoutMs);
  const backend = ((await page.getByTestId('backend').textContent()) ?? '').trim();
  return { status: status.trim(), backend };
}

export async function closeSettings(page) {
  const { settings } = ui(page);
  if ((await settings.getAttribute('aria-expanded')) === 'true') await settings.click();
}

/** setInputFiles, then wait until the live region reads "Indexed N of N". */
export async function importFiles(page, files, expectedTotal = files.length, timeoutMs = 30_000) {
  await ui(page).fileInput.setInputFiles(files);
  await expectText(ui(page).status, new RegExp(`^\\s*Indexed ${expectedTotal} of ${expectedTotal}\\b`), timeoutMs);
}

export async function expectCount(page, n, timeoutMs = 10_000) {
  await expectText(ui(page).count, new RegExp(`^\\s*${n} items? in your library`), timeoutMs);
}

/** Texts of the import messages list. */
export async function messageTexts(page) {
  // The text only: failed files also carry Retry / Dismiss buttons.
  const texts = await ui(page).messages.getByRole('listitem').evaluateAll((lis) => lis.map((li) => (li.querySelector('.notice-text') ?? li).textContent ?? ''));
  return texts.map((t) => t.replace(/\s+/g, ' ').trim());
}

export async function waitMessage(page, re, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last = [];
  while (Date.now() < deadline) {
    last = await messageTexts(page).catch(() => []);
    if (last.some((t) => re.test(t))) return last;
    await page.waitForTimeout(POLL_MS);
  }
  throw new Error(`no import message matching ${re}; messages: ${JSON.stringify(last)}`);
}

/**
 * Reads the result tiles of a list: [{ name, score, nearDup }] in display order. Only the tiles a
 * grid has drawn (a long one draws what is on screen) and no day headers.
 */
export async function readTiles(list) {
  return list.locator(':scope > li[data-type]').evaluateAll((lis) =>
    lis.map((li) => {
      const scoreEl = li.querySelector('.score');
      const raw = scoreEl ? [...scoreEl.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim() : '';
      return {
        name: li.querySelector('.name')?.textContent?.trim() ?? '',
        scoreText: raw,
        score: raw === '' ? null : Number(raw),
        nearDup: !!li.querySelector('.badge.near'),
        type: li.getAttribute('data-type') ?? '',
        moments: [...li.querySelectorAll('.moment')].map((b) => (b.textContent ?? '').trim()),
      };
    }),
  );
}

/**
 * Types a query, presses Enter, waits until the search for THIS query finished
 * (heading shows it, searchbox no longer busy, results rendered) and returns the tiles.
 */
export async function search(page, query, { minResults = 1, timeoutMs = 15_000 } = {}) {
  const { searchbox, results } = ui(page);
  await searchbox.fill(query);
  await searchbox.press('Enter');
  await page.getByRole('heading', { name: `Results for “${query}”` }).waitFor({ timeout: timeoutMs });
  const deadline = Date.now() + timeoutMs;
  let tiles = [];
  while (Date.now() < deadline) {
    const busy = await searchbox.getAttribute('aria-busy');
    const err = await page.locator('main p.error').first().textContent({ timeout: 50 }).catch(() => null);
    if (err) throw new Error(`search "${query}" failed: ${err}`);
    if (busy === 'false') {
      // Strong matches first, then the folded "Weaker matches" (hidden until opened, so read by CSS).
      const strong = (await readTiles(results).catch(() => [])).map((t) => ({ ...t, weak: false }));
      const weak = (await readTiles(page.locator('ul[aria-label="Weaker matches"]')).catch(() => [])).map((t) => ({ ...t, weak: true }));
      tiles = [...strong, ...weak];
      if (tiles.length >= minResults) return tiles;
    }
    await page.waitForTimeout(50);
  }
  throw new Error(`search "${query}" did not finish with ≥${minResults} result(s); last tiles: ${JSON.stringify(tiles)}`);
}

/**
 * What a reload would find, read straight from storage: counts of assets, embeddings and asset
 * thumbnails (not video keyframes); vectors by model; assets lacking a vector, thumbnail or original file and vectors
 * lacking an asset; distinct sha256 values; jobs by status; the sorted asset ids and OPFS originals.
 */
export async function storeCounts(page) {
  return page.evaluate(async () => {
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open('shoebox');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => resolve(open.result);
    });
    const all = (store, keysOnly) =>
      new Promise((resolve, reject) => {
        const r = keysOnly ? db.transaction(store).objectStore(store).getAllKeys() : db.transaction(store).objectStore(store).getAll();
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
    const [assets, vectorIds, thumbIds, jobs] = [await all('assets'), await all('embeddings', true), await all('thumbnails', true), await all('jobs')];
    const vectorModels = await new Promise((resolve, reject) => {
      const byModel = {};
      const r = db.transaction('embeddings').objectStore('embeddings').index('byModelId').openKeyCursor();
      r.onsuccess = () => {
        if (!r.result) return resolve(byModel);
        byModel[r.result.key] = (byModel[r.result.key] ?? 0) + 1;
        r.result.continue();
      };
      r.onerror = () => reject(r.error);
    });
    db.close();
    const originals = new Set();
    try {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('originals');
      for await (const name of dir.keys()) originals.add(name);
    } catch {
      /* no originals folder yet */
    }
    const assetIds = new Set(assets.map((a) => a.id));
    const vectors = new Set(vectorIds);
    const thumbs = new Set(thumbIds);
    const byStatus = {};
    for (const j of jobs) byStatus[j.status] = (byStatus[j.status] ?? 0) + 1;
    return {
      assets: assets.length,
      embeddings: vectorIds.length,
      /** How many vectors each model made. */
      vectorModels,
      assetThumbnails: assets.filter((a) => thumbs.has(a.id)).length,
      withoutVector: assets.filter((a) => !vectors.has(a.id)).map((a) => a.name),
      withoutThumbnail: assets.filter((a) => !thumbs.has(a.id)).map((a) => a.name),
      withoutOriginal: assets.filter((a) => a.blobLocation === 'opfs' && !originals.has(a.id)).map((a) => a.name),
      vectorsWithoutAsset: vectorIds.filter((id) => !assetIds.has(id)).length,
      distinctSha256: new Set(assets.map((a) => a.sha256)).size,
      jobs: byStatus,
      assetIdsSorted: [...assetIds].sort(),
      assetNames: assets.map((a) => a.name).sort(),
      /** Every file in the OPFS originals folder (named by item or job id), sorted. */
      originalsSorted: [...originals].sort(),
    };
  });
}

const MODEL_FILES = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/text_model_quantized.onnx',
  'onnx/vision_model_quantized.onnx',
];

/**
 * "Choose a folder" (showDirectoryPicker) returns the OPFS folder `name` that copyModelToFolder fills
 * with the fixture model; the folder's name is the model's id, so another name is another model.
 */
export async function pickableModelFolder(context, name = FIXTURE_MODEL_ID) {
  await context.addInitScript((folder) => {
    window.showDirectoryPicker = async () => {
      const root = await navigator.storage.getDirectory();
      return (await root.getDirectoryHandle('e2e-model-folder')).getDirectoryHandle(folder);
    };
  }, name);
}

/** Copies the fixture model's files from the site into that OPFS folder. */
export async function copyModelToFolder(page, name = FIXTURE_MODEL_ID) {
  await page.evaluate(
    async ({ id, name, files }) => {
      const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('e2e-model-folder', { create: true });
      const dir = await root.getDirectoryHandle(name, { create: true });
      for (const f of files) {
        const parts = f.split('/');
        let d = dir;
        for (const p of parts.slice(0, -1)) d = await d.getDirectoryHandle(p, { create: true });
        const res = await fetch(`/models/${id}/${f}`);
        if (!res.ok) throw new Error(`fixture model file ${f}: HTTP ${res.status}`);
        const w = await (await d.getFileHandle(parts[parts.length - 1], { create: true })).createWritable();
        await w.write(await res.blob());
        await w.close();
      }
    },
    { id: FIXTURE_MODEL_ID, name, files: MODEL_FILES },
  );
}

/** Writes a library setting the way the page stores it, then reloads so start() reads it. */
export async function setSetting(page, key, value) {
  await page.evaluate(
    ([k, v]) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('shoebox');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('meta', 'readwrite');
          tx.objectStore('meta').put(v, k);
          tx.oncomplete = () => (open.result.close(), resolve(null));
          tx.onerror = () => reject(tx.error);
        };
      }),
    [key, value],
  );
  await page.reload();
  await ui(page).searchbox.waitFor();
}

/** Names of the files in the OPFS originals folder. */
export const opfsOriginals = (page) =>
  page.evaluate(async () => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('originals', { create: true });
    const out = [];
    for await (const name of dir.keys()) out.push(name);
    return out.sort();
  });

export async function waitUntil(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** The download path stands in for the save picker, which a headless test cannot answer. */
export async function withoutSavePicker(page) {
  await page.addInitScript(() => {
    delete window.showSaveFilePicker;
  });
}

export async function exportArchive(page, { originals }) {
  await waitModelReady(page);
  const box = page.getByLabel('Include original files');
  if ((await box.isChecked()) !== originals) await box.click();
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByRole('button', { name: 'Export library' }).click()]);
  const dir = await mkdtemp(join(tmpdir(), 'shoebox-archive-'));
  const file = join(dir, download.suggestedFilename());
  await download.saveAs(file);
  await expectText(page.getByTestId('backup-status'), /^Exported \d+ photos and videos/, 30_000);
  return file;
}

export async function importArchive(page, file) {
  await waitModelReady(page);
  await page.getByLabel('Import a Shoebox archive').setInputFiles(file);
}

/** A fresh profile (a new browser context) with the archive `file` imported (`added` new items), given to `fn`, then closed. */
export async function inFreshProfileWith(browser, url, file, added, fn) {
  const fresh = await browser.newContext();
  try {
    const page = await fresh.newPage();
    await openApp(page, url);
    await importArchive(page, file);
    await expectText(page.getByTestId('backup-status'), new RegExp(`Imported ${added} photos and videos \\(0 already here\\)`), 60_000);
    await fn(page);
  } finally {
    await fresh.close();
  }
}

/**
 * Runs axe-core in the page and returns its serious and critical violations, one line each.
 * The page's CSP allows only its own scripts, so a <script> tag with axe's text would be refused;
 * page.evaluate runs the source through the DevTools protocol instead, which the CSP does not
 * govern, and the app's CSP stays in force for everything else the test does.
 */
export async function seriousViolations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8'));
  const violations = await page.evaluate(async () => {
    // @ts-ignore axe is the global the evaluated source defined
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary?.split('\n')[1]?.trim() ?? ''}`).join('; ')}`);
  });
  return violations;
}

/** The import worker, where dropped files are copied in and taken in (for a test's fault hooks). */
export async function ingestWorker(page) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const w = page.workers().find((x) => /ingest/.test(x.url()));
    if (w) return w;
    await page.waitForTimeout(50);
  }
  throw new Error(`no ingest worker among ${page.workers().map((w) => w.url())}`);
}
