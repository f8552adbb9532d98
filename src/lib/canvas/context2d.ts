/**
 * A 2D context on an OffscreenCanvas for the workers that read pixels back (thumbnails, pHash,
 * model input, video frames): `willReadFrequently` keeps the canvas on the CPU, where
 * getImageData is cheap, and high-quality smoothing makes downscales look like the original.
 */
export function context2d(width: number, height: number): OffscreenCanvasRenderingContext2D {
  const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('2D canvas is not available in this browser');
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  return ctx;
}
