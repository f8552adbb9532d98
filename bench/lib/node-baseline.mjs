// Baseline outside the browser: the same images through the same ONNX model with onnxruntime-node
// (native MLAS kernels) and sharp (libvips) for decode + centre-square crop + 224 px resize.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const MEAN = [0.48145466, 0.4578275, 0.40821073];
const STD = [0.26862954, 0.26130258, 0.27577711];
const PX = 224;

/**
 * @param {{root: string, modelPath: string, files: string[], batch?: number, threads?: number}} o
 */
export async function nodeBaseline({ root, modelPath, files, batch = 8, threads = 2 }) {
  const require = createRequire(join(root, 'package.json'));
  const ort = require('onnxruntime-node');
  const sharp = require('sharp');
  // Read from disk: sharp does not export ./package.json.
  const version = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  const ortVersion = version('onnxruntime-node');
  const sharpVersion = version('sharp');

  const t0 = performance.now();
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const loadMs = performance.now() - t0;

  // Decode + crop + resize + normalise, one image at a time (as the app does).
  const p0 = performance.now();
  const images = [];
  for (const f of files) {
    const { data, info } = await sharp(f)
      .rotate() // EXIF orientation, like createImageBitmap(..., {imageOrientation: 'from-image'})
      .resize(PX, PX, { fit: 'cover', position: 'centre', kernel: 'cubic' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`${f}: ${info.channels} channels after conversion`);
    const chw = new Float32Array(3 * PX * PX);
    for (let i = 0; i < PX * PX; i++) {
      for (let c = 0; c < 3; c++) chw[c * PX * PX + i] = (data[i * 3 + c] / 255 - MEAN[c]) / STD[c];
    }
    images.push(chw);
  }
  const prepMs = performance.now() - p0;

  const batches = [];
  for (let i = 0; i < images.length; i += batch) {
    const part = images.slice(i, i + batch);
    const data = new Float32Array(part.length * 3 * PX * PX);
    part.forEach((img, j) => data.set(img, j * 3 * PX * PX));
    batches.push(new ort.Tensor('float32', data, [part.length, 3, PX, PX]));
  }
  // Warm-up (not timed): the first runs allocate and pick kernels.
  const w0 = performance.now();
  for (let i = 0; i < 2; i++) await session.run({ pixel_values: batches[0] });
  const warmupMs = performance.now() - w0;

  const i0 = performance.now();
  for (const b of batches) {
    const out = await session.run({ pixel_values: b });
    if (!out.image_embeds) throw new Error('no image_embeds');
  }
  const inferMs = performance.now() - i0;
  await session.release?.();

  const n = images.length;
  return {
    runtime: `onnxruntime-node ${ortVersion} (CPU EP), sharp ${sharpVersion}`,
    images: n,
    batch,
    threads,
    loadMs: Math.round(loadMs),
    warmupMs: Math.round(warmupMs),
    prepMs: Math.round(prepMs),
    inferMs: Math.round(inferMs),
    prepImagesPerSecond: (n * 1000) / prepMs,
    inferImagesPerSecond: (n * 1000) / inferMs,
    endToEndImagesPerSecond: (n * 1000) / (prepMs + inferMs),
  };
}
