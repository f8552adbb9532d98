/** Integer rectangle in pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The source square that CLIP's preprocessing ends up seeing: resize the shortest edge to the
 * model size, then centre-crop. Cropping first and scaling once gives the same pixels with one
 * resample instead of two, and keeps the big intermediate image out of memory.
 */
export function centerSquare(width: number, height: number): Rect {
  const side = Math.min(width, height);
  return { x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), width: side, height: side };
}

/** Size that fits inside `maxEdgePx` on the long edge, keeping aspect ratio; never upscales. */
export function fitWithin(width: number, height: number, maxEdgePx: number): { width: number; height: number } {
  const scale = Math.min(1, maxEdgePx / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * The smallest downscale of width×height whose short edge is still at least `minShortEdgePx` and
 * whose long edge is still at least `minLongEdgePx`, keeping aspect ratio; never upscales. A video
 * frame scaled to it once can feed both a centre square of minShortEdgePx and a thumbnail of
 * minLongEdgePx without a second resample.
 */
export function shrinkNoSmallerThan(width: number, height: number, minShortEdgePx: number, minLongEdgePx: number): { width: number; height: number } {
  const scale = Math.min(1, Math.max(minShortEdgePx / Math.min(width, height), minLongEdgePx / Math.max(width, height)));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
