import { describe, expect, it } from 'vitest';
import { bestMoments, formatTimestamp } from '../../../src/lib/core/moments';

const v = (...xs: number[]) => new Float32Array(xs);

describe('bestMoments', () => {
  const frames = [
    { timestampSec: 0.5, vector: v(1, 0, 0) },
    { timestampSec: 2.5, vector: v(0, 1, 0) },
    { timestampSec: 4.5, vector: v(0, 0.6, 0.8) },
    { timestampSec: 6.5, vector: v(0, 1, 0) },
  ];

  it('ranks frames by cosine with the query, best first', () => {
    expect(bestMoments(v(0, 0, 1), frames, 2)).toEqual([
      { timestampSec: 4.5, score: expect.closeTo(0.8, 6) },
      { timestampSec: 0.5, score: 0 },
    ]);
  });

  it('breaks ties by the earlier moment', () => {
    expect(bestMoments(v(0, 1, 0), frames, 3).map((m) => m.timestampSec)).toEqual([2.5, 6.5, 4.5]);
  });

  it('keeps moments at least minGapSec apart, skipping a near neighbour of a better one', () => {
    const close = [
      { timestampSec: 6.1, vector: v(1, 0, 0) },
      { timestampSec: 6.6, vector: v(0.99, 0.141, 0) },
      { timestampSec: 16.2, vector: v(0.8, 0.6, 0) },
    ];
    expect(bestMoments(v(1, 0, 0), close, 3).map((m) => m.timestampSec)).toEqual([6.1, 16.2]);
    expect(bestMoments(v(1, 0, 0), close, 3, 0.4).map((m) => m.timestampSec)).toEqual([6.1, 6.6, 16.2]);
  });

  it('returns nothing for k = 0 or no frames', () => {
    expect(bestMoments(v(1, 0, 0), frames, 0)).toEqual([]);
    expect(bestMoments(v(1, 0, 0), [], 3)).toEqual([]);
  });
});

describe('formatTimestamp', () => {
  it.each([
    [0, '0:00'],
    [7.9, '0:07'],
    [42, '0:42'],
    [282, '4:42'],
    [3723, '1:02:03'],
    [7200, '2:00:00'],
    [-3, '0:00'],
    [Number.NaN, '0:00'],
  ])('%s s → %s', (sec, want) => {
    expect(formatTimestamp(sec)).toBe(want);
  });
});
