// Tiny e2e framework on playwright-core (no @playwright/test).
//
//   import { test, skip, fixtureImage } from './harness.mjs';
//   import assert from 'node:assert/strict';
//
//   test('imports photos', async ({ page, url }) => {
//     await page.goto(url);
//     await page.getByLabel('Add photos and videos').setInputFiles([fixtureImage('red-ball.jpg')]);
//     await page.getByRole('img', { name: /red-ball/ }).waitFor();
//   }, { timeoutMs: 60_000 });
//
// Every test gets a fresh BrowserContext (fresh profile: empty IndexedDB/OPFS/caches)
// and page. A test FAILS if: it throws / times out, a CSP violation happens
// (securitypolicyviolation event or a "Refused to ..."/"Content Security Policy"
// console message, in the page or its workers), or an uncaught page error happens
// (opt out per test with { allowPageErrors: true } / { allowCspViolations: true }).
// On failure a screenshot and a log go to test-results/<name>.png|.log.
import { spawn } from 'node:child_process';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RESULTS_DIR = join(ROOT, 'test-results');
export const FIXTURE_IMAGES_DIR = join(ROOT, 'test/fixtures/generated/images');
export const FIXTURE_MODEL_ID = 'shoebox-fixture-clip';
const FIXTURE_MODEL_SRC = join(ROOT, 'test/fixtures/models', FIXTURE_MODEL_ID);

const DEFAULT_TEST_TIMEOUT_MS = 60_000;
const DEFAULT_ACTION_TIMEOUT_MS = 15_000;
const DEFAULT_NAVIGATION_TIMEOUT_MS = 30_000;
/** How often the wait helpers look again: a wait ends on average half of this after its condition holds. */
export const POLL_MS = 50;

// ---------------------------------------------------------------- registry

/** @type {{name: string, fn?: Function, opts: object, skipReason?: string}[]} */
const registry = [];

/**
 * Register a test.
 * @param {string} name
 * @param {(ctx: TestContext) => Promise<void>} fn
 * @param {{timeoutMs?: number, allowPageErrors?: boolean, allowCspViolations?: boolean}} [opts]
 */
export function test(name, fn, opts = {}) {
  if (registry.some((t) => t.name === name)) throw new Error(`duplicate e2e test name: ${name}`);
  registry.push({ name, fn, opts, file: currentFile });
}

/** The test file being loaded: tests of one file share its module state (stubs, servers), so they never run side by side. */
let currentFile = '';
export function loadingFile(name) {
  currentFile = name;
}

/** Register a skipped test (reported as skipped, with a reason). */
export function skip(name, reason = '') {
  registry.push({ name, opts: {}, skipReason: reason || 'skipped', file: currentFile });
}

export function registeredTests() {
  return registry.slice();
}

// ---------------------------------------------------------------- fixtures

/** Absolute path of a generated fixture image, e.g. fixtureImage('bad/empty.jpg'). */
export function fixtureImage(rel) {
  const p = join(FIXTURE_IMAGES_DIR, rel);
  if (!existsSync(p)) throw new Error(`fixture image missing: ${rel} (run: node scripts/make-fixture-images.mjs)`);
  return p;
}

/** The generated manifest: { 'red-ball.jpg': { colour, kind, ... }, ... } */
export function fixtureManifest() {
  return JSON.parse(readFileSync(fixtureImage('manifest.json'), 'utf8'));
}

// ---------------------------------------------------------------- server

/** A TCP port nothing listens on at the moment of asking (127.0.0.1). */
export function freePort() {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

function viteBin() {
  const require = createRequire(join(ROOT, 'package.json'));
  const pkgPath = require.resolve('vite/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin.vite;
  return join(dirname(pkgPath), bin);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// eslint-disable-next-line no-control-regex
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

/**
 * Start `vite preview` (same as `npx vite preview --host 127.0.0.1 --port <free> --strictPort`)
 * serving the build output. Copies the fixture model into <outDir>/models/ first.
 * Options (or env): outDir (E2E_OUT_DIR, default "dist"), configFile (E2E_VITE_CONFIG); env: extra
 * environment variables for this server alone (vite.config.ts reads e.g. SHOEBOX_VLM_ORIGINS at start).
 * @returns {Promise<{url: string, port: number, outDir: string, stop: () => Promise<void>}>}
 */
export async function startServer({
  outDir = process.env.E2E_OUT_DIR || 'dist',
  configFile = process.env.E2E_VITE_CONFIG || '',
  timeoutMs = 30_000,
  env = {},
  /** A fixed port (a bench that reopens a browser profile needs the same origin); a free one otherwise. */
  port: fixedPort = 0,
} = {}) {
  const outAbs = resolve(ROOT, outDir);
  if (!existsSync(join(outAbs, 'index.html'))) {
    throw new Error(`${outAbs}/index.html not found — run "npx vite build" first`);
  }
  // The fixture model is test-only: copied into the build for this run, removed by stop().
  let copiedModel = null;
  const modelsDir = join(outAbs, 'models');
  const hadModelsDir = existsSync(modelsDir);
  if (existsSync(FIXTURE_MODEL_SRC)) {
    const dest = join(modelsDir, FIXTURE_MODEL_ID);
    await mkdir(dirname(dest), { recursive: true });
    await cp(FIXTURE_MODEL_SRC, dest, { recursive: true, force: true });
    copiedModel = dest;
  } else {
    console.warn(`e2e: WARNING fixture model not found at ${FIXTURE_MODEL_SRC} (run: node scripts/make-fixture-model.mjs)`);
  }

  let lastErr;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = fixedPort || (await freePort());
    try {
      const server = await spawnPreview({ port, outAbs, configFile, timeoutMs, env });
      const stopServer = server.stop;
      server.stop = async () => {
        await stopServer();
        if (copiedModel && !process.env.E2E_KEEP_FIXTURE_MODEL) {
          await rm(hadModelsDir ? copiedModel : modelsDir, { recursive: true, force: true });
        }
      };
      return server;
    } catch (err) {
      lastErr = err;
      if (!/port .*in use|EADDRINUSE/i.test(String(err?.message))) throw err;
    }
  }
  throw lastErr;
}

async function spawnPreview({ port, outAbs, configFile, timeoutMs, env }) {
  const args = [viteBin(), 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort', '--outDir', outAbs];
  if (configFile) args.push('--config', resolve(ROOT, configFile));
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    detached: process.platform !== 'win32', // own process group → stop() kills all of it
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));

  const killGroup = (sig) => {
    try {
      if (process.platform !== 'win32') process.kill(-child.pid, sig);
      else child.kill(sig);
    } catch {
      /* already gone */
    }
  };
  const onExit = () => killGroup('SIGKILL');
  process.on('exit', onExit);

  const stop = async () => {
    process.off('exit', onExit);
    if (exited) return;
    killGroup('SIGTERM');
    for (let i = 0; i < 50 && !exited; i++) await sleep(100);
    if (!exited) killGroup('SIGKILL');
  };

  const deadline = Date.now() + timeoutMs;
  let url = `http://127.0.0.1:${port}/`;
  while (Date.now() < deadline) {
    if (exited) {
      process.off('exit', onExit);
      throw new Error(`vite preview exited early (${JSON.stringify(exited)}):\n${stripAnsi(output).trim()}`);
    }
    // honour a configured `base`: vite prints "Local:   http://127.0.0.1:PORT/base/"
    const m = stripAnsi(output).match(/Local:\s+(http:\/\/127\.0\.0\.1:\d+\/\S*)/);
    if (m) url = m[1];
    if (m) {
      try {
        const res = await fetch(url, { redirect: 'manual' });
        if (res.status < 500) return { url, port, outDir: outAbs, stop, output: () => output };
      } catch {
        /* not up yet */
      }
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`vite preview did not answer within ${timeoutMs} ms:\n${stripAnsi(output).trim()}`);
}

/**
 * Builds the test-only page test/e2e/pages/<name>/ (never shipped) with Vite's JS API into
 * test-results/<name>-page/ and serves it like the app (startServer: the app's vite.config.ts, so
 * its COOP/COEP and CSP). `beforeServe(outDir)` may add files next to the page first; `env` goes to
 * this preview server only. The build is removed when the process exits.
 * @param {string} name
 * @param {{ env?: Record<string, string>, beforeServe?: (outDir: string) => Promise<void> }} [opts]
 */
export async function serveTestPage(name, { env = {}, beforeServe } = {}) {
  const outDir = join(RESULTS_DIR, `${name}-page`);
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: join(ROOT, 'test/e2e/pages', name),
    base: './',
    logLevel: 'warn',
    worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
  });
  process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
  await beforeServe?.(outDir);
  return startServer({ outDir, env });
}

// ---------------------------------------------------------------- browser

const BROWSER_OPTIONS = {
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  args: [
    '--headless=new',
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-gpu',
  ],
};

export async function launchBrowser() {
  return chromium.launch(BROWSER_OPTIONS);
}

/**
 * A browser whose profile lives in `userDataDir`, as a user's does: closing it and launching it
 * again on the same folder keeps IndexedDB and OPFS, like quitting and reopening the browser.
 */
export async function launchProfile(userDataDir) {
  return chromium.launchPersistentContext(userDataDir, BROWSER_OPTIONS);
}

// ---------------------------------------------------------------- runner

const CSP_CONSOLE_RE = /Content Security Policy|Refused to /i;
// Benign browser noise that is not an app bug.
const IGNORED_PAGE_ERRORS = [/ResizeObserver loop (limit exceeded|completed with undelivered notifications)/];

const INIT_SCRIPT = `(() => {
  if (window.__cspViolations) return;
  window.__cspViolations = [];
  window.addEventListener('securitypolicyviolation', (e) => {
    const v = {
      directive: e.effectiveDirective || e.violatedDirective,
      blockedURI: e.blockedURI,
      disposition: e.disposition,
      source: e.sourceFile ? e.sourceFile + ':' + e.lineNumber : '',
      sample: e.sample,
      documentURI: e.documentURI,
    };
    window.__cspViolations.push(v);
    try { window.__e2eReportCsp && window.__e2eReportCsp(v); } catch {}
  }, true);
})();`;

const WORKER_INIT = `(() => {
  if (self.__cspListener) return;
  self.__cspListener = true;
  self.addEventListener('securitypolicyviolation', (e) => {
    console.error('[e2e] Content Security Policy violation in worker ' + self.location.href + ': ' +
      (e.effectiveDirective || e.violatedDirective) + ' blocked ' + (e.blockedURI || '(inline)') +
      (e.disposition === 'report' ? ' [report-only]' : ''));
  });
})()`;

const safeName = (name) => name.replace(/[^a-zA-Z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 120) || 'test';

function describeCsp(v) {
  if (typeof v === 'string') return v;
  return `${v.disposition === 'report' ? '[report-only] ' : ''}${v.directive} blocked ${v.blockedURI || '(inline)'}${v.source ? ` at ${v.source}` : ''}`;
}

/**
 * @typedef {object} TestContext
 * @property {import('playwright-core').Page} page
 * @property {import('playwright-core').BrowserContext} context
 * @property {import('playwright-core').Browser} browser
 * @property {string} url            app base URL (ends with '/')
 * @property {string[]} consoleErrors  console.error/warning texts so far (page + workers)
 * @property {string[]} pageErrors     uncaught errors so far
 * @property {() => Promise<object[]>} cspViolations  violations so far
 * @property {(...a: any[]) => void} log  appended to the failure log
 */

/**
 * A fresh context and page with the watchers every test gets (CSP, console, page errors). A lane
 * opens the next test's context while the current test runs: starting a page's renderer takes
 * ~0.5–1.5 s, which would otherwise sit between every two tests.
 */
async function openContext(browser) {
  const consoleLines = [];
  const consoleErrors = [];
  const pageErrors = [];
  const csp = [];
  const addCsp = (v) => {
    const key = typeof v === 'string' ? v : JSON.stringify(v);
    if (!csp.some((x) => (typeof x === 'string' ? x : JSON.stringify(x)) === key)) csp.push(v);
  };

  const context = await browser.newContext();
  await context.exposeBinding('__e2eReportCsp', (_src, v) => addCsp(v));
  await context.addInitScript(INIT_SCRIPT);

  const onConsole = (where) => (msg) => {
    const text = msg.text();
    const type = msg.type();
    consoleLines.push(`[${where}:${type}] ${text}`);
    if (CSP_CONSOLE_RE.test(text)) addCsp(`console(${where}): ${text}`);
    if (type === 'error') consoleErrors.push(text);
  };
  const watchPage = (p) => {
    p.on('console', onConsole('page'));
    p.on('pageerror', (err) => {
      const text = err?.stack || String(err);
      consoleLines.push(`[pageerror] ${text}`);
      if (!IGNORED_PAGE_ERRORS.some((re) => re.test(text))) pageErrors.push(text);
    });
    p.on('crash', () => pageErrors.push('page crashed'));
    // Worker console messages already arrive via page 'console'. Browser-generated CSP
    // messages from workers do not, so install a listener in each worker that re-logs
    // violations via console.error (caught above). Limitation: a violation during the
    // worker script's very first turn may happen before the listener is installed.
    p.on('worker', (w) => {
      w.evaluate(WORKER_INIT).catch(() => {});
    });
  };
  context.on('page', watchPage);
  context.on('serviceworker', (sw) => {
    try {
      sw.on('console', onConsole('serviceworker'));
    } catch {
      /* older playwright: no SW console */
    }
  });

  const page = await context.newPage();
  return { context, page, consoleLines, consoleErrors, pageErrors, csp, addCsp };
}

async function runOne(t, { browser, url, opened }) {
  const opts = t.opts;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
  const logLines = [];
  const { context, page, consoleLines, consoleErrors, pageErrors, csp, addCsp } = await opened;
  page.setDefaultTimeout(Math.min(DEFAULT_ACTION_TIMEOUT_MS, timeoutMs));
  page.setDefaultNavigationTimeout(Math.min(DEFAULT_NAVIGATION_TIMEOUT_MS, timeoutMs));

  const readPageCsp = async () => {
    for (const p of context.pages()) {
      try {
        const list = await p.evaluate(() => window.__cspViolations || []);
        list.forEach(addCsp);
      } catch {
        /* page closed / navigating */
      }
    }
    return csp.slice();
  };

  const ctx = {
    page,
    context,
    browser,
    url,
    consoleErrors,
    pageErrors,
    cspViolations: readPageCsp,
    log: (...a) => logLines.push(a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ')),
  };

  const t0 = Date.now();
  let error = null;
  let timer;
  try {
    const body = Promise.resolve().then(() => t.fn(ctx));
    body.catch(() => {}); // may reject late, after a timeout
    await Promise.race([
      body,
      new Promise((_, rej) => {
        timer = setTimeout(() => rej(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    error = err;
  } finally {
    clearTimeout(timer);
  }

  // Post-test checks (only if the test body itself passed).
  if (!error) {
    await sleep(50); // let trailing console/violation events arrive
    await readPageCsp();
    if (csp.length && !opts.allowCspViolations) {
      error = new Error(`CSP violation(s):\n    ${csp.map(describeCsp).join('\n    ')}`);
    } else if (pageErrors.length && !opts.allowPageErrors) {
      error = new Error(`uncaught page error(s):\n    ${pageErrors.join('\n    ')}`);
    }
  }

  const ms = Date.now() - t0;
  if (error) {
    try {
      await mkdir(RESULTS_DIR, { recursive: true });
      const base = join(RESULTS_DIR, safeName(t.name));
      await page.screenshot({ path: `${base}.png`, fullPage: true, timeout: 5_000 }).catch(() => {});
      await writeFile(
        `${base}.log`,
        [
          `test: ${t.name}`,
          `error: ${error?.stack || error}`,
          `url: ${(() => { try { return page.url(); } catch { return '?'; } })()}`,
          '',
          '--- console ---',
          ...consoleLines,
          '',
          '--- csp ---',
          ...csp.map(describeCsp),
          '',
          '--- test log ---',
          ...logLines,
          '',
        ].join('\n'),
      );
    } catch {
      /* best effort */
    }
  }
  // Closed while the lane starts its next test: the lane waits for it only at its end.
  const closed = context.close().catch(() => {});
  return { error, ms, consoleErrors, closed };
}

/**
 * Run the registered tests in `lanes` (E2E_LANES, default 2) side by side, each lane with its own
 * browser taking the next test when it is free. Every test has its own browser context (its own
 * IndexedDB, OPFS and service worker), so lanes share nothing but the preview server. Two lanes
 * on two cores keep the suite inside its time budget as it grows: most of a test is waiting.
 * If url/browser are not given, starts the server and/or launches the browser itself (`browser`
 * is used by the first lane).
 * `summary` is filled as tests end, so a caller that gives up on the run still has what finished.
 * @param {{url?: string, browser?: import('playwright-core').Browser, filter?: string, lanes?: number, summary?: object}} [o]
 * @returns {Promise<{passed: number, failed: number, skipped: number, results: object[]}>}
 */
export async function run({ url, browser, filter = '', lanes = Number(process.env.E2E_LANES || 2), summary = { passed: 0, failed: 0, skipped: 0, results: [] } } = {}) {
  const tests = registry.filter((t) => !filter || t.name.toLowerCase().includes(filter.toLowerCase()));
  let server = null;
  const ownBrowsers = [];
  try {
    if (!url) {
      server = await startServer();
      url = server.url;
    }
    // A free lane takes the next test of the file with the most tests still waiting, among files
    // with no test running in another lane: a file's tests run one after another, so a long file
    // left for the end would keep one lane busy while the other has nothing to take.
    const waiting = [...tests];
    const busyFiles = new Set();
    const nextIndex = () => {
      const left = new Map();
      for (const t of waiting) left.set(t.file, (left.get(t.file) ?? 0) + 1);
      let best = -1;
      for (let i = 0; i < waiting.length; i++) {
        const { file } = waiting[i];
        if (!busyFiles.has(file) && (best < 0 || left.get(file) > left.get(waiting[best].file))) best = i;
      }
      return best;
    };
    /** Resolves when a lane finishes a test (Node 20 has no Promise.withResolvers). */
    const deferred = () => {
      let resolve;
      const promise = new Promise((r) => (resolve = r));
      return { promise, resolve };
    };
    let freed = deferred();
    const take = async () => {
      for (;;) {
        const i = nextIndex();
        if (i >= 0) {
          // Marked here, in the same turn it is picked, so the other lane cannot pick its file meanwhile.
          busyFiles.add(waiting[i].file);
          return waiting.splice(i, 1)[0];
        }
        if (waiting.length === 0) return null;
        await freed.promise;
      }
    };
    const lane = async (laneBrowser) => {
      /** The next test's context, opened while the current test runs (see openContext). */
      let spare = null;
      /** Contexts of ended tests, still closing. */
      const closing = [];
      const nextContext = () => {
        const opened = spare ?? openContext(laneBrowser);
        spare = openContext(laneBrowser);
        spare.catch(() => {}); // a failure shows when a test takes it
        return opened;
      };
      try {
        for (let t = await take(); t; t = await take()) {
          try {
            await runTest(t, laneBrowser, nextContext, closing);
          } finally {
            busyFiles.delete(t.file);
            freed.resolve();
            freed = deferred();
          }
        }
      } finally {
        if (spare) closing.push(spare.then((o) => o.context.close()).catch(() => {}));
        await Promise.all(closing);
      }
    };
    const runTest = async (t, laneBrowser, nextContext, closing) => {
      if (t.skipReason) {
        summary.skipped++;
        summary.results.push({ name: t.name, status: 'skipped', reason: t.skipReason });
        console.log(`- ${t.name} (skipped: ${t.skipReason})`);
        return;
      }
      let r;
      try {
        r = await runOne(t, { browser: laneBrowser, url, opened: nextContext() });
        closing.push(r.closed);
      } catch (err) {
        r = { error: err, ms: 0, consoleErrors: [] };
      }
      if (r.error) {
        summary.failed++;
        const msg = String(r.error?.message || r.error).split('\n').filter((l) => l.trim());
        // One write per test, so the lanes' reports do not interleave.
        console.log([`✗ ${t.name}: ${msg[0]}`, ...msg.slice(1, 12).map((l) => `    ${l}`), ...r.consoleErrors.slice(0, 5).map((e) => `    console.error: ${e.slice(0, 300)}`), `    (screenshot/log: test-results/${safeName(t.name)}.png|.log)`].join('\n'));
        summary.results.push({ name: t.name, status: 'failed', ms: r.ms, error: String(r.error?.stack || r.error) });
      } else {
        summary.passed++;
        console.log(`✓ ${t.name} (${r.ms} ms)`);
        summary.results.push({ name: t.name, status: 'passed', ms: r.ms });
      }
    };
    const count = Math.max(1, Math.min(lanes, tests.length));
    const browsers = [];
    for (let i = 0; i < count; i++) {
      if (i === 0 && browser) browsers.push(browser);
      else {
        const b = await launchBrowser();
        ownBrowsers.push(b);
        browsers.push(b);
      }
    }
    await Promise.all(browsers.map(lane));
  } finally {
    for (const b of ownBrowsers) await b.close().catch(() => {});
    if (server) await server.stop();
  }
  return summary;
}

// ---------------------------------------------------------------- helpers

/**
 * Wait until `locator` has text matching `textOrRegex` (substring or RegExp).
 * @param {import('playwright-core').Locator} locator
 */
export async function expectText(locator, textOrRegex, timeoutMs = DEFAULT_ACTION_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      last = (await locator.first().textContent({ timeout: Math.max(1, Math.min(1000, deadline - Date.now())) })) ?? '';
      const ok = textOrRegex instanceof RegExp ? textOrRegex.test(last) : last.includes(textOrRegex);
      if (ok) return last;
    } catch {
      /* not attached yet */
    }
    await sleep(POLL_MS);
  }
  throw new Error(`expected text ${textOrRegex} in ${locator}, last seen: ${JSON.stringify(last.slice(0, 200))}`);
}

