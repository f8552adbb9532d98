/**
 * Compact 8-bit codes for L2-normalised embedding vectors, scored against a float query
 * ("asymmetric": the query is never quantised, so only the stored side carries an error).
 *
 * Two codecs share {@link VectorCodec}:
 *
 * - {@link ScalarQuantizer}: int8 scalar quantisation, one step per dimension. Trained on a sample:
 *   per dimension d the range [lo_d, hi_d] of the sample, step_d = (hi_d − lo_d) / 255, and a value
 *   stored as the byte u_d = round((x_d − lo_d) / step_d) (offset binary, clamped to 0…255), read back
 *   as x̂_d = lo_d + step_d·u_d. A query q is turned once into weights w_d = q_d·step_d and a bias
 *   b = Σ q_d·lo_d, so q·x̂ = b + Σ w_d·u_d: one float multiply-add per byte, accumulated in float64.
 *   Error bound (per dimension inside the trained range): |x̂_d − x_d| ≤ step_d / 2, hence
 *   |q·x̂ − q·x| ≤ ½ Σ |q_d|·step_d ({@link ScalarQuantizer.dotErrorBound}); for CLIP ViT-B/32 vectors
 *   (components within about ±0.25) that is of the order of 1e-3 for a unit query. A value outside the
 *   trained range is clamped to it (the bound then grows by the overshoot).
 *   Cost: dim bytes per item (512 for CLIP).
 *
 * - {@link ProductQuantizer}: product quantisation (H. Jégou, M. Douze, C. Schmid, "Product
 *   quantization for nearest neighbor search", IEEE TPAMI 2011). The vector is cut into M sub-vectors
 *   of dim/M components; each is replaced by the index (one byte) of its nearest of 256 centroids,
 *   learnt per sub-space by k-means (S. Lloyd 1982) on a sample. A query gets a table of its dot
 *   products with every centroid (M × 256 floats, "asymmetric distance computation"), so an item's
 *   score is M table look-ups. Error: q·x̂ − q·x = q·(x̂ − x), so |error| ≤ ‖q‖·‖x − x̂‖ (Cauchy–Schwarz);
 *   there is no a-priori bound, the residual ‖x − x̂‖ is measured ({@link ProductQuantizer.residualNorm}).
 *   Cost: M bytes per item (64 for CLIP with M = 64, i.e. 8 components per byte).
 *
 * Both are used for candidate generation only: the final ranking is exact (see compact-index.ts).
 *
 * Pure and synchronous: no DOM, idb, wasm or worker globals.
 */

import { mulberry32 } from './random';

/** What a compact index needs of a codec: fixed-size byte codes and fast scoring of many rows. */
export interface VectorCodec {
  readonly kind: 'int8' | 'pq';
  /** Vector length. */
  readonly dim: number;
  /** Bytes per stored vector. */
  readonly codeBytes: number;
  /** Writes the code of `vector` at `codes[offset … offset + codeBytes)`. */
  encode(vector: Float32Array, codes: Uint8Array, offset: number): void;
  /** The vector a code stands for. */
  decode(codes: Uint8Array, offset: number): Float32Array;
  /** Per-query state for {@link scoreCodes} (weights or look-up table); compute once per query. */
  prepare(query: Float32Array): PreparedQuery;
  /**
   * Approximate dot products of the prepared query with the `count` codes stored one after the
   * other in `codes` (code i at `codes[i·codeBytes …]`), written to `out[0 … count)`.
   */
  scoreCodes(prepared: PreparedQuery, codes: Uint8Array, count: number, out: Float64Array): void;
}

/** Opaque per-query state of a codec. */
export interface PreparedQuery {
  readonly table: Float32Array;
  readonly bias: number;
}

/** Lengths and ranges a codec checks before it trusts its input. */
function checkSample(sample: readonly Float32Array[], dim: number, what: string): void {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`${what}: bad dim ${dim}`);
  if (sample.length === 0) throw new RangeError(`${what}: empty training sample`);
  for (const v of sample) if (v.length !== dim) throw new RangeError(`${what}: sample vector of length ${v.length}, expected ${dim}`);
}

/** Int8 scalar quantisation with a per-dimension range learnt from a sample (scheme in the file header). */
export class ScalarQuantizer implements VectorCodec {
  readonly kind = 'int8' as const;
  readonly dim: number;
  readonly codeBytes: number;
  /** Lower end of each dimension's range. */
  readonly lo: Float32Array;
  /** Quantisation step of each dimension, (hi − lo) / 255 (> 0). */
  readonly step: Float32Array;

  constructor(lo: Float32Array, step: Float32Array) {
    if (lo.length !== step.length || lo.length < 1) throw new RangeError('ScalarQuantizer: lo and step must have the same length ≥ 1');
    this.dim = lo.length;
    this.codeBytes = lo.length;
    this.lo = lo;
    this.step = step;
  }

  /**
   * Learns each dimension's range from `sample` (min and max; a few thousand vectors suffice, as
   * values outside it are only clamped).
   */
  static train(sample: readonly Float32Array[], dim: number): ScalarQuantizer {
    checkSample(sample, dim, 'ScalarQuantizer.train');
    const lo = new Float32Array(dim).fill(Infinity);
    const hi = new Float32Array(dim).fill(-Infinity);
    for (const v of sample) {
      for (let d = 0; d < dim; d++) {
        const x = v[d]!;
        if (x < lo[d]!) lo[d] = x;
        if (x > hi[d]!) hi[d] = x;
      }
    }
    const step = new Float32Array(dim);
    // A constant dimension still needs a positive step (its one value is then stored exactly).
    for (let d = 0; d < dim; d++) step[d] = Math.max((hi[d]! - lo[d]!) / 255, 1e-12);
    return new ScalarQuantizer(lo, step);
  }

  encode(vector: Float32Array, codes: Uint8Array, offset: number): void {
    const { lo, step, dim } = this;
    for (let d = 0; d < dim; d++) {
      const u = Math.round((vector[d]! - lo[d]!) / step[d]!);
      codes[offset + d] = u < 0 ? 0 : u > 255 ? 255 : u;
    }
  }

  decode(codes: Uint8Array, offset: number): Float32Array {
    const out = new Float32Array(this.dim);
    for (let d = 0; d < this.dim; d++) out[d] = this.lo[d]! + this.step[d]! * codes[offset + d]!;
    return out;
  }

  /** Largest |q·x̂ − q·x| for any x inside the trained range: ½ Σ |q_d|·step_d. */
  dotErrorBound(query: Float32Array): number {
    let s = 0;
    for (let d = 0; d < this.dim; d++) s += Math.abs(query[d]!) * this.step[d]!;
    return s / 2;
  }

  prepare(query: Float32Array): PreparedQuery {
    if (query.length !== this.dim) throw new RangeError(`ScalarQuantizer: query of length ${query.length}, expected ${this.dim}`);
    const table = new Float32Array(this.dim);
    let bias = 0;
    for (let d = 0; d < this.dim; d++) {
      table[d] = query[d]! * this.step[d]!;
      bias += query[d]! * this.lo[d]!;
    }
    return { table, bias };
  }

  scoreCodes(prepared: PreparedQuery, codes: Uint8Array, count: number, out: Float64Array): void {
    const w = prepared.table;
    const dim = this.dim;
    const dim4 = dim & ~3;
    for (let i = 0, base = 0; i < count; i++, base += dim) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let d = 0;
      for (; d < dim4; d += 4) {
        s0 += w[d]! * codes[base + d]!;
        s1 += w[d + 1]! * codes[base + d + 1]!;
        s2 += w[d + 2]! * codes[base + d + 2]!;
        s3 += w[d + 3]! * codes[base + d + 3]!;
      }
      for (; d < dim; d++) s0 += w[d]! * codes[base + d]!;
      out[i] = prepared.bias + s0 + s1 + (s2 + s3);
    }
  }
}

/** Product-quantiser settings. */
export interface PqOptions {
  /** Number of sub-vectors M (bytes per code); must divide dim. Default 64. */
  subspaces?: number;
  /** Lloyd iterations per sub-space. Default 12. */
  iterations?: number;
  /** Seed of the centroid initialisation. Default 1. */
  seed?: number;
}

/** Centroids per sub-space: one byte per sub-vector. */
export const PQ_CENTROIDS = 256;

/** Product quantisation with 256 centroids per sub-space, scored by look-up tables (file header). */
export class ProductQuantizer implements VectorCodec {
  readonly kind = 'pq' as const;
  readonly dim: number;
  /** M: sub-vectors per vector, one byte each. */
  readonly codeBytes: number;
  /** Components per sub-vector, dim / M. */
  readonly subDim: number;
  /** M × 256 × subDim centroid components: sub-space m, centroid c at (m·256 + c)·subDim. */
  readonly codebooks: Float32Array;
  /** ‖centroid‖² for each of the M × 256 centroids (for nearest-centroid search). */
  readonly #centroidNormSq: Float32Array;

  constructor(dim: number, subspaces: number, codebooks: Float32Array) {
    if (!Number.isInteger(subspaces) || subspaces < 1 || dim % subspaces !== 0) {
      throw new RangeError(`ProductQuantizer: ${subspaces} sub-spaces do not divide dim ${dim}`);
    }
    if (codebooks.length !== dim * PQ_CENTROIDS) throw new RangeError(`ProductQuantizer: codebooks of length ${codebooks.length}, expected ${dim * PQ_CENTROIDS}`);
    this.dim = dim;
    this.codeBytes = subspaces;
    this.subDim = dim / subspaces;
    this.codebooks = codebooks;
    this.#centroidNormSq = new Float32Array(subspaces * PQ_CENTROIDS);
    for (let c = 0; c < subspaces * PQ_CENTROIDS; c++) {
      let s = 0;
      for (let j = 0; j < this.subDim; j++) s += codebooks[c * this.subDim + j]! ** 2;
      this.#centroidNormSq[c] = s;
    }
  }

  /**
   * Learns 256 centroids per sub-space by Lloyd's k-means on `sample` (≥ 256 vectors; 10–50k is
   * plenty). Initial centroids are distinct sample rows picked by a seeded shuffle; a centroid
   * left empty is moved to a random sample row.
   */
  static train(sample: readonly Float32Array[], dim: number, opts: PqOptions = {}): ProductQuantizer {
    checkSample(sample, dim, 'ProductQuantizer.train');
    const subspaces = opts.subspaces ?? 64;
    const iterations = opts.iterations ?? 12;
    if (!Number.isInteger(subspaces) || subspaces < 1 || dim % subspaces !== 0) {
      throw new RangeError(`ProductQuantizer.train: ${subspaces} sub-spaces do not divide dim ${dim}`);
    }
    const rand = mulberry32(opts.seed ?? 1);
    const n = sample.length;
    const subDim = dim / subspaces;
    const codebooks = new Float32Array(dim * PQ_CENTROIDS);
    const points = new Float32Array(n * subDim);
    const assign = new Int32Array(n);
    const sums = new Float64Array(PQ_CENTROIDS * subDim);
    const counts = new Int32Array(PQ_CENTROIDS);
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let m = 0; m < subspaces; m++) {
      for (let i = 0; i < n; i++) points.set(sample[i]!.subarray(m * subDim, (m + 1) * subDim), i * subDim);
      const book = codebooks.subarray(m * PQ_CENTROIDS * subDim, (m + 1) * PQ_CENTROIDS * subDim);
      // Fewer sample rows than centroids: the extra centroids repeat rows (harmless, never preferred).
      for (let c = 0; c < PQ_CENTROIDS; c++) book.set(points.subarray(order[c % n]! * subDim, (order[c % n]! + 1) * subDim), c * subDim);
      for (let it = 0; it < iterations; it++) {
        nearestCentroids(points, n, book, subDim, assign);
        sums.fill(0);
        counts.fill(0);
        for (let i = 0; i < n; i++) {
          const c = assign[i]!;
          counts[c]!++;
          for (let j = 0; j < subDim; j++) sums[c * subDim + j]! += points[i * subDim + j]!;
        }
        for (let c = 0; c < PQ_CENTROIDS; c++) {
          if (counts[c] === 0) {
            const r = Math.floor(rand() * n);
            book.set(points.subarray(r * subDim, (r + 1) * subDim), c * subDim);
          } else {
            for (let j = 0; j < subDim; j++) book[c * subDim + j] = sums[c * subDim + j]! / counts[c]!;
          }
        }
      }
    }
    return new ProductQuantizer(dim, subspaces, codebooks);
  }

  encode(vector: Float32Array, codes: Uint8Array, offset: number): void {
    for (let m = 0; m < this.codeBytes; m++) {
      codes[offset + m] = nearestCentroid(vector, m * this.subDim, this.codebooks, m * PQ_CENTROIDS, this.#centroidNormSq, this.subDim);
    }
  }

  decode(codes: Uint8Array, offset: number): Float32Array {
    const out = new Float32Array(this.dim);
    const subDim = this.subDim;
    for (let m = 0; m < this.codeBytes; m++) {
      const cb = (m * PQ_CENTROIDS + codes[offset + m]!) * subDim;
      out.set(this.codebooks.subarray(cb, cb + subDim), m * subDim);
    }
    return out;
  }

  /** ‖x − x̂‖ for one vector: the largest score error against any unit query. */
  residualNorm(vector: Float32Array): number {
    const code = new Uint8Array(this.codeBytes);
    this.encode(vector, code, 0);
    const x = this.decode(code, 0);
    let s = 0;
    for (let d = 0; d < this.dim; d++) s += (vector[d]! - x[d]!) ** 2;
    return Math.sqrt(s);
  }

  prepare(query: Float32Array): PreparedQuery {
    if (query.length !== this.dim) throw new RangeError(`ProductQuantizer: query of length ${query.length}, expected ${this.dim}`);
    const { subDim, codebooks } = this;
    const table = new Float32Array(this.codeBytes * PQ_CENTROIDS);
    for (let m = 0; m < this.codeBytes; m++) {
      for (let c = 0; c < PQ_CENTROIDS; c++) {
        const cb = (m * PQ_CENTROIDS + c) * subDim;
        let s = 0;
        for (let j = 0; j < subDim; j++) s += query[m * subDim + j]! * codebooks[cb + j]!;
        table[m * PQ_CENTROIDS + c] = s;
      }
    }
    return { table, bias: 0 };
  }

  scoreCodes(prepared: PreparedQuery, codes: Uint8Array, count: number, out: Float64Array): void {
    const t = prepared.table;
    const m = this.codeBytes;
    if (LITTLE_ENDIAN && m % 4 === 0 && codes.byteOffset % 4 === 0) {
      scoreCodeWords(t, new Uint32Array(codes.buffer, codes.byteOffset, (count * m) >> 2), m >> 2, count, out);
      return;
    }
    const m4 = m & ~3;
    // Codes one after the other: the scan reads memory in order, which the prefetcher follows.
    for (let i = 0, base = 0; i < count; i++, base += m) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      let t0 = 0;
      // Four look-ups per step, each into its own 256-entry slice of the table.
      for (; j < m4; j += 4, t0 += 4 * PQ_CENTROIDS) {
        s0 += t[t0 + codes[base + j]!]!;
        s1 += t[t0 + PQ_CENTROIDS + codes[base + j + 1]!]!;
        s2 += t[t0 + 2 * PQ_CENTROIDS + codes[base + j + 2]!]!;
        s3 += t[t0 + 3 * PQ_CENTROIDS + codes[base + j + 3]!]!;
      }
      for (; j < m; j++, t0 += PQ_CENTROIDS) s0 += t[t0 + codes[base + j]!]!;
      out[i] = s0 + s1 + (s2 + s3);
    }
  }
}

/** Whether a Uint32Array reads bytes b0 b1 b2 b3 as b0 + b1·2⁸ + b2·2¹⁶ + b3·2²⁴ (every browser and Node on x86 and ARM). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * ProductQuantizer.scoreCodes for codes of a whole number of 32-bit words: one read per four code
 * bytes instead of four, each byte taken out with a shift and a mask. Adds the same table entries
 * in the same order as the byte loop (same scores to the last bit); measured in Node at 128-byte
 * codes: 0.65–0.71 of the byte loop's time.
 */
function scoreCodeWords(t: Float32Array, words: Uint32Array, wordsPerCode: number, count: number, out: Float64Array): void {
  for (let i = 0, base = 0; i < count; i++, base += wordsPerCode) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    // word j holds the codes of sub-spaces 4j … 4j + 3, each with its own 256-entry slice of the table
    for (let j = 0, t0 = 0; j < wordsPerCode; j++, t0 += 4 * PQ_CENTROIDS) {
      const w = words[base + j]!;
      s0 += t[t0 + (w & 255)]!;
      s1 += t[t0 + PQ_CENTROIDS + ((w >>> 8) & 255)]!;
      s2 += t[t0 + 2 * PQ_CENTROIDS + ((w >>> 16) & 255)]!;
      s3 += t[t0 + 3 * PQ_CENTROIDS + (w >>> 24)]!;
    }
    out[i] = s0 + s1 + (s2 + s3);
  }
}

/**
 * The centroid c of `book` (rows first … first + 255, subDim components each) nearest to
 * x[xo … xo + subDim) in Euclidean distance, by the smallest ‖c‖² − 2 x·c (= ‖x − c‖² − ‖x‖²).
 * The hot loop of encoding and training: 8 and 4 components (CLIP 512 / 64 and / 128) get
 * unrolled paths, which V8 runs several times faster than the generic loop.
 */
function nearestCentroid(x: Float32Array, xo: number, book: Float32Array, first: number, normSq: Float32Array, subDim: number): number {
  let best = 0;
  let bestD = Infinity;
  if (subDim === 8) {
    const x0 = x[xo]!, x1 = x[xo + 1]!, x2 = x[xo + 2]!, x3 = x[xo + 3]!;
    const x4 = x[xo + 4]!, x5 = x[xo + 5]!, x6 = x[xo + 6]!, x7 = x[xo + 7]!;
    for (let c = 0, k = first * 8; c < PQ_CENTROIDS; c++, k += 8) {
      const dotXc = x0 * book[k]! + x1 * book[k + 1]! + x2 * book[k + 2]! + x3 * book[k + 3]! + x4 * book[k + 4]! + x5 * book[k + 5]! + x6 * book[k + 6]! + x7 * book[k + 7]!;
      const dist = normSq[first + c]! - 2 * dotXc;
      if (dist < bestD) {
        bestD = dist;
        best = c;
      }
    }
    return best;
  }
  if (subDim === 4) {
    const x0 = x[xo]!, x1 = x[xo + 1]!, x2 = x[xo + 2]!, x3 = x[xo + 3]!;
    for (let c = 0, k = first * 4; c < PQ_CENTROIDS; c++, k += 4) {
      const dist = normSq[first + c]! - 2 * (x0 * book[k]! + x1 * book[k + 1]! + x2 * book[k + 2]! + x3 * book[k + 3]!);
      if (dist < bestD) {
        bestD = dist;
        best = c;
      }
    }
    return best;
  }
  for (let c = 0, k = first * subDim; c < PQ_CENTROIDS; c++, k += subDim) {
    let dotXc = 0;
    for (let j = 0; j < subDim; j++) dotXc += x[xo + j]! * book[k + j]!;
    const dist = normSq[first + c]! - 2 * dotXc;
    if (dist < bestD) {
      bestD = dist;
      best = c;
    }
  }
  return best;
}

/** assign[i] = the centroid of `book` (256 × subDim) nearest (Euclidean) to point i. */
function nearestCentroids(points: Float32Array, n: number, book: Float32Array, subDim: number, assign: Int32Array): void {
  const norms = new Float32Array(PQ_CENTROIDS);
  for (let c = 0; c < PQ_CENTROIDS; c++) {
    let s = 0;
    for (let j = 0; j < subDim; j++) s += book[c * subDim + j]! ** 2;
    norms[c] = s;
  }
  for (let i = 0; i < n; i++) assign[i] = nearestCentroid(points, i * subDim, book, 0, norms, subDim);
}
