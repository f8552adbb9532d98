/// <reference lib="webworker" />
// Bench-only worker (bench/prep.mjs): the costs of the steps of preparing one photo for the
// library, each variant timed on the same blobs in a worker like the ingest worker, and the model
// crops of two downscale paths handed back so their vectors can be compared.
import { expose, transfer } from 'comlink';
import { centerSquare, fitWithin } from '../../src/lib/core/geometry';
import { PHASH_SIZE, grayscaleFromRgba, phashFromGray32 } from '../../src/lib/core/phash';
import { toModelInput, type ModelInputSpec } from '../../src/lib/core/model-input';
import { sha256Hex } from '../../src/lib/core/sha256';
import { context2d } from '../../src/lib/canvas/context2d';
import { canvasStills } from '../../src/lib/ingest/canvas-stills';

const THUMB = 320;
const MODEL = 224;
const CLIP_SPEC: ModelInputSpec = { size: MODEL, rescale: 1 / 255, mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711] };

let blobs: Blob[] = [];

async function load(urls: string[]) {
  blobs = await Promise.all(urls.map(async (u) => (await fetch(u)).blob()));
  return { n: blobs.length, bytes: blobs.reduce((a, b) => a + b.size, 0) };
}

type Timings = Record<string, number>;
const now = () => performance.now();

/** One pass over every blob: each step timed on its own, ms summed per step. */
async function stepCosts(): Promise<Timings & { n: number }> {
  const t: Timings = {};
  const add = (k: string, ms: number) => (t[k] = (t[k] ?? 0) + ms);
  const reusedCrop = context2d(MODEL, MODEL);
  for (const blob of blobs) {
    let s = now();
    const bytes = await blob.arrayBuffer();
    add('read.arrayBuffer', now() - s);
    s = now();
    await sha256Hex(bytes);
    add('hash.sha256', now() - s);

    s = now();
    const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
    add('decode.full', now() - s);
    const { width, height } = bitmap;
    const th = fitWithin(width, height, THUMB);

    s = now();
    const small = await createImageBitmap(blob, { imageOrientation: 'from-image', resizeWidth: th.width, resizeHeight: th.height, resizeQuality: 'high' });
    add('decode.resizedInOneStep(high)', now() - s);
    small.close();
    s = now();
    const smallMed = await createImageBitmap(blob, { imageOrientation: 'from-image', resizeWidth: th.width, resizeHeight: th.height, resizeQuality: 'medium' });
    add('decode.resizedInOneStep(medium)', now() - s);
    smallMed.close();

    s = now();
    const tctx = context2d(th.width, th.height);
    tctx.drawImage(bitmap, 0, 0, th.width, th.height);
    add('resize.thumbDraw(high)', now() - s);
    s = now();
    await tctx.canvas.convertToBlob({ type: 'image/jpeg', quality: 0.8 });
    add('resize.thumbJpeg', now() - s);

    s = now();
    const p = context2d(PHASH_SIZE, PHASH_SIZE);
    p.drawImage(tctx.canvas, 0, 0, PHASH_SIZE, PHASH_SIZE);
    const gray = grayscaleFromRgba(p.getImageData(0, 0, PHASH_SIZE, PHASH_SIZE).data, PHASH_SIZE, PHASH_SIZE);
    phashFromGray32(gray);
    add('hash.phash', now() - s);

    const crop = centerSquare(width, height);
    s = now();
    const c = context2d(MODEL, MODEL);
    c.drawImage(bitmap, crop.x, crop.y, crop.width, crop.height, 0, 0, MODEL, MODEL);
    const rgba = c.getImageData(0, 0, MODEL, MODEL).data;
    add('resize.crop(new canvas)', now() - s);
    s = now();
    reusedCrop.drawImage(bitmap, crop.x, crop.y, crop.width, crop.height, 0, 0, MODEL, MODEL);
    reusedCrop.getImageData(0, 0, MODEL, MODEL);
    add('resize.crop(reused canvas)', now() - s);
    s = now();
    const tcrop = centerSquare(th.width, th.height);
    reusedCrop.drawImage(tctx.canvas, tcrop.x, tcrop.y, tcrop.width, tcrop.height, 0, 0, MODEL, MODEL);
    reusedCrop.getImageData(0, 0, MODEL, MODEL);
    add('resize.crop(from thumbnail)', now() - s);

    s = now();
    toModelInput(rgba, MODEL, CLIP_SPEC);
    add('resize.toModelInput', now() - s);
    bitmap.close();
  }
  return { ...t, n: blobs.length };
}

/**
 * The app's own canvasStills path (decode, thumbnail, pHash input, crop), per blob, as prepare-item
 * calls it, with the read and SHA-256 before it; every blob, or `n` of them from `from` (wrapping).
 */
async function appPath(from = 0, n = blobs.length): Promise<Timings & { n: number }> {
  const t: Timings = {};
  const add = (k: string, ms: number) => (t[k] = (t[k] ?? 0) + ms);
  for (let i = 0; i < n; i++) {
    const blob = blobs[(from + i) % blobs.length];
    let s = now();
    await sha256Hex(await blob.arrayBuffer());
    add('readHash', now() - s);
    s = now();
    const still = await canvasStills.decodeImage(blob);
    add('decode', now() - s);
    s = now();
    await still.thumbnail(THUMB);
    add('thumbnail', now() - s);
    s = now();
    still.thumbnailRgba(PHASH_SIZE);
    add('phashInput', now() - s);
    s = now();
    const px = still.centerCrop(MODEL);
    add('crop', now() - s);
    s = now();
    toModelInput(px.data, MODEL, CLIP_SPEC);
    add('modelInput', now() - s);
    still.close();
  }
  return { ...t, n };
}

/** Model crops of the first n blobs by one path: 'original' (today: crop the decoded original), 'thumbnail' (crop the 320-px thumbnail), 'decodeResized' (decode straight to thumbnail size, crop that). */
async function crops(path: 'original' | 'thumbnail' | 'decodeResized' | 'app', from: number, n: number) {
  const out: { data: Uint8ClampedArray; width: number; height: number }[] = [];
  for (const blob of blobs.slice(from, from + n)) {
    if (path === 'app') {
      const still = await canvasStills.decodeImage(blob);
      await still.thumbnail(THUMB);
      out.push(still.centerCrop(MODEL));
      still.close();
      continue;
    }
    const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
    const th = fitWithin(bitmap.width, bitmap.height, THUMB);
    let src: CanvasImageSource = bitmap;
    let w = bitmap.width;
    let h = bitmap.height;
    if (path === 'thumbnail') {
      const tctx = context2d(th.width, th.height);
      tctx.drawImage(bitmap, 0, 0, th.width, th.height);
      src = tctx.canvas;
      w = th.width;
      h = th.height;
    } else if (path === 'decodeResized') {
      src = await createImageBitmap(blob, { imageOrientation: 'from-image', resizeWidth: th.width, resizeHeight: th.height, resizeQuality: 'high' });
      w = th.width;
      h = th.height;
    }
    const crop = centerSquare(w, h);
    const c = context2d(MODEL, MODEL);
    c.drawImage(src, crop.x, crop.y, crop.width, crop.height, 0, 0, MODEL, MODEL);
    out.push({ data: c.getImageData(0, 0, MODEL, MODEL).data, width: MODEL, height: MODEL });
    bitmap.close();
  }
  return transfer(out, out.map((x) => x.data.buffer as ArrayBuffer));
}

const api = { load, stepCosts, appPath, crops };
export type PrepBenchApi = typeof api;
expose(api);
