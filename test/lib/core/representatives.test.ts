import { describe, expect, it } from 'vitest';
import { pickRepresentatives } from '../../../src/lib/core/representatives';
import { l2Normalize } from '../../../src/lib/core/vector';

const v = (...xs: number[]) => l2Normalize(Float32Array.from(xs));

describe('pickRepresentatives', () => {
  it('puts the medoid first and then the most different members', () => {
    // Near-copies around (1,0,0) and two outliers on opposite sides: the mean stays on (1,0,0).
    const members = [
      { id: 'copy1', vector: v(1, 0.05, 0) },
      { id: 'centre', vector: v(1, 0, 0) },
      { id: 'copy2', vector: v(1, -0.05, 0) },
      { id: 'copy3', vector: v(1, 0, 0.05) },
      { id: 'copy4', vector: v(1, 0, -0.05) },
      { id: 'side', vector: v(0.6, 0, 0.8) },
      { id: 'up', vector: v(0.6, 0, -0.8) },
    ];
    const picks = pickRepresentatives(members, 3);
    expect(picks[0]).toBe('centre');
    expect(new Set(picks.slice(1))).toEqual(new Set(['side', 'up']));
  });

  it('returns every member of a small cluster, each once', () => {
    const members = [{ id: 'a', vector: v(1, 0) }, { id: 'b', vector: v(0, 1) }];
    expect(pickRepresentatives(members).sort()).toEqual(['a', 'b']);
    expect(pickRepresentatives([])).toEqual([]);
  });

  it('returns six distinct members of a large cluster', () => {
    const members = Array.from({ length: 40 }, (_, i) => ({ id: `m${i}`, vector: v(1, Math.sin(i), Math.cos(i * 1.7)) }));
    const picks = pickRepresentatives(members);
    expect(picks).toHaveLength(6);
    expect(new Set(picks).size).toBe(6);
  });
});
