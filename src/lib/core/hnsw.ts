/**
 * Approximate nearest-neighbour search on a Hierarchical Navigable Small World
 * graph, in pure TypeScript over flat typed arrays.
 *
 * Algorithm: Yu. A. Malkov, D. A. Yashunin, "Efficient and robust approximate
 * nearest neighbor search using Hierarchical Navigable Small World graphs",
 * arXiv:1603.09320 (2016); IEEE TPAMI 42(4):824–836 (online 2018).
 * Implemented: Algorithm 1 INSERT (level ~ ⌊−ln U · mL⌋, mL = 1/ln M),
 * Algorithm 2 SEARCH-LAYER, Algorithm 4 SELECT-NEIGHBORS-HEURISTIC (without
 * extendCandidates / keepPrunedConnections, the variant hnswlib ships) for the
 * new node's links and for shrinking a neighbour's overflowing list,
 * Algorithm 5 K-NN-SEARCH (greedy descent, then a beam of ef at layer 0;
 * optionally a beam on layer 1 whose results all seed layer 0, see search()).
 * Layer 0 keeps up to 2·M links per node, upper layers M (the paper's
 * Mmax0 = 2·M). Routing details follow hnswlib (github.com/nmslib/hnswlib):
 * the closest result of one layer is the entry point of the next, and a
 * filtered search stops only once it holds ef accepted results.
 *
 * Why not hnswlib-wasm (bench/lib/hnswlib-wasm-index.ts): its Emscripten glue
 * needs 'unsafe-eval' (the app's CSP forbids it) and it persists only through
 * IDBFS (1.6 s restore at 100k). Here, serialising is a copy of the typed
 * arrays into one SBVX buffer and restoring is views/copies of them.
 *
 * Scores are inner products; with L2-normalised vectors (what the app stores)
 * they are cosine similarities in [−1, 1]. Scores are summed exactly as
 * `VectorMatrix.topK` does (same four accumulators, same order), so a hit's
 * score equals the exact index's score for the same vector, bit for bit.
 *
 * Storage, per node (a node is one inserted vector; ids map to live nodes):
 * - vectors: Float32Array, node n at [n·dim, (n+1)·dim); or, for an index made with a
 *   component coder (core/int8-codes.ts ScalarCoder, {@link HnswCodes}), the vector's int8 code
 *   instead, rowBytes per node (a quarter of the memory; 51 MB instead of 205 MB at 100k × 512).
 *   Such an index scores a query as q·μ + Σ (q_d / s_d)·c_d and two nodes as the dot product of
 *   their decoded codes: its scores are approximate (error ~1e-3 in cosine, bounded by
 *   Σ |q_d|·0.5/s_d), so its caller re-scores the best hits with {@link Hnsw.refine}: each node
 *   also keeps a 4-bit code of its code's rounding residual (rowBytes / 2 more bytes, 256 at 512-d),
 *   which brings the error to Σ |q_d|/(32·s_d) (~1e-4) without reading the float vectors.
 * - layer-0 links: Int32Array, 1 + 2M slots per node: [count, ids…]
 * - upper links: one Int32Array of blocks, 1 + M slots per layer 1..level of
 *   each node with level ≥ 1, allocated in node order (so the offsets are a
 *   prefix sum of the levels and need not be stored)
 * - levels: Uint8Array; deleted: bitset (Uint32Array)
 * Removing (or replacing) an id marks its node deleted: still routed through,
 * never returned. Deleted nodes keep their memory until the index is rebuilt
 * (see {@link Hnsw.deletedCount}).
 *
 * Payload (inside the SBVX container of core/vector-index.ts, kind 'hnsw'),
 * u32/i32/f32 little-endian, every section 4-byte aligned, N = node count:
 *
 * | words / bytes              | content                                              |
 * |----------------------------|------------------------------------------------------|
 * | 12 u32                     | magic 'SBHN', payload version (1: float vectors, 2:  |
 * |                            | int8 codes, 3: int8 codes and their residual codes), |
 * |                            | M, efConstruction, efSearch, seed, PRNG              |
 * |                            | state, N, entry point (i32, −1 when empty), max      |
 * |                            | level (i32), upper-links length in i32 words,        |
 * |                            | deleted count                                        |
 * | N·dim f32 (version 1)      | vectors                                              |
 * | 2·dim f64 (version 2+)     | the coder's mean, then its scales                    |
 * | N·rowBytes i8 (version 2+) | codes (rowBytes = dim rounded up to 16)              |
 * | N·rowBytes/2 u8 (version 3)| 4-bit residual codes, two components per byte        |
 * | N·(1 + 2M) i32             | layer-0 links                                        |
 * | upper-links length i32     | upper links                                          |
 * | ⌈N/32⌉ u32                 | deleted bitset                                       |
 * | count u32                  | node of each id of the container's ids section       |
 * | N u8, zero-padded to 4     | levels                                               |
 *
 * Pure and synchronous: no DOM, idb, wasm or worker globals.
 */

import {
  compareHits,
  decodePackedIndex,
  encodeIndex,
  encodedIdsOf,
  IndexFormatError,
  IndexMismatchError,
  readIndexHeader,
  type EncodedIds,
  type PackedDecodedIndex,
  type SearchOptions,
  type VectorIndex,
} from './vector-index';
import { dotAt as kernelDotAt, type ScoredId } from './vector';
import { resizedColumn } from './typed-columns';
import { PackedIdTable, type PackedIds } from './packed-ids';
import {
  codeDotAt,
  codePairDotAt,
  codeQueryWeights,
  decodeScalarRow,
  encodeResidualRow,
  encodeScalarRow,
  fitScalarCoder,
  inverseScales,
  refinedDotAt,
  residualRowBytes,
  roundUp16,
  scalarCoderOf,
  type ScalarCoder,
} from './int8-codes';

/** HNSW build/search parameters. */
export interface HnswParams {
  /** Links per node on upper layers (2·m on layer 0), 2…128. */
  m: number;
  /** Beam width while inserting, ≥ 1; higher = better graph, slower build. */
  efConstruction: number;
  /** Default beam width while searching (`SearchOptions.ef` overrides); max(k, ef) is used. */
  efSearch: number;
  /** Seed of the level generator: the same seed and insertion order give the same graph. */
  seed: number;
  /** Nodes to allocate up front; capacity then doubles (×1.5 beyond 65 536 nodes). */
  initialCapacity: number;
}

/**
 * Defaults chosen by measurement on CLIP-like 512-d vectors (bench/search.mjs,
 * numbers in bench/results/search.md). At 100k, M = 24 or efConstruction = 200
 * built 1.3× / 2.3× slower without more recall per millisecond of query time.
 * efSearch = the image-query beam of choose-index.ts (SEARCH_EF.image).
 */
export const DEFAULT_HNSW_PARAMS: Readonly<HnswParams> = Object.freeze({
  m: 16,
  efConstruction: 100,
  efSearch: 192,
  seed: 100,
  initialCapacity: 1024,
});

const PAYLOAD_MAGIC = 0x4e484253; // 'SBHN' read as a little-endian u32
/** Payload versions: float vectors, int8 codes, int8 codes with their 4-bit residuals. */
const PAYLOAD_FLOAT = 1;
const PAYLOAD_CODES = 2;
const PAYLOAD_RESIDUALS = 3;
/**
 * Vectors the coder of {@link Hnsw.encodeVectors} is fitted on, evenly spread over the nodes
 * (the text ranker's sample size: per-component means and spreads settle well before).
 */
export const CODER_SAMPLE = 8000;
const PAYLOAD_HEADER_WORDS = 12;
/** Level cap (u8 storage; with M ≥ 2 reaching even 20 has probability ≈ 2⁻²⁰ per node). */
const MAX_LEVEL = 31;
const MAX_M = 128;
/** Filter pass rate is estimated from this many live nodes before a filtered search. */
const FILTER_SAMPLE = 128;
/**
 * Nodes a layer-0 beam of width ef evaluates, per unit of ef (7–13 measured on
 * CLIP-like 512-d data at 10k–30k, M = 16, ef 64–768); predicts the cost of a
 * filtered search (which expands ≈ this · ef / pass rate nodes).
 */
const VISITS_PER_EF = 12;
/** Growth: doubling while small, ×1.5 beyond this many nodes (N·dim·4 bytes per copy). */
const DOUBLING_LIMIT = 65_536;

const pad4 = (n: number): number => (n + 3) & ~3;

/**
 * Where an index of int8 codes keeps them: plain memory by default; a caller can hand in memory it
 * shares with another reader of the same codes (the text ranker's WebAssembly scan).
 */
export interface CodeStore {
  /** Room for `rows` rows of `rowBytes`, the first `keep` rows kept; the view of all rows. */
  resize(rows: number, rowBytes: number, keep: number): Int8Array;
  /** The current view of the rows (the memory under it may have been replaced since resize). */
  view(): Int8Array;
}

/** Codes in an ArrayBuffer of their own (or a view of restored bytes until the first resize). */
export class ArrayCodeStore implements CodeStore {
  #codes: Int8Array;
  constructor(codes: Int8Array = new Int8Array(0)) {
    this.#codes = codes;
  }
  resize(rows: number, rowBytes: number, keep: number): Int8Array {
    return (this.#codes = resizedColumn(this.#codes.subarray(0, Math.min(keep, rows) * rowBytes), rows * rowBytes));
  }
  view(): Int8Array {
    return this.#codes;
  }
}

/** Makes an {@link Hnsw} keep int8 codes of its vectors instead of the vectors. */
export interface HnswCodes {
  coder: ScalarCoder;
  /** Default: an {@link ArrayCodeStore}. */
  store?: CodeStore;
}

/**
 * The vector kernel, bound once. Bundled, this is a plain call; Vite's SSR loader (the search
 * bench, the unit tests) reaches an import through a getter on every call, and search spends
 * nearly all its time scoring.
 */
const dotAt = kernelDotAt;

/** Binary min-heap of (key, node) on typed arrays; grows by doubling, never shrinks. */
class MinHeap {
  keys: Float64Array;
  vals: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.keys = new Float64Array(capacity);
    this.vals = new Int32Array(capacity);
  }

  push(key: number, val: number): void {
    if (this.size === this.keys.length) {
      this.keys = resizedColumn(this.keys, this.size * 2);
      this.vals = resizedColumn(this.vals, this.size * 2);
    }
    const keys = this.keys;
    const vals = this.vals;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = keys[parent]!;
      if (pk <= key) break;
      keys[i] = pk;
      vals[i] = vals[parent]!;
      i = parent;
    }
    keys[i] = key;
    vals[i] = val;
  }

  /** Removes the smallest key (read it first from keys[0] / vals[0]). */
  pop(): void {
    const n = --this.size;
    if (n === 0) return;
    const keys = this.keys;
    const vals = this.vals;
    const key = keys[n]!;
    const val = vals[n]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && keys[child + 1]! < keys[child]!) child++;
      if (keys[child]! >= key) break;
      keys[i] = keys[child]!;
      vals[i] = vals[child]!;
      i = child;
    }
    keys[i] = key;
    vals[i] = val;
  }
}

/** Per-search working memory, reused across calls (no per-query allocation but the result). */
class Scratch {
  /** visited[n] === gen ⇔ node n was visited in the current search. */
  visited = new Uint32Array(0);
  gen = 0;
  /** Candidates to expand, keyed by −score (best first). */
  readonly candidates = new MinHeap(256);
  /** Best ef results so far, keyed by score (worst on top). */
  readonly results = new MinHeap(256);
  /** Sorted candidate lists for the neighbour heuristic. */
  listNodes = new Int32Array(256);
  listScores = new Float64Array(256);
  selected = new Int32Array(256);
  /** For shrinking an overflowing neighbour list (≤ 2M + 1 entries). */
  readonly shrinkNodes: Int32Array;
  readonly shrinkScores: Float64Array;
  readonly shrinkOut: Int32Array;

  constructor(m0: number) {
    this.shrinkNodes = new Int32Array(m0 + 1);
    this.shrinkScores = new Float64Array(m0 + 1);
    this.shrinkOut = new Int32Array(m0 + 1);
  }

  /** A fresh visit stamp, with the visited array covering `capacity` nodes. */
  next(capacity: number): number {
    if (this.visited.length < capacity) {
      this.visited = resizedColumn(this.visited, capacity);
    }
    this.gen = (this.gen + 1) >>> 0;
    if (this.gen === 0) {
      this.visited.fill(0);
      this.gen = 1;
    }
    return this.gen;
  }

  /** Entry points of a multi-seed layer search (index 0 is passed separately). */
  seedNodes = new Int32Array(64);
  seedScores = new Float64Array(64);

  ensureSeeds(n: number): void {
    if (this.seedNodes.length >= n) return;
    this.seedNodes = new Int32Array(n);
    this.seedScores = new Float64Array(n);
  }

  /** List buffers of at least n entries. */
  ensureList(n: number): void {
    if (this.listNodes.length >= n) return;
    const size = Math.max(n, this.listNodes.length * 2);
    this.listNodes = new Int32Array(size);
    this.listScores = new Float64Array(size);
    this.selected = new Int32Array(size);
  }
}

/** mulberry32 step: next state and a uniform number in [0, 1). */
function mulberry32(state: number): { state: number; u: number } {
  const a = (state + 0x6d2b79f5) >>> 0;
  let t = a;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { state: a, u: ((t ^ (t >>> 14)) >>> 0) / 4294967296 };
}

function checkParams(p: HnswParams): void {
  const int = (x: number, lo: number, hi: number) => Number.isInteger(x) && x >= lo && x <= hi;
  if (!int(p.m, 2, MAX_M)) throw new RangeError(`Hnsw: m must be an integer in 2…${MAX_M}, got ${p.m}`);
  if (!int(p.efConstruction, 1, 1 << 16)) throw new RangeError(`Hnsw: bad efConstruction ${p.efConstruction}`);
  if (!int(p.efSearch, 1, 1 << 16)) throw new RangeError(`Hnsw: bad efSearch ${p.efSearch}`);
  if (!int(p.seed, 0, 0xffffffff)) throw new RangeError(`Hnsw: seed must be a u32, got ${p.seed}`);
}

/** HNSW index over unit vectors with string ids. */
export class Hnsw implements VectorIndex {
  readonly kind = 'hnsw' as const;
  readonly dim: number;
  readonly modelKey: string;
  readonly params: Readonly<HnswParams>;
  readonly #m: number;
  readonly #m0: number;
  /** Int32 slots per node on layer 0 (count + 2M links) and per upper layer (count + M). */
  readonly #stride0: number;
  readonly #strideUp: number;
  readonly #levelMult: number;

  #capacity = 0;
  #nodeCount = 0;
  #vectors: Float32Array = new Float32Array(0);
  /** Int8 mode (see the top): the coder, 1 / its scales, the codes' store and row length; null coder in float mode. */
  #coder: ScalarCoder | null = null;
  #inverse: Float64Array = new Float64Array(0);
  #store: CodeStore | null = null;
  #rowBytes = 0;
  /**
   * Int8 mode: each node's 4-bit residual code (core/int8-codes.ts encodeResidualRow), residualBytes
   * per node, which {@link refine} scores with; null in float mode and for an index restored from
   * codes saved without them (payload version 2) until {@link addResiduals}.
   */
  #residuals: Uint8Array | null = null;
  #residualBytes = 0;
  /** Query weights of the node being inserted (int8 mode). */
  #insertWeights = new Float32Array(0);
  #levels = new Uint8Array(0);
  #links0: Int32Array = new Int32Array(0);
  /** Start of each node's upper-layer blocks in #upper, −1 for level-0 nodes. */
  #upperOffset = new Int32Array(0);
  #upper: Int32Array = new Int32Array(0);
  #upperLength = 0;
  #deleted = new Uint32Array(0);
  #deletedCount = 0;
  /**
   * A restored index's ids as saved, never all decoded (100,000 id strings, a map and an array of
   * them are ~10 MB of small objects a worker's young generation grows for and keeps until its
   * first full collection): found through a hash table over their bytes, decoded one at a time
   * (a search returns tens). A packed id is live while its node is not deleted. Null for an index
   * built here.
   */
  #packed: { ids: PackedIds; table: PackedIdTable; nodeOfRow: Uint32Array; rowOfNode: Int32Array; live: number } | null = null;
  /** Nodes below this are the restored ones of #packed; the ids of the others are in #nodeToId and #idToNode. */
  #firstOwnNode = 0;
  /** Ids of nodes #firstOwnNode… at node − #firstOwnNode; undefined once deleted. */
  #nodeToId: Array<string | undefined> = [];
  /** Nodes of the live ids of #nodeToId. */
  #idToNode = new Map<string, number>();
  #entry = -1;
  #maxLevel = -1;
  #rngState: number;
  #scratch: Scratch;
  #searching = false;

  /**
   * An empty index.
   *
   * @param dim      vector length, ≥ 1
   * @param modelKey embedding model identifier, stored in the serialised header
   * @throws RangeError on a bad dim or parameter
   */
  constructor(dim: number, modelKey: string, params: Partial<HnswParams> = {}, codes?: HnswCodes) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`Hnsw: bad dim ${dim}`);
    if (codes && codes.coder.dim !== dim) throw new RangeError(`Hnsw: a coder of ${codes.coder.dim} dimensions for vectors of ${dim}`);
    const p: HnswParams = { ...DEFAULT_HNSW_PARAMS, ...params };
    checkParams(p);
    this.dim = dim;
    this.modelKey = modelKey;
    this.params = Object.freeze(p);
    this.#m = p.m;
    this.#m0 = 2 * p.m;
    this.#stride0 = 1 + this.#m0;
    this.#strideUp = 1 + p.m;
    this.#levelMult = 1 / Math.log(p.m);
    this.#rngState = p.seed >>> 0;
    this.#scratch = new Scratch(this.#m0);
    if (codes) {
      this.#useCoder(codes.coder, codes.store ?? new ArrayCodeStore());
      this.#residuals = new Uint8Array(0);
    }
    this.#grow(Math.max(1, Math.floor(p.initialCapacity) || 1));
  }

  #useCoder(coder: ScalarCoder, store: CodeStore): void {
    this.#coder = coder;
    this.#inverse = inverseScales(coder);
    this.#store = store;
    this.#rowBytes = coder.rowBytes;
    this.#residualBytes = residualRowBytes(coder);
    this.#insertWeights = new Float32Array(this.dim);
  }

  /** Where the codes are kept (int8 mode), else null. */
  get codeStore(): CodeStore | null {
    return this.#store;
  }

  /** The component coder when the index keeps int8 codes instead of vectors, else null. */
  get coder(): ScalarCoder | null {
    return this.#coder;
  }

  /** Whether {@link refine} can score with residual codes (int8 mode, unless restored from codes saved without them). */
  get hasResiduals(): boolean {
    return this.#residuals !== null;
  }

  /** The codes' current view (int8 mode; empty in float mode): node n at [n·rowBytes, (n+1)·rowBytes). */
  get #codes(): Int8Array {
    return this.#store ? this.#store.view() : new Int8Array(0);
  }

  /** The node of a live id, or undefined (what a store sharing the codes reads them by). */
  nodeOf(id: string): number | undefined {
    const node = this.#idToNode.get(id);
    if (node !== undefined || !this.#packed) return node;
    const row = this.#packed.table.rowOf(id);
    if (row < 0) return undefined;
    const packedNode = this.#packed.nodeOfRow[row]!;
    return this.#isDeleted(packedNode) ? undefined : packedNode;
  }

  /** The id of a live node, or undefined for a deleted or unknown node. */
  idOfNode(node: number): string | undefined {
    if (node >= this.#firstOwnNode) return this.#nodeToId[node - this.#firstOwnNode];
    return node >= 0 && !this.#isDeleted(node) ? this.#liveId(node) : undefined;
  }

  /** The id of a node known to be live. */
  #liveId(node: number): string {
    const first = this.#firstOwnNode;
    return node >= first ? this.#nodeToId[node - first]! : this.#packed!.table.idAt(this.#packed!.rowOfNode[node]!);
  }

  /** Number of live (searchable) ids. */
  get size(): number {
    return (this.#packed?.live ?? 0) + this.#idToNode.size;
  }

  /** Allocated nodes (live + deleted + free). */
  get capacity(): number {
    return this.#capacity;
  }

  /** Nodes in the graph (live + deleted). */
  get nodeCount(): number {
    return this.#nodeCount;
  }

  /** Removed or replaced nodes still in the graph (routed through, never returned); rebuild when this grows large. */
  get deletedCount(): number {
    return this.#deletedCount;
  }

  /**
   * Bytes of the typed arrays the index holds (vectors and links at the current
   * capacity, levels, bitsets, search scratch, a restored index's packed ids and
   * their table); the id strings and their map come on top. For a restored index
   * the vectors are a view of the restored bytes, which stay alive as a whole.
   */
  get memoryBytes(): number {
    const s = this.#scratch;
    return (
      this.#vectors.byteLength +
      (this.#store ? this.#capacity * this.#rowBytes : 0) +
      (this.#residuals?.byteLength ?? 0) +
      this.#levels.byteLength +
      this.#links0.byteLength +
      this.#upperOffset.byteLength +
      this.#upper.byteLength +
      this.#deleted.byteLength +
      s.visited.byteLength +
      s.candidates.keys.byteLength * 1.5 +
      s.results.keys.byteLength * 1.5 +
      (this.#packed ? this.#packed.table.tableBytes + this.#packed.table.packedBytes + this.#packed.nodeOfRow.byteLength + this.#packed.rowOfNode.byteLength : 0)
    );
  }

  has(id: string): boolean {
    return this.nodeOf(id) !== undefined;
  }

  /**
   * @param out where the copy goes (length dim), else a new array
   * @returns a copy of the stored vector of `id` (in int8 mode, its decoded code: approximate), or undefined
   */
  get(id: string, out?: Float32Array): Float32Array | undefined {
    const node = this.nodeOf(id);
    return node === undefined ? undefined : this.vectorOfNode(node, out);
  }

  /**
   * {@link get} by node (see {@link liveNodes}).
   *
   * @param node a live node
   */
  vectorOfNode(node: number, out?: Float32Array): Float32Array {
    if (this.#coder) return decodeScalarRow(this.#coder, this.#codes, node * this.#rowBytes, out ?? new Float32Array(this.dim));
    const row = this.#vectors.subarray(node * this.dim, (node + 1) * this.dim);
    if (!out) return row.slice();
    out.set(row);
    return out;
  }

  /**
   * The stored vector of `id` without a copy (see VectorIndex.vectorView), or undefined; always
   * undefined in int8 mode, which keeps no vector (use {@link get}).
   */
  vectorView(id: string): Float32Array | undefined {
    const node = this.nodeOf(id);
    return node === undefined || this.#coder ? undefined : this.#vectors.subarray(node * this.dim, (node + 1) * this.dim);
  }

  /**
   * Keeps int8 codes of the vectors instead of the vectors from now on (see the top): a quarter of
   * the memory, approximate scores. The coder is fitted on up to {@link CODER_SAMPLE} nodes evenly
   * spread over the index unless one is given; the graph stays as it is. The links are copied out
   * of restored bytes, so nothing of those bytes stays referenced. No-op in int8 mode.
   */
  encodeVectors(coder?: ScalarCoder, storeFor: (coder: ScalarCoder) => CodeStore = () => new ArrayCodeStore()): void {
    if (this.#coder) return;
    const n = this.#nodeCount;
    const dim = this.dim;
    const vectors = this.#vectors;
    if (!coder) {
      const step = Math.max(1, n / CODER_SAMPLE);
      const sample: Float32Array[] = [];
      for (let x = 0; x < n; x += step) sample.push(vectors.subarray(Math.floor(x) * dim, (Math.floor(x) + 1) * dim));
      // Fewer than two vectors tell no spread: a coder of unit vectors centred on zero.
      coder = sample.length >= 2 ? fitScalarCoder(sample) : scalarCoderOf(new Float64Array(dim), new Float64Array(dim).fill(127 * Math.sqrt(dim) / 4));
    }
    if (coder.dim !== dim) throw new RangeError(`Hnsw.encodeVectors: a coder of ${coder.dim} dimensions for vectors of ${dim}`);
    const store = storeFor(coder);
    this.#useCoder(coder, store);
    const codes = store.resize(this.#capacity, coder.rowBytes, 0);
    const residuals = (this.#residuals = new Uint8Array(this.#capacity * this.#residualBytes));
    for (let node = 0; node < n; node++) {
      const v = vectors.subarray(node * dim, (node + 1) * dim);
      encodeScalarRow(coder, v, codes, node * coder.rowBytes);
      encodeResidualRow(coder, v, codes, node * coder.rowBytes, residuals, node * this.#residualBytes);
    }
    this.#vectors = new Float32Array(0);
    this.#links0 = this.#links0.slice();
    this.#upper = this.#upper.slice();
  }

  /**
   * Gives an index restored from codes saved without residuals (payload version 2) the residual
   * codes of its live nodes, from their float vectors (`vectorOf`, e.g. the stored ones); deleted
   * nodes, never returned, get none. No-op when it has them; in float mode too.
   *
   * @throws RangeError when a live id has no vector of the index's length
   */
  addResiduals(vectorOf: (id: string) => Float32Array | undefined): void {
    const coder = this.#coder;
    if (!coder || this.#residuals) return;
    const residuals = new Uint8Array(this.#capacity * this.#residualBytes);
    const codes = this.#codes;
    for (let node = 0; node < this.#nodeCount; node++) {
      if (this.#isDeleted(node)) continue;
      const id = this.#liveId(node);
      const v = vectorOf(id);
      if (!v || v.length !== this.dim) throw new RangeError(`Hnsw.addResiduals: no vector of length ${this.dim} for ${id}`);
      encodeResidualRow(coder, v, codes, node * this.#rowBytes, residuals, node * this.#residualBytes);
    }
    this.#residuals = residuals;
  }

  /** Live ids in node (insertion) order. */
  ids(): string[] {
    const out: string[] = [];
    for (let node = 0; node < this.#nodeCount; node++) if (!this.#isDeleted(node)) out.push(this.#liveId(node));
    return out;
  }

  /** Live nodes in order (the order of {@link ids}), without decoding an id. */
  liveNodes(): Uint32Array {
    const out = new Uint32Array(this.size);
    let i = 0;
    for (let node = 0; node < this.#nodeCount; node++) if (!this.#isDeleted(node)) out[i++] = node;
    return out;
  }

  #checkDim(v: Float32Array, what: string): void {
    if (v.length !== this.dim) throw new RangeError(`Hnsw.${what}: expected length ${this.dim}, got ${v.length}`);
  }

  /** Reallocates every per-node array to `capacity` nodes, keeping the contents. */
  #grow(capacity: number): void {
    const copy = <T extends Float32Array | Int32Array | Uint8Array | Uint32Array>(old: T, make: (n: number) => T, n: number): T => {
      const next = make(n);
      next.set(old.subarray(0, Math.min(old.length, n)));
      return next;
    };
    const n = this.#nodeCount;
    if (this.#store) this.#store.resize(capacity, this.#rowBytes, n);
    if (this.#residuals) this.#residuals = copy(this.#residuals.subarray(0, n * this.#residualBytes), (s) => new Uint8Array(s), capacity * this.#residualBytes);
    if (!this.#store) this.#vectors = copy(this.#vectors.subarray(0, n * this.dim), (s) => new Float32Array(s), capacity * this.dim);
    this.#levels = copy(this.#levels.subarray(0, n), (s) => new Uint8Array(s), capacity);
    this.#links0 = copy(this.#links0.subarray(0, n * this.#stride0), (s) => new Int32Array(s), capacity * this.#stride0);
    this.#upperOffset = copy(this.#upperOffset.subarray(0, n), (s) => new Int32Array(s), capacity);
    this.#deleted = copy(this.#deleted, (s) => new Uint32Array(s), (capacity + 31) >>> 5);
    this.#capacity = capacity;
  }

  #ensureCapacity(needed: number): void {
    if (needed <= this.#capacity) return;
    let next = Math.max(1, this.#capacity); // a restored empty index has capacity 0
    while (next < needed) next = next < DOUBLING_LIMIT ? next * 2 : Math.ceil(next * 1.5);
    this.#grow(next);
  }

  #isDeleted(node: number): boolean {
    return ((this.#deleted[node >>> 5]! >>> (node & 31)) & 1) === 1;
  }

  /** Marks the node of `id` (if any) deleted. */
  #retire(id: string): void {
    const node = this.nodeOf(id);
    if (node === undefined) return;
    this.#deleted[node >>> 5]! |= 1 << (node & 31);
    this.#deletedCount++;
    if (node < this.#firstOwnNode) this.#packed!.live--;
    else {
      this.#nodeToId[node - this.#firstOwnNode] = undefined;
      this.#idToNode.delete(id);
    }
  }

  #randomLevel(): number {
    const { state, u } = mulberry32(this.#rngState);
    this.#rngState = state;
    return Math.min(MAX_LEVEL, Math.floor(-Math.log(1 - u) * this.#levelMult));
  }

  /** Start of node's link block on `level` in #links0 (level 0) or #upper. */
  #linkBase(node: number, level: number): number {
    return level === 0 ? node * this.#stride0 : this.#upperOffset[node]! + (level - 1) * this.#strideUp;
  }

  /**
   * Stores `vector` under `id` (a copy; a vector with a non-finite element is
   * stored as zeros, scoring 0 against everything). Replacing an id marks its
   * old node deleted and inserts a new one.
   *
   * @throws RangeError when vector.length ≠ dim
   */
  add(id: string, vector: Float32Array): void {
    this.#checkDim(vector, 'add');
    this.#retire(id);
    this.#ensureCapacity(this.#nodeCount + 1);
    this.#insert(id, vector);
  }

  /** {@link add} for many items (later duplicates win); allocates once for the batch. */
  addMany(items: Iterable<{ id: string; vector: Float32Array }>): void {
    const latest = new Map<string, Float32Array>();
    for (const { id, vector } of items) {
      this.#checkDim(vector, 'addMany');
      latest.delete(id); // re-insert so the order follows the last occurrence
      latest.set(id, vector);
    }
    for (const id of latest.keys()) this.#retire(id);
    this.#ensureCapacity(this.#nodeCount + latest.size);
    for (const [id, vector] of latest) this.#insert(id, vector);
  }

  remove(id: string): boolean {
    if (!this.has(id)) return false;
    this.#retire(id);
    return true;
  }

  /** Algorithm 1 (INSERT). Capacity for one more node must be ensured by the caller. */
  #insert(id: string, vector: Float32Array): void {
    const dim = this.dim;
    const node = this.#nodeCount++;
    // The query of this insert: the stored vector itself, or in int8 mode the weights of the vector given.
    let q: Float32Array;
    let qo = 0;
    let bias = 0;
    const coder = this.#coder;
    if (coder) {
      const finite = vector.every((x) => Number.isFinite(x));
      const v = finite ? vector : new Float32Array(dim);
      encodeScalarRow(coder, v, this.#codes, node * this.#rowBytes);
      if (this.#residuals) encodeResidualRow(coder, v, this.#codes, node * this.#rowBytes, this.#residuals, node * this.#residualBytes);
      q = this.#insertWeights;
      bias = codeQueryWeights(coder, v, q);
    } else {
      qo = node * dim;
      q = this.#vectors;
      q.set(vector, qo);
      for (let j = 0; j < dim; j++) {
        if (!Number.isFinite(q[qo + j]!)) {
          q.fill(0, qo, qo + dim);
          break;
        }
      }
    }
    this.#nodeToId[node - this.#firstOwnNode] = id;
    this.#idToNode.set(id, node);

    const level = this.#randomLevel();
    this.#levels[node] = level;
    this.#links0[node * this.#stride0] = 0;
    if (level > 0) {
      const words = level * this.#strideUp;
      if (this.#upperLength + words > this.#upper.length) {
        this.#upper = resizedColumn(this.#upper.subarray(0, this.#upperLength), Math.max(this.#upperLength + words, this.#upper.length * 2, 1024));
      }
      this.#upperOffset[node] = this.#upperLength;
      for (let l = 0; l < level; l++) this.#upper[this.#upperLength + l * this.#strideUp] = 0;
      this.#upperLength += words;
    } else {
      this.#upperOffset[node] = -1;
    }

    if (this.#entry < 0) {
      this.#entry = node;
      this.#maxLevel = level;
      return;
    }

    let ep = this.#entry;
    let epScore = this.#score(q, qo, bias, ep);
    for (let l = this.#maxLevel; l > level; l--) {
      ep = this.#greedy(q, qo, bias, ep, epScore, l);
      epScore = this.#greedyScore;
    }
    const s = this.#scratch;
    for (let l = Math.min(level, this.#maxLevel); l >= 0; l--) {
      this.#searchLayer(q, qo, bias, ep, epScore, l, this.params.efConstruction, null, false, s);
      // Results → list sorted by score descending.
      const res = s.results;
      const n = res.size;
      s.ensureList(n);
      const listNodes = s.listNodes;
      const listScores = s.listScores;
      for (let i = n - 1; i >= 0; i--) {
        listScores[i] = res.keys[0]!;
        listNodes[i] = res.vals[0]!;
        res.pop();
      }
      const count = this.#selectNeighbors(listNodes, listScores, n, this.#m, s.selected);
      const links = l === 0 ? this.#links0 : this.#upper;
      const base = this.#linkBase(node, l);
      links[base] = count;
      for (let i = 0; i < count; i++) links[base + 1 + i] = s.selected[i]!;
      for (let i = 0; i < count; i++) {
        const other = s.selected[i]!;
        // score(node, other) is in the sorted list; find it rather than recompute.
        let score = 0;
        for (let j = 0; j < n; j++) {
          if (listNodes[j] === other) {
            score = listScores[j]!;
            break;
          }
        }
        this.#link(other, node, score, l);
      }
      ep = listNodes[0]!;
      epScore = listScores[0]!;
    }
    if (level > this.#maxLevel) {
      this.#entry = node;
      this.#maxLevel = level;
    }
  }

  /**
   * Algorithm 4 (heuristic): walks candidates best first and keeps one only if
   * it is closer to the base point than to every kept neighbour, up to m.
   *
   * @param nodes  candidates, sorted by score to the base point descending
   * @param scores their scores to the base point
   * @returns number of neighbours written to `out`
   */
  #selectNeighbors(nodes: Int32Array, scores: Float64Array, n: number, m: number, out: Int32Array): number {
    if (n < m) {
      for (let i = 0; i < n; i++) out[i] = nodes[i]!;
      return n;
    }
    let kept = 0;
    for (let i = 0; i < n && kept < m; i++) {
      const e = nodes[i]!;
      const toBase = scores[i]!;
      let good = true;
      for (let j = 0; j < kept; j++) {
        if (this.#pairScore(e, out[j]!) > toBase) {
          good = false;
          break;
        }
      }
      if (good) out[kept++] = e;
    }
    return kept;
  }

  /** Adds the link from → to on `level`, shrinking from's list with the heuristic when full. */
  #link(from: number, to: number, score: number, level: number): void {
    const max = level === 0 ? this.#m0 : this.#m;
    const links = level === 0 ? this.#links0 : this.#upper;
    const base = this.#linkBase(from, level);
    const count = links[base]!;
    if (count < max) {
      links[base + 1 + count] = to;
      links[base] = count + 1;
      return;
    }
    const s = this.#scratch;
    const nodes = s.shrinkNodes;
    const scores = s.shrinkScores;
    // Insertion sort by score descending: at most 2M + 1 entries.
    for (let i = 0; i <= count; i++) {
      const node = i < count ? links[base + 1 + i]! : to;
      const sc = i < count ? this.#pairScore(from, node) : score;
      let j = i;
      while (j > 0 && scores[j - 1]! < sc) {
        scores[j] = scores[j - 1]!;
        nodes[j] = nodes[j - 1]!;
        j--;
      }
      scores[j] = sc;
      nodes[j] = node;
    }
    const n = count + 1;
    const kept = this.#selectNeighbors(nodes, scores, n, max, s.shrinkOut);
    links[base] = kept;
    for (let i = 0; i < kept; i++) links[base + 1 + i] = s.shrinkOut[i]!;
  }

  /**
   * A query's score of one node. The query is (vector, offset) in float mode and, in int8 mode,
   * its weights (offset 0) with the bias q·μ (core/int8-codes.ts codeQueryWeights).
   */
  #score(q: Float32Array, qo: number, bias: number, node: number): number {
    return this.#coder ? bias + codeDotAt(q, this.#codes, node * this.#rowBytes, this.dim) : dotAt(q, qo, this.#vectors, node * this.dim, this.dim);
  }

  /** The inner product of two nodes (of their decoded codes in int8 mode). */
  #pairScore(a: number, b: number): number {
    const dim = this.dim;
    if (!this.#coder) return dotAt(this.#vectors, a * dim, this.#vectors, b * dim, dim);
    const rb = this.#rowBytes;
    return codePairDotAt(this.#coder.mean, this.#inverse, this.#codes, a * rb, b * rb, dim);
  }

  /** The query of a search: the vector itself, or its code weights and bias in int8 mode. */
  #prepare(query: Float32Array): { q: Float32Array; bias: number } {
    if (!this.#coder) return { q: query, bias: 0 };
    const q = new Float32Array(this.dim);
    return { q, bias: codeQueryWeights(this.#coder, query, q) };
  }

  /** Score of the node #greedy returned (kept in a field to avoid a tuple allocation). */
  #greedyScore = 0;

  /** Greedy walk on one upper layer (ef = 1): moves to a better neighbour until none is. */
  #greedy(q: Float32Array, qo: number, bias: number, ep: number, epScore: number, level: number): number {
    const vectors = this.#vectors;
    const dim = this.dim;
    const codes = this.#coder ? this.#codes : null;
    const rowBytes = this.#rowBytes;
    const upper = this.#upper;
    const upperOffset = this.#upperOffset;
    const strideOff = (level - 1) * this.#strideUp;
    let cur = ep;
    let curScore = epScore;
    let changed = true;
    while (changed) {
      changed = false;
      const base = upperOffset[cur]! + strideOff;
      const count = upper[base]!;
      for (let i = 1; i <= count; i++) {
        const n = upper[base + i]!;
        const d = codes ? bias + codeDotAt(q, codes, n * rowBytes, dim) : dotAt(q, qo, vectors, n * dim, dim);
        if (d > curScore) {
          curScore = d;
          cur = n;
          changed = true;
        }
      }
    }
    this.#greedyScore = curScore;
    return cur;
  }

  /**
   * Algorithm 2 (SEARCH-LAYER) from `seedCount` entry points (ep0, then
   * s.seedNodes[1…] with their scores in s.seedScores); leaves the best ≤ ef
   * results in s.results (a min-heap by score).
   *
   * @param exclude drop deleted nodes (and those `filter` rejects) from the results;
   *                they are still expanded, so the graph stays connected
   */
  #searchLayer(
    q: Float32Array,
    qo: number,
    bias: number,
    ep0: number,
    ep0Score: number,
    level: number,
    ef: number,
    filter: ((id: string) => boolean) | null,
    exclude: boolean,
    s: Scratch,
    seedCount = 1,
  ): void {
    const gen = s.next(this.#capacity);
    const visited = s.visited;
    const candidates = s.candidates;
    const results = s.results;
    candidates.size = 0;
    results.size = 0;
    const vectors = this.#vectors;
    const dim = this.dim;
    const codes = this.#coder ? this.#codes : null;
    const rowBytes = this.#rowBytes;
    const links = level === 0 ? this.#links0 : this.#upper;
    const stride0 = this.#stride0;
    const upperOffset = this.#upperOffset;
    const strideOff = (level - 1) * this.#strideUp;
    const deleted = this.#deleted;
    const checking = exclude && (filter !== null || this.#deletedCount > 0);

    let lower = -Infinity;
    for (let e = 0; e < seedCount; e++) {
      const ep = e === 0 ? ep0 : s.seedNodes[e]!;
      const epScore = e === 0 ? ep0Score : s.seedScores[e]!;
      if (visited[ep] === gen) continue;
      visited[ep] = gen;
      candidates.push(-epScore, ep);
      if (!checking || (((deleted[ep >>> 5]! >>> (ep & 31)) & 1) === 0 && (filter === null || filter(this.#liveId(ep))))) {
        results.push(epScore, ep);
        if (results.size > ef) results.pop();
        lower = results.keys[0]!;
      }
    }
    while (candidates.size > 0) {
      const cScore = -candidates.keys[0]!;
      // Stop once the best unexpanded candidate is worse than the ef-th result. With
      // deletions or a filter the beam must first hold ef accepted results (hnswlib's rule):
      // the bound then sits as far out as an unfiltered beam of ef / (pass rate).
      if (results.size >= ef && cScore < lower) break;
      const c = candidates.vals[0]!;
      candidates.pop();
      const base = level === 0 ? c * stride0 : upperOffset[c]! + strideOff;
      const count = links[base]!;
      for (let i = 1; i <= count; i++) {
        const n = links[base + i]!;
        if (visited[n] === gen) continue;
        visited[n] = gen;
        const d = codes ? bias + codeDotAt(q, codes, n * rowBytes, dim) : dotAt(q, qo, vectors, n * dim, dim);
        if (results.size < ef || d > lower) {
          candidates.push(-d, n);
          if (!checking || (((deleted[n >>> 5]! >>> (n & 31)) & 1) === 0 && (filter === null || filter(this.#liveId(n))))) {
            results.push(d, n);
            if (results.size > ef) results.pop();
            lower = results.keys[0]!;
          }
        }
      }
    }
  }

  /**
   * Top-k by inner product (cosine for unit vectors), score descending, ties by id.
   * `opts.ef` (default params.efSearch) is the layer-0 beam, at least k.
   * `opts.entryBeam` > 0: layer 1 is searched with a beam that wide (not
   * greedily) and all its results seed the layer-0 beam. A query from outside
   * the vectors' cloud (text against photos) has its best matches spread over
   * many regions; one greedy entry point reaches them only through a wide
   * layer-0 beam, many well-spread entry points through a narrower one.
   * With a filter: rejected nodes are routed through but not collected, and the
   * search goes on until it holds ef accepted results; when the filter is so
   * selective that the beam would sweep most of the graph (estimated from a
   * sample of live ids), it scans the accepted ids exactly instead.
   *
   * @throws RangeError when query.length ≠ dim
   */
  search(query: Float32Array, opts: SearchOptions): ScoredId[] {
    this.#checkDim(query, 'search');
    const k = Math.floor(opts.k);
    if (!(k > 0) || this.size === 0) return [];
    for (let j = 0; j < query.length; j++) if (!Number.isFinite(query[j]!)) return [];
    const ef = Math.max(k, Math.floor(opts.ef ?? this.params.efSearch) || 0);
    const filter = opts.filter ?? null;
    // A beam as wide as the graph visits everything anyway: scan (exact, cheaper).
    if (this.#nodeCount <= ef) return this.#scan(query, k, filter);
    if (filter && this.#tooSelective(filter, ef)) return this.#scan(query, k, filter);

    // A filter that calls back into search() must not share the scratch buffers.
    const reentrant = this.#searching;
    const s = reentrant ? new Scratch(this.#m0) : this.#scratch;
    this.#searching = true;
    let out: ScoredId[];
    try {
      const { q, bias } = this.#prepare(query);
      let ep = this.#entry;
      let epScore = this.#score(q, 0, bias, ep);
      const wide = Math.max(0, Math.floor(opts.entryBeam ?? 0) || 0);
      const last = wide > 0 ? 1 : 0;
      for (let l = this.#maxLevel; l > last; l--) {
        ep = this.#greedy(q, 0, bias, ep, epScore, l);
        epScore = this.#greedyScore;
      }
      let seedCount = 1;
      if (wide > 0 && this.#maxLevel >= 1) {
        this.#searchLayer(q, 0, bias, ep, epScore, 1, wide, null, false, s);
        const res = s.results;
        seedCount = res.size;
        s.ensureSeeds(seedCount);
        for (let i = seedCount - 1; i >= 0; i--) {
          s.seedScores[i] = res.keys[0]!;
          s.seedNodes[i] = res.vals[0]!;
          res.pop();
        }
        ep = s.seedNodes[0]!;
        epScore = s.seedScores[0]!;
      }
      this.#searchLayer(q, 0, bias, ep, epScore, 0, ef, filter, true, s, seedCount);
      const res = s.results;
      while (res.size > k) res.pop();
      out = new Array<ScoredId>(res.size);
      for (let i = res.size - 1; i >= 0; i--) {
        out[i] = { id: this.#liveId(res.vals[0]!), score: res.keys[0]! };
        res.pop();
      }
    } finally {
      if (!reentrant) this.#searching = false;
    }
    // Fewer than k although more may exist: the beam ran out of reachable accepted
    // nodes (a very selective filter, or nodes cut off by deletions). Scan to be sure.
    if (out.length < k && out.length < this.size) return this.#scan(query, k, filter);
    return out.sort(compareHits);
  }

  /**
   * Scores of the given ids with the search's own kernel (the scores search() and the exact scan
   * give; approximate in int8 mode), in their order; ids not in the index are left out.
   */
  scoreIds(query: Float32Array, ids: readonly string[]): ScoredId[] {
    this.#checkDim(query, 'scoreIds');
    const { q, bias } = this.#prepare(query);
    const out: ScoredId[] = [];
    for (const id of ids) {
      const node = this.nodeOf(id);
      if (node !== undefined) out.push({ id, score: this.#score(q, 0, bias, node) });
    }
    return out;
  }

  /**
   * The best `k` of `ids` scored with their codes and residual codes (int8 mode with residuals,
   * {@link hasResiduals}): q·x within Σ_d |q_d| / (32·s_d), ~16× closer than search()'s scores,
   * without reading the float vectors. Score descending, ties by id; ids not in the index are
   * left out. In float mode the stored vectors' exact scores.
   *
   * @throws RangeError when query.length ≠ dim, or in int8 mode without residuals
   */
  refine(query: Float32Array, ids: readonly string[], k: number): ScoredId[] {
    this.#checkDim(query, 'refine');
    const coder = this.#coder;
    const residuals = this.#residuals;
    if (coder && !residuals) throw new RangeError('Hnsw.refine: this index has no residual codes (saved without them); see addResiduals');
    const { q, bias } = this.#prepare(query);
    const codes = this.#codes;
    const out: ScoredId[] = [];
    for (const id of ids) {
      const node = this.nodeOf(id);
      if (node === undefined) continue;
      const score = residuals ? bias + refinedDotAt(q, codes, node * this.#rowBytes, residuals, node * this.#residualBytes, this.dim) : this.#score(q, 0, bias, node);
      out.push({ id, score });
    }
    return out.sort(compareHits).slice(0, Math.max(0, Math.floor(k)));
  }

  /** Would a beam of ef, with `filter`, visit most of the graph? Estimated from a fixed sample of live nodes. */
  #tooSelective(filter: (id: string) => boolean, ef: number): boolean {
    const n = this.#nodeCount;
    const step = Math.max(1, n / FILTER_SAMPLE);
    let seen = 0;
    let passed = 0;
    for (let x = step / 2; x < n; x += step) {
      const node = Math.floor(x);
      if (this.#isDeleted(node)) continue;
      seen++;
      if (filter(this.#liveId(node))) passed++;
    }
    if (seen === 0) return true;
    // A beam of ef accepted results expands ≈ VISITS_PER_EF·ef / passRate nodes.
    return (VISITS_PER_EF * ef * seen) / Math.max(passed, 0.5) >= n / 2;
  }

  /** Exact top-k over live (and accepted) nodes. */
  #scan(query: Float32Array, k: number, filter: ((id: string) => boolean) | null): ScoredId[] {
    const heap = new MinHeap(k + 1);
    const { q, bias } = this.#prepare(query);
    for (let node = 0; node < this.#nodeCount; node++) {
      if (this.#isDeleted(node) || (filter !== null && !filter(this.#liveId(node)))) continue;
      const d = this.#score(q, 0, bias, node);
      if (heap.size < k) heap.push(d, node);
      else if (d > heap.keys[0]!) {
        heap.pop();
        heap.push(d, node);
      }
    }
    const out: ScoredId[] = [];
    for (let i = 0; i < heap.size; i++) out.push({ id: this.#liveId(heap.vals[i]!), score: heap.keys[i]! });
    return out.sort(compareHits);
  }

  /**
   * SBVX bytes (core/vector-index.ts) with the payload described at the top of
   * this file: header, then the typed arrays copied as they are.
   */
  serialize(): Uint8Array {
    const n = this.#nodeCount;
    const dim = this.dim;
    const nodeOfId = new Uint32Array(this.size);
    let count = 0;
    for (let node = 0; node < n; node++) if (!this.#isDeleted(node)) nodeOfId[count++] = node;
    const ids = this.#packed ? this.#encodedIds(nodeOfId) : Array.from(nodeOfId, (node) => this.#liveId(node));
    const coder = this.#coder;
    const residuals = this.#residuals;
    const version = !coder ? PAYLOAD_FLOAT : residuals ? PAYLOAD_RESIDUALS : PAYLOAD_CODES;
    const layout = payloadLayout(n, dim, this.#stride0, this.#upperLength, count, version);
    const p = this.params;
    return encodeIndex({ kind: 'hnsw', dim, modelKey: this.modelKey, ids }, layout.total, (out) => {
      const buf = out.buffer;
      const at = out.byteOffset;
      new Uint32Array(buf, at, PAYLOAD_HEADER_WORDS).set([
        PAYLOAD_MAGIC,
        version,
        p.m,
        p.efConstruction,
        p.efSearch,
        p.seed,
        this.#rngState,
        n,
        this.#entry >>> 0,
        this.#maxLevel >>> 0,
        this.#upperLength,
        this.#deletedCount,
      ]);
      if (coder) {
        // Float64 views need 8-byte alignment, which the payload does not promise: copied as bytes.
        out.set(new Uint8Array(Float64Array.from(coder.mean).buffer), layout.coder);
        out.set(new Uint8Array(Float64Array.from(coder.scales).buffer), layout.coder + 8 * dim);
        new Int8Array(buf, at + layout.vectors, n * this.#rowBytes).set(this.#codes.subarray(0, n * this.#rowBytes));
        if (residuals) out.set(residuals.subarray(0, n * this.#residualBytes), layout.residuals);
      } else new Float32Array(buf, at + layout.vectors, n * dim).set(this.#vectors.subarray(0, n * dim));
      new Int32Array(buf, at + layout.links0, n * this.#stride0).set(this.#links0.subarray(0, n * this.#stride0));
      new Int32Array(buf, at + layout.upper, this.#upperLength).set(this.#upper.subarray(0, this.#upperLength));
      new Uint32Array(buf, at + layout.deleted, (n + 31) >>> 5).set(this.#deleted.subarray(0, (n + 31) >>> 5));
      new Uint32Array(buf, at + layout.nodeOfId, count).set(nodeOfId);
      new Uint8Array(buf, at + layout.levels, n).set(this.#levels.subarray(0, n));
    });
  }

  /**
   * The ids of `nodes` (live, ascending) as the ids section holds them: a restored index's packed
   * ids copied as they lie, a run of consecutive ones at a time, and only the ids added since
   * encoded (no string per restored id).
   */
  #encodedIds(nodes: Uint32Array): EncodedIds {
    const { ids: packed, rowOfNode } = this.#packed!;
    const first = this.#firstOwnNode;
    // Nodes ascend, so the restored ones (below #firstOwnNode) come first, then those added since.
    let restored = 0;
    while (restored < nodes.length && nodes[restored]! < first) restored++;
    const startOf = (node: number): number => packed.starts[rowOfNode[node]!]!;
    const spanOf = (node: number): number => {
      const at = startOf(node);
      return 2 + (packed.bytes[at]! | (packed.bytes[at + 1]! << 8));
    };
    let restoredBytes = 0;
    for (let i = 0; i < restored; i++) restoredBytes += spanOf(nodes[i]!);
    const added = encodedIdsOf(Array.from(nodes.subarray(restored), (node) => this.#nodeToId[node - first]!));
    return {
      count: nodes.length,
      byteLength: restoredBytes + added.byteLength,
      writeTo: (out) => {
        let p = 0;
        for (let i = 0; i < restored; ) {
          const from = startOf(nodes[i]!);
          let to = from;
          while (i < restored && startOf(nodes[i]!) === to) to += spanOf(nodes[i++]!);
          out.set(packed.bytes.subarray(from, to), p);
          p += to - from;
        }
        added.writeTo(out.subarray(p));
      },
    };
  }

  /**
   * Restores serialised bytes of kind 'hnsw' (this implementation's payload, float or int8).
   *
   * @throws IndexFormatError (corrupt / truncated / wrong kind / hnswlib-wasm payload), IndexMismatchError (expectedModelKey)
   */
  static restore(bytes: Uint8Array, expectedModelKey?: string): Hnsw {
    const header = readIndexHeader(bytes);
    if (header.kind !== 'hnsw') throw new IndexFormatError('kind', `expected an hnsw index, got '${header.kind}'`);
    if (expectedModelKey !== undefined && header.modelKey !== expectedModelKey) {
      throw new IndexMismatchError('modelKey', expectedModelKey, header.modelKey);
    }
    return Hnsw.fromDecoded(decodePackedIndex(bytes));
  }

  /**
   * Restorer for core's restoreIndex (`packedRestorers: { hnsw: Hnsw.fromDecoded }`, or `restorers`).
   * The vectors and links stay views into `d.payload` when it is 4-byte
   * aligned (no copy of the N·dim floats nor of the graph: at 100k items the
   * restore holds the snapshot once) until the index grows; links change in
   * place on insert, so do not reuse those bytes. Levels and bitsets are copied.
   * Every link is bounds-checked, so even bytes with a valid checksum cannot
   * make search read outside the arrays. The ids are copied as they lie packed (see #packed),
   * even when `d` holds them decoded.
   *
   * @throws IndexFormatError
   */
  static fromDecoded(this: void, d: PackedDecodedIndex): Hnsw {
    return Hnsw.fromDecodedInto(d);
  }

  /**
   * {@link fromDecoded}; an int8 payload's codes are copied into the store `storeFor` gives for its
   * coder when it is passed (else they stay a view of the payload, as the float vectors do), and
   * then so are the links: the index keeps no view of `d`'s bytes, which the caller may free.
   *
   * @throws IndexFormatError
   */
  static fromDecodedInto(this: void, d: PackedDecodedIndex, storeFor?: (coder: ScalarCoder) => CodeStore): Hnsw {
    if (d.kind !== 'hnsw') throw new IndexFormatError('kind', `expected an hnsw index, got '${d.kind}'`);
    const bad = (why: string): never => {
      throw new IndexFormatError('payload', `hnsw payload: ${why}`);
    };
    const payload = d.payload.byteOffset % 4 === 0 ? d.payload : d.payload.slice();
    if (payload.byteLength < 4 * PAYLOAD_HEADER_WORDS) bad('shorter than its header');
    const buf = payload.buffer;
    const at = payload.byteOffset;
    const head = new Uint32Array(buf, at, PAYLOAD_HEADER_WORDS);
    if (head[0] !== PAYLOAD_MAGIC) bad('not written by core/hnsw.ts (an hnswlib-wasm index?); rebuild it');
    const version = head[1]!;
    if (version !== PAYLOAD_FLOAT && version !== PAYLOAD_CODES && version !== PAYLOAD_RESIDUALS) bad(`unsupported payload version ${version}`);
    const coded = version !== PAYLOAD_FLOAT;
    const [m, efConstruction, efSearch, seed, rngState, n, entryU, maxLevelU, upperLength, deletedCount] = Array.from(head.subarray(2)) as [
      number, number, number, number, number, number, number, number, number, number,
    ];
    // initialCapacity 1: the constructor must not allocate N nodes that the restored arrays replace.
    const params: HnswParams = { m, efConstruction, efSearch, seed, initialCapacity: 1 };
    try {
      checkParams(params);
    } catch (e) {
      bad((e as Error).message);
    }
    const entry = entryU | 0;
    const maxLevel = maxLevelU | 0;
    const dim = d.dim;
    const stride0 = 1 + 2 * m;
    const strideUp = 1 + m;
    if (n < d.count || n - d.count !== deletedCount) bad(`${n} nodes, ${d.count} ids and ${deletedCount} deleted do not add up`);
    if (n > 0x7fffffff / Math.max(dim, stride0)) bad(`absurd node count ${n}`);
    const layout = payloadLayout(n, dim, stride0, upperLength, d.count, version);
    if (layout.total !== payload.byteLength) bad(`${payload.byteLength} bytes, expected ${layout.total}`);
    if (n === 0 ? entry !== -1 || maxLevel !== -1 : entry < 0 || entry >= n || maxLevel < 0 || maxLevel > MAX_LEVEL) {
      bad(`bad entry point ${entry} / max level ${maxLevel} for ${n} nodes`);
    }

    // The index takes each section once it is checked; a bad section throws and the index is dropped.
    const index = new Hnsw(dim, d.modelKey, params);
    index.#entry = entry;
    index.#maxLevel = maxLevel;
    index.#rngState = rngState;
    const levels = new Uint8Array(buf, at + layout.levels, n).slice();
    const upperOffset = new Int32Array(n);
    let upperUsed = 0;
    for (let node = 0; node < n; node++) {
      const level = levels[node]!;
      if (level > maxLevel) bad(`node ${node} has level ${level} > max level ${maxLevel}`);
      upperOffset[node] = level > 0 ? upperUsed : -1;
      upperUsed += level * strideUp;
    }
    if (upperUsed !== upperLength) bad(`upper links hold ${upperLength} words, levels need ${upperUsed}`);
    if (n > 0 && levels[entry] !== maxLevel) bad('entry point is not on the top level');
    const links0 = new Int32Array(buf, at + layout.links0, n * stride0);
    const upper = new Int32Array(buf, at + layout.upper, upperLength);
    const checkBlock = (links: Int32Array, base: number, max: number, level: number, node: number) => {
      const count = links[base]!;
      if (count < 0 || count > max) bad(`node ${node} has ${count} links on level ${level}`);
      for (let i = 1; i <= count; i++) {
        const other = links[base + i]!;
        if (other < 0 || other >= n || levels[other]! < level) bad(`node ${node} links to invalid node ${other} on level ${level}`);
      }
    };
    for (let node = 0; node < n; node++) {
      checkBlock(links0, node * stride0, 2 * m, 0, node);
      for (let l = 1; l <= levels[node]!; l++) checkBlock(upper, upperOffset[node]! + (l - 1) * strideUp, m, l, node);
    }
    const deleted = new Uint32Array(buf, at + layout.deleted, (n + 31) >>> 5).slice();
    let marked = 0;
    for (let node = 0; node < n; node++) marked += (deleted[node >>> 5]! >>> (node & 31)) & 1;
    if (marked !== deletedCount) bad(`deleted bitset marks ${marked} nodes, header says ${deletedCount}`);
    index.#deleted = deleted;
    index.#deletedCount = deletedCount;
    const nodeOfRow = new Uint32Array(buf, at + layout.nodeOfId, d.count).slice();
    const rowOfNode = new Int32Array(n).fill(-1);
    for (let row = 0; row < d.count; row++) {
      const node = nodeOfRow[row]!;
      if (node >= n || rowOfNode[node] !== -1 || ((deleted[node >>> 5]! >>> (node & 31)) & 1) === 1) bad(`id ${row} maps to bad node ${node}`);
      rowOfNode[node] = row;
    }
    // A copy: the caller may free the snapshot's bytes once restored.
    const ids: PackedIds = { bytes: d.packedIds.bytes.slice(), starts: d.packedIds.starts };
    let table: PackedIdTable;
    try {
      table = new PackedIdTable(ids.bytes, ids.starts);
    } catch (e) {
      throw new IndexFormatError('field', (e as Error).message);
    }

    if (coded) {
      const numbers = new Float64Array(payload.slice(layout.coder, layout.coder + 16 * dim).buffer);
      const coder = scalarCoderOf(numbers.slice(0, dim), numbers.slice(dim));
      const codes = new Int8Array(buf, at + layout.vectors, n * coder.rowBytes);
      const store = storeFor?.(coder);
      if (store) store.resize(n, coder.rowBytes, 0).set(codes);
      index.#useCoder(coder, store ?? new ArrayCodeStore(codes));
      index.#vectors = new Float32Array(0);
      // Residuals are always copied: inserts write into them, and they are a third of the codes' size.
      index.#residuals = version === PAYLOAD_RESIDUALS ? new Uint8Array(buf, at + layout.residuals, n * index.#residualBytes).slice() : null;
    } else index.#vectors = new Float32Array(buf, at + layout.vectors, n * dim);
    // Codes copied out: the links too, so that nothing refers to the restored bytes any more.
    const copied = coded && storeFor !== undefined;
    index.#capacity = n;
    index.#nodeCount = n;
    index.#levels = levels;
    index.#links0 = copied ? links0.slice() : links0;
    index.#upperOffset = upperOffset;
    index.#upper = copied ? upper.slice() : upper;
    index.#upperLength = upperLength;
    index.#packed = { ids, table, nodeOfRow, rowOfNode, live: d.count };
    index.#firstOwnNode = n;
    return index;
  }
}

/** Byte offsets of the payload sections (see the table at the top); `vectors` holds the codes of an int8 payload. */
function payloadLayout(n: number, dim: number, stride0: number, upperLength: number, idCount: number, version: number) {
  const coded = version !== PAYLOAD_FLOAT;
  const coder = 4 * PAYLOAD_HEADER_WORDS;
  const vectors = coded ? coder + 16 * dim : coder;
  const residuals = vectors + (coded ? n * roundUp16(dim) : 4 * n * dim);
  const links0 = residuals + (version === PAYLOAD_RESIDUALS ? n * (roundUp16(dim) >> 1) : 0);
  const upper = links0 + 4 * n * stride0;
  const deleted = upper + 4 * upperLength;
  const nodeOfId = deleted + 4 * ((n + 31) >>> 5);
  const levels = nodeOfId + 4 * idCount;
  return { coder, vectors, residuals, links0, upper, deleted, nodeOfId, levels, total: levels + pad4(n) };
}
