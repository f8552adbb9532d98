#!/usr/bin/env node
// Writes the small HEIC/HEIF/AVIF test photos committed under test/fixtures/heif/ (see SOURCES.md
// there). Needs `heif-enc` (Debian: libheif-examples, x265 for HEIC and aom for AVIF) and
// `exiftool` (libimage-exiftool-perl); the tests only read the committed files, so a machine
// without these tools runs them unchanged.
//
//   node scripts/make-heif-fixtures.mjs
//
// Output (each 320×240 unless said):
//   red-ball.heic       a red ball (HEVC), EXIF date 2019-07-14 10:00 +01:00, GPS Lisbon, Apple iPhone 12
//   yellow-multi.heic   two images: the primary yellow sun, then a blue sky; EXIF date 2020-05-01 12:00
//   green-leaf.avif     a green leaf (AV1), EXIF date 2021-03-05 18:00 +09:00
//   damaged.heic        the first 60% of red-ball.heic (libheif rejects it)
//   huge.heic           red-ball.heic whose image size property (ispe) claims 16000 × 12500 px (200 MP)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { mulberry32 } from '../src/lib/core/random.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'test/fixtures/heif');
const W = 320;
const H = 240;

const mix = (a, b, t) => a.map((v, k) => v + (b[k] - v) * t);

/** A picture painted by `paint(x, y)` with light seeded noise, as PNG bytes. */
async function picture(seed, paint) {
  const rnd = mulberry32(seed);
  const raw = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const c = paint(x, y);
      for (let k = 0; k < 3; k++) raw[(y * W + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(c[k] + (rnd() * 2 - 1) * 8)));
    }
  return sharp(raw, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
}

const inCircle = (x, y, cx, cy, r) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const PAINTS = {
  red: (x, y) => (inCircle(x, y, 160, 132, 80) ? mix([255, 90, 80], [170, 10, 10], Math.min(1, Math.hypot(x - 135, y - 107) / 128)) : mix([120, 15, 15], [190, 35, 30], y / H)),
  yellow: (x, y) => (inCircle(x, y, 160, 110, 60) ? [255, 225, 40] : mix([235, 200, 30], [250, 215, 60], y / H)),
  blue: (x, y) => mix([40, 110, 230], [120, 180, 250], y / H),
  green: (x, y) => (Math.abs(y - 120 - (x - 160) * 0.3) < 50 - Math.abs(x - 160) / 4 ? [45, 160, 50] : mix([25, 100, 35], [45, 150, 50], y / H)),
};

for (const [tool, args, pkg] of [['heif-enc', ['--help'], 'libheif-examples'], ['exiftool', ['-ver'], 'libimage-exiftool-perl']]) {
  if (spawnSync(tool, args).error) {
    console.error(`${tool} is not installed (Debian: apt-get install ${pkg}); the committed files in ${OUT} are kept`);
    process.exit(1);
  }
}

const run = (cmd, args) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
const exif = (file, tags) => run('exiftool', ['-q', '-overwrite_original', ...Object.entries(tags).map(([k, v]) => `-${k}=${v}`), file]);

const tmp = mkdtempSync(join(os.tmpdir(), 'shoebox-heif-'));
try {
  const png = async (name, seed) => {
    const file = join(tmp, `${name}.png`);
    writeFileSync(file, await picture(seed, PAINTS[name]));
    return file;
  };
  const red = join(OUT, 'red-ball.heic');
  run('heif-enc', ['-q', '40', '-o', red, await png('red', 15)]);
  exif(red, { DateTimeOriginal: '2019:07:14 10:00:00', OffsetTimeOriginal: '+01:00', Make: 'Apple', Model: 'iPhone 12', GPSLatitude: 38.72, GPSLatitudeRef: 'N', GPSLongitude: 9.14, GPSLongitudeRef: 'W' });

  // heif-enc makes the first input the primary image.
  const multi = join(OUT, 'yellow-multi.heic');
  run('heif-enc', ['-q', '40', '-o', multi, await png('yellow', 16), await png('blue', 17)]);
  exif(multi, { DateTimeOriginal: '2020:05:01 12:00:00', OffsetTimeOriginal: '+00:00' });

  const avif = join(OUT, 'green-leaf.avif');
  run('heif-enc', ['-q', '40', '-o', avif, await png('green', 18)]);
  exif(avif, { DateTimeOriginal: '2021:03:05 18:00:00', OffsetTimeOriginal: '+09:00' });

  const redBytes = readFileSync(red);
  writeFileSync(join(OUT, 'damaged.heic'), redBytes.subarray(0, Math.floor(redBytes.length * 0.6)));

  // Every ispe box (full box: version/flags, then 32-bit width and height) claims 16000 × 12500.
  const huge = Buffer.from(redBytes);
  for (let at = huge.indexOf('ispe'); at >= 0; at = huge.indexOf('ispe', at + 4)) {
    huge.writeUInt32BE(16000, at + 8);
    huge.writeUInt32BE(12500, at + 12);
  }
  writeFileSync(join(OUT, 'huge.heic'), huge);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`wrote HEIC/AVIF fixtures to ${OUT}`);
