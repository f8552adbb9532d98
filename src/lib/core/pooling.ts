/**
 * Pooling of per-frame embeddings into one video embedding.
 *
 * Algorithms: mean pooling of frame features as in CLIP4Clip's "meanP"
 * (H. Luo et al., "CLIP4Clip: An Empirical Study of CLIP for End to End Video
 * Clip Retrieval", 2021); attention pooling with the mean as the query — a
 * single-query, parameter-free form of scaled dot-product attention
 * (A. Vaswani et al., "Attention Is All You Need", NeurIPS 2017) with a
 * temperature instead of 1/√d — as in the product's research notebooks:
 *
 *   m = mean(F),  aᵢ = softmax(Fᵢ·m / T),  v = Σ aᵢ·Fᵢ,  result = v / ‖v‖₂.
 *
 * Frames that agree with the video's overall content get more weight, so a
 * few off-topic frames (title cards, transitions, a finger over the lens)
 * pull the result less than they do in the plain mean. T sets how sharply:
 * T → ∞ gives the mean, T → 0 gives the single frame most aligned with it.
 *
 * All sums are in float64; results are float32 like the embeddings.
 *
 * Pure and synchronous: safe in workers and in Node.
 */
import { dotF64 } from './vector';

/**
 * Softmax temperature of {@link attentionPool}, from the research notebooks.
 * For L2-normalised CLIP frame embeddings, Fᵢ·m lies in about [0.5, 1], so
 * T = 0.08 spreads typical score gaps of 0.05–0.3 over e^0.6–e^4 in weight.
 */
export const ATTENTION_TEMPERATURE = 0.08;

function checkFrames(fn: string, frames: Float32Array[], dim: number): void {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`${fn}: dim must be an integer ≥ 1, got ${dim}`);
  if (frames.length === 0) throw new RangeError(`${fn}: no frames to pool`);
  for (let i = 0; i < frames.length; i++) {
    if (frames[i]!.length !== dim) throw new RangeError(`${fn}: frame ${i} has length ${frames[i]!.length}, expected ${dim}`);
  }
}

function mean(frames: Float32Array[], dim: number): Float64Array {
  const m = new Float64Array(dim);
  for (const f of frames) for (let d = 0; d < dim; d++) m[d]! += f[d]!;
  const inv = 1 / frames.length;
  for (let d = 0; d < dim; d++) m[d]! *= inv;
  return m;
}

/**
 * float64 → float32 unit vector. A zero (or non-finite-norm) vector yields a
 * zero vector, as `l2Normalize` in vector.ts does, so frames that cancel out
 * give a vector that scores 0 against every query instead of NaN.
 */
function toUnitFloat32(v: Float64Array): Float32Array {
  let sumSq = 0;
  for (let d = 0; d < v.length; d++) sumSq += v[d]! * v[d]!;
  const out = new Float32Array(v.length);
  const norm = Math.sqrt(sumSq);
  if (norm === 0 || !Number.isFinite(norm)) return out;
  for (let d = 0; d < v.length; d++) out[d] = v[d]! / norm;
  return out;
}

/**
 * Mean of the frame embeddings, L2-normalised.
 *
 * @param frames ≥ 1 embeddings, each of length `dim` (normally unit vectors)
 * @param dim    embedding dimension, integer ≥ 1 (e.g. 512)
 * @returns new unit vector of length dim (zero vector if the mean is zero)
 * @throws RangeError on no frames, a bad dim or a frame of another length
 */
export function meanPool(frames: Float32Array[], dim: number): Float32Array {
  checkFrames('meanPool', frames, dim);
  return toUnitFloat32(mean(frames, dim));
}

/** Result of {@link attentionPool}. */
export interface AttentionPoolResult {
  /** pooled embedding, unit length (zero vector if Σ aᵢFᵢ is zero) */
  vector: Float32Array;
  /** softmax weight of each input frame, in input order; each in [0, 1], Σ = 1 */
  weights: Float64Array;
}

/**
 * Attention pooling with the mean frame as query (see the file header):
 * m = mean(F), aᵢ = softmax(Fᵢ·m / T), v = Σ aᵢ·Fᵢ, then L2-normalised.
 *
 * The softmax subtracts the largest score before exponentiating, so it cannot
 * overflow however small T is; T = Infinity is allowed and gives uniform
 * weights (= {@link meanPool}). Frames with equal top score share the weight.
 *
 * @param frames      ≥ 1 embeddings, each of length `dim` (normally unit vectors)
 * @param dim         embedding dimension, integer ≥ 1
 * @param temperature softmax temperature T > 0 (dimensionless, same scale as the dot products)
 * @returns the pooled unit vector and the per-frame weights
 * @throws RangeError on no frames, a bad dim, a frame of another length, or T ≤ 0 / NaN
 */
export function attentionPool(
  frames: Float32Array[],
  dim: number,
  temperature: number = ATTENTION_TEMPERATURE,
): AttentionPoolResult {
  checkFrames('attentionPool', frames, dim);
  if (!(temperature > 0)) throw new RangeError(`attentionPool: temperature must be > 0, got ${temperature}`);

  const m = mean(frames, dim);
  const n = frames.length;
  const weights = new Float64Array(n);
  let maxScore = -Infinity;
  for (let i = 0; i < n; i++) {
    const f = frames[i]!;
    const s = dotF64(f, m);
    // T = Infinity: s / T = 0 for every finite s → uniform weights, as the limit.
    weights[i] = s / temperature;
    if (weights[i]! > maxScore) maxScore = weights[i]!;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    weights[i] = Math.exp(weights[i]! - maxScore); // ≤ 1; the top frame gets exactly 1, so sum ≥ 1
    sum += weights[i]!;
  }
  const v = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    weights[i]! /= sum;
    const a = weights[i]!;
    if (a === 0) continue;
    const f = frames[i]!;
    for (let d = 0; d < dim; d++) v[d]! += a * f[d]!;
  }
  return { vector: toUnitFloat32(v), weights };
}
