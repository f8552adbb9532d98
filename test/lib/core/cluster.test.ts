import { describe, expect, it } from 'vitest';
import {
  backgroundSimilarity,
  clusterVectors,
  matchByOverlap,
  nearestCluster,
  sumVectors,
  thresholdFor,
} from '../../../src/lib/core/cluster';
import { adjustedRandIndex } from '../../../src/lib/core/cluster-metrics';
import { l2Normalize } from '../../../src/lib/core/vector';
import { randomUnit, rng } from '../../helpers/random';

const DIM = 64;

function mix(parts: Array<[number, Float32Array]>): Float32Array {
  const v = new Float32Array(DIM);
  for (const [w, u] of parts) for (let i = 0; i < DIM; i++) v[i]! += w * u[i]!;
  return l2Normalize(v);
}

/** `groups` × `perGroup` unit vectors around centres; `cone` squeezes the centres into a narrow cone. */
function groupedSet(groups: number, perGroup: number, cone: boolean, seed: number, noise = 0.6) {
  const r = rng(seed);
  const axis = randomUnit(r, DIM);
  const centres = Array.from({ length: groups }, () => (cone ? mix([[0.85, axis], [0.53, randomUnit(r, DIM)]]) : randomUnit(r, DIM)));
  const vectors: Float32Array[] = [];
  const truth: number[] = [];
  for (let i = 0; i < groups * perGroup; i++) {
    const g = i % groups;
    vectors.push(mix([[1, centres[g]!], [noise, randomUnit(r, DIM)]]));
    truth.push(g);
  }
  return { vectors, truth, centres };
}

describe('clusterVectors', () => {
  it('recovers well-separated groups', () => {
    const { vectors, truth } = groupedSet(6, 40, false, 1);
    const r = clusterVectors(vectors);
    expect(adjustedRandIndex(truth, r.labels)).toBeGreaterThanOrEqual(0.95);
    expect(r.clusterCount).toBe(6);
  });

  it('recovers groups that sit in a narrow cone (unrelated items at cosine ≈ 0.7)', () => {
    const { vectors, truth, centres } = groupedSet(6, 40, true, 2);
    expect(Array.from(centres[0]!).reduce((s, x, i) => s + x * centres[1]![i]!, 0)).toBeGreaterThan(0.6);
    const r = clusterVectors(vectors);
    expect(adjustedRandIndex(truth, r.labels)).toBeGreaterThanOrEqual(0.95);
    expect(r.background).toBeGreaterThan(0.5);
  });

  it('recovers the groups when most items are assigned after clustering a sample', () => {
    const { vectors, truth } = groupedSet(8, 60, true, 3);
    const r = clusterVectors(vectors, { sampleSize: 60 });
    expect(adjustedRandIndex(truth, r.labels)).toBeGreaterThanOrEqual(0.95);
  });

  it('the leader alternative recovers them too', () => {
    const { vectors, truth } = groupedSet(6, 40, true, 4);
    expect(adjustedRandIndex(truth, clusterVectors(vectors, { method: 'leader' }).labels)).toBeGreaterThanOrEqual(0.95);
  });

  it('numbers clusters largest first and keeps outliers apart', () => {
    const { vectors } = groupedSet(2, 30, false, 5, 0.4);
    const big = vectors.filter((_, i) => i % 2 === 0);
    const small = vectors.filter((_, i) => i % 2 === 1).slice(0, 10);
    const outlier = randomUnit(rng(99), DIM);
    const r = clusterVectors([...small, outlier, ...big]);
    expect(r.clusterCount).toBe(3);
    expect(r.labels[11]).toBe(0); // first of the 30
    expect(r.labels[0]).toBe(1); // first of the 10
    expect(r.labels[10]).toBe(2); // the outlier alone
  });

  it('is deterministic for a seed and handles an empty library', () => {
    const { vectors } = groupedSet(4, 20, true, 6);
    expect(Array.from(clusterVectors(vectors, { sampleSize: 30 }).labels)).toEqual(Array.from(clusterVectors(vectors, { sampleSize: 30 }).labels));
    expect(clusterVectors([]).clusterCount).toBe(0);
  });
});

describe('threshold', () => {
  it('measures the background similarity, shrunk towards the prior for small libraries', () => {
    // Two orthogonal vectors: measured mean cosine 0, prior 0.5 with weight 20 → 10/22.
    expect(backgroundSimilarity([l2Normalize(Float32Array.of(1, 0)), l2Normalize(Float32Array.of(0, 1))])).toBeCloseTo(10 / 22, 12);
    // A large library in a cone: the measured value dominates.
    const { vectors } = groupedSet(50, 20, true, 7);
    let pairSum = 0;
    let pairs = 0;
    for (let i = 0; i < vectors.length; i += 7) for (let j = i + 1; j < vectors.length; j += 5) {
      pairSum += vectors[i]!.reduce((s, x, d) => s + x * vectors[j]![d]!, 0);
      pairs++;
    }
    expect(backgroundSimilarity(vectors)).toBeCloseTo(pairSum / pairs, 1);
  });

  it('rescales τ above the background', () => {
    expect(thresholdFor(0.5, 0.2)).toBeCloseTo(0.6, 12);
    expect(thresholdFor(0, 0.3)).toBeCloseTo(0.3, 12);
  });
});

describe('nearestCluster', () => {
  const a = l2Normalize(Float32Array.of(1, 0, 0));
  const b = l2Normalize(Float32Array.of(0, 1, 0));
  const clusters = [
    { id: 'A', sum: sumVectors([a, a], 3), size: 2 },
    { id: 'B', sum: sumVectors([b], 3), size: 1 },
  ];
  it('joins the cluster with the highest mean cosine when it reaches the threshold', () => {
    expect(nearestCluster(l2Normalize(Float32Array.of(0.9, 0.3, 0)), clusters, 0.5)).toEqual({ id: 'A', similarity: expect.closeTo(0.9 / Math.hypot(0.9, 0.3), 6) });
    expect(nearestCluster(l2Normalize(Float32Array.of(0, 0, 1)), clusters, 0.5)).toBeNull();
  });
});

describe('matchByOverlap', () => {
  it('gives each new cluster the old id it overlaps most, one to one', () => {
    const old = [
      { id: 'old-dogs', memberIds: ['d1', 'd2', 'd3', 'd4'] },
      { id: 'old-cats', memberIds: ['c1', 'c2'] },
    ];
    // The dogs split in two: the bigger part keeps the id, the other part is new.
    const fresh = [['d1', 'd2', 'd3'], ['c1', 'c2', 'c3'], ['d4', 'x']];
    expect(matchByOverlap(fresh, old)).toEqual(['old-dogs', 'old-cats', null]);
  });
});
