// End-to-end tests of workers/video.worker.ts in Chromium, before it is wired into the app.
//
// How: the app does not reference the worker yet, so it is not in dist/. The first test builds a
// test-only page (test/e2e/pages/video-worker/, never shipped) with Vite's JS API into
// test-results/video-worker-page/; the page starts the REAL worker with
// new Worker(new URL('…/workers/video.worker.ts', import.meta.url)) and exposes window.extractUrl.
// That build is served by the harness's `vite preview` with the app's vite.config.ts, so it gets
// the app's COOP/COEP and CSP headers (a CSP violation fails the test). Fixture videos come from
// scripts/make-fixture-videos.mjs (generated on first use with the harness's browser).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { ROOT, serveTestPage, skip, test } from './harness.mjs';
import { FIXTURE_VIDEOS_DIR, makeFixtureVideos } from '../../scripts/make-fixture-videos.mjs';

/** Real-world clips (H.264 and VP8, 3–140 s); optional. */
const SAMPLE_VIDEOS_DIR = resolve(process.env.SAMPLE_VIDEOS_DIR || join(ROOT, '../shared/data/videos'));

const OPTIONS = { maxFrames: 24, minSecondsBetween: 0.4, diversityThreshold: 0.15, modelInputPx: 224, thumbMaxEdgePx: 320, frameThumbMaxEdgePx: 160 };

/** @type {Promise<{ url: string }> | null} */
let serving = null;

/** Builds and serves the test page once per run; the harness kills the server at exit. */
function pageServer(browser) {
  serving ??= (async () => {
    await makeFixtureVideos({ ifMissing: true, browser, log: () => {} });
    return serveTestPage('video-worker', {
      beforeServe: async (outDir) => {
        await cp(FIXTURE_VIDEOS_DIR, join(outDir, 'fixtures'), { recursive: true });
        turnedVideo(join(outDir, 'fixtures', 'turned-90.mp4'));
        if (existsSync(SAMPLE_VIDEOS_DIR)) await cp(SAMPLE_VIDEOS_DIR, join(outDir, 'samples'), { recursive: true });
      },
    });
  })();
  serving.catch(() => {
    serving = null;
  });
  return serving;
}

async function openPage({ page, browser }) {
  const { url } = await pageServer(browser);
  await page.goto(url);
  await page.waitForFunction(() => window.videoWorkerPageReady === true);
  const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
  assert.equal(isolated, true, 'the test page must be cross-origin isolated like the app');
  /** @returns {Promise<{ ok: true, result: any } | { ok: false, error: string }>} */
  const extract = (path, options = {}, through = 'direct') =>
    page.evaluate(([u, o, t]) => window.extractUrl(u, o, t), [new URL(path, url).href, { ...OPTIONS, ...options }, through]);
  return { extract };
}

/**
 * A phone's portrait clip: stored 320×180, left half red and right half blue, with a container
 * rotation (`rotate=90`, which this ffmpeg stores as a quarter turn anticlockwise: its own player
 * shows it 180×320 with blue on top).
 */
function turnedVideo(out) {
  const filter = 'color=c=red:s=160x180:d=2:r=15[l];color=c=blue:s=160x180:d=2:r=15[r];[l][r]hstack';
  const upright = `${out}.upright.mp4`;
  // The rotation is written by a second pass: this ffmpeg drops it on a stream made by a filter graph.
  for (const args of [['-filter_complex', filter, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', upright], ['-i', upright, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', out]]) {
    const r = spawnSync('ffmpeg', ['-loglevel', 'error', '-y', ...args]);
    if (r.status !== 0) throw new Error(`ffmpeg could not write ${out}: ${r.stderr}`);
  }
  rmSync(upright);
}

function ok(outcome, what) {
  assert.ok(outcome.ok, `${what}: extract failed: ${outcome.error}`);
  return outcome.result;
}

/** Which of red/green/blue/yellow a mean colour is closest to. */
function colourName([r, g, b]) {
  const refs = { red: [220, 30, 30], green: [30, 200, 60], blue: [30, 60, 220], yellow: [235, 210, 30], black: [0, 0, 0] };
  let best = '';
  let bestD = Infinity;
  for (const [name, [R, G, B]] of Object.entries(refs)) {
    const d = (r - R) ** 2 + (g - G) ** 2 + (b - B) ** 2;
    if (d < bestD) [best, bestD] = [name, d];
  }
  return best;
}

function assertSpacing(frames, minSec) {
  for (let i = 1; i < frames.length; i++) {
    const gap = frames[i].timestampSec - frames[i - 1].timestampSec;
    assert.ok(gap >= minSec - 1e-9, `kept frames ${i - 1} and ${i} are ${gap.toFixed(3)} s apart (< ${minSec})`);
  }
}

function assertShapes(r) {
  assert.ok(r.frames.length >= 1 && r.frames.length <= OPTIONS.maxFrames, `1..${OPTIONS.maxFrames} frames, got ${r.frames.length}`);
  assert.ok(r.candidateCount >= r.frames.length, 'candidates ≥ kept frames');
  assert.ok(r.decodeMs > 0 && r.filterMs > 0, `timings recorded (decode ${r.decodeMs}, filter ${r.filterMs})`);
  assert.equal(r.poster.type, 'image/jpeg');
  assert.equal(r.poster.width, r.poster.blobWidth);
  assert.equal(r.poster.height, r.poster.blobHeight);
  assert.ok(Math.max(r.poster.width, r.poster.height) <= OPTIONS.thumbMaxEdgePx, 'poster within thumbMaxEdgePx');
  for (const f of r.frames) {
    assert.equal(f.width, OPTIONS.modelInputPx);
    assert.equal(f.height, OPTIONS.modelInputPx);
    assert.equal(f.thumbnail.type, 'image/jpeg');
    assert.ok(Math.max(f.thumbnail.width, f.thumbnail.height) <= OPTIONS.frameThumbMaxEdgePx, 'frame thumbnail within frameThumbMaxEdgePx');
    assert.ok(f.timestampSec >= 0 && f.timestampSec <= r.durationSec, `timestamp ${f.timestampSec} inside the video`);
  }
  for (const d of r.pairwiseDistances) assert.ok(d >= OPTIONS.diversityThreshold, `kept frames pairwise Bhattacharyya ${d.toFixed(3)} ≥ ${OPTIONS.diversityThreshold}`);
  assertSpacing(r.frames, OPTIONS.minSecondsBetween);
}

const describe = (r) =>
  `${r.decoder}, ${r.frames.length}/${r.candidateCount} kept: ` + r.frames.map((f) => `${f.timestampSec.toFixed(2)}s ${colourName(f.meanRgb)}`).join(', ');

// ---------------------------------------------------------------- tests

test(
  'video worker: WebCodecs keeps one frame per colour segment (WebM/VP9)',
  async (ctx) => {
    const { extract } = await openPage(ctx);
    const r = ok(await extract('fixtures/colour-segments.webm'), 'colour-segments.webm');
    ctx.log(describe(r));
    assert.equal(r.decoder, 'webcodecs');
    assert.equal(r.width, 320);
    assert.equal(r.height, 180);
    assert.ok(Math.abs(r.durationSec - 6) < 0.1, `duration ≈ 6 s, got ${r.durationSec}`);
    assertShapes(r);
    assert.ok(r.frames.length >= 3, `≥ 3 kept frames, got ${describe(r)}`);
    for (const [from, until, colour] of [[0, 2, 'red'], [2, 4, 'green'], [4, 6, 'blue']]) {
      const inSegment = r.frames.filter((f) => f.timestampSec >= from && f.timestampSec < until);
      assert.ok(inSegment.length >= 1, `a kept frame in ${from}–${until} s (${describe(r)})`);
      assert.ok(inSegment.every((f) => colourName(f.meanRgb) === colour), `frames in ${from}–${until} s are ${colour} (${describe(r)})`);
    }
    assert.equal(r.skippedBlank, 0);
    assert.equal(r.readableSec, undefined);
  },
  { timeoutMs: 120_000 },
);

test('video worker: a portrait clip (container rotation 90°) is turned upright by both decoders', async (ctx) => {
  const { extract } = await openPage(ctx);
  for (const decoder of ['webcodecs', 'ffmpeg']) {
    const r = ok(await extract('fixtures/turned-90.mp4', decoder === 'ffmpeg' ? { decoder } : {}), decoder);
    assert.equal(r.decoder, decoder);
    assert.deepEqual([r.width, r.height], [180, 320], `${decoder}: shown upright`);
    assert.ok(r.poster.height > r.poster.width, `${decoder}: the poster is portrait (${r.poster.width}×${r.poster.height})`);
    for (const f of r.frames) {
      assert.equal(colourName(f.topRgb), 'blue', `${decoder}: the right of the stored frame is on top (${f.topRgb})`);
      assert.equal(colourName(f.bottomRgb), 'red', `${decoder}: the left is at the bottom (${f.bottomRgb})`);
    }
  }
});

test('video worker: the repeated red segment is dropped (H.264 MP4: red, blue, red)', async (ctx) => {
  const { extract } = await openPage(ctx);
  const r = ok(await extract('fixtures/red-blue-red.mp4'), 'red-blue-red.mp4');
  ctx.log(describe(r));
  assert.equal(r.decoder, 'webcodecs');
  assertShapes(r);
  assert.deepEqual(r.frames.map((f) => colourName(f.meanRgb)), ['red', 'blue'], describe(r));
  assert.ok(r.frames[1].timestampSec >= 3 && r.frames[1].timestampSec < 6, `the blue moment lies in 3–6 s (${describe(r)})`);
});

test('video worker: maxFrames caps the kept frames', async (ctx) => {
  const { extract } = await openPage(ctx);
  const r = ok(await extract('fixtures/colour-segments.webm', { maxFrames: 2 }), 'colour-segments.webm');
  assert.equal(r.frames.length, 2, describe(r));
});

test('video worker: a black opening is skipped, and connect(port) works', async (ctx) => {
  const { extract } = await openPage(ctx);
  // Through a MessageChannel port, as the ingest worker will call it.
  const r = ok(await extract('fixtures/black-open.mp4', {}, 'port'), 'black-open.mp4');
  ctx.log(describe(r));
  assert.equal(r.decoder, 'webcodecs');
  assertShapes(r);
  assert.ok(r.skippedBlank >= 1, `black candidates counted as blank, got ${r.skippedBlank}`);
  assert.ok(r.frames[0].timestampSec >= 1, `first kept frame after the black second, got ${r.frames[0].timestampSec}`);
  assert.ok(r.frames.every((f) => colourName(f.meanRgb) === 'yellow'), describe(r));
});

test(
  'video worker: AVI/MJPEG and MPEG-4 Part 2 fall back to ffmpeg.wasm',
  async (ctx) => {
    const { extract } = await openPage(ctx);
    for (const name of ['colour-segments.avi', 'colour-segments-mpeg4.mp4']) {
      const r = ok(await extract(`fixtures/${name}`), name);
      ctx.log(name, describe(r));
      assert.equal(r.decoder, 'ffmpeg', `${name} needs the fallback`);
      assert.ok(Math.abs(r.durationSec - 6) < 0.2, `${name}: duration ≈ 6 s, got ${r.durationSec}`);
      assertShapes(r);
      const colours = new Set(r.frames.map((f) => colourName(f.meanRgb)));
      assert.deepEqual([...colours].sort(), ['blue', 'green', 'red'], `${name}: ${describe(r)}`);
    }
    // The same decoder on a file WebCodecs could read gives the same choice of moments.
    const forced = ok(await extract('fixtures/colour-segments.webm', { decoder: 'ffmpeg' }), 'forced ffmpeg');
    assert.equal(forced.decoder, 'ffmpeg');
    assert.deepEqual(forced.frames.map((f) => colourName(f.meanRgb)), ['red', 'green', 'blue'], describe(forced));
  },
  { timeoutMs: 120_000 },
);

test('video worker: truncated files yield their readable part (WebM, fast-start MP4)', async (ctx) => {
  const { extract } = await openPage(ctx);
  for (const [name, statedSec, colours] of [['truncated.webm', 6, ['red', 'green']], ['truncated.mp4', 9, ['red', 'blue']]]) {
    const r = ok(await extract(`fixtures/${name}`), name);
    ctx.log(name, describe(r), 'readableSec', r.readableSec);
    assert.equal(r.decoder, 'webcodecs', name);
    assertShapes(r);
    assert.ok(Math.abs(r.durationSec - statedSec) < 0.1, `${name}: the stated duration (${statedSec} s) is kept, got ${r.durationSec}`);
    assert.ok(r.readableSec > 1 && r.readableSec < statedSec - 1, `${name}: readableSec marks the cut, got ${r.readableSec}`);
    assert.ok(r.frames.every((f) => f.timestampSec <= r.readableSec), `${name}: no frame past the readable part`);
    assert.deepEqual(r.frames.map((f) => colourName(f.meanRgb)), colours, `${name}: ${describe(r)}`);
  }
});

test(
  'video worker: a 2-hour video is sampled, not decoded whole (WebM and AVI)',
  async (ctx) => {
    const { extract } = await openPage(ctx);
    for (const [name, decoder] of [['long-2h.webm', 'webcodecs'], ['long-2h.avi', 'ffmpeg']]) {
      const started = Date.now();
      const r = ok(await extract(`fixtures/${name}`), name);
      const wallMs = Date.now() - started;
      ctx.log(name, describe(r), `${wallMs} ms`);
      assert.equal(r.decoder, decoder, name);
      assert.ok(Math.abs(r.durationSec - 7200) < 2, `${name}: duration ≈ 7200 s, got ${r.durationSec}`);
      assertShapes(r);
      assert.equal(r.candidateCount, 72, `${name}: candidates capped at 72`);
      // Six colours cycle through the two hours: the repeats are dropped, one frame per colour stays.
      assert.equal(r.frames.length, 6, `${name}: ${describe(r)}`);
      assert.ok(wallMs < 30_000, `${name}: bounded work, took ${wallMs} ms`);
    }
  },
  { timeoutMs: 120_000 },
);

test('video worker: audio-only, frameless, empty and damaged files are refused with a clear message', async (ctx) => {
  const { extract } = await openPage(ctx);
  const cases = [
    ['audio-only.webm', /^has no video track \(audio only\?\)$/],
    ['no-frames.webm', /^the video is empty \(0 seconds\)$/],
    ['empty.mp4', /^the file is empty \(0 bytes\)$/],
    ['header-only.mp4', /^the video file is damaged \(.+\); nothing could be read from it$/],
  ];
  for (const [name, message] of cases) {
    const outcome = await extract(`fixtures/${name}`);
    assert.equal(outcome.ok, false, `${name} should be refused`);
    assert.match(outcome.error, message, name);
    ctx.log(name, outcome.error);
  }
});

/** The smallest sample clip of each container, e.g. ['mdn-cc0/stream-of-water.mp4', 'mdn-cc0/stream-of-water.webm']. */
function smallestSampleOfEachContainer() {
  const byExt = new Map();
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const stat = statSync(p);
      if (stat.isDirectory()) walk(p);
      else {
        const ext = /\.(mp4|m4v|mov|webm|mkv)$/i.exec(name)?.[1].toLowerCase();
        const smallest = byExt.get(ext);
        if (ext && (!smallest || stat.size < smallest.size)) byExt.set(ext, { file: relative(SAMPLE_VIDEOS_DIR, p), size: stat.size });
      }
    }
  };
  walk(SAMPLE_VIDEOS_DIR);
  return [...byExt.values()].map((x) => x.file);
}

// Decode and filter times per real clip and decoder are measured by bench/video.mjs (every clip
// of ../shared/data/videos, both decoders); here one clip per container shows both decoders read
// what real encoders write.
if (existsSync(SAMPLE_VIDEOS_DIR)) {
  test('video worker: real clips (the smallest sample of each container) are read by both WebCodecs and ffmpeg.wasm', async (ctx) => {
    const { extract } = await openPage(ctx);
    const files = smallestSampleOfEachContainer();
    assert.ok(files.length > 0, `no sample clip under ${SAMPLE_VIDEOS_DIR}`);
    for (const file of files) {
      for (const decoder of ['webcodecs', 'ffmpeg']) {
        const r = ok(await extract(`samples/${file}`, { decoder }), `${file} (${decoder})`);
        assert.equal(r.decoder, decoder);
        assert.ok(r.frames.length >= 1);
        ctx.log(`${file} (${decoder}): ${r.frames.length}/${r.candidateCount} kept`);
      }
    }
  }, { timeoutMs: 120_000 });
} else {
  skip('video worker: real clips (the smallest sample of each container) are read by both WebCodecs and ffmpeg.wasm', `no sample videos at ${SAMPLE_VIDEOS_DIR}`);
}
