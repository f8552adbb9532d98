/**
 * Int8 codes of unit vectors for a cheap two-stage ranking of a whole library against a query:
 * a short code along the library's principal axes scores every item, and a code of every
 * component re-scores the best few thousand (src/lib/search/text-ranker.ts).
 *
 * Component code (ScalarCoder): c_d = round(s_d · (x_d − μ_d)) clamped to ±127, with μ, σ the
 * sample's mean and spread per component and s_d = 127 / (4 σ_d), so clipping is rare.
 * Principal-axis code (PcaCoder): the same along the top `codeDim` eigenvectors a_j of the
 * sample's covariance, found by subspace (block power) iteration with Gram–Schmidt
 * re-orthonormalisation (G. H. Golub, C. F. Van Loan, "Matrix Computations", 4th ed., §8.2.4
 * "orthogonal iteration").
 * A query q is scored with int16 weights w ∝ (component or axis of q) / s, so Σ w·c ∝ q·(x − μ)
 * (resp. its part along the axes): the same for every item up to q·μ, so ranking items by it
 * approximates ranking them by q·x. The weights are scaled so that no sum can leave int32.
 *
 * Rows are `rowBytes` = code length rounded up to 16 bytes (zero padding), the layout of the
 * WebAssembly scan (src/lib/search/int8-scan.ts); {@link scoreCodes} is its plain reference:
 * integer sums, so both give the same numbers exactly.
 *
 * Pure: no DOM, idb, wasm or worker globals.
 */

import { mulberry32 } from './random.js';

/** Per-component int8 codes, fitted on a sample. */
export interface ScalarCoder {
  readonly dim: number;
  /** dim rounded up to a multiple of 16. */
  readonly rowBytes: number;
  readonly mean: Float64Array;
  /** Per component: code units per unit. */
  readonly scales: Float64Array;
}

/** A projection to `codeDim` int8 components along principal axes, fitted on a sample. */
export interface PcaCoder {
  readonly dim: number;
  readonly codeDim: number;
  /** codeDim rounded up to a multiple of 16. */
  readonly rowBytes: number;
  readonly mean: Float64Array;
  /** codeDim unit axes of length dim, row-major. */
  readonly axes: Float64Array;
  /** Per axis: code units per unit of projection. */
  readonly scales: Float64Array;
}

const CODE_MAX = 127;
/** A row of n code bytes padded to the WebAssembly scan's 16-byte lanes. */
export const roundUp16 = (n: number): number => (n + 15) & ~15;
/** Largest |weight| so that rowBytes products of 127 · weight sum below 2^31. */
export const maxWeight = (rowBytes: number): number => Math.min(32767, Math.floor(0x7fffffff / (CODE_MAX * rowBytes)));
const scaleFor = (sigma: number): number => (sigma > 0 ? CODE_MAX / (4 * sigma) : 0);
const clampCode = (x: number): number => Math.max(-CODE_MAX, Math.min(CODE_MAX, Math.round(x)));

function meanOf(sample: readonly Float32Array[], dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (const v of sample) for (let d = 0; d < dim; d++) mean[d]! += v[d]!;
  for (let d = 0; d < dim; d++) mean[d]! /= sample.length;
  return mean;
}

/** Fits per-component codes on `sample` (≥ 2 vectors of one length). @throws RangeError on a smaller sample */
export function fitScalarCoder(sample: readonly Float32Array[]): ScalarCoder {
  if (sample.length < 2) throw new RangeError(`fitScalarCoder: need at least 2 vectors, got ${sample.length}`);
  const dim = sample[0]!.length;
  const mean = meanOf(sample, dim);
  const ss = new Float64Array(dim);
  for (const v of sample) for (let d = 0; d < dim; d++) ss[d]! += (v[d]! - mean[d]!) ** 2;
  const scales = ss.map((x) => scaleFor(Math.sqrt(x / sample.length)));
  return { dim, rowBytes: roundUp16(dim), mean, scales };
}

/** Writes the code of `v` into out[offset … offset + rowBytes) (padding zeroed). */
export function encodeScalarRow(coder: ScalarCoder, v: Float32Array, out: Int8Array, offset: number): void {
  const { dim, mean, scales } = coder;
  for (let d = 0; d < dim; d++) out[offset + d] = clampCode((v[d]! - mean[d]!) * scales[d]!);
  out.fill(0, offset + dim, offset + coder.rowBytes);
}

/** Scales `w` (length n) into int16 weights, as large as int32 sums over rowBytes codes allow; returns the factor used. */
function toWeights(w: Float64Array, n: number, rowBytes: number, out: Int16Array): number {
  let max = 0;
  for (let j = 0; j < n; j++) max = Math.max(max, Math.abs(w[j]!));
  const f = max > 0 ? maxWeight(rowBytes) / max : 0;
  for (let j = 0; j < n; j++) out[j] = Math.round(w[j]! * f);
  out.fill(0, n, rowBytes);
  return f;
}

/**
 * The query's int16 weights for per-component codes (rowBytes of them, padding zero).
 * @returns the factor F: Σ w·c ≈ F · q·(x − μ)
 */
export function scalarQueryWeights(coder: ScalarCoder, q: Float32Array, out: Int16Array): number {
  const { dim, scales } = coder;
  const w = new Float64Array(dim);
  for (let d = 0; d < dim; d++) w[d] = scales[d]! > 0 ? q[d]! / scales[d]! : 0;
  return toWeights(w, dim, coder.rowBytes, out);
}

const orthonormalise = (q: Float64Array, dim: number, k: number): void => {
  // Columns j of a dim × k row-major matrix, modified Gram–Schmidt.
  for (let j = 0; j < k; j++) {
    for (let p = 0; p < j; p++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += q[d * k + j]! * q[d * k + p]!;
      for (let d = 0; d < dim; d++) q[d * k + j]! -= s * q[d * k + p]!;
    }
    let n = 0;
    for (let d = 0; d < dim; d++) n += q[d * k + j]! ** 2;
    n = Math.sqrt(n) || 1;
    for (let d = 0; d < dim; d++) q[d * k + j]! /= n;
  }
};

/** The sample's covariance, dim × dim row-major, in float64 (divided by the sample size). */
export function covariance(sample: readonly Float32Array[], mean: Float64Array): Float64Array {
  const dim = mean.length;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (const v of sample) {
    for (let d = 0; d < dim; d++) row[d] = v[d]! - mean[d]!;
    for (let a = 0; a < dim; a++) {
      const ra = row[a]!;
      const o = a * dim;
      for (let b = a; b < dim; b++) cov[o + b]! += ra * row[b]!;
    }
  }
  for (let a = 0; a < dim; a++) for (let b = a; b < dim; b++) cov[b * dim + a] = cov[a * dim + b]! /= sample.length;
  return cov;
}

/**
 * Fits the coder on `sample` (vectors of length dim, ≥ 2 of them).
 *
 * @param codeDim    axes kept, 1…dim
 * @param iterations orthogonal-iteration steps
 * @param seed       start of the iteration (the same sample and seed give the same coder)
 * @param cov        the sample's covariance when the caller has it (default: {@link covariance})
 * @throws RangeError on a bad codeDim or a sample of fewer than 2 vectors
 */
export function fitPcaCoder(sample: readonly Float32Array[], codeDim: number, iterations = 10, seed = 1, cov?: Float64Array): PcaCoder {
  const n = sample.length;
  if (n < 2) throw new RangeError(`fitPcaCoder: need at least 2 vectors, got ${n}`);
  const dim = sample[0]!.length;
  if (!Number.isInteger(codeDim) || codeDim < 1 || codeDim > dim) throw new RangeError(`fitPcaCoder: bad codeDim ${codeDim}`);
  const mean = meanOf(sample, dim);
  const c = cov ?? covariance(sample, mean);
  const k = codeDim;
  let q = new Float64Array(dim * k);
  const rand = mulberry32(seed);
  for (let i = 0; i < q.length; i++) q[i] = rand() - 0.5;
  orthonormalise(q, dim, k);
  for (let it = 0; it < iterations; it++) {
    const y = new Float64Array(dim * k);
    for (let a = 0; a < dim; a++) {
      const o = a * dim;
      const ya = a * k;
      for (let b = 0; b < dim; b++) {
        const cab = c[o + b]!;
        const qb = b * k;
        for (let j = 0; j < k; j++) y[ya + j]! += cab * q[qb + j]!;
      }
    }
    q = y;
    orthonormalise(q, dim, k);
  }
  const axes = new Float64Array(k * dim);
  for (let j = 0; j < k; j++) for (let d = 0; d < dim; d++) axes[j * dim + d] = q[d * k + j]!;
  // Spread along each axis: σ² = aᵀ C a.
  const scales = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let v = 0;
    for (let a = 0; a < dim; a++) {
      let t = 0;
      for (let b = 0; b < dim; b++) t += c[a * dim + b]! * axes[j * dim + b]!;
      v += t * axes[j * dim + a]!;
    }
    scales[j] = scaleFor(Math.sqrt(Math.max(0, v)));
  }
  return { dim, codeDim: k, rowBytes: roundUp16(k), mean, axes, scales };
}

/** Writes the code of `v` into out[offset … offset + rowBytes) (padding zeroed). */
export function encodeRow(coder: PcaCoder, v: Float32Array, out: Int8Array, offset: number): void {
  const { dim, codeDim, axes, mean, scales } = coder;
  for (let j = 0; j < codeDim; j++) {
    let p = 0;
    const o = j * dim;
    for (let d = 0; d < dim; d++) p += axes[o + d]! * (v[d]! - mean[d]!);
    out[offset + j] = clampCode(p * scales[j]!);
  }
  out.fill(0, offset + codeDim, offset + coder.rowBytes);
}

/** The query's int16 weights for principal-axis codes (rowBytes of them, padding zero; all zero for a query with no part along the axes). */
export function queryWeights(coder: PcaCoder, q: Float32Array, out: Int16Array = new Int16Array(coder.rowBytes)): Int16Array {
  const { dim, codeDim, axes } = coder;
  const projections = new Float64Array(codeDim);
  const dim4 = dim & ~3;
  for (let j = 0; j < codeDim; j++) {
    // Four sums: one would wait on each addition's latency (128 axes × 512 components per query).
    let p0 = 0;
    let p1 = 0;
    let p2 = 0;
    let p3 = 0;
    const o = j * dim;
    let d = 0;
    for (; d < dim4; d += 4) {
      p0 += axes[o + d]! * q[d]!;
      p1 += axes[o + d + 1]! * q[d + 1]!;
      p2 += axes[o + d + 2]! * q[d + 2]!;
      p3 += axes[o + d + 3]! * q[d + 3]!;
    }
    for (; d < dim; d++) p0 += axes[o + d]! * q[d]!;
    projections[j] = p0 + p1 + (p2 + p3);
  }
  return projectionWeights(coder, projections, out);
}

/**
 * The int16 weights for principal-axis codes of a query whose projections on the coder's axes
 * (a_j · q, codeDim of them) are given: what {@link queryWeights} returns for that query.
 */
export function projectionWeights(coder: PcaCoder, projections: ArrayLike<number>, out: Int16Array = new Int16Array(coder.rowBytes)): Int16Array {
  const { codeDim, scales } = coder;
  const w = new Float64Array(codeDim);
  for (let j = 0; j < codeDim; j++) w[j] = scales[j]! > 0 ? projections[j]! / scales[j]! : 0;
  toWeights(w, codeDim, coder.rowBytes, out);
  return out;
}

/**
 * Plain reference of the int8 scan: out[i] = Σ_j codes[i·rowBytes + j] · weights[j] for i < count.
 * Integer sums, exact for weights within {@link maxWeight}.
 */
export function scoreCodes(codes: Int8Array, count: number, rowBytes: number, weights: Int16Array, out: Int32Array): void {
  for (let i = 0; i < count; i++) {
    let s = 0;
    const o = i * rowBytes;
    for (let j = 0; j < rowBytes; j++) s += codes[o + j]! * weights[j]!;
    out[i] = s;
  }
}

/**
 * Rows of the `r` largest scores among scores[0…count), best first (ties: lower row first).
 * One pass with a bounded min-heap: O(count + r·log r) for the usual case where few scores beat
 * the heap's minimum.
 */
export function topRows(scores: Int32Array, count: number, r: number): Int32Array {
  const size = Math.min(r, count);
  if (size <= 0) return new Int32Array(0);
  const heapS = new Int32Array(size);
  const heapR = new Int32Array(size);
  let n = 0;
  // Min-heap on (score, −row): the root is the worst kept row.
  const worse = (a: number, b: number): boolean => heapS[a]! < heapS[b]! || (heapS[a] === heapS[b] && heapR[a]! > heapR[b]!);
  const swap = (a: number, b: number): void => {
    const s = heapS[a]!;
    const rr = heapR[a]!;
    heapS[a] = heapS[b]!;
    heapR[a] = heapR[b]!;
    heapS[b] = s;
    heapR[b] = rr;
  };
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const c = l + 1 < n && worse(l + 1, l) ? l + 1 : l;
      if (!worse(c, i)) return;
      swap(c, i);
      i = c;
    }
  };
  for (let row = 0; row < count; row++) {
    const s = scores[row]!;
    if (n < size) {
      heapS[n] = s;
      heapR[n] = row;
      let i = n++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(i, p)) break;
        swap(i, p);
        i = p;
      }
    } else if (s > heapS[0]!) {
      heapS[0] = s;
      heapR[0] = row;
      down(0);
    }
  }
  const out = new Int32Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = heapR[0]!;
    heapS[0] = heapS[n - 1]!;
    heapR[0] = heapR[n - 1]!;
    n--;
    down(0);
  }
  return out;
}

/**
 * The weights that score a query against component codes in floating point (the HNSW graph
 * search over codes, core/hnsw.ts): w_d = q_d / s_d (0 where s_d = 0) written into `out` (length
 * ≥ dim), and the returned bias q·μ, so that q·x ≈ bias + Σ_d w_d · c_d with x decoded as μ + c / s.
 * The error is at most Σ_d |q_d| · 0.5 / s_d for components within the code's ±4σ range.
 */
export function codeQueryWeights(coder: ScalarCoder, q: Float32Array, out: Float32Array): number {
  const { dim, mean, scales } = coder;
  let bias = 0;
  for (let d = 0; d < dim; d++) {
    const s = scales[d]!;
    out[d] = s > 0 ? q[d]! / s : 0;
    bias += q[d]! * mean[d]!;
  }
  return bias;
}

/** Σ_d w[d] · codes[o + d] for d < dim, in float64 with four accumulators (see {@link codeQueryWeights}). */
export function codeDotAt(w: Float32Array, codes: Int8Array, o: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const dim4 = dim & ~3;
  let d = 0;
  for (; d < dim4; d += 4) {
    s0 += w[d]! * codes[o + d]!;
    s1 += w[d + 1]! * codes[o + d + 1]!;
    s2 += w[d + 2]! * codes[o + d + 2]!;
    s3 += w[d + 3]! * codes[o + d + 3]!;
  }
  for (; d < dim; d++) s0 += w[d]! * codes[o + d]!;
  return s0 + s1 + (s2 + s3);
}

/** Per component 1 / s_d (0 where s_d = 0): what {@link codePairDotAt} decodes with. */
export function inverseScales(coder: ScalarCoder): Float64Array {
  return coder.scales.map((s) => (s > 0 ? 1 / s : 0));
}

/** The inner product of two coded rows (at byte offsets a and b of `codes`), each decoded as μ + c / s. */
export function codePairDotAt(mean: Float64Array, inverse: Float64Array, codes: Int8Array, a: number, b: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  const dim2 = dim & ~1;
  let d = 0;
  for (; d < dim2; d += 2) {
    s0 += (mean[d]! + codes[a + d]! * inverse[d]!) * (mean[d]! + codes[b + d]! * inverse[d]!);
    s1 += (mean[d + 1]! + codes[a + d + 1]! * inverse[d + 1]!) * (mean[d + 1]! + codes[b + d + 1]! * inverse[d + 1]!);
  }
  if (d < dim) s0 += (mean[d]! + codes[a + d]! * inverse[d]!) * (mean[d]! + codes[b + d]! * inverse[d]!);
  return s0 + s1;
}

/** The vector a row of component codes stands for (μ + c / s), written into `out` (length ≥ dim). */
export function decodeScalarRow(coder: ScalarCoder, codes: Int8Array, offset: number, out: Float32Array): Float32Array {
  const { dim, mean, scales } = coder;
  for (let d = 0; d < dim; d++) out[d] = scales[d]! > 0 ? mean[d]! + codes[offset + d]! / scales[d]! : mean[d]!;
  return out;
}

/** Rebuilds a coder from its stored mean and scales (what an index snapshot keeps). @throws RangeError on lengths that differ */
export function scalarCoderOf(mean: Float64Array, scales: Float64Array): ScalarCoder {
  if (mean.length !== scales.length || mean.length < 1) throw new RangeError(`scalarCoderOf: ${mean.length} means and ${scales.length} scales`);
  return { dim: mean.length, rowBytes: roundUp16(mean.length), mean, scales };
}

/**
 * Residual codes: what a component code leaves, r_d = (x_d − μ_d)·s_d − c_d in code units (within
 * ±0.5 where the code did not clip), quantised to 4 bits in steps of 1/16 centred on zero:
 * n_d = clamp(round(16·r_d + 7.5), 0, 15) stands for (n_d − 7.5) / 16, so x is decoded as
 * μ + (c + (n − 7.5)/16) / s with an error of at most 1/(32·s_d) per component: 16× tighter than
 * the code alone (0.5/s_d). Two components per byte, the even one in the low nibble: rowBytes / 2
 * bytes per row (256 at 512-d). A component the code clipped (beyond ±4σ, rare) keeps most of the
 * clip's error: the residual reaches only 0.47/s_d past it.
 */
export const residualRowBytes = (coder: ScalarCoder): number => coder.rowBytes >> 1;

/** Writes the residual code of `v`, whose component code is codes[codeOffset…], into out[offset … offset + rowBytes/2). */
export function encodeResidualRow(coder: ScalarCoder, v: Float32Array, codes: Int8Array, codeOffset: number, out: Uint8Array, offset: number): void {
  const { dim, mean, scales } = coder;
  out.fill(0, offset, offset + residualRowBytes(coder));
  for (let d = 0; d < dim; d++) {
    const r = (v[d]! - mean[d]!) * scales[d]! - codes[codeOffset + d]!;
    const nibble = Math.max(0, Math.min(15, Math.round(16 * r + 7.5)));
    out[offset + (d >> 1)]! |= (d & 1) === 0 ? nibble : nibble << 4;
  }
}

/**
 * Σ_d w_d · (c_d + (n_d − 7.5)/16): with the weights and bias of {@link codeQueryWeights}, bias
 * plus this is q·x within Σ_d |q_d| / (32·s_d) for components the code did not clip.
 */
export function refinedDotAt(w: Float32Array, codes: Int8Array, o: number, residuals: Uint8Array, ro: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  const dim2 = dim & ~1;
  let d = 0;
  for (; d < dim2; d += 2) {
    const b = residuals[ro + (d >> 1)]!;
    s0 += w[d]! * (codes[o + d]! + ((b & 15) - 7.5) * 0.0625);
    s1 += w[d + 1]! * (codes[o + d + 1]! + ((b >> 4) - 7.5) * 0.0625);
  }
  if (d < dim) s0 += w[d]! * (codes[o + d]! + ((residuals[ro + (d >> 1)]! & 15) - 7.5) * 0.0625);
  return s0 + s1;
}
