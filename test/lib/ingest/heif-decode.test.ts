// The libheif decode and the metadata read of real HEIC/AVIF files (test/fixtures/heif, made by
// scripts/make-heif-fixtures.mjs), with the same libheif wasm the browser loads, run under Node.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { HeifDecodeError, decodeHeifPrimary, withHeifPrimary, type HeifPixels, type LibHeif } from '../../../src/lib/ingest/heif-decode';
import { readPhotoMetadata } from '../../../src/lib/ingest/read-photo-metadata';

const require = createRequire(import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(fileURLToPath(new URL(`../../fixtures/heif/${name}`, import.meta.url))));

let lib: LibHeif;
beforeAll(async () => {
  const factory = require('libheif-js/libheif-wasm/libheif.js') as (options: object) => Promise<LibHeif>;
  lib = await factory({ wasmBinary: readFileSync(require.resolve('libheif-js/libheif-wasm/libheif.wasm')) });
});

/** Mean RGB of the pixels, 0–255. */
function meanRgb({ data }: HeifPixels): [number, number, number] {
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += 4) for (let k = 0; k < 3; k++) sum[k] += data[i + k];
  const n = data.length / 4;
  return [sum[0] / n, sum[1] / n, sum[2] / n];
}

describe('decodeHeifPrimary', () => {
  it('decodes a HEIC to upright RGBA of its declared size, mostly red', async () => {
    const pixels = await decodeHeifPrimary(lib, fixture('red-ball.heic'));
    expect([pixels.width, pixels.height, pixels.data.length]).toEqual([320, 240, 320 * 240 * 4]);
    const [r, g, b] = meanRgb(pixels);
    expect(r).toBeGreaterThan(2 * g);
    expect(r).toBeGreaterThan(2 * b);
    expect(pixels.data[3]).toBe(255);
  });

  it('decodes the primary image of a two-image HEIC (yellow), not the second (blue)', async () => {
    const [r, g, b] = meanRgb(await decodeHeifPrimary(lib, fixture('yellow-multi.heic')));
    expect(r).toBeGreaterThan(180);
    expect(g).toBeGreaterThan(150);
    expect(b).toBeLessThan(100);
  });

  it('does not decode AVIF: libheif-js is built without an AV1 decoder (the browser decodes AVIF)', async () => {
    // If a later libheif-js adds one, canvas-stills.ts can send AVIF to it too.
    await expect(decodeHeifPrimary(lib, fixture('green-leaf.avif'))).rejects.toThrow(/compression format has not been built in/);
  });

  it('says why libheif rejects a cut-off HEIC, and decodes the next file after it', async () => {
    const failure = decodeHeifPrimary(lib, fixture('damaged.heic'));
    await expect(failure).rejects.toBeInstanceOf(HeifDecodeError);
    await expect(failure).rejects.toThrow(/^could not be decoded: the HEIF image data is damaged \(.*end of file/);
    expect((await decodeHeifPrimary(lib, fixture('red-ball.heic'))).width).toBe(320);
  });

  it('hands the pixels to a callback without a copy, the same pixels the copying decode returns', async () => {
    const copied = await decodeHeifPrimary(lib, fixture('red-ball.heic'));
    const seen = await withHeifPrimary(lib, fixture('red-ball.heic'), (pixels) => ({ inHeap: pixels.data.buffer !== copied.data.buffer && pixels.data.byteOffset > 0, sum: pixels.data.reduce((a, v) => a + v, 0) }));
    expect(seen).toEqual({ inHeap: true, sum: copied.data.reduce((a, v) => a + v, 0) });
  });

  it('rejects bytes that are no HEIF at all', async () => {
    await expect(decodeHeifPrimary(lib, new TextEncoder().encode('plain text, no boxes'))).rejects.toThrow(/^could not be decoded: the HEIF file is damaged/);
  });

  it('lets the size check refuse a 200-megapixel image before its pixels are decoded', async () => {
    const sizes: string[] = [];
    const refuse = (width: number, height: number) => {
      sizes.push(`${width}x${height}`);
      throw new HeifDecodeError('too large');
    };
    await expect(decodeHeifPrimary(lib, fixture('huge.heic'), refuse)).rejects.toThrow('too large');
    expect(sizes).toEqual(['16000x12500']);
  });
});

describe('readPhotoMetadata on HEIC/AVIF (exifr)', () => {
  const NOW_MS = Date.UTC(2026, 11, 6);

  it('reads the date with its offset, the camera and the position of a HEIC', async () => {
    const m = await readPhotoMetadata(fixture('red-ball.heic'), NOW_MS);
    expect(m.takenAt).toEqual({ ms: Date.UTC(2019, 6, 14, 9, 0, 0), source: 'exif', offsetMin: 60 });
    expect(m.camera).toMatchObject({ make: 'Apple', model: 'iPhone 12' });
    expect(m.gps!.lat).toBeCloseTo(38.72, 4);
    expect(m.gps!.lon).toBeCloseTo(-9.14, 4);
  });

  it.each([
    { file: 'yellow-multi.heic', ms: Date.UTC(2020, 4, 1, 12), offsetMin: 0 },
    { file: 'green-leaf.avif', ms: Date.UTC(2021, 2, 5, 9), offsetMin: 540 },
  ])('reads the date of $file', async ({ file, ms, offsetMin }) => {
    expect((await readPhotoMetadata(fixture(file), NOW_MS)).takenAt).toEqual({ ms, source: 'exif', offsetMin });
  });
});
