/**
 * The best candidates of a text query over the whole library, in about a millisecond at 100k items.
 *
 * Why not the HNSW graph alone: a text embedding sits outside the photo cloud (CLIP's modality
 * gap), and its best photos are spread over many scenes that are not each other's graph
 * neighbours, so the graph search needs a very wide beam (ef 640: ~19 % of the exact scan's time
 * at 100k) to find them; starting it from better entry points did not help (bench/search.md).
 * Here every item has two int8 codes (core/int8-codes.ts): one byte per component (the HNSW's own
 * codes: this class is the {@link CodeStore} the index keeps them in, core/hnsw.ts) and 128 bytes
 * along the library's principal axes. A query scores every short code in one WebAssembly SIMD pass
 * (int8-scan.ts), keeps the few thousand best rows, re-scores those with their full codes (error
 * ~0.0005 in cosine) and hands the best ids to the caller, which scores them exactly with their
 * stored float vectors.
 *
 * Rows are the index's nodes (a removed item's node stays, and is skipped: the caller names the
 * live id of a row). Memory, one WebAssembly memory: the query's weights, the candidate rows and
 * their scores, the axes (as int16 weights to project rows, as f32 to project queries: 384 KB at
 * 512-d), then `capacity` short codes, `capacity`
 * i32 scores and `capacity` full codes. Per item: 128 + 4 + dim bytes (644 at 512-d, 64 MB at
 * 100k), and no other copy of the codes exists.
 */
import type { CodeStore } from '../core/hnsw';
import { fitPcaCoder, projectionWeights, scalarQueryWeights, topRows, encodeScalarRow, type PcaCoder, type ScalarCoder } from '../core/int8-codes';
import { createInt8Scan, type Int8Scan } from './int8-scan';

/** Principal axes in the short code (bytes per short code). */
export const TEXT_AXES = 128;
/** Rows the short codes pass on to the full codes (at least; ties at the cut-off come too). */
export const TEXT_CANDIDATES = 4096;
/**
 * Vectors the codes are fitted on (an evenly spread sample of the library). Measured at 100k
 * (bench/search.md): 2000 give axes that keep 0.960 of the exact top 10 among the candidates,
 * 8000 give 0.988.
 */
export const TEXT_SAMPLE = 8000;
/** Orthogonal-iteration steps fitting the axes. */
export const TEXT_ITERATIONS = 8;
/** Rows projected onto the axes per pass (their full codes stay in cache across the axes). */
const PROJECT_BLOCK = 1024;
const PAGE_BYTES = 65_536;
const CUT_BUCKETS = 2048;
/**
 * Short-code scores sampled (evenly spread) to place the candidates' cut-off, in libraries of more
 * than {@link CUT_SAMPLE_FROM} rows. The rows at or above it are about `candidates` (± 6 % at 100k:
 * the sample's quantile error), found in one WebAssembly pass instead of a histogram's three in JS.
 */
const CUT_SAMPLE = 8192;
const CUT_SAMPLE_FROM = 4 * CUT_SAMPLE;

const align16 = (n: number): number => (n + 15) & ~15;

export class TextRanker implements CodeStore {
  readonly full: ScalarCoder;
  #pca: PcaCoder | null = null;
  readonly #scan: Int8Scan;
  /** Principal axes in a short code. */
  readonly #axes: number;
  /** Bytes per short code: the axes rounded up to 16. */
  readonly #pcaBytes: number;
  /**
   * Fixed areas (byte offsets): query weights, candidate rows, their scores, axis weights (int16,
   * for projecting rows), the axes themselves (f32, for projecting queries), the query (f32) and
   * its projections (f32).
   */
  readonly #weightsAt = 0;
  readonly #rowsAt: number;
  readonly #rowScoresAt: number;
  readonly #axisWeightsAt: number;
  readonly #axesAt: number;
  /** Bytes per f32 axis and of the f32 query: dim floats rounded up to 16 bytes (zero padding). */
  readonly #floatRowBytes: number;
  readonly #queryAt: number;
  readonly #projectionsAt: number;
  readonly #fixedBytes: number;
  /** Per axis: Σ axisWeights·fullCode ≈ factor · axis·(x − μ). */
  #axisFactors = new Float64Array(0);
  #capacity = 0;
  /** Rows [0, projected) have their short codes. */
  #projected = 0;
  #view: Int8Array = new Int8Array(0);

  private constructor(full: ScalarCoder, scan: Int8Scan, axes: number) {
    this.full = full;
    this.#scan = scan;
    this.#axes = axes;
    this.#pcaBytes = align16(axes);
    this.#rowsAt = align16(2 * Math.max(full.rowBytes, this.#pcaBytes));
    this.#rowScoresAt = this.#rowsAt + 4 * (TEXT_CANDIDATES + CUT_BUCKETS);
    this.#axisWeightsAt = this.#rowScoresAt + 4 * (TEXT_CANDIDATES + CUT_BUCKETS);
    this.#axesAt = this.#axisWeightsAt + 2 * this.#pcaBytes * full.rowBytes;
    this.#floatRowBytes = align16(4 * full.dim);
    this.#queryAt = this.#axesAt + this.#pcaBytes * this.#floatRowBytes;
    this.#projectionsAt = this.#queryAt + this.#floatRowBytes;
    this.#fixedBytes = this.#projectionsAt + 4 * this.#pcaBytes;
    this.#ensureMemory(this.#fixedBytes);
  }

  /**
   * An empty store of component codes made with `full` (the index's coder), whose axes are fitted
   * later ({@link fitAxes}); null where WebAssembly SIMD is missing (then the index keeps its codes
   * in plain memory and its graph serves text queries).
   */
  static create(full: ScalarCoder, axes = TEXT_AXES): TextRanker | null {
    const scan = createInt8Scan();
    return scan ? new TextRanker(full, scan, Math.min(axes, full.dim)) : null;
  }

  /** The principal-axis coder once {@link fitAxes} ran, else null. */
  get pca(): PcaCoder | null {
    return this.#pca;
  }

  /** Rows with short codes: the ones {@link candidates} ranks. */
  get projectedRows(): number {
    return this.#projected;
  }

  /** Bytes of codes and scratch held (the scan's memory). */
  get memoryBytes(): number {
    return this.#scan.memory.buffer.byteLength;
  }

  get #pcaAt(): number {
    return this.#fixedBytes;
  }
  get #scoresAt(): number {
    return this.#pcaAt + this.#capacity * this.#pcaBytes;
  }
  get #fullAt(): number {
    return this.#scoresAt + 4 * this.#capacity;
  }

  #ensureMemory(bytes: number): void {
    const memory = this.#scan.memory;
    if (bytes > memory.buffer.byteLength) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
  }

  /** CodeStore: room for `rows` rows; the full codes move up behind the larger short-code and score areas. */
  resize(rows: number, rowBytes: number, keep: number): Int8Array {
    if (rowBytes !== this.full.rowBytes) throw new RangeError(`TextRanker: rows of ${rowBytes} bytes, its coder makes ${this.full.rowBytes}`);
    const oldFullAt = this.#fullAt;
    const kept = Math.min(keep, rows, this.#capacity);
    this.#ensureMemory(this.#fixedBytes + rows * (this.#pcaBytes + 4 + rowBytes));
    this.#capacity = rows;
    this.#projected = Math.min(this.#projected, kept);
    new Uint8Array(this.#scan.memory.buffer).copyWithin(this.#fullAt, oldFullAt, oldFullAt + kept * rowBytes);
    this.#view = new Int8Array(0);
    return this.view();
  }

  /** CodeStore: the full codes (a new view when the memory grew). */
  view(): Int8Array {
    if (this.#view.byteLength === 0 && this.#capacity > 0) this.#view = new Int8Array(this.#scan.memory.buffer, this.#fullAt, this.#capacity * this.full.rowBytes);
    return this.#view;
  }

  /**
   * Fits the principal axes on `sample` (vectors of the library, evenly spread; ≥ 2), from their
   * component codes (see {@link codedCovariance}); every row must then be projected again.
   */
  fitAxes(sample: readonly Float32Array[], iterations = TEXT_ITERATIONS): void {
    const full = this.full;
    const cov = codedCovariance(sample, full);
    const pca = fitPcaCoder(sample, this.#axes, iterations, 1, cov ?? undefined);
    this.#pca = pca;
    this.#projected = 0;
    this.#axisFactors = new Float64Array(pca.codeDim);
    const axis = new Float32Array(full.dim);
    const floats = this.#floatRowBytes >> 2;
    for (let j = 0; j < pca.codeDim; j++) {
      axis.set(pca.axes.subarray(j * full.dim, (j + 1) * full.dim));
      const out = new Int16Array(this.#scan.memory.buffer, this.#axisWeightsAt + 2 * j * full.rowBytes, full.rowBytes);
      this.#axisFactors[j] = scalarQueryWeights(full, axis, out);
      new Float32Array(this.#scan.memory.buffer, this.#axesAt + j * this.#floatRowBytes, floats).fill(0).set(axis);
    }
  }

  /**
   * Computes the short codes of rows [projectedRows, end) from their full codes, one scan per axis
   * for each block of rows. @returns the rows projected now
   */
  projectUpTo(end: number): number {
    const pca = this.#pca;
    const start = this.#projected;
    const stop = Math.min(end, this.#capacity);
    if (!pca || stop <= start) return 0;
    const buffer = this.#scan.memory.buffer;
    const F = this.full.rowBytes;
    const P = this.#pcaBytes;
    const scores = new Int32Array(buffer, this.#scoresAt, this.#capacity);
    const pcaCodes = new Int8Array(buffer, this.#pcaAt, this.#capacity * P);
    const block = Math.min(PROJECT_BLOCK, TEXT_CANDIDATES);
    const rowList = new Int32Array(buffer, this.#rowsAt, block);
    for (let first = start; first < stop; first += block) {
      const n = Math.min(block, stop - first);
      for (let i = 0; i < n; i++) rowList[i] = first + i;
      for (let j = 0; j < pca.codeDim; j++) {
        this.#scan.scoreRowsI8(this.#fullAt, this.#rowsAt, n, F, this.#axisWeightsAt + 2 * j * F, this.#scoresAt);
        const f = pca.scales[j]! / this.#axisFactors[j]!;
        for (let i = 0; i < n; i++) pcaCodes[(first + i) * P + j] = Math.max(-127, Math.min(127, Math.round(scores[i]! * f)));
      }
      for (let i = 0; i < n; i++) pcaCodes.fill(0, (first + i) * P + pca.codeDim, (first + i + 1) * P);
    }
    this.#projected = stop;
    return stop - start;
  }

  /**
   * The ids of the best `keep` live rows for `query` (a unit vector of the codes' dim) by full-code
   * score among the best ≥ `candidates` rows by short-code score, best first. `idOf` names a row's
   * live id (undefined for a removed item's row, which is skipped).
   */
  candidates(query: Float32Array, keep: number, idOf: (row: number) => string | undefined, candidates = TEXT_CANDIDATES): string[] {
    const count = this.#projected;
    const pca = this.#pca;
    if (count === 0 || keep <= 0 || !pca) return [];
    const buffer = this.#scan.memory.buffer;
    const P = this.#pcaBytes;
    const F = this.full.rowBytes;
    // The query's projections on the axes by the scan (f32 SIMD): a quarter of a plain loop's time.
    new Float32Array(buffer, this.#queryAt, this.#floatRowBytes >> 2).fill(0).set(query);
    this.#scan.scoreF32(this.#axesAt, pca.codeDim, this.#floatRowBytes, this.#queryAt, this.#projectionsAt);
    projectionWeights(pca, new Float32Array(buffer, this.#projectionsAt, pca.codeDim), new Int16Array(buffer, this.#weightsAt, P));
    this.#scan.scoreI8(this.#pcaAt, count, P, this.#weightsAt, this.#scoresAt);
    const rows = this.#rowsAtTop(count, Math.min(candidates, TEXT_CANDIDATES));
    scalarQueryWeights(this.full, query, new Int16Array(buffer, this.#weightsAt, F));
    this.#scan.scoreRowsI8(this.#fullAt, this.#rowsAt, rows, F, this.#weightsAt, this.#rowScoresAt);
    const rowList = new Int32Array(buffer, this.#rowsAt, rows);
    const out: string[] = [];
    // A few more than kept, for the removed rows among them.
    for (const i of topRows(new Int32Array(buffer, this.#rowScoresAt, rows), rows, keep + 16)) {
      const id = idOf(rowList[i]!);
      if (id !== undefined && out.push(id) === keep) break;
    }
    return out;
  }

  /**
   * Writes the rows of about the best `r` short-code scores (of `count`) to the candidate list:
   * at or above a cut-off placed from a sample of the scores in a large library, else (and when a
   * sample's cut-off lets more rows through than the list holds) at or above the exact one.
   * @returns how many rows were written
   */
  #rowsAtTop(count: number, r: number): number {
    const buffer = this.#scan.memory.buffer;
    const scores = new Int32Array(buffer, this.#scoresAt, count);
    const max = TEXT_CANDIDATES + CUT_BUCKETS;
    if (count > CUT_SAMPLE_FROM && r < count) {
      const n = this.#scan.rowsAtLeast(this.#scoresAt, count, sampledCut(scores, r, CUT_SAMPLE), this.#rowsAt, max);
      if (n <= max) return n;
    }
    return rowsAtTop(scores, r, new Int32Array(buffer, this.#rowsAt, max));
  }
}

/**
 * The score of about the `r`-th best row of `scores`, judged from `sample` of them evenly spread:
 * the cut-off of the best ⌈r · sample / count⌉ sampled scores ({@link topCut}). Rows at or above
 * it number r on average (a little more: the cut-off's bucket comes whole).
 */
export function sampledCut(scores: Int32Array, r: number, sample: number): number {
  const count = scores.length;
  const m = Math.min(sample, count);
  const sampled = new Int32Array(m);
  for (let i = 0; i < m; i++) sampled[i] = scores[Math.floor((i * count) / m)]!;
  return topCut(sampled, Math.ceil((r * m) / count));
}

/**
 * A cut-off that at least the best `r` of `scores` reach, and not many more: the lower edge of the
 * bucket holding the r-th best score, in a histogram of {@link CUT_BUCKETS} buckets between the
 * smallest and the largest score (two passes, no sort; the smallest score when r ≥ the count).
 */
export function topCut(scores: Int32Array, r: number): number {
  const count = scores.length;
  let min = scores[0] ?? 0;
  let max = min;
  for (let i = 1; i < count; i++) {
    const s = scores[i]!;
    if (s < min) min = s;
    else if (s > max) max = s;
  }
  if (count <= r) return min;
  const width = (max - min + 1) / CUT_BUCKETS;
  const hist = new Int32Array(CUT_BUCKETS);
  for (let i = 0; i < count; i++) hist[Math.floor((scores[i]! - min) / width)]!++;
  let bucket = CUT_BUCKETS - 1;
  let taken = hist[bucket]!;
  while (bucket > 0 && taken < r) taken += hist[--bucket]!;
  return min + bucket * width;
}

/**
 * Writes into `out` the rows whose score is at or above the cut-off of the best `r` ({@link topCut}:
 * all rows of the cut-off bucket come, so a few more than r may; never more than out.length).
 * @returns how many rows were written
 */
export function rowsAtTop(scores: Int32Array, r: number, out: Int32Array): number {
  const count = scores.length;
  if (count <= r) {
    for (let i = 0; i < count; i++) out[i] = i;
    return count;
  }
  const cut = topCut(scores, r);
  let n = 0;
  for (let i = 0; i < count && n < out.length; i++) if (scores[i]! >= cut) out[n++] = i;
  return n;
}

/**
 * The sample's covariance from its int8 component codes, by the WebAssembly scan: the codes
 * transposed (one row per component, one byte per sample vector), each row scored against every
 * row (Σ_s c_as · c_bs, exact in int32 for fewer than 133k vectors), then scaled back to units.
 * Eight times faster than the float loop (core/int8-codes.ts covariance), which it approximates
 * within the codes' rounding; null where the scan cannot run.
 */
export function codedCovariance(sample: readonly Float32Array[], full: ScalarCoder): Float64Array | null {
  const scan = createInt8Scan();
  const n = sample.length;
  if (!scan || n >= 133_000) return null;
  const dim = full.dim;
  const rowBytes = align16(n);
  const codesAt = align16(2 * rowBytes);
  const outAt = codesAt + dim * rowBytes;
  const need = outAt + 4 * dim;
  scan.memory.grow(Math.ceil(Math.max(0, need - scan.memory.buffer.byteLength) / PAGE_BYTES));
  const buffer = scan.memory.buffer;
  const transposed = new Int8Array(buffer, codesAt, dim * rowBytes);
  const row = new Int8Array(full.rowBytes);
  sample.forEach((v, s) => {
    encodeScalarRow(full, v, row, 0);
    for (let d = 0; d < dim; d++) transposed[d * rowBytes + s] = row[d]!;
  });
  const weights = new Int16Array(buffer, 0, rowBytes);
  const out = new Int32Array(buffer, outAt, dim);
  const cov = new Float64Array(dim * dim);
  const { scales } = full;
  for (let a = 0; a < dim; a++) {
    for (let s = 0; s < rowBytes; s++) weights[s] = transposed[a * rowBytes + s]!;
    scan.scoreI8(codesAt, dim, rowBytes, 0, outAt);
    for (let b = 0; b < dim; b++) {
      const unit = scales[a]! * scales[b]!;
      cov[a * dim + b] = unit > 0 ? out[b]! / (n * unit) : 0;
    }
  }
  return cov;
}
