/**
 * The best candidates of a text query over the whole library, in about a millisecond at 100k items.
 *
 * Why not the HNSW graph alone: a text embedding sits outside the photo cloud (CLIP's modality
 * gap), and its best photos are spread over many scenes that are not each other's graph
 * neighbours, so the graph search needs a very wide beam (ef 640: ~19 % of the exact scan's time
 * at 100k) to find them; starting it from better entry points did not help (bench/search.md).
 * Here every item has two int8 codes (core/int8-codes.ts): 128 bytes along the library's
 * principal axes and one byte per component. A query scores every short code in one WebAssembly
 * SIMD pass (int8-scan.ts), keeps the few thousand best rows, re-scores those with their full
 * codes (error ~0.0005 in cosine) and hands the best {@link TEXT_KEEP} ids to the index, which
 * scores them with their float vectors: results and scores are the index's own.
 *
 * Codes live in the scan's memory: the query's weights, the candidate rows and their scores, the
 * axis weights used to project new rows, then `capacity` full codes, `capacity` short codes and
 * `capacity` i32 scores. Removing an item moves the last row into its place. Memory per item:
 * dim + 128 + 4 bytes (644 at 512-d, 64 MB at 100k).
 */
import { fitPcaCoder, fitScalarCoder, encodeScalarRow, queryWeights, scalarQueryWeights, topRows, type PcaCoder, type ScalarCoder } from '../core/int8-codes';
import { createInt8Scan, type Int8Scan } from './int8-scan';

/** Principal axes in the short code (bytes per short code). */
export const TEXT_AXES = 128;
/** Rows the short codes pass on to the full codes (at least; ties at the cut-off come too). */
export const TEXT_CANDIDATES = 4096;
/** Ids handed to the index for exact scores. */
export const TEXT_KEEP = 64;
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

const align16 = (n: number): number => (n + 15) & ~15;

export class TextRanker {
  readonly full: ScalarCoder;
  readonly pca: PcaCoder;
  readonly #scan: Int8Scan;
  /** Fixed areas (byte offsets): query weights, candidate rows, their scores, axis weights. */
  readonly #weightsAt = 0;
  readonly #rowsAt: number;
  readonly #rowScoresAt: number;
  readonly #axisWeightsAt: number;
  readonly #fixedBytes: number;
  /** Per axis: Σ axisWeights·fullCode ≈ factor · axis·(x − μ). */
  readonly #axisFactors: Float64Array;
  #capacity = 0;
  #ids: string[] = [];
  #rowOf = new Map<string, number>();

  private constructor(full: ScalarCoder, pca: PcaCoder, scan: Int8Scan) {
    this.full = full;
    this.pca = pca;
    this.#scan = scan;
    this.#rowsAt = align16(2 * Math.max(full.rowBytes, pca.rowBytes));
    this.#rowScoresAt = this.#rowsAt + 4 * (TEXT_CANDIDATES + CUT_BUCKETS);
    this.#axisWeightsAt = this.#rowScoresAt + 4 * (TEXT_CANDIDATES + CUT_BUCKETS);
    this.#fixedBytes = this.#axisWeightsAt + 2 * pca.codeDim * full.rowBytes;
    this.#ensureMemory(this.#fixedBytes);
    this.#axisFactors = new Float64Array(pca.codeDim);
    const axis = new Float32Array(full.dim);
    for (let j = 0; j < pca.codeDim; j++) {
      axis.set(pca.axes.subarray(j * full.dim, (j + 1) * full.dim));
      const out = new Int16Array(scan.memory.buffer, this.#axisWeightsAt + 2 * j * full.rowBytes, full.rowBytes);
      this.#axisFactors[j] = scalarQueryWeights(full, axis, out);
    }
  }

  /**
   * Fits both codes on up to {@link TEXT_SAMPLE} of `vectors` (evenly spread; ≥ 2 needed).
   * Null where WebAssembly SIMD is missing (then the index's own search serves text queries).
   */
  static fit(vectors: readonly Float32Array[], { sampleSize = TEXT_SAMPLE, axes = TEXT_AXES, iterations = TEXT_ITERATIONS } = {}): TextRanker | null {
    const scan = createInt8Scan();
    if (!scan || vectors.length < 2) return null;
    const step = Math.max(1, vectors.length / sampleSize);
    const sample: Float32Array[] = [];
    for (let x = 0; x < vectors.length; x += step) sample.push(vectors[Math.floor(x)]!);
    const dim = sample[0]!.length;
    const full = fitScalarCoder(sample);
    const cov = codedCovariance(sample, full);
    return new TextRanker(full, fitPcaCoder(sample, Math.min(axes, dim), iterations, 1, cov ?? undefined), scan);
  }

  get size(): number {
    return this.#ids.length;
  }

  /** Bytes of codes and scratch held (the scan's memory). */
  get memoryBytes(): number {
    return this.#scan.memory.buffer.byteLength;
  }

  has(id: string): boolean {
    return this.#rowOf.has(id);
  }

  get #fullAt(): number {
    return this.#fixedBytes;
  }
  get #pcaAt(): number {
    return this.#fixedBytes + this.#capacity * this.full.rowBytes;
  }
  get #scoresAt(): number {
    return this.#pcaAt + this.#capacity * this.pca.rowBytes;
  }

  #ensureMemory(bytes: number): void {
    const memory = this.#scan.memory;
    if (bytes > memory.buffer.byteLength) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
  }

  /** Room for at least `needed` items: exactly that many when it is more than a 25 % step, else the step. */
  #grow(needed: number): void {
    const capacity = Math.max(needed, Math.ceil(this.#capacity * 1.25), 256);
    const oldPcaAt = this.#pcaAt;
    const used = this.#ids.length * this.pca.rowBytes;
    this.#ensureMemory(this.#fixedBytes + capacity * (this.full.rowBytes + this.pca.rowBytes + 4));
    this.#capacity = capacity;
    // Full codes stay in place; the short codes move up behind the larger full-code area.
    new Uint8Array(this.#scan.memory.buffer).copyWithin(this.#pcaAt, oldPcaAt, oldPcaAt + used);
  }

  /** Makes room for `count` items at once (adds grow the memory in 25 % steps otherwise). */
  reserve(count: number): void {
    if (count > this.#capacity) this.#grow(count);
  }

  /** Adds or replaces the codes of many items (the short codes projected in blocks by the scan). */
  addMany(items: Iterable<{ id: string; vector: Float32Array }>): void {
    const list = Array.isArray(items) ? (items as Array<{ id: string; vector: Float32Array }>) : [...items];
    this.reserve(this.#ids.length + list.length);
    for (let start = 0; start < list.length; start += PROJECT_BLOCK) this.#addBlock(list.slice(start, start + PROJECT_BLOCK));
  }

  add(id: string, vector: Float32Array): void {
    this.#addBlock([{ id, vector }]);
  }

  #addBlock(block: Array<{ id: string; vector: Float32Array }>): void {
    const rows = new Int32Array(block.length);
    block.forEach(({ id }, i) => {
      let row = this.#rowOf.get(id);
      if (row === undefined) {
        row = this.#ids.length;
        this.#ids.push(id);
        this.#rowOf.set(id, row);
      }
      rows[i] = row;
    });
    if (this.#ids.length > this.#capacity) this.#grow(this.#ids.length);
    const buffer = this.#scan.memory.buffer;
    const F = this.full.rowBytes;
    const P = this.pca.rowBytes;
    const fullCodes = new Int8Array(buffer, this.#fullAt, this.#capacity * F);
    block.forEach(({ vector }, i) => encodeScalarRow(this.full, vector, fullCodes, rows[i]! * F));
    // Project: the block's full codes against each axis's weights, one scan per axis.
    const scores = new Int32Array(buffer, this.#scoresAt, this.#capacity);
    const pcaCodes = new Int8Array(buffer, this.#pcaAt, this.#capacity * P);
    const rowList = new Int32Array(buffer, this.#rowsAt, Math.min(block.length, TEXT_CANDIDATES));
    for (let start = 0; start < block.length; start += rowList.length) {
      const n = Math.min(rowList.length, block.length - start);
      rowList.set(rows.subarray(start, start + n));
      for (let j = 0; j < this.pca.codeDim; j++) {
        this.#scan.scoreRowsI8(this.#fullAt, this.#rowsAt, n, F, this.#axisWeightsAt + 2 * j * F, this.#scoresAt);
        const f = this.pca.scales[j]! / this.#axisFactors[j]!;
        for (let i = 0; i < n; i++) pcaCodes[rows[start + i]! * P + j] = Math.max(-127, Math.min(127, Math.round(scores[i]! * f)));
      }
      for (let i = 0; i < n; i++) pcaCodes.fill(0, rows[start + i]! * P + this.pca.codeDim, (rows[start + i]! + 1) * P);
    }
  }

  remove(id: string): boolean {
    const row = this.#rowOf.get(id);
    if (row === undefined) return false;
    const last = this.#ids.length - 1;
    if (row !== last) {
      const bytes = new Uint8Array(this.#scan.memory.buffer);
      const F = this.full.rowBytes;
      const P = this.pca.rowBytes;
      bytes.copyWithin(this.#fullAt + row * F, this.#fullAt + last * F, this.#fullAt + (last + 1) * F);
      bytes.copyWithin(this.#pcaAt + row * P, this.#pcaAt + last * P, this.#pcaAt + (last + 1) * P);
      const moved = this.#ids[last]!;
      this.#ids[row] = moved;
      this.#rowOf.set(moved, row);
    }
    this.#ids.pop();
    this.#rowOf.delete(id);
    return true;
  }

  /**
   * The ids of the best `keep` items for `query` (a unit vector of the codes' dim) by full-code
   * score among the best ≥ `candidates` by short-code score, best first.
   */
  candidates(query: Float32Array, keep = TEXT_KEEP, candidates = TEXT_CANDIDATES): string[] {
    const count = this.#ids.length;
    if (count === 0 || keep <= 0) return [];
    const buffer = this.#scan.memory.buffer;
    const P = this.pca.rowBytes;
    const F = this.full.rowBytes;
    queryWeights(this.pca, query, new Int16Array(buffer, this.#weightsAt, P));
    this.#scan.scoreI8(this.#pcaAt, count, P, this.#weightsAt, this.#scoresAt);
    const rows = rowsAtTop(new Int32Array(buffer, this.#scoresAt, count), Math.min(candidates, TEXT_CANDIDATES), new Int32Array(buffer, this.#rowsAt, TEXT_CANDIDATES + CUT_BUCKETS));
    scalarQueryWeights(this.full, query, new Int16Array(buffer, this.#weightsAt, F));
    this.#scan.scoreRowsI8(this.#fullAt, this.#rowsAt, rows, F, this.#weightsAt, this.#rowScoresAt);
    const rowList = new Int32Array(buffer, this.#rowsAt, rows);
    const best = topRows(new Int32Array(buffer, this.#rowScoresAt, rows), rows, keep);
    return Array.from(best, (i) => this.#ids[rowList[i]!]!);
  }
}

/**
 * Writes into `out` the rows whose score is at or above the cut-off of the best `r` (a histogram of
 * the scores in {@link CUT_BUCKETS} buckets: all rows of the cut-off bucket come, so a few more
 * than r may; never more than out.length). Two passes over the scores, no sort.
 * @returns how many rows were written
 */
export function rowsAtTop(scores: Int32Array, r: number, out: Int32Array): number {
  const count = scores.length;
  if (count <= r) {
    for (let i = 0; i < count; i++) out[i] = i;
    return count;
  }
  let min = scores[0]!;
  let max = min;
  for (let i = 1; i < count; i++) {
    const s = scores[i]!;
    if (s < min) min = s;
    else if (s > max) max = s;
  }
  const width = (max - min + 1) / CUT_BUCKETS;
  const hist = new Int32Array(CUT_BUCKETS);
  for (let i = 0; i < count; i++) hist[Math.floor((scores[i]! - min) / width)]!++;
  let bucket = CUT_BUCKETS - 1;
  let taken = hist[bucket]!;
  while (bucket > 0 && taken < r) taken += hist[--bucket]!;
  const cut = min + bucket * width;
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
