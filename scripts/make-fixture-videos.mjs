#!/usr/bin/env node
// Generate small deterministic test videos into test/fixtures/generated/videos/ (git-ignored).
// Needs only what `npm install` brings plus Chromium (the same one the e2e tests use; found via
// CHROME_PATH or /usr/bin/chromium): there is no system ffmpeg on a fresh machine, so
//   - the MJPEG AVI is muxed here in Node from JPEGs made with sharp (scripts/lib/avi-mjpeg.mjs);
//   - WebM/MP4 files are encoded in headless Chromium with WebCodecs through mediabunny's Output
//     (VP9, H.264, Opus), and the MPEG-4 Part 2 file with ffmpeg.wasm in the same page.
// Frames are painted by scripts/lib/video-frames.mjs, pixel-identical in Node and the browser.
//
//   node scripts/make-fixture-videos.mjs [--if-missing]
//
// Output (320×180):
//   colour-segments.webm       VP9, 6 s @ 15 fps: red 0–2 s, green 2–4 s, blue 4–6 s, keyframe every 1 s
//   red-blue-red.mp4           H.264, 9 s: red 0–3 s, blue 3–6 s, red 6–9 s
//   black-open.mp4             H.264, 4 s: flat black 0–1 s, then yellow
//   colour-segments.avi        MJPEG in AVI, 6 s @ 10 fps, same segments (no AVI demuxer in mediabunny)
//   long-2h.webm, long-2h.avi  160×90, 2 h @ 1 fps, 5-min scenes cycling through 6 colours (VP9 with a
//                              keyframe every 10 s; MJPEG with still scenes): bounded work on long files
//   colour-segments-mpeg4.mp4  MPEG-4 Part 2 in MP4, 6 s (from the AVI): the container opens, the codec has no WebCodecs decoder
//   truncated.webm             first 55 % of colour-segments.webm
//   truncated.mp4              first half of red-blue-red.mp4 (fast start: the index survives, the frames do not)
//   header-only.mp4            red-blue-red.mp4 cut 64 bytes into its moov box (damaged beyond reading)
//   audio-only.webm            Opus, 2 s tone, no video track
//   no-frames.webm             colour-segments.webm reduced to its header and VP9 track: no frames, no duration
//   empty.mp4                  0 bytes
//   manifest.json              file → { kind, codec, container, durationSec, segments, … }
import http from 'node:http';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { muxMjpegAvi } from './lib/avi-mjpeg.mjs';
import { webmWithoutFrames, zeroMp4Times } from './lib/container-edit.mjs';
import { paintFrame } from './lib/video-frames.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURE_VIDEOS_DIR = join(ROOT, 'test/fixtures/generated/videos');
const W = 320;
const H = 180;

const RED = [220, 30, 30];
const GREEN = [30, 200, 60];
const BLUE = [30, 60, 220];
const YELLOW = [235, 210, 30];
const BLACK = [0, 0, 0];
const MAGENTA = [200, 30, 200];
const CYAN = [30, 200, 200];

const RGB_SEGMENTS = [
  { untilSec: 2, rgb: RED, label: 'red' },
  { untilSec: 4, rgb: GREEN, label: 'green' },
  { untilSec: 6, rgb: BLUE, label: 'blue' },
];
const RED_BLUE_RED = [
  { untilSec: 3, rgb: RED, label: 'red' },
  { untilSec: 6, rgb: BLUE, label: 'blue' },
  { untilSec: 9, rgb: RED, label: 'red' },
];
const BLACK_OPEN = [
  { untilSec: 1, rgb: BLACK, shapes: false, label: 'black' },
  { untilSec: 4, rgb: YELLOW, label: 'yellow' },
];

/** Two hours in 5-minute scenes cycling through six colours: six distinct looks. */
const LONG_SEC = 2 * 3600;
const LONG_SEGMENTS = Array.from({ length: LONG_SEC / 300 }, (_, i) => {
  const [rgb, label] = [[RED, 'red'], [GREEN, 'green'], [BLUE, 'blue'], [YELLOW, 'yellow'], [MAGENTA, 'magenta'], [CYAN, 'cyan']][i % 6];
  return { untilSec: (i + 1) * 300, rgb, label };
});

/** Browser-encoded files: [name, options for encodeInPage]; keyframe every keyFrameSec (default 1 s). */
const ENCODED = [
  ['colour-segments.webm', { container: 'webm', codec: 'vp9', fps: 15, durationSec: 6, segments: RGB_SEGMENTS }],
  ['red-blue-red.mp4', { container: 'mp4', codec: 'avc', fps: 15, durationSec: 9, segments: RED_BLUE_RED }],
  ['black-open.mp4', { container: 'mp4', codec: 'avc', fps: 15, durationSec: 4, segments: BLACK_OPEN }],
  ['long-2h.webm', { container: 'webm', codec: 'vp9', fps: 1, durationSec: LONG_SEC, segments: LONG_SEGMENTS, keyFrameSec: 10, width: 160, height: 90 }],
];
const AVI = { name: 'colour-segments.avi', fps: 10, durationSec: 6, segments: RGB_SEGMENTS };
const LONG_AVI = { name: 'long-2h.avi', fps: 1, durationSec: LONG_SEC, segments: LONG_SEGMENTS, width: 160, height: 90 };
const TRUNCATE_FRACTION = 0.55;

const ALL_FILES = [
  ...ENCODED.map(([n]) => n),
  AVI.name,
  LONG_AVI.name,
  'colour-segments-mpeg4.mp4',
  'truncated.webm',
  'truncated.mp4',
  'header-only.mp4',
  'audio-only.webm',
  'no-frames.webm',
  'empty.mp4',
  'manifest.json',
];

const stripLabels = (segments) => segments.map(({ untilSec, rgb, shapes }) => ({ untilSec, rgb, ...(shapes === false ? { shapes } : {}) }));
const describeSegments = (segments) => {
  let from = 0;
  return segments.map((s) => {
    const d = { fromSec: from, untilSec: s.untilSec, label: s.label };
    from = s.untilSec;
    return d;
  });
};

/** MJPEG AVI; frames with identical pixels share one JPEG (the long file's scenes are still). */
async function makeAvi({ fps, durationSec, segments, width = W, height = H, still = false }) {
  const frames = Math.round(durationSec * fps);
  const rgba = new Uint8ClampedArray(width * height * 4);
  const cache = new Map();
  const jpegs = [];
  for (let i = 0; i < frames; i++) {
    const t = i / fps;
    const key = still ? segments.findIndex((s) => t < s.untilSec) : i;
    if (!cache.has(key)) {
      paintFrame(rgba, width, height, still ? 0 : t, still ? [segments[key]] : segments);
      cache.set(key, await sharp(Buffer.from(rgba.buffer), { raw: { width, height, channels: 4 } }).removeAlpha().jpeg({ quality: 85 }).toBuffer());
    }
    jpegs.push(cache.get(key));
  }
  return muxMjpegAvi(jpegs, { width, height, fps });
}

// ------------------------------------------------------------------ browser side

const MIME = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
const SERVED = new Map([
  ['/mediabunny.mjs', 'node_modules/mediabunny/dist/bundles/mediabunny.mjs'],
  ['/ffmpeg/', 'node_modules/@ffmpeg/ffmpeg/dist/esm/'],
  ['/ffmpeg-core/', 'node_modules/@ffmpeg/core/dist/esm/'],
]);

/** A loopback origin (a secure context, so WebCodecs is available) serving only the libraries. */
async function startStaticServer() {
  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><meta charset="utf-8"><title>fixture videos</title>');
      return;
    }
    for (const [prefix, target] of SERVED) {
      if (path === prefix || (prefix.endsWith('/') && path.startsWith(prefix))) {
        const rel = prefix.endsWith('/') ? path.slice(prefix.length) : '';
        if (rel.includes('..')) break;
        try {
          const body = await readFile(join(ROOT, target, rel));
          res.setHeader('content-type', MIME[extname(path)] ?? 'application/octet-stream');
          res.end(body);
          return;
        } catch {
          break;
        }
      }
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

/** Runs in the page. `paintFrame` is injected as a global; mediabunny is loaded from /mediabunny.mjs. */
async function encodeInPage({ files, width, height, aviBase64 }) {
  const mb = await import('/mediabunny.mjs');
  const toBase64 = (bytes) => {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  };
  const fromBase64 = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const newOutput = (container) =>
    new mb.Output({
      format: container === 'mp4' ? new mb.Mp4OutputFormat({ fastStart: 'in-memory' }) : new mb.WebMOutputFormat(),
      target: new mb.BufferTarget(),
    });
  const out = {};

  for (const [name, o] of files) {
    const [w, h] = [o.width ?? width, o.height ?? height];
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d');
    const output = newOutput(o.container);
    const source = new mb.CanvasSource(canvas, { codec: o.codec, bitrate: 400_000, keyFrameInterval: o.keyFrameSec ?? 1, latencyMode: 'quality' });
    output.addVideoTrack(source, { frameRate: o.fps });
    await output.start();
    const image = new ImageData(w, h);
    const frames = Math.round(o.durationSec * o.fps);
    for (let i = 0; i < frames; i++) {
      self.paintFrame(image.data, w, h, i / o.fps, o.segments);
      ctx.putImageData(image, 0, 0);
      await source.add(i / o.fps, 1 / o.fps);
    }
    await output.finalize();
    out[name] = toBase64(new Uint8Array(output.target.buffer));
  }

  {
    // Audio only: a 2 s 440 Hz tone in Opus.
    const output = newOutput('webm');
    const source = new mb.AudioSampleSource({ codec: 'opus', bitrate: 64_000 });
    output.addAudioTrack(source);
    await output.start();
    const rate = 48_000;
    const data = new Float32Array(rate * 2);
    for (let i = 0; i < data.length; i++) data[i] = 0.3 * Math.sin((2 * Math.PI * 440 * i) / rate);
    const sample = new mb.AudioSample({ data, format: 'f32', numberOfChannels: 1, sampleRate: rate, timestamp: 0 });
    await source.add(sample);
    sample.close();
    await output.finalize();
    out['audio-only.webm'] = toBase64(new Uint8Array(output.target.buffer));
  }

  {
    // MPEG-4 Part 2 (DivX-era cameras) in MP4: mediabunny opens the container but WebCodecs has no
    // decoder for it. Made with ffmpeg.wasm's native encoder (its libx265 hangs in single-thread wasm).
    const { FFmpeg } = await import('/ffmpeg/index.js');
    const ffmpeg = new FFmpeg();
    const log = [];
    ffmpeg.on('log', ({ message }) => log.push(message));
    await ffmpeg.load({ coreURL: new URL('/ffmpeg-core/ffmpeg-core.js', location.href).href, wasmURL: new URL('/ffmpeg-core/ffmpeg-core.wasm', location.href).href });
    await ffmpeg.writeFile('in.avi', fromBase64(aviBase64));
    const rc = await ffmpeg.exec(['-i', 'in.avi', '-c:v', 'mpeg4', '-q:v', '4', '-g', '10', '-pix_fmt', 'yuv420p', '-an', '-movflags', '+faststart', 'out.mp4']);
    if (rc !== 0) throw new Error(`ffmpeg MPEG-4 encode failed (${rc}):\n${log.slice(-20).join('\n')}`);
    out['colour-segments-mpeg4.mp4'] = toBase64(await ffmpeg.readFile('out.mp4'));
    ffmpeg.terminate();
  }
  return out;
}

async function launch() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu'],
  });
}

/**
 * Writes every fixture video. Pass a running playwright `browser` to reuse it (the e2e does).
 * @param {{ ifMissing?: boolean, browser?: import('playwright-core').Browser, log?: (s: string) => void }} [o]
 * @returns {Promise<{ dir: string, generated: boolean }>}
 */
export async function makeFixtureVideos({ ifMissing = false, browser, log = console.log } = {}) {
  if (ifMissing && ALL_FILES.every((f) => existsSync(join(FIXTURE_VIDEOS_DIR, f)))) return { dir: FIXTURE_VIDEOS_DIR, generated: false };
  const started = Date.now();
  await mkdir(FIXTURE_VIDEOS_DIR, { recursive: true });
  const avi = await makeAvi(AVI);
  const longAvi = await makeAvi({ ...LONG_AVI, still: true });

  const server = await startStaticServer();
  const ownBrowser = browser ? null : await launch();
  const context = await (browser ?? ownBrowser).newContext();
  let encoded;
  try {
    const page = await context.newPage();
    if (process.env.FIXTURE_DEBUG) page.on('console', (m) => log(`page: ${m.text()}`));
    await page.goto(server.url);
    await page.addScriptTag({ content: `self.paintFrame = ${paintFrame.toString()};` });
    encoded = await page.evaluate(encodeInPage, {
      files: ENCODED.map(([name, o]) => [name, { ...o, segments: stripLabels(o.segments) }]),
      width: W,
      height: H,
      aviBase64: avi.toString('base64'),
    });
  } finally {
    await context.close().catch(() => {});
    if (ownBrowser) await ownBrowser.close().catch(() => {});
    await server.close();
  }

  const bytes = Object.fromEntries(Object.entries(encoded).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  bytes[AVI.name] = avi;
  bytes[LONG_AVI.name] = longAvi;
  const full = bytes['colour-segments.webm'];
  bytes['truncated.webm'] = full.subarray(0, Math.floor(full.length * TRUNCATE_FRACTION));
  bytes['no-frames.webm'] = webmWithoutFrames(full);
  const mp4 = zeroMp4Times(bytes['red-blue-red.mp4']);
  bytes['truncated.mp4'] = mp4.subarray(0, Math.floor(mp4.length / 2));
  bytes['header-only.mp4'] = mp4.subarray(0, mp4.indexOf('moov') + 64);
  for (const [name, b] of Object.entries(bytes)) if (name.endsWith('.mp4')) zeroMp4Times(b);
  bytes['empty.mp4'] = Buffer.alloc(0);

  const manifest = {};
  for (const [name, o] of ENCODED) {
    manifest[name] = { kind: 'good', container: o.container, codec: o.codec, fps: o.fps, durationSec: o.durationSec, width: o.width ?? W, height: o.height ?? H, segments: describeSegments(o.segments) };
  }
  manifest[AVI.name] = { kind: 'fallback', container: 'avi', codec: 'mjpeg', fps: AVI.fps, durationSec: AVI.durationSec, width: W, height: H, segments: describeSegments(AVI.segments) };
  manifest[LONG_AVI.name] = { kind: 'fallback', container: 'avi', codec: 'mjpeg', fps: LONG_AVI.fps, durationSec: LONG_SEC, width: LONG_AVI.width, height: LONG_AVI.height, segments: describeSegments(LONG_SEGMENTS) };
  manifest['colour-segments-mpeg4.mp4'] = { kind: 'fallback', container: 'mp4', codec: 'mpeg4-part2', fps: AVI.fps, durationSec: AVI.durationSec, width: W, height: H, segments: describeSegments(AVI.segments) };
  manifest['truncated.webm'] = { kind: 'truncated', of: 'colour-segments.webm', keptFraction: TRUNCATE_FRACTION };
  manifest['truncated.mp4'] = { kind: 'truncated', of: 'red-blue-red.mp4', keptFraction: 0.5, note: 'index (moov) intact, media data cut' };
  manifest['header-only.mp4'] = { kind: 'bad', of: 'red-blue-red.mp4', reason: 'cut inside the moov box' };
  manifest['audio-only.webm'] = { kind: 'bad', container: 'webm', codec: 'opus', reason: 'no video track' };
  manifest['no-frames.webm'] = { kind: 'bad', container: 'webm', codec: 'vp9', reason: 'video track without frames' };
  manifest['empty.mp4'] = { kind: 'bad', reason: 'zero bytes' };

  for (const [name, b] of Object.entries(bytes)) await writeFile(join(FIXTURE_VIDEOS_DIR, name), b);
  await writeFile(join(FIXTURE_VIDEOS_DIR, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  log(`fixture videos: ${Object.keys(bytes).length} files in ${FIXTURE_VIDEOS_DIR} (${Date.now() - started} ms)`);
  return { dir: FIXTURE_VIDEOS_DIR, generated: true };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  makeFixtureVideos({ ifMissing: process.argv.includes('--if-missing') }).catch((err) => {
    console.error(err?.stack || err);
    process.exit(1);
  });
}
