import { describe, expect, it } from 'vitest';
import { combineQuery, parseQuery, relevanceThreshold } from '../../../src/lib/core/query';

describe('parseQuery', () => {
  it.each([
    ['beach', { positive: 'beach', negatives: [] }],
    ['beach -people', { positive: 'beach', negatives: ['people'] }],
    ['-people beach', { positive: 'beach', negatives: ['people'] }],
    ['dog -"black dog" -cat park', { positive: 'dog park', negatives: ['black dog', 'cat'] }],
    ['t-shirt', { positive: 't-shirt', negatives: [] }],
    ['IMG-2041.jpg', { positive: 'IMG-2041.jpg', negatives: [] }],
    ['red - blue', { positive: 'red - blue', negatives: [] }],
    ['', { positive: '', negatives: [] }],
  ])('%j', (text, want) => {
    expect(parseQuery(text)).toEqual(want);
  });
});

describe('combineQuery', () => {
  it('returns the positive vector unchanged without negatives', () => {
    const p = new Float32Array([0.6, 0.8]);
    expect(combineQuery(p, [])).toBe(p);
  });

  it('moves away from the negative: normalize([1,0] − 0.5·[0,1]) = [2,−1]/√5', () => {
    const q = combineQuery(new Float32Array([1, 0]), [new Float32Array([0, 1])]);
    expect(q[0]).toBeCloseTo(2 / Math.sqrt(5), 6);
    expect(q[1]).toBeCloseTo(-1 / Math.sqrt(5), 6);
  });

  it('averages several negatives so more terms do not push harder', () => {
    const q = combineQuery(new Float32Array([1, 0, 0]), [new Float32Array([0, 1, 0]), new Float32Array([0, 0, 1])]);
    // [1, −0.25, −0.25] normalized
    const n = Math.sqrt(1 + 2 * 0.0625);
    expect([...q].map((x) => +x.toFixed(6))).toEqual([1 / n, -0.25 / n, -0.25 / n].map((x) => +x.toFixed(6)));
  });
});

describe('relevanceThreshold', () => {
  it('is median + z · 1.4826 · MAD of the unrelated-sample scores', () => {
    // median 0.2, absolute deviations [0.05 ×4, 0.05 ×4] → MAD 0.05
    const scores = [0.15, 0.25, 0.15, 0.25, 0.15, 0.25, 0.15, 0.25];
    expect(relevanceThreshold(scores, 2)).toBeCloseTo(0.2 + 2 * 1.4826 * 0.05, 10);
  });

  it('is not dragged up by the true matches inside a small sample', () => {
    // 10 unrelated items around 0.2 and two matches at 0.9: the bar stays far below the matches.
    const scores = [0.19, 0.2, 0.21, 0.2, 0.18, 0.22, 0.2, 0.21, 0.19, 0.2, 0.9, 0.96];
    const bar = relevanceThreshold(scores);
    expect(bar).toBeGreaterThan(0.22);
    expect(bar).toBeLessThan(0.3);
  });

  it('falls back to the floor with too few samples', () => {
    expect(relevanceThreshold([0.9, 0.1], 2, 0.1)).toBe(0.1);
  });
});
