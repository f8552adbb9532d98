// metadata_ms_per_item: exifr reading the tags Shoebox keeps (the options of
// src/lib/ingest/read-photo-metadata.ts) from bytes already in memory, per fixture photo, in Node.
// Usage: node bench/metadata.mjs [--merge-latest]  (the browser worker runs the same library code)
// Prints JSON and writes bench/results/metadata.json; --merge-latest also adds the keys to
// latest.json's summary and a line to the last run's dated Markdown (bench/lib/merge-latest.mjs).
import { writeFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer } from 'vite';
import { gpsRational, jpegWithExif } from '../test/helpers/exif-jpeg.mjs';
import { mergeIntoLatest } from './lib/merge-latest.mjs';

const dir = 'test/fixtures/generated/images';
const names = (await readdir(dir)).filter((n) => /\.(jpe?g|png|webp)$/i.test(n));
const files = await Promise.all(names.map(async (n) => new Uint8Array(await readFile(join(dir, n)))));
const vite = await createServer({ server: { middlewareMode: true }, appType: 'custom', logLevel: 'silent' });
try {
  const { readPhotoMetadata } = await vite.ssrLoadModule('/src/lib/ingest/read-photo-metadata.ts');
  const now = Date.now();
  for (const f of files) await readPhotoMetadata(f, now); // warm-up
  const rounds = 20;
  const msPerItem = async (photos) => {
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) for (const f of photos) await readPhotoMetadata(f, now);
    return Number(((performance.now() - t0) / (rounds * photos.length)).toFixed(3));
  };
  // The fixtures carry no EXIF; a camera-like file (date, offset, camera, lens, GPS) at 1920 × 1080 too.
  const camera = await jpegWithExif({
    width: 1920,
    height: 1080,
    exif: {
      IFD0: { Make: 'Canon', Model: 'Canon EOS 5D' },
      IFD2: { DateTimeOriginal: '2019:07:14 15:30:12', OffsetTimeOriginal: '+02:00', LensModel: 'EF 50mm f/1.8' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: gpsRational(48.8584), GPSLongitudeRef: 'E', GPSLongitude: gpsRational(2.2945) },
    },
  });
  const summary = {
    metadata_ms_per_item: await msPerItem(files),
    metadata_ms_per_item_with_exif: await msPerItem([new Uint8Array(camera)]),
    photos: files.length,
    rounds,
  };
  console.log(JSON.stringify(summary));
  const date = new Date().toISOString();
  writeFileSync('bench/results/metadata.json', `${JSON.stringify({ date, node: process.version, summary }, null, 1)}\n`);
  if (process.argv.includes('--merge-latest')) {
    const { metadata_ms_per_item: perItem, metadata_ms_per_item_with_exif: withExif } = summary;
    const written = mergeIntoLatest('bench/results', { metadata_ms_per_item: perItem, metadata_ms_per_item_with_exif: withExif }, {
      metadata_ms_per_item: `${perItem} ms per photo — exifr reading the tags Shoebox keeps from bytes in memory, ${summary.photos} fixture photos (no EXIF) × ${rounds} rounds, Node ${process.version}; a 1920 × 1080 camera JPEG with date, offset, camera, lens and GPS: ${withExif} ms (bench/metadata.mjs, ${date}).`,
    });
    console.log(`merged into ${written.join(', ') || 'nothing (no latest.json)'}`);
  }
} finally {
  await vite.close();
}
