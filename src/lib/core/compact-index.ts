/**
 * A searchable set of a million unit vectors in a few dozen MB: compact codes in memory
 * (quantize.ts: int8 or product quantisation), full float vectors in storage, read only for the
 * few candidates of a query.
 *
 * Algorithm: an inverted file over the compact codes, "IVFADC" of H. Jégou, M. Douze, C. Schmid,
 * "Product quantization for nearest neighbor search", IEEE TPAMI 2011, §IV, then an exact re-rank.
 * 1. Coarse partition: `lists` centroids learnt by spherical k-means (Lloyd 1982, dot product) on a
 *    sample; every item goes to the list of its most similar centroid c (lists = 1: a flat scan).
 *    With `residual` the codec stores x − c rather than x (train it on {@link residualsOf} the
 *    sample): the residual is shorter than x, so the same bytes carry a smaller error. Scoring stays
 *    one table per query: q·x ≈ q·c + q·(x − c)^, the first term once per list.
 * 2. A query scores the centroids, scans the codes of its `probes` best lists with the codec
 *    (approximate dot products) and keeps the best `candidates` rows.
 * 3. Those candidates' full vectors are fetched by id from a {@link FullVectorStore} and ranked by
 *    the exact dot product ({@link rerankExact}), the same kernel as ExactIndex: whenever the exact
 *    top-k are among the candidates, the result equals the exact scan's, scores bit for bit.
 * Recall therefore depends on whether the true top-k are among the candidates: the codec's error
 * (a few thousandths for int8, a few hundredths for 64-byte PQ) decides how many candidates are
 * needed, the partition decides how many lists must be probed.
 *
 * Refinement (optional, "IVFADC+R" of H. Jégou, R. Tavenard, M. Douze, L. Amsaleg, "Searching in one
 * billion vectors: re-rank with source coding", ICASSP 2011): a second product quantiser codes what
 * the first one left, e = r − r̂ ({@link refinementResidualsOf}), so q·x ≈ q·c + q·r̂ + q·ê. The scan
 * still reads the first codes only; the candidates it keeps are then scored again with their
 * refinement codes (a few hundred table sums per query) and read from the store in that order.
 * Their order is then close to the exact one, so reading stops after a few dozen full vectors
 * instead of a few hundred (each a storage read in the app).
 *
 * Each list keeps its items' codes one after the other (and their row numbers beside them), so a
 * query reads its lists' codes in memory order; a removal moves the list's last code into the gap.
 * Assigning an item to its list would cost one dot product per list (a million items × 1 024 lists
 * × 512 components: most of a build); {@link CentroidShortlist} scores the few lists near it.
 *
 * Memory per item: codec.codeBytes (+ refiner.codeBytes) + 12 bytes (list membership, position in
 * list, list slot) + the id string and its map entry. Storage per item: its full float32 vector (4·dim bytes).
 *
 * Bytes ({@link CompactIndex.serialize}), format "SBCX" version 1, little-endian, every section on a
 * 4-byte boundary: 9 u32 words (magic `SBCX`, version, codec kind 1 = int8 / 2 = pq, dim, codeBytes,
 * lists, count, residual 0/1, ids section length), then the centroids (lists × dim f32), the codec
 * (int8: lo and step, 2 × dim f32; pq: the codebooks, 256 × dim f32), each item's list (count u32),
 * the codes (count × codeBytes u8) and the ids (u16 length + UTF-8 each). Live rows only, in row order.
 * Version 2 (an index with a refiner; one without is still written as version 1): a 10th header word,
 * the refiner's code bytes, its codebooks (256 × dim f32) after the codec's, and its codes
 * (count × refineBytes u8, padded to 4) after the codes.
 *
 * Pure: no DOM, idb, wasm or worker globals; the vector store is injected.
 */

import { mulberry32 } from './random';
import { ProductQuantizer, ScalarQuantizer, PQ_CENTROIDS, type VectorCodec } from './quantize';
import { dotAt, rankByCosine, type ScoredId } from './vector';
import { PackedIdTable, RowTally } from './packed-ids';
import { resizedColumn } from './typed-columns';

/** Where the full vectors live (IndexedDB or OPFS chunks in the app, a Map in tests). */
export interface FullVectorStore {
  /** The stored vectors of `ids`, in order; undefined for an id it does not hold. */
  getVectors(ids: readonly string[]): (Float32Array | undefined)[] | Promise<(Float32Array | undefined)[]>;
}

/** Search knobs of a {@link CompactIndex}. */
export interface CompactSearchOptions {
  /** Results wanted, ≥ 0. */
  k: number;
  /** Rows kept from the code scan and re-ranked exactly (≥ k). Default 10·k. */
  candidates?: number;
  /** Lists scanned, 1…lists. Default all lists (a flat scan). */
  probes?: number;
  /**
   * Keeps an id when it returns true (applied before candidates are counted). Asked only about the
   * rows that score well enough, each id decoded when asked: a restored index's ids are never all decoded.
   */
  filter?: (id: string) => boolean;
  /**
   * Keeps only these ids (the items of the places a query names): each is looked up once, instead
   * of `filter` being asked about every row of the lists scanned while fewer than `candidates` pass.
   * `filter` still applies to them.
   */
  onlyIds?: readonly string[];
  /**
   * Reads the candidates' full vectors this many at a time, best approximate score first, and stops
   * once no candidate left can reach the top k (see {@link CompactIndex.search}). Default: all at once.
   */
  rerankBatch?: number;
}

/**
 * e = r − r̂ for each vector r of `vectors`, r̂ the vector its `codec` code stands for: the training
 * sample of a refiner (see the file header), made from the sample the codec was trained on.
 */
export function refinementResidualsOf(vectors: readonly Float32Array[], codec: VectorCodec): Float32Array[] {
  const code = new Uint8Array(codec.codeBytes);
  return vectors.map((r) => {
    codec.encode(r, code, 0);
    const decoded = codec.decode(code, 0);
    const e = new Float32Array(r.length);
    for (let d = 0; d < r.length; d++) e[d] = r[d]! - decoded[d]!;
    return e;
  });
}

/**
 * How far beyond the largest underestimate seen (exact − approximate score among the candidates
 * read) a candidate not read yet is still assumed able to go. The codes' errors are not bounded
 * (product quantisation), so this is a safety factor over the measured ones.
 */
export const RERANK_MARGIN_FACTOR = 1.5;

/** Candidates of the code scan, best approximate score first (refined scores when the index has a refiner). */
export interface Candidates {
  ids: string[];
  scores: number[];
  /** Codes scored for this query. */
  scanned: number;
}

/** Training settings for the coarse partition. */
export interface CoarseOptions {
  /** Number of lists (1 = no partition). */
  lists: number;
  /** Spherical k-means iterations. Default 10. */
  iterations?: number;
  seed?: number;
  /**
   * Largest list wanted, as a multiple of the mean list (on the sample), e.g. 2; default none.
   * k-means leaves dense regions of a photo library in a few big lists, and a query, which
   * usually lands in a dense region, then scans several times the mean list per probe
   * (measured at 1M: 150k–200k codes for 32 of 1 024 lists). See {@link balanceLists}.
   */
  maxListRatio?: number;
}

/**
 * Learns `lists` unit centroids from `sample` by spherical k-means: assign each vector to its most
 * similar centroid, set each centroid to the normalised mean of its vectors. Initial centroids are
 * distinct sample rows (seeded shuffle); an empty list takes a random sample row.
 *
 * @returns lists × dim row-major unit vectors
 */
export function trainCoarseCentroids(sample: readonly Float32Array[], dim: number, opts: CoarseOptions): Float32Array {
  const lists = opts.lists;
  if (!Number.isInteger(lists) || lists < 1) throw new RangeError(`trainCoarseCentroids: bad list count ${lists}`);
  if (sample.length === 0) throw new RangeError('trainCoarseCentroids: empty training sample');
  const rand = mulberry32(opts.seed ?? 1);
  const n = sample.length;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const centroids = new Float32Array(lists * dim);
  for (let c = 0; c < lists; c++) centroids.set(sample[order[c % n]!]!, c * dim);
  if (lists === 1) return normalizeRows(centroids, dim);
  const sums = new Float64Array(lists * dim);
  const counts = new Int32Array(lists);
  for (let it = 0; it < (opts.iterations ?? 10); it++) {
    sums.fill(0);
    counts.fill(0);
    const nearest = nearestCentroidOf(centroids, lists, dim);
    for (const v of sample) {
      const c = nearest(v);
      counts[c]!++;
      for (let d = 0; d < dim; d++) sums[c * dim + d]! += v[d]!;
    }
    for (let c = 0; c < lists; c++) {
      if (counts[c] === 0) centroids.set(sample[Math.floor(rand() * n)]!, c * dim);
      else for (let d = 0; d < dim; d++) centroids[c * dim + d] = sums[c * dim + d]!;
    }
    normalizeRows(centroids, dim);
  }
  if (opts.maxListRatio) balanceLists(sample, centroids, dim, opts.maxListRatio, rand);
  return centroids;
}

/**
 * Splits the biggest lists of a partition until none holds more than `maxRatio` × the mean
 * (counted on `sample`): the smallest list is dissolved (its vectors go to their next most similar
 * centroid) and its centroid takes half of the biggest list, by 2-means (5 iterations) on that
 * list's vectors. Changes `centroids` in place; at most one split per list.
 */
export function balanceLists(sample: readonly Float32Array[], centroids: Float32Array, dim: number, maxRatio: number, rand: () => number): void {
  const lists = centroids.length / dim;
  if (lists < 2) return;
  const nearest = nearestCentroidOf(centroids, lists, dim);
  const members: number[][] = Array.from({ length: lists }, () => []);
  sample.forEach((v, i) => members[nearest(v)]!.push(i));
  const cap = (maxRatio * sample.length) / lists;
  const row = (c: number) => centroids.subarray(c * dim, (c + 1) * dim);
  for (let round = 0; round < lists; round++) {
    let big = 0;
    let small = 0;
    for (let c = 1; c < lists; c++) {
      if (members[c]!.length > members[big]!.length) big = c;
      if (members[c]!.length < members[small]!.length) small = c;
    }
    if (members[big]!.length <= cap || big === small || members[big]!.length < 4) return;
    // dissolve the smallest list into the centroids most similar to its vectors
    for (const i of members[small]!) {
      let best = -1;
      let bestS = -Infinity;
      for (let c = 0; c < lists; c++) {
        if (c === small) continue;
        const s = dotAt(centroids, c * dim, sample[i]!, 0, dim);
        if (s > bestS) [bestS, best] = [s, c];
      }
      members[best]!.push(i);
    }
    // split the biggest by 2-means: seeds a random member and the member least similar to it
    const points = members[big]!;
    const a = row(big);
    const b = row(small);
    a.set(sample[points[Math.floor(rand() * points.length)]!]!);
    let far = points[0]!;
    for (const i of points) if (dotAt(a, 0, sample[i]!, 0, dim) < dotAt(a, 0, sample[far]!, 0, dim)) far = i;
    b.set(sample[far]!);
    let inA: number[] = [];
    let inB: number[] = [];
    for (let it = 0; it < 5; it++) {
      inA = [];
      inB = [];
      for (const i of points) (dotAt(a, 0, sample[i]!, 0, dim) >= dotAt(b, 0, sample[i]!, 0, dim) ? inA : inB).push(i);
      if (inA.length === 0 || inB.length === 0) break;
      for (const [target, group] of [[a, inA], [b, inB]] as const) {
        target.fill(0);
        for (const i of group) for (let d = 0; d < dim; d++) target[d]! += sample[i]![d]!;
        normalizeRows(target, dim);
      }
    }
    if (inA.length === 0 || inB.length === 0) return;
    members[big] = inA;
    members[small] = inB;
  }
}

function normalizeRows(rows: Float32Array, dim: number): Float32Array {
  for (let base = 0; base < rows.length; base += dim) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += rows[base + d]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < dim; d++) rows[base + d]! *= inv;
  }
  return rows;
}

/**
 * How a vector finds its list among `lists` centroids: every centroid scored, or from
 * {@link SHORTLIST_MIN_LISTS} lists on, the few a {@link CentroidShortlist} picks (the index,
 * its k-means and its residual sample all assign the same way).
 */
function nearestCentroidOf(centroids: Float32Array, lists: number, dim: number): (v: Float32Array) => number {
  if (lists < SHORTLIST_MIN_LISTS) return (v) => bestRow(centroids, lists, dim, v);
  const shortlist = new CentroidShortlist(centroids, dim);
  return (v) => shortlist.nearest(v);
}

/** x − (its most similar centroid) for each vector: the training sample of a residual codec. */
export function residualsOf(vectors: readonly Float32Array[], centroids: Float32Array, dim: number): Float32Array[] {
  const nearest = nearestCentroidOf(centroids, centroids.length / dim, dim);
  return vectors.map((v) => {
    const base = nearest(v) * dim;
    const r = new Float32Array(dim);
    for (let d = 0; d < dim; d++) r[d] = v[d]! - centroids[base + d]!;
    return r;
  });
}

/**
 * The coarse centroid most similar to a vector without scoring every centroid: the centroids are
 * grouped (spherical k-means over the centroids themselves, about √lists groups), a vector scores
 * the group centres, then only the members of its `probeGroups` best groups. At 1 024 lists that is
 * 32 + about 4 × 32 dot products instead of 1 024. It may miss the most similar centroid when that
 * one sits in a farther group; the centroid it picks is then a close second (bench/million.mjs
 * reports the share of items that land in their exact list).
 */
export class CentroidShortlist {
  readonly #centroids: Float32Array;
  readonly #dim: number;
  readonly #groupCentres: Float32Array;
  readonly #groups: number;
  /** Centroid numbers grouped: group g's members at members[groupStart[g] … groupStart[g + 1]). */
  readonly #members: Uint32Array;
  readonly #groupStart: Uint32Array;
  readonly #probeGroups: number;
  readonly #best: RowHeap;

  /**
   * @param centroids   lists × dim unit centroids
   * @param probeGroups groups whose members are scored, ≥ 1 (default 4)
   */
  constructor(centroids: Float32Array, dim: number, probeGroups = 4) {
    const lists = centroids.length / dim;
    this.#centroids = centroids;
    this.#dim = dim;
    const rows = Array.from({ length: lists }, (_, c) => centroids.subarray(c * dim, (c + 1) * dim));
    this.#groups = Math.max(1, Math.round(Math.sqrt(lists)));
    // Balanced groups: a dense region's many centroids in one group would make its vectors score them all.
    this.#groupCentres = trainCoarseCentroids(rows, dim, { lists: this.#groups, iterations: 8, seed: 7, maxListRatio: 2 });
    const groupOf = rows.map((v) => bestRow(this.#groupCentres, this.#groups, dim, v));
    this.#groupStart = new Uint32Array(this.#groups + 1);
    for (const g of groupOf) this.#groupStart[g + 1]!++;
    for (let g = 0; g < this.#groups; g++) this.#groupStart[g + 1]! += this.#groupStart[g]!;
    const fill = this.#groupStart.slice(0, this.#groups);
    this.#members = new Uint32Array(lists);
    groupOf.forEach((g, c) => (this.#members[fill[g]!++] = c));
    this.#probeGroups = Math.min(this.#groups, Math.max(1, Math.floor(probeGroups)));
    this.#best = new RowHeap(this.#probeGroups);
  }

  /** The centroid of the best-scoring member of the vector's best groups (first on ties). */
  nearest(v: Float32Array): number {
    const dim = this.#dim;
    const best = this.#best;
    best.size = 0;
    for (let g = 0, base = 0; g < this.#groups; g++, base += dim) best.offer(dotAt(this.#groupCentres, base, v, 0, dim), g);
    let found = 0;
    let foundScore = -Infinity;
    for (let i = 0; i < best.size; i++) {
      const g = best.rows[i]!;
      for (let m = this.#groupStart[g]!; m < this.#groupStart[g + 1]!; m++) {
        const c = this.#members[m]!;
        const s = dotAt(this.#centroids, c * dim, v, 0, dim);
        if (s > foundScore || (s === foundScore && c < found)) {
          foundScore = s;
          found = c;
        }
      }
    }
    return found;
  }
}

/** Lists from which an item's list is found through a {@link CentroidShortlist}; fewer are all scored. */
export const SHORTLIST_MIN_LISTS = 256;

/** Row of `rows` (count × dim) with the largest dot product with v (first on ties). */
function bestRow(rows: Float32Array, count: number, dim: number, v: Float32Array): number {
  let best = 0;
  let bestS = -Infinity;
  for (let c = 0, base = 0; c < count; c++, base += dim) {
    const s = dotAt(rows, base, v, 0, dim);
    if (s > bestS) {
      bestS = s;
      best = c;
    }
  }
  return best;
}

/**
 * Exact re-rank: the top-k of `ids` by the dot product of `query` with their full `vectors`
 * (same order as ids; an undefined vector drops its id), score descending, ties by id ascending.
 * Same kernel and tie order as ExactIndex, so equal inputs give equal scores bit for bit.
 */
export function rerankExact(query: Float32Array, ids: readonly string[], vectors: readonly (Float32Array | undefined)[], k: number): ScoredId[] {
  const items: { id: string; vector: Float32Array }[] = [];
  ids.forEach((id, i) => {
    const vector = vectors[i];
    if (vector && vector.length === query.length) items.push({ id, vector });
  });
  return rankByCosine(query, items, k);
}

/** Bounded min-heap of (score, row) keeping the best `capacity` rows; ties keep the smaller row. */
class RowHeap {
  readonly scores: Float64Array;
  readonly rows: Int32Array;
  size = 0;
  constructor(readonly capacity: number) {
    this.scores = new Float64Array(capacity);
    this.rows = new Int32Array(capacity);
  }
  /** Score a row must beat once full. */
  get threshold(): number {
    return this.size < this.capacity ? -Infinity : this.scores[0]!;
  }
  #worse(i: number, j: number): boolean {
    const a = this.scores[i]!;
    const b = this.scores[j]!;
    return a < b || (a === b && this.rows[i]! > this.rows[j]!);
  }
  #swap(i: number, j: number): void {
    const s = this.scores[i]!;
    this.scores[i] = this.scores[j]!;
    this.scores[j] = s;
    const r = this.rows[i]!;
    this.rows[i] = this.rows[j]!;
    this.rows[j] = r;
  }
  offer(score: number, row: number): void {
    if (this.capacity === 0) return;
    if (this.size < this.capacity) {
      let i = this.size++;
      this.scores[i] = score;
      this.rows[i] = row;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.#worse(i, p)) break;
        this.#swap(i, p);
        i = p;
      }
      return;
    }
    if (score < this.scores[0]! || (score === this.scores[0]! && row > this.rows[0]!)) return;
    this.scores[0] = score;
    this.rows[0] = row;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && this.#worse(r, l) ? r : l;
      if (!this.#worse(c, i)) break;
      this.#swap(c, i);
      i = c;
    }
  }
  /** Kept (row, score), best first. */
  sorted(): { row: number; score: number }[] {
    const out: { row: number; score: number }[] = [];
    for (let i = 0; i < this.size; i++) out.push({ row: this.rows[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score || a.row - b.row);
  }
}

/** A growable list: its items' row numbers and their codes, in the same order. */
interface RowList {
  rows: Uint32Array;
  /** rows.length × codeBytes: the code of rows[i] at i·codeBytes. */
  codes: Uint8Array;
  /** rows.length × refiner's codeBytes (empty without a refiner): the refinement code of rows[i]. */
  refine: Uint8Array;
  length: number;
}

/**
 * Inverted file of compact codes with exact re-ranking (algorithm in the file header).
 * Build: `new CompactIndex(codec, centroids)` from a trained codec and {@link trainCoarseCentroids},
 * then `add`. The index keeps no float vector: {@link search} reads them from the store.
 */
export class CompactIndex {
  readonly dim: number;
  readonly codec: VectorCodec;
  /** Number of coarse lists. */
  readonly lists: number;
  /** Whether codes hold x − centroid (see the file header). */
  readonly residual: boolean;
  /** Codes what the codec leaves (see the file header), or null. */
  readonly refiner: ProductQuantizer | null;
  readonly #centroids: Float32Array;
  readonly #scratch: Float32Array;
  #nearestCentroid: ((v: Float32Array) => number) | null = null;
  #capacity: number;
  /**
   * A restored index's ids as saved: its ids section and where each row's id starts (rows 0 …
   * starts.length − 1). Decoding a million ids into strings and a map costs about 100 MB and a
   * second, so they are never all decoded: searches decode the ids they return or ask a filter
   * about, lookups go through #packedTable, and changes are kept beside them (rows added after
   * them in #ids, removed ones marked in #packedRemoved).
   */
  #packedIds: { bytes: Uint8Array; starts: Uint32Array } | null = null;
  /** Rows of the packed ids by id (8 MB at a million ids), made by the first lookup. */
  #packedTable: PackedIdTable | null = null;
  /** A byte per packed row, 1 once its id is removed (made by the first removal); such rows are not reused. */
  #packedRemoved: Uint8Array | null = null;
  #packedRemovedCount = 0;
  /** Ids of the rows after the packed ones (every row of an index built here), at row − packed rows; undefined once removed. */
  #ids: (string | undefined)[] = [];
  /** Rows of the ids in #ids. */
  #rowById = new Map<string, number>();
  #freeRows: number[] = [];
  #listOfRow: Uint32Array;
  #posInList: Uint32Array;
  readonly #lists: RowList[];

  /**
   * @param codec           trained codec
   * @param centroids       lists × dim unit centroids ({@link trainCoarseCentroids}); one list = flat scan
   * @param initialCapacity rows to preallocate (grows by doubling)
   * @param residual        encode x − centroid (the codec must have been trained on residuals)
   * @param refiner         codes what the codec leaves (trained on {@link refinementResidualsOf}), or null
   */
  constructor(codec: VectorCodec, centroids: Float32Array, initialCapacity = 1024, residual = false, refiner: ProductQuantizer | null = null) {
    if (refiner && refiner.dim !== codec.dim) throw new RangeError('CompactIndex: the refiner must have the codec\'s dim');
    if (centroids.length === 0 || centroids.length % codec.dim !== 0) throw new RangeError('CompactIndex: centroids must be lists × dim');
    this.dim = codec.dim;
    this.codec = codec;
    this.lists = centroids.length / codec.dim;
    this.#centroids = centroids;
    this.residual = residual;
    this.refiner = refiner;
    this.#scratch = new Float32Array(codec.dim);
    this.#capacity = Math.max(1, Math.floor(initialCapacity));
    this.#listOfRow = new Uint32Array(this.#capacity);
    this.#posInList = new Uint32Array(this.#capacity);
    // Room for a balanced share each; a list that outgrows it doubles (see #appendToList).
    const perList = Math.max(4, Math.ceil(this.#capacity / this.lists));
    const refineBytes = refiner?.codeBytes ?? 0;
    this.#lists = Array.from({ length: this.lists }, () => ({ rows: new Uint32Array(perList), codes: new Uint8Array(perList * codec.codeBytes), refine: new Uint8Array(perList * refineBytes), length: 0 }));
  }

  /** Live ids. */
  get size(): number {
    return this.#packedRows - this.#packedRemovedCount + this.#rowById.size;
  }

  has(id: string): boolean {
    return this.#rowOf(id) >= 0;
  }

  /** The live ids, decoded one at a time. */
  *ids(): IterableIterator<string> {
    for (let row = 0; row < this.#packedRows; row++) if (this.#packedRemoved?.[row] !== 1) yield this.#idAt(row);
    yield* [...this.#rowById.keys()];
  }

  /** Rows held packed (0 once the index was built here rather than restored). */
  get #packedRows(): number {
    return this.#packedIds?.starts.length ?? 0;
  }

  /** The live row of `id`, or -1. A restored index looks in its packed ids without decoding them. */
  #rowOf(id: string): number {
    const row = this.#rowById.get(id);
    if (row !== undefined) return row;
    const packed = this.#idTable()?.rowOf(id) ?? -1;
    return packed >= 0 && this.#packedRemoved?.[packed] !== 1 ? packed : -1;
  }

  /**
   * A tally of the ids held now against ids named a page at a time (a library's stored vectors,
   * when its restored index is checked against them): `mark(id)` tells whether the index holds
   * `id`, `unmarked()` lists the ids held when the tally began that were never marked. A restored
   * index's ids stay packed for it (a byte per row, no string per id: see {@link PackedIdTable}).
   * Ids added after the tally began count as held and are never unmarked; ids removed since may
   * still count as held.
   */
  tallyIds(): { mark(id: string): boolean; unmarked(): string[] } {
    const table = this.#idTable();
    const packedRows = this.#packedRows;
    const removed = this.#packedRemoved?.slice() ?? null;
    const ids = this.#ids.slice();
    const rows = packedRows + ids.length;
    const rowById = this.#rowById;
    const tally = new RowTally(rows, (id) => {
      const row = rowById.get(id);
      // An id at a row that held another id when the tally began was added since: held, not tallied.
      if (row !== undefined) return ids[row - packedRows] === id ? row : rows;
      const packed = table ? table.rowOf(id) : -1;
      return packed >= 0 && removed?.[packed] !== 1 ? packed : -1;
    });
    const heldAtStart = (row: number) => (row < packedRows ? removed?.[row] !== 1 : ids[row - packedRows] !== undefined);
    const idAt = (row: number) => (row < packedRows ? table!.idAt(row) : ids[row - packedRows]!);
    return { mark: (id) => tally.mark(id), unmarked: () => tally.unmarkedRows().filter(heldAtStart).map(idAt) };
  }

  /** The lookup of a restored index's packed ids (built on first use), or null when none were restored. */
  #idTable(): PackedIdTable | null {
    const packed = this.#packedIds;
    if (!packed) return null;
    return (this.#packedTable ??= new PackedIdTable(packed.bytes, packed.starts));
  }

  /** The id of a live row. */
  #idAt(row: number): string {
    const packed = this.#packedIds;
    if (!packed || row >= packed.starts.length) return this.#ids[row - this.#packedRows]!;
    const start = packed.starts[row]!;
    return utf8Decoder.decode(packed.bytes.subarray(start + 2, start + 2 + (packed.bytes[start]! | (packed.bytes[start + 1]! << 8))));
  }

  /** A byte per row, 1 at the live rows of `ids` (ids not held are passed over). */
  #rowMaskOf(ids: readonly string[]): Uint8Array {
    const mask = new Uint8Array(this.#packedRows + this.#ids.length);
    for (const id of ids) {
      const row = this.#rowOf(id);
      if (row >= 0) mask[row] = 1;
    }
    return mask;
  }

  /** Bytes of the typed arrays held (codes, list membership); the id strings and their map come on top. */
  get memoryBytes(): number {
    let b = this.#listOfRow.byteLength + this.#posInList.byteLength + this.#centroids.byteLength;
    for (const l of this.#lists) b += l.rows.byteLength + l.codes.byteLength + l.refine.byteLength;
    return b;
  }

  /** Items per list (for judging the partition's balance). */
  listSizes(): number[] {
    return this.#lists.map((l) => l.length);
  }

  /** Stores the code of a unit vector; replaces an existing id's. @throws RangeError when length ≠ dim */
  add(id: string, vector: Float32Array): void {
    if (vector.length !== this.dim) throw new RangeError(`CompactIndex.add: expected length ${this.dim}, got ${vector.length}`);
    this.remove(id);
    const packedRows = this.#packedRows;
    let row = this.#freeRows.pop();
    if (row === undefined) {
      row = packedRows + this.#ids.length;
      if (row >= this.#capacity) this.#grow();
      this.#ids.push(id);
    } else {
      this.#ids[row - packedRows] = id;
    }
    this.#rowById.set(id, row);
    const list = this.#listFor(vector);
    const { codes, offset } = this.#appendToList(row, list);
    let r = vector;
    if (this.residual) {
      r = this.#scratch;
      for (let d = 0, base = list * this.dim; d < this.dim; d++) r[d] = vector[d]! - this.#centroids[base + d]!;
    }
    this.codec.encode(r, codes, offset);
    if (this.refiner) {
      const decoded = this.codec.decode(codes, offset);
      for (let d = 0; d < this.dim; d++) decoded[d] = r[d]! - decoded[d]!;
      const l = this.#lists[list]!;
      this.refiner.encode(decoded, l.refine, (l.length - 1) * this.refiner.codeBytes);
    }
  }

  /** The list of a vector: its most similar centroid (through the shortlist when there are many). */
  #listFor(vector: Float32Array): number {
    if (this.lists === 1) return 0;
    this.#nearestCentroid ??= nearestCentroidOf(this.#centroids, this.lists, this.dim);
    return this.#nearestCentroid(vector);
  }

  /**
   * Puts `row` at the end of list `list` (growing it by doubling).
   * @returns where its code goes: `codes[offset … offset + codeBytes)`
   */
  #appendToList(row: number, list: number): { codes: Uint8Array; offset: number } {
    const l = this.#lists[list]!;
    if (l.length === l.rows.length) {
      const rows = l.rows.length * 2;
      l.rows = resizedColumn(l.rows, rows);
      l.codes = resizedColumn(l.codes, rows * this.codec.codeBytes);
      l.refine = resizedColumn(l.refine, rows * (this.refiner?.codeBytes ?? 0));
    }
    this.#listOfRow[row] = list;
    this.#posInList[row] = l.length;
    l.rows[l.length++] = row;
    return { codes: l.codes, offset: (l.length - 1) * this.codec.codeBytes };
  }

  /** @returns whether the id was present */
  remove(id: string): boolean {
    const row = this.#rowOf(id);
    if (row < 0) return false;
    const l = this.#lists[this.#listOfRow[row]!]!;
    const pos = this.#posInList[row]!;
    const moved = l.rows[--l.length]!;
    l.rows[pos] = moved;
    const codeBytes = this.codec.codeBytes;
    l.codes.copyWithin(pos * codeBytes, l.length * codeBytes, (l.length + 1) * codeBytes);
    const refineBytes = this.refiner?.codeBytes ?? 0;
    l.refine.copyWithin(pos * refineBytes, l.length * refineBytes, (l.length + 1) * refineBytes);
    this.#posInList[moved] = pos;
    const packedRows = this.#packedRows;
    if (row < packedRows) {
      (this.#packedRemoved ??= new Uint8Array(packedRows))[row] = 1;
      this.#packedRemovedCount++;
    } else {
      this.#rowById.delete(id);
      this.#ids[row - packedRows] = undefined;
      this.#freeRows.push(row);
    }
    return true;
  }

  #grow(): void {
    const capacity = this.#capacity * 2;
    this.#listOfRow = resizedColumn(this.#listOfRow, capacity);
    this.#posInList = resizedColumn(this.#posInList, capacity);
    this.#capacity = capacity;
  }

  /**
   * Step 1–2 of the search: the best `candidates` ids by approximate score from the `probes` lists
   * most similar to the query.
   *
   * @throws RangeError when query.length ≠ dim
   */
  candidates(query: Float32Array, opts: Omit<CompactSearchOptions, 'k'> & { candidates: number }): Candidates {
    if (query.length !== this.dim) throw new RangeError(`CompactIndex: query of length ${query.length}, expected ${this.dim}`);
    const want = Math.max(0, Math.floor(opts.candidates));
    const probes = Math.min(this.lists, Math.max(1, Math.floor(opts.probes ?? this.lists)));
    const listOrder = new RowHeap(probes);
    for (let c = 0, base = 0; c < this.lists; c++, base += this.dim) listOrder.offer(dotAt(this.#centroids, base, query, 0, this.dim), c);
    const prepared = this.codec.prepare(query);
    const heap = new RowHeap(want);
    const filter = opts.filter;
    const only = opts.onlyIds ? this.#rowMaskOf(opts.onlyIds) : null;
    let scanned = 0;
    let scratch = new Float64Array(256);
    for (const { row: list, score: listScore } of listOrder.sorted()) {
      const l = this.#lists[list]!;
      if (l.length > scratch.length) scratch = new Float64Array(l.length);
      this.codec.scoreCodes(prepared, l.codes, l.length, scratch);
      scanned += l.length;
      const offset = this.residual ? listScore : 0;
      for (let i = 0; i < l.length; i++) {
        const s = scratch[i]! + offset;
        if (s < heap.threshold) continue;
        const row = l.rows[i]!;
        if (only && only[row] !== 1) continue;
        if (filter && !filter(this.#idAt(row))) continue;
        heap.offer(s, row);
      }
    }
    const best = heap.sorted();
    if (this.refiner) this.#refine(query, best);
    return { ids: best.map((b) => this.#idAt(b.row)), scores: best.map((b) => b.score), scanned };
  }

  /** Adds each candidate's refinement score (q·ê) to its score and sorts them again, best first. */
  #refine(query: Float32Array, best: { row: number; score: number }[]): void {
    const refiner = this.refiner!;
    const prepared = refiner.prepare(query);
    const bytes = refiner.codeBytes;
    const out = new Float64Array(1);
    for (const b of best) {
      const l = this.#lists[this.#listOfRow[b.row]!]!;
      const at = this.#posInList[b.row]! * bytes;
      refiner.scoreCodes(prepared, l.refine.subarray(at, at + bytes), 1, out);
      b.score += out[0]!;
    }
    best.sort((a, b) => b.score - a.score || a.row - b.row);
  }

  /**
   * Top-k by exact cosine among the candidates of the code scan (steps 1–3 of the header).
   * With `rerankBatch` the candidates are read in batches until none left can reach the top k by
   * the margin {@link RERANK_MARGIN_FACTOR} × the largest underestimate seen: a candidate whose code
   * underestimates it by more than that is then missed (measured in bench/million.mjs: recall and
   * vectors read per query).
   *
   * @returns up to k results, score descending, ties by id ascending
   */
  async search(query: Float32Array, opts: CompactSearchOptions, store: FullVectorStore): Promise<ScoredId[]> {
    const k = Math.floor(opts.k);
    if (!(k > 0) || this.size === 0) return [];
    const found = this.candidates(query, { ...opts, candidates: Math.max(k, opts.candidates ?? 10 * k) });
    const batch = Math.floor(opts.rerankBatch ?? found.ids.length);
    if (!(batch >= 1) || batch >= found.ids.length) return rerankExact(query, found.ids, await store.getVectors(found.ids), k);
    // Reading a full vector costs far more than scoring it (an IndexedDB read in the app), so they
    // are read a batch at a time: candidates come best approximate score first, and once the next
    // one's score plus the error margin is below the k-th exact score, none left can enter the top k.
    const exact: number[] = [];
    const vectors: (Float32Array | undefined)[] = [];
    let underestimate = 0;
    let read = 0;
    while (read < found.ids.length) {
      const part = found.ids.slice(read, read + batch);
      const got = await store.getVectors(part);
      got.forEach((v, i) => {
        vectors.push(v);
        if (!v || v.length !== this.dim) return;
        const s = dotAt(query, 0, v, 0, this.dim);
        exact.push(s);
        underestimate = Math.max(underestimate, s - found.scores[read + i]!);
      });
      read += part.length;
      if (exact.length < k || read >= found.ids.length) continue;
      const kth = exact.sort((a, b) => b - a)[k - 1]!;
      if (found.scores[read]! + RERANK_MARGIN_FACTOR * underestimate < kth) break;
    }
    return rerankExact(query, found.ids.slice(0, read), vectors, k);
  }

  /** Self-describing bytes (format in the file header), to be stored by the caller. */
  serialize(): Uint8Array {
    const { dim, lists, codec } = this;
    const codeBytes = codec.codeBytes;
    // A restored index's ids are copied as they lie packed (no string per id); its table, built
    // here if no lookup did, reports a duplicate id, which serialize never writes.
    const packed = this.#packedIds;
    if (packed) this.#idTable();
    const packedRows = this.#packedRows;
    const removed = this.#packedRemoved;
    const rows: number[] = [];
    /** Where the packed ids of runs of live packed rows lie: [from, to) pairs in the packed bytes. */
    const packedRuns: number[] = [];
    let idsBytes = 0;
    for (let row = 0; row < packedRows; row++) {
      if (removed?.[row] === 1) continue;
      const from = packed!.starts[row]!;
      const to = from + 2 + (packed!.bytes[from]! | (packed!.bytes[from + 1]! << 8));
      if (packedRuns.length && packedRuns[packedRuns.length - 1] === from) packedRuns[packedRuns.length - 1] = to;
      else packedRuns.push(from, to);
      idsBytes += to - from;
      rows.push(row);
    }
    const addedIds: Uint8Array[] = [];
    for (let row = packedRows; row < packedRows + this.#ids.length; row++) {
      const id = this.#ids[row - packedRows];
      if (id === undefined) continue;
      const bytes = utf8Encoder.encode(id);
      addedIds.push(bytes);
      idsBytes += 2 + bytes.length;
      rows.push(row);
    }
    const idsLen = pad4(idsBytes);
    const codecFloats = codec instanceof ScalarQuantizer ? 2 * dim : dim * PQ_CENTROIDS;
    const count = rows.length;
    // Without a refiner the bytes stay those of version 1 (what Shoebox wrote before refiners).
    const refiner = this.refiner;
    const refineBytes = refiner?.codeBytes ?? 0;
    const headerWords = refiner ? HEADER_WORDS_V2 : HEADER_WORDS;
    const refinerFloats = refiner ? dim * PQ_CENTROIDS : 0;
    const total = headerWords * 4 + lists * dim * 4 + (codecFloats + refinerFloats) * 4 + count * 4 + pad4(count * codeBytes) + pad4(count * refineBytes) + idsLen;
    const out = new Uint8Array(total);
    const words = new Uint32Array(out.buffer, 0, headerWords);
    words.set([FORMAT_MAGIC, refiner ? FORMAT_VERSION_REFINED : FORMAT_VERSION, codec.kind === 'int8' ? 1 : 2, dim, codeBytes, lists, count, this.residual ? 1 : 0, idsLen]);
    if (refiner) words[HEADER_WORDS] = refineBytes;
    let p = headerWords * 4;
    new Float32Array(out.buffer, p, lists * dim).set(this.#centroids);
    p += lists * dim * 4;
    const params = new Float32Array(out.buffer, p, codecFloats);
    if (codec instanceof ScalarQuantizer) {
      params.set(codec.lo);
      params.set(codec.step, dim);
    } else if (codec instanceof ProductQuantizer) {
      params.set(codec.codebooks);
    } else {
      throw new Error('CompactIndex.serialize: unknown codec');
    }
    p += codecFloats * 4;
    if (refiner) {
      new Float32Array(out.buffer, p, refinerFloats).set(refiner.codebooks);
      p += refinerFloats * 4;
    }
    const listOf = new Uint32Array(out.buffer, p, count);
    rows.forEach((row, i) => (listOf[i] = this.#listOfRow[row]!));
    p += count * 4;
    rows.forEach((row, i) => {
      const at = this.#posInList[row]! * codeBytes;
      out.set(this.#lists[this.#listOfRow[row]!]!.codes.subarray(at, at + codeBytes), p + i * codeBytes);
    });
    p += pad4(count * codeBytes);
    if (refiner) {
      rows.forEach((row, i) => {
        const at = this.#posInList[row]! * refineBytes;
        out.set(this.#lists[this.#listOfRow[row]!]!.refine.subarray(at, at + refineBytes), p + i * refineBytes);
      });
      p += pad4(count * refineBytes);
    }
    for (let r = 0; r < packedRuns.length; r += 2) {
      out.set(packed!.bytes.subarray(packedRuns[r]!, packedRuns[r + 1]!), p);
      p += packedRuns[r + 1]! - packedRuns[r]!;
    }
    const view = new DataView(out.buffer);
    for (const b of addedIds) {
      view.setUint16(p, b.length, true);
      out.set(b, p + 2);
      p += 2 + b.length;
    }
    return out;
  }

  /**
   * Rebuilds an index from {@link serialize}d bytes (copied: the bytes can be dropped afterwards).
   * The ids stay packed (see #packedIds): a duplicate id, which serialize never writes, is reported
   * by the first lookup, change or save instead (when their table is built).
   *
   * @throws RangeError when the bytes are not a valid index of this format (header, lengths, lists)
   */
  static restore(bytes: Uint8Array): CompactIndex {
    const fail = (why: string): never => {
      throw new RangeError(`CompactIndex.restore: ${why}`);
    };
    if (bytes.byteLength < HEADER_WORDS * 4) fail('shorter than the header');
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    const words = new Uint32Array(aligned.buffer, aligned.byteOffset, HEADER_WORDS);
    const [magic, version, kindCode, dim, codeBytes, lists, count, residual, idsLen] = Array.from(words) as number[];
    if (magic !== FORMAT_MAGIC) fail('bad magic');
    if (version !== FORMAT_VERSION && version !== FORMAT_VERSION_REFINED) fail(`unsupported version ${version}`);
    const headerWords = version === FORMAT_VERSION_REFINED ? HEADER_WORDS_V2 : HEADER_WORDS;
    if (aligned.byteLength < headerWords * 4) fail('shorter than the header');
    const refineBytes = version === FORMAT_VERSION_REFINED ? new Uint32Array(aligned.buffer, aligned.byteOffset, headerWords)[HEADER_WORDS]! : 0;
    if (kindCode !== 1 && kindCode !== 2) fail(`unknown codec kind ${kindCode}`);
    if (!(dim! >= 1 && dim! <= 65_536 && lists! >= 1 && codeBytes! >= 1)) fail('bad dimensions');
    if (version === FORMAT_VERSION_REFINED && !(refineBytes >= 1 && dim! % refineBytes === 0)) fail(`bad refiner of ${refineBytes} bytes`);
    const codecFloats = kindCode === 1 ? 2 * dim! : dim! * PQ_CENTROIDS;
    const refinerFloats = refineBytes > 0 ? dim! * PQ_CENTROIDS : 0;
    const codesStart = headerWords * 4 + (lists! * dim! + codecFloats + refinerFloats + count!) * 4;
    const refineStart = codesStart + pad4(count! * codeBytes!);
    const idsStart = refineStart + pad4(count! * refineBytes);
    if (aligned.byteLength !== idsStart + idsLen!) fail(`${aligned.byteLength} bytes, expected ${idsStart + idsLen!}`);
    const base = aligned.byteOffset;
    let p = base + headerWords * 4;
    const centroids = new Float32Array(aligned.buffer.slice(p, p + lists! * dim! * 4));
    p += lists! * dim! * 4;
    const params = new Float32Array(aligned.buffer.slice(p, p + codecFloats * 4));
    p += codecFloats * 4;
    const codec: VectorCodec = kindCode === 1 ? new ScalarQuantizer(params.slice(0, dim), params.slice(dim)) : new ProductQuantizer(dim!, codeBytes!, params);
    if (codec.codeBytes !== codeBytes) fail(`codec of ${codec.codeBytes} bytes, header says ${codeBytes}`);
    const refiner = refineBytes > 0 ? new ProductQuantizer(dim!, refineBytes, new Float32Array(aligned.buffer.slice(p, p + refinerFloats * 4))) : null;
    p += refinerFloats * 4;
    const listOf = new Uint32Array(aligned.buffer, p, count);
    // Each list gets exactly its items' room (a list grown by doubling would copy its codes).
    const index = new CompactIndex(codec, centroids, 1, residual === 1, refiner);
    index.#capacity = Math.max(1, count!);
    index.#listOfRow = new Uint32Array(index.#capacity);
    index.#posInList = new Uint32Array(index.#capacity);
    const listSizes = new Uint32Array(lists!);
    for (let row = 0; row < count!; row++) if (listOf[row]! < lists!) listSizes[listOf[row]!]!++;
    index.#lists.forEach((l, list) => {
      const room = Math.max(4, listSizes[list]!);
      l.rows = new Uint32Array(room);
      l.codes = new Uint8Array(room * codeBytes!);
      l.refine = new Uint8Array(room * refineBytes);
    });
    const words32 = codeBytes! % 4 === 0 ? index.#lists.map((l) => new Uint32Array(l.codes.buffer, l.codes.byteOffset, l.codes.length >> 2)) : null;
    const codeWords = words32 ? new Uint32Array(aligned.buffer, aligned.byteOffset + codesStart, (count! * codeBytes!) >> 2) : null;
    const refineWords32 = refineBytes % 4 === 0 ? index.#lists.map((l) => new Uint32Array(l.refine.buffer, l.refine.byteOffset, l.refine.length >> 2)) : null;
    const refineWords = new Uint32Array(aligned.buffer, aligned.byteOffset + refineStart, refineWords32 ? (count! * refineBytes) >> 2 : 0);
    // Ids stay packed until needed (see #packedIds): here only their bounds are checked.
    const starts = new Uint32Array(count!);
    let q = idsStart;
    for (let row = 0; row < count!; row++) {
      if (q + 2 > aligned.byteLength) fail(`ids end before id ${row}`);
      const len = aligned[q]! | (aligned[q + 1]! << 8);
      if (q + 2 + len > aligned.byteLength) fail(`id ${row} overruns the ids section`);
      starts[row] = q - idsStart;
      q += 2 + len;
      const list = listOf[row]!;
      if (list >= lists!) fail(`item ${row} in list ${list} of ${lists}`);
      const to = index.#appendToList(row, list);
      // A word at a time when codes are whole words (a subarray per row would cost a million objects).
      if (words32) {
        const into = words32[list]!;
        for (let w = 0, from = (row * codeBytes!) >> 2, at = to.offset >> 2, n = codeBytes! >> 2; w < n; w++) into[at + w] = codeWords![from + w]!;
      } else {
        to.codes.set(aligned.subarray(codesStart + row * codeBytes!, codesStart + (row + 1) * codeBytes!), to.offset);
      }
      if (refineBytes === 0) continue;
      const at = index.#posInList[row]! * refineBytes;
      if (refineWords32) {
        const into = refineWords32[list]!;
        for (let w = 0, from = (row * refineBytes) >> 2, to4 = at >> 2, n = refineBytes >> 2; w < n; w++) into[to4 + w] = refineWords[from + w]!;
      } else {
        index.#lists[list]!.refine.set(aligned.subarray(refineStart + row * refineBytes, refineStart + (row + 1) * refineBytes), at);
      }
    }
    index.#packedIds = { bytes: aligned.slice(idsStart, idsStart + idsLen!), starts };
    return index;
  }
}

const FORMAT_MAGIC = 0x58434253; // 'SBCX' read as a little-endian u32
const FORMAT_VERSION = 1;
/** Version 2: version 1 with a refiner (see the file header). */
const FORMAT_VERSION_REFINED = 2;
const HEADER_WORDS = 9;
const HEADER_WORDS_V2 = 10;
const pad4 = (n: number): number => (n + 3) & ~3;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
