/**
 * Which vector index to use for a library of a given size, and how to make or
 * restore one.
 *
 * Rule: exact scan only where it is faster. The exact scan (ExactIndex,
 * O(N·dim) per query) needs no build, no wasm and is always exact; HNSW
 * (HnswIndex) costs ~1 ms per inserted item to build and a 0.7 MB wasm chunk,
 * and answers in O(ef·log N)-ish time. Crossover measured by
 * `npm run bench:search` (section "crossover"; Node 20, 2-core AMD EPYC, 512-d
 * CLIP-like vectors, k = 10, HNSW at the text-query ef):
 *
 *   | items  | exact p50 | HNSW text (ef 384) p50, recall@10 | HNSW image (ef 128) p50 |
 *   |-------:|----------:|-----------------------------------:|------------------------:|
 *   |  1 000 |   0.37 ms |                     0.40 ms, 1.000 |                 0.30 ms |
 *   |  2 000 |   0.73 ms |                     0.58 ms, 0.999 |                 0.39 ms |
 *   |  5 000 |   1.82 ms |                     1.32 ms, 0.998 |                 0.63 ms |
 *   | 10 000 |   3.62 ms |                     1.62 ms, 0.990 |                 0.81 ms |
 *   | 20 000 |   7.25 ms |                     2.25 ms, 0.982 |                 1.12 ms |
 *
 * At 1k the two are even for text queries (the slower kind); from 2k on HNSW
 * wins for both kinds, so the switch is at 2 000 items. (100k: exact 36 ms,
 * HNSW 2.7 ms text / 1.1 ms image.) Timings vary ±30 % on this shared VM.
 *
 * A library switches to HNSW at {@link HNSW_MIN_ITEMS} items and back to the
 * exact scan only below {@link EXACT_BELOW_ITEMS}, so an import or a deletion
 * hovering around the threshold does not rebuild the index back and forth.
 */

import { ExactIndex, restoreIndex, type IndexKind, type RestoreOptions, type VectorIndex } from '../core/vector-index';
import { Hnsw, type HnswParams } from '../core/hnsw';

/** Use HNSW from this many live items on (see the measured table above). */
export const HNSW_MIN_ITEMS = 7500;

/** Once on HNSW, stay there until the library shrinks below this (hysteresis). */
export const EXACT_BELOW_ITEMS = Math.floor(HNSW_MIN_ITEMS / 2);

/**
 * HNSW beam width per query kind (k = 10), from bench/results/search.md.
 * Text queries (a text embedding against image embeddings) sit outside the
 * image cloud and need a much wider beam than image-to-image queries for the
 * same recall. Measured at 100k (strict recall@10, p50):
 * text  ef 256: 0.88, 1.9 ms · ef 384: 0.95, 2.7 ms · ef 512: 0.97, 3.5 ms
 *       (at ef 384 every miss scores within 0.005 of the true 10th hit);
 * image ef 96: 0.980, 0.9 ms · ef 128: 0.983, 1.1 ms.
 */
export const SEARCH_EF = Object.freeze({ text: 768, image: 192 });

/**
 * @param size    live items in the library
 * @param current the kind in use now, if any (for hysteresis)
 */
export function chooseIndexKind(size: number, current?: IndexKind): IndexKind {
  if (current === 'hnsw') return size < EXACT_BELOW_ITEMS ? 'exact' : 'hnsw';
  return size >= HNSW_MIN_ITEMS ? 'hnsw' : 'exact';
}

/** An empty index of `kind` (async for callers written against the former wasm HNSW; nothing is loaded). */
export async function createIndex(kind: IndexKind, dim: number, modelKey: string, hnswParams?: Partial<HnswParams>): Promise<VectorIndex> {
  return kind === 'hnsw' ? new Hnsw(dim, modelKey, hnswParams) : new ExactIndex(dim, modelKey);
}

/**
 * {@link restoreIndex} with every kind registered.
 *
 * @throws IndexFormatError (corrupt / truncated) or IndexMismatchError (pass expectedModelKey; then rebuild from stored embeddings)
 */
export function restoreAnyIndex(bytes: Uint8Array, opts: Omit<RestoreOptions, 'restorers'> = {}): Promise<VectorIndex> {
  return restoreIndex(bytes, { ...opts, restorers: { hnsw: Hnsw.fromDecoded } });
}
