import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, normalizedMutualInfo } from '../../../src/lib/core/cluster-metrics';

describe('adjustedRandIndex', () => {
  it('is 1 for identical partitions, whatever the label names', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 1])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0])).toBe(1);
    expect(adjustedRandIndex(['a', 'a', 'b'], [7, 7, 3])).toBe(1);
  });

  // scikit-learn's documented examples of adjusted_rand_score.
  it.each([
    [[0, 0, 1, 2], [0, 0, 1, 1], 4 / 7],
    [[0, 0, 1, 1], [0, 0, 1, 2], 4 / 7],
    [[0, 0, 0, 0], [0, 1, 2, 3], 0],
    [[0, 0, 1, 1], [0, 1, 0, 1], -0.5],
    [[0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2], 0.24242424242424243],
  ])('%j vs %j = %f', (a, b, expected) => {
    expect(adjustedRandIndex(a, b)).toBeCloseTo(expected, 12);
  });

  it('refuses labelings of different length', () => {
    expect(() => adjustedRandIndex([0, 1], [0])).toThrow(RangeError);
  });
});

describe('normalizedMutualInfo', () => {
  it('is 1 for identical partitions and 0 for independent ones', () => {
    expect(normalizedMutualInfo([0, 0, 1, 1], [1, 1, 0, 0])).toBeCloseTo(1, 12);
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(0, 12);
    expect(normalizedMutualInfo([0, 0, 0, 0], [0, 1, 2, 3])).toBeCloseTo(0, 12);
  });

  it('matches the closed form on a partial agreement', () => {
    // [0,0,0,1,1,1] vs [0,0,1,1,2,2]: H(U) = ln 2, H(V) = ln 3, I = (2/3)·ln 2
    // (two cells of 2 with ratio 6·2/(3·2) = 2, two cells of 1 with ratio 6·1/(3·2) = 1).
    const expected = ((2 / 3) * Math.log(2)) / ((Math.log(2) + Math.log(3)) / 2);
    expect(normalizedMutualInfo([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(0.5158037429793889, 12);
  });
});
