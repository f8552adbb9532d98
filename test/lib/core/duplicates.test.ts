import { describe, expect, it } from 'vitest';
import {
  BURST_MAX_SPAN_MS,
  SIMILAR_MIN_COSINE,
  allPairSteps,
  burstGroups,
  hasCaptureTime,
  buildDuplicateReport,
  compareForKeeping,
  drainScan,
  exactCopyGroups,
  keyframeSetSimilarity,
  neighbourPairSteps,
  type DuplicateCandidate,
  type DuplicateInput,
  type RefusedFile,
} from '../../../src/lib/core/duplicates';

const DIM = 8;

/** Unit vector along axis i. */
function axis(i: number): Float32Array {
  const v = new Float32Array(DIM);
  v[i] = 1;
  return v;
}

/** Unit vector with cosine `c` to axis(i), leaning towards axis(j). */
function near(i: number, c: number, j = (i + 1) % DIM): Float32Array {
  const v = new Float32Array(DIM);
  v[i] = c;
  v[j] = Math.sqrt(1 - c * c);
  return v;
}

/** A photo hash with 31 bits set (like real pHashes), flipped in the lowest `flips` bits. */
const BASE_HASH = 0x7fffffff00000000n;
const hash = (flips: number, base = BASE_HASH) => (base ^ ((1n << BigInt(flips)) - 1n)).toString(16).padStart(16, '0');

/** Pseudo-random hashes: unrelated pictures differ in ~32 bits, far beyond the threshold. */
let hashSeed = 0x9e3779b97f4a7c15n;
function unrelatedHash(): string {
  hashSeed = (hashSeed * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
  return hashSeed.toString(16).padStart(16, '0');
}

let clock = 1_000;
function asset(id: string, over: Partial<DuplicateCandidate> = {}): DuplicateCandidate {
  return { id, name: `${id}.jpg`, type: 'image', pHash: unrelatedHash(), width: 100, height: 100, sizeBytes: 1000, addedAt: ++clock, ...over };
}

function report(assets: DuplicateCandidate[], vectors: Record<string, Float32Array>, extra: Partial<DuplicateInput> = {}) {
  const items = assets.filter((a) => vectors[a.id]).map((a) => ({ id: a.id, type: a.type, vector: vectors[a.id]! }));
  return buildDuplicateReport({
    assets,
    refused: [],
    pairs: drainScan(allPairSteps(items, 0.5)),
    framesOf: () => undefined,
    vectorOf: (id) => vectors[id],
    ...extra,
  });
}

describe('compareForKeeping', () => {
  it('keeps the most pixels, then the larger file, then the earliest added', () => {
    const small = asset('small', { width: 160, height: 120, sizeBytes: 9000, addedAt: 1 });
    const big = asset('big', { width: 320, height: 240, sizeBytes: 5000, addedAt: 9 });
    const bigHeavier = asset('bigHeavier', { width: 240, height: 320, sizeBytes: 6000, addedAt: 9 });
    const bigEarlier = asset('bigEarlier', { width: 320, height: 240, sizeBytes: 6000, addedAt: 2 });
    const order = [small, big, bigHeavier, bigEarlier].sort(compareForKeeping).map((a) => a.id);
    expect(order).toEqual(['bigEarlier', 'bigHeavier', 'big', 'small']);
  });
});

describe('exact copies', () => {
  const original = asset('orig', { name: 'beach.jpg' });
  const other = asset('other', { name: 'sea.jpg' });
  const refused = (jobId: string, over: Partial<RefusedFile> = {}): RefusedFile => ({ jobId, name: `${jobId}.jpg`, sizeBytes: 1000, refusedAt: 10, ...over });

  it('groups refused files under the asset they repeat, oldest refusal first', () => {
    const groups = exactCopyGroups(
      [refused('b', { assetId: 'orig', refusedAt: 20 }), refused('a', { assetId: 'orig', refusedAt: 5 }), refused('c', { assetId: 'other' })],
      [original, other],
    );
    expect(groups).toEqual([
      { assetId: 'orig', copies: [expect.objectContaining({ jobId: 'a' }), expect.objectContaining({ jobId: 'b' })] },
      { assetId: 'other', copies: [expect.objectContaining({ jobId: 'c' })] },
    ]);
  });

  it('finds the asset by the name in the message when the record has no asset id', () => {
    const groups = exactCopyGroups([refused('a', { message: 'already in your library as "sea.jpg"' })], [original, other]);
    expect(groups.map((g) => g.assetId)).toEqual(['other']);
  });

  it('leaves out files whose original was deleted, or whose name is ambiguous', () => {
    const twin = asset('twin', { name: 'beach.jpg' });
    const groups = exactCopyGroups(
      [refused('a', { assetId: 'gone' }), refused('b', { message: 'already in your library as "beach.jpg"' })],
      [original, twin],
    );
    expect(groups).toEqual([]);
  });
});

describe('visually identical (pHash)', () => {
  it('joins hashes within 10 bits into connected components, best first', () => {
    const a = asset('a', { pHash: hash(0), width: 160, height: 120 });
    const b = asset('b', { pHash: hash(10), width: 320, height: 240 });
    // 8 bits from b but 12 from a: joins through b.
    const c = asset('c', { pHash: (BigInt(`0x${hash(10)}`) ^ 0xff000n).toString(16).padStart(16, '0') });
    const d = asset('d', { pHash: hash(12) });
    const far = asset('far', { pHash: hash(12, 0x00000000fffffffen) });
    const r = report([a, b, c, d, far], {});
    expect(r.visual).toEqual([{ ids: ['b', 'a', 'c', 'd'] }]);
  });

  it('does not group at 12 bits', () => {
    const r = report([asset('a', { pHash: hash(0) }), asset('b', { pHash: hash(12) })], {});
    expect(r.visual).toEqual([]);
  });

  it('ignores hashes of flat images and never pairs a photo with a video', () => {
    const r = report(
      [
        asset('flat1', { pHash: '0000000000000000' }),
        asset('flat2', { pHash: '0000000000000000' }),
        asset('photo', { pHash: hash(0) }),
        asset('clip', { pHash: hash(0), type: 'video', durationSec: 5 }),
      ],
      {},
    );
    expect(r.visual).toEqual([]);
  });

  it('ignores near-uniform pictures (structure below 2 levels) even with photo-like hashes; unmeasured items count', () => {
    const r = report(
      [
        asset('shade1', { pHash: hash(0), pHashStructure: 1.7 }),
        asset('shade2', { pHash: hash(2), pHashStructure: 0.3 }),
        asset('fog1', { pHash: hash(0, 0x00000000fffffffen), pHashStructure: 3 }),
        asset('fog2', { pHash: hash(2, 0x00000000fffffffen) }),
      ],
      {},
    );
    expect(r.visual).toEqual([{ ids: expect.arrayContaining(['fog1', 'fog2']) }]);
    expect(r.visual[0]!.ids).toHaveLength(2);
  });

  it('calls two videos identical only with the same length and matching keyframes', () => {
    const frames: Record<string, Float32Array[]> = {
      v1: [axis(0), axis(1), axis(2)],
      v2: [near(0, 0.99), near(1, 0.99), near(2, 0.99), axis(2)],
      longer: [axis(0), axis(1), axis(2)],
      otherScenes: [axis(0), axis(4)],
    };
    const video = (id: string, durationSec: number) => asset(id, { type: 'video', pHash: hash(0), durationSec });
    const r = report([video('v1', 6), video('v2', 6.05), video('longer', 9), video('otherScenes', 6)], {}, { framesOf: (id) => frames[id] });
    expect(r.visual).toEqual([{ ids: [expect.any(String), expect.any(String)] }]);
    expect(r.visual[0]!.ids.sort()).toEqual(['v1', 'v2']);
  });
});

describe('similar shots (CLIP cosine)', () => {
  it(`groups photos at cosine ≥ ${SIMILAR_MIN_COSINE} and not below`, () => {
    const r = report([asset('a'), asset('b'), asset('c'), asset('d')], {
      a: axis(0),
      b: near(0, 0.93),
      c: axis(3),
      d: near(3, 0.91),
    });
    expect(r.similar.map((g) => [...g.ids].sort())).toEqual([['a', 'b']]);
  });

  it('leaves out items already grouped as visually identical', () => {
    const a = asset('a', { pHash: hash(0) });
    const b = asset('b', { pHash: hash(2) });
    const c = asset('c');
    const r = report([a, b, c], { a: axis(0), b: axis(0), c: near(0, 0.95) });
    expect(r.visual.map((g) => [...g.ids].sort())).toEqual([['a', 'b']]);
    expect(r.similar).toEqual([]);
  });

  it('never groups a photo with a video', () => {
    const r = report([asset('p'), asset('v', { type: 'video', durationSec: 4 })], { p: axis(0), v: axis(0) });
    expect(r.similar).toEqual([]);
  });

  it('marks the item with the most pixels best', () => {
    const r = report([asset('small', { width: 50, height: 50 }), asset('large', { width: 400, height: 300 }), asset('mid', { width: 200, height: 100 })], {
      small: axis(0),
      large: near(0, 0.97),
      mid: near(0, 0.99, 2),
    });
    expect(r.similar).toEqual([{ ids: ['large', 'mid', 'small'] }]);
  });

  it('compares videos by keyframe sets, not by their pooled vectors', () => {
    const frames: Record<string, Float32Array[]> = {
      // The same footage with different keyframes kept: pooled vectors differ (0.85), frames match.
      reencoded1: [axis(0), axis(1), axis(2)],
      reencoded2: [near(0, 0.97), axis(1), near(1, 0.98), axis(2), near(2, 0.97)],
      // A video that has only some of these scenes: its frames all match, but not the reverse.
      partial: [axis(0), axis(2)],
      // Pooled vector identical to reencoded1, but different scenes.
      lookalike: [axis(5), axis(6)],
    };
    const video = (id: string) => asset(id, { type: 'video', durationSec: 10 + ++clock });
    const pooled = { reencoded1: axis(7), reencoded2: near(7, 0.85), partial: near(7, 0.9), lookalike: axis(7) };
    const r = report([video('reencoded1'), video('reencoded2'), video('partial'), video('lookalike')], pooled, { framesOf: (id) => frames[id] });
    expect(r.similar.map((g) => [...g.ids].sort())).toEqual([['reencoded1', 'reencoded2']]);
  });
});

/** Unit vector at `degrees` in the plane of axes 0 and 1: two of them have cosine cos(Δ°). */
function angle(degrees: number): Float32Array {
  const v = new Float32Array(DIM);
  v[0] = Math.cos((degrees * Math.PI) / 180);
  v[1] = Math.sin((degrees * Math.PI) / 180);
  return v;
}

const T0 = Date.UTC(2024, 6, 14, 15, 30, 0);
const shot = (id: string, takenAtMs: number, over: Partial<DuplicateCandidate> = {}) => asset(id, { takenAtMs, takenAtSource: 'exif', ...over });
const sortedGroups = (r: { similar: { ids: string[] }[] }) => r.similar.map((g) => [...g.ids].sort()).sort();

describe('bursts / similar shots (cosine, capture time, no chaining)', () => {
  // cos 15° = 0.966 passes the bar, cos 30° = 0.866 does not.
  it('a chain A~B~C with A≁C gives no group of three, whichever is the best shot', () => {
    for (const bestId of ['a', 'b', 'c']) {
      const big = { width: 400, height: 300 };
      const [a, b, c] = ['a', 'b', 'c'].map((id) => shot(id, T0 + 1000 * id.charCodeAt(0), id === bestId ? big : {}));
      const r = report([a!, b!, c!], { a: angle(0), b: angle(15), c: angle(30) });
      expect(r.similar).toHaveLength(1);
      expect(r.similar[0]!.ids).toHaveLength(2);
      expect(r.similar[0]!.ids).toContain('b');
    }
  });

  it('many different photos that each resemble the next never make one giant group', () => {
    // 200 photos along a slow arc, 4° apart, shot a second apart: every neighbour passes (cos 4° = 0.998).
    const assets = Array.from({ length: 200 }, (_, i) => shot(`p${i}`, T0 + i * 1000));
    const vectors = Object.fromEntries(assets.map((a, i) => [a.id, angle((i * 4) % 360)]));
    const r = report(assets, vectors);
    const largest = Math.max(...r.similar.map((g) => g.ids.length));
    // Every member within 23° (cos ≥ 0.92) of every other: at most 6 photos 4° apart.
    expect(largest).toBeLessThanOrEqual(6);
    for (const g of r.similar) {
      for (const x of g.ids) for (const y of g.ids) expect(dotOf(vectors[x]!, vectors[y]!)).toBeGreaterThanOrEqual(SIMILAR_MIN_COSINE);
    }
    expect(new Set(r.similar.flatMap((g) => g.ids)).size).toBe(r.similar.reduce((n, g) => n + g.ids.length, 0));
  });

  it('every member is alike to the best shot and to each other, and the best is listed first', () => {
    const r = report(
      [shot('s1', T0), shot('s2', T0 + 300), shot('s3', T0 + 600, { width: 800, height: 600 }), shot('s4', T0 + 900)],
      { s1: angle(0), s2: angle(3), s3: angle(6), s4: angle(9) },
    );
    expect(r.similar).toEqual([{ ids: ['s3', expect.any(String), expect.any(String), expect.any(String)] }]);
  });

  it(`the time window splits two similar shots taken a day apart, and keeps ones ${BURST_MAX_SPAN_MS / 1000} s apart`, () => {
    const day = 24 * 3600 * 1000;
    const r = report(
      [shot('mon', T0), shot('tue', T0 + day), shot('burst1', T0 + 5 * day), shot('burst2', T0 + 5 * day + BURST_MAX_SPAN_MS)],
      { mon: axis(0), tue: near(0, 0.99), burst1: axis(3), burst2: near(3, 0.99) },
    );
    expect(sortedGroups(r)).toEqual([['burst1', 'burst2']]);
  });

  it('no group spans more than the window, even when every step is within it', () => {
    const step = BURST_MAX_SPAN_MS * 0.6;
    const r = report([shot('x', T0), shot('y', T0 + step), shot('z', T0 + 2 * step)], { x: axis(0), y: near(0, 0.99), z: near(0, 0.98, 2) });
    expect(r.similar).toHaveLength(1);
    expect(r.similar[0]!.ids).toHaveLength(2);
  });

  it('items with no capture time are grouped by cosine alone', () => {
    const day = 24 * 3600 * 1000;
    const r = report(
      [
        shot('copied', T0, { takenAtSource: 'file-modified' }),
        shot('original', T0 + 30 * day),
        asset('added', { takenAtMs: T0 + 90 * day, takenAtSource: 'added' }),
        asset('old-record'),
        shot('named', T0 + 200 * day, { takenAtSource: 'file-name' }),
        shot('namedLater', T0 + 201 * day, { takenAtSource: 'file-name' }),
      ],
      { copied: axis(0), original: near(0, 0.99), added: axis(4), 'old-record': near(4, 0.99), named: axis(6), namedLater: near(6, 0.99) },
    );
    // A date from a camera file name is a capture time: those two stay apart.
    expect(sortedGroups(r)).toEqual([
      ['added', 'old-record'],
      ['copied', 'original'],
    ]);
    expect(hasCaptureTime({ takenAtMs: T0, takenAtSource: 'exif' })).toBe(true);
    expect(hasCaptureTime({ takenAtMs: T0, takenAtSource: 'added' })).toBe(false);
    expect(hasCaptureTime({ takenAtMs: Number.NaN, takenAtSource: 'exif' })).toBe(false);
  });

  it('scores pairs the candidates left out from the vectors (an index gives k neighbours)', () => {
    // Only the chain's pairs are candidates; the closing pair a–c is read from the vectors.
    const vectors = { a: angle(0), b: angle(5), c: angle(10) };
    const r = buildDuplicateReport({
      assets: [shot('a', T0), shot('b', T0), shot('c', T0)],
      refused: [],
      pairs: [
        { a: 'a', b: 'b', score: dotOf(vectors.a, vectors.b) },
        { a: 'b', b: 'c', score: dotOf(vectors.b, vectors.c) },
      ],
      framesOf: () => undefined,
      vectorOf: (id) => vectors[id as keyof typeof vectors],
    });
    expect(sortedGroups(r)).toEqual([['a', 'b', 'c']]);
  });

  it('burstGroups puts each item in one group at most, most similar pair first', () => {
    const score: Record<string, number> = { 'a|b': 0.95, 'b|c': 0.99, 'a|c': 0.5 };
    const pairs = Object.entries(score).map(([k, s]) => ({ a: k.split('|')[0]!, b: k.split('|')[1]!, score: s }));
    const groups = burstGroups(pairs, (x, y) => (score[[x, y].sort().join('|')] ?? 0) >= 0.92);
    expect(groups).toEqual([['b', 'c']]);
  });
});

function dotOf(a: Float32Array, b: Float32Array): number {
  return a.reduce((s, x, i) => s + x * b[i]!, 0);
}

describe('keyframeSetSimilarity', () => {
  it('is the smaller of the two directed best-match means', () => {
    const a = [axis(0), axis(1)];
    const b = [axis(0), axis(1), axis(2)];
    // a→b: 1; b→a: (1 + 1 + 0) / 3.
    expect(keyframeSetSimilarity(a, b)).toBeCloseTo(2 / 3, 6);
    expect(keyframeSetSimilarity(b, a)).toBeCloseTo(2 / 3, 6);
    expect(keyframeSetSimilarity([near(0, 0.9)], [axis(0)])).toBeCloseTo(0.9, 6);
    // An extra scene without a match halves it from that side.
    expect(keyframeSetSimilarity([near(0, 0.9)], [axis(0), axis(3)])).toBeCloseTo(0.45, 6);
  });
});

describe('candidate pairs', () => {
  it('from the index’s neighbours equal all pairs when the index is exact', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const items = Array.from({ length: 120 }, (_, i) => {
      const centre = axis(i % 6);
      const v = centre.map((x) => x + rand() * 0.25);
      const norm = Math.hypot(...v);
      return { id: `i${i}`, type: (i % 5 === 0 ? 'video' : 'image') as 'image' | 'video', vector: v.map((x) => x / norm) };
    });
    const exactSearch = (q: Float32Array, k: number, filter: (id: string) => boolean) =>
      items
        .filter((it) => filter(it.id))
        .map((it) => ({ id: it.id, score: it.vector.reduce((s, x, d) => s + x * q[d]!, 0) }))
        .sort((x, y) => y.score - x.score)
        .slice(0, k);
    const key = (p: { a: string; b: string }) => [p.a, p.b].sort().join('|');
    const all = drainScan(allPairSteps(items, 0.95)).map(key).sort();
    const vectors = new Map(items.map((it) => [it.id, it.vector]));
    const viaIndex = drainScan(neighbourPairSteps(items, (id) => vectors.get(id), exactSearch, 0.95, 200)).map(key).sort();
    expect(all.length).toBeGreaterThan(10);
    expect(viaIndex).toEqual(all);
    // every pair is of one media type
    const typeOf = new Map(items.map((it) => [it.id, it.type]));
    for (const p of drainScan(allPairSteps(items, 0.95))) expect(typeOf.get(p.a)).toBe(typeOf.get(p.b));
  });
});
