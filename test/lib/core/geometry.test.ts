import { describe, expect, it } from 'vitest';
import { centerSquare, fitWithin, shrinkNoSmallerThan } from '../../../src/lib/core/geometry';

describe('centerSquare', () => {
  it.each([
    { w: 320, h: 240, want: { x: 40, y: 0, width: 240, height: 240 } },
    { w: 240, h: 320, want: { x: 0, y: 40, width: 240, height: 240 } },
    { w: 100, h: 100, want: { x: 0, y: 0, width: 100, height: 100 } },
    { w: 4032, h: 3024, want: { x: 504, y: 0, width: 3024, height: 3024 } },
    // Odd leftovers round the offset down, so the crop never runs past the edge.
    { w: 101, h: 100, want: { x: 0, y: 0, width: 100, height: 100 } },
    { w: 103, h: 100, want: { x: 1, y: 0, width: 100, height: 100 } },
    { w: 1, h: 1000, want: { x: 0, y: 499, width: 1, height: 1 } },
  ])('$w×$h → $want', ({ w, h, want }) => {
    expect(centerSquare(w, h)).toEqual(want);
  });

  it.each([
    [1, 1],
    [7, 3],
    [3, 7],
    [1920, 1080],
    [1080, 1920],
    [999, 1000],
  ])('%i×%i: integer square inside the image, centred to within a pixel', (w, h) => {
    const r = centerSquare(w, h);
    for (const v of Object.values(r)) expect(Number.isInteger(v)).toBe(true);
    expect(r.width).toBe(Math.min(w, h));
    expect(r.height).toBe(r.width);
    expect(r.x + r.width).toBeLessThanOrEqual(w);
    expect(r.y + r.height).toBeLessThanOrEqual(h);
    const slackX = w - r.width - 2 * r.x;
    const slackY = h - r.height - 2 * r.y;
    expect([0, 1]).toContain(slackX);
    expect([0, 1]).toContain(slackY);
  });
});

describe('fitWithin', () => {
  it.each([
    { w: 4000, h: 3000, max: 256, want: { width: 256, height: 192 } },
    { w: 3000, h: 4000, max: 256, want: { width: 192, height: 256 } },
    { w: 4032, h: 3024, max: 512, want: { width: 512, height: 384 } },
    { w: 333, h: 100, max: 100, want: { width: 100, height: 30 } },
    { w: 1001, h: 667, max: 500, want: { width: 500, height: 333 } },
    // Exactly at the limit, or smaller: unchanged (never upscales).
    { w: 256, h: 256, max: 256, want: { width: 256, height: 256 } },
    { w: 100, h: 50, max: 256, want: { width: 100, height: 50 } },
    { w: 1, h: 1, max: 256, want: { width: 1, height: 1 } },
    // A sliver keeps at least one pixel on the short edge.
    { w: 10_000, h: 1, max: 100, want: { width: 100, height: 1 } },
    { w: 1, h: 10_000, max: 100, want: { width: 1, height: 100 } },
  ])('$w×$h within $max → $want', ({ w, h, max, want }) => {
    expect(fitWithin(w, h, max)).toEqual(want);
  });

  it.each([
    [4000, 3000],
    [3001, 2999],
    [12345, 678],
    [640, 480],
    [257, 256],
  ])('%i×%i: long edge is exactly the limit when shrinking, aspect within rounding', (w, h) => {
    const max = 256;
    const r = fitWithin(w, h, max);
    expect(Math.max(r.width, r.height)).toBe(max);
    expect(Math.abs(r.width / r.height - w / h)).toBeLessThan(w / h / Math.min(r.width, r.height));
  });
});

describe('shrinkNoSmallerThan', () => {
  it.each([
    // 1080p for a 224 px model square and a 320 px poster: the short edge decides (1080 → 224).
    { w: 1920, h: 1080, short: 224, long: 320, want: { width: 398, height: 224 } },
    { w: 1080, h: 1920, short: 224, long: 320, want: { width: 224, height: 398 } },
    // A wide strip: the long edge decides (the poster needs 320 px; the short edge could go to 45).
    { w: 3200, h: 450, short: 40, long: 320, want: { width: 320, height: 45 } },
    // Already small: unchanged (never upscales).
    { w: 320, h: 180, short: 224, long: 320, want: { width: 320, height: 180 } },
    { w: 100, h: 50, short: 224, long: 320, want: { width: 100, height: 50 } },
  ])('$w×$h, short ≥ $short, long ≥ $long → $want', ({ w, h, short, long, want }) => {
    expect(shrinkNoSmallerThan(w, h, short, long)).toEqual(want);
  });
});
