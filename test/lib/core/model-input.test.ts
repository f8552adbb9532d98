import { describe, expect, it } from 'vitest';
import { CLIPImageProcessor, RawImage } from '@huggingface/transformers';
import { modelInputSpec, toModelInput } from '../../../src/lib/core/model-input';
import { rng } from '../../helpers/random';

/** The preprocessor_config.json of Xenova/clip-vit-base-patch32 (and of the fixture model). */
const CLIP_CONFIG = {
  crop_size: { height: 224, width: 224 },
  do_center_crop: true,
  do_convert_rgb: true,
  do_normalize: true,
  do_rescale: true,
  do_resize: true,
  feature_extractor_type: 'CLIPFeatureExtractor',
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_processor_type: 'CLIPFeatureExtractor',
  image_std: [0.26862954, 0.26130258, 0.27577711],
  resample: 3,
  rescale_factor: 0.00392156862745098,
  size: { shortest_edge: 224 },
};

function randomRgba(seed: number, size = 224): Uint8ClampedArray {
  const r = rng(seed);
  return Uint8ClampedArray.from({ length: size * size * 4 }, () => Math.floor(r() * 256));
}

describe('toModelInput', () => {
  const spec = modelInputSpec(CLIP_CONFIG, 224)!;

  it('reads the CLIP processor settings', () => {
    expect(spec).toEqual({ size: 224, rescale: 0.00392156862745098, mean: CLIP_CONFIG.image_mean, std: CLIP_CONFIG.image_std });
  });

  it('gives bit-identical model input to transformers.js’s CLIP image processor (alpha dropped, CHW)', async () => {
    const processor = new CLIPImageProcessor(CLIP_CONFIG);
    for (const seed of [1, 2, 3]) {
      const rgba = randomRgba(seed);
      const { pixel_values } = await processor(new RawImage(rgba, 224, 224, 4));
      expect(pixel_values.dims).toEqual([1, 3, 224, 224]);
      const ours = toModelInput(rgba, 224, spec);
      const theirs = pixel_values.data as Float32Array;
      expect(ours.length).toBe(theirs.length);
      let differing = 0;
      for (let i = 0; i < ours.length; i++) if (ours[i] !== theirs[i]) differing++;
      expect(differing).toBe(0);
    }
  });

  it('maps every byte value of every channel as the processor does', async () => {
    const processor = new CLIPImageProcessor(CLIP_CONFIG);
    // Pixel i holds i mod 256 in red, (i + 85) mod 256 in green, (i + 170) mod 256 in blue.
    const rgba = new Uint8ClampedArray(224 * 224 * 4);
    for (let i = 0; i < 224 * 224; i++) rgba.set([i % 256, (i + 85) % 256, (i + 170) % 256, 255], i * 4);
    const { pixel_values } = await processor(new RawImage(rgba, 224, 224, 4));
    expect(Array.from(toModelInput(rgba, 224, spec))).toEqual(Array.from(pixel_values.data as Float32Array));
  });

  it('known values: white and black pixels, per channel', () => {
    const rgba = new Uint8ClampedArray(2 * 2 * 4);
    rgba.set([255, 255, 255, 0], 0); // alpha is ignored
    const out = toModelInput(rgba, 2, spec);
    // Channel planes of 4 values each; pixel 0 white, others black.
    expect(out[0]).toBeCloseTo((1 - 0.48145466) / 0.26862954, 5);
    expect(out[1]).toBeCloseTo(-0.48145466 / 0.26862954, 5);
    expect(out[4]).toBeCloseTo((1 - 0.4578275) / 0.26130258, 5);
    expect(out[8 + 3]).toBeCloseTo(-0.40821073 / 0.27577711, 5);
  });

  it('refuses pixels of the wrong size', () => {
    expect(() => toModelInput(new Uint8ClampedArray(10), 224, spec)).toThrow(RangeError);
  });

  it('returns null for processor settings it does not reproduce', () => {
    expect(modelInputSpec({ ...CLIP_CONFIG, size: { shortest_edge: 256 } }, 224)).toBeNull();
    expect(modelInputSpec({ ...CLIP_CONFIG, crop_size: { height: 200, width: 200 } }, 224)).toBeNull();
    expect(modelInputSpec({ ...CLIP_CONFIG, do_pad: true }, 224)).toBeNull();
    expect(modelInputSpec({ ...CLIP_CONFIG, image_mean: 0.5 }, 224)).toBeNull();
    expect(modelInputSpec({ ...CLIP_CONFIG, do_rescale: false }, 224)?.rescale).toBe(1);
  });
});
