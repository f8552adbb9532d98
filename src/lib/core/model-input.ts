/**
 * The CLIP image processor's arithmetic, done where the pixels are decoded. For a picture
 * already cut to the model's square input, transformers.js's processor only drops alpha,
 * rescales, normalizes per channel and reorders HWC → CHW; doing that here, in one pass, takes
 * it off the model worker, whose thread otherwise sits between two forward passes doing it.
 */
export interface ModelInputSpec {
  /** Square input side, px. */
  size: number;
  rescale: number;
  mean: [number, number, number];
  std: [number, number, number];
}

/**
 * RGBA pixels (size × size) → float32 CHW. Same operations in the same order, each result
 * stored as float32, as the processor (`x = rescale·p`, then `(x − mean) / std`), so the
 * vectors are bit-identical to the processor's. A channel byte has only 256 values, so the
 * arithmetic runs once per value into a table and each pixel is a lookup: same numbers, a
 * quarter of the time of computing them per pixel.
 */
export function toModelInput(rgba: Uint8ClampedArray, size: number, spec: ModelInputSpec): Float32Array {
  const plane = size * size;
  if (rgba.length !== plane * 4) throw new RangeError(`expected ${plane * 4} RGBA bytes, got ${rgba.length}`);
  const table = channelTable(spec);
  const out = new Float32Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    const offset = c * 256;
    for (let i = 0; i < plane; i++) out[base + i] = table[offset + rgba[i * 4 + c]];
  }
  return out;
}

const tables = new WeakMap<ModelInputSpec, Float32Array>();

/** table[c·256 + p] = the model input of byte value p in channel c, as float32. */
function channelTable(spec: ModelInputSpec): Float32Array {
  let table = tables.get(spec);
  if (table) return table;
  table = new Float32Array(3 * 256);
  const { rescale, mean, std } = spec;
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < 256; p++) table[c * 256 + p] = (Math.fround(rescale * p) - mean[c]) / std[c];
  }
  tables.set(spec, table);
  return table;
}

/** Processor settings this shortcut reproduces exactly, or null (then the processor runs as usual). */
export function modelInputSpec(config: Record<string, unknown>, size: number): ModelInputSpec | null {
  const arr3 = (v: unknown): [number, number, number] | null =>
    Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number') ? (v as [number, number, number]) : null;
  const mean = arr3(config.image_mean);
  const std = arr3(config.image_std);
  const crop = config.crop_size as { width?: number; height?: number } | number | undefined;
  const cropOk = !config.do_center_crop || crop === size || (typeof crop === 'object' && crop?.width === size && crop?.height === size);
  const sizeCfg = config.size as { shortest_edge?: number } | undefined;
  const resizeOk = !config.do_resize || sizeCfg?.shortest_edge === size;
  if (!mean || !std || !cropOk || !resizeOk || config.do_normalize === false) return null;
  if (config.do_pad || config.do_flip_channel_order || config.do_thumbnail || config.do_convert_grayscale) return null;
  const rescale = config.do_rescale === false ? 1 : typeof config.rescale_factor === 'number' ? config.rescale_factor : 1 / 255;
  return { size, rescale, mean, std };
}
