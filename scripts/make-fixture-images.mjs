#!/usr/bin/env node
// Deterministically generate e2e input images into test/fixtures/generated/images/
// (git-ignored). Idempotent: every run rewrites the same bytes.
//
//   node scripts/make-fixture-images.mjs
//
// Output:
//   <colour>-<thing>.{jpg,png}      12 "photos", 320x240, each dominated by one colour
//   near-dup/blue-sky-small.jpg     blue-sky.jpg resized to 50%, JPEG quality 60
//   bad/corrupt.jpg                 first 40% of a valid JPEG (truncated)
//   bad/empty.jpg                   zero bytes
//   bad/notes.jpg                   plain text with a .jpg extension
//   bad/readme.txt                  plain text
//   rotated/tall-red-exif6.jpg      stored 320x160 landscape + EXIF Orientation=6
//                                   (displays as 160x320 portrait; white band on top)
//   manifest.json                   file -> { colour, kind, ... }
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { mulberry32 } from '../src/lib/core/random.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'test/fixtures/generated/images');
const W = 320;
const H = 240;

// ---------- deterministic helpers ----------
function seedFrom(str) {
  let h = 2166136261;
  for (let i = 0; i < str.length; i++) h = Math.imul(h ^ str.charCodeAt(i), 16777619);
  return h >>> 0;
}
const lerp = (a, b, t) => a + (b - a) * t;
const mix = (c1, c2, t) => [lerp(c1[0], c2[0], t), lerp(c1[1], c2[1], t), lerp(c1[2], c2[2], t)];
const inCircle = (x, y, cx, cy, r) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const inEllipse = (x, y, cx, cy, rx, ry) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
const inRect = (x, y, x0, y0, x1, y1) => x >= x0 && x < x1 && y >= y0 && y < y1;

/** Render paint(x, y, w, h) -> [r,g,b] into a raw RGB buffer with light seeded noise. */
function render(name, w, h, paint, noise = 8) {
  const rnd = mulberry32(seedFrom(name));
  const buf = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const c = paint(x, y, w, h);
      const i = (y * w + x) * 3;
      for (let k = 0; k < 3; k++) {
        const v = c[k] + (rnd() * 2 - 1) * noise;
        buf[i + k] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
  }
  return buf;
}

// ---------- the 12 "photos" ----------
const PHOTOS = [
  {
    file: 'red-ball.jpg', colour: 'red', subject: 'a red ball',
    paint: (x, y, w, h) => {
      const bg = mix([120, 15, 15], [190, 35, 30], y / h);
      const cx = w * 0.5, cy = h * 0.55, r = 80;
      if (inCircle(x, y, cx, cy, r)) {
        // simple shading: brighter towards the upper-left highlight
        const d = Math.hypot(x - (cx - 25), y - (cy - 25)) / (r * 1.6);
        return mix([255, 90, 80], [170, 10, 10], Math.min(1, d));
      }
      return bg;
    },
  },
  {
    file: 'red-square.png', colour: 'red', subject: 'a red square',
    paint: (x, y, w, h) =>
      inRect(x, y, 90, 50, 230, 190) ? [150, 10, 20] : mix([220, 40, 45], [200, 25, 35], x / w),
  },
  {
    file: 'green-leaf.jpg', colour: 'green', subject: 'a green leaf',
    paint: (x, y, w, h) => {
      const bg = mix([25, 100, 35], [45, 150, 50], y / h);
      // leaf: rotated ellipse
      const a = -0.5, cx = w / 2, cy = h / 2;
      const dx = x - cx, dy = y - cy;
      const u = dx * Math.cos(a) - dy * Math.sin(a);
      const v = dx * Math.sin(a) + dy * Math.cos(a);
      if (inEllipse(u, v, 0, 0, 120, 50)) return Math.abs(v) < 2 ? [200, 230, 150] : [90, 205, 70];
      return bg;
    },
  },
  {
    file: 'green-field.png', colour: 'green', subject: 'a green field',
    paint: (x, y, w, h) => {
      const band = Math.floor((y + 12 * Math.sin(x / 30)) / 30);
      return band % 2 ? [60, 170, 55] : [40, 140, 40];
    },
  },
  {
    file: 'blue-sky.jpg', colour: 'blue', subject: 'a blue sky with a cloud',
    paint: (x, y, w, h) => {
      if (inEllipse(x, y, 110, 80, 45, 18) || inEllipse(x, y, 140, 70, 35, 22) || inEllipse(x, y, 235, 150, 40, 14))
        return [235, 240, 250];
      return mix([35, 100, 215], [140, 190, 250], y / h);
    },
  },
  {
    file: 'blue-ocean.png', colour: 'blue', subject: 'a blue ocean',
    paint: (x, y, w, h) => {
      const wave = Math.sin(x / 18 + y / 9) > 0.85;
      return wave ? [60, 120, 200] : mix([15, 70, 160], [5, 35, 110], y / h);
    },
  },
  {
    file: 'yellow-sun.jpg', colour: 'yellow', subject: 'a yellow sun',
    paint: (x, y, w, h) => {
      if (inCircle(x, y, w / 2, h / 2, 60)) return [255, 245, 120];
      const ang = Math.atan2(y - h / 2, x - w / 2);
      const ray = Math.cos(ang * 12) > 0.6 && inCircle(x, y, w / 2, h / 2, 100);
      return ray ? [255, 225, 70] : [245, 200, 35];
    },
  },
  {
    file: 'yellow-banana.png', colour: 'yellow', subject: 'a yellow banana',
    paint: (x, y, w, h) => {
      const crescent = inCircle(x, y, 160, 40, 150) && !inCircle(x, y, 160, 5, 140);
      return crescent ? [225, 185, 20] : [245, 225, 90];
    },
  },
  {
    file: 'dark-night.jpg', colour: 'black', subject: 'a dark night sky with the moon',
    paint: (x, y, w, h) => {
      if (inCircle(x, y, 250, 60, 22)) return [205, 205, 185];
      // deterministic "stars": sparse lattice points
      if ((x * 7 + y * 13) % 97 === 0 && (x * 3 + y) % 5 === 0) return [230, 230, 240];
      return mix([8, 8, 25], [20, 20, 45], y / h);
    },
  },
  {
    file: 'white-snow.png', colour: 'white', subject: 'white snow',
    paint: (x, y, w, h) => {
      const hill = h * 0.55 + 25 * Math.sin(x / 45);
      return y > hill ? [245, 247, 250] : [215, 222, 232];
    },
  },
  {
    file: 'purple-flower.jpg', colour: 'purple', subject: 'a purple flower',
    paint: (x, y, w, h) => {
      const cx = w / 2, cy = h / 2;
      if (inCircle(x, y, cx, cy, 16)) return [240, 200, 60];
      for (let k = 0; k < 6; k++) {
        const a = (k * Math.PI) / 3;
        if (inCircle(x, y, cx + 48 * Math.cos(a), cy + 48 * Math.sin(a), 34)) return [180, 90, 220];
      }
      return mix([95, 30, 135], [125, 50, 165], y / h);
    },
  },
  {
    file: 'orange-sunset.png', colour: 'orange', subject: 'an orange sunset',
    paint: (x, y, w, h) => {
      if (y > h * 0.78) return [90, 40, 15]; // horizon
      if (inCircle(x, y, w / 2, h * 0.78, 55)) return [255, 190, 70];
      return mix([250, 150, 35], [205, 80, 20], y / h);
    },
  },
];

async function encode(file, raw, w, h) {
  const img = sharp(raw, { raw: { width: w, height: h, channels: 3 } });
  return file.endsWith('.png')
    ? img.png({ compressionLevel: 9, adaptiveFiltering: false }).toBuffer()
    : img.jpeg({ quality: 85, chromaSubsampling: '4:2:0' }).toBuffer();
}

async function put(rel, data) {
  const p = join(OUT, rel);
  await mkdir(dirname(p), { recursive: true });
  await writeFile(p, data);
}

async function main() {
  const t0 = Date.now();
  const manifest = {};
  const bytes = {};

  await Promise.all(
    PHOTOS.map(async ({ file, colour, subject, paint }) => {
      const buf = await encode(file, render(file, W, H, paint), W, H);
      bytes[file] = buf;
      await put(file, buf);
    }),
  );
  for (const { file, colour, subject } of PHOTOS) {
    manifest[file] = {
      colour, kind: 'good', subject, width: W, height: H,
      format: file.endsWith('.png') ? 'png' : 'jpeg',
    };
  }

  // near duplicate of blue-sky.jpg
  const small = await sharp(bytes['blue-sky.jpg'])
    .resize(W / 2, H / 2)
    .jpeg({ quality: 60 })
    .toBuffer();
  await put('near-dup/blue-sky-small.jpg', small);
  manifest['near-dup/blue-sky-small.jpg'] = {
    colour: 'blue', kind: 'near-duplicate', duplicateOf: 'blue-sky.jpg',
    width: W / 2, height: H / 2, format: 'jpeg',
    expectedMessage: 'near-duplicate of blue-sky.jpg (should be grouped/flagged with it, not rejected)',
  };

  // rotated: stored landscape 320x160, EXIF Orientation=6 -> displayed portrait 160x320.
  // The white band is on the stored LEFT edge, i.e. on the displayed TOP edge.
  const RW = 320, RH = 160;
  const rotRaw = render('tall-red-exif6', RW, RH, (x) => (x < 40 ? [250, 250, 250] : [210, 30, 35]));
  const rot = await sharp(rotRaw, { raw: { width: RW, height: RH, channels: 3 } })
    .jpeg({ quality: 85 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  const rotMeta = await sharp(rot).metadata();
  if (rotMeta.orientation !== 6) throw new Error(`EXIF orientation not written (got ${rotMeta.orientation})`);
  await put('rotated/tall-red-exif6.jpg', rot);
  manifest['rotated/tall-red-exif6.jpg'] = {
    colour: 'red', kind: 'good', format: 'jpeg',
    storedWidth: RW, storedHeight: RH, exifOrientation: 6,
    width: RH, height: RW, // as displayed
    expectedMessage: 'must display as portrait 160x320 with the white band at the TOP',
  };

  // bad inputs
  const valid = bytes['red-ball.jpg'];
  await put('bad/corrupt.jpg', valid.subarray(0, Math.floor(valid.length * 0.4)));
  manifest['bad/corrupt.jpg'] = {
    colour: null, kind: 'corrupt',
    expectedMessage: 'could not be decoded (truncated/corrupt image); skipped with an error, others still import',
  };
  await put('bad/empty.jpg', Buffer.alloc(0));
  manifest['bad/empty.jpg'] = {
    colour: null, kind: 'empty',
    expectedMessage: 'empty file (0 bytes); skipped with an error',
  };
  await put('bad/notes.jpg', 'These are my holiday notes.\nNot an image, despite the .jpg name.\n');
  manifest['bad/notes.jpg'] = {
    colour: null, kind: 'not-image',
    expectedMessage: 'not a valid image (text content with .jpg extension); skipped with an error',
  };
  await put('bad/readme.txt', 'Shoebox fixture: plain text file, not a photo or video.\n');
  manifest['bad/readme.txt'] = {
    colour: null, kind: 'unsupported',
    expectedMessage: 'unsupported file type (.txt / text/plain); skipped or rejected',
  };

  const sorted = Object.fromEntries(Object.keys(manifest).sort().map((k) => [k, manifest[k]]));
  await put('manifest.json', JSON.stringify(sorted, null, 2) + '\n');
  console.log(
    `make-fixture-images: ${Object.keys(sorted).length} files -> ${OUT.slice(ROOT.length + 1)} (${Date.now() - t0} ms)`,
  );
}

main().catch((err) => {
  console.error('make-fixture-images: FAILED:', err?.stack || err);
  process.exit(1);
});
