import { describe, expect, it } from 'vitest';
import { clampTransform, cssTransform, fitScale, fitTransform, isZoomed, maxScale, panBy, toggleScale, zoomAt } from '../../../src/lib/core/zoom';

const view = { width: 1000, height: 500 };
const photo = { width: 4000, height: 3000 };
const tiny = { width: 64, height: 64 };

describe('fitScale and fitTransform', () => {
  it('fits the limiting side: a 4000 × 3000 photo in 1000 × 500 is limited by height', () => {
    expect(fitScale(view, photo)).toBeCloseTo(500 / 3000, 9);
  });

  it('enlarges a picture smaller than the stage to fit it', () => {
    expect(fitScale(view, tiny)).toBeCloseTo(500 / 64, 9);
  });

  it('centres the fitted picture on the free axis', () => {
    const t = fitTransform(view, photo);
    // 4000 × 1/6 = 666.67 wide, so (1000 − 666.67) / 2 on each side.
    expect(t.x).toBeCloseTo((1000 - 4000 / 6) / 2, 6);
    expect(t.y).toBeCloseTo(0, 9);
  });

  it('answers 1 for an empty stage or picture instead of dividing by zero', () => {
    expect(fitScale({ width: 0, height: 0 }, photo)).toBe(1);
    expect(fitScale(view, { width: 0, height: 10 })).toBe(1);
  });
});

describe('toggleScale and maxScale', () => {
  it('double-click goes to 100 % for a large photo', () => {
    expect(toggleScale(view, photo)).toBe(1);
  });

  it('goes to twice the fitted scale when 100 % would barely enlarge (or shrink) it', () => {
    const almost = { width: 1100, height: 550 };
    expect(toggleScale(view, almost)).toBeCloseTo((1000 / 1100) * 2, 9);
    expect(toggleScale(view, tiny)).toBeCloseTo((500 / 64) * 2, 9);
  });

  it('allows 4× natural size, or 4× the fitted size of a small picture', () => {
    expect(maxScale(view, photo)).toBe(4);
    expect(maxScale(view, tiny)).toBeCloseTo((500 / 64) * 4, 9);
  });
});

describe('zoomAt', () => {
  it('keeps the picture point under the pointer still', () => {
    const fit = fitTransform(view, photo);
    const at = { x: 700, y: 100 };
    const before = { x: (at.x - fit.x) / fit.scale, y: (at.y - fit.y) / fit.scale };
    const t = zoomAt(fit, 1, at.x, at.y, view, photo);
    expect(t.scale).toBe(1);
    expect((at.x - t.x) / t.scale).toBeCloseTo(before.x, 6);
    expect((at.y - t.y) / t.scale).toBeCloseTo(before.y, 6);
  });

  it('never zooms out past the fitted scale nor in past the maximum', () => {
    const fit = fitTransform(view, photo);
    expect(zoomAt(fit, 0.01, 500, 250, view, photo)).toEqual(fit);
    expect(zoomAt(fit, 100, 500, 250, view, photo).scale).toBe(4);
  });

  it('near an edge the picture stops at its edge instead of showing the backdrop', () => {
    const fit = fitTransform(view, photo);
    const t = zoomAt(fit, 1, fit.x + 1, 1, view, photo);
    expect(t.x).toBeLessThanOrEqual(0);
    expect(t.x).toBeGreaterThanOrEqual(1000 - 4000);
    expect(t.y).toBeLessThanOrEqual(0);
  });
});

describe('panBy and clampTransform', () => {
  it('pans a zoomed picture and stops at its edges', () => {
    const t = { scale: 1, x: -100, y: -100 };
    expect(panBy(t, 50, 30, view, photo)).toEqual({ scale: 1, x: -50, y: -70 });
    expect(panBy(t, 500, 500, view, photo)).toEqual({ scale: 1, x: 0, y: 0 });
    expect(panBy(t, -10_000, -10_000, view, photo)).toEqual({ scale: 1, x: 1000 - 4000, y: 500 - 3000 });
  });

  it('keeps a side narrower than the stage centred whatever the pan', () => {
    const fit = fitTransform(view, photo);
    expect(panBy(fit, 300, 0, view, photo).x).toBeCloseTo(fit.x, 9);
  });

  it('brings a scale out of range back into it', () => {
    expect(clampTransform({ scale: 10, x: 0, y: 0 }, view, photo).scale).toBe(4);
  });

  it('knows when the picture is zoomed beyond fitted', () => {
    expect(isZoomed(fitTransform(view, photo), view, photo)).toBe(false);
    expect(isZoomed({ scale: 1, x: 0, y: 0 }, view, photo)).toBe(true);
  });

  it('writes the CSS transform', () => {
    expect(cssTransform({ scale: 2, x: -10, y: 5.5 })).toBe('translate(-10px, 5.5px) scale(2)');
  });
});
