/**
 * Dense-vector helpers for semantic search over embeddings.
 *
 * Algorithms: cosine similarity as the dot product of L2-normalised vectors;
 * exact top-k by a bounded binary min-heap (J. W. J. Williams, "Algorithm 232:
 * Heapsort", CACM 1964) — O(N·dim + N·log k) time, O(k) extra memory.
 * Ranking is deterministic: equal scores are ordered by id ascending
 * (UTF-16 code-unit order); items whose score is NaN are omitted.
 *
 * Pure and synchronous: safe in workers and in Node.
 */

import { resizedColumn } from './typed-columns';

/** One ranked result; `score` is a cosine similarity in [−1, 1] for unit vectors. */
export interface ScoredId {
  id: string;
  score: number;
}

/**
 * Copy of `v` scaled to unit Euclidean length (accumulated in float64).
 *
 * A zero vector (or one whose norm is not finite) yields a zero vector rather
 * than throwing, so a single failed embedding cannot abort a batch: it then
 * scores 0 against every query and sinks to the bottom of rankings.
 *
 * @returns a new array of the same length; ‖result‖₂ = 1 (±1e-7) or 0
 */
export function l2Normalize(v: Float32Array): Float32Array {
  let sumSq = 0;
  for (let i = 0; i < v.length; i++) sumSq += v[i]! * v[i]!;
  const out = new Float32Array(v.length);
  const norm = Math.sqrt(sumSq);
  if (norm === 0 || !Number.isFinite(norm)) return out;
  const inv = 1 / norm;
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}

/**
 * Σ a[ao+j]·b[bo+j] for j < dim, in float64 with four accumulators, summed as
 * s0 + s1 + (s2 + s3). The dot-product kernel of Shoebox for float32 vectors:
 * the exact scan, the HNSW graph, clustering and the duplicate scan all score
 * with it, so the same two vectors get the same score bit for bit wherever
 * they are compared. Offsets let callers score rows of one flat matrix without
 * subarray views. Four independent accumulators shorten the dependency chain
 * of the adds (HNSW search spends most of its time here). Lengths are not
 * checked. Float32 only: V8 keeps one type feedback per function, and letting
 * float64 sums through here too made clustering 5k vectors twice as slow; they
 * have {@link dotF64}.
 */
export function dotAt(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const dim4 = dim & ~3;
  let j = 0;
  for (; j < dim4; j += 4) {
    s0 += b[bo + j]! * a[ao + j]!;
    s1 += b[bo + j + 1]! * a[ao + j + 1]!;
    s2 += b[bo + j + 2]! * a[ao + j + 2]!;
    s3 += b[bo + j + 3]! * a[ao + j + 3]!;
  }
  for (; j < dim; j++) s0 += b[bo + j]! * a[ao + j]!;
  return s0 + s1 + (s2 + s3);
}

/**
 * Dot product Σ aᵢ·bᵢ of two float32 vectors, accumulated in float64 ({@link dotAt}).
 *
 * @throws RangeError when the lengths differ
 */
export function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`dot: length mismatch ${a.length} vs ${b.length}`);
  return dotAt(a, 0, b, 0, a.length);
}

/**
 * Σ aᵢ·bᵢ where `b` is float64: a running sum or mean of vectors (clustering,
 * representatives, pooling). The same summation as {@link dotAt}, kept in a
 * function of its own so each stays monomorphic in V8 (see there).
 *
 * @throws RangeError when the lengths differ
 */
export function dotF64(a: Float32Array | Float64Array, b: Float64Array): number {
  if (a.length !== b.length) throw new RangeError(`dotF64: length mismatch ${a.length} vs ${b.length}`);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n4 = a.length & ~3;
  let j = 0;
  for (; j < n4; j += 4) {
    s0 += b[j]! * a[j]!;
    s1 += b[j + 1]! * a[j + 1]!;
    s2 += b[j + 2]! * a[j + 2]!;
    s3 += b[j + 3]! * a[j + 3]!;
  }
  for (; j < a.length; j++) s0 += b[j]! * a[j]!;
  return s0 + s1 + (s2 + s3);
}

/**
 * Cosine of the angle between `a` and `b`, for vectors of any length.
 *
 * @returns value in [−1, 1] (clamped against rounding); 0 if either vector is zero
 * @throws RangeError when the lengths differ
 */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`cosineSimilarity: length mismatch ${a.length} vs ${b.length}`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  if (aa === 0 || bb === 0) return 0;
  const c = ab / Math.sqrt(aa * bb);
  return c > 1 ? 1 : c < -1 ? -1 : c;
}

/** Does (sa, ia) rank below (sb, ib)? Lower score is worse; on equal scores the larger id is worse. */
function isWorse(sa: number, ia: string, sb: number, ib: string): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

/**
 * Bounded min-heap keeping the k best (score desc, id asc) entries; the root is
 * the worst kept entry so a new candidate is usually rejected with one comparison.
 */
class TopKHeap {
  private readonly scores: Float64Array;
  private readonly ids: string[];
  private count = 0;

  constructor(private readonly k: number) {
    this.scores = new Float64Array(k);
    this.ids = new Array<string>(k);
  }

  /** Score a candidate must reach to possibly enter (−∞ while not full). */
  get threshold(): number {
    return this.count < this.k ? -Infinity : this.scores[0]!;
  }

  /** Offers a candidate; the caller skips NaN scores. */
  offer(score: number, id: string): void {
    const scores = this.scores;
    const ids = this.ids;
    if (this.count < this.k) {
      let i = this.count++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!isWorse(score, id, scores[parent]!, ids[parent]!)) break;
        scores[i] = scores[parent]!;
        ids[i] = ids[parent]!;
        i = parent;
      }
      scores[i] = score;
      ids[i] = id;
      return;
    }
    if (!isWorse(scores[0]!, ids[0]!, score, id)) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.count) break;
      const right = child + 1;
      if (right < this.count && isWorse(scores[right]!, ids[right]!, scores[child]!, ids[child]!)) child = right;
      if (!isWorse(scores[child]!, ids[child]!, score, id)) break;
      scores[i] = scores[child]!;
      ids[i] = ids[child]!;
      i = child;
    }
    scores[i] = score;
    ids[i] = id;
  }

  /** Kept entries, best first. */
  sorted(): ScoredId[] {
    const out: ScoredId[] = [];
    for (let i = 0; i < this.count; i++) out.push({ id: this.ids[i]!, score: this.scores[i]! });
    out.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return out;
  }
}

/**
 * Top-k items by dot product with `query` — equal to cosine similarity when
 * the query and all item vectors are unit length (see {@link l2Normalize}).
 *
 * @param query unit vector
 * @param items unit vectors of the query's length (not checked per item, for speed)
 * @param k     number of results wanted, ≥ 0 (fewer are returned if there are fewer items)
 * @returns up to k results, score descending, ties by id ascending
 */
export function rankByCosine(
  query: Float32Array,
  items: Iterable<{ id: string; vector: Float32Array }>,
  k: number,
): ScoredId[] {
  const kk = Math.floor(k);
  if (!(kk > 0)) return [];
  const heap = new TopKHeap(kk);
  const dim = query.length;
  for (const { id, vector } of items) {
    const s = dotAt(query, 0, vector, 0, dim);
    if (s >= heap.threshold) heap.offer(s, id);
  }
  return heap.sorted();
}

/**
 * Growable row-major N×dim matrix of vectors with string ids, for exact
 * brute-force top-k search (the index worker's search path).
 *
 * Rows are stored in one flat Float32Array so scoring is a tight loop over
 * contiguous memory with no per-row allocation; removal swap-removes the last
 * row, so row order is not insertion order (ties are still broken by id).
 */
export class VectorMatrix {
  /** Vector length, ≥ 1. */
  readonly dim: number;
  private data: Float32Array;
  private ids: string[] = [];
  private rowById = new Map<string, number>();

  /**
   * @param dim                 vector length, ≥ 1
   * @param initialCapacityRows rows to preallocate; capacity doubles when full
   */
  constructor(dim: number, initialCapacityRows = 256) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`VectorMatrix: bad dim ${dim}`);
    this.dim = dim;
    this.data = new Float32Array(dim * Math.max(1, Math.floor(initialCapacityRows)));
  }

  /** Number of stored vectors. */
  get size(): number {
    return this.ids.length;
  }

  has(id: string): boolean {
    return this.rowById.has(id);
  }

  /** @returns a copy of the stored vector, or undefined. */
  get(id: string): Float32Array | undefined {
    const row = this.rowById.get(id);
    return row === undefined ? undefined : this.data.slice(row * this.dim, (row + 1) * this.dim);
  }

  /** Stored ids, in row order. */
  idList(): readonly string[] {
    return this.ids;
  }

  /**
   * Stores (a copy of) `vector` under `id`, replacing any previous vector.
   * Store unit vectors if {@link topK} scores should be cosine similarities.
   *
   * @throws RangeError when vector.length ≠ dim
   */
  add(id: string, vector: Float32Array): void {
    if (vector.length !== this.dim) {
      throw new RangeError(`VectorMatrix.add: expected length ${this.dim}, got ${vector.length}`);
    }
    let row = this.rowById.get(id);
    if (row === undefined) {
      row = this.ids.length;
      if ((row + 1) * this.dim > this.data.length) {
        this.data = resizedColumn(this.data, this.data.length * 2);
      }
      this.ids.push(id);
      this.rowById.set(id, row);
    }
    this.data.set(vector, row * this.dim);
  }

  /** Removes `id`; @returns whether it was present. */
  remove(id: string): boolean {
    const row = this.rowById.get(id);
    if (row === undefined) return false;
    const last = this.ids.length - 1;
    if (row !== last) {
      const movedId = this.ids[last]!;
      this.data.copyWithin(row * this.dim, last * this.dim, (last + 1) * this.dim);
      this.ids[row] = movedId;
      this.rowById.set(movedId, row);
    }
    this.ids.pop();
    this.rowById.delete(id);
    return true;
  }

  /** Removes every vector (keeps the allocated capacity). */
  clear(): void {
    this.ids = [];
    this.rowById.clear();
  }

  /**
   * Exact top-k by dot product with `query` (cosine for unit vectors).
   *
   * @param query vector of length dim
   * @param k     number of results wanted, ≥ 0
   * @returns up to k results, score descending, ties by id ascending
   * @throws RangeError when query.length ≠ dim
   */
  topK(query: Float32Array, k: number): ScoredId[] {
    const dim = this.dim;
    if (query.length !== dim) throw new RangeError(`VectorMatrix.topK: expected length ${dim}, got ${query.length}`);
    const kk = Math.floor(k);
    if (!(kk > 0) || this.ids.length === 0) return [];
    const heap = new TopKHeap(Math.min(kk, this.ids.length));
    const data = this.data;
    const n = this.ids.length;
    for (let row = 0, base = 0; row < n; row++, base += dim) {
      const s = dotAt(data, base, query, 0, dim);
      if (s >= heap.threshold) heap.offer(s, this.ids[row]!);
    }
    return heap.sorted();
  }
}
