// Distinct test photos for the import tests: each a seeded random 4 × 4 colour grid scaled up,
// so every file has different bytes (no two are exact copies) and the set is the same on every run.
import sharp from 'sharp';

/**
 * `grain` adds per-pixel noise so each file weighs hundreds of kilobytes instead of one or two;
 * `prefix` names the files `${prefix}-001.jpg`…; different seeds give disjoint sets.
 */
export async function distinctPhotos(n, { width = 96, height = 72, grain = 0, seed = 777, prefix = 'shot' } = {}) {
  let state = seed;
  const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24);
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const grid = Buffer.from(Array.from({ length: 4 * 4 * 3 }, next));
      const pixels = await sharp(grid, { raw: { width: 4, height: 4, channels: 3 } }).resize(width, height, { kernel: 'nearest' }).raw().toBuffer();
      if (grain > 0) for (let j = 0; j < pixels.length; j++) pixels[j] = Math.max(0, Math.min(255, pixels[j] + ((next() * grain) >> 8) - (grain >> 1)));
      const buffer = await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
      return { name: `${prefix}-${String(i + 1).padStart(3, '0')}.jpg`, mimeType: 'image/jpeg', buffer };
    }),
  );
}
