import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  cutoffBehaviour,
  momentFound,
  sampleIndices,
  suggestRelevanceZ,
  suggestSimilarMinCosine,
  templateEnsemble,
  textToImage,
  videoQuality,
  zeroShot,
} from '../../../src/lib/core/quality';
import { CLIP_IMAGENET_TEMPLATES, CLIP_IMAGENET_TEMPLATES_7, fillTemplate } from '../../../src/lib/core/prompt-templates';
import { mulberry32 } from '../../../src/lib/core/random.js';

const v = (...xs: number[]) => Float32Array.from(xs);

describe('zeroShot', () => {
  // Labels A, B, C along the axes; each image's scores are its coordinates.
  const labels = ['A', 'B', 'C'];
  const labelVectors = [v(1, 0, 0), v(0, 1, 0), v(0, 0, 1)];
  const images = [
    v(0.9, 0.1, 0), // A: A best → right
    v(0.2, 0.7, 0.1), // A: B best → wrong (A→B)
    v(0, 0.5, 0.5), // B: B and C tie, the earlier label wins → right
    v(0.5, 0.5, 0), // C: A and B tie at the top, A picked → wrong (C→A), C ranks 3rd
  ];
  const truth = [0, 0, 1, 2];

  it('counts top-1, per-label accuracy and the confused pairs', () => {
    const r = zeroShot(images, labelVectors, labels, truth);
    expect(r.top1).toBe(0.5);
    expect(r.top5).toBe(1); // 3 labels: every true label is among the first 5
    expect(r.predicted).toEqual([0, 1, 1, 0]);
    expect(r.perLabel).toEqual([
      { label: 'A', images: 2, correct: 1, accuracy: 0.5 },
      { label: 'B', images: 1, correct: 1, accuracy: 1 },
      { label: 'C', images: 1, correct: 0, accuracy: 0 },
    ]);
    expect(r.confusions).toEqual([
      { label: 'A', predicted: 'B', count: 1 },
      { label: 'C', predicted: 'A', count: 1 },
    ]);
  });

  it('top-5 misses a true label ranked 6th and keeps one ranked 5th', () => {
    const six = Array.from({ length: 6 }, (_, i) => Float32Array.from({ length: 6 }, (_, j) => (i === j ? 1 : 0)));
    const scores = v(0.6, 0.5, 0.4, 0.3, 0.2, 0.1);
    const r = zeroShot([scores, scores, scores], six, ['a', 'b', 'c', 'd', 'e', 'f'], [5, 4, 0]);
    expect(r.top1).toBeCloseTo(1 / 3, 12);
    expect(r.top5).toBeCloseTo(2 / 3, 12);
    expect(r.confusions).toEqual([
      { label: 'e', predicted: 'a', count: 1 },
      { label: 'f', predicted: 'a', count: 1 },
    ]);
  });

  it('orders confusions by count', () => {
    const r = zeroShot([v(0, 1), v(0, 1), v(1, 0)], [v(1, 0), v(0, 1)], ['x', 'y'], [0, 0, 1]);
    expect(r.confusions).toEqual([
      { label: 'x', predicted: 'y', count: 2 },
      { label: 'y', predicted: 'x', count: 1 },
    ]);
  });
});

describe('averagePrecision', () => {
  it.each([
    [[1, 2, 3], 1],
    [[2], 0.5],
    [[3, 1], (1 + 2 / 3) / 2],
    [[2, 3], (1 / 2 + 2 / 3) / 2],
    [[], 0],
  ])('relevant at ranks %j → %f', (ranks, ap) => {
    expect(averagePrecision(ranks)).toBeCloseTo(ap, 12);
  });
});

describe('textToImage', () => {
  // Query A scores the x coordinate, query B the y one; query C has no images.
  const images = [v(0.9, 0.1), v(0.8, 0.15), v(0.7, 0.2), v(0.1, 0.2)];
  const truth = [0, 1, 0, 1];
  it('recall@k and mAP from the table', () => {
    // A ranks 0,1,2,3 → relevant at 1 and 3: AP = (1 + 2/3)/2.
    // B ranks 2 (0.2, earlier), 3 (0.2), 1 (0.15), 0 → relevant at 2 and 3: AP = (1/2 + 2/3)/2, nothing at rank 1.
    const r = textToImage(images, [v(1, 0), v(0, 1), v(0.5, 0.5)], truth);
    expect(r.recallAt1).toBe(0.5);
    expect(r.recallAt5).toBe(1);
    expect(r.recallAt10).toBe(1);
    expect(r.averagePrecision[0]).toBeCloseTo(5 / 6, 12);
    expect(r.averagePrecision[1]).toBeCloseTo(7 / 12, 12);
    expect(r.averagePrecision[2]).toBe(0);
    expect(r.meanAveragePrecision).toBeCloseTo((5 / 6 + 7 / 12) / 2, 12);
  });

  it('recall@5 misses a first relevant image at rank 6, recall@10 finds it', () => {
    const many = Array.from({ length: 8 }, (_, i) => v(1 - i * 0.1, 0));
    const r = textToImage(many, [v(1, 0), v(0, 1)], [1, 1, 1, 1, 1, 0, 0, 0]);
    // Query A: its images are 5, 6, 7 → ranks 6, 7, 8. Query B: every score is 0, ties by order → ranks 1–5.
    expect(r.recallAt1).toBe(0.5);
    expect(r.recallAt5).toBe(0.5);
    expect(r.recallAt10).toBe(1);
    expect(r.averagePrecision[0]).toBeCloseTo((1 / 6 + 2 / 7 + 3 / 8) / 3, 12);
    expect(r.averagePrecision[1]).toBe(1);
  });
});

describe('templateEnsemble', () => {
  it('is the re-normalised mean of the unit vectors', () => {
    // (3,4) → (0.6,0.8); (0,2) → (0,1); mean (0.3,0.9), norm √0.9.
    const e = templateEnsemble([v(3, 4), v(0, 2)]);
    expect(e[0]).toBeCloseTo(0.3 / Math.sqrt(0.9), 6);
    expect(e[1]).toBeCloseTo(0.9 / Math.sqrt(0.9), 6);
  });
  it('does not depend on the length of a template vector', () => {
    expect([...templateEnsemble([v(30, 40), v(0, 0.5)])]).toEqual([...templateEnsemble([v(3, 4), v(0, 2)])]);
  });
  it('of one template is that template, normalised', () => {
    expect([...templateEnsemble([v(0, 5)])]).toEqual([0, 1]);
  });
  it('refuses nothing to average', () => {
    expect(() => templateEnsemble([])).toThrow(RangeError);
  });
  it('uses OpenAI CLIP\'s 80 ImageNet templates and their 7-template subset', () => {
    expect(CLIP_IMAGENET_TEMPLATES).toHaveLength(80);
    expect(new Set(CLIP_IMAGENET_TEMPLATES).size).toBe(80);
    expect(CLIP_IMAGENET_TEMPLATES_7.every((t) => CLIP_IMAGENET_TEMPLATES.includes(t))).toBe(true);
    expect(fillTemplate('a {} in a video game.', 'tench')).toBe('a tench in a video game.');
  });
});

describe('relevance cut-off on labelled queries', () => {
  // One query (label 0) whose score for each image is the image's only coordinate.
  const scores = [0.9, 0.8, 0.2, 0.21, 0.19, 0.2, 0.22, 0.18, 0.2, 0.5, 0.26];
  const images = scores.map((s) => v(s));
  const truth = [0, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0];
  const all = scores.map((_, i) => i);
  // median 0.21, MAD 0.02 → cut-off 0.21 + z·1.4826·0.02: z 3 → 0.2990, z 1.6 → 0.2574.
  it('folds true matches below the cut-off and leaves wrong ones above it', () => {
    expect(cutoffBehaviour(images, [v(1)], truth, all, 3)).toEqual({
      zScore: 3,
      trueMatches: 4,
      trueFolded: 2, // 0.2 and 0.26
      trueFoldedShare: 0.5,
      wrongMatches: 7,
      wrongAbove: 1, // 0.8
      wrongAboveShare: 1 / 7,
    });
  });
  it('suggests the z that keeps 0.26 above and nothing more wrong: the largest such z nearest 3', () => {
    const { zScore, behaviour } = suggestRelevanceZ(images, [v(1)], truth, all);
    expect(zScore).toBe(1.6); // 0.26 stands 1.69 robust deviations above the median
    expect(behaviour.trueFolded).toBe(1);
    expect(behaviour.wrongAbove).toBe(1);
  });
  it('fewer than 8 sample scores fold nothing (search shows every result)', () => {
    expect(cutoffBehaviour(images, [v(1)], truth, [0, 1, 2], 3).trueFolded).toBe(0);
  });
});

describe('suggestSimilarMinCosine', () => {
  it('is the 99th percentile of different-label cosines, rounded up to 0.01', () => {
    // Different-label pairs: 0.6, 0, 0.96, 0.6 → nearest rank ⌈0.99·4⌉ = 4th → 0.96.
    expect(suggestSimilarMinCosine([v(1, 0), v(0.8, 0.6), v(0.6, 0.8), v(0, 1)], [0, 0, 1, 1])).toBe(0.96);
  });
  it('is kept within 0.5 … 0.99', () => {
    expect(suggestSimilarMinCosine([v(1, 0), v(0, 1)], [0, 1])).toBe(0.5);
    expect(suggestSimilarMinCosine([v(1, 0), v(1, 0)], [0, 1])).toBe(0.99);
  });
  it('is null without two labels', () => {
    expect(suggestSimilarMinCosine([v(1, 0), v(0, 1)], [0, 0])).toBeNull();
  });
});

describe('sampleIndices', () => {
  it('takes distinct indices, all of them when the set is small', () => {
    expect(sampleIndices(5, 256, mulberry32(1))).toEqual([0, 1, 2, 3, 4]);
    const s = sampleIndices(1000, 256, mulberry32(1));
    expect(new Set(s).size).toBe(256);
    expect(s).toEqual(sampleIndices(1000, 256, mulberry32(1)));
  });
});

describe('videos', () => {
  const frames = [0, 2, 4, 6].map((t) => ({ timestampSec: t, vector: t === 4 ? v(1, 0) : v(0, 1) }));
  it('finds a moment within ±1 s', () => {
    expect(momentFound(v(1, 0), frames, 5)).toBe(true);
    expect(momentFound(v(1, 0), frames, 3)).toBe(true);
    expect(momentFound(v(1, 0), frames, 2.5)).toBe(false);
    expect(momentFound(v(1, 0), [], 0)).toBe(false);
  });
  it('attention pooling outvotes a title card that mean pooling follows', () => {
    // Two frames of A-ish content (0.8, 0.6) and one title card (0, 1): the mean (0.53, 0.73)
    // is nearer B; attention weighs the two agreeing frames ×5.3 each and lands on A.
    const video = { label: 0, frames: [v(0.8, 0.6), v(0.8, 0.6), v(0, 1)].map((vector, i) => ({ timestampSec: i, vector })) };
    const r = videoQuality([video], [v(1, 0), v(0, 1)], ['A', 'B']);
    expect(r).toEqual({ videos: 1, moments: 0, momentsFound: 0, meanPoolTop1: 0, attentionPoolTop1: 1 });
  });
});
