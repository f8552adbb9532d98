import { l2Normalize } from '../../src/lib/core/vector';

/** Deterministic PRNG (mulberry32), so vector tests and their failures reproduce exactly. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random unit vector, uniform over directions only approximately (cube sampling is enough for tests). */
export function randomUnit(r: () => number, dim: number): Float32Array {
  return l2Normalize(Float32Array.from({ length: dim }, () => r() * 2 - 1));
}
