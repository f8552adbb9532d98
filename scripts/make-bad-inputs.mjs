#!/usr/bin/env node
// Deterministically writes the hostile-input corpus into test/fixtures/generated/bad-inputs/
// (git-ignored): damaged, mislabelled, exotic and oversized photos and videos, odd file names,
// duplicates, plus expected.json: case → { file, name, expect, messageMatches? }. Photos with
// hostile EXIF (truncated IFDs, offset loops, year 0 and 9999, GPS out of range or NaN, markup in
// a date) go to test/fixtures/generated/bad-metadata/ with an expected.json of the same shape:
// they are written by sharp and byte-patched here, so no exiftool is needed.
//   file            the bytes on disk (relative to the folder)
//   name            the file name it is dropped under (may hold markup, emoji, RTL or 250 chars)
//   expect          'stored' | 'failed' | 'duplicate' | 'near-duplicate'
//   messageMatches  regex source the file's import message must match ('' = no message)
//   droppedTwice    the e2e drops this file a second time while the first drop is still staging
//
//   node scripts/make-bad-inputs.mjs [--if-missing]   (--if-missing: writes only a corpus that is absent)
//
// Videos are cut or patched from test/fixtures/generated/videos (scripts/make-fixture-videos.mjs);
// when those are missing the video cases are left out and the script says so.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { mulberry32 } from '../src/lib/core/random.js';
import { damagedExif, gpsRational, jpegWithExif } from '../test/helpers/exif-jpeg.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'test/fixtures/generated/bad-inputs');
const OUT_METADATA = join(ROOT, 'test/fixtures/generated/bad-metadata');
const VIDEOS = join(ROOT, 'test/fixtures/generated/videos');
const IF_MISSING = process.argv.includes('--if-missing');

/**
 * An 8×8 grid of seeded colours scaled up without smoothing: every seed gives a different
 * perceptual hash, so no two corpus photos look like near-duplicates of each other.
 */
function blocks(seed, width, height, channels = 3) {
  const rnd = mulberry32(seed);
  const cells = Array.from({ length: 64 }, () => [rnd() * 255, rnd() * 255, rnd() * 255, 128 + rnd() * 127].map(Math.round));
  const grid = Buffer.alloc(8 * 8 * channels);
  cells.forEach((c, i) => {
    for (let k = 0; k < channels; k++) grid[i * channels + k] = c[k];
  });
  return sharp(grid, { raw: { width: 8, height: 8, channels } }).resize(width, height, { kernel: 'nearest' });
}

const jpeg = (seed, w = 320, h = 240) => blocks(seed, w, h).jpeg({ quality: 85 }).toBuffer();
const png = (seed, w = 320, h = 240) => blocks(seed, w, h).png().toBuffer();

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A valid 1-bit grayscale PNG of zeros: ~100 KB on disk, 3.6 GB once decoded to RGBA. */
function pngBomb(side) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // grayscale
  const raw = Buffer.alloc((Math.ceil(side / 8) + 1) * side); // filter byte 0 + zero pixels per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** 24-bit bottom-up BMP (sharp cannot write BMP). */
async function bmp(seed, w, h) {
  const rgb = await blocks(seed, w, h).raw().toBuffer();
  const stride = Math.ceil((w * 3) / 4) * 4;
  const out = Buffer.alloc(54 + stride * h);
  out.write('BM', 0, 'ascii');
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(54, 10);
  out.writeUInt32LE(40, 14);
  out.writeInt32LE(w, 18);
  out.writeInt32LE(h, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(24, 28);
  out.writeUInt32LE(stride * h, 34);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3;
      const d = 54 + (h - 1 - y) * stride + x * 3;
      out[d] = rgb[s + 2];
      out[d + 1] = rgb[s + 1];
      out[d + 2] = rgb[s];
    }
  }
  return out;
}

/** An ISO-BMFF file with a real `ftypheic` box, as an iPhone writes, and a `meta` box of noise: no size can be read from it. */
function heic() {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write('ftypheic', 4, 'ascii');
  ftyp.writeUInt32BE(0, 12);
  ftyp.write('mif1heic', 16, 'ascii');
  const meta = Buffer.alloc(512);
  meta.writeUInt32BE(meta.length, 0);
  meta.write('meta', 4, 'ascii');
  const rnd = mulberry32(7);
  for (let i = 12; i < meta.length; i++) meta[i] = Math.floor(rnd() * 256);
  return Buffer.concat([ftyp, meta]);
}

function randomBytes(seed, n) {
  const rnd = mulberry32(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  // never start with a signature we sniff, whatever the seed
  b[0] = 0x00;
  return b;
}

/** Replaces every occurrence of an ASCII string with another of the same length. */
function patch(buf, from, to) {
  if (from.length !== to.length) throw new Error('patch: lengths differ');
  const out = Buffer.from(buf);
  let at = out.indexOf(from);
  if (at < 0) throw new Error(`patch: "${from}" not found`);
  while (at >= 0) {
    out.write(to, at, 'ascii');
    at = out.indexOf(from, at + 1);
  }
  return out;
}

const minimalPdf = () =>
  Buffer.from(
    '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n' +
      'trailer << /Root 1 0 R >>\n%%EOF\n',
  );

/** A stored (uncompressed) ZIP holding one text file. */
function zip() {
  const name = Buffer.from('holiday.txt');
  const data = Buffer.from('photos are in the other folder\n');
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(10, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length + data.length, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

const SVG_WITH_SCRIPT = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" onload="alert('svg onload')">
  <script>alert('svg script'); document.title = 'pwned';</script>
  <rect width="320" height="240" fill="red"/>
</svg>
`;

const HOSTILE_NAME = '<img src=x onerror=alert(1)>.jpg';
const EMOJI_RTL_NAME = '📷 עיר العربية 😀 photo.jpg';
const LONG_NAME = `${'long-name-'.repeat(24)}abcdef.jpg`; // 250 characters

async function cases() {
  /** @type {Record<string, { file: string; bytes: Buffer; name?: string; expect: string; messageMatches?: string; droppedTwice?: boolean }>} */
  const c = {};
  const add = (key, file, bytes, expect, messageMatches = '', extra = {}) => (c[key] = { file, bytes, expect, messageMatches, ...extra });
  const undecodable = 'could not be decoded';

  // ---- empty, damaged, mislabelled
  add('zero-byte jpg', 'zero-byte.jpg', Buffer.alloc(0), 'failed', '^the file is empty \\(0 bytes\\)$');
  const j1 = await jpeg(101);
  add('truncated jpeg', 'truncated.jpg', j1.subarray(0, Math.floor(j1.length * 0.4)), 'failed', undecodable);
  const p1 = await png(102);
  add('truncated png', 'truncated.png', p1.subarray(0, Math.floor(p1.length * 0.5)), 'failed', undecodable);
  const w1 = await blocks(103, 320, 240).webp({ quality: 80 }).toBuffer();
  add('truncated webp', 'truncated.webp', w1.subarray(0, Math.floor(w1.length * 0.5)), 'failed', undecodable);
  add('jpeg named .png', 'really-a-jpeg.png', await jpeg(104), 'stored');
  add('text named .jpg', 'shopping-list.jpg', Buffer.from('eggs\nmilk\nbread\n'), 'failed', '^not a photo or video Shoebox can read$');
  add('pdf named .jpg', 'invoice.jpg', minimalPdf(), 'failed', 'PDF');
  add('zip archive', 'holiday.zip', zip(), 'failed', 'ZIP');
  add('random bytes named .mp4', 'random.mp4', randomBytes(9, 64 * 1024), 'failed', '^not a photo or video Shoebox can read$');
  const j2 = await jpeg(105);
  add('jpeg with trailing garbage', 'trailing-garbage.jpg', Buffer.concat([j2, randomBytes(10, 4096)]), 'stored');

  // ---- sizes
  add('100 megapixel jpeg', 'huge-10000x10000.jpg', await blocks(106, 10000, 10000).jpeg({ quality: 80 }).toBuffer(), 'stored');
  add('png bomb 30000x30000', 'bomb-30000x30000.png', pngBomb(30000), 'failed', 'too large.*30000 × 30000');
  add('1x1 png', 'one-pixel.png', await blocks(107, 1, 1).png().toBuffer(), 'stored');
  add('panorama 8000x40', 'panorama-8000x40.jpg', await blocks(108, 8000, 40).jpeg().toBuffer(), 'stored');

  // ---- colour models, bit depths, formats
  add('cmyk jpeg', 'cmyk.jpg', await blocks(109, 320, 240).toColourspace('cmyk').jpeg().toBuffer(), 'stored');
  add('16-bit png', 'sixteen-bit.png', await blocks(110, 320, 240).toColourspace('rgb16').png().toBuffer(), 'stored');
  add('grayscale jpeg', 'grayscale.jpg', await blocks(111, 320, 240).toColourspace('b-w').jpeg().toBuffer(), 'stored');
  add('png with alpha', 'alpha.png', await blocks(112, 320, 240, 4).png().toBuffer(), 'stored');
  add('progressive jpeg', 'progressive.jpg', await blocks(113, 320, 240).jpeg({ progressive: true }).toBuffer(), 'stored');
  add(
    'jpeg exif orientation 6',
    'exif-orientation-6.jpg',
    await blocks(114, 320, 160).jpeg().withMetadata({ orientation: 6 }).toBuffer(),
    'stored',
  );
  const frames = await Promise.all([115, 116, 117].map((s) => blocks(s, 160, 120).png().toBuffer()));
  add('animated gif', 'animated.gif', await sharp(frames, { join: { animated: true } }).gif({ delay: 200, loop: 0 }).toBuffer(), 'stored');
  add('lossless webp', 'lossless.webp', await blocks(118, 320, 240).webp({ lossless: true }).toBuffer(), 'stored');
  add('avif', 'photo.avif', await blocks(119, 320, 240).avif({ quality: 60 }).toBuffer(), 'stored');
  add('bmp', 'photo.bmp', await bmp(120, 320, 240), 'stored');
  add('tiff', 'scan.tiff', await blocks(121, 320, 240).tiff().toBuffer(), 'failed', 'TIFF');
  add('heic', 'IMG_0001.HEIC', heic(), 'failed', 'could not be decoded: .* box runs past the end');
  add('svg with script', 'drawing.svg', Buffer.from(SVG_WITH_SCRIPT), 'failed', 'SVG');

  // ---- names
  add('html in the file name', 'hostile-name.jpg', await jpeg(122), 'stored', '', { name: HOSTILE_NAME });
  add('emoji and rtl in the file name', 'emoji-rtl.jpg', await jpeg(123), 'stored', '', { name: EMOJI_RTL_NAME });
  add('250-character file name', 'long-name.jpg', await jpeg(124), 'stored', '', { name: LONG_NAME });

  // ---- duplicates
  const same = await jpeg(125);
  add('duplicate: first copy', 'same-bytes-a.jpg', same, 'stored');
  add('duplicate: second copy', 'same-bytes-b.jpg', same, 'duplicate', '^already in your library as "same-bytes-a\\.jpg"$|same file is already being added');
  const original = await blocks(126, 640, 480).jpeg({ quality: 90 }).toBuffer();
  add('near-duplicate: original', 'near-original.jpg', original, 'stored');
  add(
    'near-duplicate: resized copy',
    'near-copy-small.jpg',
    await sharp(original).resize(320, 240).jpeg({ quality: 60 }).toBuffer(),
    'near-duplicate',
    '^looks like a near-duplicate of "near-original\\.jpg"',
  );
  add('dropped twice at once', 'dropped-twice.jpg', await jpeg(127), 'stored', '', { droppedTwice: true });

  // ---- videos, cut or patched from the generated fixture videos
  const video = (name) => (existsSync(join(VIDEOS, name)) ? readFileSync(join(VIDEOS, name)) : null);
  const mp4 = video('red-blue-red.mp4');
  const webm = video('colour-segments.webm');
  const noFrames = video('no-frames.webm');
  if (mp4 && webm && noFrames) {
    // Fast-start MP4: the index is whole, the media data stops after 70 %.
    add('truncated mp4', 'truncated.mp4', mp4.subarray(0, Math.floor(mp4.length * 0.7)), 'stored', 'cut short.*only the first');
    // The only track declares itself a sound track: nothing to look at.
    add('mp4 without a video track', 'audio-only.mp4', patch(mp4, 'vide', 'soun'), 'failed', 'no video track');
    add('webm with an unknown codec', 'odd-codec.webm', patch(webm, 'V_VP9', 'V_QQ9'), 'failed', 'could not be decoded: the video codec V_QQ9 is not supported');
    add('0-duration video', 'zero-duration.webm', noFrames, 'failed', '^the video is empty \\(0 seconds\\)$');
  } else {
    console.warn('make-bad-inputs: fixture videos missing (node scripts/make-fixture-videos.mjs): video cases left out');
  }
  return c;
}

/**
 * Photos whose EXIF is damaged or holds impossible values: each is stored with the valid rest and
 * one note saying what was ignored and, when no date was left, which date it got instead (the
 * file's own: a dropped file's last-modified time).
 */
async function metadataCases() {
  const c = {};
  const pixels = (seed) => blocks(seed, 160, 120).png().toBuffer();
  const withExif = async (seed, exif) => jpegWithExif({ pixelsOf: await pixels(seed), exif });
  const add = (key, file, bytes, messageMatches) => (c[key] = { file, bytes, expect: 'stored', messageMatches });
  const dated = { DateTimeOriginal: '2019:07:14 15:30:12', OffsetTimeOriginal: '+02:00' };
  const paris = { IFD0: { Make: 'Canon', Model: 'Canon EOS 5D' }, IFD2: dated, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: gpsRational(48.8584), GPSLongitudeRef: 'E', GPSLongitude: gpsRational(2.2945) } };
  const fileDate = "; using the file's date$";
  add('exif year 9999', 'exif-year-9999.jpg', await withExif(201, { IFD2: { DateTimeOriginal: '9999:01:01 00:00:00' } }),
    `^the date taken 9999:01:01 00:00:00 in its EXIF was ignored \\(year 9999 is in the future\\)${fileDate}`);
  add('exif year 0', 'exif-year-0.jpg', await withExif(202, { IFD2: { DateTimeOriginal: '0000:06:15 12:00:00' } }),
    `^the date taken 0000:06:15 12:00:00 in its EXIF was ignored \\(year 0 is before 1900\\)${fileDate}`);
  add('gps latitude 95', 'gps-latitude-95.jpg', await withExif(203, { IFD2: dated, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '95/1 0/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 0/1 0/1' } }),
    '^the GPS position 95, 2 in its EXIF was ignored \\(outside ±90° latitude, ±180° longitude\\)$');
  add('gps longitude -200', 'gps-longitude-200.jpg', await withExif(204, { IFD2: dated, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '10/1 0/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '200/1 0/1 0/1' } }),
    '^the GPS position 10, -200 in its EXIF was ignored \\(outside ±90° latitude, ±180° longitude\\)$');
  add('gps NaN (0/0 rationals)', 'gps-nan.jpg', await withExif(205, { IFD2: dated, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '0/0 0/0 0/0', GPSLongitudeRef: 'E', GPSLongitude: '2/1 0/1 0/1' } }),
    '^the GPS position in its EXIF was ignored \\(not a number\\)$');
  // IFD0 claims 4,000 entries: the date and position before the cut are still read.
  add('exif truncated IFD', 'exif-truncated-ifd.jpg', damagedExif(await withExif(206, paris), 'ifd-past-end'),
    '^its EXIF block is cut short \\(what came after the cut was ignored\\)$');
  // The Exif-IFD pointer and the next-IFD offset point back at IFD0: the date is never reached.
  add('exif offset loop', 'exif-offset-loop.jpg', damagedExif(await withExif(207, paris), 'offset-loop'),
    `^its EXIF block has offsets that loop back \\(the parts they point to were ignored\\)${fileDate}`);
  add('markup in exif date and model', 'exif-markup.jpg', await withExif(208, { IFD0: { Model: '<script>alert(1)</script>' }, IFD2: { DateTimeOriginal: '<img src=x onerror=alert(1)>' } }),
    `^the date taken "<img src=x onerror=alert\\(1\\)>" in its EXIF was ignored \\(not a date\\)${fileDate}`);
  return c;
}

/** Writes one corpus folder: the files and expected.json. */
async function writeCorpus(dir, all) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const expected = {};
  for (const [key, { bytes, ...rest }] of Object.entries(all)) {
    await writeFile(join(dir, rest.file), bytes);
    expected[key] = { name: rest.file, ...rest, sizeBytes: bytes.length };
  }
  await writeFile(join(dir, 'expected.json'), JSON.stringify(expected, null, 2) + '\n');
  return Object.keys(expected).length;
}

async function main() {
  for (const [dir, make] of [[OUT, cases], [OUT_METADATA, metadataCases]]) {
    const t0 = Date.now();
    if (IF_MISSING && existsSync(join(dir, 'expected.json'))) {
      console.log(`make-bad-inputs: ${dir.slice(ROOT.length + 1)} present, skipped`);
      continue;
    }
    const n = await writeCorpus(dir, await make());
    console.log(`make-bad-inputs: ${n} cases -> ${dir.slice(ROOT.length + 1)} (${Date.now() - t0} ms)`);
  }
}

main().catch((err) => {
  console.error('make-bad-inputs: FAILED:', err?.stack || err);
  process.exit(1);
});
