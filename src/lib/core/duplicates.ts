/**
 * Duplicate groups of the library, in three tiers from strictest to loosest:
 *
 * 1. Exact copies — identical SHA-256. The importer never stores the same bytes twice, so this
 *    tier lists the files it refused (jobs in status 'duplicate'), grouped under the stored asset
 *    they repeat. Those files are not in the library; the stored original still takes part in
 *    tiers 2 and 3.
 * 2. Visually identical — 64-bit DCT pHash within {@link NEAR_DUPLICATE_MAX_DISTANCE} bits
 *    (phash.ts), found with the multi-index Hamming lookup (hamming-index.ts, Norouzi et al.,
 *    CVPR 2012) and joined into connected components. Near-uniform pictures ({@link pHashCanMatch})
 *    take no part: a plain red and a plain blue picture hash alike. A video's pHash is its poster frame only,
 *    so two videos also need the same length and matching keyframe sets (below).
 * 3. Bursts / similar shots — items of the same media type at CLIP cosine ≥ {@link SIMILAR_MIN_COSINE}
 *    and, for photos that both carry a capture time, taken within {@link BURST_MAX_SPAN_MS} of each
 *    other. Grouped without chaining ({@link burstGroups}): every member is similar to every other
 *    member, so to the group's best shot too, and a group spans at most that window; a run of
 *    photos that each resemble the next (A~B~C with A≁C) never becomes one group. Videos compare
 *    their keyframe sets ({@link keyframeSetSimilarity}), not one pooled vector.
 *
 * An item grouped in a stricter tier is left out of the looser ones. Within a group the item to
 * keep ("best", the burst's best shot) is the one with the most pixels, then the larger file, then
 * the one added first ({@link compareForKeeping}).
 *
 * Candidate pairs for tier 3 come from the caller: all pairs for a small library
 * ({@link allPairSteps}), the vector index's neighbours for a large one ({@link neighbourPairSteps}).
 *
 * Pure and synchronous: safe in workers and in Node.
 */

import type { AssetType, TakenAtSource } from './records';
import { HammingIndex } from './hamming-index';
import { NEAR_DUPLICATE_MAX_DISTANCE, pHashCanMatch } from './near-duplicate';
import { phashFromHex } from './phash';
import { dot, dotAt } from './vector';

/**
 * Cosine between two photos' CLIP vectors (or two videos' keyframe sets) from which they count as
 * similar shots. Real CLIP ViT-B/32 burst pairs (same scene, a moment apart, slight reframing)
 * typically score ≥ 0.9, and different photos of one place or event 0.8–0.9, so 0.92 keeps bursts
 * and leaves the merely related apart. Measured on the fixture model (test/fixtures/models, which
 * maps colours to concepts): same-colour photos 0.952–0.9999 (red-ball/red-square 0.952,
 * green-leaf/green-field 0.997, yellow-sun/yellow-banana 0.9999), a resized copy 0.9998,
 * blue-sky/blue-ocean 0.826, everything else ≤ 0.52; the same video in VP9 and MPEG-4 (3 and 5 kept
 * keyframes) 0.9986 by keyframe sets; red-blue-red against red-green-blue 0.74–0.84 (its red and
 * blue frames match, the green ones do not).
 */
export const SIMILAR_MIN_COSINE = 0.92;

/**
 * Pooled video vectors this close are compared by keyframes. Pooling weighs frames differently
 * when the decoders keep different frames: the VP9 and MPEG-4 copies of one fixture video pool to
 * 0.90 although their keyframe sets match at 0.999, so the pre-filter sits well below
 * {@link SIMILAR_MIN_COSINE}.
 */
export const VIDEO_CANDIDATE_MIN_COSINE = 0.8;

/**
 * Capture-time window of a burst: two photos that both carry a capture time are similar shots only
 * when taken at most this far apart, so a whole group spans at most 60 s. A phone's burst shoots
 * 3–10 frames a second for a few seconds, and re-takes of one pose or view follow within seconds to
 * tens of seconds; the same viewpoint photographed again later that day or a year on is another
 * moment, however alike the pictures look. A photo without a capture time (date from the file's
 * modified time or the moment it was added) is grouped by cosine alone.
 */
export const BURST_MAX_SPAN_MS = 60_000;

/** Neighbours asked of the vector index per item; a member found this way is then checked against every member of its group. */
export const SIMILAR_NEIGHBOURS = 16;

/** Two videos are the same footage only if their lengths differ by at most this, seconds… */
const SAME_VIDEO_MAX_DURATION_DIFF_SEC = 0.5;
/** …or this fraction of the longer one (re-encoding can add or drop a frame or two). */
const SAME_VIDEO_MAX_DURATION_DIFF_RATIO = 0.02;

/** What the grouping needs to know of a stored asset. */
export interface DuplicateCandidate {
  id: string;
  name: string;
  type: AssetType;
  /** 16 lowercase hex digits. */
  pHash: string;
  /** Low-frequency luma std the pHash saw (phash.ts); absent for items stored before it was kept. */
  pHashStructure?: number;
  width: number;
  height: number;
  sizeBytes: number;
  /** ms since epoch */
  addedAt: number;
  durationSec?: number;
  /** When it was taken, ms since epoch; a capture time only when `takenAtSource` says so ({@link hasCaptureTime}). */
  takenAtMs?: number;
  takenAtSource?: TakenAtSource;
}

/**
 * True when the item's date is when it was taken: from its metadata or a camera file name. A
 * file's modified time (copies, downloads and edits reset it) and the moment it was added are not.
 */
export function hasCaptureTime(a: Pick<DuplicateCandidate, 'takenAtMs' | 'takenAtSource'>): boolean {
  return a.takenAtMs !== undefined && Number.isFinite(a.takenAtMs) && a.takenAtSource !== undefined && a.takenAtSource !== 'file-modified' && a.takenAtSource !== 'added';
}

/** True unless both photos carry capture times more than {@link BURST_MAX_SPAN_MS} apart. */
export function withinBurstWindow(a: DuplicateCandidate, b: DuplicateCandidate): boolean {
  if (!hasCaptureTime(a) || !hasCaptureTime(b)) return true;
  return Math.abs(a.takenAtMs! - b.takenAtMs!) <= BURST_MAX_SPAN_MS;
}

/** A file the importer refused because its bytes are already stored. */
export interface RefusedFile {
  jobId: string;
  name: string;
  sizeBytes: number;
  /** ms since epoch */
  refusedAt: number;
  /** The stored asset it repeats, when the importer recorded it. */
  assetId?: string;
  /** The importer's message, `already in your library as "<name>"`: names the asset for older records. */
  message?: string;
}

export interface ExactCopyGroup {
  assetId: string;
  /** Oldest refusal first. */
  copies: RefusedFile[];
}

export interface DuplicateGroup {
  /** Best first, then in keeping order. */
  ids: string[];
}

export interface DuplicateReport {
  exact: ExactCopyGroup[];
  visual: DuplicateGroup[];
  similar: DuplicateGroup[];
}

/** Cosine of two stored items, a ≠ b. */
export interface ScoredPair {
  a: string;
  b: string;
  score: number;
}

/**
 * Keeping order: negative when `a` is the better one to keep. Most pixels first (the sharper or
 * uncropped version), then the larger file (less compression), then the one added first (the
 * original the others were copied from), then id so the order is total.
 */
export function compareForKeeping(a: DuplicateCandidate, b: DuplicateCandidate): number {
  return (
    b.width * b.height - a.width * a.height ||
    b.sizeBytes - a.sizeBytes ||
    a.addedAt - b.addedAt ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

const QUOTED_NAME = /already in your library as "(.*)"$/;

/**
 * Tier 1: refused files grouped under the stored asset they repeat. Files whose asset was deleted
 * since (or cannot be told) are left out: there is nothing left to compare them with.
 */
export function exactCopyGroups(refused: readonly RefusedFile[], assets: readonly DuplicateCandidate[]): ExactCopyGroup[] {
  const byId = new Map(assets.map((a) => [a.id, a]));
  const idsByName = new Map<string, string[]>();
  for (const a of assets) idsByName.set(a.name, [...(idsByName.get(a.name) ?? []), a.id]);
  const groups = new Map<string, RefusedFile[]>();
  for (const r of refused) {
    let assetId = r.assetId && byId.has(r.assetId) ? r.assetId : undefined;
    if (!assetId && !r.assetId) {
      const named = idsByName.get(QUOTED_NAME.exec(r.message ?? '')?.[1] ?? '');
      if (named?.length === 1) assetId = named[0];
    }
    if (!assetId) continue;
    groups.set(assetId, [...(groups.get(assetId) ?? []), r]);
  }
  return [...groups]
    .map(([assetId, copies]) => ({ assetId, copies: copies.sort((x, y) => x.refusedAt - y.refusedAt || (x.jobId < y.jobId ? -1 : 1)) }))
    .sort((x, y) => byId.get(x.assetId)!.name.localeCompare(byId.get(y.assetId)!.name) || (x.assetId < y.assetId ? -1 : 1));
}

/** Union–find over string ids, with path halving. */
class Components {
  #parent = new Map<string, string>();

  find(id: string): string {
    let p = this.#parent.get(id) ?? id;
    let x = id;
    while (p !== x) {
      const gp = this.#parent.get(p) ?? p;
      this.#parent.set(x, gp);
      x = p;
      p = gp;
    }
    return x;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.#parent.set(ra, rb);
  }

  /** Components of two or more of `ids`. */
  groups(ids: Iterable<string>): string[][] {
    const out = new Map<string, string[]>();
    for (const id of ids) {
      const r = this.find(id);
      out.set(r, [...(out.get(r) ?? []), id]);
    }
    return [...out.values()].filter((g) => g.length > 1);
  }
}

/** Members best first; groups largest first, then by their best item's name. */
function ordered(groups: string[][], byId: ReadonlyMap<string, DuplicateCandidate>): DuplicateGroup[] {
  return groups
    .map((ids) => ids.map((id) => byId.get(id)!).sort(compareForKeeping))
    .sort((x, y) => y.length - x.length || x[0]!.name.localeCompare(y[0]!.name) || (x[0]!.id < y[0]!.id ? -1 : 1))
    .map((items) => ({ ids: items.map((a) => a.id) }));
}

/**
 * Keyframe-set similarity of two videos, in [−1, 1]: for each frame of one video the cosine of its
 * best match in the other, averaged, taken both ways, and the smaller of the two averages. Taking
 * the smaller (not the mean) keeps a video from matching one that merely contains its scenes:
 * red-blue-red finds every frame in red-green-blue (0.9996) but not the reverse (0.84: the green
 * frame has no match), and the mean of the two would pass at 0.92.
 *
 * @param a,b L2-normalised frame vectors, each set non-empty and of one length
 */
export function keyframeSetSimilarity(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  if (a.length === 0 || b.length === 0) return -1;
  const directed = (from: readonly Float32Array[], to: readonly Float32Array[]) => {
    let total = 0;
    for (const f of from) {
      let best = -Infinity;
      for (const t of to) best = Math.max(best, dot(f, t));
      total += best;
    }
    return total / from.length;
  };
  return Math.min(directed(a, b), directed(b, a));
}

/** Progress of a long scan: rows (or items) done of the total. */
export interface ScanProgress {
  done: number;
  total: number;
}

/** Runs a scan's steps to the end in one go; core/slices runs them with breaks for other work. */
export function drainScan<R>(steps: Generator<ScanProgress, R>): R {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * Every pair of same-type items with cosine ≥ minCosine, by one pass over the upper triangle
 * (n²/2 dot products: 0.29–0.43 µs each at 512-d in V8 on a shared 2-core machine, so 7,500 items
 * take 8–12 s; larger libraries use {@link neighbourPairSteps}). A step per 64 rows, so a worker
 * can answer searches between them.
 *
 * @param items L2-normalised vectors of one length
 */
export function* allPairSteps(
  items: ReadonlyArray<{ id: string; type: AssetType; vector: Float32Array }>,
  minCosine: number,
): Generator<ScanProgress, ScoredPair[]> {
  const out: ScoredPair[] = [];
  const n = items.length;
  if (n < 2) return out;
  const dim = items[0]!.vector.length;
  const flat = new Float32Array(n * dim);
  items.forEach((it, i) => flat.set(it.vector, i * dim));
  for (let i = 0; i < n; i++) {
    const a = i * dim;
    const type = items[i]!.type;
    for (let j = i + 1; j < n; j++) {
      if (items[j]!.type !== type) continue;
      const b = j * dim;
      const score = dotAt(flat, a, flat, b, dim);
      if (score >= minCosine) out.push({ a: items[i]!.id, b: items[j]!.id, score });
    }
    if (i % 64 === 63 || i === n - 1) yield { done: i + 1, total: n };
  }
  return out;
}

/**
 * Pairs from each item's nearest neighbours of its own type, as a vector index returns them;
 * each pair once. A dense group yields only k pairs per member, but those still reach every member
 * ({@link burstGroups} scores the pairs it lacks from the vectors). Measured with connected
 * components: on 10,100 synthetic 512-d vectors (groups of up to 50 at cosine ≈ 0.99) the groups
 * from the HNSW neighbours (ef 64, k 16; 6–8 s) were exactly those from all pairs (21 s).
 * Vectors are read one at a time, so a large library is not copied whole. A step per 32 items.
 *
 * @param vectorOf an item's L2-normalised vector, or undefined to skip it (e.g. deleted meanwhile)
 * @param search   k nearest by cosine among ids the filter accepts, best first
 */
export function* neighbourPairSteps(
  items: ReadonlyArray<{ id: string; type: AssetType }>,
  vectorOf: (id: string) => Float32Array | undefined,
  search: (vector: Float32Array, k: number, filter: (id: string) => boolean) => ReadonlyArray<{ id: string; score: number }>,
  minCosine: number,
  k = SIMILAR_NEIGHBOURS,
): Generator<ScanProgress, ScoredPair[]> {
  const typeOf = new Map(items.map((it) => [it.id, it.type]));
  const seen = new Set<string>();
  const out: ScoredPair[] = [];
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    const vector = vectorOf(it.id);
    const hits = vector ? search(vector, k, (id) => id !== it.id && typeOf.get(id) === it.type) : [];
    for (const h of hits) {
      if (h.score < minCosine || h.id === it.id) continue;
      const [a, b] = it.id < h.id ? [it.id, h.id] : [h.id, it.id];
      const key = `${a}\n${b}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ a, b, score: h.score });
    }
    if (i % 32 === 31 || i === items.length - 1) yield { done: i + 1, total: items.length };
  }
  return out;
}

export interface DuplicateInput {
  assets: readonly DuplicateCandidate[];
  refused: readonly RefusedFile[];
  /**
   * Same-type pairs by whole-item vector, at least {@link VIDEO_CANDIDATE_MIN_COSINE} (or whatever
   * lower bound covers both bars); pairs below the image bar are used for videos only.
   */
  pairs: Iterable<ScoredPair>;
  /** A video's kept keyframe vectors (L2-normalised), or undefined when it has none. */
  framesOf(id: string): readonly Float32Array[] | undefined;
  /** Its whole-item vector, the one keyframe set of a video without frames. */
  vectorOf(id: string): Float32Array | undefined;
  similarMinCosine?: number;
}

/** All three tiers; see the top of this file. */
export function buildDuplicateReport(input: DuplicateInput): DuplicateReport {
  const min = input.similarMinCosine ?? SIMILAR_MIN_COSINE;
  const byId = new Map(input.assets.map((a) => [a.id, a]));
  const frameMemo = new Map<string, number>();
  const framesMatch = (a: string, b: string): boolean => {
    const key = pairKey(a, b);
    let s = frameMemo.get(key);
    if (s === undefined) {
      const fa = framesOrVector(input, a);
      const fb = framesOrVector(input, b);
      s = fa && fb ? keyframeSetSimilarity(fa, fb) : -1;
      frameMemo.set(key, s);
    }
    return s >= min;
  };

  // Tier 2.
  const visualSets = new Components();
  const hashes = new HammingIndex<string>();
  const hashable = input.assets.filter((a) => {
    const h = parseHash(a.pHash);
    // Near-uniform pictures (a plain colour, a faint shading) have no say: their hashes agree by ties.
    if (h === null || !pHashCanMatch(h, a.pHashStructure)) return false;
    hashes.add(a.id, h);
    return true;
  });
  for (const a of hashable) {
    for (const m of hashes.query(phashFromHex(a.pHash), NEAR_DUPLICATE_MAX_DISTANCE)) {
      if (m.id === a.id) continue;
      const b = byId.get(m.id)!;
      if (b.type !== a.type) continue;
      if (a.type === 'video' && !(sameLength(a, b) && framesMatch(a.id, b.id))) continue;
      visualSets.union(a.id, b.id);
    }
  }
  const visual = visualSets.groups(hashable.map((a) => a.id));
  const taken = new Set(visual.flat());

  // Tier 3. A pair the candidates did not score (an index returns k neighbours; a member is
  // checked against every other) is scored from the vectors.
  const cosine = (a: string, b: string): number => {
    const va = input.vectorOf(a);
    const vb = input.vectorOf(b);
    return va && vb && va.length === vb.length ? dot(va, vb) : -1;
  };
  const similarShots = (a: string, b: string, score?: number): boolean => {
    const x = byId.get(a);
    const y = byId.get(b);
    if (!x || !y || x.type !== y.type || taken.has(a) || taken.has(b)) return false;
    // Videos match as the same footage by keyframe sets; a converted copy carries its conversion
    // time as its creation time, so capture times do not part them.
    if (x.type === 'video') return (score ?? cosine(a, b)) >= VIDEO_CANDIDATE_MIN_COSINE && framesMatch(a, b);
    return withinBurstWindow(x, y) && (score ?? cosine(a, b)) >= min;
  };
  const similar = burstGroups([...input.pairs], similarShots);

  return { exact: exactCopyGroups(input.refused, input.assets), visual: ordered(visual, byId), similar: ordered(similar, byId) };
}

/**
 * Groups without chaining, by greedy complete linkage: the most similar pair not yet grouped
 * starts a group; the members' neighbours (by `pairs`) are tried closest first, and one joins only
 * when `similar` holds between it and every member. Each item ends in at most one group, and a
 * group is a set of items all alike: a chain A~B~C with A≁C yields {A, B} (or {B, C}), never
 * {A, B, C}, so a library of many different photos cannot collapse into one giant group.
 *
 * Cost: a sort of the pairs, then for a group of g members up to g²/2 `similar` tests, one 512-d
 * dot product each. CPU time in Node on this project's 2-core machine: 7,500 photos in 200 bursts
 * 0.1 s, 4,000 in 40 bursts of 100 0.24 s, and the worst case, 2,000 near-identical photos (2
 * million pairs, one group), 1.6–1.8 s, where joining connected components took 0.2 s.
 *
 * @param pairs   candidate pairs with their cosines, any order
 * @param similar the full test (cosine, time, type), symmetric; given the pair's score when it
 *                comes from `pairs`, and asked of other pairs (without one) too
 * @returns groups of two or more ids, in the order they formed
 */
export function burstGroups(pairs: readonly ScoredPair[], similar: (a: string, b: string, score?: number) => boolean): string[][] {
  const index = new Map<string, number>();
  const ids: string[] = [];
  const indexOf = (id: string): number => {
    let i = index.get(id);
    if (i === undefined) {
      i = ids.length;
      index.set(id, i);
      ids.push(id);
    }
    return i;
  };
  // Passing pairs most similar first, ties in input order. Each pair's cosine, in float32's 2^-23
  // steps, and its position pack into one exact float64 key, so the sort is a native typed-array
  // sort: 2 million pairs in a fraction of a second, where a comparator took seconds.
  const keys: number[] = [];
  const itemA = new Int32Array(pairs.length);
  const itemB = new Int32Array(pairs.length);
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i]!;
    if (p.a === p.b || !similar(p.a, p.b, p.score)) continue;
    itemA[i] = indexOf(p.a);
    itemB[i] = indexOf(p.b);
    const step = Math.round((Math.min(1, Math.max(-1, p.score)) + 1) * 2 ** 23);
    keys.push((2 ** 24 - step) * PAIR_SLOTS + i);
  }
  const order = new Float64Array(keys).sort();
  // Neighbours of each item among the passing pairs, as flat arrays (CSR); plain loops, as typed
  // arrays' `from` with a mapping function is several times slower on millions of pairs.
  const count = order.length;
  const a = new Int32Array(count);
  const b = new Int32Array(count);
  const pairScore = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const k = order[i]!;
    const at = k - Math.floor(k / PAIR_SLOTS) * PAIR_SLOTS;
    a[i] = itemA[at]!;
    b[i] = itemB[at]!;
    pairScore[i] = pairs[at]!.score;
  }
  const n = ids.length;
  const start = new Int32Array(n + 1);
  for (let i = 0; i < count; i++) {
    start[a[i]! + 1]!++;
    start[b[i]! + 1]!++;
  }
  for (let v = 0; v < n; v++) start[v + 1]! += start[v]!;
  const fill = start.slice(0, n);
  const neighbour = new Int32Array(2 * count);
  const score = new Float32Array(2 * count);
  for (let i = 0; i < count; i++) {
    const x = a[i]!;
    const y = b[i]!;
    neighbour[fill[x]!] = y;
    score[fill[x]!++] = pairScore[i]!;
    neighbour[fill[y]!] = x;
    score[fill[y]!++] = pairScore[i]!;
  }

  const grouped = new Uint8Array(n);
  /** Group number + 1 in which an item was already tried. */
  const triedIn = new Int32Array(n);
  const groups: string[][] = [];
  for (let i = 0; i < count; i++) {
    if (grouped[a[i]!] || grouped[b[i]!]) continue;
    const stamp = groups.length + 1;
    const members = [a[i]!, b[i]!];
    const candidates: Array<{ item: number; score: number }> = [];
    const widen = (v: number) => {
      for (let e = start[v]!; e < start[v + 1]!; e++) {
        const w = neighbour[e]!;
        if (grouped[w] || triedIn[w] === stamp) continue;
        triedIn[w] = stamp;
        candidates.push({ item: w, score: score[e]! });
      }
    };
    triedIn[a[i]!] = stamp;
    triedIn[b[i]!] = stamp;
    widen(a[i]!);
    widen(b[i]!);
    while (candidates.length > 0) {
      // The closest candidate next; one that fails a member now fails it for good (members only grow).
      let best = 0;
      for (let c = 1; c < candidates.length; c++) {
        const x = candidates[c]!;
        const y = candidates[best]!;
        if (x.score > y.score || (x.score === y.score && x.item < y.item)) best = c;
      }
      const next = candidates[best]!.item;
      candidates[best] = candidates[candidates.length - 1]!;
      candidates.pop();
      if (members.every((m) => similar(ids[m]!, ids[next]!))) {
        members.push(next);
        widen(next);
      }
    }
    for (const m of members) grouped[m] = 1;
    groups.push(members.map((m) => ids[m]!));
  }
  return groups;
}

/** Pairs a scan may hand to {@link burstGroups}: positions below this pack exactly into its sort keys. */
const PAIR_SLOTS = 2 ** 28;

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\n${b}` : `${b}\n${a}`;
}

function framesOrVector(input: DuplicateInput, id: string): readonly Float32Array[] | undefined {
  const frames = input.framesOf(id);
  if (frames?.length) return frames;
  const v = input.vectorOf(id);
  return v ? [v] : undefined;
}

function sameLength(a: DuplicateCandidate, b: DuplicateCandidate): boolean {
  if (a.durationSec === undefined || b.durationSec === undefined) return false;
  const diff = Math.abs(a.durationSec - b.durationSec);
  return diff <= Math.max(SAME_VIDEO_MAX_DURATION_DIFF_SEC, SAME_VIDEO_MAX_DURATION_DIFF_RATIO * Math.max(a.durationSec, b.durationSec));
}

function parseHash(hex: string): bigint | null {
  try {
    return phashFromHex(hex);
  } catch {
    return null;
  }
}
