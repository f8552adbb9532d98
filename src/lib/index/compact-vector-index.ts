/**
 * The index of a very large library (from COMPACT_MIN_ITEMS in choose-index.ts): compact codes in
 * memory, full vectors left in storage and read only for each query's candidates
 * (core/compact-index.ts: IVF + residual product quantisation + exact re-rank). A float vector
 * per item in memory (exact scan, HNSW) costs 2 KB at 512 dimensions, 2 GB at a million items;
 * here an item costs its code (dim / 4 bytes: 128 B for CLIP ViT-B/32), list membership and id.
 *
 * The partition and the codec are learnt once, from a sample of the library when the index is
 * built; later additions are encoded with them. Settings come from bench/million.mjs at 1M
 * synthetic CLIP-like items (bench/results/million.md).
 */

import { CompactIndex, refinementResidualsOf, residualsOf, trainCoarseCentroids, type FullVectorStore } from '../core/compact-index';
import { ProductQuantizer } from '../core/quantize';
import type { ScoredId } from '../core/vector';

/**
 * Largest number of coarse lists; a library gets about √n up to this (1 000 at a million items).
 * An item finds its list through a shortlist of the centroids (core CentroidShortlist: about 160
 * dot products at 1 024 lists instead of 1 024), so more lists cost the build little; fewer, longer
 * lists make the partition coarser: measured with
 * 256 lists at 1M (bench/results/million-browser-1m.md), text queries probing 1/16 of the lists
 * scanned 27 % of the library for recall@10 0.863 (100 candidates) and 1/8 scanned 37 % for 0.95 (200),
 * against 0.956–0.964 at 1/16 with 500 lists at 250k.
 */
export const COMPACT_MAX_LISTS = 1024;

/** Vectors sampled from the library to learn the lists and the codebooks. */
export const COMPACT_TRAIN_SAMPLE = 20_000;

/** Components per product-quantiser byte: 4, so a 512-d vector takes 128 bytes. */
const COMPONENTS_PER_BYTE = 4;
const COARSE_ITERATIONS = 6;
/**
 * Biggest list wanted, × the mean (see trainCoarseCentroids): plain k-means left lists of 1 to
 * 36 964 items (median 321) at 1M, and a query scanned 150k–250k codes for 32–64 of 1 024 lists.
 */
const MAX_LIST_RATIO = 2;
const PQ_ITERATIONS = 8;
/**
 * Components per byte of the refiner, the second product quantiser that codes what the first code
 * leaves (core/compact-index.ts, "Refinement"): 4, another dim / 4 bytes per item (128 MB at a
 * million 512-d items). It orders a query's candidates nearly as their exact scores do, so the
 * re-rank reads a few dozen full vectors from IndexedDB instead of a few hundred
 * (bench/results/million-notes.md, 7 Dec 2026 04:00).
 */
const REFINE_COMPONENTS_PER_BYTE = 4;

/**
 * Per query kind: the lists scanned (a share of them, at least `minProbes`), the candidates kept
 * from the code scan and how many of their full vectors are read at a time (reading stops once
 * none left can reach the top k: each read is an IndexedDB get, 50–200 µs in Chromium).
 * Text queries (outside the photo cloud, their top scores bunched close together) need a wider
 * scan than image queries. Measured on synthetic CLIP-like items with balanced lists
 * (bench/results/million-notes.md), recall@10 against the exact scan:
 * 1M, 1 000 lists (one sweep, 60 queries per kind): image 16 lists and 100 candidates 0.985 (54k
 * codes scanned); text with 300 candidates: 64 lists 0.925 (120k codes), 84 lists 0.948, 94 lists
 * 0.95, 100 lists 0.967 (176k codes, 205 vectors read), 110 lists 0.975, 125 lists (1/8, the
 * setting before) 0.977 (212k codes; 400 candidates 0.978, 251 read). So text takes 1/10 of the
 * lists and 300 candidates: recall stays above 0.96 for 0.83 of the codes and reads of 1/8 with 400.
 * 250k, 500 lists: image 8 lists 0.946, 16 lists 0.978, 32 lists 0.998; text 64 lists (the minimum)
 * 0.962–0.964 with 200–400 candidates.
 * With the refiner (candidates read in refined order), 250k, 500 lists, 10k training sample: text 64
 * lists + 300 candidates read 10 / 20 / 50 at a time: 39 / 46 / 67 vectors read per query (202
 * without the refiner), recall 0.945 / 0.947 / 0.95; image 16 lists + 100: 24 / 27 / 50 read, recall
 * 0.965 for all three. So 20 at a time: a fifth of the reads, two or three IndexedDB transactions.
 */
export const COMPACT_SEARCH: Readonly<Record<'text' | 'image', { probeShare: number; minProbes: number; candidates: number; rerankBatch: number }>> = Object.freeze({
  text: { probeShare: 1 / 10, minProbes: 64, candidates: 300, rerankBatch: 20 },
  image: { probeShare: 1 / 64, minProbes: 16, candidates: 100, rerankBatch: 20 },
});

/** Lists a query of `kind` scans in an index of `lists` coarse lists ({@link COMPACT_SEARCH}). */
export function compactProbesFor(lists: number, kind: 'text' | 'image'): number {
  const { probeShare, minProbes } = COMPACT_SEARCH[kind];
  return Math.min(lists, Math.max(minProbes, Math.ceil(lists * probeShare)));
}

/** Coarse lists for a library of `size` items: about √size, at most {@link COMPACT_MAX_LISTS}. */
export function compactListsFor(size: number): number {
  return Math.max(1, Math.min(COMPACT_MAX_LISTS, Math.round(Math.sqrt(size))));
}

/** Product-quantiser bytes per vector: dim / 4, or the largest divisor of dim below that. */
function subspacesFor(dim: number, componentsPerByte = COMPONENTS_PER_BYTE): number {
  let m = Math.max(1, Math.floor(dim / componentsPerByte));
  while (dim % m !== 0) m--;
  return m;
}

export interface CompactQuery {
  k: number;
  kind: 'text' | 'image';
  filter?: (id: string) => boolean;
  /** Only these ids, each looked up once in the index (the items of the places a query names). */
  onlyIds?: readonly string[];
}

/** A {@link CompactIndex} with its model key and the store its re-rank reads full vectors from. */
export class CompactVectorIndex {
  readonly kind = 'compact' as const;

  constructor(
    readonly modelKey: string,
    readonly compact: CompactIndex,
    readonly store: FullVectorStore,
  ) {}

  /**
   * An empty index whose partition and codec are learnt from `sample` (vectors of the library),
   * sized for a library of `expectedSize` items.
   *
   * @throws RangeError when the sample is empty or its vectors are not `dim` long
   */
  static train(sample: readonly Float32Array[], dim: number, expectedSize: number, modelKey: string, store: FullVectorStore): CompactVectorIndex {
    const lists = Math.min(compactListsFor(expectedSize), sample.length);
    const centroids = trainCoarseCentroids(sample, dim, { lists, iterations: COARSE_ITERATIONS, maxListRatio: MAX_LIST_RATIO });
    const residuals = residualsOf(sample, centroids, dim);
    const codec = ProductQuantizer.train(residuals, dim, { subspaces: subspacesFor(dim), iterations: PQ_ITERATIONS });
    const refiner = ProductQuantizer.train(refinementResidualsOf(residuals, codec), dim, { subspaces: subspacesFor(dim, REFINE_COMPONENTS_PER_BYTE), iterations: PQ_ITERATIONS });
    return new CompactVectorIndex(modelKey, new CompactIndex(codec, centroids, Math.max(1024, expectedSize), true, refiner), store);
  }

  /**
   * The index saved by {@link serialize}.
   *
   * @throws RangeError when the bytes are not a compact index
   */
  static restore(bytes: Uint8Array, modelKey: string, store: FullVectorStore): CompactVectorIndex {
    return new CompactVectorIndex(modelKey, CompactIndex.restore(bytes), store);
  }

  get dim(): number {
    return this.compact.dim;
  }

  get size(): number {
    return this.compact.size;
  }

  has(id: string): boolean {
    return this.compact.has(id);
  }

  /** Encodes a unit vector (replacing an existing id's code). */
  add(id: string, vector: Float32Array): void {
    this.compact.add(id, vector);
  }

  addMany(items: Iterable<{ id: string; vector: Float32Array }>): void {
    for (const { id, vector } of items) this.compact.add(id, vector);
  }

  remove(id: string): boolean {
    return this.compact.remove(id);
  }

  /** Top-k by exact cosine among the candidates of the code scan (score descending, ties by id). */
  search(query: Float32Array, q: CompactQuery): Promise<ScoredId[]> {
    const knobs = COMPACT_SEARCH[q.kind];
    const opts = { k: q.k, probes: compactProbesFor(this.compact.lists, q.kind), candidates: Math.max(q.k, knobs.candidates), rerankBatch: knobs.rerankBatch };
    return this.compact.search(query, { ...opts, filter: q.filter, onlyIds: q.onlyIds }, this.store);
  }

  serialize(): Uint8Array {
    return this.compact.serialize();
  }
}
