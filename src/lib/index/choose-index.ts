/**
 * Which vector index to use for a library of a given size, and how to make or
 * restore one.
 *
 * HNSW here is `Hnsw` (src/lib/core/hnsw.ts, pure TypeScript): it runs under
 * the app's CSP and restores 100k items in 0.1–0.3 s. The hnswlib-wasm
 * wrapper (bench/lib/hnswlib-wasm-index.ts) needs 'unsafe-eval' and ~1.6 s to
 * restore 100k through IDBFS; it stays in the repo as the measured
 * alternative and is not imported on the app path. Both write kind 'hnsw'
 * (code 2), told apart by the payload's own magic: bytes from the wasm
 * version fail to restore with IndexFormatError('payload'), so the caller
 * rebuilds, as for any corrupt index.
 *
 * Rule: exact scan only where it is faster. The exact scan (ExactIndex,
 * O(N·dim) per query) needs no build and is always exact; HNSW costs
 * ~0.6–1 ms per inserted item to build and answers in roughly O(ef·log N).
 * Crossover measured by `npm run bench:search` (section "Crossover"; Node 20,
 * 2-core AMD EPYC shared VM, 512-d CLIP-like vectors, k = 10, HNSW at
 * {@link SEARCH_EF}):
 *
 *   | items  | exact p50 | HNSW text (ef 768) p50, recall@10 | HNSW image (ef 192) p50, recall@10 |
 *   |-------:|----------:|-----------------------------------:|-----------------------------------:|
 *   |  1 000 |   0.35 ms |                     0.59 ms, 1.000 |                     0.42 ms, 1.000 |
 *   |  2 000 |   0.69 ms |                     1.03 ms, 0.999 |                     0.64 ms, 0.995 |
 *   |  5 000 |   1.73 ms |                     1.92 ms, 0.999 |                     0.96 ms, 0.989 |
 *   |  7 500 |   2.62 ms |                     2.50 ms, 0.999 |                     1.15 ms, 0.990 |
 *   | 10 000 |   3.53 ms |                     3.02 ms, 0.999 |                     1.27 ms, 0.994 |
 *   | 20 000 |   7.02 ms |                     4.25 ms, 0.998 |                     1.52 ms, 0.987 |
 *
 * Image queries win from 2k on, text queries (the wide beam) only from 7.5k:
 * the switch is at 7 500 items, where both kinds are faster on HNSW. (100k:
 * exact 35 ms; HNSW 6.0 ms text, 1.7 ms image.) Timings vary ±30 % on this
 * shared VM.
 *
 * A library switches to HNSW at {@link HNSW_MIN_ITEMS} items and back to the
 * exact scan only below {@link EXACT_BELOW_ITEMS}, so an import or a deletion
 * hovering around the threshold does not rebuild the index back and forth.
 */

import { ExactIndex, restoreIndex, type IndexKind, type RestoreOptions, type VectorIndex } from '../core/vector-index';
import { Hnsw, type HnswParams } from '../core/hnsw';

/** Use HNSW from this many live items on (the measured crossover above). */
export const HNSW_MIN_ITEMS = 7500;

/** Once on HNSW, stay there until the library shrinks below this (hysteresis). */
export const EXACT_BELOW_ITEMS = Math.floor(HNSW_MIN_ITEMS / 2);

/**
 * HNSW beam width per query kind (k = 10), from bench/results/search.md: the
 * smallest swept ef with recall@10 ≥ 0.98 at 100k, plus margin for text.
 * Text queries (a text embedding against image embeddings) sit outside the
 * image cloud and need a much wider beam than image-to-image queries for the
 * same recall. Measured at 100k (strict recall@10, p50 / p99):
 * text  ef 384: 0.954, 3.4 / 4.9 ms · ef 512: 0.973, 3.8 / 6.0 ms ·
 *       ef 640: 0.984, 4.8 / 6.7 ms · ef 768: 0.989, 6.0 / 8.0 ms
 *       (at ef ≥ 384 every miss scores within 0.005 of the true 10th hit);
 * image ef 128: 0.976, 1.3 / 2.2 ms · ef 192: 0.983, 1.7 / 3.1 ms.
 * Text takes 640 (0.985 with the entry beam of {@link SEARCH_ENTRY_BEAM}, 11–14 % of the exact
 * scan's p50 against 17 % at ef 768); no ef gives text recall ≥ 0.98 within 5 % of the scan at
 * 100k (hnswlib-wasm neither). Lower it to trade recall for latency.
 * Unfiltered text queries on an HNSW library now go through the int8 text ranker
 * (src/lib/search/text-ranker.ts) once it is built; this beam serves filtered text queries,
 * "show more" past 256 results, and the seconds after start while the ranker is built.
 */
export const SEARCH_EF = Object.freeze({ text: 640, image: 192 });

/**
 * Layer-1 beam whose results all seed the layer-0 beam (SearchOptions.entryBeam; 0 = one greedy
 * entry point, as hnswlib). A text query enters the graph from far outside the photo cloud, and
 * its exact top-10 lie spread over many scenes of a class: starting from the best 64 upper-layer
 * nodes instead of one should reach them with a narrower layer-0 beam. Measured at 100k
 * (bench/results/search.md, "Text queries against the exact scan") the gain is small: recall@10
 * 0.956 / 0.973 / 0.985 / 0.990 at ef 384 / 512 / 640 / 768 against 0.954 / 0.973 / 0.984 /
 * 0.989 with one entry point, for ≈ 600 more scored nodes. Image queries start inside the cloud.
 */
export const SEARCH_ENTRY_BEAM = Object.freeze({ text: 64, image: 0 });

/**
 * The HNSW of a library keeps int8 codes, not vectors (core/hnsw.ts, scores within ~1e-3): the
 * best k + this many of its hits are scored again with the codes and their 4-bit residual codes
 * (Hnsw.refine, within ~1e-4 of the vectors' scores, in memory). Measured at 100k
 * (bench/search-codes.mjs, k = 10, in a Chromium worker) with the stored vectors read back from
 * IndexedDB instead: text recall@10 0.973 / 0.993 / 0.993 with 0 / 16 / 32 more, p50 3.1 / 4.2 /
 * 4.9 ms (the read was 2–3 ms of that); image 0.981 / 0.987 with 0 / 16.
 */
export const RESCORE_EXTRA = 16;

/**
 * Use the compact index (compact-vector-index.ts) from this many live items on. HNSW keeps every
 * float vector in memory (2 KB per item at 512 dimensions, plus its graph): 200k items hold about
 * 0.5 GB, a million 2.4 GB, past what a tab can count on. The compact index holds about 150 B per
 * item and reads full vectors from IndexedDB for each query's candidates, which costs a few
 * milliseconds more per query than HNSW at the sizes HNSW fits: so libraries up to 200k
 * (including the 100k of the search bench) stay on HNSW.
 */
export const COMPACT_MIN_ITEMS = 200_000;

/** Once compact, stay there until the library shrinks below this (hysteresis). */
export const HNSW_BELOW_ITEMS = 150_000;

/** What a library index can be: one of the in-memory vector indexes or the compact index. */
export type LibraryIndexKind = IndexKind | 'compact';

/**
 * @param size    live items in the library
 * @param current the kind in use now, if any (for hysteresis)
 */
export function chooseIndexKind(size: number, current?: LibraryIndexKind): LibraryIndexKind {
  if (current === 'compact') return size < HNSW_BELOW_ITEMS ? chooseIndexKind(size) : 'compact';
  if (size >= COMPACT_MIN_ITEMS) return 'compact';
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
export function restoreAnyIndex(bytes: Uint8Array, opts: Omit<RestoreOptions, 'restorers' | 'packedRestorers'> = {}): Promise<VectorIndex> {
  return restoreIndex(bytes, { ...opts, packedRestorers: { hnsw: Hnsw.fromDecoded } });
}
