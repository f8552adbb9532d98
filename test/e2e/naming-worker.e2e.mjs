// End-to-end tests of cluster naming (workers/naming.worker.ts through src/lib/clients/namer.ts)
// in Chromium, against a local stand-in for the Gemini API (./gemini-stub.mjs).
//
// How: a test-only page (test/e2e/pages/naming-worker/, never shipped) is built with Vite's JS API
// into test-results/naming-worker-page/ and served by the harness's `vite preview` with the app's
// vite.config.ts, so it runs under the app's COOP/COEP and CSP (a CSP violation fails the test:
// this is also what proves the Gemini SDK needs no eval). The stub listens on another port, which
// the CSP allows only through SHOEBOX_VLM_ORIGINS, set for the preview server this file starts.
// A second allowed origin has nothing listening: the "endpoint unreachable" case.
import assert from 'node:assert/strict';
import { freePort, serveTestPage, test } from './harness.mjs';
import { startGeminiStub } from './gemini-stub.mjs';

const KEY = 'AIzaSyE2E-not-a-real-key-4242';
const MODEL = 'gemini-2.5-flash';
const KEY_REJECTED = 'API key rejected — check it in Settings';
const OFFLINE = 'You are offline — names will be asked for when you are back online';

/** @type {Promise<{ url: string, stub: Awaited<ReturnType<typeof startGeminiStub>>, deadOrigin: string }> | null} */
let serving = null;

function pageServer() {
  serving ??= (async () => {
    const stub = await startGeminiStub();
    const deadOrigin = `http://127.0.0.1:${await freePort()}`;
    const server = await serveTestPage('naming-worker', { env: { SHOEBOX_VLM_ORIGINS: `${stub.origin} ${deadOrigin}` } });
    return { url: server.url, stub, deadOrigin };
  })();
  serving.catch(() => {
    serving = null;
  });
  return serving;
}

const COLOURS = { red: [220, 30, 30], green: [30, 200, 60], blue: [30, 60, 220], yellow: [235, 210, 30], purple: [130, 40, 170], orange: [240, 140, 20] };

/** A cluster whose representatives are `n` thumbnails; the first is a large WebP, so it must be re-encoded and shrunk. */
function cluster(id, colour, n) {
  const thumbs = Array.from({ length: n }, (_, i) => ({
    id: `${id}-asset-${i}`,
    rgb: COLOURS[colour],
    widthPx: i === 0 ? 800 : 320,
    heightPx: i === 0 ? 600 : 240,
    type: i === 0 ? 'image/webp' : 'image/jpeg',
  }));
  return { thumbs, request: { clusterId: id, membershipHash: `hash-${id}`, representativeIds: thumbs.map((t) => t.id), count: n * 5 } };
}

async function openPage(ctx) {
  const { url, stub, deadOrigin } = await pageServer();
  stub.reset();
  const consoleTexts = [];
  ctx.page.on('console', (m) => consoleTexts.push(m.text()));
  await ctx.page.goto(url);
  await ctx.page.waitForFunction(() => window.namingWorkerPageReady === true);
  const seed = (clusters) => ctx.page.evaluate((t) => window.seedThumbnails(t), clusters.flatMap((c) => c.thumbs));
  const settings = { apiKey: KEY, model: MODEL, baseUrl: stub.origin };
  const run = (clusters, options = {}, s = settings) => ctx.page.evaluate(([a, b, c]) => window.runNaming(a, b, c), [s, clusters.map((c) => c.request), options]);
  return { stub, deadOrigin, seed, run, settings, consoleTexts };
}

const named = (outcome) => outcome.events.filter((e) => e.type === 'named');
const requestCounts = (outcome) => outcome.events.filter((e) => e.type === 'request').map((e) => e.count);
const stops = (outcome) => outcome.events.filter((e) => e.type === 'stopped');

function assertKeyNeverLeaked(stub, consoleTexts) {
  for (const r of stub.requests) {
    assert.equal(r.headers['x-goog-api-key'], KEY, 'the key travels in the x-goog-api-key header');
    assert.ok(!r.url.includes(KEY) && !/[?&]key=/.test(r.query), `no key in the URL: ${r.url}`);
    assert.ok(!r.rawBody.includes(KEY), 'no key in the body');
  }
  for (const t of consoleTexts) assert.ok(!t.includes(KEY), `the key was written to the console: ${t}`);
}

// ---------------------------------------------------------------- tests

test(
  'naming worker: one request per cluster with its thumbnails inline, the key only in a header, names in order of arrival',
  async (ctx) => {
    const { stub, seed, run, consoleTexts } = await openPage(ctx);
    const clusters = [cluster('reds', 'red', 2), cluster('greens', 'green', 3), cluster('blues', 'blue', 4)];
    await seed(clusters);
    // Tell the clusters apart by how many images they sent; the slowest answer is the first asked.
    const replies = { 2: { name: 'red balloons', description: 'Red balloons at a party.', delayMs: 1200 }, 3: { name: 'Green Gardens', delayMs: 50 }, 4: { name: 'blue skies over water', delayMs: 300 } };
    stub.respond((req) => replies[req.imageCount] ?? { status: 500 });

    const outcome = await run(clusters);
    ctx.log(JSON.stringify(outcome));
    assert.equal(outcome.error, undefined);
    assert.deepEqual(outcome.summary, { requests: 3, named: 3, failed: 0, skipped: 0 });

    assert.equal(stub.requests.length, 3, 'exactly one request per cluster');
    assert.deepEqual(stub.requests.map((r) => r.imageCount).sort(), [2, 3, 4], 'every representative goes inline in its cluster’s request');
    for (const r of stub.requests) {
      assert.equal(r.method, 'POST');
      assert.equal(r.path, `/v1beta/models/${MODEL}:generateContent`);
      assert.ok(r.imageCount >= 2);
      assert.ok(r.imageMimeTypes.every((t) => t === 'image/jpeg'), `all JPEG: ${r.imageMimeTypes}`);
      for (const size of r.imageSizes) assert.ok(size && Math.max(size.width, size.height) <= 512, `image within 512 px: ${JSON.stringify(size)}`);
      assert.equal(r.body.generationConfig.responseMimeType, 'application/json');
      assert.deepEqual(r.body.generationConfig.responseSchema.required, ['name']);
      assert.match(r.prompt, /1 to 4 words/);
    }
    const big = stub.requests.flatMap((r) => r.imageSizes).filter((s) => s.width === 512);
    assert.equal(big.length, 3, 'the 800×600 WebP of each cluster was shrunk to a 512×384 JPEG');
    assert.ok(big.every((s) => s.height === 384));
    assert.ok(stub.stats.maxInFlight <= 2, `at most 2 requests at once, saw ${stub.stats.maxInFlight}`);
    for (const p of stub.preflights) assert.ok(p.headers.every((h) => stub.allowedHeaders.includes(h)), `preflight asked for ${p.headers}`);
    assertKeyNeverLeaked(stub, consoleTexts);

    assert.deepEqual(
      named(outcome).map(({ clusterId, membershipHash, name, description }) => ({ clusterId, membershipHash, name, description })),
      [
        { clusterId: 'greens', membershipHash: 'hash-greens', name: 'Green Gardens', description: undefined },
        { clusterId: 'blues', membershipHash: 'hash-blues', name: 'Blue Skies Over Water', description: undefined },
        { clusterId: 'reds', membershipHash: 'hash-reds', name: 'Red Balloons', description: 'Red balloons at a party.' },
      ],
      'names arrive as their answers do, not in the order asked',
    );
    assert.deepEqual(requestCounts(outcome), [1, 2, 3]);
  },
  { timeoutMs: 180_000 },
);

test('naming worker: a 429 is retried after its Retry-After, then the cluster is named', async (ctx) => {
  const { stub, seed, run, consoleTexts } = await openPage(ctx);
  const clusters = [cluster('yellows', 'yellow', 2)];
  await seed(clusters);
  stub.respond([{ status: 429, retryAfter: 1 }, { name: 'Yellow Taxis' }]);
  const outcome = await run(clusters);
  ctx.log(JSON.stringify(outcome));
  assert.deepEqual(outcome.summary, { requests: 2, named: 1, failed: 0, skipped: 0 });
  assert.deepEqual(requestCounts(outcome), [1, 2], 'the retry is counted as a request');
  assert.equal(stub.requests.length, 2);
  assert.equal(stub.requests[1].rawBody, stub.requests[0].rawBody, 'the retry sends the same request');
  const waitedMs = stub.requests[1].atMs - stub.requests[0].answeredAtMs;
  assert.ok(waitedMs >= 950, `waited out Retry-After: 1 (${waitedMs} ms)`);
  assert.deepEqual(named(outcome).map((e) => e.name), ['Yellow Taxis']);
  assertKeyNeverLeaked(stub, consoleTexts);
});

test('naming worker: a 403 stops naming with "API key rejected" and no request follows it', async (ctx) => {
  const { stub, seed, run, consoleTexts } = await openPage(ctx);
  const clusters = [cluster('a', 'red', 2), cluster('b', 'green', 2), cluster('c', 'blue', 2), cluster('d', 'purple', 2)];
  await seed(clusters);
  stub.respond(() => ({ status: 403, delayMs: 150 }));
  const outcome = await run(clusters);
  ctx.log(JSON.stringify(outcome));
  assert.deepEqual(stops(outcome).map((e) => [e.reason, e.message]), [['key-rejected', KEY_REJECTED]], 'one clear message');
  assert.equal(outcome.summary.stopped.reason, 'key-rejected');
  assert.equal(outcome.summary.message, KEY_REJECTED);
  assert.equal(outcome.summary.named, 0);
  assert.equal(outcome.summary.failed, 0, 'the clusters are not blamed for the key');
  assert.equal(outcome.summary.skipped, 4);
  assert.equal(outcome.events.filter((e) => e.type === 'failed').length, 0);
  const first403 = Math.min(...stub.requests.map((r) => r.answeredAtMs ?? Infinity));
  assert.ok(stub.requests.every((r) => r.atMs <= first403), `no request after the first 403: ${JSON.stringify(stub.requests.map((r) => [r.atMs, r.answeredAtMs]))}`);
  assert.ok(stub.requests.length <= 2, `only the requests already on the wire: ${stub.requests.length}`);
  assert.equal(outcome.summary.requests, stub.requests.length);
  assertKeyNeverLeaked(stub, consoleTexts);
});

test('naming worker: an unreachable endpoint or an offline browser stops naming with the offline message', async (ctx) => {
  const { seed, run, settings, deadOrigin, stub } = await openPage(ctx);
  const clusters = [cluster('a', 'red', 2), cluster('b', 'green', 2), cluster('c', 'blue', 2)];
  await seed(clusters);

  const unreachable = await run(clusters, {}, { ...settings, baseUrl: deadOrigin });
  ctx.log('unreachable', JSON.stringify(unreachable));
  assert.deepEqual(stops(unreachable).map((e) => [e.reason, e.message]), [['offline', OFFLINE]]);
  assert.equal(unreachable.summary.named, 0);
  assert.equal(unreachable.summary.failed, 0);
  assert.ok(unreachable.summary.requests >= 1 && unreachable.summary.requests <= 2, `stops after the first failures: ${unreachable.summary.requests}`);

  await ctx.context.setOffline(true);
  try {
    const offline = await run(clusters);
    ctx.log('offline', JSON.stringify(offline));
    assert.deepEqual(stops(offline).map((e) => [e.reason, e.message]), [['offline', OFFLINE]]);
    assert.equal(offline.summary.named, 0);
    assert.equal(stub.requests.length, 0, 'nothing reached the endpoint');
  } finally {
    await ctx.context.setOffline(false);
  }
});

test('naming worker: a reply that is not JSON, or a server that keeps failing, fails that cluster alone', async (ctx) => {
  const { stub, seed, run } = await openPage(ctx);
  const clusters = [cluster('bad', 'red', 2), cluster('down', 'green', 3), cluster('fine', 'blue', 4)];
  await seed(clusters);
  const replies = { 2: { text: 'I cannot help with that {' }, 3: { status: 503 }, 4: { name: 'Blue Doors' } };
  stub.respond((req) => replies[req.imageCount]);
  const outcome = await run(clusters, { backoff: { baseMs: 20, capMs: 50 } });
  ctx.log(JSON.stringify(outcome));
  assert.equal(stops(outcome).length, 0);
  assert.deepEqual(named(outcome).map((e) => [e.clusterId, e.name]), [['fine', 'Blue Doors']]);
  const failed = Object.fromEntries(outcome.events.filter((e) => e.type === 'failed').map((e) => [e.clusterId, e]));
  assert.equal(failed.down.reason, 'retryable');
  assert.match(failed.down.message, /HTTP 503/);
  assert.equal(stub.requests.filter((r) => r.imageCount === 3).length, 4, 'a failing server is tried 4 times in all');
  assert.equal(failed.bad.reason, 'bad-reply');
  assert.match(failed.bad.message, /not valid JSON/);
  assert.equal(outcome.summary.requests, stub.requests.length);
  assert.equal(outcome.summary.named + outcome.summary.failed, 3);
});

test('naming worker: cancel stops naming; no further request is made', async (ctx) => {
  const { stub, seed, run } = await openPage(ctx);
  const clusters = [cluster('a', 'red', 2), cluster('b', 'green', 2), cluster('c', 'blue', 2), cluster('d', 'yellow', 2)];
  await seed(clusters);
  stub.respond(() => ({ name: 'Slow Names', delayMs: 1500 }));
  const outcome = await run(clusters, { cancelAfterRequests: 1 });
  ctx.log(JSON.stringify(outcome));
  assert.equal(outcome.summary.stopped.reason, 'cancelled');
  assert.equal(outcome.summary.named, 0);
  assert.equal(outcome.summary.skipped, 4);
  assert.ok(stub.requests.length <= 2, `only requests already started: ${stub.requests.length}`);
  // The worker is free again: a second run works.
  stub.respond(() => ({ name: 'Quick Names' }));
  const again = await run(clusters.slice(0, 1));
  assert.deepEqual(named(again).map((e) => e.name), ['Quick Names']);
});

test(
  'naming worker: an endpoint the CSP does not allow is reported as blocked, not as offline',
  async (ctx) => {
    const { seed, run, settings, stub } = await openPage(ctx);
    const clusters = [cluster('a', 'red', 2)];
    await seed(clusters);
    // One allowed run first: the worker is then running, so the violation listener the harness puts
    // into each worker is in place before the blocked request (a worker's first moments are not watched).
    stub.respond(() => ({ name: 'Warm Up' }));
    await run(clusters);
    const before = stub.requests.length;
    const notAllowed = stub.origin.replace('127.0.0.1', 'localhost');
    const outcome = await run(clusters, {}, { ...settings, baseUrl: notAllowed });
    ctx.log(JSON.stringify(outcome));
    assert.deepEqual(stops(outcome).map((e) => e.reason), ['blocked']);
    assert.match(outcome.summary.message, /does not allow requests to http:\/\/localhost:\d+ — see "Self-hosting a Gemini proxy"/);
    assert.equal(stub.requests.length, before, 'no request reached a server');
    // The worker's violation report reaches the test as a console message, after the worker has
    // already answered: wait for it rather than read once (under load it arrived too late).
    const blocked = (violations) => violations.some((v) => String(typeof v === 'string' ? v : v.blockedURI).includes('localhost'));
    const deadline = Date.now() + 5_000;
    while (!blocked(await ctx.cspViolations()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(blocked(await ctx.cspViolations()), 'the browser did block it');
  },
  { allowCspViolations: true },
);
