#!/usr/bin/env node
// Run all e2e tests: node test/e2e/run.mjs [name-substring]
// Needs a build in dist/ (npx vite build) and Chromium (CHROME_PATH or /usr/bin/chromium).
// Env: E2E_RESULTS_FILE=<path> writes {passed, failed, skipped, results} as JSON.
//      E2E_LANES=<n> runs n tests side by side (default 2; 1 = one after another).
//      E2E_OUT_DIR / E2E_VITE_CONFIG override the served build dir / vite config.
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchBrowser, loadingFile, registeredTests, run, startServer } from './harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] || '';
// Only stops a run that hangs (each test has its own timeout): the suite takes 6–9 minutes on a 2-core host.
const GLOBAL_TIMEOUT_MS = Number(process.env.E2E_GLOBAL_TIMEOUT_MS || 20 * 60_000);

async function writeResults(result) {
  const file = process.env.E2E_RESULTS_FILE;
  if (!file) return;
  await mkdir(dirname(resolve(file)), { recursive: true });
  await writeFile(resolve(file), JSON.stringify(result, null, 2) + '\n');
}

/** Filled as tests end: on the global timeout, what finished is still reported. */
const summary = { passed: 0, failed: 0, skipped: 0, results: [] };
let selectedCount = 0;

async function main() {
  const files = readdirSync(HERE).filter((f) => f.endsWith('.e2e.mjs')).sort();
  for (const f of files) {
    loadingFile(f);
    await import(pathToFileURL(join(HERE, f)).href);
  }
  const selected = registeredTests().filter((t) => !filter || t.name.toLowerCase().includes(filter.toLowerCase()));
  selectedCount = selected.length;
  console.log(`e2e: ${files.length} file(s), ${selected.length} test(s)${filter ? ` matching "${filter}"` : ''}`);

  let server;
  let browser;
  try {
    server = await startServer();
    console.log(`e2e: serving ${server.outDir} at ${server.url}`);
    browser = await launchBrowser();
    console.log(`e2e: browser ${browser.version()} (${process.env.CHROME_PATH || '/usr/bin/chromium'})`);
    await run({ url: server.url, browser, filter, summary });
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (server) await server.stop();
  }
  return summary;
}

const watchdog = setTimeout(async () => {
  // Every test that did not end in time counts as failed; those that did keep their result.
  const unfinished = Math.max(1, selectedCount - summary.results.length);
  const s = { ...summary, failed: summary.failed + unfinished, error: `global timeout: ${unfinished} test(s) did not finish` };
  console.log(`e2e: global timeout after ${GLOBAL_TIMEOUT_MS} ms with ${unfinished} test(s) unfinished`);
  console.log(`e2e: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
  await writeResults(s).catch(() => {});
  process.exit(1); // process 'exit' hook in harness kills the preview server
}, GLOBAL_TIMEOUT_MS);
watchdog.unref();

main().then(
  async (s) => {
    clearTimeout(watchdog);
    await writeResults(s);
    console.log(`e2e: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
    process.exit(s.failed > 0 ? 1 : 0);
  },
  async (err) => {
    clearTimeout(watchdog);
    console.log(`e2e: setup failed: ${err?.stack || err}`);
    await writeResults({ passed: 0, failed: 1, skipped: 0, results: [], error: String(err?.message || err) });
    console.log('e2e: 0 passed, 1 failed, 0 skipped');
    process.exit(1);
  },
);
